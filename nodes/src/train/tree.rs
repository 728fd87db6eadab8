//! `train.decision_tree`: a CART classification tree grown as scikit-learn's
//! `DecisionTreeClassifier` grows one, and the tree code the random forest shares.
//!
//! Written here rather than taken from linfa-trees: its fitted tree gives each leaf a
//! predicted class but not the class counts behind it, so `predict_proba` (the class
//! fractions of the leaf, as scikit-learn) cannot be read back out; it has no
//! per-split feature sampling for a forest; and the artifact must store the tree as
//! plain node arrays that predict without linfa at serving time.
//!
//! What follows scikit-learn (`sklearn/tree/_splitter.pyx`, `_criterion.pyx`):
//! - features are compared as `f32` (scikit-learn fits and predicts trees on
//!   float32), and a split sends `x <= threshold` left, the threshold being the
//!   midpoint of two neighbouring distinct values (the lower one when the midpoint
//!   rounds up to the upper);
//! - values closer than 1e-7 count as equal, and a feature constant within that in a
//!   node is skipped;
//! - the best split is the first with the strictly largest proxy improvement
//!   (`−w_left·impurity_left − w_right·impurity_right`), features visited in the
//!   random order scikit-learn's `node_split_best` draws (its xorshift `rand_r`
//!   stream seeded from numpy's `RandomState(seed)`, its bookkeeping of features known
//!   to be constant), so on exactly tied splits the seed decides as it does there:
//!   for the same seed the tree is scikit-learn's;
//! - a node is a leaf at `max_depth`, below `min_samples_split` rows, below
//!   `2 · min_samples_leaf` rows, or when its impurity is ≤ machine epsilon;
//! - nodes are numbered depth first, left child first; feature importances are the
//!   weighted impurity decreases per feature, normalised to sum 1.

use ndarray::Array2;
use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, StepContext,
    StepError, Value,
};
use serde::{Deserialize, Serialize};

use crate::artifacts::Classifier;
use crate::artifacts::classifier::ClassifierState;
pub use crate::artifacts::trees::{TreeState, importance_view, normalise};
use crate::error::{NodeError, Result};
use crate::features::FeatureMatrix;
use crate::random::RandomState;
use crate::train::classify::{self, FitData};

/// Values closer than this are one value (scikit-learn's `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f32 = 1e-7;

/// The widest vector column a tree densifies; wider ones are refused.
pub const MAX_DENSIFIED: usize = 1_000;

/// How a node's impurity is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// `1 − Σ p²`.
    Gini,
    /// `−Σ p·log₂ p`.
    Entropy,
}

impl Criterion {
    /// Parses the `criterion` parameter.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "gini" => Ok(Criterion::Gini),
            "entropy" => Ok(Criterion::Entropy),
            other => Err(NodeError::Param {
                param: "criterion",
                message: format!("is {other:?}; choose gini or entropy"),
            }),
        }
    }

    /// The impurity of weighted class counts `counts` summing to `total`.
    fn impurity(self, counts: &[f64], total: f64) -> f64 {
        match self {
            Criterion::Gini => {
                let sq: f64 = counts.iter().map(|c| c * c).sum();
                1.0 - sq / (total * total)
            }
            Criterion::Entropy => {
                let mut e = 0.0;
                for &c in counts {
                    if c > 0.0 {
                        let p = c / total;
                        e -= p * (p.ln() / std::f64::consts::LN_2);
                    }
                }
                e
            }
        }
    }
}

/// How a tree grows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GrowParams {
    /// Impurity measure.
    pub criterion: Criterion,
    /// Deepest level (`usize::MAX` for none).
    pub max_depth: usize,
    /// A node with fewer rows is a leaf.
    pub min_samples_split: usize,
    /// Each child keeps at least this many rows.
    pub min_samples_leaf: usize,
    /// Features tried per split (at least this many, as scikit-learn: constant ones
    /// count, but one non-constant feature is always tried).
    pub max_features: usize,
}

