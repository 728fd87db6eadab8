//! Helpers shared by the integration tests: run one kind of the catalogue directly,
//! with parameters resolved the way the engine resolves them.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pipewright_engine::validate::resolve_params;
use pipewright_engine::{
    Artifact, ArtifactArc, Inputs, Node, NodeId, Outputs, ParamValue, StepContext, Value, downcast,
};

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives in a folder of the repository")
        .to_owned()
}

/// Runs the registry's kind `id` on `inputs` with `set` parameters (others default),
/// in a standalone context whose relative paths resolve against the repository root.
pub fn run(id: &str, inputs: &[(&str, ArtifactArc)], set: &[(&str, Value)]) -> Outputs {
    let registry = pipewright_nodes::registry();
    let kind = registry.kind(id).unwrap_or_else(|| panic!("no kind {id}"));
    let node = Node {
        id: NodeId(1),
        kind: id.into(),
        label: id.into(),
        params: set
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ParamValue::Lit(v.clone())))
            .collect(),
        pos: (0.0, 0.0),
    };
    let params = resolve_params(&node, kind.descriptor(), &BTreeMap::new())
        .unwrap_or_else(|p| panic!("{id}: bad parameters {p:?}"));
    let mut all = Inputs::default();
    for (port, a) in inputs {
        all.push(port, a.clone());
    }
    let mut ctx = StepContext::standalone(repo_root());
    kind.run(&mut ctx, &all, &params)
        .unwrap_or_else(|e| panic!("{id} failed: {e}"))
}

/// The output on `port`, shared.
pub fn arc(outputs: &Outputs, port: &str) -> ArtifactArc {
    outputs
        .iter()
        .find(|(p, _)| *p == port)
        .map(|(_, a)| a.clone())
        .unwrap_or_else(|| panic!("no output {port:?}"))
}

/// The output on `port`, as `T` (cloned).
pub fn get<T: Artifact + Clone>(outputs: &Outputs, port: &str) -> T {
    downcast::<T>(arc(outputs, port).as_ref()).unwrap().clone()
}

/// Text parameter value.
pub fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// Wraps an artifact to feed it to a kind.
pub fn shared(a: impl Artifact) -> ArtifactArc {
    Arc::new(a)
}
