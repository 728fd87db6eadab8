//! Foreach sections on the testkit kinds: `const` → `inc` (varied, single-wire) →
//! `add` (the join: a many-wire input sums every item).

use std::sync::Arc;

use super::*;
use crate::flow::{Edge, Node, NodeId};
use crate::foreach::{FOREACH_KIND, P_CONTINUE, P_MAX_PARALLEL, P_OVER};
use crate::record::StepStatus;
use crate::testkit::{self, Number};
use crate::value::ParamValue;

fn node(id: u32, kind: &str, label: &str, params: &[(&str, Value)]) -> Node {
    Node {
        id: NodeId(id),
        kind: kind.into(),
        label: label.into(),
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ParamValue::Lit(v.clone())))
            .collect(),
        pos: (0.0, 0.0),
    }
}

/// one (1) → Inc (x + value) → Sum (join) ; Foreach over `over`.
fn sweep(over: &str, extra: &[(&str, Value)]) -> Flow {
    let mut f = Flow::new("sweep");
    let mut fe = vec![(P_OVER, Value::Text(over.into()))];
    fe.extend_from_slice(extra);
    f.nodes = vec![
        node(1, "const", "one", &[("value", Value::Float(1.0))]),
        node(2, "inc", "Inc", &[]),
        node(3, "add", "Sum", &[]),
        node(4, FOREACH_KIND, "Foreach", &fe),
    ];
    f.edges = vec![
        Edge::new(NodeId(1), "out", NodeId(2), "x"),
        Edge::new(NodeId(2), "out", NodeId(3), "in"),
    ];
    f.normalize();
    f
}

fn engine() -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (Engine::new(Arc::new(testkit::registry()), store), dir)
}

fn out(engine: &Engine, run: &RunRecord, step: &str) -> f64 {
    let a = engine
        .store()
        .run_artifact(run, step, "out", engine.registry().artifact_types())
        .unwrap();
    crate::artifact::downcast::<Number>(a.as_ref()).unwrap().0
}

/// How each task of node `id` ended, in item order.
fn statuses(run: &RunRecord, id: u32) -> Vec<StepStatus> {
    run.tasks_of(NodeId(id)).iter().map(|t| t.status).collect()
}

fn problems(f: &Flow) -> Vec<String> {
    crate::validate::validate(f, &testkit::registry())
        .into_iter()
        .map(|p| p.message)
        .collect()
}

#[test]
fn each_item_is_a_task_of_one_run_and_the_join_takes_them_in_order() {
    let (engine, _dir) = engine();
    let f = sweep("Inc.value = 1, 2, 3", &[]);
    assert_eq!(problems(&f), Vec::<String>::new());
    let mut finished = Vec::new();
    let run = engine
        .run(&f, RunOptions::default(), |e| {
            if let Event::StepFinished { node, task, .. } = e {
                finished.push((*node, *task));
            }
        })
        .unwrap();
    assert_eq!(run.status, RunStatus::Done);
    let tasks = run.tasks_of(NodeId(2));
    assert_eq!(tasks.len(), 3);
    for (i, t) in tasks.iter().enumerate() {
        assert_eq!(t.index, Some(i as u32));
        assert_eq!(t.name(), format!("Inc/{i}"));
        assert_eq!(t.item["Inc.value"], Value::Float(i as f64 + 1.0));
        assert_eq!(t.params["value"], Value::Float(i as f64 + 1.0));
    }
    // (1 + 1) + (1 + 2) + (1 + 3); the shared input ran once.
    assert_eq!(out(&engine, &run, "Sum"), 9.0);
    assert_eq!(run.tasks_of(NodeId(1)).len(), 1);
    assert_eq!(
        run.task_by_name("Inc/2").unwrap().item_text(),
        "Inc.value = 3"
    );
    assert_eq!(
        out(&engine, &run, "Inc/2"),
        4.0,
        "a task's artifacts are found by its name"
    );
    let foreach = run.task(NodeId(4)).unwrap();
    assert_eq!(foreach.status, StepStatus::Done);
    assert_eq!(
        foreach.logs,
        [
            "runs 3 items of Inc.value (1 … 3)",
            "item 0: value = 1",
            "item 1: value = 2",
            "item 2: value = 3"
        ]
    );
    let mut item_events: Vec<_> = finished
        .iter()
        .filter(|(n, _)| *n == NodeId(2))
        .map(|(_, t)| *t)
        .collect();
    item_events.sort();
    assert_eq!(item_events, [Some(0), Some(1), Some(2)]);
    // Only the join's metrics would be listed; item tasks stay out of the run's metrics.
    let stored = engine.store().run(&run.id).unwrap();
    assert_eq!(
        stored.tasks_of(NodeId(2)).len(),
        3,
        "the journal keeps every task"
    );
}

