//! The `model` artifact: a fitted linear model, stored as JSON.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, CoefficientsView, Encoding,
    Goal, Metric, ScalarsView,
};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::columns;
use crate::error::{Result, decode_error, encode_error};

/// The port type (and artifact type name) of [`Model`].
pub const MODEL: &str = "model";

/// The model artifact type.
pub const MODEL_TYPE: ArtifactType = ArtifactType::new(MODEL, decode_model);

/// A fitted linear model: `target ≈ intercept + Σ coefficients[i] · features[i]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The algorithm that fitted it, e.g. `"linear_regression"`, `"ridge"`.
    pub algorithm: String,
    /// The feature columns, in coefficient order.
    pub features: Vec<String>,
    /// The target column.
    pub target: String,
    /// One weight per feature.
    pub coefficients: Vec<f64>,
    /// The constant term (0 when fitted without one).
    pub intercept: f64,
    /// The hyper-parameters it was fitted with (`alpha`, `l1_ratio`, …; flags as 0/1).
    pub hyper: BTreeMap<String, f64>,
}

impl Model {
    /// Predicts the target for every row of `df` (a dot product per row). Fails when a
    /// feature column is missing, not numeric or has missing values.
    pub fn predict(&self, df: &DataFrame) -> Result<Vec<f64>> {
        let mut out = vec![self.intercept; df.height()];
        for (name, &w) in self.features.iter().zip(&self.coefficients) {
            let column = columns::f64_column(df, name)?;
            let mut row = 0;
            for chunk in column.downcast_iter() {
                let xs = chunk.values().as_slice();
                for (p, &x) in out[row..row + xs.len()].iter_mut().zip(xs) {
                    *p += w * x;
                }
                row += xs.len();
            }
        }
        Ok(out)
    }

    /// A short label: the algorithm and its hyper-parameters, e.g. `"ridge (alpha=1)"`.
    pub fn describe(&self) -> String {
        let hyper: Vec<String> = self
            .hyper
            .iter()
            .filter(|(k, _)| k.as_str() != "fit_intercept")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if hyper.is_empty() {
            self.algorithm.clone()
        } else {
            format!("{} ({})", self.algorithm, hyper.join(", "))
        }
    }

    /// The fitted equation, e.g. `"y = 1.06 + 2.48·x"`.
    pub fn equation(&self) -> String {
        let mut s = format!("{} = {:.6}", self.target, self.intercept);
        for (name, w) in self.features.iter().zip(&self.coefficients) {
            let sign = if *w < 0.0 { '-' } else { '+' };
            s.push_str(&format!(" {sign} {:.6}·{name}", w.abs()));
        }
        s
    }

    /// The model's coefficient table (its view, and part of the views of the metrics
    /// and predictions that carry it).
    pub fn coefficients_view(&self) -> ArtifactView {
        ArtifactView::Coefficients(CoefficientsView {
            title: format!("Coefficients ({}, target {})", self.describe(), self.target),
            intercept: Some(self.intercept),
            terms: self
                .features
                .iter()
                .cloned()
                .zip(self.coefficients.iter().copied())
                .collect(),
        })
    }

    /// Every number is finite (JSON has no NaN; a fit that produced one failed).
    pub(crate) fn check_finite(&self) -> std::result::Result<(), String> {
        if !self.intercept.is_finite() {
            return Err(format!("the intercept is {}", self.intercept));
        }
        for (name, w) in self.features.iter().zip(&self.coefficients) {
            if !w.is_finite() {
                return Err(format!("the coefficient of {name:?} is {w}"));
            }
        }
        for (k, v) in &self.hyper {
            if !v.is_finite() {
                return Err(format!("hyper-parameter {k:?} is {v}"));
            }
        }
        Ok(())
    }
}

impl Artifact for Model {
    fn type_name(&self) -> &'static str {
        MODEL
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.check_finite().map_err(|e| encode_error(MODEL, e))?;
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(MODEL, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        format!("{}: {}", self.describe(), self.equation())
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        let mut views = vec![self.coefficients_view()];
        // The intercept flag shows as the coefficient table's (intercept) row already.
        let items: Vec<Metric> = self
            .hyper
            .iter()
            .filter(|(k, _)| k.as_str() != "fit_intercept")
            .map(|(k, v)| Metric::new(k.clone(), *v, Goal::Neutral))
            .collect();
        if !items.is_empty() {
            views.push(ArtifactView::Scalars(ScalarsView {
                title: "Hyper-parameters".into(),
                items,
            }));
        }
        views
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored model.
pub fn decode_model(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            MODEL,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let model: Model = serde_json::from_slice(bytes).map_err(|e| decode_error(MODEL, e))?;
    if model.features.len() != model.coefficients.len() {
        return Err(decode_error(
            MODEL,
            format!(
                "{} features but {} coefficients",
                model.features.len(),
                model.coefficients.len()
            ),
        ));
    }
    Ok(Arc::new(model))
}

#[cfg(test)]
pub(crate) mod tests {
    use polars::prelude::*;

    use super::*;

    /// `y = 1 + 2·a − 0.5·b`.
    pub(crate) fn sample() -> Model {
        Model {
            algorithm: "ridge".into(),
            features: vec!["a".into(), "b".into()],
            target: "y".into(),
            coefficients: vec![2.0, -0.5],
            intercept: 1.0,
            hyper: [("alpha".to_owned(), 0.1), ("fit_intercept".to_owned(), 1.0)].into(),
        }
    }

    #[test]
    fn predicts_by_dot_product_and_accepts_integer_columns() {
        let df = df!("b" => [2i64, 4], "a" => [1.0, -1.0]).unwrap();
        assert_eq!(sample().predict(&df).unwrap(), vec![2.0, -3.0]);
    }

    #[test]
    fn a_missing_feature_column_is_named() {
        let df = df!("a" => [1.0], "c" => [1.0]).unwrap();
        let err = sample().predict(&df).unwrap_err().to_string();
        assert_eq!(err, "unknown column \"b\" (the table has: a, c)");
    }

    #[test]
    fn a_text_feature_column_is_named() {
        let df = df!("a" => [1.0, 2.0], "b" => ["1", "x"]).unwrap();
        let err = sample().predict(&df).unwrap_err().to_string();
        assert_eq!(err, "column \"b\" is not numeric: row 2 is \"x\"");
    }

    #[test]
    fn json_round_trip_is_exact_and_deterministic() {
        let mut m = sample();
        m.coefficients[0] = 0.1 + 0.2; // not representable in short decimal
        let (enc, bytes) = m.encode().unwrap();
        assert_eq!(enc, Encoding::Json);
        assert_eq!(bytes, m.encode().unwrap().1);
        let back = decode_model(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Model>(back.as_ref()).unwrap(),
            &m
        );
    }

    #[test]
    fn non_finite_numbers_refuse_to_encode() {
        let mut m = sample();
        m.coefficients[1] = f64::NAN;
        let err = m.encode().unwrap_err().to_string();
        assert!(err.contains("coefficient of \"b\" is NaN"), "{err}");
    }

    #[test]
    fn labels() {
        assert_eq!(sample().describe(), "ridge (alpha=0.1)");
        assert_eq!(
            sample().equation(),
            "y = 1.000000 + 2.000000·a - 0.500000·b"
        );
    }
}
