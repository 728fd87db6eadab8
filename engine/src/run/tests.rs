//! Scheduler tests on the testkit kinds (numbers flow along the wires).

use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use super::*;
use crate::context::StepContext;
use crate::flow::NodeId;
use crate::flow::{Edge, Node};
use crate::kind::{Inputs, NodeKind, Params, StepError};
use crate::record::StepStatus;
use crate::testkit::{self, Behaviour, Number, TestKind};

fn node(id: u32, kind: &str, value: f64) -> Node {
    Node {
        id: NodeId(id),
        kind: kind.into(),
        label: format!("{kind}{id}"),
        params: [("value".to_owned(), Value::Float(value).into())].into(),
        pos: (0.0, 0.0),
    }
}

fn flow(nodes: Vec<Node>, edges: &[(u32, u32)]) -> Flow {
    let mut f = Flow::new("test");
    f.nodes = nodes;
    f.edges = edges
        .iter()
        .map(|(a, b)| Edge::new(NodeId(*a), "out", NodeId(*b), "in"))
        .collect();
    f.normalize();
    f
}

fn engine(registry: Registry) -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (Engine::new(Arc::new(registry), store), dir)
}

fn number(engine: &Engine, run: &RunRecord, step: &str) -> f64 {
    let a = engine
        .store()
        .run_artifact(run, step, "out", engine.registry().artifact_types())
        .unwrap();
    crate::artifact::downcast::<Number>(a.as_ref()).unwrap().0
}

fn status_of(run: &RunRecord, id: u32) -> StepStatus {
    run.task(NodeId(id)).unwrap().status
}

//   1 ──▶ 2 ──▶ 4
//   └───▶ 3 ──▶─┘
#[test]
fn diamond_runs_in_order_and_joins() {
    let (engine, _dir) = engine(testkit::registry());
    let f = flow(
        vec![
            node(1, "const", 1.0),
            node(2, "add", 10.0),
            node(3, "add", 100.0),
            node(4, "add", 0.0),
        ],
        &[(1, 2), (1, 3), (2, 4), (3, 4)],
    );
    let mut events = Vec::new();
    let run = engine
        .run(&f, RunOptions::default(), |e| events.push(e.clone()))
        .unwrap();
    assert_eq!(run.status, RunStatus::Done);
    assert_eq!(number(&engine, &run, "add4"), 11.0 + 101.0);
    assert!(matches!(events.first(), Some(Event::RunStarted { .. })));
    assert!(matches!(
        events.last(),
        Some(Event::RunFinished {
            status: RunStatus::Done,
            ..
        })
    ));
    let finished = events
        .iter()
        .filter(|e| matches!(e, Event::StepFinished { .. }))
        .count();
    assert_eq!(finished, 4);
}

//   1 ──▶ 2 (waits on a barrier of 2)
//   └───▶ 3 (waits on the same barrier)
// Run serially, the first branch would wait forever for the second.
#[test]
fn independent_branches_run_in_parallel() {
    let barrier = Arc::new(Barrier::new(2));
    let mut registry = testkit::registry();
    registry.register(TestKind::new("barrier", Behaviour::Barrier(barrier)));
    let (engine, _dir) = engine(registry);
    let f = flow(
        vec![
            node(1, "const", 1.0),
            node(2, "barrier", 1.0),
            node(3, "barrier", 2.0),
        ],
        &[(1, 2), (1, 3)],
    );
    let handle = engine.start(&f, RunOptions::default()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(handle.wait());
    });
    let run = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("branches did not run in parallel (deadlock)")
        .unwrap();
    assert_eq!(run.status, RunStatus::Done);
}

