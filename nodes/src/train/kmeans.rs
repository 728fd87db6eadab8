//! `train.kmeans`: k-means clustering (Lloyd's algorithm), as scikit-learn's `KMeans`.
//!
//! Written here rather than taken from linfa-clustering so that the seeded starts
//! are scikit-learn's own: both initialisations draw from numpy's `RandomState`
//! ([`crate::random`]) exactly as `sklearn.cluster.KMeans` does — greedy k-means++
//! with `2 + ⌊ln k⌋` candidates per centre, or `random_state.choice(n, k,
//! replace=False, p=uniform)` — and the fitted centres must be plain data for the
//! `fitted` output that labels new rows.
//!
//! Lloyd's iterations stop as scikit-learn's do: when no label changes, or when the
//! centres moved less than `tol × mean feature variance` in all (squared); then the
//! rows are labelled once more with the final centres. Of `n_init` runs the one with
//! the lowest inertia is kept. The silhouette score is scikit-learn's
//! `silhouette_score` on the labels (on a seeded sample of 10,000 rows for larger
//! tables, as its `sample_size` does).

use ndarray::Array2;
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext,
    StepError, Value,
};
use rayon::prelude::*;

use super::tree::{check_finite_matrix, usize_param};
pub use crate::artifacts::clustering::Assignment;
use crate::artifacts::clustering::{CLUSTERING, Clustering, assign, sq_dist, with_labels};
use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::error::NodeError;
use crate::features::{FeatureMatrix, FeatureSpec};
use crate::random::RandomState;

/// The column the cluster of each row is written to.
pub const CLUSTER_COLUMN: &str = "cluster";

/// Rows the silhouette is computed on at most (a seeded sample beyond).
pub const SILHOUETTE_SAMPLE: usize = 10_000;

/// How the first centres are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// Greedy k-means++.
    PlusPlus,
    /// k distinct rows at random.
    Random,
}

/// The result of a k-means fit.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansFit {
    /// `k × p` centres.
    pub centres: Array2<f64>,
    /// Each row's cluster.
    pub labels: Vec<u32>,
    /// Sum of squared distances to the assigned centres.
    pub inertia: f64,
    /// Lloyd iterations of this run.
    pub n_iter: usize,
}

