//! Results of the selected step: its status in the shown run, then each output
//! artifact — tables as grids, models as coefficients, metrics as a table with plots.
//! Artifact types this build does not know are shown by their summary.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{RichText, Ui};
use pipewright_engine::{ArtifactRef, Encoding, Node, Registry, StepStatus, Store};

use super::format::format_number;
use super::run_state::RunView;
use super::theme;

/// An artifact loaded from the store, with what the inspector shows of it (computed
/// once: artifacts are immutable).
pub struct Loaded {
    /// The artifact's one-line summary.
    pub summary: String,
    /// Its preview.
    pub preview: Preview,
}

/// What the inspector shows of an artifact.
#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    /// A table: shape, column types and the first rows.
    Table(TablePreview),
    /// A JSON-encoded artifact (model, metrics, …), with plot series when it has them.
    Json {
        /// The decoded value.
        value: serde_json::Value,
        /// Metrics (name → number), when the artifact has them.
        metrics: Vec<(String, f64)>,
        /// (actual, predicted) pairs, when the artifact has them.
        pairs: Vec<[f64; 2]>,
        /// Residuals (actual − predicted).
        residuals: Vec<f64>,
    },
    /// Only the one-line summary.
    Summary(String),
}

/// The first rows of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct TablePreview {
    /// Number of rows.
    pub rows: usize,
    /// Column names and types.
    pub columns: Vec<(String, String)>,
    /// The first rows, formatted.
    pub head: Vec<Vec<String>>,
}

/// How many rows a table preview keeps.
const HEAD_ROWS: usize = 200;

/// Artifacts loaded from the store, by content hash (they never change).
pub struct ArtifactCache {
    store: Store,
    loaded: HashMap<String, Result<Arc<Loaded>, String>>,
}

impl std::fmt::Debug for ArtifactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCache")
            .field("loaded", &self.loaded.len())
            .finish()
    }
}

impl ArtifactCache {
    /// A cache over a store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            loaded: HashMap::new(),
        }
    }

    /// The artifact a reference points to, loaded and previewed once.
    pub fn get(&mut self, r: &ArtifactRef) -> Result<Arc<Loaded>, String> {
        self.loaded
            .entry(r.hash.clone())
            .or_insert_with(|| {
                // Straight from the stored bytes: a table's preview reads its first
                // rows only, so a click on a million-row step costs milliseconds
                // (decoding the whole artifact and encoding it again cost ~0.2 s).
                let bytes = self
                    .store
                    .get_blob(&r.hash, r.encoding)
                    .map_err(|e| e.to_string())?;
                let preview = preview_bytes(r.encoding, bytes, &r.summary);
                Ok(Arc::new(Loaded {
                    summary: r.summary.clone(),
                    preview,
                }))
            })
            .clone()
    }

    /// The column names of the table a reference points to, if it is a table.
    pub fn columns(&mut self, r: &ArtifactRef) -> Option<Vec<String>> {
        match &self.get(r).ok()?.preview {
            Preview::Table(t) => Some(t.columns.iter().map(|c| c.0.clone()).collect()),
            _ => None,
        }
    }
}

/// Builds the preview of an artifact from its encoded bytes, so the editor needs no
/// knowledge of the catalogue's Rust types: tables are Parquet, the rest JSON.
pub fn preview_bytes(encoding: Encoding, bytes: Vec<u8>, summary: &str) -> Preview {
    match encoding {
        Encoding::Parquet => match table_preview(bytes) {
            Ok(t) => Preview::Table(t),
            Err(e) => Preview::Summary(format!("{summary} (cannot read the table: {e})")),
        },
        Encoding::Json => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(value) => {
                let metrics = find_metrics(&value);
                let pairs = find_pairs(&value);
                let mut residuals = find_numbers(&value, &["residual"]).unwrap_or_default();
                if residuals.is_empty() {
                    residuals = pairs.iter().map(|p| p[0] - p[1]).collect();
                }
                Preview::Json {
                    value,
                    metrics,
                    pairs,
                    residuals,
                }
            }
            Err(_) => Preview::Summary(summary.to_owned()),
        },
        Encoding::Raw => Preview::Summary(summary.to_owned()),
    }
}