//   1 ──▶ 2 (fails) ──▶ 3
//   └───▶ 4 ──────────▶ 5
#[test]
fn a_failing_step_fails_alone_and_skips_its_descendants() {
    for bad in ["fail", "panic"] {
        let (engine, _dir) = engine(testkit::registry());
        let f = flow(
            vec![
                node(1, "const", 1.0),
                node(2, bad, 0.0),
                node(3, "add", 0.0),
                node(4, "add", 1.0),
                node(5, "add", 1.0),
            ],
            &[(1, 2), (2, 3), (1, 4), (4, 5)],
        );
        let run = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
        assert_eq!(run.status, RunStatus::Failed);
        assert_eq!(status_of(&run, 2), StepStatus::Failed);
        let msg = run.task(NodeId(2)).unwrap().message.clone().unwrap();
        assert!(msg.contains("always"), "{msg}");
        assert_eq!(status_of(&run, 3), StepStatus::Skipped);
        assert!(
            run.task(NodeId(3))
                .unwrap()
                .message
                .as_ref()
                .unwrap()
                .contains(&format!("{bad}2"))
        );
        assert_eq!(status_of(&run, 4), StepStatus::Done);
        assert_eq!(status_of(&run, 5), StepStatus::Done);
        assert_eq!(number(&engine, &run, "add5"), 3.0);
    }
}

//   1 ──▶ 2 (waits for cancel) ──▶ 3
#[test]
fn cancellation_stops_a_long_step_and_cancels_the_rest() {
    let mut registry = testkit::registry();
    registry.register(TestKind::new("wait", Behaviour::WaitForCancel));
    let (engine, _dir) = engine(registry);
    let f = flow(
        vec![
            node(1, "const", 1.0),
            node(2, "wait", 0.0),
            node(3, "add", 0.0),
        ],
        &[(1, 2), (2, 3)],
    );
    let handle = engine.start(&f, RunOptions::default()).unwrap();
    for e in handle.events.iter() {
        if matches!(e, Event::StepLog { .. }) {
            handle.cancel.cancel();
        }
        if matches!(e, Event::RunFinished { .. }) {
            break;
        }
    }
    let run = handle.wait().unwrap();
    assert_eq!(run.status, RunStatus::Cancelled);
    assert_eq!(status_of(&run, 1), StepStatus::Done);
    assert_eq!(status_of(&run, 2), StepStatus::Cancelled);
    assert!(!status_of(&run, 3).is_ok());
}

//   1 ──▶ 2 (counted) ──▶ 3 (counted)
#[test]
fn unchanged_steps_are_cached_and_a_param_edit_reruns_only_what_it_touches() {
    let count = Arc::new(Mutex::new(0));
    let mut registry = testkit::registry();
    registry.register(TestKind::new("counted", Behaviour::Counted(count.clone())));
    let (engine, _dir) = engine(registry);
    let mut f = flow(
        vec![
            node(1, "const", 1.0),
            node(2, "counted", 1.0),
            node(3, "counted", 1.0),
        ],
        &[(1, 2), (2, 3)],
    );
    let first = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(*count.lock().unwrap(), 2);
    let second = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(*count.lock().unwrap(), 2, "nothing re-ran");
    assert!(second.tasks.iter().all(|t| t.status == StepStatus::Cached));
    assert_eq!(
        second.task(NodeId(2)).unwrap().reused_from.as_deref(),
        Some(first.id.as_str())
    );
    assert_eq!(number(&engine, &second, "counted3"), 3.0);

    // Edit the last step only: the first two are reused.
    f.node_mut(NodeId(3))
        .unwrap()
        .params
        .insert("value".into(), Value::Float(5.0).into());
    let third = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(*count.lock().unwrap(), 3);
    assert_eq!(status_of(&third, 2), StepStatus::Cached);
    assert_eq!(status_of(&third, 3), StepStatus::Done);
    assert_eq!(number(&engine, &third, "counted3"), 7.0);

    // --no-cache recomputes everything.
    let opts = RunOptions {
        no_cache: true,
        ..Default::default()
    };
    engine.run(&f, opts, |_| {}).unwrap();
    assert_eq!(*count.lock().unwrap(), 5);
}

