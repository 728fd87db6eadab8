//! # pipewright-engine
//!
//! The core of Pipewright: the flow document and its RON format, validation, edit
//! commands, the scheduler, the run store and the client API over past runs. It knows
//! nothing of egui, polars or linfa: node kinds and artifact types are traits here and
//! implementations elsewhere (`pipewright-nodes`), like ripgrep's `grep-matcher`.
//!
//! ## Main types
//! - [`Flow`]: nodes, edges, flow parameters, layout. Loaded and saved as stable RON
//!   ([`Flow::load`], [`Flow::save`]); changed only through [`Edit`] commands applied
//!   with [`Flow::apply`], which refuse cycles and mismatched port types.
//! - [`NodeKind`] / [`KindDescriptor`]: what a step is (typed ports, typed
//!   parameters) and its code; [`Registry`] collects kinds and artifact decoders.
//! - [`Artifact`]: an opaque value with a stable encoding; stored by content hash.
//! - [`validate()`]: every problem of a flow, one message each naming the node;
//!   [`validate_in()`] also checks the data files it reads exist, from the flow's folder.
//! - [`foreach`]: a section of the flow run once per item (a list, a range, the folds
//!   of a k-fold split, a grid) as tasks of one run, joined by many-wire inputs.
//! - [`Engine`]: runs a flow on a thread pool, every ready step at once, with
//!   [`Event`]s on a channel, caching by (kind, version, parameters, input hashes),
//!   cancellation and resume.
//! - [`Store`]: runs and blobs on disk, written atomically; the client API
//!   ([`Store::runs`], [`Store::run`], [`Store::run_artifact`], [`Store::set_tags`],
//!   [`Store::delete_runs`]) and [`Comparison`] for runs side by side.
//!
//! ## Design choices a newcomer must know
//! - The flow file is the truth; the editor's canvas is a view rebuilt from it.
//! - Node parameters are literals or `Ref`s to flow parameters, resolved per run.
//! - A run never overwrites another; a resumed run is a new run that reuses the
//!   finished tasks of the old one.
//! - A run's tasks are appended to a journal as they finish, so a killed process
//!   loses nothing that had finished; its lock tells a live run from a dead one.
//! - The tiny test kinds of `testkit` (used below) exist only in tests and with the
//!   `testkit` feature, so a release build never ships them.
//!
//! ```
//! use std::sync::Arc;
//! use pipewright_engine::{testkit, Edge, Engine, Flow, Node, NodeId, RunOptions, Store};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let registry = Arc::new(testkit::registry());
//! let engine = Engine::new(registry.clone(), Store::open(dir.path()).unwrap());
//!
//! let mut flow = Flow::new("demo");
//! flow.nodes.push(Node { id: NodeId(1), kind: "const".into(), label: "one".into(),
//!     params: [("value".into(), pipewright_engine::Value::Float(1.0).into())].into(),
//!     pos: (0.0, 0.0) });
//! flow.nodes.push(Node { id: NodeId(2), kind: "add".into(), label: "plus".into(),
//!     params: Default::default(), pos: (200.0, 0.0) });
//! flow.edges.push(Edge::new(NodeId(1), "out", NodeId(2), "in"));
//!
//! let run = engine.run(&flow, RunOptions::default(), |_event| {}).unwrap();
//! assert_eq!(run.status, pipewright_engine::RunStatus::Done);
//!
//! // Any artifact of any past run, as its concrete type:
//! let past = engine.store().run(&run.id).unwrap();
//! let out = engine.store().run_artifact(&past, "plus", "out", registry.artifact_types()).unwrap();
//! let n = pipewright_engine::downcast::<testkit::Number>(out.as_ref()).unwrap();
//! assert_eq!(n.0, 1.0);
//!
//! // Run it again with another value, then list, tag, compare and delete runs.
//! flow.nodes[0].params.insert("value".into(), pipewright_engine::Value::Float(5.0).into());
//! let second = engine.run(&flow, RunOptions::default(), |_event| {}).unwrap();
//! let store = engine.store();
//! let runs = store.runs(Some("demo")).unwrap(); // newest first
//! assert_eq!(runs.len(), 2);
//! store.set_tags(&second.id, &["bigger".into()]).unwrap();
//! let cmp = pipewright_engine::Comparison::new(&runs, 1); // baseline: the first run
//! let changed: Vec<&str> = cmp.params.iter().filter(|p| p.differs).map(|p| p.name.as_str()).collect();
//! assert_eq!(changed, ["one.value"]);
//! assert!(cmp.to_csv(true).contains("param,one.value,5,1"));
//! store.delete_runs(&[&run.id]).unwrap(); // blobs the second run shares are kept
//! assert_eq!(store.runs(None).unwrap().len(), 1);
//! ```

pub mod artifact;
pub mod compare;
pub mod context;
pub mod edit;
pub mod event;
pub mod flow;
pub mod foreach;
pub mod fs;
pub mod kind;
pub mod problem;
pub mod record;
pub mod run;
pub mod step_error;
pub mod store;
pub mod sweep;
// Test kinds never ship: only `cargo test` and the `testkit` feature (which tests and
// benchmarks enable through dev-dependencies) compile them.
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod validate;
pub mod value;
pub mod view;

pub use artifact::{
    Artifact, ArtifactArc, ArtifactError, ArtifactRef, ArtifactType, ArtifactTypes, DecodeFn,
    Encoding, ViewFn, downcast,
};
pub use compare::{CachedFrom, Comparison, ItemRow, best_runs, flow_diff, steps_diff};
pub use context::{CancelToken, StepContext};
pub use edit::{Edit, EditError};
pub use event::{Event, SectionInfo, WakeFn};
pub use flow::{Edge, FORMAT_VERSION, Flow, FlowFileError, FlowParam, Node, NodeId, PortRef};
pub use foreach::{Axis, COLLECT_KIND, FOREACH_KIND, Item, Section};
pub use fs::write_atomic;
pub use kind::{
    ANY, Category, Inputs, KindDescriptor, NodeKind, Origin, Outputs, ParamSpec, Params, PortSpec,
    Registry,
};
pub use record::{Chosen, IncludedFile, RunMetric, RunRecord, RunStatus, StepStatus, TaskRecord};
pub use run::{Engine, RunError, RunHandle, RunOptions};
pub use step_error::StepError;
pub use store::{GcReport, Store, StoreError};
pub use validate::{Problem, idle_steps, runnable, validate, validate_in};
pub use value::{ParamType, ParamValue, Value};
pub use view::{
    ArtifactView, BarSet, BarsView, Cell, CoefficientsView, ColumnInfo, Goal, MatrixView, Metric,
    PointSet, ScalarsView, SeriesKind, SeriesView, TableView, TextView, one_line, views_to_text,
};