/// numpy's `random_sample()`: a double in [0, 1) from 53 random bits.
fn random_sample(rng: &mut RandomState) -> f64 {
    let a = f64::from(rng.next_u32() >> 5);
    let b = f64::from(rng.next_u32() >> 6);
    (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
}

/// numpy's `searchsorted(cdf, v, side)`: the first index whose value is `>= v`
/// (left) or `> v` (right).
fn searchsorted(cdf: &[f64], v: f64, right: bool) -> usize {
    cdf.partition_point(|&c| if right { c <= v } else { c < v })
}

/// The running sums of `values`, in order (numpy's `cumsum`).
fn cumsum(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    values
        .into_iter()
        .map(|v| {
            total += v;
            total
        })
        .collect()
}

/// scikit-learn's greedy k-means++ (`_kmeans_plusplus`), drawing as it draws.
fn plus_plus(x: &Array2<f64>, k: usize, rng: &mut RandomState) -> Array2<f64> {
    let n = x.nrows();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centres = Array2::zeros((k, x.ncols()));
    // choice(n, p=uniform): the searchsorted of one draw in the normalised cdf.
    let cdf = cumsum((0..n).map(|_| 1.0 / n as f64));
    let last = cdf[n - 1];
    let cdf: Vec<f64> = cdf.iter().map(|c| c / last).collect();
    let first = searchsorted(&cdf, random_sample(rng), true).min(n - 1);
    centres.row_mut(0).assign(&x.row(first));
    let mut closest: Vec<f64> = (0..n).map(|i| sq_dist(x.row(i), x.row(first))).collect();
    let mut pot: f64 = closest.iter().sum();
    for c in 1..k {
        let draws: Vec<f64> = (0..trials).map(|_| random_sample(rng) * pot).collect();
        let cum = cumsum(closest.iter().copied());
        let candidates: Vec<usize> = draws
            .iter()
            .map(|&d| searchsorted(&cum, d, false).min(n - 1))
            .collect();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for &cand in &candidates {
            let dist: Vec<f64> = (0..n)
                .map(|i| sq_dist(x.row(i), x.row(cand)).min(closest[i]))
                .collect();
            let cand_pot: f64 = dist.iter().sum();
            if best.as_ref().is_none_or(|b| cand_pot < b.0) {
                best = Some((cand_pot, cand, dist));
            }
        }
        // There is always a candidate (trials ≥ 2).
        if let Some((p, cand, dist)) = best {
            pot = p;
            closest = dist;
            centres.row_mut(c).assign(&x.row(cand));
        }
    }
    centres
}

/// numpy's legacy `choice(n, k, replace=False, p=uniform)`: rounds of draws through
/// the cdf of the rows not yet drawn, keeping the first occurrence of each.
fn random_rows(n: usize, k: usize, rng: &mut RandomState) -> Vec<usize> {
    let mut p = vec![1.0 / n as f64; n];
    let mut found: Vec<usize> = Vec::with_capacity(k);
    while found.len() < k {
        let draws: Vec<f64> = (0..k - found.len()).map(|_| random_sample(rng)).collect();
        for &f in &found {
            p[f] = 0.0;
        }
        let cdf = cumsum(p.iter().copied());
        let last = cdf[n - 1];
        let cdf: Vec<f64> = cdf.iter().map(|c| c / last).collect();
        let new: Vec<usize> = draws
            .iter()
            .map(|&d| searchsorted(&cdf, d, true).min(n - 1))
            .collect();
        // np.unique(return_index) then sorted by first position: distinct values in
        // the order they first appear.
        let mut seen = std::collections::BTreeSet::new();
        for v in new {
            if seen.insert(v) {
                found.push(v);
            }
        }
    }
    found
}

/// The mean of the rows of each cluster; an empty cluster gets the row farthest from
/// its own centre (scikit-learn relocates empty clusters to far rows).
fn update(x: &Array2<f64>, labels: &[u32], old: &Array2<f64>) -> Array2<f64> {
    let (k, p) = old.dim();
    let mut sums = Array2::<f64>::zeros((k, p));
    let mut counts = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        let l = l as usize;
        counts[l] += 1;
        let mut s = sums.row_mut(l);
        s += &x.row(i);
    }
    let empty: Vec<usize> = (0..k).filter(|&c| counts[c] == 0).collect();
    if !empty.is_empty() {
        let mut far: Vec<(f64, usize)> = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| (sq_dist(x.row(i), old.row(l as usize)), i))
            .collect();
        far.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (c, &(_, i)) in empty.iter().zip(&far) {
            let from = labels[i] as usize;
            if counts[from] > 1 {
                let mut s = sums.row_mut(from);
                s -= &x.row(i);
                counts[from] -= 1;
            }
            sums.row_mut(*c).assign(&x.row(i));
            counts[*c] = 1;
        }
    }
    for (mut row, &count) in sums.rows_mut().into_iter().zip(&counts) {
        let n = count.max(1) as f64;
        row.mapv_inplace(|v| v / n);
    }
    sums
}

fn inertia(x: &Array2<f64>, labels: &[u32], centres: &Array2<f64>) -> f64 {
    labels
        .iter()
        .enumerate()
        .map(|(i, &l)| sq_dist(x.row(i), centres.row(l as usize)))
        .sum()
}

