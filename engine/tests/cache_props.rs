//! Property test of the step cache (issue 8, part 1): whatever a user does between
//! runs — edit a data file, copy the flow and its data to another folder, change a
//! parameter or the file a step names — a run served from the cache gives exactly
//! what a run recomputing every step gives.
//!
//! The flow, in each of three folders sharing one store:
//!
//! ```text
//!   read_path(path) ──▶ add(+value) ──▶ add(join)
//!   read_fixed(fixed.txt) ─────────────────┘
//! ```
//!
//! `read_path` names its file in a path parameter (it is in the cache key by
//! content); `read_fixed` includes `fixed.txt` without naming it in a parameter (it
//! is checked at the lookup, where the step would read it now).

use std::path::Path;
use std::sync::Arc;

use pipewright_engine::testkit::{self, Behaviour, Number, TestKind};
use pipewright_engine::{
    Edge, Engine, Flow, Inputs, KindDescriptor, Node, NodeId, NodeKind, Outputs, ParamSpec,
    ParamType, Params, Registry, RunOptions, RunRecord, StepContext, StepError, StepStatus, Store,
    Value,
};
use proptest::prelude::*;

const FILES: [&str; 3] = ["a.txt", "b.txt", "fixed.txt"];
const FOLDERS: usize = 3;

fn number_from(bytes: &[u8]) -> Result<f64, StepError> {
    String::from_utf8_lossy(bytes)
        .trim()
        .parse()
        .map_err(StepError::msg)
}

/// Reads the number in the file its `path` parameter names.
struct ReadPath(KindDescriptor);

impl NodeKind for ReadPath {
    fn descriptor(&self) -> &KindDescriptor {
        &self.0
    }
    fn run(&self, ctx: &mut StepContext<'_>, _: &Inputs, p: &Params) -> Result<Outputs, StepError> {
        let bytes = ctx.include_file(p.text("path")?)?;
        Ok(Outputs::new().with("out", Number(number_from(&bytes)?)))
    }
}

/// Reads the number in `fixed.txt`, a name no parameter gives.
struct ReadFixed(KindDescriptor);

impl NodeKind for ReadFixed {
    fn descriptor(&self) -> &KindDescriptor {
        &self.0
    }
    fn run(&self, ctx: &mut StepContext<'_>, _: &Inputs, _: &Params) -> Result<Outputs, StepError> {
        let bytes = ctx.include_file("fixed.txt")?;
        Ok(Outputs::new().with("out", Number(number_from(&bytes)?)))
    }
}

fn registry() -> Registry {
    let mut r = testkit::registry();
    let mut read_path = TestKind::new("read_path", Behaviour::Const)
        .descriptor()
        .clone();
    read_path.params.push(ParamSpec::new(
        "path",
        ParamType::Path,
        Value::Text(String::new()),
        "the file",
    ));
    r.register(ReadPath(read_path));
    r.register(ReadFixed(
        TestKind::new("read_fixed", Behaviour::Const)
            .descriptor()
            .clone(),
    ));
    r
}

fn node(id: u32, kind: &str, params: &[(&str, Value)]) -> Node {
    Node {
        id: NodeId(id),
        kind: kind.into(),
        label: format!("{kind}{id}"),
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone().into()))
            .collect(),
        pos: (0.0, 0.0),
    }
}

fn the_flow(path: &str, value: f64) -> Flow {
    let mut f = Flow::new("cache_props");
    f.nodes = vec![
        node(1, "read_path", &[("path", Value::Text(path.into()))]),
        node(2, "add", &[("value", Value::Float(value))]),
        node(3, "read_fixed", &[]),
        node(4, "add", &[]),
    ];
    f.edges = vec![
        Edge::new(NodeId(1), "out", NodeId(2), "in"),
        Edge::new(NodeId(2), "out", NodeId(4), "in"),
        Edge::new(NodeId(3), "out", NodeId(4), "in"),
    ];
    f.normalize();
    f
}

