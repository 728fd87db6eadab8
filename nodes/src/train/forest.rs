//! `train.random_forest`: bagged classification trees with a random subset of the
//! features tried at every split, as scikit-learn's `RandomForestClassifier`.
//!
//! Written on the tree code of [`super::tree`] rather than taken from linfa-ensemble,
//! whose ensemble samples features once per tree (not per split, as a random forest
//! does), predicts by majority vote without probabilities, and gives no seed per
//! tree to fit them in parallel reproducibly.
//!
//! Each tree gets its own seed drawn from the step's seed before any tree is fitted
//! (numpy's `RandomState(seed).randint(2³¹ − 1)` per tree, as scikit-learn draws
//! them), so the forest is the same for a seed whatever the number of threads rayon
//! uses. A tree's bootstrap sample is drawn as scikit-learn draws it (n row indices
//! from `RandomState(tree seed)`, kept as per-row counts used as weights), and its
//! splitter is seeded as scikit-learn seeds it, so for the same seed the trees are
//! scikit-learn's own (`nodes/tests/reference_trees.rs` checks every tree's size and
//! the probabilities); probabilities are the mean of the trees' leaf class fractions.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};
use rayon::prelude::*;

use super::tree::{self, Criterion, GrowParams, TreeData};
use crate::artifacts::Classifier;
use crate::artifacts::classifier::ClassifierState;
pub use crate::artifacts::trees::ForestState;
use crate::error::{NodeError, Result};
use crate::random::RandomState;
use crate::train::classify::{self, FitData};

/// How many features each split tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxFeatures {
    /// `max(1, ⌊√p⌋)` (scikit-learn's default for classifiers).
    Sqrt,
    /// `max(1, ⌊log₂ p⌋)`.
    Log2,
    /// All of them (bagged trees).
    All,
}

impl MaxFeatures {
    /// Parses the `max_features` parameter.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "sqrt" => Ok(MaxFeatures::Sqrt),
            "log2" => Ok(MaxFeatures::Log2),
            "all" => Ok(MaxFeatures::All),
            other => Err(NodeError::Param {
                param: "max_features",
                message: format!("is {other:?}; choose sqrt, log2 or all"),
            }),
        }
    }

    /// The number of features for `p` features, as scikit-learn computes it.
    pub fn count(self, p: usize) -> usize {
        let n = match self {
            MaxFeatures::Sqrt => (p as f64).sqrt() as usize,
            MaxFeatures::Log2 => (p as f64).log2() as usize,
            MaxFeatures::All => p,
        };
        n.clamp(1, p.max(1))
    }
}

/// What a forest's fit needs beside the data.
#[derive(Clone, Copy, Debug)]
pub struct ForestParams {
    /// Number of trees.
    pub n_trees: usize,
    /// How each tree grows.
    pub grow: GrowParams,
    /// Whether each tree sees a bootstrap sample (otherwise every row).
    pub bootstrap: bool,
    /// The seed every tree's seed is drawn from.
    pub seed: u32,
}

/// Fits a forest on `data`; trees in parallel, the result independent of the threads.
pub fn fit_forest(data: &TreeData, params: &ForestParams) -> ForestState {
    let n = data.n_rows();
    let mut master = RandomState::new(params.seed);
    // scikit-learn draws one randint(MAX_INT) per tree from the forest's random state.
    let seeds: Vec<u32> = (0..params.n_trees)
        .map(|_| master.interval(i32::MAX as u64 - 1) as u32)
        .collect();
    let trees = seeds
        .par_iter()
        .map(|&seed| {
            // scikit-learn seeds a tree's bootstrap and its splitter with the same
            // seed, each from a fresh RandomState.
            let rand_r = tree::rand_r_seed(seed);
            if params.bootstrap {
                let mut rng = RandomState::new(seed);
                let mut counts = vec![0.0f64; n];
                for _ in 0..n {
                    counts[rng.interval(n as u64 - 1) as usize] += 1.0;
                }
                let samples: Vec<u32> = (0..n as u32)
                    .filter(|&i| counts[i as usize] > 0.0)
                    .collect();
                tree::grow(data, Some(&counts), samples, &params.grow, rand_r)
            } else {
                tree::grow(data, None, (0..n as u32).collect(), &params.grow, rand_r)
            }
        })
        .collect();
    ForestState {
        n_classes: data.n_classes,
        trees,
    }
}

/// `train.random_forest`.
pub struct RandomForest {
    desc: KindDescriptor,
}

