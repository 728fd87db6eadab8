//! `data.synthetic_regression`: a seeded table with a known linear relation.

use pipewright_engine::{
    Artifact, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};
use polars::prelude::DataFrame;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

use crate::artifacts::{SIGNAL, TABLE, Table};
use crate::columns::f64_series;
use crate::error::{NodeError, Result};

/// Values generated between two cancellation checks.
const BLOCK: usize = 1 << 16;

/// Refuse tables of more than this many values (16 GiB of f64) up front instead of
/// letting the allocation abort the process.
const MAX_VALUES: u64 = 1 << 31;

/// `data.synthetic_regression`.
pub struct SyntheticRegression {
    desc: KindDescriptor,
}

impl SyntheticRegression {
    /// The kind.
    pub fn new() -> Self {
        let any = ParamType::Float {
            min: None,
            max: None,
        };
        Self {
            desc: KindDescriptor {
                id: "data.synthetic_regression",
                version: 1,
                category: crate::category::DATA,
                title: "Synthetic regression",
                doc: "Generates a table with a known linear relation: feature columns \
                      uniform on [0, 10) (x, or x1…xn), and y = intercept + slope · (sum of \
                      the features) + Gaussian noise. The same seed always gives the same \
                      table, so a model's recovered slope can be checked.",
                inputs: vec![
                    PortSpec::new("after", SIGNAL, "waits for this signal (e.g. from Start)")
                        .optional(),
                ],
                outputs: vec![PortSpec::new("table", TABLE, "the generated rows")],
                params: vec![
                    ParamSpec::new(
                        "rows",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(100_000_000),
                        },
                        Value::Int(1000),
                        "number of rows",
                    ),
                    ParamSpec::new(
                        "features",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(64),
                        },
                        Value::Int(1),
                        "number of feature columns",
                    ),
                    ParamSpec::new(
                        "slope",
                        any.clone(),
                        Value::Float(2.0),
                        "weight of each feature",
                    ),
                    ParamSpec::new("intercept", any, Value::Float(1.0), "the constant term"),
                    ParamSpec::new(
                        "noise",
                        ParamType::Float {
                            min: Some(0.0),
                            max: None,
                        },
                        Value::Float(1.0),
                        "standard deviation of the Gaussian noise added to y",
                    ),
                    ParamSpec::new(
                        "seed",
                        ParamType::Int {
                            min: Some(0),
                            max: None,
                        },
                        Value::Int(42),
                        "random seed; the same seed gives the same table",
                    ),
                ],
            },
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Rows.
    pub rows: usize,
    /// Feature columns.
    pub features: usize,
    /// Weight of every feature.
    pub slope: f64,
    /// Constant term.
    pub intercept: f64,
    /// Standard deviation of the noise.
    pub noise: f64,
    /// Random seed.
    pub seed: u64,
}