/// One Lloyd run from `centres` (scikit-learn's `_kmeans_single_lloyd`).
fn lloyd(x: &Array2<f64>, mut centres: Array2<f64>, max_iter: usize, tol: f64) -> KMeansFit {
    let mut labels_old: Vec<u32> = vec![u32::MAX; x.nrows()];
    let mut strict = false;
    let mut labels = labels_old.clone();
    let mut iterations = 0;
    for i in 0..max_iter {
        iterations = i + 1;
        labels = assign(x, &centres);
        let new = update(x, &labels, &centres);
        let shift: f64 = (&new - &centres).mapv(|v| v * v).sum();
        centres = new;
        if labels == labels_old {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
        labels_old.clone_from(&labels);
    }
    if !strict {
        labels = assign(x, &centres);
    }
    KMeansFit {
        inertia: inertia(x, &labels, &centres),
        centres,
        labels,
        n_iter: iterations,
    }
}

/// Fits k-means: `n_init` seeded runs, the lowest inertia kept.
pub fn fit(
    x: &Array2<f64>,
    k: usize,
    init: Init,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u32,
) -> KMeansFit {
    let (n, p) = x.dim();
    // scikit-learn centres the data first; distances are the same, only rounding moves.
    let mean = x
        .mean_axis(ndarray::Axis(0))
        .unwrap_or_else(|| ndarray::Array1::zeros(p));
    let xc = x - &mean;
    let variance: f64 = if n == 0 {
        0.0
    } else {
        (0..p)
            .map(|j| xc.column(j).iter().map(|v| v * v).sum::<f64>() / n as f64)
            .sum::<f64>()
            / p.max(1) as f64
    };
    let tol = variance * tol;
    let mut rng = RandomState::new(seed);
    let mut best: Option<KMeansFit> = None;
    for _ in 0..n_init.max(1) {
        let start = match init {
            Init::PlusPlus => plus_plus(&xc, k, &mut rng),
            Init::Random => xc.select(ndarray::Axis(0), &random_rows(n, k, &mut rng)),
        };
        let run = lloyd(&xc, start, max_iter, tol);
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    // n_init ≥ 1, so there is a best run.
    let mut best = best.unwrap_or_else(|| lloyd(&xc, Array2::zeros((k, p)), 0, tol));
    best.centres += &mean;
    best
}

/// scikit-learn's `silhouette_score` of `labels` (the mean over rows of
/// `(b − a) / max(a, b)`, 0 for a row alone in its cluster); `None` with fewer than
/// two clusters in use. Rows beyond [`SILHOUETTE_SAMPLE`] are sampled with `seed`.
pub fn silhouette(x: &Array2<f64>, labels: &[u32], k: usize, seed: u32) -> (Option<f64>, usize) {
    let n = x.nrows();
    let rows: Vec<usize> = if n > SILHOUETTE_SAMPLE {
        let mut rng = RandomState::new(seed);
        let mut r = rng.permutation(n);
        r.truncate(SILHOUETTE_SAMPLE);
        r
    } else {
        (0..n).collect()
    };
    let mut sizes = vec![0usize; k];
    for &i in &rows {
        sizes[labels[i] as usize] += 1;
    }
    if sizes.iter().filter(|&&s| s > 0).count() < 2 {
        return (None, rows.len());
    }
    let scores: Vec<f64> = rows
        .par_iter()
        .map(|&i| {
            let mut sums = vec![0.0; k];
            for &j in &rows {
                sums[labels[j] as usize] += sq_dist(x.row(i), x.row(j)).sqrt();
            }
            let own = labels[i] as usize;
            if sizes[own] <= 1 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m > 0.0 { (b - a) / m } else { 0.0 }
        })
        .collect();
    (
        Some(scores.iter().sum::<f64>() / scores.len() as f64),
        rows.len(),
    )
}

/// `train.kmeans`.
pub struct KMeans {
    desc: KindDescriptor,
}

impl KMeans {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "train.kmeans",
                version: 1,
                category: crate::category::TRAIN,
                title: "k-means",
                doc: "Groups the rows into k clusters around centres (Lloyd's algorithm, as \
                      scikit-learn's KMeans, with its seeded k-means++ or random starts): \
                      adds each row's cluster as a column, scores the clustering by inertia \
                      (lower is better) and silhouette (higher is better), and outputs the \
                      centres as fitted state so transform.apply labels new rows. Scale the \
                      features first: distance weighs every feature alike.",
                inputs: vec![PortSpec::new("table", TABLE, "the rows to cluster")],
                outputs: vec![
                    PortSpec::new(
                        "table",
                        TABLE,
                        "the rows with their cluster (u32 column \"cluster\", 0 … k − 1)",
                    ),
                    PortSpec::new(
                        "clusters",
                        CLUSTERING,
                        "centres, cluster sizes, inertia and silhouette",
                    ),
                    PortSpec::new(
                        "fitted",
                        FITTED,
                        "the centres, to label new rows with transform.apply",
                    ),
                ],
                params: vec![
                    ParamSpec::new(
                        "k",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(10_000),
                        },
                        Value::Int(3),
                        "number of clusters (scikit-learn's n_clusters)",
                    ),
                    ParamSpec::new(
                        "features",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "comma-separated feature columns; empty means every numeric column \
                         (except a previous \"cluster\" column)",
                    ),
                    ParamSpec::new(
                        "init",
                        ParamType::Choice(vec!["k-means++".into(), "random".into()]),
                        Value::Text("k-means++".into()),
                        "k-means++ spreads the first centres out; random takes k rows",
                    ),
                    ParamSpec::new(
                        "n_init",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(1_000),
                        },
                        Value::Int(1),
                        "runs from different starts; the lowest inertia is kept",
                    ),
                    ParamSpec::new(
                        "max_iter",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(100_000),
                        },
                        Value::Int(300),
                        "most Lloyd iterations per run",
                    ),
                    ParamSpec::new(
                        "tol",
                        ParamType::Float {
                            min: Some(0.0),
                            max: Some(1.0),
                        },
                        Value::Float(1e-4),
                        "stop when the centres move less than tol × the mean feature \
                         variance (squared, in all)",
                    ),
                    super::tree::seed_param(
                        "random seed of the starts (scikit-learn's random_state: the same \
                         seed gives the same starts)",
                    ),
                ],
            },
        }
    }
}