//   1 ──▶ 2 (counted) ──▶ 3 (fails, then fixed) ──▶ 4 (counted)
#[test]
fn resume_reruns_only_the_failed_step_and_what_follows() {
    let count = Arc::new(Mutex::new(0));
    let flaky = Arc::new(std::sync::atomic::AtomicBool::new(true));
    struct Flaky(TestKind, Arc<std::sync::atomic::AtomicBool>);
    impl NodeKind for Flaky {
        fn descriptor(&self) -> &crate::kind::KindDescriptor {
            self.0.descriptor()
        }
        fn run(
            &self,
            ctx: &mut StepContext<'_>,
            i: &Inputs,
            p: &Params,
        ) -> Result<crate::kind::Outputs, StepError> {
            if self.1.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(StepError::msg("transient failure"));
            }
            self.0.run(ctx, i, p)
        }
    }
    let mut registry = testkit::registry();
    registry.register(TestKind::new("counted", Behaviour::Counted(count.clone())));
    registry.register(Flaky(TestKind::new("flaky", Behaviour::Add), flaky.clone()));
    let (engine, _dir) = engine(registry);
    let f = flow(
        vec![
            node(1, "const", 1.0),
            node(2, "counted", 1.0),
            node(3, "flaky", 1.0),
            node(4, "counted", 1.0),
        ],
        &[(1, 2), (2, 3), (3, 4)],
    );
    let failed = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    assert_eq!(status_of(&failed, 4), StepStatus::Skipped);
    assert_eq!(*count.lock().unwrap(), 1);

    flaky.store(false, std::sync::atomic::Ordering::SeqCst);
    let handle = engine
        .start_resume(&failed.id, &f, RunOptions::default())
        .unwrap();
    let resumed = handle.wait().unwrap();
    assert_eq!(resumed.status, RunStatus::Done);
    assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
    assert_eq!(status_of(&resumed, 1), StepStatus::Cached);
    assert_eq!(status_of(&resumed, 2), StepStatus::Cached);
    assert_eq!(status_of(&resumed, 3), StepStatus::Done);
    assert_eq!(status_of(&resumed, 4), StepStatus::Done);
    assert_eq!(
        *count.lock().unwrap(),
        2,
        "only step 4 of the counted ones re-ran"
    );
    assert_eq!(number(&engine, &resumed, "counted4"), 4.0);
    // The failed run is still there, unchanged.
    assert_eq!(
        engine.store().run(&failed.id).unwrap().status,
        RunStatus::Failed
    );
}

#[test]
fn invalid_flows_and_overrides_do_not_start() {
    let (engine, _dir) = engine(testkit::registry());
    let f = flow(vec![node(1, "nope", 0.0)], &[]);
    let err = engine.start(&f, RunOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("unknown node kind \"nope\""),
        "{err}"
    );
    assert!(engine.store().runs(None).unwrap().is_empty());
}

#[test]
fn a_step_producing_the_wrong_type_fails_with_a_message() {
    struct Liar(TestKind);
    impl NodeKind for Liar {
        fn descriptor(&self) -> &crate::kind::KindDescriptor {
            self.0.descriptor()
        }
        fn run(
            &self,
            _: &mut StepContext<'_>,
            _: &Inputs,
            _: &Params,
        ) -> Result<crate::kind::Outputs, StepError> {
            Ok(crate::kind::Outputs::new())
        }
    }
    let mut registry = testkit::registry();
    registry.register(Liar(TestKind::new("liar", Behaviour::Add)));
    let (engine, _dir) = engine(registry);
    let run = engine
        .run(
            &flow(vec![node(1, "liar", 0.0)], &[]),
            RunOptions::default(),
            |_| {},
        )
        .unwrap();
    let msg = run.task(NodeId(1)).unwrap().message.clone().unwrap();
    assert!(msg.contains("did not produce its output \"out\""), "{msg}");
}

/// Reads a number from `data.txt` in the flow's folder, through the context.
struct ReadNumber(TestKind);