#[test]
fn a_grid_is_every_combination_and_a_range_is_even() {
    let mut f = sweep("Inc.value = linear(1, 3, 3)\nInc.fold = 0, 10", &[]);
    assert!(
        problems(&f)[0].contains("Inc.fold: value 10 is out of range [0, 9]"),
        "{:?}",
        problems(&f)
    );
    f = sweep("Inc.value = linear(1, 3, 3); Inc.fold = 0, 5", &[]);
    let (engine, _dir) = engine();
    let run = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    assert_eq!(run.tasks_of(NodeId(2)).len(), 6);
    assert_eq!(
        run.task_by_name("Inc/1").unwrap().item_text(),
        "Inc.fold = 5, Inc.value = 1"
    );
    // Σ over value ∈ {1,2,3}, fold ∈ {0,5} of 1 + value + fold = 6 + 12 + 15
    assert_eq!(out(&engine, &run, "Sum"), 6.0 * 1.0 + 2.0 * 6.0 + 3.0 * 5.0);
}

#[test]
fn a_failed_item_fails_alone_and_the_join_names_it_or_goes_on_without_it() {
    let (engine, _dir) = engine();
    let run = engine
        .run(
            &sweep("Inc.value = 1, 13, 3", &[]),
            RunOptions::default(),
            |_| {},
        )
        .unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(
        statuses(&run, 2),
        [StepStatus::Done, StepStatus::Failed, StepStatus::Done]
    );
    let join = run.task(NodeId(3)).unwrap();
    assert_eq!(join.status, StepStatus::Skipped);
    assert_eq!(
        join.message.as_deref(),
        Some(
            "item value = 13 of the foreach \"Foreach\" did not finish (step \"Inc/1\"); set \
             its continue_on_failure to join the other items"
        )
    );

    let f = sweep("Inc.value = 1, 13, 3", &[(P_CONTINUE, Value::Bool(true))]);
    let run = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
    let join = run.task(NodeId(3)).unwrap();
    assert_eq!(join.status, StepStatus::Done);
    assert_eq!(out(&engine, &run, "Sum"), 2.0 + 4.0);
    assert_eq!(
        join.logs[0],
        "going on without 1 item that did not finish: value = 13"
    );
}

#[test]
fn items_are_cached_per_task_and_a_changed_value_reruns_only_its_task() {
    let (engine, _dir) = engine();
    let first = engine
        .run(
            &sweep("Inc.value = 1, 2, 3", &[]),
            RunOptions::default(),
            |_| {},
        )
        .unwrap();
    assert_eq!(first.status, RunStatus::Done);
    let second = engine
        .run(
            &sweep("Inc.value = 1, 5, 3", &[]),
            RunOptions::default(),
            |_| {},
        )
        .unwrap();
    assert_eq!(
        statuses(&second, 2),
        [StepStatus::Cached, StepStatus::Done, StepStatus::Cached]
    );
    assert_eq!(out(&engine, &second, "Sum"), 2.0 + 6.0 + 4.0);

    // Resuming a run whose item failed reruns only that item.
    let failed = engine
        .run(
            &sweep("Inc.value = 1, 13, 3", &[]),
            RunOptions {
                no_cache: true,
                ..Default::default()
            },
            |_| {},
        )
        .unwrap();
    let resumed = engine
        .start_resume(
            &failed.id,
            &sweep("Inc.value = 1, 7, 3", &[]),
            RunOptions {
                no_cache: true,
                ..Default::default()
            },
        )
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(
        statuses(&resumed, 2),
        [StepStatus::Cached, StepStatus::Done, StepStatus::Cached]
    );
    assert_eq!(resumed.status, RunStatus::Done);
}

