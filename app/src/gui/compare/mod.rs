//! Runs side by side (MLflow's compare view): parameters with a differences-only
//! toggle and the cells that differ from the baseline highlighted, metrics with the
//! best run marked and deltas against the baseline, the evaluation plots of every run
//! overlaid in the run's colour, a bar chart of one metric, step durations and the
//! structural differences of the flows. The numbers come from
//! [`pipewright_engine::Comparison`]; this folder only draws them.
//!
//! Files: `mod.rs` (the comparison's state between frames, CSV export), `ui.rs`
//! (drawing).

pub mod ui;

use std::path::Path;
use std::sync::Arc;

use pipewright_engine::{Comparison, Goal, RunRecord, write_atomic};

use super::command::RunsOutcome;
use super::results::ArtifactCache;

/// An output that carries metrics, found in the compared runs: its node (steps match
/// by node across runs of one flow), its port and the label shown.
#[derive(Clone, Debug, PartialEq)]
struct Source {
    node: pipewright_engine::NodeId,
    port: String,
    label: String,
}

/// Per run, the series views of the chosen output (`None`: the run lacks it).
type RunSeries = Vec<Option<Vec<pipewright_engine::SeriesView>>>;

/// The comparison's state between frames.
pub struct CompareView {
    records: Vec<Arc<RunRecord>>,
    ids: Vec<String>,
    comparison: Comparison,
    differences_only: bool,
    bar_metric: Option<String>,
    /// Outputs that carry metrics: candidates for the plots.
    sources: Vec<Source>,
    plot_source: Option<usize>,
    /// Per run, the series of `plot_source` (loaded once per source).
    series: Option<(usize, RunSeries)>,
    /// The in-app path prompt when no file dialog exists.
    export_prompt: Option<String>,
}

impl std::fmt::Debug for CompareView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompareView")
            .field("runs", &self.ids)
            .finish_non_exhaustive()
    }
}

impl CompareView {
    /// Compares `records`; the first is the baseline.
    pub fn new(records: Vec<Arc<RunRecord>>) -> Self {
        let owned: Vec<RunRecord> = records.iter().map(|r| (**r).clone()).collect();
        let comparison = Comparison::new(&owned, 0);
        let mut sources: Vec<Source> = Vec::new();
        for r in &records {
            for t in &r.tasks {
                for (port, a) in &t.outputs {
                    if a.metrics.is_some()
                        && !sources.iter().any(|s| s.node == t.node && s.port == *port)
                    {
                        sources.push(Source {
                            node: t.node,
                            port: port.clone(),
                            label: t.label.clone(),
                        });
                    }
                }
            }
        }
        let bar_metric = comparison
            .metrics
            .iter()
            .find(|m| m.name.ends_with(".rmse"))
            .or_else(|| {
                // A classification: the balanced headline score before the rest.
                [".f1_macro", ".accuracy"]
                    .iter()
                    .find_map(|suffix| comparison.metrics.iter().find(|m| m.name.ends_with(suffix)))
            })
            .or_else(|| comparison.metrics.iter().find(|m| m.goal != Goal::Neutral))
            .map(|m| m.name.clone());
        Self {
            ids: records.iter().map(|r| r.id.clone()).collect(),
            plot_source: (!sources.is_empty()).then_some(0),
            records,
            comparison,
            differences_only: false,
            bar_metric,
            sources,
            series: None,
            export_prompt: None,
        }
    }

    /// The compared runs' ids, in order.
    pub fn run_ids(&self) -> &[String] {
        &self.ids
    }

    fn set_baseline(&mut self, baseline: usize) {
        let owned: Vec<RunRecord> = self.records.iter().map(|r| (**r).clone()).collect();
        self.comparison = Comparison::new(&owned, baseline);
    }

    /// A file name to suggest for the CSV export.
    pub fn default_file_name(&self) -> String {
        let short = |id: &str| id.rsplit('-').next().unwrap_or(id).to_owned();
        let ids: Vec<String> = self.ids.iter().take(4).map(|i| short(i)).collect();
        format!("comparison-{}.csv", ids.join("-"))
    }

    /// Shows the in-app prompt for the export path (no file dialog here).
    pub fn ask_path(&mut self, suggestion: String) {
        self.export_prompt = Some(suggestion);
    }

    /// Writes the table (with the differences-only toggle applied) as CSV, atomically.
    pub fn export_to(&mut self, path: &Path) -> RunsOutcome {
        let mut path = path.to_owned();
        if path.extension().is_none() {
            path.set_extension("csv");
        }
        let csv = self.comparison.to_csv(self.differences_only);
        match write_atomic(&path, csv.as_bytes()) {
            Ok(()) => {
                self.export_prompt = None;
                RunsOutcome::info(format!("Exported the comparison to {}", path.display()))
            }
            Err(e) => RunsOutcome::error(format!("Cannot export to {}: {e}", path.display())),
        }
    }

    fn load_series(&mut self, artifacts: &mut ArtifactCache) {
        let Some(index) = self.plot_source else {
            self.series = None;
            return;
        };
        if self.series.as_ref().is_some_and(|(s, _)| *s == index) {
            return;
        }
        let Some(source) = self.sources.get(index) else {
            self.series = None;
            return;
        };
        let series = self
            .records
            .iter()
            .map(|r| {
                let task = r.task(source.node)?;
                let a = task.outputs.get(&source.port)?;
                let loaded = artifacts.get(a).ok()?;
                Some(
                    loaded
                        .views
                        .iter()
                        .filter_map(|v| match v {
                            pipewright_engine::ArtifactView::Series(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                )
            })
            .collect();
        self.series = Some((index, series));
    }
}
