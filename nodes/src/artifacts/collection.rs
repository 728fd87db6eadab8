//! The `collection` artifact: every task of a foreach with its item and its metrics,
//! one row per task, and each metric's mean and standard deviation over the tasks
//! (over folds, a cross-validation's result).

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Cell, ColumnInfo, Encoding,
    Goal, Metric, PointSet, ScalarsView, SeriesKind, SeriesView, TableView, Value,
};
use serde::{Deserialize, Serialize};

use crate::error::decode_error;

/// The port type (and artifact type name) of [`Collection`].
pub const COLLECTION: &str = "collection";

/// The collection artifact type.
pub const COLLECTION_TYPE: ArtifactType = ArtifactType::new(COLLECTION, decode_collection);

/// One task's row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectedRow {
    /// The item's index (its tasks are `step/index`).
    pub index: u32,
    /// The item's value on each axis, in [`Collection::axes`] order.
    pub item: Vec<Value>,
    /// The metrics its task produced.
    pub metrics: BTreeMap<String, f64>,
}

/// What a foreach's tasks gave, gathered by `flow.collect`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Collection {
    /// The axes' keys (`Ridge.alpha`).
    pub axes: Vec<String>,
    /// Which axes were given as a log range (plotted on a log scale).
    pub log_axes: Vec<bool>,
    /// One row per finished task, in item order.
    pub rows: Vec<CollectedRow>,
    /// Each metric's goal, as its producer recorded it.
    pub goals: BTreeMap<String, Goal>,
    /// The items that did not finish (`alpha = 10 (Ridge/4)`), when the foreach went
    /// on without them.
    pub failed: Vec<String>,
}

impl Collection {
    /// The metric names, in the order they first appear.
    pub fn metric_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.rows {
            for k in r.metrics.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        names
    }

    /// The mean and the (population) standard deviation of a metric over the tasks
    /// that have it, with their count.
    pub fn mean_std(&self, metric: &str) -> Option<(f64, f64, usize)> {
        let xs: Vec<f64> = self
            .rows
            .iter()
            .filter_map(|r| r.metrics.get(metric).copied())
            .collect();
        if xs.is_empty() {
            return None;
        }
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        Some((mean, var.sqrt(), xs.len()))
    }

    /// The rows as CSV: `index`, the axes, then the metrics.
    pub fn to_csv(&self) -> String {
        let names = self.metric_names();
        let mut out = String::from("index");
        for a in self.axes.iter().chain(&names) {
            out.push(',');
            out.push_str(&csv_field(a));
        }
        out.push('\n');
        for r in &self.rows {
            let _ = write!(out, "{}", r.index);
            for v in &r.item {
                out.push(',');
                let text = match v {
                    Value::Text(t) => t.clone(),
                    other => other.to_string(),
                };
                out.push_str(&csv_field(&text));
            }
            for n in &names {
                out.push(',');
                if let Some(x) = r.metrics.get(n) {
                    let _ = write!(out, "{x}");
                }
            }
            out.push('\n');
        }
        out
    }