fn table_preview(bytes: Vec<u8>) -> Result<TablePreview, String> {
    use polars::prelude::{AnyValue, ParquetReader, SerReader};
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let rows = reader.num_rows().map_err(|e| e.to_string())?;
    let df = reader
        .with_slice(Some((0, HEAD_ROWS)))
        .finish()
        .map_err(|e| e.to_string())?;
    let columns: Vec<(String, String)> = df
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().to_string()))
        .collect();
    let n = df.height().min(HEAD_ROWS);
    let mut head = Vec::with_capacity(n);
    for i in 0..n {
        let row = df
            .columns()
            .iter()
            .map(|c| match c.get(i) {
                Ok(AnyValue::Float64(x)) => format_number(x),
                Ok(AnyValue::Float32(x)) => format_number(f64::from(x)),
                Ok(AnyValue::String(s)) => s.to_owned(),
                Ok(AnyValue::Null) => "∅".to_owned(),
                Ok(v) => v.to_string(),
                Err(_) => "?".to_owned(),
            })
            .collect();
        head.push(row);
    }
    Ok(TablePreview {
        rows,
        columns,
        head,
    })
}

fn key_has(key: &str, words: &[&str]) -> bool {
    let k = key.to_lowercase();
    words.iter().any(|w| k.contains(w))
}

fn numbers(v: &serde_json::Value) -> Option<Vec<f64>> {
    let a = v.as_array()?;
    if a.is_empty() {
        return None;
    }
    a.iter().map(serde_json::Value::as_f64).collect()
}

/// The first array of numbers under a key containing one of `words`.
fn find_numbers(v: &serde_json::Value, words: &[&str]) -> Option<Vec<f64>> {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                if key_has(k, words)
                    && let Some(ns) = numbers(x)
                {
                    return Some(ns);
                }
            }
            map.values().find_map(|x| find_numbers(x, words))
        }
        _ => None,
    }
}

/// (actual, predicted) pairs: two parallel arrays, or an array of 2-element arrays or
/// {actual, predicted} objects under a key that says so.
fn find_pairs(v: &serde_json::Value) -> Vec<[f64; 2]> {
    if let (Some(a), Some(p)) = (
        find_numbers(v, &["actual", "y_true", "truth"]),
        find_numbers(v, &["predicted", "y_pred", "prediction"]),
    ) && a.len() == p.len()
    {
        return a.into_iter().zip(p).map(|(a, p)| [a, p]).collect();
    }
    fn walk(v: &serde_json::Value) -> Option<Vec<[f64; 2]>> {
        let map = v.as_object()?;
        for (k, x) in map {
            if key_has(k, &["pair", "actual", "scatter", "points"])
                && let Some(items) = x.as_array()
            {
                let pairs: Option<Vec<[f64; 2]>> = items
                    .iter()
                    .map(|it| match it {
                        serde_json::Value::Array(xy) if xy.len() == 2 => {
                            Some([xy[0].as_f64()?, xy[1].as_f64()?])
                        }
                        serde_json::Value::Object(o) => {
                            let a = o
                                .iter()
                                .find(|(k, _)| key_has(k, &["actual", "true"]))?
                                .1
                                .as_f64()?;
                            let p = o.iter().find(|(k, _)| key_has(k, &["pred"]))?.1.as_f64()?;
                            Some([a, p])
                        }
                        _ => None,
                    })
                    .collect();
                if let Some(p) = pairs.filter(|p| !p.is_empty()) {
                    return Some(p);
                }
            }
        }
        map.values().find_map(walk)
    }
    walk(v).unwrap_or_default()
}

/// Metrics: the numbers of a `values`/`metrics` map, or the top level's own numbers.
fn find_metrics(v: &serde_json::Value) -> Vec<(String, f64)> {
    let Some(map) = v.as_object() else {
        return Vec::new();
    };
    let inner = map
        .iter()
        .find(|(k, x)| key_has(k, &["values", "metrics", "scores"]) && x.is_object())
        .and_then(|(_, x)| x.as_object());
    let source = inner.unwrap_or(map);
    source
        .iter()
        .filter_map(|(k, x)| Some((k.clone(), x.as_f64()?)))
        .collect()
}

