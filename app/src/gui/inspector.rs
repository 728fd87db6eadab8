//! The inspector: the selected node's title, kind, doc and parameters, then its
//! results from the shown run; with nothing selected, the flow's name, description
//! and flow parameters.

use egui::{Id, RichText, Ui};
use pipewright_engine::{
    Edit, Flow, FlowParam, Node, NodeId, ParamSpec, ParamType, ParamValue, Problem, Registry, Value,
};

use super::command::Command;
use super::results::{self, ArtifactCache};
use super::run_state::RunView;
use super::theme;
use super::widgets::{ValueEdit, buffered_text_ui, default_of, value_editor_ui};

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

fn edit(commands: &mut Vec<Command>, edit: Edit, key: Option<String>) {
    commands.push(Command::Edit {
        edit,
        coalesce: key,
    });
}

/// Draws the inspector.
pub fn inspector_ui(cx: InspectorContext<'_>, ui: &mut Ui) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.add_space(4.0);
            match cx.selection {
                [] => flow_ui(cx, ui),
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
            edit(
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
        egui::Grid::new(("params", id))
            .num_columns(2)
            .spacing([8.0, 6.0])
            .striped(false)
            .show(ui, |ui| {
                for spec in &d.params {
                    param_row_ui(
                        node,
                        spec,
                        cx.flow,
                        cx.problems,
                        columns.as_deref(),
                        cx.commands,
                        ui,
                    );
                }
            });
    }
    ui.add_space(6.0);
    results::results_ui(node, cx.registry, cx.run, cx.artifacts, ui);
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
                    edit(
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
                    edit(
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
                ) {
                    ValueEdit::Changed(v) => edit(
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
                    edit(
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
                edit(
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
            edit(commands, Edit::Batch(edits), None);
            ui.close();
        }
    })
    .response
    .on_hover_text("Bind to a flow parameter");
}

fn flow_ui(cx: InspectorContext<'_>, ui: &mut Ui) {
    let flow = cx.flow;
    ui.heading("Flow");
    ui.label(
        RichText::new("Select a step to edit it. These settings belong to the whole flow.").weak(),
    );
    ui.add_space(4.0);
    let info = |name: String, title: String, description: String| Edit::SetInfo {
        name,
        title,
        description,
    };
    egui::Grid::new("flow-info")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            ui.label("Name")
                .on_hover_text("Short identifier; runs are grouped by it in the store");
            if let Some(name) =
                buffered_text_ui(ui, Id::new("flow-name"), &flow.name, 200.0, false, "name").1
            {
                edit(
                    cx.commands,
                    info(name, flow.title.clone(), flow.description.clone()),
                    Some("info:name".into()),
                );
            }
            ui.end_row();
            ui.label("Title");
            if let Some(title) = buffered_text_ui(
                ui,
                Id::new("flow-title"),
                &flow.title,
                200.0,
                false,
                "title",
            )
            .1
            {
                edit(
                    cx.commands,
                    info(flow.name.clone(), title, flow.description.clone()),
                    Some("info:title".into()),
                );
            }
            ui.end_row();
            ui.label("Description");
            if let Some(d) = buffered_text_ui(
                ui,
                Id::new("flow-description"),
                &flow.description,
                200.0,
                true,
                "what this flow does",
            )
            .1
            {
                edit(
                    cx.commands,
                    info(flow.name.clone(), flow.title.clone(), d),
                    Some("info:description".into()),
                );
            }
            ui.end_row();
        });
    for p in cx.problems.iter().filter(|p| p.node.is_none()) {
        ui.colored_label(theme::error_color(ui.visuals()), format!("⚠ {}", p.message));
    }
    ui.add_space(8.0);
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Flow parameters").strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("➕ Add")
                .on_hover_text("Add a flow parameter")
                .clicked()
            {
                let mut n = flow.parameters.len() + 1;
                while flow.param(&format!("param{n}")).is_some() {
                    n += 1;
                }
                let name = format!("param{n}");
                edit(
                    cx.commands,
                    Edit::SetFlowParam {
                        name: name.clone(),
                        param: Some(FlowParam {
                            name,
                            ty: ParamType::Float {
                                min: None,
                                max: None,
                            },
                            default: Value::Float(0.0),
                            help: String::new(),
                        }),
                    },
                    None,
                );
            }
        });
    });
    if flow.parameters.is_empty() {
        ui.label(
            RichText::new("None. A flow parameter can be changed for each run; bind step parameters to it with ⛓.")
                .weak(),
        );
    }
    for (i, p) in flow.parameters.iter().enumerate() {
        flow_param_ui(i, p, flow, cx.commands, ui);
    }
}

