//! Train steps: linear models fitted on a table's numeric columns.
//!
//! All three share the same inputs and the parameters `target`, `features` and
//! `fit_intercept`, and all follow scikit-learn's definitions, so their numbers can be
//! checked against it (`nodes/tests/reference.rs`):
//! - [`LinearRegression`]: ordinary least squares through linfa-linear.
//! - [`Ridge`]: `‖y − Xw‖² + alpha·‖w‖²`, closed form (see its module for why not
//!   linfa-elasticnet).
//! - [`ElasticNet`]: `1/(2n)·‖y − Xw‖² + alpha·l1_ratio·‖w‖₁ + alpha·(1 − l1_ratio)/2·‖w‖²`
//!   through linfa-elasticnet's coordinate descent.
//!
//! With an intercept, scikit-learn fits the weights on centred data and sets
//! `intercept = mean(y) − mean(X)·w`; the ridge and elastic-net steps do the same
//! centring here (linfa-elasticnet centres only `y`, which changes the penalised
//! solution when the features are not centred).

pub mod classify;
pub mod elastic_net;
pub mod feature_checks;
pub mod forest;
pub mod kmeans;
pub mod knn;
pub mod linear;
pub mod linear_svm;
pub mod logistic;
pub mod naive_bayes;
pub mod optim;
pub mod ridge;
pub mod tree;

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, ShapeBuilder};
use pipewright_engine::{
    KindDescriptor, Outputs, ParamSpec, ParamType, PortSpec, StepContext, Value,
};
use polars::prelude::DataFrame;

pub use elastic_net::ElasticNet;
pub use forest::RandomForest;
pub use kmeans::KMeans;
pub use knn::Knn;
pub use linear::LinearRegression;
pub use linear_svm::LinearSvm;
pub use logistic::LogisticRegression;
pub use naive_bayes::{GaussianNb, MultinomialNb};
pub use ridge::Ridge;
pub use tree::DecisionTree;

use crate::artifacts::{MODEL, Model, TABLE};
use crate::columns::{column, f64_values, numeric_names, parse_list};
use crate::error::{NodeError, Result};

/// The descriptor of a train kind: the shared port and parameters, then `extra`.
fn descriptor(
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
            "the column to predict",
        )
        .required(),
        ParamSpec::new(
            "features",
            ParamType::Text,
            Value::Text(String::new()),
            "comma-separated feature columns; empty means every other numeric column",
        ),
        ParamSpec::new(
            "fit_intercept",
            ParamType::Bool,
            Value::Bool(true),
            "fit a constant term (otherwise the line goes through the origin)",
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
        outputs: vec![PortSpec::new("model", MODEL, "the fitted model")],
        params,
    }
}

/// A design matrix and target taken from a table.
#[derive(Clone, Debug)]
pub struct Design {
    /// The feature columns, in matrix column order.
    pub features: Vec<String>,
    /// The target column.
    pub target: String,
    /// `n × p` features, column-major (each feature contiguous, as coordinate
    /// descent reads them).
    pub x: Array2<f64>,
    /// The `n` targets.
    pub y: Array1<f64>,
}

