//! Draws the comparison: run headers and legend, the parameter table, ranked
//! metrics with deltas, overlaid plots, metric bars and step durations.

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Legend, Plot};
use pipewright_engine::Goal;

use super::{CompareView, Source};
use crate::gui::command::{Command, RunsCommand};
use crate::gui::format::{format_duration, format_number, value_text};
use crate::gui::results::ArtifactCache;
use crate::gui::theme::{self, run_status_color, run_status_icon};
use crate::gui::views::{PlotSet, indexed_color, series_plot_ui};

/// The colour of the `i`-th run of a comparison.
pub fn run_color(i: usize) -> Color32 {
    indexed_color(i)
}

fn highlight(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0x6b, 0x4f, 0x0a)
    } else {
        Color32::from_rgb(0xff, 0xe8, 0xa3)
    }
}

fn best_fill(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0x14, 0x53, 0x2d)
    } else {
        Color32::from_rgb(0xc8, 0xf0, 0xd2)
    }
}

fn short_id(id: &str) -> String {
    // `YYYYMMDD-HHMMSS-xxxxxx`: the time and the random part tell runs of a day apart.
    let parts: Vec<&str> = id.split('-').collect();
    if parts.len() == 3 {
        format!("{}-{}", parts[1], parts[2])
    } else {
        id.to_owned()
    }
}

/// Draws the comparison.
pub fn compare_ui(
    view: &mut CompareView,
    artifacts: &mut ArtifactCache,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    let n = view.ids.len();
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("Comparing {n} runs"));
        ui.separator();
        ui.label("Baseline");
        let mut baseline = view.comparison.baseline;
        egui::ComboBox::from_id_salt("compare-baseline")
            .selected_text(view.ids.get(baseline).cloned().unwrap_or_default())
            .show_ui(ui, |ui| {
                for (i, id) in view.ids.iter().enumerate() {
                    ui.selectable_value(&mut baseline, i, id);
                }
            });
        if baseline != view.comparison.baseline {
            view.set_baseline(baseline);
        }
        ui.checkbox(&mut view.differences_only, "Differences only")
            .on_hover_text("Hide the parameters and metrics that are the same in every run");
        if ui
            .button("💾 Export CSV…")
            .on_hover_text("Save the table (parameters, metrics with deltas, durations) as CSV")
            .clicked()
        {
            commands.push(Command::Runs(RunsCommand::ExportCsv));
        }
    });
    if let Some(mut text) = view.export_prompt.clone() {
        ui.horizontal(|ui| {
            ui.label("Export to");
            let r = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .desired_width(420.0)
                    .hint_text("/path/to/comparison.csv"),
            );
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Save").clicked() || enter) && !text.trim().is_empty() {
                commands.push(Command::Runs(RunsCommand::ExportCsvTo(text.trim().into())));
            }
            if ui.button("Cancel").clicked() {
                view.export_prompt = None;
            } else {
                view.export_prompt = Some(text);
            }
        });
        ui.label(
            RichText::new("No file dialog is available here; type the path.")
                .weak()
                .small(),
        );
    }
    ui.separator();
    egui::ScrollArea::both()
        .id_salt("compare-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            runs_legend_ui(view, ui);
            ui.add_space(6.0);
            egui::CollapsingHeader::new(RichText::new("Parameters").strong())
                .id_salt("cmp-params")
                .default_open(true)
                .show(ui, |ui| params_ui(view, ui));
            egui::CollapsingHeader::new(RichText::new("Metrics").strong())
                .id_salt("cmp-metrics")
                .default_open(true)
                .show(ui, |ui| metrics_ui(view, ui));
            if !view.comparison.items.is_empty() {
                egui::CollapsingHeader::new(RichText::new("Foreach items").strong())
                    .id_salt("cmp-items")
                    .default_open(true)
                    .show(ui, |ui| items_ui(view, ui));
            }
            egui::CollapsingHeader::new(RichText::new("Evaluation plots").strong())
                .id_salt("cmp-plots")
                .default_open(true)
                .show(ui, |ui| plots_ui(view, artifacts, ui));
            egui::CollapsingHeader::new(RichText::new("Metric across runs").strong())
                .id_salt("cmp-bars")
                .default_open(true)
                .show(ui, |ui| metric_bars_ui(view, ui));
            egui::CollapsingHeader::new(RichText::new("Step durations").strong())
                .id_salt("cmp-durations")
                .default_open(true)
                .show(ui, |ui| durations_ui(view, ui));
            egui::CollapsingHeader::new(
                RichText::new(format!(
                    "Flow differences ({})",
                    view.comparison.structure.len()
                ))
                .strong(),
            )
            .id_salt("cmp-structure")
            .default_open(true)
            .show(ui, |ui| {
                if view.comparison.structure.is_empty() {
                    ui.label(
                        RichText::new(
                            "The runs ran the same flow (same steps, wires and step parameters).",
                        )
                        .weak(),
                    );
                }
                for line in &view.comparison.structure {
                    ui.label(RichText::new(format!("• {line}")).monospace());
                }
            });
        });
}