#[derive(Clone, Debug)]
enum Op {
    /// Writes `content` to file `file` of folder `folder`.
    Edit {
        folder: usize,
        file: usize,
        content: u8,
    },
    /// Copies every file of one folder over another's (the flow moved elsewhere).
    Copy { from: usize, to: usize },
    /// Sets the `add` step's parameter.
    SetValue(u8),
    /// Makes `read_path` name `a.txt` or `b.txt`.
    SetPath(bool),
    /// Runs the flow in a folder, cached, and checks it against a fresh run.
    Run(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..FOLDERS, 0..FILES.len(), 0u8..3).prop_map(|(folder, file, content)| Op::Edit {
            folder,
            file,
            content
        }),
        (0..FOLDERS, 0..FOLDERS).prop_map(|(from, to)| Op::Copy { from, to }),
        (0u8..3).prop_map(Op::SetValue),
        any::<bool>().prop_map(Op::SetPath),
        (0..FOLDERS).prop_map(Op::Run),
        (0..FOLDERS).prop_map(Op::Run),
    ]
}

/// Every step's output number, by node.
fn outputs(engine: &Engine, run: &RunRecord) -> Vec<(NodeId, StepStatus, Option<f64>)> {
    run.tasks
        .iter()
        .map(|t| {
            let x = t.outputs.get("out").map(|r| {
                let a = engine
                    .store()
                    .load_artifact(r, engine.registry().artifact_types())
                    .unwrap();
                pipewright_engine::downcast::<Number>(a.as_ref()).unwrap().0
            });
            let ok = if t.status.is_ok() {
                StepStatus::Done
            } else {
                t.status
            };
            (t.node, ok, x)
        })
        .collect()
}

fn write(dir: &Path, file: &str, content: u8) {
    std::fs::write(dir.join(file), format!("{}\n", 10 * u32::from(content) + 1)).unwrap();
}

proptest! {
    // Each case runs at most ~20 tiny flows twice; 48 cases take well under a second
    // or two in a debug build.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_cached_result_always_equals_a_fresh_one(ops in prop::collection::vec(op(), 1..20)) {
        let store_dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(Arc::new(registry()), Store::open(store_dir.path()).unwrap());
        let folders: Vec<tempfile::TempDir> =
            (0..FOLDERS).map(|_| tempfile::tempdir().unwrap()).collect();
        for dir in &folders {
            for file in FILES {
                write(dir.path(), file, 0);
            }
        }
        let (mut path, mut value) = ("a.txt", 0.0);
        for op in ops {
            match op {
                Op::Edit { folder, file, content } => {
                    write(folders[folder].path(), FILES[file], content);
                }
                Op::Copy { from, to } => {
                    for file in FILES {
                        std::fs::copy(
                            folders[from].path().join(file),
                            folders[to].path().join(file),
                        )
                        .unwrap();
                    }
                }
                Op::SetValue(v) => value = f64::from(v),
                Op::SetPath(b) => path = if b { "b.txt" } else { "a.txt" },
                Op::Run(folder) => {
                    let flow = the_flow(path, value);
                    let options = |no_cache| RunOptions {
                        base_dir: folders[folder].path().to_owned(),
                        no_cache,
                        ..RunOptions::default()
                    };
                    let cached = engine.run(&flow, options(false), |_| {}).unwrap();
                    let fresh = engine.run(&flow, options(true), |_| {}).unwrap();
                    prop_assert_eq!(outputs(&engine, &cached), outputs(&engine, &fresh));
                    // The record names the files of this folder, as a fresh run does.
                    for (c, f) in cached.tasks.iter().zip(&fresh.tasks) {
                        prop_assert_eq!(&c.included, &f.included);
                        prop_assert_eq!(&c.params, &f.params);
                    }
                }
            }
        }
    }
}

/// The cache does hit in such sequences (so the property above is not vacuous): the
/// same bytes in another folder reuse every step.
#[test]
fn the_same_bytes_in_another_folder_are_reused() {
    let store_dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(Arc::new(registry()), Store::open(store_dir.path()).unwrap());
    let [a, b] = [(); 2].map(|_| tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        for file in FILES {
            write(dir.path(), file, 1);
        }
    }
    let flow = the_flow("a.txt", 1.0);
    let run = |dir: &Path| {
        let options = RunOptions {
            base_dir: dir.to_owned(),
            ..RunOptions::default()
        };
        engine.run(&flow, options, |_| {}).unwrap()
    };
    run(a.path());
    let second = run(b.path());
    assert!(
        second.tasks.iter().all(|t| t.status == StepStatus::Cached),
        "{:?}",
        second.tasks
    );
}