/// Draws the results of `node` in the shown run.
pub fn results_ui(
    node: &Node,
    _registry: &Registry,
    run: Option<&RunView>,
    cache: &mut ArtifactCache,
    ui: &mut Ui,
) {
    let Some(run) = run else {
        return;
    };
    let Some(step) = run.steps.get(&node.id) else {
        return;
    };
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Results").strong());
        let color = theme::status_color(step.status);
        ui.label(
            RichText::new(format!(
                " {} {} ",
                theme::status_icon(step.status),
                step.status
            ))
            .color(egui::Color32::WHITE)
            .background_color(color),
        );
        if let Some(d) = step.duration_secs
            && step.status.is_ok()
        {
            ui.label(RichText::new(theme::format_duration(d)).weak());
        }
    });
    if let Some(m) = &step.message {
        let color = if step.status == StepStatus::Failed {
            theme::error_color(ui.visuals())
        } else {
            theme::warn_color(ui.visuals())
        };
        ui.add(egui::Label::new(RichText::new(m).color(color)).wrap());
    }
    let Some(task) = run.record.as_ref().and_then(|r| r.task(node.id)) else {
        if run.is_running() && step.status.is_ok() {
            ui.label(RichText::new("Artifacts appear when the run ends.").weak());
        }
        return;
    };
    if let Some(from) = &task.reused_from {
        ui.label(
            RichText::new(format!("reused from run {from}"))
                .small()
                .weak(),
        );
    }
    for (port, r) in &task.outputs {
        ui.add_space(6.0);
        ui.label(
            RichText::new(format!("{port}: {}", r.type_name))
                .strong()
                .color(theme::type_color(&r.type_name)),
        );
        match cache.get(r) {
            Ok(loaded) => artifact_ui(&loaded, (node.id, port.as_str()), ui),
            Err(e) => {
                ui.label(RichText::new(&r.summary).weak());
                ui.colored_label(theme::error_color(ui.visuals()), e);
            }
        }
    }
    if !task.logs.is_empty() {
        egui::CollapsingHeader::new(format!("Log ({} lines)", task.logs.len()))
            .id_salt(("task-log", node.id))
            .show(ui, |ui| {
                for line in &task.logs {
                    ui.label(RichText::new(line).monospace().small());
                }
            });
    }
}

/// Draws one artifact: a table as a grid, JSON as key/value tables, with plots when
/// it carries actual/predicted pairs.
pub fn artifact_ui(loaded: &Loaded, salt: (pipewright_engine::NodeId, &str), ui: &mut Ui) {
    ui.label(RichText::new(&loaded.summary).weak());
    match &loaded.preview {
        Preview::Table(t) => table_ui(t, salt, ui),
        Preview::Json {
            value,
            metrics,
            pairs,
            residuals,
        } => {
            let model = find_model(value);
            // A model's intercept is a row of its coefficient table, not a metric.
            let metrics: Vec<(String, f64)> = metrics
                .iter()
                .filter(|(k, _)| model.is_none() || k != "intercept")
                .cloned()
                .collect();
            if !metrics.is_empty() {
                metrics_ui(&metrics, salt, ui);
            }
            if let Some(model) = &model {
                coefficients_ui(model, salt, ui);
            }
            if !pairs.is_empty() {
                plots_ui(pairs, residuals, salt, ui);
            }
            egui::CollapsingHeader::new("All fields")
                .id_salt(("json", salt.0, salt.1))
                .default_open(metrics.is_empty() && pairs.is_empty())
                .show(ui, |ui| json_ui(value, 0, ui));
        }
        Preview::Summary(_) => {}
    }
}

/// A fitted linear model read from an artifact's JSON: one coefficient per feature,
/// the intercept and the target.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelView {
    /// What predicts what, e.g. `"linear_regression, target y"`.
    pub title: String,
    /// (feature, coefficient), in the model's order.
    pub terms: Vec<(String, f64)>,
    /// The intercept.
    pub intercept: f64,
}

/// Finds a model (`features` + `coefficients` + `intercept`) at the top of `value`
/// or under its `model` key (metrics carry the model they scored).
pub fn find_model(value: &serde_json::Value) -> Option<ModelView> {
    let m = if value.get("coefficients").is_some() {
        value
    } else {
        value.get("model")?
    };
    let features = m.get("features")?.as_array()?;
    let coefficients = m.get("coefficients")?.as_array()?;
    if features.len() != coefficients.len() {
        return None;
    }
    let terms = features
        .iter()
        .zip(coefficients)
        .map(|(f, c)| Some((f.as_str()?.to_owned(), c.as_f64()?)))
        .collect::<Option<Vec<_>>>()?;
    let algorithm = m
        .get("algorithm")
        .and_then(|a| a.as_str())
        .unwrap_or("model");
    let target = m.get("target").and_then(|t| t.as_str()).unwrap_or("?");
    Some(ModelView {
        title: format!("{algorithm}, target {target}"),
        terms,
        intercept: m.get("intercept")?.as_f64()?,
    })
}

