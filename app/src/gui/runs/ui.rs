//! Draws the Runs tab: the filters, the actions on the checked runs and the list
//! (only the visible rows). Checking rows is view state kept in [`RunList`]; every
//! change to the store is a [`RunsCommand`].

use egui::{Align, Layout, RichText, Sense, Ui, UiBuilder, Vec2};
use pipewright_engine::{Flow, Goal, RunRecord, RunStatus, best_runs};

use super::RunsList;
use super::list::{Column, RunList};
use crate::gui::command::{Command, RunsCommand, ServeTarget};
use crate::gui::format::{format_duration, format_number, value_text};
use crate::gui::theme::{self, run_status_color, run_status_icon};

const ROW_HEIGHT: f32 = 22.0;

/// The short name of a metric column (`Evaluate.rmse` → `rmse`) when no other column
/// has the same short name.
fn short_metric(name: &str, all: &[String]) -> String {
    let short = name.rsplit('.').next().unwrap_or(name);
    let clashes = all
        .iter()
        .filter(|n| n.rsplit('.').next() == Some(short))
        .count();
    if clashes > 1 {
        name.to_owned()
    } else {
        short.to_owned()
    }
}

/// Draws a cell of fixed width; numbers are right-aligned.
fn cell_ui(ui: &mut Ui, width: f32, right: bool, add: impl FnOnce(&mut Ui)) {
    let layout = if right {
        Layout::right_to_left(Align::Center)
    } else {
        Layout::left_to_right(Align::Center)
    };
    ui.allocate_ui_with_layout(Vec2::new(width, ROW_HEIGHT), layout, |ui| {
        ui.set_width(width);
        ui.set_height(ROW_HEIGHT);
        add(ui);
    });
}

/// Draws the Runs tab: filters, actions on the checked runs, and the list.
/// `shown_id` is the past run shown in the centre (its row is highlighted),
/// `served_id` the run whose model the editor serves (marked).
pub fn runs_ui(
    panel: &mut RunsList,
    flow: &Flow,
    shown_id: Option<&str>,
    served_id: Option<&str>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    // The list needs room for a few rows: the panel grows to it (and can be dragged).
    ui.set_min_height(220.0);
    filters_ui(panel, flow, commands, ui);
    actions_ui(panel, commands, ui);
    ui.separator();
    if !panel.is_loaded() {
        ui.label(RichText::new("Reading the runs…").weak());
        return;
    }
    if panel.list.rows().is_empty() {
        let text = if panel.all_flows() {
            "No runs in the store yet. Press Run (F5) to run the flow.".to_owned()
        } else {
            format!(
                "No runs of \u{201c}{}\u{201d} yet. Press Run (F5) to run it, or tick \u{201c}All flows\u{201d}.",
                flow.display_title()
            )
        };
        ui.label(RichText::new(text).weak());
        return;
    }
    table_ui(panel, shown_id, served_id, commands, ui);
}