fn run_header_ui(view: &CompareView, i: usize, ui: &mut Ui) {
    let base = i == view.comparison.baseline;
    let mut text = RichText::new(format!("■ {}", short_id(&view.ids[i])))
        .color(run_color(i))
        .monospace()
        .strong();
    if base {
        text = text.underline();
    }
    ui.label(text).on_hover_text(if base {
        format!("{} (baseline)", view.ids[i])
    } else {
        view.ids[i].clone()
    });
}

fn runs_legend_ui(view: &CompareView, ui: &mut Ui) {
    let visuals = ui.visuals().clone();
    egui::Grid::new("cmp-runs")
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for h in ["", "Run", "Flow", "Status", "Started", "Duration", "Tags"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (i, r) in view.comparison.runs.iter().enumerate() {
                ui.label(RichText::new("■").color(run_color(i)).size(16.0));
                let mut id = RichText::new(&r.id).monospace();
                if i == view.comparison.baseline {
                    id = id.strong();
                }
                ui.horizontal(|ui| {
                    ui.label(id);
                    if i == view.comparison.baseline {
                        ui.label(RichText::new("baseline").small().weak());
                    }
                    if let Some(from) = &r.resumed_from {
                        ui.label(RichText::new(format!("resumed from {from}")).small().weak());
                    }
                });
                ui.label(&r.flow);
                ui.label(
                    RichText::new(format!("{} {}", run_status_icon(r.status), r.status))
                        .color(run_status_color(r.status, &visuals)),
                );
                ui.label(&r.started);
                ui.label(
                    r.duration_secs
                        .map_or_else(|| "–".to_owned(), format_duration),
                );
                ui.label(r.tags.join(", "));
                ui.end_row();
            }
        });
}

fn params_ui(view: &CompareView, ui: &mut Ui) {
    let visuals = ui.visuals().clone();
    let rows: Vec<_> = view
        .comparison
        .params
        .iter()
        .filter(|p| !view.differences_only || p.differs)
        .collect();
    if rows.is_empty() {
        ui.label(RichText::new("Every parameter has the same value in every run.").weak());
        return;
    }
    ui.label(
        RichText::new("≠ marks parameters that differ between runs; highlighted cells differ from the baseline.")
            .small()
            .weak(),
    );
    let b = view.comparison.baseline;
    egui::Grid::new("cmp-params-grid")
        .striped(true)
        .spacing([18.0, 3.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Parameter").strong());
            for i in 0..view.ids.len() {
                run_header_ui(view, i, ui);
            }
            ui.end_row();
            for p in rows {
                if p.differs {
                    ui.label(RichText::new(format!("≠ {}", p.name)).strong());
                } else {
                    ui.label(&p.name);
                }
                let base = p.values.get(b).cloned().flatten();
                for v in &p.values {
                    let mut text =
                        RichText::new(v.as_ref().map_or_else(|| "–".to_owned(), value_text))
                            .monospace();
                    if p.differs && *v != base {
                        text = text
                            .background_color(highlight(&visuals))
                            .color(visuals.strong_text_color());
                    }
                    ui.label(text);
                }
                ui.end_row();
            }
        });
}