fn coefficients_ui(model: &ModelView, salt: (pipewright_engine::NodeId, &str), ui: &mut Ui) {
    ui.label(RichText::new(format!("Coefficients ({})", model.title)).strong());
    egui::Grid::new(("coefficients", salt.0, salt.1))
        .striped(true)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            ui.label(RichText::new("term").weak());
            ui.label(RichText::new("coefficient").weak());
            ui.end_row();
            ui.label("(intercept)");
            ui.label(RichText::new(format_number(model.intercept)).monospace());
            ui.end_row();
            for (feature, c) in &model.terms {
                ui.label(feature);
                ui.label(RichText::new(format_number(*c)).monospace());
                ui.end_row();
            }
        });
}

fn table_ui(t: &TablePreview, salt: (pipewright_engine::NodeId, &str), ui: &mut Ui) {
    ui.label(format!("{} rows × {} columns", t.rows, t.columns.len()));
    egui::CollapsingHeader::new("Column types")
        .id_salt(("coltypes", salt.0, salt.1))
        .show(ui, |ui| {
            egui::Grid::new(("coltypes-grid", salt.0, salt.1))
                .striped(true)
                .show(ui, |ui| {
                    for (name, ty) in &t.columns {
                        ui.label(name);
                        ui.label(RichText::new(ty).monospace().weak());
                        ui.end_row();
                    }
                });
        });
    if t.rows > t.head.len() {
        ui.label(
            RichText::new(format!("first {} rows", t.head.len()))
                .small()
                .weak(),
        );
    }
    egui::ScrollArea::both()
        .id_salt(("table-scroll", salt.0, salt.1))
        .max_height(260.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new(("table", salt.0, salt.1))
                .striped(true)
                .spacing([12.0, 2.0])
                .show(ui, |ui| {
                    ui.label(RichText::new("#").weak());
                    for (name, ty) in &t.columns {
                        ui.label(RichText::new(name).strong()).on_hover_text(ty);
                    }
                    ui.end_row();
                    for (i, row) in t.head.iter().enumerate() {
                        ui.label(RichText::new(i.to_string()).weak().monospace());
                        for cell in row {
                            ui.label(RichText::new(cell).monospace());
                        }
                        ui.end_row();
                    }
                });
        });
}

fn metrics_ui(metrics: &[(String, f64)], salt: (pipewright_engine::NodeId, &str), ui: &mut Ui) {
    egui::Grid::new(("metrics", salt.0, salt.1))
        .striped(true)
        .num_columns(2)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for (name, x) in metrics {
                ui.label(RichText::new(name).strong());
                ui.label(RichText::new(format_number(*x)).monospace());
                ui.end_row();
            }
        });
}

fn plots_ui(
    pairs: &[[f64; 2]],
    residuals: &[f64],
    salt: (pipewright_engine::NodeId, &str),
    ui: &mut Ui,
) {
    use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Points};
    ui.add_space(4.0);
    ui.label(RichText::new("Predicted vs actual").strong());
    let (lo, hi) = pairs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[0]).min(p[1]), hi.max(p[0]).max(p[1]))
        });
    let points: Vec<[f64; 2]> = pairs.to_vec();
    Plot::new(("scatter", salt.0, salt.1))
        .height(220.0)
        .data_aspect(1.0)
        .x_axis_label("actual")
        .y_axis_label("predicted")
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |plot| {
            plot.line(
                Line::new("y = x", PlotPoints::from(vec![[lo, lo], [hi, hi]]))
                    .color(theme::type_color("model"))
                    .width(1.5),
            );
            plot.points(
                Points::new("predictions", PlotPoints::from(points))
                    .radius(2.5)
                    .color(theme::type_color("table")),
            );
        });
    if residuals.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.label(RichText::new("Residuals").strong());
    let (lo, hi) = residuals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
            (lo.min(*r), hi.max(*r))
        });
    let bins = ((residuals.len() as f64).sqrt().ceil() as usize).clamp(5, 40);
    let width = ((hi - lo) / bins as f64).max(f64::EPSILON);
    let mut counts = vec![0usize; bins];
    for r in residuals {
        let i = (((r - lo) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| Bar::new(lo + (i as f64 + 0.5) * width, *c as f64).width(width * 0.95))
        .collect();
    Plot::new(("residuals", salt.0, salt.1))
        .height(160.0)
        .x_axis_label("actual − predicted")
        .y_axis_label("count")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("residuals", bars).color(theme::type_color("metrics")));
        });
}

