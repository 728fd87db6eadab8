//! The window's chrome: the menu bar, the toolbar, the status bar and the strip
//! that switches the centre between the flow, a past run and a comparison.

use egui::{RichText, Ui};
use pipewright_engine::{RunStatus, StepStatus};

use super::EditorApp;
use crate::gui::command::{BottomTab, CenterView, Command, RunsCommand, ServeTarget};
use crate::gui::format::format_duration;
use crate::gui::past_run::PastRun;
use crate::gui::theme::{self, ThemeChoice, run_status_color, run_status_icon};

impl EditorApp {
    pub(super) fn menu_bar_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        egui::Panel::top("menu-bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let item = |ui: &mut Ui, text: &str, shortcut: &str| {
                        ui.add(egui::Button::new(text).shortcut_text(shortcut))
                    };
                    if item(ui, "New", "Ctrl+N").clicked() {
                        commands.push(Command::NewFlow);
                    }
                    if item(ui, "Open…", "Ctrl+O").clicked() {
                        commands.push(Command::Open);
                    }
                    ui.menu_button("Open example", |ui| {
                        if self.examples.is_empty() {
                            ui.label(RichText::new("No examples found").weak());
                        }
                        for e in &self.examples {
                            let mut r = ui.button(&e.title);
                            if !e.description.is_empty() {
                                r = r.on_hover_text(&e.description);
                            }
                            if r.clicked() {
                                commands.push(Command::OpenPath(e.path.clone()));
                            }
                        }
                    });
                    ui.menu_button("Open recent", |ui| {
                        if self.settings.recent.is_empty() {
                            ui.label(RichText::new("No recent flows").weak());
                        }
                        for p in &self.settings.recent {
                            let name = p.file_name().map_or_else(
                                || p.display().to_string(),
                                |n| n.to_string_lossy().into_owned(),
                            );
                            if ui
                                .button(name)
                                .on_hover_text(p.display().to_string())
                                .clicked()
                            {
                                commands.push(Command::OpenPath(p.clone()));
                            }
                        }
                    });
                    ui.separator();
                    if item(ui, "Save", "Ctrl+S").clicked() {
                        commands.push(Command::Save);
                    }
                    if item(ui, "Save as…", "Ctrl+Shift+S").clicked() {
                        commands.push(Command::SaveAs);
                    }
                    ui.separator();
                    if item(ui, "Quit", "Ctrl+Q").clicked() {
                        commands.push(Command::Quit);
                    }
                });
                ui.menu_button("Edit", |ui| {
                    let has_sel = !self.selection.is_empty();
                    let undo = self
                        .doc
                        .undo_label()
                        .map_or_else(|| "Undo".to_owned(), |w| format!("Undo {w}"));
                    let redo = self
                        .doc
                        .redo_label()
                        .map_or_else(|| "Redo".to_owned(), |w| format!("Redo {w}"));
                    let entries = [
                        (undo.as_str(), "Ctrl+Z", Command::Undo, self.doc.can_undo()),
                        (redo.as_str(), "Ctrl+Shift+Z", Command::Redo, self.doc.can_redo()),
                        ("Cut", "Ctrl+X", Command::CutSelection, has_sel),
                        ("Copy", "Ctrl+C", Command::CopySelection, has_sel),
                        ("Paste", "Ctrl+V", Command::Paste, self.clipboard.is_some()),
                        ("Duplicate", "Ctrl+D", Command::DuplicateSelection, has_sel),
                        ("Delete", "Del", Command::DeleteSelection, has_sel),
                        ("Select all", "Ctrl+A", Command::SelectAll, true),
                    ];
                    for (text, sc, c, enabled) in entries {
                        if ui
                            .add_enabled(enabled, egui::Button::new(text).shortcut_text(sc))
                            .clicked()
                        {
                            commands.push(c);
                        }
                    }
                });
                ui.menu_button("View", |ui| {
                    if ui
                        .add(egui::Button::new("Fit to view").shortcut_text("Home"))
                        .clicked()
                    {
                        commands.push(Command::FitView);
                    }
                    if ui
                        .add(egui::Button::new("Auto-layout").shortcut_text("Ctrl+L"))
                        .clicked()
                    {
                        commands.push(Command::AutoLayout);
                    }
                    ui.separator();
                    let t = self.settings.theme;
                    if ui.radio(t == ThemeChoice::Dark, "Dark theme").clicked() {
                        commands.push(Command::SetTheme(ThemeChoice::Dark));
                    }
                    if ui.radio(t == ThemeChoice::Light, "Light theme").clicked() {
                        commands.push(Command::SetTheme(ThemeChoice::Light));
                    }
                });
                ui.menu_button("Run", |ui| {
                    if ui
                        .add(egui::Button::new("Run").shortcut_text("F5"))
                        .clicked()
                    {
                        commands.push(Command::Run);
                    }
                    if ui.button("Run with parameters…").clicked() {
                        commands.push(Command::RunWithParams);
                    }
                    if ui
                        .button("Sweep…")
                        .on_hover_text("Run a step once per value of one of its parameters, in parallel, in one run")
                        .clicked()
                    {
                        commands.push(Command::OpenSweep);
                    }
                    if ui
                        .add(egui::Button::new("Stop").shortcut_text("Shift+F5"))
                        .clicked()
                    {
                        commands.push(Command::Stop);
                    }
                    if ui.button("Resume").clicked() {
                        commands.push(Command::Resume);
                    }
                    ui.separator();
                    let done = self
                        .run
                        .view()
                        .filter(|r| r.status == RunStatus::Done)
                        .map(|r| r.run_id.clone());
                    if ui
                        .add_enabled(done.is_some(), egui::Button::new("Serve the last run's model…"))
                        .on_hover_text("Serve the model of the flow's last run over HTTP from the editor")
                        .on_disabled_hover_text("Run the flow to the end first: only a finished run's model is served")
                        .clicked()
                        && let Some(run) = &done
                    {
                        commands.push(Command::AskServe(ServeTarget::run(run.clone())));
                    }
                    if ui
                        .add_enabled(done.is_some(), egui::Button::new("Export the last run's bundle…"))
                        .on_disabled_hover_text("Run the flow to the end first: only a finished run's model is bundled")
                        .clicked()
                        && let Some(run) = &done
                    {
                        commands.push(Command::ExportBundle(ServeTarget::run(run.clone())));
                    }
                    if self.serving.is_some() && ui.button("Stop serving").clicked() {
                        commands.push(Command::StopServing);
                    }
                });
                ui.menu_button("Help", |ui| {
                    if ui.button("Keyboard shortcuts").clicked() {
                        commands.push(Command::ShowShortcuts);
                    }
                });
            });
        });
    }

    pub(super) fn toolbar_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                let running = self.run.is_running();
                let blocker = self.run_blocker();
                let run = ui
                    .add_enabled(
                        blocker.is_none(),
                        egui::Button::new(RichText::new("▶ Run").strong()),
                    )
                    .on_hover_text("Run the flow (F5)");
                if let Some(why) = &blocker {
                    run.on_disabled_hover_text(format!("Cannot run: {why}"));
                } else if run.clicked() {
                    commands.push(Command::Run);
                }
                if ui
                    .add_enabled(blocker.is_none(), egui::Button::new("Run with parameters…"))
                    .clicked()
                {
                    commands.push(Command::RunWithParams);
                }
                if ui
                    .add_enabled(running, egui::Button::new("⏹ Stop"))
                    .on_hover_text("Cancel the run (Shift+F5)")
                    .clicked()
                {
                    commands.push(Command::Stop);
                }
                let resumable = self
                    .run
                    .view()
                    .is_some_and(|r| !r.is_running() && r.status != RunStatus::Done);
                if ui
                    .add_enabled(resumable, egui::Button::new("↻ Resume"))
                    .on_hover_text("Run the flow as it is now after a failed or stopped run, reusing every finished step whose inputs and parameters still match")
                    .clicked()
                {
                    commands.push(Command::Resume);
                }
                ui.separator();
                self.run_summary_ui(ui);
                if let Some(why) = blocker
                    && !running
                    && !self.problems.is_empty()
                {
                    ui.separator();
                    let r = ui.add(
                        egui::Label::new(
                            RichText::new(format!("⚠ Cannot run: {why}"))
                                .color(theme::error_color(ui.visuals())),
                        )
                        .truncate()
                        .sense(egui::Sense::click()),
                    );
                    if r.on_hover_text("Show the Problems tab").clicked() {
                        commands.push(Command::ShowTab(BottomTab::Problems));
                    }
                }
            });
            ui.add_space(2.0);
        });
    }

    fn run_summary_ui(&self, ui: &mut Ui) {
        let Some(run) = self.run.view() else {
            ui.label(RichText::new("Not run yet").weak());
            return;
        };
        let finished = run.steps.values().filter(|s| s.status.is_final()).count();
        let total = run.steps.len();
        let icon = run_status_icon(run.status);
        let mut color = run_status_color(run.status, ui.visuals());
        let text = match run.status {
            RunStatus::Running if run.is_stopping() => {
                color = theme::warn_color(ui.visuals());
                format!(
                    "{} stopping… {finished}/{total} steps",
                    run_status_icon(RunStatus::Cancelled)
                )
            }
            RunStatus::Running => format!(
                "{icon} running {finished}/{total} steps · {:.1} s",
                run.elapsed_secs()
            ),
            RunStatus::Done => format!(
                "{icon} done · {total} steps in {}",
                format_duration(run.duration_secs.unwrap_or(0.0))
            ),
            RunStatus::Failed => {
                let failed = run
                    .steps
                    .values()
                    .filter(|s| s.status == StepStatus::Failed)
                    .count();
                format!("{icon} failed · {failed} step(s) failed")
            }
            RunStatus::Cancelled => format!("{icon} cancelled"),
            RunStatus::Interrupted => "interrupted".to_owned(),
        };
        ui.label(RichText::new(text).color(color).strong())
            .on_hover_text(format!("run {}", run.run_id));
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        egui::Panel::bottom("status-bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                if let Some(s) = &self.serving {
                    let text = RichText::new(format!("🌐 {}", s.url()))
                        .color(theme::ok_color(ui.visuals()));
                    if ui
                        .add(egui::Button::new(text).frame(false))
                        .on_hover_text(format!(
                            "Serving the model of {}: show the Serve tab",
                            s.target().describe()
                        ))
                        .clicked()
                    {
                        commands.push(Command::ShowTab(BottomTab::Serve));
                    }
                    ui.separator();
                }
                let flow = self.doc.flow();
                ui.label(
                    RichText::new(format!(
                        "{} · {} steps · {} wires",
                        flow.display_title(),
                        flow.nodes.len(),
                        flow.edges.len()
                    ))
                    .weak(),
                );
                if let Some(s) = &self.status {
                    ui.separator();
                    let color = if s.is_error {
                        theme::error_color(ui.visuals())
                    } else {
                        ui.visuals().text_color()
                    };
                    ui.add(egui::Label::new(RichText::new(&s.text).color(color)).truncate());
                }
            });
        });
    }

    /// The strip above the centre when a past run or a comparison is open: switch
    /// between the flow, the run and the comparison, or close one.
    pub(super) fn center_strip_ui(&self, commands: &mut Vec<Command>, ui: &mut Ui) {
        egui::Frame::new()
            .fill(ui.visuals().panel_fill)
            .inner_margin(egui::Margin::symmetric(8, 4))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    let c = self.center;
                    if ui
                        .selectable_label(c == CenterView::Flow, "Flow")
                        .on_hover_text("The flow you are editing")
                        .clicked()
                    {
                        commands.push(Command::Runs(RunsCommand::ShowCenter(CenterView::Flow)));
                    }
                    if let Some(view) = self.past_run.as_ref().and_then(PastRun::view) {
                        let label = format!("{} Run {}", run_status_icon(view.status), view.run_id);
                        if ui
                            .selectable_label(c == CenterView::Run, label)
                            .on_hover_text("The past run, as it ran (read-only)")
                            .clicked()
                        {
                            commands.push(Command::Runs(RunsCommand::ShowCenter(CenterView::Run)));
                        }
                        if ui
                            .small_button("🗙")
                            .on_hover_text("Close the run")
                            .clicked()
                        {
                            commands.push(Command::Runs(RunsCommand::CloseRun));
                        }
                    }
                    if let Some(cmp) = &self.compare {
                        if ui
                            .selectable_label(
                                c == CenterView::Compare,
                                format!("⚖ Comparison ({} runs)", cmp.run_ids().len()),
                            )
                            .clicked()
                        {
                            commands
                                .push(Command::Runs(RunsCommand::ShowCenter(CenterView::Compare)));
                        }
                        if ui
                            .small_button("🗙")
                            .on_hover_text("Close the comparison")
                            .clicked()
                        {
                            commands.push(Command::Runs(RunsCommand::CloseCompare));
                        }
                    }
                });
            });
    }
}
