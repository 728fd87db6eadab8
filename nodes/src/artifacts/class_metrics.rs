//! The `class_metrics` artifact: how well a classifier's predictions match the actual
//! labels — scores with their goals, per-class precision/recall/F1, the confusion
//! matrix, ROC and precision–recall curves (each ≤ 10,000 points) — and the classifier
//! itself, so `evaluate.select_best_classifier` can pass the winner on.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Cell, ColumnInfo, Encoding,
    Goal, MatrixView, Metric, PointSet, ScalarsView, SeriesKind, SeriesView, TableView,
};
use serde::{Deserialize, Serialize};

use super::classifier::Classifier;
use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`ClassMetrics`].
pub const CLASS_METRICS: &str = "class_metrics";

/// The class metrics artifact type.
pub const CLASS_METRICS_TYPE: ArtifactType = ArtifactType::new(CLASS_METRICS, decode_class_metrics);

/// Precision, recall, F1 and support of one class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    /// The class label.
    pub label: String,
    /// Of the rows predicted as this class, the share that are (0 when none is).
    pub precision: f64,
    /// Of the rows of this class, the share predicted as it (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of the two (0 when both are 0).
    pub f1: f64,
    /// Rows whose actual label is this class.
    pub support: u64,
}

/// Counts of (actual, predicted) label pairs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// The labels of rows and columns: the sorted union of actual and predicted labels.
    pub labels: Vec<String>,
    /// `counts[actual][predicted]`.
    pub counts: Vec<Vec<u64>>,
}

/// One class's ROC or precision–recall curve and the area it gives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The class scored against the rest (the positive class).
    pub class: String,
    /// The AUC of a ROC curve, the average precision of a precision–recall curve.
    pub area: f64,
    /// (x, y): (false positive rate, true positive rate) or (recall, precision); at
    /// most [`crate::artifacts::MAX_PLOT_POINTS`], first and last kept.
    pub points: Vec<[f64; 2]>,
    /// Points before thinning.
    pub total: u64,
}

/// Scores of a classifier on labelled rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Named scores: `accuracy`, `balanced_accuracy`, `precision_macro`,
    /// `recall_macro`, `f1_macro`, the `_weighted` three, `log_loss` (probabilities
    /// only), `roc_auc`, `average_precision`, `n`.
    pub values: BTreeMap<String, f64>,
    /// Whether higher or lower is better for each score with a direction.
    pub goals: BTreeMap<String, Goal>,
    /// Per class, in the confusion matrix's label order.
    pub per_class: Vec<ClassScore>,
    /// The confusion matrix.
    pub confusion: Confusion,
    /// ROC curves: the positive class's for two classes, one per class (one vs rest)
    /// for more.
    pub roc: Vec<Curve>,
    /// Precision–recall curves, as `roc`.
    pub pr: Vec<Curve>,
    /// The classifier scored, when known.
    pub classifier: Option<Classifier>,
    /// What was scored: the algorithm and its hyper-parameters.
    pub source: String,
}

impl ClassMetrics {
    /// The score named `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.get(name).copied()
    }

    fn check_finite(&self) -> Result<(), String> {
        if let Some((k, v)) = self.values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!("metric {k:?} is {v}"));
        }
        if let Some(c) = &self.classifier {
            c.check_finite()?;
        }
        let finite = |x: &f64| x.is_finite();
        for s in &self.per_class {
            if ![s.precision, s.recall, s.f1].iter().all(finite) {
                return Err(format!("a score of class {:?} is not finite", s.label));
            }
        }
        for c in self.roc.iter().chain(&self.pr) {
            if !c.area.is_finite() || !c.points.iter().flatten().all(finite) {
                return Err(format!("the curve of class {:?} is not finite", c.class));
            }
        }
        Ok(())
    }

    fn per_class_view(&self) -> TableView {
        let col = |name: &str, dtype: &str| ColumnInfo {
            name: name.into(),
            dtype: dtype.into(),
        };
        TableView {
            title: "Per class".into(),
            total_rows: self.per_class.len() as u64,
            columns: vec![
                col("class", "str"),
                col("precision", "f64"),
                col("recall", "f64"),
                col("f1", "f64"),
                col("support", "u64"),
            ],
            rows: self
                .per_class
                .iter()
                .map(|s| {
                    vec![
                        Cell::Text(s.label.clone()),
                        Cell::Float(s.precision),
                        Cell::Float(s.recall),
                        Cell::Float(s.f1),
                        Cell::Int(i64::try_from(s.support).unwrap_or(i64::MAX)),
                    ]
                })
                .collect(),
        }
    }
}

