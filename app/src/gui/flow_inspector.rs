//! The inspector with nothing selected: the flow's name, title and description, its
//! own problems, and its flow parameters (type, range, options, default, help).

use egui::{Id, RichText, Ui};
use pipewright_engine::{Edit, Flow, FlowParam, ParamType, ParamValue, Problem, Value};

use super::command::{Command, push_edit};
use super::theme;
use super::widgets::{ValueEdit, buffered_text_ui, default_of, value_editor_ui};

/// Draws the flow's own settings: name, title, description, the flow's problems
/// and its parameters.
pub fn flow_ui(flow: &Flow, problems: &[Problem], commands: &mut Vec<Command>, ui: &mut Ui) {
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
            let label = ui
                .label("Name")
                .on_hover_text("Short identifier; runs are grouped by it in the store");
            let (field, name) =
                buffered_text_ui(ui, Id::new("flow-name"), &flow.name, 200.0, false, "name");
            field.labelled_by(label.id);
            if let Some(name) = name {
                push_edit(
                    commands,
                    info(name, flow.title.clone(), flow.description.clone()),
                    Some("info:name".into()),
                );
            }
            ui.end_row();
            let label = ui.label("Title");
            let (field, title) = buffered_text_ui(
                ui,
                Id::new("flow-title"),
                &flow.title,
                200.0,
                false,
                "title",
            );
            field.labelled_by(label.id);
            if let Some(title) = title {
                push_edit(
                    commands,
                    info(flow.name.clone(), title, flow.description.clone()),
                    Some("info:title".into()),
                );
            }
            ui.end_row();
            let label = ui.label("Description");
            let (field, d) = buffered_text_ui(
                ui,
                Id::new("flow-description"),
                &flow.description,
                200.0,
                true,
                "what this flow does",
            );
            field.labelled_by(label.id);
            if let Some(d) = d {
                push_edit(
                    commands,
                    info(flow.name.clone(), flow.title.clone(), d),
                    Some("info:description".into()),
                );
            }
            ui.end_row();
        });
    for p in problems.iter().filter(|p| p.node.is_none()) {
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
                push_edit(
                    commands,
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
        flow_param_ui(i, p, flow, commands, ui);
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
                        push_edit(commands, set(q), None);
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
                        push_edit(
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
                                push_edit(commands, set(q), None);
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
                        push_edit(commands, set(q), Some(format!("flow-param-options:{i}")));
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
                                push_edit(commands, set(q), Some(format!("flow-param-range:{i}")));
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
                        false,
                    ) {
                        let mut q = p.clone();
                        q.default = v;
                        push_edit(commands, set(q), Some(format!("flow-param-default:{i}")));
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
                    push_edit(commands, set(q), Some(format!("flow-param-help:{i}")));
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
