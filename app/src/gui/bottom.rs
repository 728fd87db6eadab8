//! The bottom panel: tabs for the run's Log, the flow's Problems, past Runs (drawn
//! by [`super::runs`]) and the model served from the editor (by [`super::serving`]).

use egui::{RichText, Ui};
use pipewright_engine::{Flow, NodeId, Problem};

use super::command::{BottomTab, Command};
use super::run_state::RunView;
use super::runs::RunsList;
use super::runs::ui::runs_ui;
use super::serving::{Serving, serving_ui};
use super::theme;

/// Draws the tab strip and the current tab; `shown_run` is the past run shown in
/// the centre, if any (highlighted in the Runs list), `serving` the model served.
pub fn bottom_ui(
    tab: BottomTab,
    log_filter: &mut Option<NodeId>,
    flow: &Flow,
    problems: &[Problem],
    left_out: &[Problem],
    run: Option<&RunView>,
    runs: &mut RunsList,
    shown_run: Option<&str>,
    serving: Option<&Serving>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    ui.horizontal(|ui| {
        let log_label = match run {
            Some(r) => format!("Log ({})", r.logs.len()),
            None => "Log".to_owned(),
        };
        if ui
            .selectable_label(tab == BottomTab::Log, log_label)
            .clicked()
        {
            commands.push(Command::ShowTab(BottomTab::Log));
        }
        let problems_label = if problems.is_empty() {
            RichText::new("Problems")
        } else {
            RichText::new(format!("Problems ({})", problems.len()))
                .color(theme::error_color(ui.visuals()))
        };
        if ui
            .selectable_label(tab == BottomTab::Problems, problems_label)
            .clicked()
        {
            commands.push(Command::ShowTab(BottomTab::Problems));
        }
        if ui
            .selectable_label(tab == BottomTab::Runs, runs.tab_label())
            .on_hover_text("Past runs: show one as it ran, tag, delete, compare")
            .clicked()
        {
            commands.push(Command::ShowTab(BottomTab::Runs));
        }
        let serve_label = match serving {
            Some(s) => RichText::new(format!("🌐 Serving ({})", s.stats().requests))
                .color(theme::ok_color(ui.visuals())),
            None => RichText::new("🌐 Serve"),
        };
        if ui
            .selectable_label(tab == BottomTab::Serve, serve_label)
            .on_hover_text(
                "The model served from the editor: its URL, a curl line, live request counts",
            )
            .clicked()
        {
            commands.push(Command::ShowTab(BottomTab::Serve));
        }
        if tab == BottomTab::Log {
            ui.separator();
            ui.label("Show");
            let selected = log_filter
                .and_then(|id| flow.node(id))
                .map_or_else(|| "all steps".to_owned(), |n| n.label.clone());
            egui::ComboBox::from_id_salt("log-filter")
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    ui.selectable_value(log_filter, None, "all steps");
                    for n in &flow.nodes {
                        ui.selectable_value(log_filter, Some(n.id), &n.label);
                    }
                });
        }
    });
    ui.separator();
    match tab {
        BottomTab::Log => log_ui(*log_filter, run, ui),
        BottomTab::Problems => problems_ui(problems, left_out, commands, ui),
        BottomTab::Runs => runs_ui(
            runs,
            flow,
            shown_run,
            serving.map(|s| s.target().run.as_str()),
            commands,
            ui,
        ),
        BottomTab::Serve => serving_ui(serving, commands, ui),
    }
}

fn log_ui(filter: Option<NodeId>, run: Option<&RunView>, ui: &mut Ui) {
    let Some(run) = run else {
        ui.label(RichText::new("No run yet. Press Run (F5) to run the flow.").weak());
        return;
    };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            let error = theme::error_color(ui.visuals());
            for line in run
                .logs
                .iter()
                .filter(|l| filter.is_none() || l.node == filter || l.node.is_none())
            {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(format!("{:>7.3}s", line.at_secs))
                            .monospace()
                            .weak(),
                    );
                    ui.label(
                        RichText::new(format!("[{}]", line.source))
                            .monospace()
                            .strong(),
                    );
                    let mut text = RichText::new(&line.text).monospace();
                    if line.is_error {
                        text = text.color(error);
                    }
                    ui.label(text);
                });
            }
        });
}

/// The problems that block a run, then the idle steps a run leaves out (notes, not
/// problems); each selects its step when clicked.
fn problems_ui(
    problems: &[Problem],
    left_out: &[Problem],
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if problems.is_empty() {
                ui.label(
                    RichText::new("✔ No problems: the flow can run.")
                        .color(theme::ok_color(ui.visuals())),
                );
            }
            let error = theme::error_color(ui.visuals());
            let weak = ui.visuals().weak_text_color();
            let notes = problems
                .iter()
                .map(|p| (p, RichText::new(format!("⚠ {}", p.message)).color(error)))
                .chain(
                    left_out
                        .iter()
                        .map(|p| (p, RichText::new(format!("ℹ {}", p.message)).color(weak))),
                );
            for (p, text) in notes {
                let r = ui.add(egui::Button::selectable(false, text));
                match p.node {
                    Some(id) => {
                        if r.on_hover_text("Select and show this step").clicked() {
                            commands.push(Command::Focus(id));
                        }
                    }
                    None => {
                        if r
                            .on_hover_text(
                                "A problem of the flow itself (see the inspector with nothing selected)",
                            )
                            .clicked()
                        {
                            commands.push(Command::Select(Vec::new()));
                        }
                    }
                }
            }
        });
}