impl NodeKind for ReadNumber {
    fn descriptor(&self) -> &crate::kind::KindDescriptor {
        self.0.descriptor()
    }
    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _: &Inputs,
        _: &Params,
    ) -> Result<crate::kind::Outputs, StepError> {
        let bytes = ctx.include_file("data.txt")?;
        let x: f64 = String::from_utf8_lossy(&bytes)
            .trim()
            .parse()
            .map_err(StepError::msg)?;
        Ok(crate::kind::Outputs::new().with("out", Number(x)))
    }
}

//   read(data.txt) ──▶ add(+1)
#[test]
fn included_files_are_kept_and_a_replay_sees_what_the_run_saw() {
    let mut registry = testkit::registry();
    registry.register(ReadNumber(TestKind::new("read", Behaviour::Const)));
    let (engine, _dir) = engine(registry);
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::write(data_dir.path().join("data.txt"), "5").unwrap();
    let f = flow(vec![node(1, "read", 0.0), node(2, "add", 1.0)], &[(1, 2)]);
    let opts = || RunOptions {
        base_dir: data_dir.path().to_owned(),
        ..Default::default()
    };
    let first = engine.run(&f, opts(), |_| {}).unwrap();
    assert_eq!(number(&engine, &first, "add2"), 6.0);
    let seen = &first.task(NodeId(1)).unwrap().included;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].hash, blake3::hash(b"5").to_hex().as_str());

    // The file changes: a normal run sees the new content (no stale cache hit).
    std::fs::write(data_dir.path().join("data.txt"), "7").unwrap();
    let second = engine.run(&f, opts(), |_| {}).unwrap();
    assert_eq!(status_of(&second, 1), StepStatus::Done);
    assert_eq!(number(&engine, &second, "add2"), 8.0);

    // A replay of the first run sees the file as it was, cached or recomputed.
    for no_cache in [false, true] {
        let replay = engine
            .start_replay(
                &first.id,
                RunOptions {
                    no_cache,
                    ..RunOptions::default()
                },
            )
            .unwrap()
            .wait()
            .unwrap();
        assert_eq!(
            number(&engine, &replay, "add2"),
            6.0,
            "no_cache = {no_cache}"
        );
        let expected = if no_cache {
            StepStatus::Done
        } else {
            StepStatus::Cached
        };
        assert_eq!(status_of(&replay, 1), expected);
        assert!(replay.tags.contains(&format!("replay-of-{}", first.id)));
    }
}

/// Reads a number from the file its `path` parameter names, plus `value`.
struct ReadPath(crate::kind::KindDescriptor);

impl ReadPath {
    fn new() -> Self {
        let mut desc = TestKind::new("read_path", Behaviour::Const)
            .descriptor()
            .clone();
        desc.params.push(crate::kind::ParamSpec::new(
            "path",
            crate::value::ParamType::Path,
            Value::Text(String::new()),
            "the file",
        ));
        Self(desc)
    }
}

impl NodeKind for ReadPath {
    fn descriptor(&self) -> &crate::kind::KindDescriptor {
        &self.0
    }
    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _: &Inputs,
        p: &Params,
    ) -> Result<crate::kind::Outputs, StepError> {
        let bytes = ctx.include_file(p.text("path")?)?;
        let x: f64 = String::from_utf8_lossy(&bytes)
            .trim()
            .parse()
            .map_err(StepError::msg)?;
        Ok(crate::kind::Outputs::new().with("out", Number(x + p.float("value")?)))
    }
}

fn file_registry() -> Registry {
    let mut registry = testkit::registry();
    registry.register(ReadNumber(TestKind::new("read", Behaviour::Const)));
    registry.register(ReadPath::new());
    registry
}

fn read_path_node(id: u32, path: &str) -> Node {
    let mut n = node(id, "read_path", 0.0);
    n.params
        .insert("path".into(), Value::Text(path.into()).into());
    n
}

