//! The inspector: the selected node's title, kind, doc and parameters, then its
//! results from the shown run; with nothing selected, the flow's name, description
//! and flow parameters (drawn by [`super::flow_inspector`]).

use egui::{Id, RichText, Ui};
use pipewright_engine::{
    Edit, FOREACH_KIND, Flow, FlowParam, Node, NodeId, ParamSpec, ParamType, ParamValue, Problem,
    Registry, RunStatus, StepStatus, Value,
};

use super::command::{Command, ServeTarget, push_edit};
use super::flow_inspector::flow_ui;
use super::results::{self, ArtifactCache};
use super::run_state::RunView;
use super::theme;
use super::widgets::{ValueEdit, buffered_text_ui, value_editor_ui};

/// Everything the inspector needs for one frame.
pub struct InspectorContext<'a> {
    /// The flow.
    pub flow: &'a Flow,
    /// Node kinds.
    pub registry: &'a Registry,
    /// The selected nodes.
    pub selection: &'a [NodeId],
    /// Current validation problems.
    pub problems: &'a [Problem],
    /// The run shown, if any.
    pub run: Option<&'a RunView>,
    /// Loaded artifacts.
    pub artifacts: &'a mut ArtifactCache,
    /// Where commands go.
    pub commands: &'a mut Vec<Command>,
}

/// Draws the inspector.
pub fn inspector_ui(cx: InspectorContext<'_>, ui: &mut Ui) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.add_space(4.0);
            match cx.selection {
                [] => flow_ui(cx.flow, cx.problems, cx.commands, ui),
                [one] => {
                    let one = *one;
                    match cx.flow.node(one) {
                        Some(node) => node_ui(node, cx, ui),
                        None => {
                            ui.label("The selected node no longer exists.");
                        }
                    }
                }
                many => {
                    ui.heading(format!("{} steps selected", many.len()));
                    ui.label(
                        RichText::new(
                            "Delete, duplicate, copy or move them together. Select one step to edit it.",
                        )
                        .weak(),
                    );
                    for id in many {
                        if let Some(n) = cx.flow.node(*id) {
                            ui.label(format!("• {} ({})", n.label, n.kind));
                        }
                    }
                }
            }
        });
}

fn node_ui(node: &Node, cx: InspectorContext<'_>, ui: &mut Ui) {
    let desc = cx.registry.descriptor(&node.kind);
    let id = node.id;
    ui.horizontal(|ui| {
        ui.label(RichText::new("Title").strong());
        let (_, changed) = buffered_text_ui(
            ui,
            Id::new(("label", id)),
            &node.label,
            ui.available_width(),
            false,
            "step title",
        );
        if let Some(label) = changed {
            push_edit(
                cx.commands,
                Edit::SetLabel { node: id, label },
                Some(format!("label:{id}")),
            );
        }
    });
    match desc {
        Some(d) => {
            ui.label(
                RichText::new(format!("{} · {} · {}", d.title, d.id, id))
                    .small()
                    .weak(),
            );
            if !d.doc.is_empty() {
                ui.add_space(2.0);
                ui.label(d.doc);
            }
        }
        None => {
            ui.colored_label(
                theme::error_color(ui.visuals()),
                format!("Unknown step kind {:?}", node.kind),
            );
        }
    }
    let node_problems: Vec<&Problem> = cx
        .problems
        .iter()
        .filter(|p| p.node == Some(id) && p.param.is_none())
        .collect();
    for p in &node_problems {
        ui.colored_label(theme::error_color(ui.visuals()), format!("⚠ {}", p.message));
    }
    if let Some(d) = desc
        && !d.params.is_empty()
    {
        ui.add_space(6.0);
        ui.separator();
        ui.label(RichText::new("Parameters").strong());
        let columns = upstream_columns(node, cx.flow, cx.run, cx.artifacts);
        let varied = varied_params(node, cx.flow, cx.registry);
        egui::Grid::new(("params", id))
            .num_columns(2)
            .spacing([8.0, 6.0])
            .striped(false)
            .show(ui, |ui| {
                for spec in &d.params {
                    let by = varied.iter().find(|v| v.param == spec.name);
                    param_row_ui(
                        node,
                        spec,
                        cx.flow,
                        cx.problems,
                        columns.as_deref(),
                        by,
                        cx.commands,
                        ui,
                    );
                }
            });
    }
    ui.add_space(6.0);
    if let Some(d) = desc {
        serve_row_ui(node, d, cx.run, cx.commands, ui);
    }
    results::results_ui(node, cx.registry, cx.run, cx.artifacts, ui);
}