fn metrics_ui(view: &CompareView, ui: &mut Ui) {
    let visuals = ui.visuals().clone();
    let rows: Vec<_> = view
        .comparison
        .metrics
        .iter()
        .filter(|m| !view.differences_only || m.differs)
        .collect();
    if rows.is_empty() {
        ui.label(RichText::new("No metrics to compare (or all are equal).").weak());
        return;
    }
    ui.label(
        RichText::new("★ best value (green); beside each value its difference to the baseline.")
            .small()
            .weak(),
    );
    let b = view.comparison.baseline;
    egui::Grid::new("cmp-metrics-grid")
        .striped(true)
        .spacing([18.0, 3.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Metric").strong());
            for i in 0..view.ids.len() {
                run_header_ui(view, i, ui);
            }
            ui.end_row();
            for m in rows {
                let goal = match m.goal {
                    Goal::Minimize => " ⏷",
                    Goal::Maximize => " ⏶",
                    Goal::Neutral => "",
                };
                ui.label(RichText::new(format!("{}{goal}", m.name)))
                    .on_hover_text(match m.goal {
                        Goal::Minimize => "lower is better",
                        Goal::Maximize => "higher is better",
                        Goal::Neutral => "neither higher nor lower is better",
                    });
                let base = m.values.get(b).copied().flatten();
                for (i, v) in m.values.iter().enumerate() {
                    ui.horizontal(|ui| {
                        let Some(v) = v else {
                            ui.label(RichText::new("–").weak());
                            return;
                        };
                        if m.best == Some(i) && m.differs {
                            ui.label(
                                RichText::new(format!("★ {}", format_number(*v)))
                                    .monospace()
                                    .color(visuals.strong_text_color())
                                    .background_color(best_fill(&visuals)),
                            )
                            .on_hover_text("the best value of this metric");
                        } else {
                            ui.label(RichText::new(format_number(*v)).monospace());
                        }
                        if i != b
                            && let (Some(d), Some(base)) =
                                (m.deltas.get(i).copied().flatten(), base)
                        {
                            let color = if d == 0.0 || m.goal == Goal::Neutral {
                                visuals.weak_text_color()
                            } else if m.goal.better(*v, base) {
                                theme::ok_color(&visuals)
                            } else {
                                theme::error_color(&visuals)
                            };
                            let sign = if d > 0.0 { "+" } else { "" };
                            ui.label(
                                RichText::new(format!("({sign}{})", format_number(d)))
                                    .small()
                                    .color(color),
                            );
                        }
                    });
                }
                ui.end_row();
            }
        });
}

/// Each run's best item, then every item's scores side by side: the runs' Collect
/// tables compared, the best run of each row starred.
fn items_ui(view: &CompareView, ui: &mut Ui) {
    let visuals = ui.visuals().clone();
    let c = &view.comparison;
    ui.label(
        RichText::new("Each foreach item's scores in every run; ★ the best run for that item.")
            .small()
            .weak(),
    );
    egui::Grid::new("cmp-items-grid")
        .striped(true)
        .spacing([18.0, 3.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Item").strong());
            ui.label(RichText::new("Metric").strong());
            for i in 0..view.ids.len() {
                run_header_ui(view, i, ui);
            }
            ui.end_row();
            if c.best_items.iter().any(Option::is_some) {
                ui.label(RichText::new("best item").strong());
                ui.label("");
                for b in &c.best_items {
                    ui.label(b.as_deref().unwrap_or("–"));
                }
                ui.end_row();
            }
            let mut last = "";
            for row in &c.items {
                let item = if row.item == last {
                    ""
                } else {
                    row.item.as_str()
                };
                last = &row.item;
                ui.label(RichText::new(item).monospace());
                ui.label(&row.metric);
                for (i, v) in row.values.iter().enumerate() {
                    match v {
                        None => {
                            ui.label(RichText::new("–").weak());
                        }
                        Some(v) if row.best == Some(i) && row.values.len() > 1 => {
                            ui.label(
                                RichText::new(format!("★ {}", format_number(*v)))
                                    .monospace()
                                    .color(visuals.strong_text_color())
                                    .background_color(best_fill(&visuals)),
                            );
                        }
                        Some(v) => {
                            ui.label(RichText::new(format_number(*v)).monospace());
                        }
                    }
                }
                ui.end_row();
            }
        });
}