fn in_dir(dir: &std::path::Path) -> RunOptions {
    RunOptions {
        base_dir: dir.to_owned(),
        ..Default::default()
    }
}

// Two folders, one flow naming `data.txt` relatively, different bytes in each:
//   read_path(data.txt) ──▶ add(+1)
// The second folder must not get the first folder's result (issue 8, part 1); a
// third folder with the first folder's bytes reuses it.
#[test]
fn the_same_relative_path_in_another_folder_is_another_file() {
    let (engine, _dir) = engine(file_registry());
    let f = flow(
        vec![read_path_node(1, "data.txt"), node(2, "add", 1.0)],
        &[(1, 2)],
    );
    let [a, b, c] = [(); 3].map(|_| tempfile::tempdir().unwrap());
    std::fs::write(a.path().join("data.txt"), "500").unwrap();
    std::fs::write(b.path().join("data.txt"), "1000").unwrap();
    std::fs::write(c.path().join("data.txt"), "500").unwrap();
    let first = engine.run(&f, in_dir(a.path()), |_| {}).unwrap();
    assert_eq!(number(&engine, &first, "add2"), 501.0);

    let second = engine.run(&f, in_dir(b.path()), |_| {}).unwrap();
    assert_eq!(status_of(&second, 1), StepStatus::Done);
    assert_eq!(number(&engine, &second, "add2"), 1001.0);
    let seen = &second.task(NodeId(1)).unwrap().included[0];
    assert_eq!(seen.path, b.path().join("data.txt").canonicalize().unwrap());

    // The same bytes elsewhere: a hit, recorded as resting on this folder's file.
    let third = engine.run(&f, in_dir(c.path()), |_| {}).unwrap();
    assert_eq!(status_of(&third, 1), StepStatus::Cached);
    assert_eq!(status_of(&third, 2), StepStatus::Cached);
    assert_eq!(number(&engine, &third, "add2"), 501.0);
    let seen = &third.task(NodeId(1)).unwrap().included[0];
    assert_eq!(seen.path, c.path().join("data.txt").canonicalize().unwrap());
}

// A step that includes a file it does not name in a path parameter:
//   read(data.txt)
// The lookup checks the file where the step would read it now, not where the cached
// task read it.
#[test]
fn a_file_included_without_a_path_parameter_is_checked_where_it_would_be_read() {
    let (engine, _dir) = engine(file_registry());
    let f = flow(vec![node(1, "read", 0.0)], &[]);
    let [a, b] = [(); 2].map(|_| tempfile::tempdir().unwrap());
    std::fs::write(a.path().join("data.txt"), "5").unwrap();
    std::fs::write(b.path().join("data.txt"), "7").unwrap();
    let first = engine.run(&f, in_dir(a.path()), |_| {}).unwrap();
    assert_eq!(number(&engine, &first, "read1"), 5.0);
    let second = engine.run(&f, in_dir(b.path()), |_| {}).unwrap();
    assert_eq!(status_of(&second, 1), StepStatus::Done);
    assert_eq!(number(&engine, &second, "read1"), 7.0);
    // Back in the first folder: its own earlier result.
    let third = engine.run(&f, in_dir(a.path()), |_| {}).unwrap();
    assert_eq!(status_of(&third, 1), StepStatus::Cached);
    assert_eq!(number(&engine, &third, "read1"), 5.0);
}

