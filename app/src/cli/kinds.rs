//! `pipewright kinds`: the step catalogue — every node kind with its ports and
//! parameters (type, range, default, meaning) — as text, or as the Markdown of the
//! README's catalogue (`--markdown`; a test keeps the README equal to it).

use std::fmt::Write as _;

use pipewright_engine::{KindDescriptor, ParamSpec, ParamType, PortSpec, Registry};

/// The type of a parameter with its range or options, e.g. `float (0, ∞)`,
/// `choice: l2 | l1 | none`.
fn param_type(p: &ParamSpec) -> String {
    match &p.ty {
        ParamType::Choice(options) => format!("one of {}", options.join(" | ")),
        ty => match p.range_text() {
            Some(range) => format!("{} {range}", ty.name()),
            None => ty.name().to_owned(),
        },
    }
}

fn ports(ports: &[PortSpec]) -> String {
    if ports.is_empty() {
        return "none".to_owned();
    }
    ports
        .iter()
        .map(|p| {
            let mut s = format!("`{}` ({})", p.name, p.ty);
            if p.multiple {
                s.push_str(", several");
            } else if !p.required {
                s.push_str(", optional");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kinds of `registry`, by palette category, as text for the terminal; only
/// `only` when given (a kind id).
pub fn text(registry: &Registry, only: Option<&str>) -> String {
    let mut out = String::new();
    for category in registry.categories() {
        let kinds: Vec<&KindDescriptor> = registry
            .kinds()
            .filter(|k| k.category == category && only.is_none_or(|id| id == k.id))
            .collect();
        if kinds.is_empty() {
            continue;
        }
        if only.is_none() {
            let _ = writeln!(out, "{}\n", category.name);
        }
        for k in kinds {
            let _ = writeln!(out, "  {}  ({})", k.id, k.title);
            let _ = writeln!(out, "    {}", k.doc);
            let _ = writeln!(out, "    inputs:  {}", ports(&k.inputs).replace('`', ""));
            let _ = writeln!(out, "    outputs: {}", ports(&k.outputs).replace('`', ""));
            for p in &k.params {
                let _ = writeln!(
                    out,
                    "    {} = {}  [{}{}]  {}",
                    p.name,
                    p.default,
                    param_type(p),
                    if p.required { ", required" } else { "" },
                    p.doc
                );
            }
            out.push('\n');
        }
    }
    out
}

/// The catalogue as the README's Markdown: a heading per category, a paragraph per
/// kind (title, id, what it does, ports), its parameters as a list.
pub fn markdown(registry: &Registry) -> String {
    let mut out = String::new();
    for category in registry.categories() {
        let kinds: Vec<&KindDescriptor> = registry
            .kinds()
            .filter(|k| k.category == category)
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n", category.name);
        for k in kinds {
            let _ = writeln!(out, "**{}** (`{}`) — {}\n", k.title, k.id, k.doc);
            let _ = writeln!(
                out,
                "In: {}. Out: {}.\n",
                ports(&k.inputs),
                ports(&k.outputs)
            );
            for p in &k.params {
                let _ = writeln!(
                    out,
                    "- `{}` ({}; default `{}`{}): {}",
                    p.name,
                    param_type(p),
                    p.default,
                    if p.required { "; required" } else { "" },
                    p.doc.replace('\n', " ")
                );
            }
            if !k.params.is_empty() {
                out.push('\n');
            }
        }
    }
    out
}
