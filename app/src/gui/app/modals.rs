//! The dialogs over the window: unsaved changes, the in-app path prompt (where no
//! file dialog exists), run with parameters, and the shortcuts list. Their answers
//! are commands ([`ModalAnswer`], [`Command::RunWith`]) executed with the rest.

use std::path::PathBuf;

use egui::{Key, RichText};

use super::shortcuts::SHORTCUTS;
use super::{EditorApp, Modal, Pending, PromptPurpose, ServeForm};
use crate::gui::command::{Command, ModalAnswer};
use crate::gui::theme;
use crate::gui::widgets::{ValueEdit, value_editor_ui};

impl EditorApp {
    /// Draws the open dialog; its answers are pushed to `commands`.
    pub(super) fn modal_ui(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let Some(modal) = self.modal.clone() else {
            return;
        };
        let mut close = false;
        match modal {
            Modal::Unsaved(pending) => {
                let action = match &pending {
                    Pending::New => "starting a new flow",
                    Pending::Open | Pending::OpenPath(_) | Pending::OpenFlow(_) => {
                        "opening another flow"
                    }
                    Pending::Quit => "closing",
                };
                egui::Modal::new(egui::Id::new("unsaved")).show(ctx, |ui| {
                    ui.set_width(380.0);
                    ui.heading("Unsaved changes");
                    ui.label(format!(
                        "Save the changes to {} before {action}?",
                        self.doc.file_name()
                    ));
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("Save").clicked() {
                            commands.push(Command::Modal(ModalAnswer::Save));
                        }
                        if ui.button("Discard").clicked() {
                            commands.push(Command::Modal(ModalAnswer::Discard));
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                });
            }
            Modal::PathPrompt { purpose, mut text } => {
                let title = match &purpose {
                    PromptPurpose::Open => "Open flow",
                    PromptPurpose::SaveAs => "Save flow as",
                    PromptPurpose::ParamPath { .. } => "Choose a file",
                    PromptPurpose::ExportBundle(_) => "Export bundle",
                };
                let hint = match &purpose {
                    PromptPurpose::ExportBundle(_) => "/path/to/model.pwm",
                    PromptPurpose::ParamPath { .. } => "/path/to/data.csv",
                    _ => "/path/to/flow.ron",
                };
                let mut ok = false;
                egui::Modal::new(egui::Id::new("path-prompt")).show(ctx, |ui| {
                    ui.set_width(480.0);
                    ui.heading(title);
                    ui.label(
                        RichText::new("No file dialog is available here; type the path.").weak(),
                    );
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut text)
                            .desired_width(f32::INFINITY)
                            .hint_text(hint),
                    );
                    // Enter confirms. The field keeps the focus every frame, so it never
                    // reports losing it: read the key itself.
                    if ui.input(|i| i.key_pressed(Key::Enter)) {
                        ok = true;
                    } else {
                        r.request_focus();
                    }
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui.button("OK").clicked() {
                            ok = true;
                        }
                        if ui.button("Cancel").clicked() {
                            commands.push(Command::Modal(ModalAnswer::Cancel));
                        }
                    });
                });
                if ok && !text.trim().is_empty() {
                    commands.push(Command::Modal(ModalAnswer::Path(PathBuf::from(
                        text.trim(),
                    ))));
                } else if let Some(Modal::PathPrompt { text: t, .. }) = &mut self.modal {
                    *t = text;
                }
            }
            Modal::RunParams(mut values) => {
                let mut run = false;
                let flow = self.doc.flow();
                let mut all_valid = true;
                egui::Modal::new(egui::Id::new("run-params")).show(ctx, |ui| {
                    ui.set_width(440.0);
                    ui.heading("Run with parameters");
                    ui.label(
                        RichText::new("These values are for this run only; the flow's defaults do not change.")
                            .weak(),
                    );
                    ui.add_space(6.0);
                    if flow.parameters.is_empty() {
                        ui.label("This flow has no flow parameters.");
                    }
                    egui::Grid::new("run-params-grid")
                        .num_columns(2)
                        .spacing([10.0, 6.0])
                        .show(ui, |ui| {
                            for p in &flow.parameters {
                                let label_id = ui
                                    .label(RichText::new(&p.name).strong())
                                    .on_hover_text(&p.help)
                                    .id;
                                ui.vertical(|ui| {
                                    let v = values.get(&p.name).cloned().unwrap_or_else(|| p.default.clone());
                                    let check = p.ty.check(&v);
                                    ui.horizontal(|ui| {
                                        if let ValueEdit::Changed(nv) = value_editor_ui(
                                            ui,
                                            egui::Id::new(("run-param", &p.name)),
                                            &p.ty,
                                            &v,
                                            check.is_err(),
                                            Some(label_id),
                                            false,
                                        ) {
                                            values.insert(p.name.clone(), nv);
                                        }
                                        if v != p.default {
                                            ui.label(RichText::new(format!("default {}", p.default)).small().weak());
                                        }
                                    });
                                    if let Err(e) = check {
                                        all_valid = false;
                                        ui.colored_label(theme::error_color(ui.visuals()), RichText::new(e).small());
                                    } else if !p.help.is_empty() {
                                        ui.label(RichText::new(&p.help).small().weak());
                                    }
                                });
                                ui.end_row();
                            }
                        });
                    ui.add_space(8.0);
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(all_valid, egui::Button::new(RichText::new("▶ Run").strong()))
                            .clicked()
                        {
                            run = true;
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                });
                if run {
                    close = true;
                    let overrides = values
                        .iter()
                        .filter(|(k, v)| flow.param(k).is_some_and(|p| p.default != **v))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    commands.push(Command::RunWith(overrides));
                } else if let Some(Modal::RunParams(v)) = &mut self.modal {
                    *v = values;
                }
            }
            Modal::Sweep {
                mut target,
                mut values,
                error,
            } => {
                let flow = self.doc.flow();
                // Every number, choice and flag parameter of every step, as STEP.PARAM.
                let choices: Vec<(String, String)> = flow
                    .nodes
                    .iter()
                    .filter(|n| n.kind != pipewright_engine::FOREACH_KIND)
                    .filter_map(|n| Some((n, self.registry.descriptor(&n.kind)?)))
                    .flat_map(|(n, d)| {
                        d.params
                            .iter()
                            .filter(|p| {
                                !matches!(
                                    p.ty,
                                    pipewright_engine::ParamType::Text
                                        | pipewright_engine::ParamType::Path
                                )
                            })
                            .map(move |p| {
                                let range =
                                    p.range_text().map(|r| format!(" {r}")).unwrap_or_default();
                                (
                                    format!("{}.{}", n.label, p.name),
                                    format!("{}{range}", p.ty.name()),
                                )
                            })
                    })
                    .collect();
                let mut answer = None;
                egui::Modal::new(egui::Id::new("sweep")).show(ctx, |ui| {
                    ui.set_width(520.0);
                    ui.heading("Sweep a parameter");
                    ui.label(
                        RichText::new(
                            "Each value runs as a task of one run, in parallel; a Foreach (and a \
                             Collect gathering every value's scores) is added to the flow.",
                        )
                        .weak(),
                    );
                    ui.add_space(6.0);
                    egui::Grid::new("sweep-grid")
                        .num_columns(2)
                        .spacing([10.0, 6.0])
                        .show(ui, |ui| {
                            ui.label(RichText::new("Parameter").strong());
                            egui::ComboBox::from_id_salt("sweep-target")
                                .width(320.0)
                                .selected_text(if target.is_empty() {
                                    "choose…"
                                } else {
                                    target.as_str()
                                })
                                .show_ui(ui, |ui| {
                                    for (name, ty) in &choices {
                                        ui.selectable_value(
                                            &mut target,
                                            name.clone(),
                                            format!("{name}   {ty}"),
                                        );
                                    }
                                });
                            ui.end_row();
                            ui.label(RichText::new("Values").strong());
                            let r = ui.add(
                                egui::TextEdit::singleline(&mut values)
                                    .desired_width(320.0)
                                    .hint_text("0.01, 0.1, 1   or   log(0.001, 1000, 8)"),
                            );
                            if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                                answer = Some(true);
                            }
                            ui.end_row();
                        });
                    ui.label(
                        RichText::new(
                            "A list, log(start, stop, count) evenly on a log scale, or \
                             linear(start, stop, count).",
                        )
                        .small()
                        .weak(),
                    );
                    if let Some(e) = &error {
                        ui.colored_label(
                            theme::error_color(ui.visuals()),
                            RichText::new(e).small(),
                        );
                    }
                    ui.add_space(8.0);
                    let ready = !target.is_empty() && !values.trim().is_empty();
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(
                                ready,
                                egui::Button::new(RichText::new("▶ Add and run").strong()),
                            )
                            .clicked()
                        {
                            answer = Some(true);
                        }
                        if ui
                            .add_enabled(ready, egui::Button::new("Add to the flow"))
                            .clicked()
                        {
                            answer = Some(false);
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                });
                let ready = !target.is_empty() && !values.trim().is_empty();
                if let Some(run) = answer.filter(|_| ready) {
                    commands.push(Command::InsertSweep {
                        over: format!("{target} = {}", values.trim()),
                        run,
                    });
                }
                if let Some(Modal::Sweep {
                    target: t,
                    values: v,
                    ..
                }) = &mut self.modal
                {
                    *t = target;
                    *v = values;
                }
            }
            Modal::Serve(form) => self.serve_form_ui(ctx, form, commands, &mut close),
            Modal::Shortcuts => {
                let r = egui::Modal::new(egui::Id::new("shortcuts")).show(ctx, |ui| {
                    ui.heading("Keyboard shortcuts");
                    egui::Grid::new("shortcuts-grid")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (k, what) in SHORTCUTS {
                                ui.label(RichText::new(*k).monospace());
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                    ui.add_space(6.0);
                    if ui.button("Close").clicked() {
                        close = true;
                    }
                });
                if r.should_close() {
                    close = true;
                }
            }
        }
        if close {
            self.modal = None;
        }
    }
}