// A replay reads the stored copy; its keys are the original run's, so it is served
// from the cache even after the file changed and even from a path parameter.
//   read_path(data.txt) ──▶ add(+1)
#[test]
fn a_replay_of_a_path_parameter_reuses_the_original_keys() {
    let (engine, _dir) = engine(file_registry());
    let f = flow(
        vec![read_path_node(1, "data.txt"), node(2, "add", 1.0)],
        &[(1, 2)],
    );
    let a = tempfile::tempdir().unwrap();
    std::fs::write(a.path().join("data.txt"), "5").unwrap();
    let first = engine.run(&f, in_dir(a.path()), |_| {}).unwrap();
    std::fs::write(a.path().join("data.txt"), "9").unwrap();
    for no_cache in [false, true] {
        let replay = engine
            .start_replay(
                &first.id,
                RunOptions {
                    no_cache,
                    ..RunOptions::default()
                },
            )
            .unwrap()
            .wait()
            .unwrap();
        assert_eq!(number(&engine, &replay, "add2"), 6.0, "no_cache {no_cache}");
        let key = |r: &RunRecord| r.task(NodeId(1)).unwrap().cache_key.clone();
        assert_eq!(key(&replay), key(&first));
    }
}

// Resume runs the flow as it is now (issue 8, part 3): the origin failed at step 2;
// the fixed flow replaces it, adds a step, and the unchanged step 1 is reused.
//   before: const(1) ──▶ fail            after: const(1) ──▶ add(+2) ──▶ add(+3)
#[test]
fn resume_runs_the_current_flow_and_reuses_what_matches() {
    let (engine, _dir) = engine(testkit::registry());
    let broken = flow(vec![node(1, "const", 1.0), node(2, "fail", 0.0)], &[(1, 2)]);
    let failed = engine.run(&broken, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(failed.status, RunStatus::Failed);

    let fixed = flow(
        vec![
            node(1, "const", 1.0),
            node(2, "add", 2.0),
            node(3, "add", 3.0),
        ],
        &[(1, 2), (2, 3)],
    );
    let resumed = engine
        .start_resume(&failed.id, &fixed, RunOptions::default())
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(resumed.status, RunStatus::Done);
    assert_eq!(resumed.resumed_from.as_deref(), Some(failed.id.as_str()));
    assert_eq!(resumed.flow, fixed, "the run records the flow it ran");
    assert_eq!(status_of(&resumed, 1), StepStatus::Cached);
    assert_eq!(
        resumed.task(NodeId(1)).unwrap().reused_from.as_deref(),
        Some(failed.id.as_str())
    );
    assert_eq!(status_of(&resumed, 2), StepStatus::Done);
    assert_eq!(number(&engine, &resumed, "add3"), 6.0);

    // A changed parameter is a changed key: nothing stale is reused.
    let changed = flow(
        vec![
            node(1, "const", 10.0),
            node(2, "add", 2.0),
            node(3, "add", 3.0),
        ],
        &[(1, 2), (2, 3)],
    );
    let again = engine
        .start_resume(&resumed.id, &changed, RunOptions::default())
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(status_of(&again, 1), StepStatus::Done);
    assert_eq!(number(&engine, &again, "add3"), 15.0);
}

// A cached output whose stored bytes are damaged is a cache miss, in a normal run and
// in a resume: the step is computed again, the run does not fail.
//   const(1) ──▶ fail
#[test]
fn a_reused_output_that_cannot_be_loaded_is_recomputed() {
    let (engine, dir) = engine(testkit::registry());
    let f = flow(vec![node(1, "const", 1.0), node(2, "fail", 0.0)], &[(1, 2)]);
    let failed = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    let hash = failed.task(NodeId(1)).unwrap().outputs["out"].hash.clone();
    let shard = dir.path().join("blobs").join(&hash[..2]);
    let blob = std::fs::read_dir(&shard)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains(&hash[2..]))
        .unwrap();
    std::fs::write(&blob, b"not what was stored").unwrap();

    let again = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(status_of(&again, 1), StepStatus::Done);
    let fixed = flow(vec![node(1, "const", 1.0), node(2, "add", 0.0)], &[(1, 2)]);
    std::fs::write(&blob, b"not what was stored").unwrap();
    let resumed = engine
        .start_resume(&failed.id, &fixed, RunOptions::default())
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(resumed.status, RunStatus::Done);
    assert_eq!(status_of(&resumed, 1), StepStatus::Done);
}