fn filters_ui(panel: &mut RunsList, flow: &Flow, commands: &mut Vec<Command>, ui: &mut Ui) {
    ui.horizontal(|ui| {
        let mut all = panel.all_flows();
        if ui
            .checkbox(&mut all, "All flows")
            .on_hover_text(format!(
                "List the runs of every flow in the store, not only of \u{201c}{}\u{201d}",
                flow.display_title()
            ))
            .changed()
        {
            commands.push(Command::Runs(RunsCommand::SetAllFlows(all)));
        }
        ui.separator();
        let label = ui.label("Status");
        let status_text = panel.list.filter.status.map_or("any", RunStatus::name);
        egui::ComboBox::from_id_salt("runs-status-filter")
            .selected_text(status_text)
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.list.filter.status, None, "any");
                for s in [
                    RunStatus::Done,
                    RunStatus::Failed,
                    RunStatus::Cancelled,
                    RunStatus::Interrupted,
                    RunStatus::Running,
                ] {
                    ui.selectable_value(&mut panel.list.filter.status, Some(s), s.name());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Tag");
        let tags: Vec<String> = panel.list.tags().into_iter().cloned().collect();
        let tag_text = panel
            .list
            .filter
            .tag
            .clone()
            .unwrap_or_else(|| "any".to_owned());
        egui::ComboBox::from_id_salt("runs-tag-filter")
            .selected_text(tag_text)
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.list.filter.tag, None, "any");
                for t in &tags {
                    ui.selectable_value(&mut panel.list.filter.tag, Some(t.clone()), t);
                }
            })
            .response
            .labelled_by(label.id);
        ui.add(
            egui::TextEdit::singleline(&mut panel.list.filter.text)
                .desired_width(200.0)
                .hint_text("Filter: id, parameter, tag, user…"),
        );
        if !panel.list.filter.text.is_empty()
            && ui
                .small_button("🗙")
                .on_hover_text("Clear the filter")
                .clicked()
        {
            panel.list.filter.text.clear();
        }
        if ui
            .add_enabled(!panel.is_loading(), egui::Button::new("⟳ Refresh"))
            .on_hover_text("Read the runs from the store again")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::Refresh));
        }
        ui.separator();
        if panel.is_loaded() {
            let shown = panel.list.visible().len();
            let total = panel.list.rows().len();
            let text = if shown == total {
                format!("{total} runs")
            } else {
                format!("{shown} of {total} runs")
            };
            let mut r = ui.label(text);
            if let Some(ms) = panel.load_ms() {
                r = r.on_hover_text(format!("read in {ms:.0} ms"));
            }
            let _ = r;
            let damaged = panel.damaged();
            if !damaged.is_empty() {
                ui.label(
                    RichText::new(format!("⚠ {} damaged run record(s) skipped", damaged.len()))
                        .color(theme::error_color(ui.visuals())),
                )
                .on_hover_text(format!(
                    "{}\n\n`pipewright verify` lists what is damaged; `pipewright verify \
                     --repair` moves unreadable records aside.",
                    damaged.join("\n")
                ));
            }
        }
        if panel.is_loading() || panel.deleter.is_deleting() {
            ui.spinner();
        }
    });
}

fn actions_ui(panel: &mut RunsList, commands: &mut Vec<Command>, ui: &mut Ui) {
    ui.horizontal(|ui| {
        // The checked runs in the list's order (the first is the comparison's baseline).
        let checked = panel.list.checked_in_order();
        let n = checked.len();
        ui.label(RichText::new(format!("{n} checked")).weak());
        if ui
            .add_enabled(n >= 2, egui::Button::new(format!("⚖ Compare ({n})")))
            .on_hover_text("Compare the checked runs side by side")
            .on_disabled_hover_text("Check two or more runs to compare them")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::Compare(checked.clone())));
        }
        if ui
            .add_enabled(n >= 1, egui::Button::new(format!("🗑 Delete ({n})…")))
            .on_hover_text("Delete the checked runs (asks first)")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::AskDelete(checked.clone())));
        }
        let r = ui.add_enabled(
            n >= 1,
            egui::TextEdit::singleline(&mut panel.tag_text)
                .desired_width(110.0)
                .hint_text("tag"),
        );
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui
            .add_enabled(
                n >= 1 && !panel.tag_text.trim().is_empty(),
                egui::Button::new("🏷 Add tag"),
            )
            .on_hover_text("Add this tag to the checked runs")
            .clicked()
            || (enter && n >= 1))
            && !panel.tag_text.trim().is_empty()
        {
            commands.push(Command::Runs(RunsCommand::AddTag {
                runs: checked.clone(),
                tag: std::mem::take(&mut panel.tag_text),
            }));
        }
        ui.separator();
        // Best N by a metric, among the runs the filters leave.
        let metrics = panel.list.metric_columns();
        if panel
            .best_metric
            .as_ref()
            .is_none_or(|m| !metrics.contains(m))
        {
            panel.best_metric = metrics
                .iter()
                .find(|m| m.ends_with("rmse"))
                .or(metrics.first())
                .cloned();
        }
        if let Some(metric) = panel.best_metric.clone() {
            ui.label("Best");
            ui.add(egui::DragValue::new(&mut panel.best_n).range(2..=20));
            ui.label("by");
            egui::ComboBox::from_id_salt("runs-best-metric")
                .selected_text(short_metric(&metric, &metrics))
                .show_ui(ui, |ui| {
                    for m in &metrics {
                        ui.selectable_value(&mut panel.best_metric, Some(m.clone()), m);
                    }
                });
            if ui
                .button("⚖ Compare best")
                .on_hover_text(match panel.list.goal(&metric) {
                    Goal::Maximize => "The runs with the highest value (of those listed)",
                    _ => "The runs with the lowest value (of those listed)",
                })
                .clicked()
            {
                let rows = panel.list.rows();
                let records: Vec<RunRecord> = panel
                    .list
                    .visible()
                    .iter()
                    .map(|i| (*rows[*i].record).clone())
                    .collect();
                let ids = best_runs(&records, &metric, panel.best_n)
                    .into_iter()
                    .map(|r| r.id.clone())
                    .collect();
                commands.push(Command::Runs(RunsCommand::Compare(ids)));
            }
        }
    });
}