/// A curve view: one line per class, named with its area, which the comparison view
/// overlays by title.
fn curves_view(
    title: &str,
    (x_label, y_label): (&str, &str),
    area_name: &str,
    curves: &[Curve],
    diagonal: bool,
) -> ArtifactView {
    ArtifactView::Series(SeriesView {
        title: title.into(),
        kind: SeriesKind::Line,
        x_label: x_label.into(),
        y_label: y_label.into(),
        sets: curves
            .iter()
            .map(|c| PointSet {
                name: format!("{} ({area_name} {:.3})", c.class, c.area),
                points: c.points.clone(),
            })
            .collect(),
        diagonal,
        total_points: curves.iter().map(|c| c.total).sum(),
    })
}

/// The scores shown first (in this order) in the summary and the scalars view.
const SHOWN: [&str; 4] = ["accuracy", "f1_macro", "roc_auc", "log_loss"];

impl Artifact for ClassMetrics {
    fn type_name(&self) -> &'static str {
        CLASS_METRICS
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.check_finite()
            .map_err(|e| encode_error(CLASS_METRICS, e))?;
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(CLASS_METRICS, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        let shown: Vec<String> = SHOWN
            .iter()
            .filter_map(|k| self.get(k).map(|v| format!("{k} {v:.4}")))
            .collect();
        let n = self
            .get("n")
            .map(|n| format!(" (n = {n})"))
            .unwrap_or_default();
        format!("{}{n} — {}", shown.join(", "), self.source)
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        let mut items = self.metrics();
        // The headline scores first, the rest alphabetically (as stored).
        items.sort_by_key(|m| {
            SHOWN
                .iter()
                .position(|s| *s == m.name)
                .unwrap_or(SHOWN.len())
        });
        let mut views = vec![
            ArtifactView::Scalars(ScalarsView {
                title: format!("Scores of {}", self.source),
                items,
            }),
            ArtifactView::Table(self.per_class_view()),
            ArtifactView::Matrix(MatrixView {
                title: "Confusion matrix".into(),
                row_axis: "actual".into(),
                col_axis: "predicted".into(),
                rows: self.confusion.labels.clone(),
                cols: self.confusion.labels.clone(),
                cells: self
                    .confusion
                    .counts
                    .iter()
                    .map(|r| r.iter().map(|c| *c as f64).collect())
                    .collect(),
            }),
        ];
        if !self.roc.is_empty() {
            views.push(curves_view(
                "ROC curve",
                ("false positive rate", "true positive rate"),
                "AUC",
                &self.roc,
                true,
            ));
        }
        if !self.pr.is_empty() {
            views.push(curves_view(
                "Precision–recall curve",
                ("recall", "precision"),
                "AP",
                &self.pr,
                false,
            ));
        }
        if let Some(c) = &self.classifier {
            views.extend(c.model_views());
        }
        views
    }

    fn metrics(&self) -> Vec<Metric> {
        self.values
            .iter()
            .map(|(k, v)| {
                Metric::new(
                    k.clone(),
                    *v,
                    self.goals.get(k).copied().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes stored class metrics.
pub fn decode_class_metrics(
    encoding: Encoding,
    bytes: &[u8],
) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            CLASS_METRICS,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let m: ClassMetrics =
        serde_json::from_slice(bytes).map_err(|e| decode_error(CLASS_METRICS, e))?;
    Ok(Arc::new(m))
}