#[test]
fn max_parallel_bounds_the_tasks_running_at_once() {
    use std::sync::atomic::Ordering::SeqCst;
    // Each task waits until `max_parallel` of them run at once (fewer let through never
    // meet: the deadline counts it), then stays a moment to see whether one more
    // comes (more let through raise `most`).
    for bound in [1usize, 2, 3] {
        let meet = testkit::Rendezvous::new(bound, 8);
        let mut registry = testkit::registry();
        registry.register(testkit::TestKind::new(
            "meet",
            testkit::Behaviour::Rendezvous(meet.clone()),
        ));
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(Arc::new(registry), Store::open(dir.path()).unwrap());
        let mut f = Flow::new("bounded");
        f.nodes = vec![
            node(1, "const", "one", &[("value", Value::Float(1.0))]),
            node(2, "meet", "Meet", &[]),
            node(3, "add", "Sum", &[]),
            node(
                4,
                FOREACH_KIND,
                "Foreach",
                &[
                    (P_OVER, Value::Text("Meet.value = linear(1, 8, 8)".into())),
                    (P_MAX_PARALLEL, Value::Int(bound as i64)),
                ],
            ),
        ];
        f.edges = vec![
            Edge::new(NodeId(1), "out", NodeId(2), "in"),
            Edge::new(NodeId(2), "out", NodeId(3), "in"),
        ];
        f.normalize();
        let run = engine.run(&f, RunOptions::default(), |_| {}).unwrap();
        assert_eq!(run.status, RunStatus::Done, "bound {bound}");
        assert_eq!(
            meet.timed_out.load(SeqCst),
            0,
            "bound {bound}: waited in vain"
        );
        assert_eq!(meet.most.load(SeqCst), bound, "bound {bound}");
        // 1 + the eight values 1..8.
        assert_eq!(out(&engine, &run, "Sum"), 8.0 + 36.0);
    }
}

#[test]
fn a_foreach_that_cannot_run_says_why_naming_the_step() {
    let m = |over: &str| problems(&sweep(over, &[]));
    let prefix = "node \"Foreach\" (#4): parameter \"over\": ";
    assert_eq!(
        m("Ridge.alpha = 1, 2"),
        [format!(
            "{prefix}no step \"Ridge\" in this flow (it has: one, Inc, Sum)"
        )]
    );
    assert_eq!(
        m("Inc.alpha = 1, 2"),
        [format!(
            "{prefix}step \"Inc\" (inc) has no parameter \"alpha\" (it has: value, k, fold)"
        )]
    );
    assert_eq!(
        m("Inc.value = 1, 200"),
        [format!(
            "{prefix}Inc.value: value 200 is out of range [-100, 100]"
        )]
    );
    assert_eq!(
        m("Inc.value = "),
        [format!(
            "{prefix}Inc.value has no values; list some (0.1, 1, 10) or give a range (log(0.001, 1000, 7))"
        )]
    );
    assert_eq!(
        m("Inc.value = 1, 1"),
        [format!(
            "{prefix}Inc.value: the value 1 comes twice; each item must differ"
        )]
    );
    assert_eq!(
        m("Inc.value = log(0, 1, 3)"),
        [format!(
            "{prefix}Inc.value: log(0, 1, 3): a log range needs start and stop above 0"
        )]
    );
    assert_eq!(
        m("Inc.fold = folds"),
        Vec::<String>::new(),
        "folds of a step with k and fold"
    );
    assert!(m("one.value = folds")[0].contains("`folds` varies the `fold` parameter"));
    // Not closed: nothing joins the items.
    let mut f = sweep("Inc.value = 1, 2", &[]);
    f.edges.retain(|e| e.to.node != NodeId(3));
    assert_eq!(
        problems(&f),
        [
            "node \"Foreach\" (#4): the foreach is not closed: nothing after \"Inc\" (#2) \
          gathers its items; wire the section's metrics into a Select best or a Collect step"
        ]
    );
    // Nested: a second foreach over a step of the first's section.
    let mut f = sweep("Inc.value = 1, 2", &[]);
    f.nodes.push(node(
        5,
        FOREACH_KIND,
        "Foreach 2",
        &[(P_OVER, Value::Text("Inc.fold = 0, 1".into()))],
    ));
    assert_eq!(
        problems(&f),
        [
            "node \"Foreach 2\" (#5): steps \"Inc\" (#2) are also inside the foreach \
          \"Foreach\"; foreaches do not nest (one level): list every parameter to vary in \
          one foreach (a grid)"
        ]
    );
    // The engine refuses to start it with the same message.
    let (engine, _dir) = engine();
    let err = engine.start(&f, RunOptions::default()).unwrap_err();
    assert!(err.to_string().contains("do not nest"), "{err}");
}

#[test]
fn a_comparison_does_not_take_one_items_value_for_the_whole_run() {
    let (engine, _dir) = engine();
    let a = engine
        .run(
            &sweep("Inc.value = 1, 2", &[]),
            RunOptions::default(),
            |_| {},
        )
        .unwrap();
    let b = engine
        .run(
            &sweep("Inc.value = 1, 3", &[]),
            RunOptions::default(),
            |_| {},
        )
        .unwrap();
    let cmp = crate::Comparison::new(&[a, b], 0);
    let names: Vec<&str> = cmp.params.iter().map(|p| p.name.as_str()).collect();
    assert!(!names.contains(&"Inc.value"), "{names:?}");
    let over = cmp
        .params
        .iter()
        .find(|p| p.name == "Foreach.over")
        .unwrap();
    assert!(over.differs, "the foreach's items are what differs");
}