fn table_ui(
    panel: &mut RunsList,
    shown_id: Option<&str>,
    served_id: Option<&str>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    // A click on a cell's text selects the row (not the text).
    ui.style_mut().interaction.selectable_labels = false;
    let metrics_all = panel.list.metric_columns();
    let metrics: Vec<String> = metrics_all
        .iter()
        .filter(|m| !panel.hidden_columns.contains(*m))
        .cloned()
        .collect();
    let params_all = panel.list.param_columns();
    let params: Vec<String> = params_all
        .iter()
        .filter(|p| !panel.hidden_columns.contains(*p))
        .cloned()
        .collect();
    let mut columns: Vec<(Column, String, f32, bool)> =
        vec![(Column::Id, "Run".into(), 196.0, false)];
    if panel.all_flows() {
        columns.push((Column::Flow, "Flow".into(), 120.0, false));
    }
    columns.push((Column::Started, "Started".into(), 138.0, false));
    columns.push((Column::Duration, "Duration".into(), 70.0, true));
    columns.push((Column::Status, "Status".into(), 96.0, false));
    if panel.list.has_best() {
        columns.push((Column::Best, "Best item".into(), 190.0, false));
    }
    for p in &params {
        columns.push((Column::Param(p.clone()), p.clone(), 96.0, true));
    }
    for m in &metrics {
        columns.push((
            Column::Metric(m.clone()),
            short_metric(m, &metrics_all),
            84.0,
            true,
        ));
    }
    columns.push((Column::Tags, "Tags".into(), 160.0, false));
    let check_w = 24.0;
    let spacing = ui.spacing().item_spacing.x;
    let total_w: f32 = check_w + columns.iter().map(|c| c.2 + spacing).sum::<f32>() + spacing;
    let visible = panel.list.visible().to_vec();

    egui::ScrollArea::horizontal()
        .id_salt("runs-h-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.set_min_width(total_w);
            // Header: a checkbox for every listed run, then sortable column titles.
            ui.horizontal(|ui| {
                let mut all = panel.list.all_visible_checked();
                let r = ui.add_sized([check_w, ROW_HEIGHT], egui::Checkbox::without_text(&mut all));
                r.widget_info(|| {
                    egui::WidgetInfo::selected(egui::WidgetType::Checkbox, true, all, "check all listed runs")
                });
                if r.on_hover_text("Check or uncheck every listed run").changed() {
                    panel.list.check_all_visible(all);
                }
                for (column, title, width, right) in &columns {
                    let active = panel.list.sort().0 == *column;
                    let arrow = match (active, panel.list.sort().1) {
                        (true, true) => " ⏷",
                        (true, false) => " ⏶",
                        _ => "",
                    };
                    cell_ui(ui, *width, *right, |ui| {
                        let text = RichText::new(format!("{title}{arrow}")).strong();
                        let r = ui.add(egui::Button::new(text).frame(false).truncate());
                        let hover = match column {
                            Column::Param(p) => format!("Flow parameter {p}: the value each run used, bold where it changed the default; click to sort"),
                            Column::Metric(m) => format!("{m} ({}); click to sort", panel.list.goal(m).describe()),
                            Column::Best => "The item of the run's foreach that Select best chose, and the score it won by; click to sort".to_owned(),
                            _ => "Click to sort".to_owned(),
                        };
                        if r.on_hover_text(hover).clicked() {
                            panel.list.click_column(column);
                        }
                    });
                }
                if metrics_all.len() + params_all.len() > 1 {
                    ui.menu_button("Columns", |ui| {
                        let mut toggle = |ui: &mut Ui, name: &String| {
                            let mut on = !panel.hidden_columns.contains(name);
                            if ui.checkbox(&mut on, name).changed() {
                                if on {
                                    panel.hidden_columns.remove(name);
                                } else {
                                    panel.hidden_columns.insert(name.clone());
                                }
                            }
                        };
                        if !params_all.is_empty() {
                            ui.label(RichText::new("Flow parameters").weak());
                            for p in &params_all {
                                toggle(ui, p);
                            }
                        }
                        if !metrics_all.is_empty() {
                            ui.label(RichText::new("Metrics").weak());
                            for m in &metrics_all {
                                toggle(ui, m);
                            }
                        }
                    });
                }
            });
            if visible.is_empty() {
                ui.label(RichText::new("No run matches the filters.").weak());
                return;
            }
            egui::ScrollArea::vertical()
                .id_salt("runs-v-scroll")
                .auto_shrink([false, false])
                .show_rows(ui, ROW_HEIGHT, visible.len(), |ui, range| {
                    for pos in range {
                        let i = visible[pos];
                        row_ui(&mut panel.list, pos, i, &columns, check_w, total_w, shown_id, served_id, commands, ui);
                    }
                });
        });
}

