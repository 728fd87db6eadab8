//! The `fitted` artifact: what a transform step learned from the training rows (a
//! scaler's means and scales, an imputer's fill values, an encoder's categories, a
//! vectoriser's vocabulary and idf weights), stored as JSON so new rows — the test
//! table, a batch to score later, a request to a served model — are transformed
//! exactly as the training rows were.
//!
//! Each learning step outputs one [`Fitted`] beside its tables; `transform.apply`
//! applies it to any table. A new kind of fitted state is one [`FittedState`] variant;
//! the state and how it applies live here, below the steps that fit it (they import
//! it, never the reverse), so serving needs no training code.

use std::any::Any;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding, Metric, ScalarsView,
};
use serde::{Deserialize, Serialize};

use super::Table;
use crate::columns::{f64_column, f64_series};
use crate::error::NodeError;
use crate::error::{Result, decode_error, encode_error};
use polars::prelude::DataFrame;

/// The port type (and artifact type name) of [`Fitted`].
pub const FITTED: &str = "fitted";

/// The fitted-state artifact type.
pub const FITTED_TYPE: ArtifactType = ArtifactType::new(FITTED, decode_fitted);

/// A transform's learned state, with the step kind that learned it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    /// The kind id of the step that fitted it, e.g. `"transform.standard_scaler"`.
    pub kind: String,
    /// What it learned.
    pub state: FittedState,
}

/// What a transform learned, one variant per kind of transform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FittedState {
    /// `transform.standard_scaler`: `(x − mean) / scale` per column.
    Scaler {
        /// One per scaled column.
        scalings: Vec<Scaling>,
    },
}

impl FittedState {
    /// Transforms `table` as the training rows were.
    pub fn apply(&self, table: &Table) -> Result<Table> {
        match self {
            FittedState::Scaler { scalings } => {
                Ok(table.derive(apply_scalings(table.df(), scalings)?))
            }
        }
    }

    /// Every stored number is finite; otherwise what is not.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        match self {
            FittedState::Scaler { scalings } => {
                for s in scalings {
                    if !s.mean.is_finite() || !s.scale.is_finite() {
                        return Err(format!(
                            "column {:?} has mean {} and scale {}",
                            s.column, s.mean, s.scale
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// One line: what was learned.
    pub fn summary(&self) -> String {
        match self {
            FittedState::Scaler { scalings } => {
                format!("standard scaling of {} column(s)", scalings.len())
            }
        }
    }

    /// How the state shows itself.
    pub fn views(&self) -> Vec<ArtifactView> {
        match self {
            FittedState::Scaler { scalings } => {
                let mut items = Vec::with_capacity(2 * scalings.len());
                for s in scalings {
                    items.push(Metric::new(
                        format!("{} mean", s.column),
                        s.mean,
                        Default::default(),
                    ));
                    items.push(Metric::new(
                        format!("{} scale", s.column),
                        s.scale,
                        Default::default(),
                    ));
                }
                vec![ArtifactView::Scalars(ScalarsView {
                    title: "Fitted scaling".into(),
                    items,
                })]
            }
        }
    }
}

/// The fitted statistics of one column: `scaled = (x − mean) / scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// The column.
    pub column: String,
    /// Its mean on the training rows.
    pub mean: f64,
    /// Its population standard deviation there (1 for a constant column).
    pub scale: f64,
}

/// Applies fitted statistics; the scaled columns become `f64`, the others stay.
pub fn apply_scalings(df: &DataFrame, scalings: &[Scaling]) -> Result<DataFrame> {
    let mut out = df.clone();
    for s in scalings {
        let values = f64_column(df, &s.column)?;
        let slice = values
            .cont_slice()
            .map_err(NodeError::polars(format!("column {:?}", s.column)))?;
        let scaled: Vec<f64> = slice.iter().map(|x| (x - s.mean) / s.scale).collect();
        out.with_column(f64_series(&s.column, scaled))
            .map_err(NodeError::polars(format!("column {:?}", s.column)))?;
    }
    Ok(out)
}

impl Fitted {
    /// State learned by the step kind `kind`.
    pub fn new(kind: &str, state: FittedState) -> Self {
        Self {
            kind: kind.to_owned(),
            state,
        }
    }

    /// Transforms `table` as the training rows were.
    pub fn apply(&self, table: &Table) -> Result<Table> {
        self.state.apply(table)
    }
}

impl Artifact for Fitted {
    fn type_name(&self) -> &'static str {
        FITTED
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.state
            .check_finite()
            .map_err(|e| encode_error(FITTED, e))?;
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(FITTED, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        format!("{} (fitted by {})", self.state.summary(), self.kind)
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        self.state.views()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes stored fitted state.
pub fn decode_fitted(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            FITTED,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let f: Fitted = serde_json::from_slice(bytes).map_err(|e| decode_error(FITTED, e))?;
    Ok(Arc::new(f))
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    #[test]
    fn a_scaler_round_trips_and_applies_as_fitted() {
        let f = Fitted::new(
            "transform.standard_scaler",
            FittedState::Scaler {
                scalings: vec![Scaling {
                    column: "x".into(),
                    mean: 2.0,
                    scale: 4.0,
                }],
            },
        );
        let (enc, bytes) = f.encode().unwrap();
        let back = decode_fitted(enc, &bytes).unwrap();
        let back = pipewright_engine::downcast::<Fitted>(back.as_ref()).unwrap();
        assert_eq!(back, &f);
        let t = Table::new(df!("x" => [6.0, -2.0], "s" => ["a", "b"]).unwrap());
        let out = back.apply(&t).unwrap();
        assert_eq!(
            crate::columns::f64_values(out.df(), "x").unwrap(),
            vec![1.0, -1.0]
        );
        assert!(f.summary().contains("1 column"), "{}", f.summary());
    }
}