/// The training data of a tree: features column by column as `f32`, classes.
pub struct TreeData {
    /// `columns[j][i]`: feature `j` of row `i`.
    pub columns: Vec<Vec<f32>>,
    /// Each row's class.
    pub y: Vec<u32>,
    /// Number of classes.
    pub n_classes: usize,
}

impl TreeData {
    /// From a dense matrix.
    pub fn new(x: &Array2<f64>, y: &[usize], n_classes: usize) -> Self {
        let columns = x
            .columns()
            .into_iter()
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        Self {
            columns,
            y: y.iter().map(|&c| c as u32).collect(),
            n_classes,
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.y.len()
    }
}

/// Scratch space and splitter state reused by every node of one tree (no allocation
/// per node).
struct Splitter {
    /// (value, row) pairs of the node's rows for one feature.
    sorted: Vec<(f32, u32)>,
    left: Vec<f64>,
    right: Vec<f64>,
    node: Vec<f64>,
    /// scikit-learn's `features`: a permutation of the features kept across nodes,
    /// whose front holds the features known to be constant.
    features: Vec<usize>,
    /// scikit-learn's `constant_features`.
    constant_features: Vec<usize>,
    /// scikit-learn's `rand_r_state`.
    rand_r: u32,
}

impl Splitter {
    /// scikit-learn's `rand_int(low, high)`: a xorshift step (`our_rand_r`) reduced
    /// to `[low, high)`.
    fn rand_int(&mut self, low: usize, high: usize) -> usize {
        let s = &mut self.rand_r;
        if *s == 0 {
            *s = 1;
        }
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        let r = *s % (RAND_R_MAX + 1);
        low + r as usize % (high - low)
    }
}

/// scikit-learn's `RAND_R_MAX`.
const RAND_R_MAX: u32 = 0x7FFF_FFFF;

/// The splitter's random state for a tree whose `random_state` is `seed`: the first
/// `randint(0, RAND_R_MAX)` of numpy's `RandomState(seed)`, as scikit-learn's
/// `Splitter.init` draws it.
pub fn rand_r_seed(seed: u32) -> u32 {
    RandomState::new(seed).interval(u64::from(RAND_R_MAX) - 1) as u32
}

/// The best split found for a node.
struct Split {
    feature: usize,
    threshold: f64,
    proxy: f64,
}

/// Grows a tree on `samples` (distinct rows, each with `weights[row]`, or weight 1
/// without weights); `rand_r` is the splitter's random state ([`rand_r_seed`]).
pub fn grow(
    data: &TreeData,
    weights: Option<&[f64]>,
    mut samples: Vec<u32>,
    params: &GrowParams,
    rand_r: u32,
) -> TreeState {
    let k = data.n_classes;
    let p = data.columns.len();
    let mut tree = TreeState {
        n_classes: k,
        feature: Vec::new(),
        threshold: Vec::new(),
        left: Vec::new(),
        right: Vec::new(),
        value: Vec::new(),
        importances: Vec::new(),
    };
    let mut impurities = Vec::new();
    let mut s = Splitter {
        sorted: Vec::with_capacity(samples.len()),
        left: vec![0.0; k],
        right: vec![0.0; k],
        node: vec![0.0; k],
        features: (0..p).collect(),
        constant_features: (0..p).collect(),
        rand_r,
    };
    let weight = |row: u32| weights.map_or(1.0, |w| w[row as usize]);
    // (start, end, depth, parent, is_left, known constant features); the right child
    // is pushed first so the left one is numbered (and draws its features) first, as
    // scikit-learn's depth-first builder does.
    let mut stack: Vec<(usize, usize, usize, usize, bool, usize)> =
        vec![(0, samples.len(), 0, 0, true, 0)];
    while let Some((start, end, depth, parent, is_left, constants)) = stack.pop() {
        let id = tree.feature.len();
        if id > 0 {
            if is_left {
                tree.left[parent] = id as u32;
            } else {
                tree.right[parent] = id as u32;
            }
        }
        s.node.iter_mut().for_each(|v| *v = 0.0);
        for &row in &samples[start..end] {
            s.node[data.y[row as usize] as usize] += weight(row);
        }
        let total: f64 = s.node.iter().sum();
        let impurity = params.criterion.impurity(&s.node, total);
        tree.feature.push(0);
        tree.threshold.push(0.0);
        tree.left.push(0);
        tree.right.push(0);
        tree.value.extend_from_slice(&s.node);
        impurities.push(impurity);
        let n = end - start;
        let leaf = depth >= params.max_depth
            || n < params.min_samples_split
            || n < 2 * params.min_samples_leaf
            || impurity <= f64::EPSILON;
        if leaf {
            continue;
        }
        let (best, constants) = best_split(
            data,
            &weight,
            &samples[start..end],
            params,
            constants,
            &mut s,
        );
        let Some(best) = best else {
            continue;
        };
        // Partition the rows: those at or below the threshold first.
        let column = &data.columns[best.feature];
        let rows = &mut samples[start..end];
        let mut mid = 0;
        for i in 0..rows.len() {
            if f64::from(column[rows[i] as usize]) <= best.threshold {
                rows.swap(i, mid);
                mid += 1;
            }
        }
        tree.feature[id] = best.feature as u32;
        tree.threshold[id] = best.threshold;
        stack.push((start + mid, end, depth + 1, id, false, constants));
        stack.push((start, start + mid, depth + 1, id, true, constants));
    }
    tree.importances = tree.compute_importances(&impurities, p);
    tree
}

/// The best split of a node's `rows` (scikit-learn's `node_split_best`, its feature
/// draws included), or `None` when no feature gives a valid one; and the number of
/// features known to be constant for the children.
fn best_split(
    data: &TreeData,
    weight: &impl Fn(u32) -> f64,
    rows: &[u32],
    params: &GrowParams,
    n_known_constants: usize,
    s: &mut Splitter,
) -> (Option<Split>, usize) {
    let n = rows.len();
    let mut best: Option<Split> = None;
    let mut f_i = data.columns.len();
    let (mut n_visited, mut n_found_constants, mut n_drawn_constants) = (0, 0, 0);
    let mut n_total_constants = n_known_constants;
    while f_i > n_total_constants
        && (n_visited < params.max_features || n_visited <= n_found_constants + n_drawn_constants)
    {
        n_visited += 1;
        let mut f_j = s.rand_int(n_drawn_constants, f_i - n_found_constants);
        if f_j < n_known_constants {
            s.features.swap(n_drawn_constants, f_j);
            n_drawn_constants += 1;
            continue;
        }
        f_j += n_found_constants;
        let f = s.features[f_j];
        let column = &data.columns[f];
        s.sorted.clear();
        s.sorted
            .extend(rows.iter().map(|&r| (column[r as usize], r)));
        s.sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        if s.sorted[n - 1].0 <= s.sorted[0].0 + FEATURE_THRESHOLD {
            s.features.swap(f_j, n_total_constants);
            n_found_constants += 1;
            n_total_constants += 1;
            continue;
        }
        f_i -= 1;
        s.features.swap(f_i, f_j);
        s.left.iter_mut().for_each(|v| *v = 0.0);
        s.right.copy_from_slice(&s.node);
        let (mut w_left, total) = (0.0, s.node.iter().sum::<f64>());
        for pos in 1..n {
            let (value, row) = s.sorted[pos - 1];
            let w = weight(row);
            let c = data.y[row as usize] as usize;
            s.left[c] += w;
            s.right[c] -= w;
            w_left += w;
            if s.sorted[pos].0 <= value + FEATURE_THRESHOLD {
                continue;
            }
            if pos < params.min_samples_leaf || n - pos < params.min_samples_leaf {
                continue;
            }
            let w_right = total - w_left;
            let proxy = -w_right * params.criterion.impurity(&s.right, w_right)
                - w_left * params.criterion.impurity(&s.left, w_left);
            if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                let (lo, hi) = (f64::from(value), f64::from(s.sorted[pos].0));
                let mut threshold = lo / 2.0 + hi / 2.0;
                if threshold == hi || !threshold.is_finite() {
                    threshold = lo;
                }
                best = Some(Split {
                    feature: f,
                    threshold,
                    proxy,
                });
            }
        }
    }
    // scikit-learn's invariant: the known constants keep their order for the
    // siblings and children; the newly found ones follow them.
    s.features[..n_known_constants].copy_from_slice(&s.constant_features[..n_known_constants]);
    let found = n_known_constants..n_known_constants + n_found_constants;
    let copied: Vec<usize> = s.features[found.clone()].to_vec();
    s.constant_features[found].copy_from_slice(&copied);
    (best, n_total_constants)
}

