//! What every classifier's train step shares: its port and common parameters, the
//! class labels read from the target column, class weights, and the checks and log
//! lines around a fit.
//!
//! A target column may hold text, booleans, integers or a label-encoded `Enum`; the
//! classes are its distinct values as text, sorted as scikit-learn's `classes_` (text
//! order for text; numeric order for integers), so every output names classes by label.

use std::collections::{BTreeMap, BTreeSet};

use pipewright_engine::{
    Inputs, KindDescriptor, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::{CLASSIFIER, Classifier, TABLE, Table};
use crate::columns::{self, first_null_row};
use crate::error::{NodeError, Result};
use crate::features::{FeatureMatrix, FeatureSpec};

/// The descriptor of a classifier's train kind: input `train`, output `classifier`,
/// parameters `target` and `features`, then `extra`.
pub fn descriptor(
    id: &'static str,
    title: &'static str,
    doc: &'static str,
    extra: Vec<ParamSpec>,
) -> KindDescriptor {
    let mut params = vec![
        ParamSpec::new(
            "target",
            ParamType::Text,
            Value::Text(String::new()),
            "the column of class labels to predict (text, bool, integer or label-encoded)",
        )
        .required(),
        ParamSpec::new(
            "features",
            ParamType::Text,
            Value::Text(String::new()),
            "comma-separated feature columns (numeric, or vectors from TF-IDF / bag of words); \
             empty means every other numeric and vector column",
        ),
    ];
    params.extend(extra);
    KindDescriptor {
        id,
        version: 1,
        category: crate::category::TRAIN,
        title,
        doc,
        inputs: vec![PortSpec::new("train", TABLE, "the rows to fit on")],
        outputs: vec![PortSpec::new(
            "classifier",
            CLASSIFIER,
            "the fitted classifier",
        )],
        params,
    }
}

/// The class of each row of a target column.
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    /// The distinct labels, sorted as scikit-learn sorts `classes_`.
    pub classes: Vec<String>,
    /// Each row's class: an index into `classes`.
    pub y: Vec<usize>,
}

impl Labels {
    /// Number of rows of each class.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &c in &self.y {
            counts[c] += 1;
        }
        counts
    }
}

/// Reads the target column `target` of `df` as class labels. Fails when the column
/// is missing, has a missing value (naming the row), is a float column (a regression
/// target: use a regression step, or cast it), or holds fewer than two classes.
pub fn labels(df: &DataFrame, target: &str) -> Result<Labels> {
    let target = target.trim();
    let col = columns::column(df, target)?;
    let bad = |reason: String| NodeError::Column {
        column: target.to_owned(),
        reason,
    };
    if let Some(row) = first_null_row(col) {
        return Err(bad(format!(
            "has a missing label in row {row}; drop or impute those rows first"
        )));
    }
    let dtype = col.dtype();
    let (classes, y) = if dtype.is_float() {
        return Err(bad(format!(
            "holds {dtype} numbers, not class labels; a classifier needs text, bool or integer \
             labels (cast the column, or use a regression step)"
        )));
    } else if dtype.is_integer() {
        let values = col
            .cast(&DataType::Int64)
            .map_err(NodeError::polars(format!("column {target:?}")))?;
        let values: Vec<i64> = values
            .i64()
            .map_err(NodeError::polars(format!("column {target:?}")))?
            .into_no_null_iter()
            .collect();
        let distinct: BTreeSet<i64> = values.iter().copied().collect();
        let index: BTreeMap<i64, usize> =
            distinct.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        (
            distinct.iter().map(i64::to_string).collect::<Vec<_>>(),
            values.iter().map(|v| index[v]).collect::<Vec<_>>(),
        )
    } else {
        let text = col
            .cast(&DataType::String)
            .map_err(NodeError::polars(format!("column {target:?}")))?;
        let text = text
            .str()
            .map_err(NodeError::polars(format!("column {target:?}")))?;
        // No nulls (checked above), so every value is there.
        let values: Vec<&str> = text.iter().map(|v| v.unwrap_or_default()).collect();
        let distinct: BTreeSet<&str> = values.iter().copied().collect();
        let index: BTreeMap<&str, usize> =
            distinct.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        let y = values.iter().map(|v| index[v]).collect::<Vec<_>>();
        (
            distinct.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            y,
        )
    };
    match classes.len() {
        0 => Err(bad("has no rows".into())),
        1 => Err(bad(format!(
            "has one class only ({:?}); a classifier needs at least two",
            classes[0]
        ))),
        _ => Ok(Labels { classes, y }),
    }
}

