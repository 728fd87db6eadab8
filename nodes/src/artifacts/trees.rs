//! The fitted state of the tree classifiers (`train.decision_tree`,
//! `train.random_forest`): trees as plain node arrays, scored without the code that
//! grew them, so a stored classifier predicts at serving time with this file alone.
//! It lives below the train steps (which import it), as every artifact type does.

use std::fmt::Write as _;

use ndarray::Array2;
use pipewright_engine::{ArtifactView, CoefficientsView, Goal, Metric, ScalarsView};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::features::FeatureMatrix;

/// A fitted tree as node arrays (node 0 is the root; children come after their
/// parent, left subtree first). A leaf has `left == right == 0`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeState {
    /// Number of classes (the width of each node's `value`).
    pub n_classes: usize,
    /// The feature each inner node splits on (0 for a leaf).
    pub feature: Vec<u32>,
    /// The split's threshold: `x <= threshold` goes left (0 for a leaf).
    pub threshold: Vec<f64>,
    /// The left child (0 for a leaf).
    pub left: Vec<u32>,
    /// The right child (0 for a leaf).
    pub right: Vec<u32>,
    /// Weighted class counts of the training rows reaching each node, `n_classes` per
    /// node, flattened.
    pub value: Vec<f64>,
    /// Feature importances (one per feature, summing to 1; all 0 for a single leaf),
    /// computed at fit time so the node impurities need not be stored: a forest of
    /// a million rows has millions of nodes, and the artifact is JSON.
    pub importances: Vec<f64>,
}

impl TreeState {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Whether node `i` is a leaf.
    pub fn is_leaf(&self, i: usize) -> bool {
        self.left[i] == 0
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        (0..self.n_nodes()).filter(|&i| self.is_leaf(i)).count()
    }

    /// The depth: edges on the longest root-to-leaf path.
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.n_nodes()];
        let mut deepest = 0;
        // Children always come after their parent, so one forward pass suffices.
        for i in 0..self.n_nodes() {
            if !self.is_leaf(i) {
                for c in [self.left[i], self.right[i]] {
                    depth[c as usize] = depth[i] + 1;
                    deepest = deepest.max(depth[i] + 1);
                }
            }
        }
        deepest
    }

    /// Node `i`'s weighted class counts.
    pub fn counts(&self, i: usize) -> &[f64] {
        &self.value[i * self.n_classes..(i + 1) * self.n_classes]
    }

    /// The leaf that row `i` of `x` reaches (compared as `f32`, as at fit time).
    pub fn leaf(&self, x: &Array2<f64>, i: usize) -> usize {
        let mut node = 0usize;
        while !self.is_leaf(node) {
            let v = f64::from(x[[i, self.feature[node] as usize]] as f32);
            node = if v <= self.threshold[node] {
                self.left[node]
            } else {
                self.right[node]
            } as usize;
        }
        node
    }

    /// Adds the class fractions of the leaf each row reaches to `out` (`n × classes`).
    pub fn add_proba(&self, x: &Array2<f64>, out: &mut Array2<f64>) {
        for i in 0..x.nrows() {
            let leaf = self.leaf(x, i);
            let counts = self.counts(leaf);
            let total: f64 = counts.iter().sum();
            for (c, v) in counts.iter().enumerate() {
                out[[i, c]] += v / total;
            }
        }
    }

    /// Class probabilities: the class fractions of each row's leaf.
    pub fn scores(&self, x: &FeatureMatrix) -> (Array2<f64>, bool) {
        let x = x.to_dense();
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        self.add_proba(&x, &mut out);
        (out, true)
    }

    /// The weighted impurity decrease of each feature over the nodes splitting on it,
    /// normalised to sum 1, as scikit-learn's `feature_importances_`; `impurity` holds
    /// each node's impurity.
    pub(crate) fn compute_importances(&self, impurity: &[f64], n_features: usize) -> Vec<f64> {
        let mut imp = vec![0.0; n_features];
        let weight = |i: usize| -> f64 { self.counts(i).iter().sum() };
        for i in 0..self.n_nodes() {
            if self.is_leaf(i) {
                continue;
            }
            let (l, r) = (self.left[i] as usize, self.right[i] as usize);
            imp[self.feature[i] as usize] +=
                weight(i) * impurity[i] - weight(l) * impurity[l] - weight(r) * impurity[r];
        }
        let root = weight(0);
        imp.iter_mut().for_each(|v| *v /= root);
        normalise(imp)
    }

    /// Feature importances, one per feature, summing to 1 (all 0 for a single leaf).
    pub fn importances(&self) -> &[f64] {
        &self.importances
    }

    /// Every stored number is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        if self
            .threshold
            .iter()
            .chain(&self.value)
            .chain(&self.importances)
            .any(|v| !v.is_finite())
        {
            return Err("a tree threshold or count is not a finite number".into());
        }
        Ok(())
    }

    /// The tree as text, scikit-learn's `export_text` style (`|--- f <= t`).
    pub fn to_text(&self, names: &[String], classes: &[String]) -> String {
        let mut out = String::new();
        self.text_node(0, 0, names, classes, &mut out);
        out
    }

    fn text_node(
        &self,
        node: usize,
        depth: usize,
        names: &[String],
        classes: &[String],
        out: &mut String,
    ) {
        let indent = "|   ".repeat(depth);
        if self.is_leaf(node) {
            let counts = self.counts(node);
            // The first largest count, as scikit-learn's argmax.
            let class = (0..counts.len())
                .fold(0, |best, c| if counts[c] > counts[best] { c } else { best });
            let _ = writeln!(
                out,
                "{indent}|--- class: {} ({} rows)",
                classes.get(class).map_or("?", String::as_str),
                counts.iter().sum::<f64>()
            );
            return;
        }
        let f = self.feature[node] as usize;
        let name = names.get(f).map_or("?", String::as_str);
        let t = self.threshold[node];
        let _ = writeln!(out, "{indent}|--- {name} <= {t:.4}");
        self.text_node(self.left[node] as usize, depth + 1, names, classes, out);
        let _ = writeln!(out, "{indent}|--- {name} >  {t:.4}");
        self.text_node(self.right[node] as usize, depth + 1, names, classes, out);
    }

    /// Views: size, feature importances, and the tree as text when it is small.
    pub fn views(&self, names: &[String], classes: &[String]) -> Vec<ArtifactView> {
        let mut views = vec![ArtifactView::Scalars(ScalarsView {
            title: "Tree".into(),
            items: vec![
                Metric::new("depth", self.depth() as f64, Goal::Neutral),
                Metric::new("leaves", self.n_leaves() as f64, Goal::Neutral),
                Metric::new("nodes", self.n_nodes() as f64, Goal::Neutral),
            ],
        })];
        views.push(importance_view(&self.importances, names));
        if self.n_nodes() <= 63 {
            views.push(ArtifactView::text("Tree", self.to_text(names, classes)));
        }
        views
    }
}