/// *Serve…* and *Export bundle…* for a step that output a model in a finished run
/// (one task: inside a foreach, the select-best join serves the winner).
fn serve_row_ui(
    node: &Node,
    desc: &pipewright_engine::KindDescriptor,
    run: Option<&RunView>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let outputs_model = desc
        .outputs
        .iter()
        .any(|p| pipewright_nodes::bundle::MODEL_TYPES.contains(&p.ty));
    let Some(run) = run.filter(|r| r.status == RunStatus::Done) else {
        return;
    };
    let finished = run
        .steps
        .get(&node.id)
        .is_some_and(|s| s.items == 0 && matches!(s.status, StepStatus::Done | StepStatus::Cached));
    if !outputs_model || !finished {
        return;
    }
    let target = ServeTarget {
        run: run.run_id.clone(),
        step: Some(node.label.clone()),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("This model").strong());
        if ui
            .button("🌐 Serve…")
            .on_hover_text(format!(
                "Serve the model of {} over HTTP from the editor",
                target.describe()
            ))
            .clicked()
        {
            commands.push(Command::AskServe(target.clone()));
        }
        if ui
            .button("📦 Export bundle…")
            .on_hover_text("Write this model, with the fitted steps before it, to one .pwm file")
            .clicked()
        {
            commands.push(Command::ExportBundle(target.clone()));
        }
    });
    ui.add_space(4.0);
}

/// A parameter of the shown step that a foreach varies: its own value is not the one
/// its tasks run with.
struct Varied {
    param: String,
    foreach: String,
    values: String,
}

/// The parameters of `node` that a foreach of the flow varies.
fn varied_params(node: &Node, flow: &Flow, registry: &Registry) -> Vec<Varied> {
    if !flow.nodes.iter().any(|n| n.kind == FOREACH_KIND) {
        return Vec::new();
    }
    let defaults = flow.param_defaults();
    let (sections, _) = pipewright_engine::foreach::sections(flow, registry, &defaults);
    sections
        .iter()
        .flat_map(|sec| {
            sec.axes
                .iter()
                .filter(|a| a.node == node.id)
                .map(|a| Varied {
                    param: a.param.clone(),
                    foreach: sec.label.clone(),
                    values: axis_values(&a.values),
                })
        })
        .collect()
}

/// `0.001, 0.01, … 10000 (8 values)`: a few of an axis's values.
fn axis_values(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().map(Value::to_string).collect();
    if shown.len() <= 4 {
        return shown.join(", ");
    }
    format!(
        "{}, {}, … {} ({} values)",
        shown[0],
        shown[1],
        shown[shown.len() - 1],
        shown.len()
    )
}

/// The columns of the table arriving at `node`, when the shown run produced it.
fn upstream_columns(
    node: &Node,
    flow: &Flow,
    run: Option<&RunView>,
    artifacts: &mut ArtifactCache,
) -> Option<Vec<String>> {
    let record = run?.record.as_ref()?;
    flow.incoming(node.id).find_map(|e| {
        let task = record.task(e.from.node)?;
        let r = task.outputs.get(&e.from.port)?;
        artifacts.columns(r)
    })
}