const TYPES: [&str; 6] = ["float", "int", "bool", "text", "path", "choice"];

fn type_of(name: &str, old: &ParamType) -> ParamType {
    match name {
        "float" => ParamType::Float {
            min: None,
            max: None,
        },
        "int" => ParamType::Int {
            min: None,
            max: None,
        },
        "bool" => ParamType::Bool,
        "text" => ParamType::Text,
        "path" => ParamType::Path,
        _ => match old {
            ParamType::Choice(o) => ParamType::Choice(o.clone()),
            _ => ParamType::Choice(vec!["a".into(), "b".into()]),
        },
    }
}

fn flow_param_ui(i: usize, p: &FlowParam, flow: &Flow, commands: &mut Vec<Command>, ui: &mut Ui) {
    let set = |param: FlowParam| Edit::SetFlowParam {
        name: p.name.clone(),
        param: Some(param),
    };
    let uses = flow
        .nodes
        .iter()
        .filter(|n| {
            n.params
                .values()
                .any(|v| matches!(v, ParamValue::Ref(r) if *r == p.name))
        })
        .count();
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        egui::Grid::new(("flow-param", i))
            .num_columns(2)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                ui.label("Name");
                ui.horizontal(|ui| {
                    let name_id = Id::new(("flow-param-name", i));
                    let (r, changed) = buffered_text_ui(ui, name_id, &p.name, 120.0, false, "name");
                    // Renaming also renames every reference, so do it once, when done.
                    if let Some(text) = changed {
                        ui.data_mut(|d| d.insert_temp(name_id.with("pending"), text));
                    }
                    if r.lost_focus()
                        && let Some(new) =
                            ui.data_mut(|d| d.remove_temp::<String>(name_id.with("pending")))
                        && new != p.name
                    {
                        let mut q = p.clone();
                        q.name = new.trim().to_owned();
                        edit(commands, set(q), None);
                    }
                    if ui
                        .small_button("🗑")
                        .on_hover_text(if uses > 0 {
                            format!(
                                "Remove (used by {uses} step(s), which will then show a problem)"
                            )
                        } else {
                            "Remove".to_owned()
                        })
                        .clicked()
                    {
                        edit(
                            commands,
                            Edit::SetFlowParam {
                                name: p.name.clone(),
                                param: None,
                            },
                            None,
                        );
                    }
                });
                ui.end_row();
                ui.label("Type");
                egui::ComboBox::from_id_salt(("flow-param-type", i))
                    .selected_text(p.ty.name())
                    .show_ui(ui, |ui| {
                        for t in TYPES {
                            if ui.selectable_label(p.ty.name() == t, t).clicked()
                                && p.ty.name() != t
                            {
                                let ty = type_of(t, &p.ty);
                                let default =
                                    ty.check(&p.default).unwrap_or_else(|_| default_of(&ty));
                                let mut q = p.clone();
                                q.ty = ty;
                                q.default = default;
                                edit(commands, set(q), None);
                            }
                        }
                    });
                ui.end_row();
                if let ParamType::Choice(options) = &p.ty {
                    ui.label("Options");
                    if let Some(text) = buffered_text_ui(
                        ui,
                        Id::new(("flow-param-options", i)),
                        &options.join(", "),
                        160.0,
                        false,
                        "a, b, c",
                    )
                    .1
                    {
                        let mut q = p.clone();
                        q.ty = ParamType::Choice(
                            text.split(',')
                                .map(|s| s.trim().to_owned())
                                .filter(|s| !s.is_empty())
                                .collect(),
                        );
                        edit(commands, set(q), Some(format!("flow-param-options:{i}")));
                    }
                    ui.end_row();
                }
                if matches!(p.ty, ParamType::Int { .. } | ParamType::Float { .. }) {
                    ui.label("Range");
                    ui.horizontal(|ui| {
                        for (bound, hint) in [(Bound::Min, "no min"), (Bound::Max, "no max")] {
                            let id = Id::new(("flow-param-range", i, bound as u8));
                            let (r, text) = buffered_text_ui(
                                ui,
                                id,
                                &bound_text(&p.ty, bound),
                                60.0,
                                false,
                                hint,
                            );
                            let name = if bound == Bound::Min { "min" } else { "max" };
                            r.widget_info(|| {
                                egui::WidgetInfo::labeled(egui::WidgetType::TextEdit, true, name)
                            });
                            if let Some(ty) = text.and_then(|t| with_bound(&p.ty, bound, &t)) {
                                let mut q = p.clone();
                                q.ty = ty;
                                edit(commands, set(q), Some(format!("flow-param-range:{i}")));
                            }
                            // Half-typed text ("-", "1e") stays in the field, marked, unapplied.
                            let typed = ui.data(|d| d.get_temp::<String>(id.with("buffer")));
                            if typed.is_some_and(|t| with_bound(&p.ty, bound, &t).is_none()) {
                                crate::gui::widgets::mark_invalid(ui, &r);
                            }
                        }
                    });
                    ui.end_row();
                }
                ui.label("Default");
                ui.horizontal(|ui| {
                    let invalid = p.ty.check(&p.default).is_err();
                    if let ValueEdit::Changed(v) = value_editor_ui(
                        ui,
                        Id::new(("flow-param-default", i)),
                        &p.ty,
                        &p.default,
                        invalid,
                        None,
                    ) {
                        let mut q = p.clone();
                        q.default = v;
                        edit(commands, set(q), Some(format!("flow-param-default:{i}")));
                    }
                });
                ui.end_row();
                ui.label("Help");
                if let Some(help) = buffered_text_ui(
                    ui,
                    Id::new(("flow-param-help", i)),
                    &p.help,
                    160.0,
                    false,
                    "one line of help",
                )
                .1
                {
                    let mut q = p.clone();
                    q.help = help;
                    edit(commands, set(q), Some(format!("flow-param-help:{i}")));
                }
                ui.end_row();
            });
        if uses > 0 {
            ui.label(
                RichText::new(format!("used by {uses} step(s)"))
                    .small()
                    .weak(),
            );
        }
    });
}