impl Design {
    /// Takes `target` and the `features` (comma-separated; empty = every other
    /// numeric column) from `df`.
    pub fn from_frame(df: &DataFrame, target: &str, features: &str) -> Result<Self> {
        let target = target.trim();
        column(df, target)?;
        let listed = parse_list(features);
        let features = if listed.is_empty() {
            let others: Vec<String> = numeric_names(df)
                .into_iter()
                .filter(|n| n != target)
                .collect();
            if others.is_empty() {
                return Err(NodeError::NoFeatures {
                    reason: format!(
                        "the table has no numeric column besides the target {target:?}"
                    ),
                });
            }
            others
        } else {
            if listed.iter().any(|f| f == target) {
                return Err(NodeError::Param {
                    param: "features",
                    message: format!("lists the target {target:?} as a feature"),
                });
            }
            listed
        };
        let y = Array1::from(f64_values(df, target)?);
        let n = df.height();
        if n == 0 {
            return Err(NodeError::NoFeatures {
                reason: "the table has no rows".into(),
            });
        }
        let mut data = Vec::with_capacity(n * features.len());
        for f in &features {
            data.extend(f64_values(df, f)?);
        }
        let x =
            Array2::from_shape_vec((n, features.len()).f(), data).map_err(|e| NodeError::Fit {
                algorithm: "design matrix".into(),
                message: e.to_string(),
            })?;
        Ok(Self {
            features,
            target: target.to_owned(),
            x,
            y,
        })
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// The centred problem scikit-learn solves when fitting an intercept:
    /// `(X − mean(X), y − mean(y), mean(X), mean(y))`.
    pub fn centred(&self) -> (Array2<f64>, Array1<f64>, Array1<f64>, f64) {
        let mut copy = self.clone();
        let (x_mean, y_mean) = copy.centre();
        (copy.x, copy.y, x_mean, y_mean)
    }

    /// Centres every feature and the target in place and returns their means: what
    /// [`Design::centred`] does without a second copy of the matrix, for a fit that
    /// owns its design (on 1,000,000 rows two tasks of a foreach fitting at once hold
    /// 25 MB less).
    pub fn centre(&mut self) -> (Array1<f64>, f64) {
        let n = self.rows() as f64;
        let x_mean: Array1<f64> = self.x.columns().into_iter().map(|c| c.sum() / n).collect();
        let y_mean = self.y.sum() / n;
        for (mut col, m) in self.x.columns_mut().into_iter().zip(&x_mean) {
            col -= *m;
        }
        self.y -= y_mean;
        (x_mean, y_mean)
    }

    /// The model with weights `w` and intercept `b`.
    fn model(
        &self,
        algorithm: &str,
        w: &Array1<f64>,
        b: f64,
        hyper: BTreeMap<String, f64>,
    ) -> Model {
        Model {
            algorithm: algorithm.to_owned(),
            features: self.features.clone(),
            target: self.target.clone(),
            coefficients: w.to_vec(),
            intercept: b,
            hyper,
        }
    }
}

/// The design matrix of a train step: its `train` table with the `target` and
/// `features` parameters.
fn design_of(
    inputs: &pipewright_engine::Inputs,
    params: &pipewright_engine::Params,
) -> std::result::Result<Design, pipewright_engine::StepError> {
    let table = inputs.get::<crate::artifacts::Table>("train")?;
    Ok(Design::from_frame(
        table.df(),
        params.text("target")?,
        params.text("features")?,
    )?)
}

/// Checks a fitted model, logs it and wraps it as the step's output.
fn finish(ctx: &mut StepContext<'_>, model: Model, rows: usize) -> Result<Outputs> {
    model.check_finite().map_err(|message| NodeError::Fit {
        algorithm: model.algorithm.clone(),
        message: format!("the fit did not converge to finite numbers: {message}"),
    })?;
    ctx.log(format!("{} fitted on {rows} rows", model.describe()));
    ctx.log(format!("intercept: {}", model.intercept));
    for (name, w) in model.features.iter().zip(&model.coefficients) {
        ctx.log(format!("coefficient of {name}: {w}"));
    }
    Ok(Outputs::new().with("model", model))
}

#[cfg(test)]
pub(crate) mod tests {
    use polars::prelude::*;

    use super::*;

    /// `y = 3 + 2·a − b` exactly, with a text column to be ignored.
    pub(crate) fn exact() -> DataFrame {
        let a = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.5, 2.5];
        let b = [1.0, 0.0, 4.0, 2.0, 7.0, 3.0, 5.0, 0.5];
        let y: Vec<f64> = a.iter().zip(&b).map(|(a, b)| 3.0 + 2.0 * a - b).collect();
        df!("a" => a, "b" => b, "note" => ["n"; 8], "y" => y).unwrap()
    }