fn row_ui(
    list: &mut RunList,
    pos: usize,
    index: usize,
    columns: &[(Column, String, f32, bool)],
    check_w: f32,
    total_w: f32,
    shown_id: Option<&str>,
    served_id: Option<&str>,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let row = list.rows()[index].clone();
    let id = row.record.id.clone();
    let is_shown = shown_id == Some(id.as_str());
    let is_checked = list.is_checked(&id);
    // The row's own response comes first, so the checkbox drawn on top of it wins.
    let (rect, response) = ui.allocate_exact_size(Vec2::new(total_w, ROW_HEIGHT), Sense::click());
    let visuals = ui.visuals().clone();
    let fill = if is_shown {
        Some(visuals.selection.bg_fill.gamma_multiply(0.6))
    } else if is_checked {
        Some(visuals.selection.bg_fill.gamma_multiply(0.25))
    } else if response.hovered() {
        Some(visuals.widgets.hovered.weak_bg_fill)
    } else if pos % 2 == 1 {
        Some(visuals.faint_bg_color)
    } else {
        None
    };
    if let Some(fill) = fill {
        ui.painter().rect_filled(rect, 2.0, fill);
    }
    let mut cells = ui.new_child(
        UiBuilder::new()
            .max_rect(rect)
            .layout(Layout::left_to_right(Align::Center)),
    );
    let mut checked = is_checked;
    let r = cells.add_sized(
        [check_w, ROW_HEIGHT],
        egui::Checkbox::without_text(&mut checked),
    );
    r.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::WidgetType::Checkbox,
            true,
            checked,
            format!("check run {id}"),
        )
    });
    if r.changed() {
        list.set_checked(pos, checked);
    }
    let weak = visuals.weak_text_color();
    for (column, _, width, right) in columns {
        cell_ui(&mut cells, *width, *right, |ui| match column {
            Column::Id => {
                let mut text = RichText::new(&id).monospace();
                if is_shown {
                    text = text.strong();
                }
                if served_id == Some(id.as_str()) {
                    ui.label(RichText::new("🌐").color(theme::ok_color(&visuals)))
                        .on_hover_text("This run's model is being served (see the Serve tab)");
                }
                ui.add(egui::Label::new(text).truncate());
            }
            Column::Flow => {
                ui.add(egui::Label::new(&row.record.flow_name).truncate());
            }
            Column::Started => {
                ui.label(&row.started);
            }
            Column::Duration => {
                let text = row
                    .duration_secs
                    .map_or_else(|| "–".to_owned(), format_duration);
                ui.label(text);
            }
            Column::Status => {
                let s = row.record.status;
                let r = ui.label(
                    RichText::new(format!(
                        "{} {}{}",
                        run_status_icon(s),
                        s,
                        if row.record.resumed_from.is_some() {
                            " ↻"
                        } else {
                            ""
                        }
                    ))
                    .color(run_status_color(s, &visuals)),
                );
                if let Some(from) = &row.record.resumed_from {
                    r.on_hover_text(format!("resumed from run {from}"));
                }
            }
            // The value the run used: strong where it changed the flow's default.
            Column::Param(p) => match (row.changed.get(p), row.record.params.get(p)) {
                (Some(v), _) => {
                    ui.add(egui::Label::new(RichText::new(value_text(v)).strong()).truncate())
                        .on_hover_text("changed from the flow's default for this run");
                }
                (None, Some(v)) => {
                    ui.add(egui::Label::new(value_text(v)).truncate())
                        .on_hover_text("the flow's default");
                }
                (None, None) => {
                    ui.label(RichText::new("·").color(weak))
                        .on_hover_text("this run's flow has no such parameter");
                }
            },
            Column::Metric(m) => match row.metrics.get(m) {
                Some(x) => {
                    ui.label(RichText::new(format_number(*x)).monospace());
                }
                None => {
                    ui.label(RichText::new("–").color(weak));
                }
            },
            Column::Best => match &row.best {
                Some(b) => {
                    ui.add(egui::Label::new(b).truncate());
                }
                None => {
                    ui.label(RichText::new("–").color(weak));
                }
            },
            Column::Tags => {
                ui.add(
                    egui::Label::new(RichText::new(row.record.tags.join(" · ")).italics())
                        .truncate(),
                );
            }
        });
    }
    let response = response.on_hover_text(
        "Click: show this run on the canvas · Ctrl+click: check it · Shift+click: check a range · Right-click: more",
    );
    if response.clicked() {
        let m = ui.input(|i| i.modifiers);
        if m.command {
            list.toggle_checked(pos);
        } else if m.shift {
            list.check_range(pos);
        } else {
            list.set_anchor(pos);
            commands.push(Command::Runs(RunsCommand::Show(id.clone())));
        }
    }
    response.context_menu(|ui| {
        if ui.button("Show on the canvas").clicked() {
            commands.push(Command::Runs(RunsCommand::Show(id.clone())));
            ui.close();
        }
        if ui.button("Open as new flow").clicked() {
            commands.push(Command::Runs(RunsCommand::Show(id.clone())));
            commands.push(Command::Runs(RunsCommand::OpenAsNewFlow));
            ui.close();
        }
        let mut with: Vec<String> = list
            .checked()
            .iter()
            .filter(|c| **c != id)
            .cloned()
            .collect();
        if !with.is_empty()
            && ui
                .button(format!("Compare with the {} checked", with.len()))
                .clicked()
        {
            with.insert(0, id.clone());
            commands.push(Command::Runs(RunsCommand::Compare(with)));
            ui.close();
        }
        let done = row.record.status == RunStatus::Done;
        ui.separator();
        if ui
            .add_enabled(done, egui::Button::new("🌐 Serve…"))
            .on_disabled_hover_text("Only a finished run's model is served")
            .clicked()
        {
            commands.push(Command::AskServe(ServeTarget::run(id.clone())));
            ui.close();
        }
        if ui
            .add_enabled(done, egui::Button::new("📦 Export bundle…"))
            .on_disabled_hover_text("Only a finished run's model is bundled")
            .clicked()
        {
            commands.push(Command::ExportBundle(ServeTarget::run(id.clone())));
            ui.close();
        }
        ui.separator();
        if ui.button("Copy the run id").clicked() {
            ui.ctx().copy_text(id.clone());
            ui.close();
        }
        ui.separator();
        if ui.button("Delete…").clicked() {
            commands.push(Command::Runs(RunsCommand::AskDelete(vec![id.clone()])));
            ui.close();
        }
    });
}