/// What a classifier's fit starts from: the feature spec and matrix of the `train`
/// table, and its labels.
pub struct FitData {
    /// The chosen features.
    pub spec: FeatureSpec,
    /// The training matrix.
    pub x: FeatureMatrix,
    /// The training labels.
    pub labels: Labels,
    /// The target column's name.
    pub target: String,
}

impl FitData {
    /// Reads the `train` input with the `target` and `features` parameters.
    pub fn read(inputs: &Inputs, params: &Params) -> std::result::Result<Self, StepError> {
        let table = inputs.get::<Table>("train")?;
        let target = params.text("target")?.trim().to_owned();
        Ok(Self::from_table(table, &target, params.text("features")?)?)
    }

    /// The same from a table.
    pub fn from_table(table: &Table, target: &str, features: &str) -> Result<Self> {
        let labels = labels(table.df(), target)?;
        let spec = FeatureSpec::choose(table, features, &[target])?;
        let x = spec.matrix(table)?;
        Ok(Self {
            spec,
            x,
            labels,
            target: target.to_owned(),
        })
    }

    /// Number of training rows.
    pub fn rows(&self) -> usize {
        self.labels.y.len()
    }
}

/// The `class_weight` parameter: none, or balanced (scikit-learn's `n / (k · count)`).
pub fn class_weight_param() -> ParamSpec {
    ParamSpec::new(
        "class_weight",
        ParamType::Choice(vec!["none".into(), "balanced".into()]),
        Value::Text("none".into()),
        "balanced weighs each class by n / (classes × its count), so rare classes count as \
         much as common ones (scikit-learn's class_weight=\"balanced\")",
    )
}

/// The weight of each class under `class_weight` (`none` → all 1).
pub fn class_weights(class_weight: &str, labels: &Labels) -> Vec<f64> {
    let k = labels.classes.len();
    if class_weight != "balanced" {
        return vec![1.0; k];
    }
    let n = labels.y.len() as f64;
    labels
        .counts()
        .into_iter()
        .map(|c| {
            if c == 0 {
                0.0
            } else {
                n / (k as f64 * c as f64)
            }
        })
        .collect()
}

/// Checks a fitted classifier, logs it and wraps it as the step's output.
pub fn finish(ctx: &mut StepContext<'_>, classifier: Classifier, rows: usize) -> Result<Outputs> {
    classifier
        .state
        .check_finite()
        .map_err(|message| NodeError::Fit {
            algorithm: classifier.algorithm.clone(),
            message: format!("the fit did not give finite numbers: {message}"),
        })?;
    ctx.log(format!(
        "{} fitted on {rows} rows, {} features{}, classes {}",
        classifier.describe(),
        classifier.features.width(),
        if classifier.features.is_sparse() {
            " (sparse)"
        } else {
            ""
        },
        classifier.classes.join(", ")
    ));
    Ok(Outputs::new().with("classifier", classifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_sorted_like_scikit_learns_classes() {
        let df = df!("t" => ["neutral", "negative", "positive", "neutral"]).unwrap();
        let l = labels(&df, "t").unwrap();
        assert_eq!(l.classes, ["negative", "neutral", "positive"]);
        assert_eq!(l.y, [1, 0, 2, 1]);
        assert_eq!(l.counts(), [1, 2, 1]);
        // Integers sort as numbers, not as text.
        let df = df!("t" => [10i64, 2, 10]).unwrap();
        assert_eq!(labels(&df, "t").unwrap().classes, ["2", "10"]);
        let df = df!("t" => [true, false]).unwrap();
        assert_eq!(labels(&df, "t").unwrap().classes, ["false", "true"]);
    }

    #[test]
    fn unusable_targets_are_named() {
        let df = df!("t" => [Some("a"), None, Some("b")], "f" => [1.0, 2.0, 3.0]).unwrap();
        let err = labels(&df, "t").unwrap_err().to_string();
        assert_eq!(
            err,
            "column \"t\" has a missing label in row 2; drop or impute those rows first"
        );
        let err = labels(&df, "f").unwrap_err().to_string();
        assert!(err.contains("f64 numbers, not class labels"), "{err}");
        let df = df!("t" => ["a", "a"]).unwrap();
        let err = labels(&df, "t").unwrap_err().to_string();
        assert!(err.contains("one class only (\"a\")"), "{err}");
        let err = labels(&df, "nope").unwrap_err().to_string();
        assert!(err.starts_with("unknown column \"nope\""), "{err}");
    }

    #[test]
    fn balanced_weights_are_scikit_learns() {
        let l = Labels {
            classes: vec!["a".into(), "b".into()],
            y: vec![0, 0, 0, 1],
        };
        assert_eq!(class_weights("balanced", &l), [4.0 / 6.0, 2.0]);
        assert_eq!(class_weights("none", &l), [1.0, 1.0]);
    }
}
