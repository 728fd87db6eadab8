//! `train.linear_regression`: ordinary least squares (linfa-linear).

use std::collections::BTreeMap;

use linfa::DatasetBase;
use linfa::traits::Fit;
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, Params, StepContext, StepError,
};

use super::{Design, descriptor, design_of, finish};
use crate::artifacts::Model;
use crate::error::{NodeError, Result};

/// `train.linear_regression`.
pub struct LinearRegression {
    desc: KindDescriptor,
}

impl LinearRegression {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: descriptor(
                "train.linear_regression",
                "Linear regression",
                "Fits ordinary least squares: the weights and intercept that minimise the \
                 sum of squared errors on the training rows (scikit-learn's \
                 LinearRegression), solved by a QR decomposition in linfa-linear.",
                vec![],
            ),
        }
    }
}

/// A fitted least-squares model, and what the fit had to say about its design.
#[derive(Debug)]
pub struct Fitted {
    /// The model.
    pub model: Model,
    /// Set when the features do not determine the fit (a constant column, or one that
    /// is a combination of others): the warning to log.
    pub rank_warning: Option<String>,
}

fn fit_error(e: impl std::fmt::Display) -> NodeError {
    NodeError::Fit {
        algorithm: "linear_regression".into(),
        message: e.to_string(),
    }
}

/// Fits ordinary least squares as scikit-learn's `LinearRegression` does: on centred
/// data when fitting an intercept, and when the features are rank-deficient (a
/// constant column, `x2 = 2·x1`) the minimum-norm solution `lstsq` returns — a
/// constant feature gets weight 0 and the intercept is `mean(y)` — instead of the
/// huge, meaningless weights a plain QR solve produces.
///
/// The rank is read off the singular values of the (centred) design: those at or
/// below `s_max · ε · max(rows, features)` (numpy's `lstsq` cutoff) count as zero.
/// A full-rank design is solved by linfa-linear's QR (checked against scikit-learn to
/// 1e-12); a deficient one by the pseudo-inverse over the kept singular directions.
pub fn fit(design: &Design, fit_intercept: bool) -> Result<Fitted> {
    let hyper = BTreeMap::from([(
        "fit_intercept".to_owned(),
        f64::from(u8::from(fit_intercept)),
    )]);
    let (xc, yc, x_mean, y_mean) = if fit_intercept {
        design.centred()
    } else {
        let p = design.features.len();
        (
            design.x.clone(),
            design.y.clone(),
            ndarray::Array1::zeros(p),
            0.0,
        )
    };
    let (n, p) = xc.dim();
    let (r, qty) = householder_qr(xc.clone(), yc);
    let (a, v) = jacobi_svd(r);
    let s: Vec<f64> = a.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect();
    let s_max = s.iter().copied().fold(0.0, f64::max);
    let cutoff = s_max * f64::EPSILON * n.max(p) as f64;
    let rank = s.iter().filter(|v| **v > cutoff).count();
    if rank == p {
        let dataset = DatasetBase::new(design.x.view(), design.y.view());
        let fitted = linfa_linear::LinearRegression::new()
            .with_intercept(fit_intercept)
            .fit(&dataset)
            .map_err(fit_error)?;
        let model = design.model(
            "linear_regression",
            fitted.params(),
            fitted.intercept(),
            hyper,
        );
        return Ok(Fitted {
            model,
            rank_warning: None,
        });
    }
    // X = Q·R and R·V = A = U·S, so w = V·S⁺·Uᵀ·Qᵀy = Σ v_k (a_k·Qᵀy) / s_k² over the
    // kept directions.
    let mut w = ndarray::Array1::<f64>::zeros(p);
    for (k, sk) in s.iter().enumerate().filter(|(_, sk)| **sk > cutoff) {
        w.scaled_add(a.column(k).dot(&qty) / (sk * sk), &v.column(k));
    }
    let intercept = if fit_intercept {
        y_mean - x_mean.dot(&w)
    } else {
        0.0
    };
    let constant: Vec<&str> = design
        .features
        .iter()
        .zip(xc.columns())
        .filter(|(_, c)| c.iter().all(|v| v.abs() <= f64::EPSILON * s_max.max(1.0)))
        .map(|(f, _)| f.as_str())
        .collect();
    let why = if constant.is_empty() {
        "some features are linear combinations of others".to_owned()
    } else {
        format!(
            "{} {} constant",
            constant
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            if constant.len() == 1 { "is" } else { "are" }
        )
    };
    let warning = format!(
        "warning: the features have rank {rank} of {p} ({why}); the weights are the \
         minimum-norm least-squares solution, as scikit-learn's LinearRegression gives"
    );
    Ok(Fitted {
        model: design.model("linear_regression", &w, intercept, hyper),
        rank_warning: Some(warning),
    })
}