/// The dense feature matrix of a tree-based fit: a vector column is densified when
/// it is small, refused otherwise; a value that is not finite is named. The matrix is
/// taken out of `fit` (a dense one without a copy: a million-row table is 160 MB).
pub fn dense_features(fit: &mut FitData, algorithm: &str) -> Result<Array2<f64>> {
    if fit.x.is_sparse() && fit.x.n_cols() > MAX_DENSIFIED {
        let column = fit
            .spec
            .columns
            .iter()
            .find(|c| c.vector_dim.is_some())
            .map_or("?", |c| c.name.as_str());
        return Err(NodeError::Column {
            column: column.to_owned(),
            reason: format!(
                "is a sparse vector column ({} features in all); a {algorithm} needs dense \
                 features (at most {MAX_DENSIFIED}): use logistic regression or naive Bayes \
                 on text vectors",
                fit.x.n_cols()
            ),
        });
    }
    let x = match std::mem::replace(&mut fit.x, FeatureMatrix::Dense(Array2::zeros((0, 0)))) {
        FeatureMatrix::Dense(x) => x,
        sparse => sparse.to_dense(),
    };
    check_finite_matrix(&x, &fit.spec.names)?;
    Ok(x)
}

/// Fails on the first value of `x` that is not finite, naming its feature and row.
pub fn check_finite_matrix(x: &Array2<f64>, names: &[String]) -> Result<()> {
    for ((i, j), v) in x.indexed_iter() {
        if !v.is_finite() {
            return Err(NodeError::NonFinite {
                column: names.get(j).cloned().unwrap_or_else(|| format!("x{j}")),
                row: i + 1,
                value: *v,
            });
        }
    }
    Ok(())
}

