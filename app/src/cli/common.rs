//! What every command needs: the node registry, the store, the flow file, the
//! parameter flags, and how a command ended. Below every command file, so commands
//! share it without importing each other or the dispatcher in `mod.rs`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use pipewright_engine::{Flow, Registry, Store, Value};

/// How a command ended when it did not error.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All went well.
    Success,
    /// A run ran but did not finish successfully.
    RunFailed,
}

/// Set to `1` to add the engine's test kinds (`const`, `add`, `fail`, `panic`, `wait`)
/// to the catalogue: the end-to-end crash and cancellation tests use them. Only a build
/// with the `testkit` feature (the app's tests and benches) honours it; a release
/// binary ignores it.
pub const TESTKIT_ENV: &str = "PIPEWRIGHT_TESTKIT";

/// The registry of every node kind the app knows.
pub fn registry() -> Arc<Registry> {
    let r = pipewright_nodes::registry();
    #[cfg(feature = "testkit")]
    let r = with_test_kinds(r);
    #[cfg(not(feature = "testkit"))]
    if std::env::var(TESTKIT_ENV).is_ok_and(|v| v == "1") {
        tracing::warn!("{TESTKIT_ENV}=1 is ignored: this build has no test kinds");
    }
    Arc::new(r)
}

/// Adds the engine's test kinds when [`TESTKIT_ENV`] is `1`.
#[cfg(feature = "testkit")]
fn with_test_kinds(mut r: Registry) -> Registry {
    if std::env::var(TESTKIT_ENV).is_ok_and(|v| v == "1") {
        for kind in pipewright_engine::testkit::kinds() {
            r.register_arc(kind);
        }
        r.register_artifact(pipewright_engine::testkit::NUMBER_TYPE);
    }
    r
}

/// Opens the store named on the command line or by default.
pub fn open_store(explicit: Option<&Path>) -> anyhow::Result<Store> {
    let dir = Store::default_location(explicit)?;
    Store::open(&dir).with_context(|| format!("cannot open the store at {}", dir.display()))
}

/// Loads a flow file with a message naming it.
pub fn load_flow(path: &Path) -> anyhow::Result<Flow> {
    Flow::load(path).map_err(anyhow::Error::from)
}

/// The message for a flag naming a flow parameter the flow does not have.
pub fn no_such_param(flow: &Flow, flag: &str, name: &str) -> String {
    let known: Vec<_> = flow.parameters.iter().map(|p| p.name.as_str()).collect();
    format!(
        "{flag} {name}: flow {:?} has no parameter {name:?} (it has: {})",
        flow.name,
        if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        }
    )
}

/// Parses `--param name=value` arguments against the flow's parameter types.
pub fn parse_overrides(flow: &Flow, args: &[String]) -> anyhow::Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for arg in args {
        let Some((name, text)) = arg.split_once('=') else {
            bail!("--param {arg:?}: expected NAME=VALUE");
        };
        let name = name.trim();
        let Some(p) = flow.param(name) else {
            bail!(no_such_param(flow, "--param", name));
        };
        let value =
            p.ty.parse(text)
                .map_err(|e| anyhow::anyhow!("--param {name}: {e}"))?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

/// Parses `--sweep name=v1,v2,…` arguments: each flow parameter with its typed values.
pub fn parse_sweeps(flow: &Flow, args: &[String]) -> anyhow::Result<Vec<(String, Vec<Value>)>> {
    let mut out: Vec<(String, Vec<Value>)> = Vec::new();
    for arg in args {
        let Some((name, list)) = arg.split_once('=') else {
            bail!("--sweep {arg:?}: expected NAME=V1,V2,…");
        };
        let name = name.trim();
        if out.iter().any(|(n, _)| n == name) {
            bail!("--sweep {name}: given twice; list every value in one --sweep");
        }
        let Some(p) = flow.param(name) else {
            bail!(no_such_param(flow, "--sweep", name));
        };
        let values = list
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                p.ty.parse(v)
                    .map_err(|e| anyhow::anyhow!("--sweep {name}: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if values.is_empty() {
            bail!("--sweep {name}: no values");
        }
        out.push((name.to_owned(), values));
    }
    Ok(out)
}