fn plots_ui(view: &mut CompareView, artifacts: &mut ArtifactCache, ui: &mut Ui) {
    if view.sources.is_empty() {
        ui.label(RichText::new("None of these runs has an evaluation output to plot.").weak());
        return;
    }
    if view.sources.len() > 1 {
        ui.horizontal(|ui| {
            ui.label("Output");
            let label = |s: &Source| format!("{} › {}", s.label, s.port);
            egui::ComboBox::from_id_salt("cmp-plot-source")
                .selected_text(
                    view.plot_source
                        .and_then(|i| view.sources.get(i))
                        .map(label)
                        .unwrap_or_default(),
                )
                .show_ui(ui, |ui| {
                    for (i, s) in view.sources.iter().enumerate() {
                        ui.selectable_value(&mut view.plot_source, Some(i), label(s));
                    }
                });
        });
    }
    view.load_series(artifacts);
    let Some((_, series)) = &view.series else {
        return;
    };
    // One plot per title (predicted vs actual, residuals, ROC, …), every run's sets on it.
    let mut titles: Vec<&pipewright_engine::SeriesView> = Vec::new();
    for s in series.iter().flatten().flatten() {
        if !titles.iter().any(|t| t.title == s.title) {
            titles.push(s);
        }
    }
    if titles.is_empty() {
        ui.label(RichText::new("These outputs carry no plots.").weak());
        return;
    }
    let width = ui.available_width();
    let half = ((width - 16.0) / 2.0).max(240.0);
    for pair in titles.chunks(2) {
        ui.horizontal_top(|ui| {
            for shape in pair {
                let runs: Vec<(usize, &pipewright_engine::SeriesView)> = series
                    .iter()
                    .enumerate()
                    .filter_map(|(i, run)| {
                        Some((i, run.iter().flatten().find(|s| s.title == shape.title)?))
                    })
                    .collect();
                let sets = overlay_sets(&runs, &view.ids);
                ui.vertical(|ui| {
                    ui.set_width(half);
                    ui.label(RichText::new(&shape.title).strong());
                    series_plot_ui(
                        shape,
                        &sets,
                        egui::Id::new(("cmp-series", &shape.title)),
                        280.0,
                        Some(half),
                        ui,
                    );
                });
            }
        });
    }
}

/// The sets of one plot overlaid across runs: each run's in its colour, its sets
/// (classes of a ROC plot) told apart by style, named `run · set` — just `run` when
/// every run has one set of the same name (nothing to tell apart).
fn overlay_sets<'a>(
    runs: &[(usize, &'a pipewright_engine::SeriesView)],
    ids: &[String],
) -> Vec<PlotSet<'a>> {
    let mut names = runs
        .iter()
        .flat_map(|(_, s)| s.sets.iter().map(|p| &p.name));
    let first = names.next();
    let one_name = runs.iter().all(|(_, s)| s.sets.len() == 1) && names.all(|n| Some(n) == first);
    let mut sets = Vec::new();
    for (i, s) in runs {
        for (k, set) in s.sets.iter().enumerate() {
            let name = if one_name {
                short_id(&ids[*i])
            } else {
                format!("{} · {}", short_id(&ids[*i]), set.name)
            };
            sets.push(PlotSet {
                name,
                points: &set.points,
                color: run_color(*i),
                style: k,
            });
        }
    }
    sets
}

fn metric_bars_ui(view: &mut CompareView, ui: &mut Ui) {
    let names: Vec<String> = view
        .comparison
        .metrics
        .iter()
        .map(|m| m.name.clone())
        .collect();
    let Some(current) = view.bar_metric.clone().or_else(|| names.first().cloned()) else {
        ui.label(RichText::new("No metrics.").weak());
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Metric");
        egui::ComboBox::from_id_salt("cmp-bar-metric")
            .selected_text(&current)
            .show_ui(ui, |ui| {
                for n in &names {
                    ui.selectable_value(&mut view.bar_metric, Some(n.clone()), n);
                }
            });
    });
    let Some(row) = view.comparison.metrics.iter().find(|m| m.name == current) else {
        return;
    };
    let bars: Vec<Bar> = row
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            Some(
                Bar::new(i as f64, (*v)?)
                    .width(0.6)
                    .name(short_id(&view.ids[i]))
                    .fill(run_color(i)),
            )
        })
        .collect();
    let ids: Vec<String> = view.ids.iter().map(|i| short_id(i)).collect();
    Plot::new("cmp-bar-chart")
        .allow_scroll(false)
        .height(200.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label(current.clone())
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                ids.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new(current.clone(), bars).element_formatter(Box::new(|bar, _| {
                    format!("{}: {}", bar.name, format_number(bar.value))
                })),
            );
        });
}

