//! Serving a run's model from the editor: the server `pipewright serve` runs
//! ([`crate::serve::start`]), started in this process on a run (or one train step of
//! it), and the Serve tab that shows its URL, a `curl` line to copy, its live counters
//! and *Stop*. *Export bundle…* writes the same `.pwm` file `pipewright bundle` does.

use std::path::Path;
use std::time::Duration;

use egui::{RichText, Ui};
use pipewright_engine::{Registry, Store};
use pipewright_nodes::bundle::{Bundle, OutputSchema};

use super::command::{Command, ServeTarget};
use super::format::{format_bytes, format_number};
use super::theme;
use crate::serve::{ServeOptions, ServerHandle, Snapshot};

/// How often the Serve tab redraws its counters while a model is served.
pub const REFRESH: Duration = Duration::from_millis(500);

/// A model served from the editor.
pub struct Serving {
    target: ServeTarget,
    /// The served model: its step and algorithm.
    model: String,
    /// Predictions and, for a classifier, its classes.
    output: String,
    handle: ServerHandle,
    curl: String,
    token: bool,
    started: chrono::DateTime<chrono::Local>,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving")
            .field("run", &self.target.run)
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

/// `target`'s run, as the store recorded it.
fn record_of(store: &Store, target: &ServeTarget) -> Result<pipewright_engine::RunRecord, String> {
    store
        .run(&target.run)
        .map_err(|e| format!("cannot read run {}: {e}", target.run))
}

/// The bundle of `target`'s model, as `pipewright bundle` builds it.
pub fn bundle_of(
    store: &Store,
    registry: &Registry,
    target: &ServeTarget,
) -> Result<Bundle, String> {
    let record = record_of(store, target)?;
    Bundle::from_run(store, &record, target.step.as_deref(), registry)
        .map(|(b, _)| b)
        .map_err(|e| e.to_string())
}

impl Serving {
    /// Serves `bundle`, `target`'s model ([`bundle_of`]); the error says why not (a
    /// port in use, an address that is not this machine's).
    pub fn start(bundle: Bundle, target: ServeTarget, opts: ServeOptions) -> Result<Self, String> {
        let m = &bundle.manifest;
        let model = format!("step {} · {}", m.provenance.step, m.provenance.model);
        let output = match &m.output {
            OutputSchema::Classification {
                target,
                labels,
                probabilities,
            } => format!(
                "{target}: {}{}",
                labels.join(" / "),
                if *probabilities {
                    ", with probabilities"
                } else {
                    ", with scores"
                }
            ),
            OutputSchema::Regression { target } => format!("{target}, a number"),
        };
        let token = opts.token.is_some();
        let (host, port) = (opts.host.clone(), opts.port);
        let handle = crate::serve::start(bundle, &target.describe(), opts).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                format!("{host}:{port} is in use: choose another port, or 0 for any free one")
            } else {
                e.to_string()
            }
        })?;
        Ok(Self {
            curl: handle.curl_example(),
            target,
            model,
            output,
            handle,
            token,
            started: chrono::Local::now(),
        })
    }

    /// What is served.
    pub fn target(&self) -> &ServeTarget {
        &self.target
    }

    /// `http://127.0.0.1:8080`.
    pub fn url(&self) -> String {
        self.handle.url()
    }

    /// The address it listens on.
    pub fn host(&self) -> String {
        self.handle.addr().ip().to_string()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.handle.addr().port()
    }

    /// The counters now.
    pub fn stats(&self) -> Snapshot {
        self.handle.stats()
    }

    /// Stops listening and waits for the requests in flight; returns the last counters.
    pub fn stop(self) -> Result<Snapshot, String> {
        self.handle
            .stop()
            .map_err(|e| format!("the server stopped with an error: {e}"))
    }
}

/// Writes `target`'s bundle to `path`; says what was written.
pub fn export_bundle(
    store: &Store,
    registry: &Registry,
    target: &ServeTarget,
    path: &Path,
) -> Result<String, String> {
    let record = record_of(store, target)?;
    let (bundle, size) =
        Bundle::write_from_run(store, &record, target.step.as_deref(), registry, path)
            .map_err(|e| e.to_string())?;
    Ok(format!(
        "Exported the model {} of run {} to {} ({}): serve it with `pipewright serve {}`",
        bundle.manifest.provenance.step,
        target.run,
        path.display(),
        format_bytes(size),
        path.display()
    ))
}