/// Householder QR of the `n × p` matrix `x`, applied to `y` as it goes: the `p × p`
/// triangle `R` and the first `p` entries of `Qᵀy` (backward stable, so `R`'s singular
/// values are `x`'s to rounding).
fn householder_qr(
    mut x: ndarray::Array2<f64>,
    mut y: ndarray::Array1<f64>,
) -> (ndarray::Array2<f64>, ndarray::Array1<f64>) {
    use ndarray::s;
    let (n, p) = x.dim();
    for k in 0..p.min(n) {
        let mut v = x.slice(s![k.., k]).to_owned();
        let norm = v.dot(&v).sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if v[0] > 0.0 { -norm } else { norm };
        v[0] -= alpha;
        let vv = v.dot(&v);
        if vv == 0.0 {
            continue;
        }
        for j in k..p {
            let mut col = x.slice_mut(s![k.., j]);
            let f = 2.0 * v.dot(&col) / vv;
            col.scaled_add(-f, &v);
        }
        let mut tail = y.slice_mut(s![k..]);
        let f = 2.0 * v.dot(&tail) / vv;
        tail.scaled_add(-f, &v);
    }
    let m = p.min(n);
    let mut r = ndarray::Array2::<f64>::zeros((p, p));
    for i in 0..m {
        for j in i..p {
            r[[i, j]] = x[[i, j]];
        }
    }
    let mut qty = ndarray::Array1::<f64>::zeros(p);
    qty.slice_mut(s![..m]).assign(&y.slice(s![..m]));
    (r, qty)
}