impl NodeKind for KMeans {
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
        let k = usize_param(params, "k")?;
        let init = match params.text("init")? {
            "k-means++" => Init::PlusPlus,
            "random" => Init::Random,
            other => {
                return Err(NodeError::Param {
                    param: "init",
                    message: format!("is {other:?}; choose k-means++ or random"),
                }
                .into());
            }
        };
        let n_init = usize_param(params, "n_init")?.max(1);
        let max_iter = usize_param(params, "max_iter")?.max(1);
        let tol = params.float("tol")?;
        let seed = params.int("seed")? as u32;
        let spec = FeatureSpec::choose(table, params.text("features")?, &[CLUSTER_COLUMN])?;
        let x = match spec.matrix(table)? {
            FeatureMatrix::Dense(x) => x,
            sparse if sparse.n_cols() <= super::tree::MAX_DENSIFIED => sparse.to_dense(),
            sparse => {
                return Err(NodeError::Param {
                    param: "features",
                    message: format!(
                        "include a sparse vector column ({} features in all); k-means here \
                         needs dense features (at most {})",
                        sparse.n_cols(),
                        super::tree::MAX_DENSIFIED
                    ),
                }
                .into());
            }
        };
        check_finite_matrix(&x, &spec.names)?;
        if k == 0 || k > x.nrows() {
            return Err(NodeError::Param {
                param: "k",
                message: format!(
                    "is {k}, but the table has {} row(s); k must be between 1 and the \
                     number of rows",
                    x.nrows()
                ),
            }
            .into());
        }
        ctx.check_cancelled()?;
        let fitted = fit(&x, k, init, n_init, max_iter, tol, seed);
        ctx.check_cancelled()?;
        let (silhouette, silhouette_rows) = silhouette(&x, &fitted.labels, k, seed);
        let mut sizes = vec![0u64; k];
        for &l in &fitted.labels {
            sizes[l as usize] += 1;
        }
        let centres: Vec<Vec<f64>> = fitted
            .centres
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        ctx.log(format!(
            "{k} clusters after {} iterations: inertia {}, silhouette {}",
            fitted.n_iter,
            fitted.inertia,
            silhouette.map_or("undefined".into(), |s| s.to_string())
        ));
        let clustering = Clustering {
            algorithm: "kmeans".into(),
            features: spec.names.clone(),
            centres: centres.clone(),
            sizes,
            inertia: fitted.inertia,
            silhouette,
            silhouette_rows: silhouette_rows as u64,
            n_iter: fitted.n_iter as u64,
        };
        let out = with_labels(table, CLUSTER_COLUMN, fitted.labels)?;
        let assignment = Assignment {
            features: spec,
            centres,
            column: CLUSTER_COLUMN.into(),
        };
        Ok(Outputs::new()
            .with("table", out)
            .with("clusters", clustering)
            .with(
                "fitted",
                Fitted::new(self.desc.id, FittedState::KMeans(assignment)),
            ))
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::testutil::*;

