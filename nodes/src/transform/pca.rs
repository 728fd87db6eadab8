//! `transform.pca`: principal component analysis, as scikit-learn's `PCA`, for a 2-D
//! view of many features (or fewer features for a model).
//!
//! Written here rather than taken from linfa-reduction, whose components follow no
//! sign rule matching scikit-learn's (so scores would flip sign between the two) and
//! which pulls in a sparse-matrix and kernel stack for a p × p eigenproblem. As
//! scikit-learn's `covariance_eigh` solver (what it picks for tables with at least 10
//! rows per feature): the eigenvectors of the covariance matrix of the centred
//! columns (cyclic Jacobi, accurate to rounding for the small matrices PCA sees), in
//! decreasing order of eigenvalue, each signed so its largest entry (in absolute
//! value) is positive (`svd_flip(u_based_decision=False)`, scikit-learn ≥ 1.5).
//! Scores are `(x − mean) · componentsᵀ`, divided by `√explained_variance` when
//! whitening.

use ndarray::Array2;
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
pub use crate::artifacts::projection::PcaState;
use crate::artifacts::{TABLE, Table};
use crate::columns::{self, parse_list};
use crate::error::{NodeError, Result};

/// Eigenvalues and eigenvectors (columns) of the symmetric `a`, by cyclic Jacobi
/// rotations.
fn symmetric_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let p = a.nrows();
    let mut v = Array2::<f64>::eye(p);
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        let scale: f64 = (0..p).map(|i| a[[i, i]] * a[[i, i]]).sum();
        if off <= f64::EPSILON * f64::EPSILON * scale || off == 0.0 {
            break;
        }
        for i in 0..p {
            for j in i + 1..p {
                let aij = a[[i, j]];
                if aij == 0.0 {
                    continue;
                }
                let theta = (a[[j, j]] - a[[i, i]]) / (2.0 * aij);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A ← Jᵀ A J for the rotation J in the (i, j) plane.
                for k in 0..p {
                    let (aki, akj) = (a[[k, i]], a[[k, j]]);
                    a[[k, i]] = c * aki - s * akj;
                    a[[k, j]] = s * aki + c * akj;
                }
                for k in 0..p {
                    let (aik, ajk) = (a[[i, k]], a[[j, k]]);
                    a[[i, k]] = c * aik - s * ajk;
                    a[[j, k]] = s * aik + c * ajk;
                }
                for k in 0..p {
                    let (vki, vkj) = (v[[k, i]], v[[k, j]]);
                    v[[k, i]] = c * vki - s * vkj;
                    v[[k, j]] = s * vki + c * vkj;
                }
            }
        }
    }
    ((0..p).map(|i| a[[i, i]]).collect(), v)
}

/// Fits PCA on `columns` of `df`.
pub fn fit(
    df: &DataFrame,
    columns: &[String],
    n_components: usize,
    whiten: bool,
    keep: bool,
) -> Result<PcaState> {
    let (n, p) = (df.height(), columns.len());
    if n < 2 {
        return Err(NodeError::Fit {
            algorithm: "PCA".into(),
            message: format!("needs at least 2 rows, the table has {n}"),
        });
    }
    let mut x = Array2::zeros((n, p));
    let mut mean = vec![0.0; p];
    for (j, c) in columns.iter().enumerate() {
        let values = columns::f64_values(df, c)?;
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(NodeError::NonFinite {
                column: c.clone(),
                row: i + 1,
                value: *v,
            });
        }
        mean[j] = crate::stats::sum(values.iter().copied()) / n as f64;
        for (i, v) in values.into_iter().enumerate() {
            x[[i, j]] = v - mean[j];
        }
    }
    if n_components == 0 || n_components > p.min(n) {
        return Err(NodeError::Param {
            param: "n_components",
            message: format!(
                "is {n_components}, but there are {p} column(s) and {n} row(s); it must be \
                 between 1 and {}",
                p.min(n)
            ),
        });
    }
    let cov = x.t().dot(&x) / (n as f64 - 1.0);
    let (values, vectors) = symmetric_eigen(cov);
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let values: Vec<f64> = order.iter().map(|&i| values[i].max(0.0)).collect();
    let total: f64 = values.iter().sum();
    let mut components = Vec::with_capacity(n_components);
    for &i in order.iter().take(n_components) {
        let mut w: Vec<f64> = vectors.column(i).to_vec();
        let largest = (0..p)
            .max_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()).then(b.cmp(&a)))
            .unwrap_or(0);
        if w[largest] < 0.0 {
            w.iter_mut().for_each(|v| *v = -*v);
        }
        components.push(w);
    }
    let explained_variance: Vec<f64> = values.iter().take(n_components).copied().collect();
    let explained_variance_ratio = explained_variance
        .iter()
        .map(|v| if total > 0.0 { v / total } else { 0.0 })
        .collect();
    Ok(PcaState {
        columns: columns.to_vec(),
        mean,
        components,
        explained_variance,
        explained_variance_ratio,
        whiten,
        keep,
    })
}

/// `transform.pca`.
pub struct Pca {
    desc: KindDescriptor,
}