fn json_ui(v: &serde_json::Value, depth: usize, ui: &mut Ui) {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            egui::Grid::new(ui.next_auto_id())
                .num_columns(2)
                .striped(depth == 0)
                .show(ui, |ui| {
                    for (k, x) in map {
                        ui.label(RichText::new(k).strong());
                        match x {
                            J::Object(_) if depth < 3 => {
                                ui.vertical(|ui| json_ui(x, depth + 1, ui));
                            }
                            _ => {
                                ui.label(json_short(x));
                            }
                        }
                        ui.end_row();
                    }
                });
        }
        other => {
            ui.label(json_short(other));
        }
    }
}

fn json_short(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Number(n) => n.as_f64().map_or_else(|| n.to_string(), format_number),
        J::String(s) => s.clone(),
        J::Array(a) => {
            if let Some(ns) = numbers(v) {
                let (lo, hi) = ns
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(*x), hi.max(*x))
                    });
                if ns.len() <= 6 {
                    let items: Vec<String> = ns.iter().map(|x| format_number(*x)).collect();
                    format!("[{}]", items.join(", "))
                } else {
                    format!(
                        "{} numbers, {} … {}",
                        ns.len(),
                        format_number(lo),
                        format_number(hi)
                    )
                }
            } else if a.len() <= 6 {
                let items: Vec<String> = a.iter().map(json_short).collect();
                format!("[{}]", items.join(", "))
            } else {
                format!("{} items", a.len())
            }
        }
        J::Object(o) => format!("{{{} fields}}", o.len()),
        J::Bool(b) => b.to_string(),
        J::Null => "∅".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewright_engine::Artifact;

    #[test]
    fn a_model_is_found_at_the_top_or_inside_metrics() {
        let model = serde_json::json!({
            "algorithm": "ridge", "features": ["x1", "x2"], "target": "y",
            "coefficients": [2.5, -0.5], "intercept": 1.0, "hyper": {"alpha": 1.0}
        });
        let expected = ModelView {
            title: "ridge, target y".into(),
            terms: vec![("x1".into(), 2.5), ("x2".into(), -0.5)],
            intercept: 1.0,
        };
        assert_eq!(find_model(&model), Some(expected.clone()));
        let metrics = serde_json::json!({"values": {"rmse": 1.0}, "model": model});
        assert_eq!(find_model(&metrics), Some(expected));
        let lopsided =
            serde_json::json!({"features": ["a"], "coefficients": [1.0, 2.0], "intercept": 0.0});
        assert_eq!(find_model(&lopsided), None);
        assert_eq!(find_model(&serde_json::json!({"values": {}})), None);
    }

    #[test]
    fn metrics_and_plot_series_are_found_in_json() {
        let a = String::from(
            r#"{"values": {"mse": 0.5, "r2": 0.9}, "plot": {"actual": [1, 2, 3], "predicted": [1.5, 2, 2.5]}}"#,
        );
        let Preview::Json {
            metrics,
            pairs,
            residuals,
            ..
        } = preview_bytes(Encoding::Json, a.as_bytes().to_vec(), "summary")
        else {
            panic!("a JSON preview");
        };
        assert_eq!(metrics, vec![("mse".into(), 0.5), ("r2".into(), 0.9)]);
        assert_eq!(pairs, vec![[1.0, 1.5], [2.0, 2.0], [3.0, 2.5]]);
        assert_eq!(residuals, vec![-0.5, 0.0, 0.5]);
    }

    #[test]
    fn pairs_as_an_array_of_arrays() {
        let a = String::from(r#"{"pairs": [[1, 2], [3, 4]], "residuals": [-1, -1]}"#);
        let Preview::Json {
            pairs, residuals, ..
        } = preview_bytes(Encoding::Json, a.as_bytes().to_vec(), "summary")
        else {
            panic!("a JSON preview");
        };
        assert_eq!(pairs, vec![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(residuals, vec![-1.0, -1.0]);
    }

    #[test]
    fn a_table_preview_reads_the_first_rows_and_counts_all() {
        use polars::prelude::{Column, DataFrame};
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let df = DataFrame::new_infer_height(vec![Column::new("x".into(), x)]).unwrap();
        let table = pipewright_nodes::Table::new(df);
        let (encoding, bytes) = table.encode().unwrap();
        let Preview::Table(t) = preview_bytes(encoding, bytes, "t") else {
            panic!("a table preview");
        };
        assert_eq!(t.rows, 1000);
        assert_eq!(t.head.len(), HEAD_ROWS);
        assert_eq!(t.head[3], vec!["3".to_owned()]);
        assert_eq!(t.columns, vec![("x".to_owned(), "f64".to_owned())]);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(1.0e-7), "1.000e-7");
    }
}