    /// Metric-vs-value plots: for a numeric first axis, one plot per metric with a line
    /// per value of the second axis (if any). A log axis is plotted as its log10.
    fn series(&self) -> Vec<SeriesView> {
        let Some(first) = self.axes.first() else {
            return Vec::new();
        };
        let numeric = self
            .rows
            .iter()
            .all(|r| r.item.first().and_then(Value::as_f64).is_some());
        if !numeric || self.rows.len() < 2 {
            return Vec::new();
        }
        let log = self.log_axes.first().copied().unwrap_or(false);
        let x_label = if log {
            format!("log10 {first}")
        } else {
            first.clone()
        };
        let mut out = Vec::new();
        for metric in self.metric_names() {
            let mut sets: Vec<PointSet> = Vec::new();
            for r in &self.rows {
                let (Some(x), Some(y)) = (r.item[0].as_f64(), r.metrics.get(&metric)) else {
                    continue;
                };
                let x = if log { x.log10() } else { x };
                let name = match (self.axes.get(1), r.item.get(1)) {
                    (Some(a), Some(v)) => format!("{a} = {v}"),
                    _ => metric.clone(),
                };
                match sets.iter_mut().find(|s| s.name == name) {
                    Some(s) => s.points.push([x, *y]),
                    None => sets.push(PointSet {
                        name,
                        points: vec![[x, *y]],
                    }),
                }
            }
            for s in &mut sets {
                s.points.sort_by(|a, b| a[0].total_cmp(&b[0]));
            }
            let total = sets.iter().map(|s| s.points.len() as u64).sum();
            out.push(SeriesView {
                title: format!("{metric} vs {first}"),
                kind: SeriesKind::Line,
                x_label: x_label.clone(),
                y_label: metric,
                sets,
                diagonal: false,
                total_points: total,
            });
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl Artifact for Collection {
    fn type_name(&self) -> &'static str {
        COLLECTION
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        let bytes = serde_json::to_vec(self).map_err(|e| ArtifactError::Encode {
            type_name: COLLECTION.into(),
            message: e.to_string(),
        })?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        let n = self.rows.len();
        let mut s = format!(
            "{n} task{} of {}",
            if n == 1 { "" } else { "s" },
            if self.axes.is_empty() {
                "a foreach".to_owned()
            } else {
                self.axes.join(" × ")
            }
        );
        if !self.failed.is_empty() {
            let _ = write!(s, ", {} failed", self.failed.len());
        }
        s
    }

    fn views(&self, max_rows: usize) -> Vec<ArtifactView> {
        let names = self.metric_names();
        let mut columns = vec![ColumnInfo {
            name: "index".into(),
            dtype: "u32".into(),
        }];
        for a in &self.axes {
            columns.push(ColumnInfo {
                name: a.clone(),
                dtype: "item".into(),
            });
        }
        for n in &names {
            columns.push(ColumnInfo {
                name: n.clone(),
                dtype: "f64".into(),
            });
        }
        let rows = self
            .rows
            .iter()
            .take(max_rows)
            .map(|r| {
                let mut cells = vec![Cell::Int(i64::from(r.index))];
                cells.extend(r.item.iter().map(|v| match v {
                    Value::Bool(b) => Cell::Bool(*b),
                    Value::Int(i) => Cell::Int(*i),
                    Value::Float(f) => Cell::Float(*f),
                    Value::Text(t) => Cell::Text(t.clone()),
                }));
                cells.extend(
                    names
                        .iter()
                        .map(|n| r.metrics.get(n).map_or(Cell::Null, |x| Cell::Float(*x))),
                );
                cells
            })
            .collect();
        let mut views = vec![ArtifactView::Scalars(ScalarsView {
            title: format!("Over {} tasks (mean, std)", self.rows.len()),
            items: self.metrics(),
        })];
        views.extend(self.series().into_iter().map(ArtifactView::Series));
        views.push(ArtifactView::Table(TableView {
            title: "Tasks".into(),
            total_rows: self.rows.len() as u64,
            columns,
            rows,
        }));
        if !self.failed.is_empty() {
            views.push(ArtifactView::text(
                "Items that did not finish",
                self.failed.join("\n"),
            ));
        }
        views
    }

    fn export_formats(&self) -> Vec<&'static str> {
        vec!["csv"]
    }

    fn export(&self, format: &str) -> Result<Vec<u8>, ArtifactError> {
        match format.to_ascii_lowercase().as_str() {
            "csv" => Ok(self.to_csv().into_bytes()),
            "json" => self.encode().map(|(_, b)| b),
            other => Err(ArtifactError::Encode {
                type_name: COLLECTION.into(),
                message: format!("cannot export as {other:?}; it exports as json, csv"),
            }),
        }
    }

    /// `<metric>_mean` (with the metric's goal) and `<metric>_std` for every metric.
    fn metrics(&self) -> Vec<Metric> {
        let mut out = Vec::new();
        for name in self.metric_names() {
            if let Some((mean, std, _)) = self.mean_std(&name) {
                let goal = self.goals.get(&name).copied().unwrap_or_default();
                out.push(Metric::new(format!("{name}_mean"), mean, goal));
                out.push(Metric::new(format!("{name}_std"), std, Goal::Minimize));
            }
        }
        out
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored collection.
pub fn decode_collection(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(COLLECTION, "expected JSON"));
    }
    let c: Collection = serde_json::from_slice(bytes).map_err(|e| decode_error(COLLECTION, e))?;
    Ok(Arc::new(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Collection {
        let row = |i: u32, alpha: f64, r2: f64| CollectedRow {
            index: i,
            item: vec![Value::Float(alpha)],
            metrics: [("r2".to_owned(), r2)].into(),
        };
        Collection {
            axes: vec!["Ridge.alpha".into()],
            log_axes: vec![true],
            rows: vec![row(0, 0.01, 0.5), row(1, 1.0, 0.7), row(2, 100.0, 0.6)],
            goals: [("r2".to_owned(), Goal::Maximize)].into(),
            failed: vec![],
        }
    }

    #[test]
    fn mean_std_csv_and_a_log_plot() {
        let c = sample();
        let (mean, std, n) = c.mean_std("r2").unwrap();
        assert_eq!(n, 3);
        assert!((mean - 0.6).abs() < 1e-12);
        // population std of 0.5, 0.7, 0.6
        assert!((std - (0.02f64 / 3.0).sqrt()).abs() < 1e-12, "{std}");
        assert_eq!(
            c.to_csv(),
            "index,Ridge.alpha,r2\n0,0.01,0.5\n1,1,0.7\n2,100,0.6\n"
        );
        let series = c.series();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].x_label, "log10 Ridge.alpha");
        assert_eq!(
            series[0].sets[0].points,
            vec![[-2.0, 0.5], [0.0, 0.7], [2.0, 0.6]]
        );
        let m = c.metrics();
        assert_eq!(m[0].name, "r2_mean");
        assert_eq!(m[0].goal, Goal::Maximize);
        let (enc, bytes) = c.encode().unwrap();
        let back = decode_collection(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Collection>(back.as_ref()).unwrap(),
            &c
        );
    }
}