impl Pca {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.pca",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "PCA",
                doc: "Projects numeric columns onto their principal components (the \
                      directions of largest variance), as scikit-learn's PCA with its sign \
                      convention, adding pc1 … pcN: a 2-D view of many features, or fewer \
                      features for a model. Outputs the means and components as fitted \
                      state, so transform.apply projects new rows the same way; the \
                      explained variance ratio shows in that state's view.",
                inputs: vec![PortSpec::new("table", TABLE, "the rows to fit and project")],
                outputs: vec![
                    PortSpec::new("table", TABLE, "the rows with their component scores"),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "means and components, to project new rows",
                    ),
                ],
                params: vec![
                    ParamSpec::new(
                        "n_components",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(1_000),
                        },
                        Value::Int(2),
                        "number of components kept (at most the number of columns)",
                    ),
                    ParamSpec::new(
                        "whiten",
                        ParamType::Bool,
                        Value::Bool(false),
                        "divide each score by the component's standard deviation, so \
                         every component has variance 1",
                    ),
                    ParamSpec::new(
                        "columns",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated numeric columns; empty means every numeric column",
                    ),
                    ParamSpec::new(
                        "keep",
                        ParamType::Bool,
                        Value::Bool(true),
                        "keep the input's columns beside pc1 … pcN (otherwise only the \
                         components)",
                    ),
                ],
            },
        }
    }
}

impl NodeKind for Pca {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> std::result::Result<Outputs, StepError> {
        let table = inputs.get::<Table>("table")?;
        let listed = parse_list(params.text("columns")?);
        let columns = if listed.is_empty() {
            // Earlier scores are not inputs of a new fit.
            let numeric: Vec<String> = columns::numeric_names(table.df())
                .into_iter()
                .filter(|c| !(c.starts_with("pc") && c[2..].parse::<usize>().is_ok()))
                .collect();
            if numeric.is_empty() {
                return Err(NodeError::NoFeatures {
                    reason: "the table has no numeric column".into(),
                }
                .into());
            }
            numeric
        } else {
            listed
        };
        let n_components = crate::train::tree::usize_param(params, "n_components")?;
        let state = fit(
            table.df(),
            &columns,
            n_components,
            params.bool("whiten")?,
            params.bool("keep")?,
        )?;
        ctx.log(state.summary());
        let out = state.apply(table)?;
        Ok(Outputs::new()
            .with("table", out)
            .with("fitted", Fitted::new(self.desc.id, FittedState::Pca(state))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn plane() -> DataFrame {
        // Points along y = 2x, and noise on z uncorrelated with them.
        df!(
            "x" => [1.0, 2.0, 3.0, 4.0, 5.0],
            "y" => [2.0, 4.0, 6.0, 8.0, 10.0],
            "z" => [0.1, -0.1, 0.0, -0.1, 0.1],
            "label" => ["a", "b", "c", "d", "e"]
        )
        .unwrap()
    }

    #[test]
    fn the_first_component_follows_the_line_with_a_positive_largest_weight() {
        let s = fit(
            &plane(),
            &["x".into(), "y".into(), "z".into()],
            2,
            false,
            true,
        )
        .unwrap();
        let w = &s.components[0];
        let norm = 5f64.sqrt();
        assert!(
            (w[0] - 1.0 / norm).abs() < 1e-12 && (w[1] - 2.0 / norm).abs() < 1e-12,
            "{w:?}"
        );
        assert!(s.explained_variance_ratio[0] > 0.99);
        // Variance along pc1: var(x)·5 = 2.5·5.
        assert!((s.explained_variance[0] - 12.5).abs() < 1e-12);
        let scores = s.scores(&plane()).unwrap();
        assert!((scores[[0, 0]] + 2.0 * norm).abs() < 1e-12);
        let white = PcaState {
            whiten: true,
            ..s.clone()
        }
        .scores(&plane())
        .unwrap();
        let var: f64 = white.column(0).iter().map(|v| v * v).sum::<f64>() / 4.0;
        assert!((var - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_step_adds_components_and_the_fitted_state_projects_new_rows() {
        let kind = Pca::new();
        let p = params(&kind, &[("keep", Value::Bool(false))]);
        let out = run(&kind, &tables(&[("table", plane())]), &p).unwrap();
        let df = frame(&out, "table");
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["pc1", "pc2"]);
        let fitted = output::<Fitted>(&out, "fitted");
        let again = fitted.apply(&Table::new(plane())).unwrap();
        assert_eq!(again.df(), df);
        let summary = fitted.state.summary();
        assert!(summary.contains("to 2 component(s)"), "{summary}");
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = Pca::new();
        let p = params(&kind, &[("n_components", Value::Int(4))]);
        let err = failure(run(&kind, &tables(&[("table", plane())]), &p));
        assert_eq!(
            err,
            "parameter \"n_components\": is 4, but there are 3 column(s) and 5 row(s); it \
             must be between 1 and 3"
        );
        let p = params(&kind, &[]);
        let nan = df!("a" => [1.0, 2.0, f64::NAN], "b" => [1.0, 2.0, 3.0]).unwrap();
        let err = failure(run(&kind, &tables(&[("table", nan)]), &p));
        assert_eq!(
            err,
            "column \"a\" has a value that is not a finite number: row 3 is NaN"
        );
        let p = params(&kind, &[("columns", Value::Text("label".into()))]);
        let err = failure(run(&kind, &tables(&[("table", plane())]), &p));
        assert!(err.contains("\"label\" is not numeric"), "{err}");
        let p = params(&kind, &[]);
        let one = df!("a" => [1.0], "b" => [2.0]).unwrap();
        let err = failure(run(&kind, &tables(&[("table", one)]), &p));
        assert_eq!(err, "PCA: needs at least 2 rows, the table has 1");
    }
}
