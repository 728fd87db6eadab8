//! The `class_predictions` artifact: a classifier's predicted label and per-class
//! scores for each row of a table, the actual label when the table had the target
//! column, and the row's id so the predictions join back to the input.

use std::any::Any;
use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::Arc;

use ndarray::Array2;
use pipewright_engine::view::{BarSet, BarsView};
use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding,
};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::classifier::Classifier;
use super::table::store_writer;
use crate::columns;
use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`ClassPredictions`].
pub const CLASS_PREDICTIONS: &str = "class_predictions";

/// The class predictions artifact type.
pub const CLASS_PREDICTIONS_TYPE: ArtifactType =
    ArtifactType::new(CLASS_PREDICTIONS, decode_class_predictions);

/// Parquet key-value metadata key holding [`Meta`] as JSON.
const META_KEY: &str = "pipewright.class_predictions";

/// The name of the id column when the table has none: the 0-based row number.
pub const ROW_COLUMN: &str = "row";

/// What the Parquet metadata records beside the columns.
#[derive(Serialize, Deserialize)]
struct Meta {
    classifier: Classifier,
    probabilistic: bool,
    /// The input's id column; `None` for 0-based row numbers.
    id_column: Option<String>,
}

/// A classifier's predictions for the rows of a table.
///
/// Stored as Parquet: the id column (the table's, or a 0-based `row`), `actual` (when
/// known), `predicted`, then one score column per class in the classifier's order
/// (`p_<class>` for probabilities, `score_<class>` for decision values); the classifier
/// as JSON in the file's key-value metadata, so metrics and select-best can pass it on.
/// Labels are text; an actual label the classifier never saw is kept as it is (the
/// metrics take the union of labels, as scikit-learn does).
#[derive(Clone, Debug)]
pub struct ClassPredictions {
    classifier: Classifier,
    id: Column,
    /// Whether `id` is the input's column (not row numbers).
    own_id: bool,
    actual: Option<Vec<String>>,
    predicted: Vec<String>,
    scores: Array2<f64>,
    probabilistic: bool,
}

impl PartialEq for ClassPredictions {
    fn eq(&self, other: &Self) -> bool {
        self.classifier == other.classifier
            && self.own_id == other.own_id
            && self.id.dtype() == other.id.dtype()
            && self.id.name() == other.id.name()
            && self
                .id
                .as_materialized_series()
                .equals_missing(other.id.as_materialized_series())
            && self.actual == other.actual
            && self.predicted == other.predicted
            && self.scores == other.scores
            && self.probabilistic == other.probabilistic
    }
}

impl ClassPredictions {
    /// Predictions of `classifier`: `scores` has one row per prediction and one column
    /// per class of the classifier; `id` (the input's id column, `None` for 0-based row
    /// numbers) and `actual`, when given, one value per prediction.
    pub fn new(
        classifier: Classifier,
        id: Option<Column>,
        actual: Option<Vec<String>>,
        predicted: Vec<String>,
        scores: Array2<f64>,
        probabilistic: bool,
    ) -> Result<Self, String> {
        let n = predicted.len();
        if scores.nrows() != n || scores.ncols() != classifier.classes.len() {
            return Err(format!(
                "{}×{} scores for {n} predictions of {} classes",
                scores.nrows(),
                scores.ncols(),
                classifier.classes.len()
            ));
        }
        if let Some(a) = &actual
            && a.len() != n
        {
            return Err(format!("{} actual labels for {n} predictions", a.len()));
        }
        let own_id = id.is_some();
        let id = match id {
            Some(c) if c.len() != n => {
                return Err(format!("{} ids for {n} predictions", c.len()));
            }
            Some(c) => {
                let name = c.name().to_string();
                if name == "actual" || name == "predicted" || score_name_clash(&classifier, &name) {
                    return Err(format!(
                        "the id column {name:?} has the name of a predictions column"
                    ));
                }
                c
            }
            None => {
                UInt64Chunked::from_vec(ROW_COLUMN.into(), (0..n as u64).collect()).into_column()
            }
        };
        Ok(Self {
            classifier,
            id,
            own_id,
            actual,
            predicted,
            scores,
            probabilistic,
        })
    }