/// Generates the table; `cancelled` is polled between blocks of rows.
pub fn generate(spec: Spec, mut cancelled: impl FnMut() -> Result<()>) -> Result<DataFrame> {
    let Spec {
        rows,
        features,
        slope,
        intercept,
        noise,
        seed,
    } = spec;
    if (rows as u64).saturating_mul(features as u64 + 1) > MAX_VALUES {
        return Err(NodeError::Param {
            param: "rows",
            message: format!(
                "{rows} rows × {} columns would take {} GiB; use fewer rows or features",
                features + 1,
                (rows as u64 * (features as u64 + 1) * 8) >> 30
            ),
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut y = vec![intercept; rows];
    let mut columns = Vec::with_capacity(features + 1);
    for j in 0..features {
        let mut x = vec![0.0f64; rows];
        for (xs, ys) in x.chunks_mut(BLOCK).zip(y.chunks_mut(BLOCK)) {
            cancelled()?;
            for (xi, yi) in xs.iter_mut().zip(ys.iter_mut()) {
                *xi = 10.0 * rng.random::<f64>();
                *yi += slope * *xi;
            }
        }
        let name = if features == 1 {
            "x".to_owned()
        } else {
            format!("x{}", j + 1)
        };
        columns.push(f64_series(&name, x));
    }
    if noise > 0.0 {
        for ys in y.chunks_mut(BLOCK) {
            cancelled()?;
            for yi in ys {
                *yi += noise * rng.sample::<f64, _>(StandardNormal);
            }
        }
    }
    columns.push(f64_series("y", y));
    DataFrame::new(rows, columns).map_err(NodeError::polars("building the table"))
}

impl NodeKind for SyntheticRegression {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let spec = Spec {
            // The declared ranges (validated before the run) keep these positive.
            rows: params.int("rows")?.max(1) as usize,
            features: params.int("features")?.max(1) as usize,
            slope: params.float("slope")?,
            intercept: params.float("intercept")?,
            noise: params.float("noise")?.max(0.0),
            seed: params.int("seed")?.max(0) as u64,
        };
        let df = generate(spec, || Ok(ctx.check_cancelled()?))?;
        let table = Table::new(df);
        ctx.log(format!(
            "generated {}: y = {} + {}·Σx + N(0, {}²), seed {}",
            table.summary(),
            spec.intercept,
            spec.slope,
            spec.noise,
            spec.seed
        ));
        Ok(Outputs::new().with("table", table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn table(set: &[(&str, Value)]) -> DataFrame {
        let kind = SyntheticRegression::new();
        frame(
            &run(&kind, &Inputs::default(), &params(&kind, set)).unwrap(),
            "table",
        )
        .clone()
    }

    #[test]
    fn same_seed_same_table_other_seed_other_table() {
        let a = table(&[("rows", Value::Int(500))]);
        let b = table(&[("rows", Value::Int(500))]);
        let c = table(&[("rows", Value::Int(500)), ("seed", Value::Int(7))]);
        assert_eq!(a.shape(), (500, 2));
        assert_eq!(a.get_column_names(), ["x", "y"]);
        assert!(a == b);
        assert!(a != c);
    }

    #[test]
    fn without_noise_y_is_exactly_the_line() {
        let df = table(&[
            ("features", Value::Int(3)),
            ("slope", Value::Float(-1.5)),
            ("intercept", Value::Float(4.0)),
            ("noise", Value::Float(0.0)),
        ]);
        assert_eq!(df.get_column_names(), ["x1", "x2", "x3", "y"]);
        let col = |n: &str| crate::columns::f64_values(&df, n).unwrap();
        let (x1, x2, x3, y) = (col("x1"), col("x2"), col("x3"), col("y"));
        for i in 0..df.height() {
            let expected = 4.0 - 1.5 * x1[i] - 1.5 * x2[i] - 1.5 * x3[i];
            assert!((y[i] - expected).abs() < 1e-12);
            assert!((0.0..10.0).contains(&x1[i]));
        }
    }

    #[test]
    fn noise_has_the_requested_spread() {
        let df = table(&[
            ("rows", Value::Int(100_000)),
            ("slope", Value::Float(0.0)),
            ("intercept", Value::Float(0.0)),
            ("noise", Value::Float(2.0)),
        ]);
        let y = crate::columns::f64_values(&df, "y").unwrap();
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 0.05, "{mean}");
        assert!((sd - 2.0).abs() < 0.05, "{sd}");
    }

    #[test]
    fn oversized_tables_are_refused_before_allocating() {
        let spec = Spec {
            rows: 100_000_000,
            features: 64,
            slope: 1.0,
            intercept: 0.0,
            noise: 0.0,
            seed: 0,
        };
        let err = generate(spec, || Ok(())).unwrap_err().to_string();
        assert!(
            err.starts_with("parameter \"rows\": 100000000 rows × 65 columns"),
            "{err}"
        );
    }

    #[test]
    fn cancellation_stops_generation() {
        let spec = Spec {
            rows: 1000,
            features: 1,
            slope: 1.0,
            intercept: 0.0,
            noise: 1.0,
            seed: 0,
        };
        let err = generate(spec, || Err(NodeError::Cancelled)).unwrap_err();
        assert!(matches!(err, NodeError::Cancelled));
    }
}