/// One end of a numeric flow parameter's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    Min,
    Max,
}

/// The text of a range bound (empty when unbounded).
fn bound_text(ty: &ParamType, bound: Bound) -> String {
    match (ty, bound) {
        (ParamType::Int { min, .. }, Bound::Min) => min.map(|v| v.to_string()),
        (ParamType::Int { max, .. }, Bound::Max) => max.map(|v| v.to_string()),
        (ParamType::Float { min, .. }, Bound::Min) => min.map(|v| v.to_string()),
        (ParamType::Float { max, .. }, Bound::Max) => max.map(|v| v.to_string()),
        _ => None,
    }
    .unwrap_or_default()
}

/// `ty` with one bound set from typed text: empty text removes the bound; text that
/// is not a number of the type gives `None`.
fn with_bound(ty: &ParamType, bound: Bound, text: &str) -> Option<ParamType> {
    let text = text.trim();
    match ty.clone() {
        ParamType::Int { mut min, mut max } => {
            let v = if text.is_empty() {
                None
            } else {
                Some(text.parse::<i64>().ok()?)
            };
            match bound {
                Bound::Min => min = v,
                Bound::Max => max = v,
            }
            Some(ParamType::Int { min, max })
        }
        ParamType::Float { mut min, mut max } => {
            let v = if text.is_empty() {
                None
            } else {
                Some(text.parse::<f64>().ok().filter(|x| x.is_finite())?)
            };
            match bound {
                Bound::Min => min = v,
                Bound::Max => max = v,
            }
            Some(ParamType::Float { min, max })
        }
        _ => None,
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn bounds_are_set_cleared_and_half_typed_text_is_not_applied() {
        let ty = ParamType::Float {
            min: None,
            max: None,
        };
        let ty = with_bound(&ty, Bound::Min, "0").unwrap();
        let ty = with_bound(&ty, Bound::Max, " 1.5 ").unwrap();
        assert_eq!(
            ty,
            ParamType::Float {
                min: Some(0.0),
                max: Some(1.5)
            }
        );
        assert_eq!(bound_text(&ty, Bound::Max), "1.5");
        assert_eq!(with_bound(&ty, Bound::Min, "-"), None);
        assert_eq!(with_bound(&ty, Bound::Max, "inf"), None);
        let cleared = with_bound(&ty, Bound::Min, "").unwrap();
        assert_eq!(
            cleared,
            ParamType::Float {
                min: None,
                max: Some(1.5)
            }
        );
        let int = ParamType::Int {
            min: None,
            max: None,
        };
        assert_eq!(with_bound(&int, Bound::Max, "2.5"), None);
        assert_eq!(
            with_bound(&int, Bound::Max, "10"),
            Some(ParamType::Int {
                min: None,
                max: Some(10)
            })
        );
        assert_eq!(with_bound(&ParamType::Text, Bound::Min, "1"), None);
    }
}