    /// The classifier that predicted.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The id column (the input's, or the 0-based `row`).
    pub fn id(&self) -> &Column {
        &self.id
    }

    /// The predicted labels.
    pub fn predicted(&self) -> &[String] {
        &self.predicted
    }

    /// The actual labels, when the table had the target column.
    pub fn actual(&self) -> Option<&[String]> {
        self.actual.as_deref()
    }

    /// `n × classes` scores in the classifier's class order.
    pub fn scores(&self) -> &Array2<f64> {
        &self.scores
    }

    /// Whether the scores are probabilities (otherwise decision values).
    pub fn probabilistic(&self) -> bool {
        self.probabilistic
    }

    /// Number of predictions.
    pub fn len(&self) -> usize {
        self.predicted.len()
    }

    /// Whether there are no predictions.
    pub fn is_empty(&self) -> bool {
        self.predicted.is_empty()
    }

    /// The name of class `class`'s score column: `p_<class>` or `score_<class>`.
    pub fn score_column(&self, class: &str) -> String {
        score_column(self.probabilistic, class)
    }

    /// The predictions as a frame: id, `actual` (when known), `predicted`, scores.
    pub fn to_frame(&self) -> DataFrame {
        self.frame(self.len())
    }

    /// The first `rows` rows as a frame (no copy of the rest).
    fn frame(&self, rows: usize) -> DataFrame {
        let n = rows.min(self.len());
        let mut cols = Vec::with_capacity(3 + self.classifier.classes.len());
        cols.push(self.id.slice(0, n));
        if let Some(a) = &self.actual {
            cols.push(
                StringChunked::from_iter_values("actual".into(), a[..n].iter()).into_column(),
            );
        }
        cols.push(
            StringChunked::from_iter_values("predicted".into(), self.predicted[..n].iter())
                .into_column(),
        );
        for (k, class) in self.classifier.classes.iter().enumerate() {
            let values: Vec<f64> = self.scores.column(k).iter().take(n).copied().collect();
            cols.push(columns::f64_series(&self.score_column(class), values));
        }
        // Every column has `n` rows (checked in `new`); the names are distinct (also).
        DataFrame::new(n, cols).unwrap_or_default()
    }

    /// Rows per class, actual and predicted, over the union of the labels (sorted).
    fn balance(&self) -> (Vec<String>, BTreeMap<&str, [f64; 2]>) {
        let mut counts: BTreeMap<&str, [f64; 2]> = BTreeMap::new();
        for c in &self.classifier.classes {
            counts.entry(c).or_default();
        }
        for a in self.actual.iter().flatten() {
            counts.entry(a).or_default()[0] += 1.0;
        }
        for p in &self.predicted {
            counts.entry(p).or_default()[1] += 1.0;
        }
        (counts.keys().map(|k| (*k).to_owned()).collect(), counts)
    }

    fn check_finite(&self) -> Result<(), String> {
        self.classifier.check_finite()?;
        if let Some((i, v)) = self.scores.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let k = self.scores.ncols().max(1);
            return Err(format!(
                "the score of class {:?} in row {} is {v}",
                self.classifier
                    .classes
                    .get(i % k)
                    .map_or("?", String::as_str),
                i / k + 1
            ));
        }
        Ok(())
    }
}

fn score_column(probabilistic: bool, class: &str) -> String {
    if probabilistic {
        format!("p_{class}")
    } else {
        format!("score_{class}")
    }
}

fn score_name_clash(classifier: &Classifier, name: &str) -> bool {
    classifier
        .classes
        .iter()
        .any(|c| score_column(true, c) == name || score_column(false, c) == name)
}