/// Whether a text parameter names columns (so a column picker helps), and whether it
/// takes several (comma-separated).
fn column_param(spec: &ParamSpec) -> Option<bool> {
    if !matches!(spec.ty, ParamType::Text) {
        return None;
    }
    let n = spec.name.to_lowercase();
    let many = n.contains("columns") || n.contains("features") || n.ends_with("_cols");
    let one = n.contains("column") || n == "target" || n.contains("label") || n.ends_with("_col");
    (many || one).then_some(many)
}

fn column_picker_ui(
    node: &Node,
    spec: &ParamSpec,
    current: &str,
    many: bool,
    columns: &[String],
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let chosen: Vec<String> = current
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    // No text: the combo box draws its own arrow (the default fonts have no "▾").
    egui::ComboBox::from_id_salt(("columns", node.id, spec.name))
        .selected_text("")
        .width(24.0)
        .show_ui(ui, |ui| {
            for c in columns {
                let on = chosen.contains(c);
                if ui.selectable_label(on, c).clicked() {
                    let value = if many {
                        let mut next = chosen.clone();
                        if on {
                            next.retain(|x| x != c);
                        } else {
                            next.push(c.clone());
                        }
                        next.join(", ")
                    } else {
                        c.clone()
                    };
                    push_edit(
                        commands,
                        Edit::SetParam {
                            node: node.id,
                            name: spec.name.to_owned(),
                            value: Some(ParamValue::Lit(Value::Text(value))),
                        },
                        None,
                    );
                }
            }
        })
        .response
        .on_hover_text("Pick from the columns of the incoming table (from the last run)");
}

fn param_row_ui(
    node: &Node,
    spec: &ParamSpec,
    flow: &Flow,
    problems: &[Problem],
    columns: Option<&[String]>,
    varied: Option<&Varied>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let id = node.id;
    let key = format!("param:{id}:{}", spec.name);
    let errors: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.node == Some(id) && p.param.as_deref() == Some(spec.name))
        .collect();
    let set = node.params.get(spec.name);
    let mut name = RichText::new(spec.name);
    if set.is_some() {
        name = name.strong();
    }
    let label_id = ui
        .label(name)
        .on_hover_text(format!(
            "{}\ntype: {}; default: {}",
            spec.doc,
            spec.ty.name(),
            spec.default
        ))
        .id;
    ui.vertical(|ui| {
        if let Some(v) = varied {
            let own = match set {
                Some(ParamValue::Lit(v)) => v.to_string(),
                Some(ParamValue::Ref(r)) => format!("${r}"),
                None => spec.default.to_string(),
            };
            ui.label(RichText::new(format!("⟳ varied by {}", v.foreach)).strong())
                .on_hover_text(format!(
                    "Each task of {:?} runs with one of its values; this step's own \
                     value ({own}) is used only when the foreach no longer varies it.",
                    v.foreach
                ));
            ui.label(RichText::new(&v.values).small().monospace());
            return;
        }
        ui.horizontal(|ui| match set {
            Some(ParamValue::Ref(r)) => {
                let value = flow.param(r).map(|p| p.default.to_string());
                ui.label(RichText::new(format!("⛓ ${r}")).monospace())
                    .on_hover_text(format!(
                        "bound to flow parameter {r:?} (default {})",
                        value.as_deref().unwrap_or("?")
                    ));
                if ui
                    .small_button("unbind")
                    .on_hover_text("Use a value of its own instead of the flow parameter")
                    .clicked()
                {
                    let lit = flow
                        .param(r)
                        .map(|p| p.default.clone())
                        .filter(|v| spec.ty.check(v).is_ok())
                        .unwrap_or_else(|| spec.default.clone());
                    push_edit(
                        commands,
                        Edit::SetParam {
                            node: id,
                            name: spec.name.to_owned(),
                            value: Some(ParamValue::Lit(lit)),
                        },
                        None,
                    );
                }
            }
            lit => {
                let value = match lit {
                    Some(ParamValue::Lit(v)) => v.clone(),
                    _ => spec.default.clone(),
                };
                let widget_id = Id::new(("param", id, spec.name));
                match value_editor_ui(
                    ui,
                    widget_id,
                    &spec.ty,
                    &value,
                    !errors.is_empty(),
                    Some(label_id),
                    spec.open_range,
                ) {
                    ValueEdit::Changed(v) => push_edit(
                        commands,
                        Edit::SetParam {
                            node: id,
                            name: spec.name.to_owned(),
                            value: Some(ParamValue::Lit(v)),
                        },
                        Some(key.clone()),
                    ),
                    ValueEdit::Browse => commands.push(Command::BrowseParam {
                        node: id,
                        name: spec.name.to_owned(),
                    }),
                    ValueEdit::None => {}
                }
                if let (Some(cols), Some(many)) = (columns, column_param(spec)) {
                    let current = value.as_str().unwrap_or_default().to_owned();
                    column_picker_ui(node, spec, &current, many, cols, commands, ui);
                }
                if set.is_some()
                    && ui
                        .small_button("↺")
                        .on_hover_text(format!("Reset to the default ({})", spec.default))
                        .clicked()
                {
                    push_edit(
                        commands,
                        Edit::SetParam {
                            node: id,
                            name: spec.name.to_owned(),
                            value: None,
                        },
                        None,
                    );
                }
                bind_menu_ui(id, spec, flow, commands, ui);
            }
        });
        for e in errors {
            let msg = e
                .message
                .rsplit_once(": ")
                .map_or(e.message.as_str(), |(_, m)| m);
            ui.colored_label(theme::error_color(ui.visuals()), RichText::new(msg).small())
                .on_hover_text(&e.message);
        }
    });
    ui.end_row();
}