fn durations_ui(view: &CompareView, ui: &mut Ui) {
    if view.comparison.durations.is_empty() {
        ui.label(RichText::new("No steps.").weak());
        return;
    }
    egui::Grid::new("cmp-durations-grid")
        .striped(true)
        .spacing([18.0, 3.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Step").strong());
            for i in 0..view.ids.len() {
                run_header_ui(view, i, ui);
            }
            ui.end_row();
            for d in &view.comparison.durations {
                ui.label(&d.step);
                let slowest = d.secs.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
                for (i, s) in d.secs.iter().enumerate() {
                    if let Some(Some(from)) = d.cached.get(i) {
                        // A cached step was not timed here: say where its result came from.
                        let took = from
                            .original_duration_secs
                            .map(|t| format!(", originally {}", format_duration(t)))
                            .unwrap_or_default();
                        ui.label(RichText::new("cached").italics().weak())
                            .on_hover_text(format!("reused from run {}{took}", from.run));
                        continue;
                    }
                    match s {
                        Some(s) => {
                            let mut text = RichText::new(format_duration(*s)).monospace();
                            if *s == slowest && slowest > 0.0 && d.secs.len() > 1 {
                                text = text.strong();
                            }
                            ui.label(text);
                        }
                        None => {
                            ui.label(RichText::new("–").weak());
                        }
                    }
                }
                ui.end_row();
            }
        });
    // The same numbers as grouped bars: one group per step, one bar per run.
    let n = view.ids.len().max(1) as f64;
    let group_w = 0.8;
    let bar_w = group_w / n;
    let steps: Vec<String> = view
        .comparison
        .durations
        .iter()
        .map(|d| d.step.clone())
        .collect();
    let charts: Vec<BarChart> = (0..view.ids.len())
        .map(|i| {
            let bars = view
                .comparison
                .durations
                .iter()
                .enumerate()
                .filter_map(|(s, d)| {
                    let secs = d.secs.get(i).copied().flatten()?;
                    let x = s as f64 - group_w / 2.0 + bar_w * (i as f64 + 0.5);
                    Some(Bar::new(x, secs * 1000.0).width(bar_w * 0.9).name(&d.step))
                })
                .collect();
            BarChart::new(short_id(&view.ids[i]), bars).color(run_color(i))
        })
        .collect();
    Plot::new("cmp-durations-chart")
        .allow_scroll(false)
        .height(180.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label("ms")
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                steps.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
        });
}

#[cfg(test)]
mod tests {
    use pipewright_engine::{PointSet, SeriesKind, SeriesView};

    use super::*;

    fn roc(names: &[&str]) -> SeriesView {
        SeriesView {
            title: "ROC curve".into(),
            kind: SeriesKind::Line,
            x_label: "false positive rate".into(),
            y_label: "true positive rate".into(),
            sets: names
                .iter()
                .map(|n| PointSet {
                    name: (*n).into(),
                    points: vec![[0.0, 0.0], [1.0, 1.0]],
                })
                .collect(),
            diagonal: true,
            total_points: 2,
        }
    }

    #[test]
    fn overlaid_sets_are_named_run_dot_set_unless_there_is_nothing_to_tell_apart() {
        let ids = vec![
            "20260101-120000-aaaaaa".to_owned(),
            "20260101-130000-bbbbbb".to_owned(),
        ];
        let (a, b) = (
            roc(&["neg (AUC 0.900)", "pos (AUC 0.800)"]),
            roc(&["neg (AUC 0.700)"]),
        );
        let sets = overlay_sets(&[(0, &a), (1, &b)], &ids);
        let names: Vec<&str> = sets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "120000-aaaaaa · neg (AUC 0.900)",
                "120000-aaaaaa · pos (AUC 0.800)",
                "130000-bbbbbb · neg (AUC 0.700)"
            ]
        );
        assert_eq!(
            sets.iter().map(|s| s.style).collect::<Vec<_>>(),
            [0, 1, 0],
            "a run's sets differ in style, runs in colour"
        );
        assert_eq!(sets[0].color, run_color(0));
        assert_eq!(sets[2].color, run_color(1));
        let (p, q) = (roc(&["predictions"]), roc(&["predictions"]));
        let plain = overlay_sets(&[(0, &p), (1, &q)], &ids);
        assert_eq!(plain[0].name, "120000-aaaaaa");
    }
}