impl Artifact for ClassPredictions {
    fn type_name(&self) -> &'static str {
        CLASS_PREDICTIONS
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        let err = |e: String| encode_error(CLASS_PREDICTIONS, e);
        self.check_finite().map_err(err)?;
        let meta = serde_json::to_string(&Meta {
            classifier: self.classifier.clone(),
            probabilistic: self.probabilistic,
            id_column: self.own_id.then(|| self.id.name().to_string()),
        })
        .map_err(|e| err(e.to_string()))?;
        let mut df = self.to_frame();
        let mut buf = Vec::with_capacity(df.estimated_size() + 4096);
        store_writer(&mut buf)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
                META_KEY.to_owned(),
                meta,
            )])))
            .finish(&mut df)
            .map_err(|e| err(e.to_string()))?;
        Ok((Encoding::Parquet, buf))
    }

    fn summary(&self) -> String {
        format!(
            "{} predictions of {} by {} ({} per class){}",
            self.len(),
            self.classifier.target,
            self.classifier.algorithm,
            if self.probabilistic {
                "probabilities"
            } else {
                "decision values"
            },
            if self.actual.is_some() {
                " with actual labels"
            } else {
                ""
            }
        )
    }

    fn views(&self, max_rows: usize) -> Vec<ArtifactView> {
        let head = self.frame(max_rows);
        let (categories, counts) = self.balance();
        let mut sets = Vec::with_capacity(2);
        if self.actual.is_some() {
            sets.push(BarSet {
                name: "actual".into(),
                values: counts.values().map(|c| c[0]).collect(),
            });
        }
        sets.push(BarSet {
            name: "predicted".into(),
            values: counts.values().map(|c| c[1]).collect(),
        });
        vec![
            ArtifactView::Table(super::views::frame_view(
                "Class predictions",
                &head,
                self.len(),
                max_rows,
            )),
            ArtifactView::Bars(BarsView {
                title: "Class balance".into(),
                x_label: "class".into(),
                y_label: "rows".into(),
                categories,
                sets,
            }),
        ]
    }

    fn export_formats(&self) -> Vec<&'static str> {
        vec!["csv", "parquet"]
    }

    fn export(&self, format: &str) -> Result<Vec<u8>, ArtifactError> {
        super::table::export_frame(CLASS_PREDICTIONS, &self.to_frame(), format, || {
            Ok(self.encode()?.1)
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The text values of a string column (every value present).
fn strings(df: &DataFrame, name: &str) -> Result<Vec<String>, String> {
    let col = df.column(name).map_err(|e| e.to_string())?;
    let ca = col.str().map_err(|e| e.to_string())?;
    ca.iter()
        .enumerate()
        .map(|(i, v)| {
            v.map(str::to_owned)
                .ok_or_else(|| format!("{name} is missing in row {}", i + 1))
        })
        .collect()
}

/// Decodes stored class predictions.
pub fn decode_class_predictions(
    encoding: Encoding,
    bytes: &[u8],
) -> Result<ArtifactArc, ArtifactError> {
    let err = |m: String| decode_error(CLASS_PREDICTIONS, m);
    if encoding != Encoding::Parquet {
        return Err(err(format!("expected Parquet, got {encoding:?}")));
    }
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let metadata = reader.get_metadata().map_err(|e| err(e.to_string()))?;
    let meta_json = metadata
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == META_KEY)
        .and_then(|kv| kv.value.clone())
        .ok_or_else(|| err(format!("no {META_KEY} metadata")))?;
    let meta: Meta = serde_json::from_str(&meta_json).map_err(|e| err(e.to_string()))?;
    let df = reader.finish().map_err(|e| err(e.to_string()))?;
    let id = match &meta.id_column {
        Some(name) => Some(df.column(name).map_err(|e| err(e.to_string()))?.clone()),
        None => None,
    };
    let actual = if df.column("actual").is_ok() {
        Some(strings(&df, "actual").map_err(err)?)
    } else {
        None
    };
    let predicted = strings(&df, "predicted").map_err(err)?;
    let classes = &meta.classifier.classes;
    let mut scores = Array2::zeros((df.height(), classes.len()));
    for (k, class) in classes.iter().enumerate() {
        let values = columns::f64_values(&df, &score_column(meta.probabilistic, class))
            .map_err(|e| err(e.to_string()))?;
        scores
            .column_mut(k)
            .iter_mut()
            .zip(values)
            .for_each(|(d, v)| *d = v);
    }
    Ok(Arc::new(
        ClassPredictions::new(
            meta.classifier,
            id,
            actual,
            predicted,
            scores,
            meta.probabilistic,
        )
        .map_err(err)?,
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use ndarray::array;

    use super::*;
    use crate::artifacts::classifier::tests::sample as classifier;

    /// Three predictions of the sample classifier (classes a, b); the third row's
    /// actual label `c` is one it never saw.
    pub(crate) fn sample() -> ClassPredictions {
        ClassPredictions::new(
            classifier(),
            None,
            Some(vec!["a".into(), "b".into(), "c".into()]),
            vec!["a".into(), "b".into(), "b".into()],
            array![[0.75, 0.25], [0.5 - 0.125, 0.625], [0.1, 0.9]],
            true,
        )
        .unwrap()
    }

    #[test]
    fn round_trips_with_row_numbers_or_an_id_column() {
        let with_id = ClassPredictions::new(
            classifier(),
            Some(Column::new("sentence_id".into(), ["s1", "s2"])),
            None,
            vec!["b".into(), "a".into()],
            array![[-1.5, 1.5], [2.0, -2.0]],
            false,
        )
        .unwrap();
        for p in [sample(), with_id] {
            let (enc, bytes) = p.encode().unwrap();
            assert_eq!(bytes, p.encode().unwrap().1, "deterministic");
            let back = decode_class_predictions(enc, &bytes).unwrap();
            assert_eq!(
                pipewright_engine::downcast::<ClassPredictions>(back.as_ref()).unwrap(),
                &p
            );
        }
    }

    #[test]
    fn columns_are_named_by_what_the_scores_are() {
        let names: Vec<String> = sample()
            .to_frame()
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, ["row", "actual", "predicted", "p_a", "p_b"]);
        let csv = String::from_utf8(sample().export("csv").unwrap()).unwrap();
        assert_eq!(
            csv.lines().nth(3),
            Some("2,c,b,0.1,0.9"),
            "an unseen label is kept"
        );
    }

    #[test]
    fn class_balance_counts_actual_and_predicted_over_every_label() {
        let views = sample().views(2);
        let ArtifactView::Bars(b) = &views[1] else {
            panic!("{views:?}")
        };
        assert_eq!(b.categories, ["a", "b", "c"]);
        assert_eq!(b.sets[0].values, [1.0, 1.0, 1.0]);
        assert_eq!(b.sets[1].values, [1.0, 2.0, 0.0]);
        let ArtifactView::Table(t) = &views[0] else {
            panic!()
        };
        assert_eq!((t.rows.len(), t.total_rows), (2, 3));
    }

    #[test]
    fn bad_shapes_and_values_are_refused() {
        let err = ClassPredictions::new(
            classifier(),
            None,
            None,
            vec!["a".into()],
            array![[1.0, 0.0, 0.0]],
            true,
        )
        .unwrap_err();
        assert_eq!(err, "1×3 scores for 1 predictions of 2 classes");
        let err = ClassPredictions::new(
            classifier(),
            Some(Column::new("predicted".into(), [1])),
            None,
            vec!["a".into()],
            array![[1.0, 0.0]],
            true,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "the id column \"predicted\" has the name of a predictions column"
        );
        let nan = ClassPredictions::new(
            classifier(),
            None,
            None,
            vec!["a".into()],
            array![[1.0, f64::NAN]],
            true,
        )
        .unwrap();
        assert!(
            nan.encode()
                .unwrap_err()
                .to_string()
                .contains("the score of class \"b\" in row 1 is NaN")
        );
    }
}