/// The `criterion` parameter.
pub fn criterion_param() -> ParamSpec {
    ParamSpec::new(
        "criterion",
        ParamType::Choice(vec!["gini".into(), "entropy".into()]),
        Value::Text("gini".into()),
        "impurity a split lowers: gini (1 − Σ p²) or entropy (−Σ p log₂ p)",
    )
}

/// The `max_depth` parameter.
pub fn max_depth_param() -> ParamSpec {
    ParamSpec::new(
        "max_depth",
        ParamType::Int {
            min: Some(0),
            max: Some(1_000),
        },
        Value::Int(0),
        "deepest level of the tree; 0 grows until the leaves are pure (or too small)",
    )
}

/// The `min_samples_leaf` parameter.
pub fn min_samples_leaf_param() -> ParamSpec {
    ParamSpec::new(
        "min_samples_leaf",
        ParamType::Int {
            min: Some(1),
            max: Some(1_000_000),
        },
        Value::Int(1),
        "rows each leaf keeps at least",
    )
}

/// The `seed` parameter.
pub fn seed_param(doc: &'static str) -> ParamSpec {
    ParamSpec::new(
        "seed",
        ParamType::Int {
            min: Some(0),
            max: Some(i64::from(u32::MAX)),
        },
        Value::Int(0),
        doc,
    )
}

/// An integer parameter as `usize` (the descriptor's range keeps it ≥ 0).
pub fn usize_param(params: &Params, name: &'static str) -> std::result::Result<usize, StepError> {
    let v = params.int(name)?;
    usize::try_from(v).map_err(|_| {
        StepError::from(NodeError::Param {
            param: name,
            message: format!("is {v}; it must be 0 or more"),
        })
    })
}

/// `train.decision_tree`.
pub struct DecisionTree {
    desc: KindDescriptor,
}

