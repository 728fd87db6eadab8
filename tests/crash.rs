//! A process killed mid-run, and several processes sharing one store.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use pipewright_engine::{RunStatus, StepStatus, Store};

use crate::util::{expect_code, pipewright, run};

/// `const` ──▶ `wait` (runs until cancelled: here, until the process is killed)
const HANGING_FLOW: &str = r#"Flow(
    format: 1,
    name: "hangs",
    nodes: [
        Node(id: 1, kind: "const", label: "first", params: {"value": Float(2.0)}, pos: (0.0, 0.0)),
        Node(id: 2, kind: "wait", label: "forever", pos: (200.0, 0.0)),
    ],
    edges: [
        Edge(from: PortRef(node: 1, port: "out"), to: PortRef(node: 2, port: "in")),
    ],
)"#;

#[test]
fn kill_9_mid_run_leaves_earlier_runs_intact_and_marks_the_run_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let earlier = run(&store_dir, &["run", "examples/regression.ron"]);
    expect_code(&earlier, 0);

    let flow = dir.path().join("hangs.ron");
    std::fs::write(&flow, HANGING_FLOW).unwrap();
    let mut child = pipewright(&store_dir)
        .env(pipewright::cli::TESTKIT_ENV, "1")
        .arg("run")
        .arg(&flow)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first step is recorded as done, then kill -9.
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.contains("first") && line.contains("done") {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no final record
    child.wait().unwrap();

    let store = Store::open(&store_dir).unwrap();
    let hung = store
        .latest_run("hangs")
        .unwrap()
        .expect("the killed run is listed");
    assert_eq!(
        hung.status,
        RunStatus::Interrupted,
        "not shown as running forever"
    );
    assert_eq!(
        hung.task(pipewright_engine::NodeId(1)).unwrap().status,
        StepStatus::Done
    );
    let regression = store.latest_run("regression").unwrap().unwrap();
    assert_eq!(regression.status, RunStatus::Done);

    let (out, _) = expect_code(&run(&store_dir, &["runs"]), 0);
    assert!(out.contains("interrupted") && out.contains("done"), "{out}");
    let (out, _) = expect_code(&run(&store_dir, &["show", &regression.id]), 0);
    assert!(out.contains("status    done"), "{out}");
}

#[test]
fn several_processes_run_on_one_store_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let children: Vec<_> = (0..3)
        .map(|i| {
            pipewright(&store_dir)
                .args(["run", "examples/regression.ron", "--param"])
                .arg(format!("test_fraction=0.{}", i + 2))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        expect_code(&out, 0);
    }
    let store = Store::open(&store_dir).unwrap();
    let runs = store.runs(Some("regression")).unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r.status == RunStatus::Done));
    let mut fractions: Vec<String> = runs
        .iter()
        .map(|r| r.params["test_fraction"].to_string())
        .collect();
    fractions.sort();
    assert_eq!(fractions, ["0.2", "0.3", "0.4"]);
}