impl RandomForest {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: classify::descriptor(
                "train.random_forest",
                "Random forest",
                "Fits many classification trees, each on a bootstrap sample of the rows \
                 and trying a random subset of the features at every split, and averages \
                 their leaf class fractions, as scikit-learn's RandomForestClassifier. \
                 Trees are fitted in parallel; the forest depends only on the seed, and the \
                 same seed gives scikit-learn's forest for the same random_state. Dense \
                 features only (a small vector column is densified).",
                vec![
                    ParamSpec::new(
                        "n_trees",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(10_000),
                        },
                        Value::Int(100),
                        "number of trees (scikit-learn's n_estimators)",
                    ),
                    tree::criterion_param(),
                    tree::max_depth_param(),
                    ParamSpec::new(
                        "max_features",
                        ParamType::Choice(vec!["sqrt".into(), "log2".into(), "all".into()]),
                        Value::Text("sqrt".into()),
                        "features tried per split: √p, log₂ p, or all p",
                    ),
                    tree::min_samples_leaf_param(),
                    ParamSpec::new(
                        "bootstrap",
                        ParamType::Bool,
                        Value::Bool(true),
                        "fit each tree on n rows drawn with replacement (otherwise on all)",
                    ),
                    tree::seed_param(
                        "random seed of the bootstrap samples and feature subsets, every \
                         tree's seed drawn from it (scikit-learn's random_state: the same seed \
                         gives the same trees)",
                    ),
                ],
            ),
        }
    }
}

