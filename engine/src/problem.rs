//! A problem of a flow — what is wrong, naming the node and the parameter — and the
//! parameter resolution that finds most of them. Below validation and foreach
//! sections, which both report problems.

use std::collections::BTreeMap;
use std::fmt;

use crate::flow::{Node, NodeId};
use crate::kind::{KindDescriptor, Params};
use crate::value::{ParamType, ParamValue, Value};

/// One problem found in a flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The node it concerns, if any (flow-level problems have none).
    pub node: Option<NodeId>,
    /// The parameter it concerns, if any.
    pub param: Option<String>,
    /// The message, already naming the node and parameter.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub(crate) fn node_problem(node: &Node, message: String) -> Problem {
    Problem {
        node: Some(node.id),
        param: None,
        message: format!("node {}: {message}", node.display()),
    }
}

pub(crate) fn param_problem(node: &Node, param: &str, message: String) -> Problem {
    Problem {
        node: Some(node.id),
        param: Some(param.to_owned()),
        message: format!("node {}: parameter {param:?}: {message}", node.display()),
    }
}

/// Resolves a node's parameters against its kind and the flow parameter values:
/// references replaced, defaults filled in, types and ranges checked.
pub fn resolve_params(
    node: &Node,
    desc: &KindDescriptor,
    flow_values: &BTreeMap<String, Value>,
) -> Result<Params, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for name in node.params.keys() {
        if desc.param(name).is_none() {
            let known: Vec<_> = desc.params.iter().map(|p| p.name).collect();
            problems.push(param_problem(
                node,
                name,
                format!(
                    "unknown parameter for {} (it has: {})",
                    desc.id,
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
    }
    for spec in &desc.params {
        let raw = match node.params.get(spec.name) {
            None => spec.default.clone(),
            Some(ParamValue::Lit(v)) => v.clone(),
            Some(ParamValue::Ref(r)) => match flow_values.get(r) {
                Some(v) => v.clone(),
                None => {
                    problems.push(param_problem(
                        node,
                        spec.name,
                        format!("refers to flow parameter {r:?}, which does not exist"),
                    ));
                    continue;
                }
            },
        };
        if spec.required && raw.as_str().is_some_and(|s| s.trim().is_empty()) {
            problems.push(param_problem(
                node,
                spec.name,
                "is required but not set".into(),
            ));
            continue;
        }
        match spec.ty.check(&raw) {
            Ok(v) if spec.open_range && on_a_bound(&spec.ty, &v) => problems.push(param_problem(
                node,
                spec.name,
                format!(
                    "{v} is out of range {} (the bounds themselves are excluded)",
                    spec.range_text().unwrap_or_default()
                ),
            )),
            Ok(v) => {
                out.insert(spec.name.to_owned(), v);
            }
            Err(e) => problems.push(param_problem(node, spec.name, e)),
        }
    }
    if problems.is_empty() {
        Ok(Params(out))
    } else {
        Err(problems)
    }
}

/// Whether a number sits exactly on one of its type's bounds.
pub(crate) fn on_a_bound(ty: &ParamType, v: &Value) -> bool {
    let Some(x) = v.as_f64() else { return false };
    let (min, max) = match ty {
        ParamType::Float { min, max } => (*min, *max),
        ParamType::Int { min, max } => (min.map(|m| m as f64), max.map(|m| m as f64)),
        _ => (None, None),
    };
    min == Some(x) || max == Some(x)
}