fn compatible(flow_ty: &ParamType, node_ty: &ParamType) -> bool {
    flow_ty.name() == node_ty.name()
        || (matches!(flow_ty, ParamType::Int { .. }) && matches!(node_ty, ParamType::Float { .. }))
        || (matches!(flow_ty, ParamType::Text | ParamType::Choice(_))
            && matches!(
                node_ty,
                ParamType::Text | ParamType::Path | ParamType::Choice(_)
            ))
}

fn bind_menu_ui(
    id: NodeId,
    spec: &ParamSpec,
    flow: &Flow,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let candidates: Vec<&FlowParam> = flow
        .parameters
        .iter()
        .filter(|p| compatible(&p.ty, &spec.ty))
        .collect();
    ui.menu_button("⛓", |ui| {
        ui.label(RichText::new("Bind to a flow parameter").weak());
        for p in &candidates {
            if ui
                .button(format!("${} = {}", p.name, p.default))
                .on_hover_text(&p.help)
                .clicked()
            {
                push_edit(
                    commands,
                    Edit::SetParam {
                        node: id,
                        name: spec.name.to_owned(),
                        value: Some(ParamValue::Ref(p.name.clone())),
                    },
                    None,
                );
                ui.close();
            }
        }
        ui.separator();
        let exists = flow.param(spec.name).is_some();
        let label = if exists {
            format!("Bind to ${}", spec.name)
        } else {
            format!("New flow parameter ${}", spec.name)
        };
        if ui
            .button(label)
            .on_hover_text("A flow parameter can be changed for each run (Run with parameters…)")
            .clicked()
        {
            let mut edits = Vec::new();
            if !exists {
                let current = flow
                    .node(id)
                    .and_then(|n| match n.params.get(spec.name) {
                        Some(ParamValue::Lit(v)) => Some(v.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| spec.default.clone());
                edits.push(Edit::SetFlowParam {
                    name: spec.name.to_owned(),
                    param: Some(FlowParam {
                        name: spec.name.to_owned(),
                        ty: spec.ty.clone(),
                        default: current,
                        help: spec.doc.to_owned(),
                    }),
                });
            }
            edits.push(Edit::SetParam {
                node: id,
                name: spec.name.to_owned(),
                value: Some(ParamValue::Ref(spec.name.to_owned())),
            });
            push_edit(commands, Edit::Batch(edits), None);
            ui.close();
        }
    })
    .response
    .on_hover_text("Bind to a flow parameter");
}