    #[test]
    fn features_default_to_every_other_numeric_column() {
        let d = Design::from_frame(&exact(), "y", "").unwrap();
        assert_eq!(d.features, vec!["a", "b"]);
        assert_eq!(d.x.dim(), (8, 2));
        assert_eq!(d.x[[2, 1]], 4.0);
        assert_eq!(d.y[0], 2.0);
    }

    #[test]
    fn bad_feature_lists_are_named() {
        let err = |t: &str, f: &str| Design::from_frame(&exact(), t, f).unwrap_err().to_string();
        assert_eq!(
            err("z", ""),
            "unknown column \"z\" (the table has: a, b, note, y)"
        );
        assert_eq!(
            err("y", "a, q"),
            "unknown column \"q\" (the table has: a, b, note, y)"
        );
        assert_eq!(
            err("y", "a,y"),
            "parameter \"features\": lists the target \"y\" as a feature"
        );
        assert_eq!(
            err("y", "note"),
            "column \"note\" is not numeric: row 1 is \"n\""
        );
        let only_y = df!("y" => [1.0, 2.0]).unwrap();
        assert_eq!(
            Design::from_frame(&only_y, "y", "")
                .unwrap_err()
                .to_string(),
            "no feature columns: the table has no numeric column besides the target \"y\""
        );
    }

    /// Every trainer's log prints each weight exactly as the stored model reads back.
    #[test]
    fn logs_and_the_stored_model_hold_the_same_numbers() {
        use pipewright_engine::{Artifact, Value};

        use crate::artifacts::{Model, model::decode_model};
        use crate::testutil::{output, params, run_in, tables};
        // Noisy data, so the weights have all their digits.
        let n = 200;
        let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 3.1).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 1.91).cos() + 0.013 * i as f64)
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| 1.3 + 11.98 * a[i] - 0.71 * b[i] + ((i * 7919) % 101) as f64 / 97.0)
            .collect();
        let data = df!("a" => a, "b" => b, "y" => y).unwrap();
        let kinds: Vec<Box<dyn pipewright_engine::NodeKind>> = vec![
            Box::new(crate::train::LinearRegression::new()),
            Box::new(crate::train::Ridge::new()),
            Box::new(crate::train::ElasticNet::new()),
        ];
        for kind in &kinds {
            let p = params(kind.as_ref(), &[("target", Value::Text("y".into()))]);
            let (out, log) = run_in(
                std::path::Path::new("."),
                kind.as_ref(),
                &tables(&[("train", data.clone())]),
                &p,
            );
            let fitted = output::<Model>(&out.unwrap(), "model").clone();
            let (encoding, bytes) = fitted.encode().unwrap();
            let stored = decode_model(encoding, &bytes).unwrap();
            let stored = stored.as_any().downcast_ref::<Model>().unwrap();
            assert_eq!(
                stored, &fitted,
                "{}: the store keeps every bit",
                fitted.algorithm
            );
            let logged = |prefix: &str| -> f64 {
                let line = log.iter().find(|l| l.starts_with(prefix)).unwrap();
                line[prefix.len()..].parse().unwrap()
            };
            assert_eq!(logged("intercept: ").to_bits(), stored.intercept.to_bits());
            for (name, w) in stored.features.iter().zip(&stored.coefficients) {
                let text = format!("coefficient of {name}: ");
                assert_eq!(logged(&text).to_bits(), w.to_bits(), "{}", fitted.algorithm);
            }
        }
    }

    #[test]
    fn centring_subtracts_the_means() {
        let d = Design::from_frame(&exact(), "y", "a").unwrap();
        let (xc, yc, xm, ym) = d.centred();
        assert!((xc.sum()).abs() < 1e-12 && yc.sum().abs() < 1e-12);
        assert_eq!(xm[0], 19.0 / 8.0);
        assert!((ym - d.y.mean().unwrap()).abs() < 1e-15);
    }
}