impl DecisionTree {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: classify::descriptor(
                "train.decision_tree",
                "Decision tree",
                "Fits a classification tree (CART) as scikit-learn's \
                 DecisionTreeClassifier: each split is the threshold (a midpoint between \
                 two neighbouring values) of the feature that lowers the gini or entropy \
                 impurity most; leaves predict the class fractions of their training rows. \
                 The same seed gives scikit-learn's tree for the same random_state, ties \
                 included. Dense features only (a small vector column is densified).",
                vec![
                    criterion_param(),
                    max_depth_param(),
                    ParamSpec::new(
                        "min_samples_split",
                        ParamType::Int {
                            min: Some(2),
                            max: Some(1_000_000),
                        },
                        Value::Int(2),
                        "a node with fewer rows is not split",
                    ),
                    min_samples_leaf_param(),
                    seed_param(
                        "random seed of the order features are tried in, which decides between \
                         equally good splits (scikit-learn's random_state: the same seed gives \
                         the same tree)",
                    ),
                ],
            ),
        }
    }
}

impl NodeKind for DecisionTree {
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
        let criterion = Criterion::parse(params.text("criterion")?)?;
        let max_depth = usize_param(params, "max_depth")?;
        let min_samples_split = usize_param(params, "min_samples_split")?.max(2);
        let min_samples_leaf = usize_param(params, "min_samples_leaf")?.max(1);
        let seed = params.int("seed")?;
        let x = dense_features(&mut fit, "decision tree")?;
        ctx.check_cancelled()?;
        let data = TreeData::new(&x, &fit.labels.y, fit.labels.classes.len());
        let grow_params = GrowParams {
            criterion,
            max_depth: if max_depth == 0 {
                usize::MAX
            } else {
                max_depth
            },
            min_samples_split,
            min_samples_leaf,
            max_features: x.ncols(),
        };
        let tree = grow(
            &data,
            None,
            (0..data.n_rows() as u32).collect(),
            &grow_params,
            rand_r_seed(seed as u32),
        );
        ctx.log(format!(
            "tree of depth {}, {} leaves",
            tree.depth(),
            tree.n_leaves()
        ));
        let hyper = [
            (
                "criterion_entropy",
                f64::from(criterion == Criterion::Entropy),
            ),
            ("max_depth", max_depth as f64),
            ("min_samples_split", min_samples_split as f64),
            ("min_samples_leaf", min_samples_leaf as f64),
            ("seed", seed as f64),
        ];
        let classifier = Classifier {
            algorithm: "decision_tree".into(),
            features: fit.spec.clone(),
            target: fit.target.clone(),
            classes: fit.labels.classes.clone(),
            hyper: hyper.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            state: ClassifierState::Tree(tree),
        };
        Ok(classify::finish(ctx, classifier, fit.rows())?)
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::testutil::*;

    fn xor_like() -> DataFrame {
        //   x ≤ 2.5 → a, else b (one clean split)
        df!(
            "x" => [1.0, 2.0, 3.0, 4.0, 2.0, 5.0],
            "z" => [0.0, 0.0, 0.0, 0.0, 1.0, 1.0],
            "y" => ["a", "a", "b", "b", "a", "b"]
        )
        .unwrap()
    }

    fn fit(df: DataFrame, set: &[(&str, Value)]) -> Classifier {
        let kind = DecisionTree::new();
        let mut all = vec![("target", Value::Text("y".into()))];
        all.extend_from_slice(set);
        let out = run(&kind, &tables(&[("train", df)]), &params(&kind, &all)).unwrap();
        output::<Classifier>(&out, "classifier").clone()
    }

    #[test]
    fn one_clean_split_at_the_midpoint() {
        let c = fit(xor_like(), &[]);
        let ClassifierState::Tree(t) = &c.state else {
            panic!()
        };
        assert_eq!(t.n_nodes(), 3);
        assert_eq!((t.feature[0], t.threshold[0]), (0, 2.5));
        assert_eq!(t.depth(), 1);
        assert_eq!(t.importances(), [1.0, 0.0]);
        let text = t.to_text(&c.features.names, &c.classes);
        assert!(
            text.starts_with("|--- x <= 2.5000\n|   |--- class: a (3 rows)"),
            "{text}"
        );
        let table = crate::artifacts::Table::new(xor_like());
        let s = c.predict_table(&table).unwrap();
        assert_eq!(s.predicted, vec![0, 0, 1, 1, 0, 1]);
        assert!(s.probabilistic);
    }