impl EditorApp {
    /// *Serve…*: where to listen and how, checked on Start; a refusal (a field, a
    /// port in use, a run that failed its gate) stays in the form.
    fn serve_form_ui(
        &mut self,
        ctx: &egui::Context,
        mut form: ServeForm,
        commands: &mut Vec<Command>,
        close: &mut bool,
    ) {
        let mut start = false;
        let serving_now = self
            .serving
            .as_ref()
            .map(|s| (s.target().describe(), s.url()));
        egui::Modal::new(egui::Id::new("serve")).show(ctx, |ui| {
            ui.set_width(480.0);
            ui.heading("Serve a model");
            ui.label(format!(
                "The model of {} (the one Select best chose, or the only one, unless a step is named), answering HTTP requests from this editor.",
                form.target.describe()
            ));
            if let Some((what, url)) = &serving_now {
                ui.label(
                    RichText::new(format!("{what} is served at {url} now; it stops once this one listens."))
                        .color(theme::warn_color(ui.visuals())),
                );
            }
            ui.add_space(6.0);
            let mut enter = false;
            egui::Grid::new("serve-grid")
                .num_columns(2)
                .spacing([10.0, 6.0])
                .show(ui, |ui| {
                    let mut field = |ui: &mut egui::Ui, name: &str, text: &mut String, hint: &str, help: &str, password: bool| {
                        let label = ui.label(RichText::new(name).strong()).on_hover_text(help);
                        let r = ui.add(
                            egui::TextEdit::singleline(text)
                                .desired_width(300.0)
                                .hint_text(hint)
                                .password(password),
                        )
                        .labelled_by(label.id)
                        .on_hover_text(help);
                        if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                            enter = true;
                        }
                        ui.end_row();
                    };
                    field(ui, "Host", &mut form.host, "127.0.0.1", "The address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 every network", false);
                    field(ui, "Port", &mut form.port, "8080", "0 picks any free port", false);
                    field(ui, "Token", &mut form.token, "none", "When set, requests need the header Authorization: Bearer TOKEN", true);
                    field(ui, "Cache rows", &mut form.cache, "0", "Answers of this many recent distinct rows are kept (0: no cache); the hit rate is in /metrics", false);
                    field(ui, "Request log", &mut form.log, "none", "A JSON-lines file every scored row is appended to (time, inputs, outputs, latency): a table a later flow can load", false);
                });
            if let Some(e) = &form.error {
                ui.add_space(4.0);
                ui.colored_label(theme::error_color(ui.visuals()), format!("⚠ {e}"));
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(RichText::new("▶ Start serving").strong()).clicked() || enter {
                    start = true;
                }
                if ui.button("Cancel").clicked() {
                    *close = true;
                }
            });
        });
        if start {
            match serve_options(&form) {
                Ok(options) => {
                    form.error = None;
                    commands.push(Command::StartServing {
                        target: form.target.clone(),
                        options,
                    });
                }
                Err(e) => form.error = Some(e),
            }
        }
        if let Some(Modal::Serve(f)) = &mut self.modal {
            *f = form;
        }
    }
}

/// The form's fields as server options, or what is wrong with one.
fn serve_options(form: &ServeForm) -> Result<crate::serve::ServeOptions, String> {
    let host = form.host.trim();
    if host.is_empty() {
        return Err("Host: give an address to listen on, such as 127.0.0.1".into());
    }
    let port = form
        .port
        .trim()
        .parse::<u16>()
        .map_err(|_| format!("Port: {:?} is not a port (0 to 65535)", form.port.trim()))?;
    let cache = match form.cache.trim() {
        "" => 0,
        c => c
            .parse::<usize>()
            .map_err(|_| format!("Cache rows: {c:?} is not a whole number"))?,
    };
    let token = Some(form.token.trim().to_owned()).filter(|t| !t.is_empty());
    let log = Some(form.log.trim())
        .filter(|l| !l.is_empty())
        .map(PathBuf::from);
    Ok(crate::serve::ServeOptions {
        host: host.to_owned(),
        port,
        token,
        cache,
        log,
        ..crate::serve::ServeOptions::default()
    })
}
