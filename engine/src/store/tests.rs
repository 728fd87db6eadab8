//! Store tests: runs, blobs, tags, delete + GC, concurrent writers.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::artifact::Encoding;
use crate::flow::{Flow, Node, NodeId};
use crate::record::{RunRecord, RunStatus, StepStatus, TaskRecord};
use crate::run::{Engine, RunOptions};
use crate::testkit;
use crate::value::Value;

fn record(flow: &str) -> RunRecord {
    RunRecord {
        id: String::new(),
        flow_name: flow.into(),
        flow: Flow::new(flow),
        base_dir: PathBuf::from("."),
        params: Default::default(),
        user: "u".into(),
        host: "h".into(),
        started_at: chrono::Utc::now(),
        finished_at: None,
        status: RunStatus::Running,
        resumed_from: None,
        flow_path: None,
        tags: vec![],
        tasks: vec![],
    }
}

fn task(id: u32) -> TaskRecord {
    TaskRecord {
        node: NodeId(id),
        label: format!("t{id}"),
        kind: "k".into(),
        status: StepStatus::Done,
        message: None,
        duration_secs: 0.1,
        cache_key: "k".into(),
        params: Default::default(),
        outputs: Default::default(),
        logs: vec![],
        included: vec![],
        reused_from: None,
        original_duration_secs: None,
    }
}

#[test]
fn a_live_run_reads_as_running_and_a_dead_one_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut writer = store.create_run(record("f")).unwrap();
    writer.append_task(task(1)).unwrap();
    let id = writer.id().to_owned();
    let live = store.run(&id).unwrap();
    assert_eq!(live.status, RunStatus::Running);
    assert_eq!(live.tasks.len(), 1);
    // Dropping the writer without finishing releases the lock, as process death does.
    drop(writer);
    let run_dir = store.run_dir("f", &id);
    // A process killed mid-append leaves a torn last line.
    let mut journal = OpenOptions::new()
        .append(true)
        .open(run_dir.join("tasks.jsonl"))
        .unwrap();
    journal.write_all(b"{\"node\":2,\"lab").unwrap();
    let dead = store.run(&id).unwrap();
    assert_eq!(dead.status, RunStatus::Interrupted);
    assert_eq!(
        dead.tasks.len(),
        1,
        "the finished task survives, the torn line is skipped"
    );
}

#[test]
fn run_ids_are_unique_and_prefixes_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let ids: Vec<String> = (0..50)
        .map(|_| {
            store
                .create_run(record("f"))
                .unwrap()
                .finish(RunStatus::Done)
                .unwrap()
                .id
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 50);
    assert_eq!(store.run(&ids[7]).unwrap().id, ids[7]);
    assert!(matches!(store.run("2"), Err(StoreError::Ambiguous { .. })));
    assert!(matches!(store.run("nope"), Err(StoreError::NoRun(_))));
    assert_eq!(store.runs(Some("f")).unwrap().len(), 50);
}

#[test]
fn identical_blobs_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = store.put_blob(Encoding::Json, b"{\"x\":1}").unwrap();
    let b = store.put_blob(Encoding::Json, b"{\"x\":1}").unwrap();
    assert_eq!(a, b);
    let files = walk(&dir.path().join("blobs"));
    assert_eq!(files, 1);
    assert_eq!(store.get_blob(&a, Encoding::Json).unwrap(), b"{\"x\":1}");
}

//  run A: const(1) ──▶ add(+1)      run B: const(1) ──▶ add(+5)
// Both share the const output blob; deleting A keeps it, deleting B too frees it.
#[test]
fn deleting_a_run_collects_only_unreferenced_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        Arc::new(testkit::registry()),
        Store::open(dir.path()).unwrap(),
    );
    let flow = |v: f64| {
        let mut f = Flow::new("gc");
        for (id, kind, value) in [(1, "const", 1.0), (2, "add", v)] {
            f.nodes.push(Node {
                id: NodeId(id),
                kind: kind.into(),
                label: kind.into(),
                params: [("value".to_owned(), Value::Float(value).into())].into(),
                pos: (0.0, 0.0),
            });
        }
        f.edges
            .push(crate::flow::Edge::new(NodeId(1), "out", NodeId(2), "in"));
        f
    };
    let opts = || RunOptions {
        no_cache: true,
        ..Default::default()
    };
    let a = engine.run(&flow(1.0), opts(), |_| {}).unwrap();
    let b = engine.run(&flow(5.0), opts(), |_| {}).unwrap();
    let store = engine.store();
    assert_eq!(
        walk(&dir.path().join("blobs")),
        3,
        "shared const blob + two sums"
    );

    let report = store.delete_runs(&[&a.id]).unwrap();
    assert_eq!(report.blobs, 1, "only A's sum goes");
    assert!(matches!(store.run(&a.id), Err(StoreError::NoRun(_))));
    let b_again = store.run(&b.id).unwrap();
    let shared = store.run_artifact(&b_again, "const", "out", engine.registry().artifact_types());
    assert!(shared.is_ok(), "the blob shared with B survives");

    let report = store.delete_runs(&[&b.id]).unwrap();
    assert_eq!(report.blobs, 2);
    assert_eq!(walk(&dir.path().join("blobs")), 0);
    assert!(
        report.cache_entries >= 2,
        "cache entries to deleted blobs are dropped"
    );
}

#[test]
fn tags_are_kept_beside_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = store
        .create_run(record("t"))
        .unwrap()
        .finish(RunStatus::Done)
        .unwrap()
        .id;
    let tagged = store
        .set_tags(
            &id,
            &["best ".into(), "".into(), "baseline".into(), "best".into()],
        )
        .unwrap();
    assert_eq!(tagged.tags, ["baseline", "best"]);
    assert_eq!(store.run(&id).unwrap().tags, ["baseline", "best"]);
    store.set_tags(&id, &[]).unwrap();
    assert!(store.run(&id).unwrap().tags.is_empty());
}

#[test]
fn a_running_run_cannot_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let w = store.create_run(record("r")).unwrap();
    let err = store.delete_runs(&[w.id()]).unwrap_err();
    assert!(err.to_string().contains("still running"), "{err}");
}

fn walk(p: &Path) -> usize {
    fs::read_dir(p)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

// Many runs of one flow at once, on one store, from several threads: every run
// is kept, complete and correct.
#[test]
fn concurrent_runs_share_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(
        Arc::new(testkit::registry()),
        Store::open(dir.path()).unwrap(),
    );
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                let mut flow = Flow::new("shared");
                flow.nodes.push(Node {
                    id: NodeId(1),
                    kind: "const".into(),
                    label: "c".into(),
                    params: [("value".to_owned(), Value::Float(f64::from(i % 2)).into())].into(),
                    pos: (0.0, 0.0),
                });
                engine.run(&flow, RunOptions::default(), |_| {}).unwrap()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().status, RunStatus::Done);
    }
    let runs = engine.store().runs(Some("shared")).unwrap();
    assert_eq!(runs.len(), 8);
    assert!(
        runs.iter()
            .all(|r| r.status == RunStatus::Done && r.tasks.len() == 1)
    );
}