/// One-sided Jacobi SVD of a small square matrix `r`: rotates its columns until they
/// are orthogonal, giving `A = R·V` whose column norms are the singular values
/// (`A = U·S`) and the orthogonal `V`. Accurate for tiny singular values too, which is
/// what deciding the rank needs.
fn jacobi_svd(mut a: ndarray::Array2<f64>) -> (ndarray::Array2<f64>, ndarray::Array2<f64>) {
    let p = a.ncols();
    let mut v = ndarray::Array2::<f64>::eye(p);
    for _sweep in 0..60 {
        let mut rotated = false;
        for i in 0..p {
            for j in i + 1..p {
                let (ai, aj) = (a.column(i), a.column(j));
                let (alpha, beta, gamma) = (ai.dot(&ai), aj.dot(&aj), ai.dot(&aj));
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for m in [&mut a, &mut v] {
                    for row in 0..m.nrows() {
                        let (x, y) = (m[[row, i]], m[[row, j]]);
                        m[[row, i]] = c * x - s * y;
                        m[[row, j]] = s * x + c * y;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    (a, v)
}

impl NodeKind for LinearRegression {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let design = design_of(inputs, params)?;
        ctx.check_cancelled()?;
        let fitted = fit(&design, params.bool("fit_intercept")?)?;
        if let Some(w) = fitted.rank_warning {
            ctx.log(w);
        }
        Ok(finish(ctx, fitted.model, design.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use pipewright_engine::Value;

    use super::*;
    use crate::testutil::*;
    use crate::train::tests::exact;

    #[test]
    fn recovers_an_exact_plane_and_logs_it() {
        let kind = LinearRegression::new();
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let (out, log) = run_in(
            std::path::Path::new("."),
            &kind,
            &tables(&[("train", exact())]),
            &p,
        );
        let m = output::<Model>(&out.unwrap(), "model").clone();
        assert_eq!(m.features, vec!["a", "b"]);
        assert!((m.intercept - 3.0).abs() < 1e-12, "{m:?}");
        assert!((m.coefficients[0] - 2.0).abs() < 1e-12, "{m:?}");
        assert!((m.coefficients[1] + 1.0).abs() < 1e-12, "{m:?}");
        assert_eq!(log[0], "linear_regression fitted on 8 rows");
        assert!(log[2].starts_with("coefficient of a: "), "{log:?}");
    }

    #[test]
    fn without_intercept_the_fit_goes_through_the_origin() {
        let d = Design::from_frame(&exact(), "y", "a").unwrap();
        let m = fit(&d, false).unwrap().model;
        assert_eq!(m.intercept, 0.0);
        // Least squares through the origin: w = Σxy / Σx².
        let w = d.x.column(0).dot(&d.y) / d.x.column(0).dot(&d.x.column(0));
        assert!((m.coefficients[0] - w).abs() < 1e-12);
    }

    /// A column made from `x`.
    type Derived<'a> = (&'a str, fn(f64) -> f64);

    /// `x` and `y = 1 + 2x + noise`, with `extra` columns derived from `x`.
    fn with(extra: &[Derived<'_>]) -> polars::prelude::DataFrame {
        use polars::prelude::*;
        let x: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.5).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, x)| 1.0 + 2.0 * x + if i % 2 == 0 { 0.3 } else { -0.3 })
            .collect();
        let mut cols = vec![
            Column::new("x".into(), x.clone()),
            Column::new("y".into(), y),
        ];
        for (name, f) in extra {
            cols.push(Column::new(
                (*name).into(),
                x.iter().map(|v| f(*v)).collect::<Vec<f64>>(),
            ));
        }
        DataFrame::new_infer_height(cols).unwrap()
    }

    #[test]
    fn a_constant_feature_gets_weight_zero_as_in_scikit_learn() {
        // scikit-learn: LinearRegression().fit(X, y) on columns (x, 3) gives coef [b, 0]
        // with b the one-feature slope, and on a lone constant column coef 0, intercept
        // mean(y).
        let df = with(&[("c", |_| 3.0)]);
        let alone = fit(&Design::from_frame(&df, "y", "x").unwrap(), true).unwrap();
        assert!(alone.rank_warning.is_none());
        let both = fit(&Design::from_frame(&df, "y", "x,c").unwrap(), true).unwrap();
        let w = &both.model.coefficients;
        assert!((w[0] - alone.model.coefficients[0]).abs() < 1e-12, "{w:?}");
        assert_eq!(w[1], 0.0);
        assert!((both.model.intercept - alone.model.intercept).abs() < 1e-12);
        assert_eq!(
            both.rank_warning.as_deref(),
            Some(
                "warning: the features have rank 1 of 2 (\"c\" is constant); the weights are \
                 the minimum-norm least-squares solution, as scikit-learn's LinearRegression gives"
            )
        );
        let only = fit(&Design::from_frame(&df, "y", "c").unwrap(), true).unwrap();
        let y = mean_y(&df);
        assert_eq!(only.model.coefficients, [0.0]);
        assert!((only.model.intercept - y).abs() < 1e-12);
    }

    #[test]
    fn a_doubled_feature_shares_the_weight_by_minimum_norm() {
        // The minimum-norm solution of (x, 2x) puts b/5 on x and 2b/5 on 2x, where b is
        // the slope on x alone (scikit-learn 1.9.1 on the bundled data: 0.4956, 0.9913
        // for b = 2.4782).
        let df = with(&[("x2", |v| 2.0 * v)]);
        let alone = fit(&Design::from_frame(&df, "y", "x").unwrap(), true).unwrap();
        let b = alone.model.coefficients[0];
        let both = fit(&Design::from_frame(&df, "y", "x,x2").unwrap(), true).unwrap();
        let w = &both.model.coefficients;
        assert!(
            (w[0] - b / 5.0).abs() < 1e-9 && (w[1] - 2.0 * b / 5.0).abs() < 1e-9,
            "{w:?} for b = {b}"
        );
        assert!((both.model.intercept - alone.model.intercept).abs() < 1e-9);
        assert!(
            both.rank_warning
                .unwrap()
                .contains("rank 1 of 2 (some features are linear combinations of others)")
        );
    }

    fn mean_y(df: &polars::prelude::DataFrame) -> f64 {
        let y = crate::columns::f64_values(df, "y").unwrap();
        y.iter().sum::<f64>() / y.len() as f64
    }

    #[test]
    fn a_missing_target_is_named() {
        let kind = LinearRegression::new();
        let p = params(&kind, &[("target", Value::Text("price".into()))]);
        assert_eq!(
            failure(run(&kind, &tables(&[("train", exact())]), &p)),
            "unknown column \"price\" (the table has: a, b, note, y)"
        );
    }
}