impl NodeKind for RandomForest {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> std::result::Result<Outputs, StepError> {
        let mut fit = FitData::read(inputs, params)?;
        let n_trees = tree::usize_param(params, "n_trees")?.max(1);
        let criterion = Criterion::parse(params.text("criterion")?)?;
        let max_depth = tree::usize_param(params, "max_depth")?;
        let max_features = MaxFeatures::parse(params.text("max_features")?)?;
        let min_samples_leaf = tree::usize_param(params, "min_samples_leaf")?.max(1);
        let bootstrap = params.bool("bootstrap")?;
        let seed = params.int("seed")?;
        let x = tree::dense_features(&mut fit, "random forest")?;
        ctx.check_cancelled()?;
        let data = TreeData::new(&x, &fit.labels.y, fit.labels.classes.len());
        drop(x);
        let forest_params = ForestParams {
            n_trees,
            grow: GrowParams {
                criterion,
                max_depth: if max_depth == 0 {
                    usize::MAX
                } else {
                    max_depth
                },
                min_samples_split: 2,
                min_samples_leaf,
                max_features: max_features.count(data.columns.len()),
            },
            bootstrap,
            seed: seed as u32,
        };
        let forest = fit_forest(&data, &forest_params);
        ctx.log(format!(
            "{} trees, {} features tried per split",
            forest.trees.len(),
            forest_params.grow.max_features
        ));
        let hyper = [
            ("n_trees", n_trees as f64),
            (
                "criterion_entropy",
                f64::from(criterion == Criterion::Entropy),
            ),
            ("max_depth", max_depth as f64),
            ("max_features", forest_params.grow.max_features as f64),
            ("min_samples_leaf", min_samples_leaf as f64),
            ("bootstrap", f64::from(bootstrap)),
            ("seed", seed as f64),
        ];
        let classifier = Classifier {
            algorithm: "random_forest".into(),
            features: fit.spec.clone(),
            target: fit.target.clone(),
            classes: fit.labels.classes.clone(),
            hyper: hyper.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            state: ClassifierState::Forest(forest),
        };
        Ok(classify::finish(ctx, classifier, fit.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::testutil::*;
    use ndarray::Array2;

    use crate::train::tree::TreeState;

    fn blobs() -> DataFrame {
        // Two well-separated groups on a and b, noise on c.
        let a: Vec<f64> = (0..40)
            .map(|i| (i % 20) as f64 + if i < 20 { 0.0 } else { 30.0 })
            .collect();
        let b: Vec<f64> = (0..40).map(|i| (i * 7 % 11) as f64).collect();
        let c: Vec<f64> = (0..40).map(|i| (i * 13 % 17) as f64).collect();
        let y: Vec<&str> = (0..40).map(|i| if i < 20 { "lo" } else { "hi" }).collect();
        df!("a" => a, "b" => b, "c" => c, "y" => y).unwrap()
    }

    fn fit(set: &[(&str, Value)]) -> Classifier {
        let kind = RandomForest::new();
        let mut all = vec![("target", Value::Text("y".into()))];
        all.extend_from_slice(set);
        let out = run(&kind, &tables(&[("train", blobs())]), &params(&kind, &all)).unwrap();
        output::<Classifier>(&out, "classifier").clone()
    }

    #[test]
    fn separates_two_groups_with_probabilities_that_sum_to_one() {
        let c = fit(&[("n_trees", Value::Int(25))]);
        let s = c
            .predict_table(&crate::artifacts::Table::new(blobs()))
            .unwrap();
        let y: Vec<usize> = (0..40).map(|i| usize::from(i < 20)).collect();
        assert_eq!(s.predicted, y, "classes sorted: hi = 0, lo = 1");
        for row in s.scores.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        let ClassifierState::Forest(f) = &c.state else {
            panic!()
        };
        assert_eq!(f.trees.len(), 25);
        let imp = f.importances();
        assert!(imp[0] > imp[1] && imp[0] > imp[2], "{imp:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_forest_whatever_the_threads() {
        let a = fit(&[("n_trees", Value::Int(8)), ("seed", Value::Int(3))]);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| fit(&[("n_trees", Value::Int(8)), ("seed", Value::Int(3))]));
        assert_eq!(a, b);
        let c = fit(&[("n_trees", Value::Int(8)), ("seed", Value::Int(4))]);
        assert_ne!(a.state, c.state);
    }

    /// `PIPEWRIGHT_FOREST_ROWS` (default 1,000,000) × 20 uniform features drawn by
    /// numpy's `RandomState(0).random_sample`, the class a noisy threshold of a few of
    /// them; the same table in Python is `scripts/sklearn_forest_timing.py`'s.
    #[test]
    #[ignore = "timing: cargo test --release -p pipewright-nodes forest_timing -- --ignored --nocapture"]
    fn forest_timing() {
        let n: usize = std::env::var("PIPEWRIGHT_FOREST_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let n_trees: usize = std::env::var("PIPEWRIGHT_FOREST_TREES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        let p = 20;
        let mut rng = RandomState::new(0);
        let mut sample = || {
            let a = f64::from(rng.next_u32() >> 5);
            let b = f64::from(rng.next_u32() >> 6);
            (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
        };
        let mut x = Array2::zeros((n, p));
        for i in 0..n {
            for j in 0..p {
                x[[i, j]] = sample();
            }
        }
        let y: Vec<usize> = (0..n)
            .map(|i| {
                let v = x[[i, 0]] + x[[i, 1]] + 0.5 * x[[i, 2]] * x[[i, 3]] + 0.3 * sample();
                usize::from(v > 1.2)
            })
            .collect();
        let start = std::time::Instant::now();
        let data = TreeData::new(&x, &y, 2);
        let forest = fit_forest(
            &data,
            &ForestParams {
                n_trees,
                grow: GrowParams {
                    criterion: Criterion::Gini,
                    max_depth: usize::MAX,
                    min_samples_split: 2,
                    min_samples_leaf: 1,
                    max_features: MaxFeatures::Sqrt.count(p),
                },
                bootstrap: true,
                seed: 0,
            },
        );
        let secs = start.elapsed().as_secs_f64();
        let nodes: usize = forest.trees.iter().map(TreeState::n_nodes).sum();
        eprintln!(
            "{n} rows × {p} features, {n_trees} trees: {secs:.2} s ({:.2} s per tree), \
             {nodes} nodes",
            secs / n_trees as f64
        );
    }

    #[test]
    fn max_features_counts_are_scikit_learns() {
        assert_eq!(MaxFeatures::Sqrt.count(30), 5);
        assert_eq!(MaxFeatures::Log2.count(30), 4);
        assert_eq!(MaxFeatures::All.count(30), 30);
        assert_eq!(MaxFeatures::Log2.count(1), 1);
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = RandomForest::new();
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let one = df!("x" => [1.0, 2.0], "y" => ["a", "a"]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", one)]), &p));
        assert!(err.contains("one class only"), "{err}");
        let inf = df!("x" => [1.0, f64::INFINITY], "y" => ["a", "b"]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", inf)]), &p));
        assert!(
            err.contains("column \"x\"") && err.contains("row 2 is inf"),
            "{err}"
        );
        let text = df!("x" => ["p", "q"], "y" => ["a", "b"]).unwrap();
        let p = params(
            &kind,
            &[
                ("target", Value::Text("y".into())),
                ("features", Value::Text("x".into())),
            ],
        );
        let err = failure(run(&kind, &tables(&[("train", text)]), &p));
        assert!(err.contains("\"x\" is not numeric"), "{err}");
    }
}