    fn two_groups() -> DataFrame {
        df!(
            "a" => [0.0, 0.1, 0.2, 10.0, 10.1, 10.2],
            "b" => [0.0, 0.2, 0.1, 5.0, 5.1, 5.2],
            "name" => ["p", "q", "r", "s", "t", "u"]
        )
        .unwrap()
    }

    #[test]
    fn finds_two_groups_and_labels_new_rows() {
        let kind = KMeans::new();
        let p = params(&kind, &[("k", Value::Int(2)), ("n_init", Value::Int(3))]);
        let out = run(&kind, &tables(&[("table", two_groups())]), &p).unwrap();
        let labels: Vec<u32> = frame(&out, "table")
            .column("cluster")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(labels[0], labels[1]);
        assert_eq!(labels[0], labels[2]);
        assert_ne!(labels[0], labels[3]);
        let c = output::<Clustering>(&out, "clusters");
        assert_eq!(c.sizes, vec![3, 3]);
        // Each group: squared distances to its mean.
        let expected = 0.08;
        assert!((c.inertia - expected).abs() < 1e-9, "{}", c.inertia);
        assert!(c.silhouette.unwrap() > 0.9);
        let fitted = output::<Fitted>(&out, "fitted");
        let new = Table::new(df!("a" => [9.0, 1.0], "b" => [4.0, 0.0]).unwrap());
        let labelled = fitted.apply(&new).unwrap();
        let l: Vec<u32> = labelled
            .df()
            .column("cluster")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(l, vec![labels[3], labels[0]]);
        use pipewright_engine::Artifact;
        let (enc, bytes) = fitted.encode().unwrap();
        let back = crate::artifacts::fitted::decode_fitted(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Fitted>(back.as_ref()).unwrap(),
            fitted
        );
    }

    #[test]
    fn silhouette_is_scikit_learns_on_a_small_case() {
        // Clusters {0, 1} and {4}: a lone row scores 0.
        let x = ndarray::array![[0.0], [1.0], [4.0]];
        let (s, n) = silhouette(&x, &[0, 0, 1], 2, 0);
        // row 0: a = 1, b = 4 → 0.75; row 1: a = 1, b = 3 → 2/3; row 2: 0.
        assert!((s.unwrap() - (0.75 + 2.0 / 3.0) / 3.0).abs() < 1e-15);
        assert_eq!(n, 3);
        assert_eq!(silhouette(&x, &[0, 0, 0], 2, 0).0, None);
    }

    #[test]
    fn random_starts_are_distinct_rows() {
        let mut rng = RandomState::new(0);
        let rows = random_rows(10, 4, &mut rng);
        let distinct: std::collections::BTreeSet<_> = rows.iter().collect();
        assert_eq!(distinct.len(), 4);
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = KMeans::new();
        let p = params(&kind, &[("k", Value::Int(7))]);
        let err = failure(run(&kind, &tables(&[("table", two_groups())]), &p));
        assert_eq!(
            err,
            "parameter \"k\": is 7, but the table has 6 row(s); k must be between 1 and the \
             number of rows"
        );
        let p = params(&kind, &[("k", Value::Int(2))]);
        let nan = df!("a" => [1.0, f64::NAN, 2.0]).unwrap();
        let err = failure(run(&kind, &tables(&[("table", nan)]), &p));
        assert_eq!(
            err,
            "column \"a\" has a value that is not a finite number: row 2 is NaN"
        );
        let text = df!("s" => ["a", "b"]).unwrap();
        let err = failure(run(&kind, &tables(&[("table", text)]), &p));
        assert!(err.starts_with("no feature columns"), "{err}");
        let empty = df!("a" => Vec::<f64>::new()).unwrap();
        let err = failure(run(&kind, &tables(&[("table", empty)]), &p));
        assert!(err.contains("the table has 0 row(s)"), "{err}");
    }
}
