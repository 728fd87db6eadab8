//! Helpers for the unit tests of node kinds: parameters resolved the way the engine
//! resolves them, a standalone context, and typed access to outputs.

use std::collections::BTreeMap;

use pipewright_engine::validate::resolve_params;
use pipewright_engine::{
    Artifact, Inputs, Node, NodeId, NodeKind, Outputs, ParamValue, Params, StepContext, StepError,
    Value, downcast,
};
use polars::prelude::DataFrame;

use crate::artifacts::Table;

/// The kind's parameters: defaults, then `set`, checked like the engine checks them
/// (but for open ranges, see below).
pub fn params(kind: &dyn NodeKind, set: &[(&str, Value)]) -> Params {
    let node = Node {
        id: NodeId(1),
        kind: kind.descriptor().id.into(),
        label: "test".into(),
        params: set
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ParamValue::Lit(v.clone())))
            .collect(),
        pos: (0.0, 0.0),
    };
    // Kinds still check their parameters when they run (a caller may skip
    // validation), and tests of those checks pass the bounds an open range refuses.
    let mut desc = kind.descriptor().clone();
    for p in &mut desc.params {
        p.open_range = false;
    }
    match resolve_params(&node, &desc, &BTreeMap::new()) {
        Ok(p) => p,
        Err(problems) => panic!("bad test parameters: {problems:?}"),
    }
}

/// Inputs holding one table per named port.
pub fn tables(ports: &[(&str, DataFrame)]) -> Inputs {
    let mut inputs = Inputs::default();
    for (port, df) in ports {
        inputs.push(port, std::sync::Arc::new(Table::new(df.clone())));
    }
    inputs
}

/// Runs a kind in a standalone context rooted at `dir` and returns its outputs and log.
pub fn run_in(
    dir: &std::path::Path,
    kind: &dyn NodeKind,
    inputs: &Inputs,
    params: &Params,
) -> (Result<Outputs, StepError>, Vec<String>) {
    let mut ctx = StepContext::standalone(dir);
    let out = kind.run(&mut ctx, inputs, params);
    (out, ctx.logs().to_vec())
}

/// Runs a kind in a standalone context (relative paths resolve against the crate).
pub fn run(kind: &dyn NodeKind, inputs: &Inputs, params: &Params) -> Result<Outputs, StepError> {
    run_in(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        kind,
        inputs,
        params,
    )
    .0
}

/// The output on `port`, as `T`.
pub fn output<'a, T: Artifact>(outputs: &'a Outputs, port: &str) -> &'a T {
    let (_, a) = outputs
        .iter()
        .find(|(p, _)| *p == port)
        .unwrap_or_else(|| panic!("no output {port:?}"));
    downcast::<T>(a.as_ref()).unwrap()
}

/// The table on `port`.
pub fn frame<'a>(outputs: &'a Outputs, port: &str) -> &'a DataFrame {
    output::<Table>(outputs, port).df()
}

/// The failure message of a step that should have failed.
pub fn failure(result: Result<Outputs, StepError>) -> String {
    match result {
        Ok(_) => panic!("the step should have failed"),
        Err(StepError::Failed(m)) => m,
        Err(StepError::Cancelled) => panic!("the step was cancelled"),
    }
}