/// The Serve tab: what is served and how to call it, or how to start.
pub fn serving_ui(serving: Option<&Serving>, commands: &mut Vec<Command>, ui: &mut Ui) {
    let Some(s) = serving else {
        ui.label(
            RichText::new(
                "No model is served. Show a finished run (Runs tab) and press \u{201c}🌐 Serve…\u{201d}, \
                 select a trained step of a finished run, or use Run ▸ Serve the last run's model….",
            )
            .weak(),
        );
        return;
    };
    ui.ctx().request_repaint_after(REFRESH);
    let stats = s.stats();
    let url = s.url();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(" ● serving ")
                        .color(egui::Color32::WHITE)
                        .background_color(theme::ok_color(ui.visuals())),
                );
                ui.label(RichText::new(format!("run {}", s.target.run)).monospace().strong());
                ui.label(format!("· {} · answers {}", s.model, s.output));
                ui.label(
                    RichText::new(format!("· since {}", s.started.format("%H:%M:%S")))
                    .weak(),
                );
            });
            ui.horizontal(|ui| {
                ui.label(RichText::new("URL").strong());
                ui.hyperlink_to(RichText::new(&url).monospace(), format!("{url}/v1/model"))
                    .on_hover_text("Open the model's schemas and provenance (/v1/model) in a browser");
                if ui.small_button("📋 Copy URL").clicked() {
                    ui.ctx().copy_text(url.clone());
                }
                if ui
                    .button("⏹ Stop serving")
                    .on_hover_text("Stop listening; requests in flight are answered first")
                    .clicked()
                {
                    commands.push(Command::StopServing);
                }
            });
            ui.horizontal(|ui| {
                ui.label(RichText::new("Try it").strong());
                ui.add(
                    egui::Label::new(RichText::new(&s.curl).monospace())
                        .wrap_mode(egui::TextWrapMode::Truncate),
                )
                .on_hover_text(&s.curl);
                if ui.small_button("📋 Copy curl").clicked() {
                    ui.ctx().copy_text(s.curl.clone());
                }
            });
            if s.token {
                ui.label(
                    RichText::new("Requests need the token: export TOKEN=… before the curl line.")
                        .weak(),
                );
            }
            ui.add_space(4.0);
            egui::Grid::new("serving-counters")
                .num_columns(6)
                .spacing([18.0, 4.0])
                .show(ui, |ui| {
                    let error_color = theme::error_color(ui.visuals());
                    // One label per counter, its name above its value: read as
                    // "Requests\n12" by a screen reader (and the GUI tests).
                    let counter = |ui: &mut Ui, name: &str, value: String, color: Option<egui::Color32>| {
                        let style = ui.style().clone();
                        let mut job = egui::text::LayoutJob::default();
                        RichText::new(format!("{name}\n"))
                            .weak()
                            .append_to(&mut job, &style, egui::FontSelection::Default, egui::Align::Min);
                        let mut text = RichText::new(value).monospace().strong().size(18.0);
                        if let Some(c) = color {
                            text = text.color(c);
                        }
                        text.append_to(&mut job, &style, egui::FontSelection::Default, egui::Align::Min);
                        ui.label(job);
                    };
                    counter(ui, "Requests", stats.requests.to_string(), None);
                    counter(
                        ui,
                        "Errors",
                        stats.errors.to_string(),
                        (stats.errors > 0).then_some(error_color),
                    );
                    counter(ui, "Rows scored", stats.rows.to_string(), None);
                    counter(ui, "Mean latency", latency(stats.scored_requests, stats.mean_latency), None);
                    counter(
                        ui,
                        "p99 at most",
                        match (stats.scored_requests, stats.p99_at_most) {
                            (0, _) => "–".to_owned(),
                            (_, Some(s)) => seconds_text(s),
                            (_, None) => "> 2 s".to_owned(),
                        },
                        None,
                    );
                    counter(ui, "In flight", stats.in_flight.to_string(), None);
                    ui.end_row();
                });
            if !stats.classes.is_empty() {
                let classes: Vec<String> = stats
                    .classes
                    .iter()
                    .map(|(c, n)| format!("{c} {n}"))
                    .collect();
                ui.label(RichText::new(format!("Predicted: {}", classes.join(" · "))).weak());
            }
            ui.label(
                RichText::new(
                    "POST /invocations (MLflow) or /v1/predict · GET /health, /v1/model, /metrics (Prometheus)",
                )
                .weak()
                .small(),
            );
        });
}

fn latency(n: u64, mean: f64) -> String {
    if n == 0 {
        "–".to_owned()
    } else {
        seconds_text(mean)
    }
}

/// A latency in the unit that reads best: µs, ms or s.
fn seconds_text(s: f64) -> String {
    if s < 1e-3 {
        format!("{} µs", format_number((s * 1e6).round()))
    } else if s < 1.0 {
        format!("{} ms", format_number((s * 1e5).round() / 100.0))
    } else {
        format!("{} s", format_number((s * 100.0).round() / 100.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_in_their_unit() {
        assert_eq!(seconds_text(0.000_25), "250 µs");
        assert_eq!(seconds_text(0.001_234), "1.23 ms");
        assert_eq!(seconds_text(2.5), "2.5 s");
        assert_eq!(latency(0, 0.0), "–");
    }
}