/// `values` divided by their sum (left as they are when it is 0).
pub fn normalise(mut values: Vec<f64>) -> Vec<f64> {
    let total: f64 = values.iter().sum();
    if total > 0.0 {
        values.iter_mut().for_each(|v| *v /= total);
    }
    values
}

/// The largest 20 feature importances as a coefficients view.
pub fn importance_view(importances: &[f64], names: &[String]) -> ArtifactView {
    let mut order: Vec<usize> = (0..importances.len()).collect();
    order.sort_by(|&a, &b| importances[b].total_cmp(&importances[a]).then(a.cmp(&b)));
    order.truncate(20);
    ArtifactView::Coefficients(CoefficientsView {
        title: format!(
            "Feature importances (largest {} of {})",
            order.len(),
            importances.len()
        ),
        intercept: None,
        terms: order
            .into_iter()
            .map(|j| {
                (
                    names.get(j).cloned().unwrap_or_else(|| format!("x{j}")),
                    importances[j],
                )
            })
            .collect(),
    })
}

/// A fitted forest: its trees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForestState {
    /// Number of classes.
    pub n_classes: usize,
    /// The trees.
    pub trees: Vec<TreeState>,
}

impl ForestState {
    /// Class probabilities: the mean over the trees of their leaf class fractions.
    /// Blocks of rows are scored in parallel; each row sums its trees in order, so
    /// the result does not depend on the threads.
    pub fn scores(&self, x: &FeatureMatrix) -> (Array2<f64>, bool) {
        const BLOCK: usize = 4_096;
        let x = x.to_dense();
        let k = self.n_classes.max(1);
        let n_trees = self.trees.len().max(1) as f64;
        let mut flat = vec![0.0; x.nrows() * k];
        flat.par_chunks_mut(BLOCK * k)
            .enumerate()
            .for_each(|(block, chunk)| {
                for (r, out) in chunk.chunks_mut(k).enumerate() {
                    let i = block * BLOCK + r;
                    for t in &self.trees {
                        let counts = t.counts(t.leaf(&x, i));
                        let total: f64 = counts.iter().sum();
                        for (o, v) in out.iter_mut().zip(counts) {
                            *o += v / total;
                        }
                    }
                    out.iter_mut().for_each(|o| *o /= n_trees);
                }
            });
        // The buffer has exactly rows × k entries, so the shape always fits.
        let out = Array2::from_shape_vec((x.nrows(), k), flat)
            .unwrap_or_else(|_| Array2::zeros((x.nrows(), k)));
        (out, true)
    }

    /// Every stored number is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        self.trees.iter().try_for_each(TreeState::check_finite)
    }

    /// The mean of the trees' normalised importances, normalised (scikit-learn's
    /// `feature_importances_`).
    pub fn importances(&self) -> Vec<f64> {
        let n_features = self.trees.first().map_or(0, |t| t.importances().len());
        let mut total = vec![0.0; n_features];
        for t in &self.trees {
            for (a, b) in total.iter_mut().zip(t.importances()) {
                *a += b;
            }
        }
        normalise(total)
    }

    /// Views: the forest's size and its feature importances.
    pub fn views(&self, names: &[String]) -> Vec<ArtifactView> {
        let depths: Vec<usize> = self.trees.iter().map(TreeState::depth).collect();
        let leaves: usize = self.trees.iter().map(TreeState::n_leaves).sum();
        let n = self.trees.len().max(1) as f64;
        vec![
            ArtifactView::Scalars(ScalarsView {
                title: "Forest".into(),
                items: vec![
                    Metric::new("trees", self.trees.len() as f64, Goal::Neutral),
                    Metric::new(
                        "deepest tree",
                        depths.iter().copied().max().unwrap_or(0) as f64,
                        Goal::Neutral,
                    ),
                    Metric::new("mean leaves per tree", leaves as f64 / n, Goal::Neutral),
                ],
            }),
            importance_view(&self.importances(), names),
        ]
    }
}