    #[test]
    fn leaves_give_class_fractions_and_depth_is_bounded() {
        let df = df!(
            "x" => [1.0, 1.0, 1.0, 2.0, 2.0, 3.0],
            "y" => ["a", "a", "b", "b", "b", "a"]
        )
        .unwrap();
        let c = fit(df.clone(), &[("max_depth", Value::Int(1))]);
        let ClassifierState::Tree(t) = &c.state else {
            panic!()
        };
        assert_eq!(t.depth(), 1);
        let s = c.predict_table(&crate::artifacts::Table::new(df)).unwrap();
        // x ≤ 2.5 (gini 2.4 against 8/3 for x ≤ 1.5): two a of five rows.
        assert!((s.scores[[0, 0]] - 2.0 / 5.0).abs() < 1e-15);
        assert_eq!(s.scores.row(5).to_vec(), vec![1.0, 0.0]);
        // min_samples_leaf 3 allows only the 3 | 3 split.
        let c = fit(
            df!("x" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "y" => ["a", "b", "a", "b", "b", "b"])
                .unwrap(),
            &[("min_samples_leaf", Value::Int(3))],
        );
        let ClassifierState::Tree(t) = &c.state else {
            panic!()
        };
        assert_eq!((t.n_nodes(), t.threshold[0]), (3, 3.5));
    }

    #[test]
    fn the_artifact_round_trips_and_shows_the_tree() {
        use pipewright_engine::Artifact;
        let c = fit(xor_like(), &[("criterion", Value::Text("entropy".into()))]);
        let (enc, bytes) = c.encode().unwrap();
        let back = crate::artifacts::classifier::decode_classifier(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Classifier>(back.as_ref()).unwrap(),
            &c
        );
        let titles: Vec<String> = c.views(10).iter().map(|v| v.title().to_owned()).collect();
        assert!(titles.contains(&"Tree".to_owned()), "{titles:?}");
        assert!(titles.iter().any(|t| t.starts_with("Feature importances")));
    }

    #[test]
    fn bad_inputs_are_named() {
        let kind = DecisionTree::new();
        let p = params(&kind, &[("target", Value::Text("y".into()))]);
        let one = df!("x" => [1.0, 2.0], "y" => ["a", "a"]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", one)]), &p));
        assert!(err.contains("one class only"), "{err}");
        let nan = df!("x" => [1.0, f64::NAN], "y" => ["a", "b"]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", nan)]), &p));
        assert_eq!(
            err,
            "column \"x\" has a value that is not a finite number: row 2 is NaN"
        );
        let empty = df!("x" => Vec::<f64>::new(), "y" => Vec::<&str>::new()).unwrap();
        let err = failure(run(&kind, &tables(&[("train", empty)]), &p));
        assert_eq!(err, "column \"y\" has no rows");
        let missing = df!("x" => [1.0, 2.0]).unwrap();
        let err = failure(run(&kind, &tables(&[("train", missing)]), &p));
        assert!(err.starts_with("unknown column \"y\""), "{err}");
        // A wide vector column is refused, naming it and what to use instead.
        let mut csr = crate::features::Csr::new(2_000);
        csr.push_row([(0, 1.0)]);
        csr.push_row([(1_999, 1.0)]);
        let base = crate::artifacts::Table::new(df!("y" => ["a", "b"]).unwrap());
        let wide = crate::features::with_vector_column(
            &base,
            "tfidf",
            csr.clone(),
            std::sync::Arc::new((0..2_000).map(|i| format!("t{i}")).collect()),
        )
        .unwrap();
        let mut inputs = pipewright_engine::Inputs::default();
        inputs.push("train", std::sync::Arc::new(wide));
        let err = failure(run(&kind, &inputs, &p));
        assert!(
            err.starts_with("column \"tfidf\" is a sparse vector column")
                && err.contains("logistic regression or naive Bayes"),
            "{err}"
        );
    }
}
