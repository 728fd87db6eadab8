//! The `predictions` artifact: a model's predictions for a table, with the actual
//! values when the table had the target column.

use std::any::Any;
use std::io::Cursor;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding,
};
use polars::prelude::*;

use super::model::Model;
use super::table::store_writer;
use crate::columns;
use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`Predictions`].
pub const PREDICTIONS: &str = "predictions";

/// The predictions artifact type.
pub const PREDICTIONS_TYPE: ArtifactType = ArtifactType::new(PREDICTIONS, decode_predictions);

/// Parquet key-value metadata key holding the model as JSON.
const MODEL_KEY: &str = "pipewright.model";

/// A model's predictions (and the actual values, when known).
///
/// Stored as Parquet — columns `actual` (when known) and `predicted`, the model as
/// JSON in the file's key-value metadata — so a million rows take 8 MB per column and
/// pandas or DuckDB open them as they are.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    model: Model,
    predicted: Vec<f64>,
    actual: Option<Vec<f64>>,
}

impl Predictions {
    /// Predictions of `model`; `actual`, when given, must have the same length.
    pub fn new(
        model: Model,
        predicted: Vec<f64>,
        actual: Option<Vec<f64>>,
    ) -> Result<Self, String> {
        if let Some(a) = &actual
            && a.len() != predicted.len()
        {
            return Err(format!(
                "{} actual values for {} predictions",
                a.len(),
                predicted.len()
            ));
        }
        Ok(Self {
            model,
            predicted,
            actual,
        })
    }

    /// The model that predicted.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The predicted values.
    pub fn predicted(&self) -> &[f64] {
        &self.predicted
    }

    /// The actual values, when the table had the target column.
    pub fn actual(&self) -> Option<&[f64]> {
        self.actual.as_deref()
    }

    /// Number of predictions.
    pub fn len(&self) -> usize {
        self.predicted.len()
    }

    /// Whether there are no predictions.
    pub fn is_empty(&self) -> bool {
        self.predicted.is_empty()
    }

    /// The values as a frame: `actual` (when known) and `predicted`.
    pub fn to_frame(&self) -> DataFrame {
        let mut cols = Vec::with_capacity(2);
        if let Some(a) = &self.actual {
            cols.push(columns::f64_series("actual", a.clone()));
        }
        cols.push(columns::f64_series("predicted", self.predicted.clone()));
        // Both columns have `predicted.len()` rows (checked in `new`).
        DataFrame::new(self.predicted.len(), cols).unwrap_or_default()
    }
}

impl Artifact for Predictions {
    fn type_name(&self) -> &'static str {
        PREDICTIONS
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.model
            .check_finite()
            .map_err(|e| encode_error(PREDICTIONS, e))?;
        let model = serde_json::to_string(&self.model).map_err(|e| encode_error(PREDICTIONS, e))?;
        let mut df = self.to_frame();
        let mut buf = Vec::with_capacity(df.estimated_size() + 4096);
        store_writer(&mut buf)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
                MODEL_KEY.to_owned(),
                model,
            )])))
            .finish(&mut df)
            .map_err(|e| encode_error(PREDICTIONS, e))?;
        Ok((Encoding::Parquet, buf))
    }

    fn summary(&self) -> String {
        format!(
            "{} predictions of {}{}",
            self.len(),
            self.model.target,
            if self.actual.is_some() {
                " with actual values"
            } else {
                ""
            }
        )
    }

    fn views(&self, max_rows: usize) -> Vec<ArtifactView> {
        let head = self.to_frame().head(Some(max_rows));
        let mut views = vec![
            ArtifactView::Table(super::views::frame_view(
                "Predictions",
                &head,
                self.len(),
                max_rows,
            )),
            self.model.coefficients_view(),
        ];
        if let Some(actual) = &self.actual {
            let plot = super::Plot::subsample(actual, &self.predicted, super::MAX_PLOT_POINTS);
            views.extend(super::views::fit_plots(
                plot.pairs,
                &plot.residuals,
                plot.total,
            ));
        }
        views
    }

    fn export_formats(&self) -> Vec<&'static str> {
        vec!["csv"]
    }

    fn export(&self, format: &str) -> Result<Vec<u8>, ArtifactError> {
        super::table::export_frame(PREDICTIONS, &self.to_frame(), format, || {
            Ok(self.encode()?.1)
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes stored predictions.
pub fn decode_predictions(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    let err = |m: String| decode_error(PREDICTIONS, m);
    if encoding != Encoding::Parquet {
        return Err(err(format!("expected Parquet, got {encoding:?}")));
    }
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let metadata = reader.get_metadata().map_err(|e| err(e.to_string()))?;
    let model_json = metadata
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == MODEL_KEY)
        .and_then(|kv| kv.value.clone())
        .ok_or_else(|| err(format!("no {MODEL_KEY} metadata")))?;
    let model: Model = serde_json::from_str(&model_json).map_err(|e| err(e.to_string()))?;
    let df = reader.finish().map_err(|e| err(e.to_string()))?;
    let predicted = columns::f64_values(&df, "predicted").map_err(|e| err(e.to_string()))?;
    let actual = if df.column("actual").is_ok() {
        Some(columns::f64_values(&df, "actual").map_err(|e| err(e.to_string()))?)
    } else {
        None
    };
    Ok(Arc::new(
        Predictions::new(model, predicted, actual).map_err(err)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::model::tests::sample as model;

    #[test]
    fn round_trip_with_and_without_actual_values() {
        for actual in [Some(vec![1.0, 2.5, -3.0]), None] {
            let p = Predictions::new(model(), vec![1.25, 2.0, 0.1 + 0.2], actual).unwrap();
            let (enc, bytes) = p.encode().unwrap();
            assert_eq!(bytes, p.encode().unwrap().1, "deterministic");
            let back = decode_predictions(enc, &bytes).unwrap();
            assert_eq!(
                pipewright_engine::downcast::<Predictions>(back.as_ref()).unwrap(),
                &p
            );
        }
    }

    #[test]
    fn a_million_rows_are_stored_compactly() {
        let n = 1_000_000;
        let predicted: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let actual: Vec<f64> = (0..n).map(|i| (i as f64).cos()).collect();
        let p = Predictions::new(model(), predicted, Some(actual)).unwrap();
        let bytes = p.encode().unwrap().1;
        // Two f64 columns: 16 MB of numbers; JSON text would be ~40 MB.
        assert!(bytes.len() < 17_000_000, "{} bytes", bytes.len());
    }

    #[test]
    fn exports_csv_columns() {
        let p = Predictions::new(model(), vec![1.25, 2.0], Some(vec![1.0, 2.5])).unwrap();
        let csv = String::from_utf8(p.export("csv").unwrap()).unwrap();
        assert_eq!(csv, "actual,predicted\n1.0,1.25\n2.5,2.0\n");
    }

    #[test]
    fn lengths_must_agree() {
        let err = Predictions::new(model(), vec![1.0], Some(vec![])).unwrap_err();
        assert_eq!(err, "0 actual values for 1 predictions");
    }
}
