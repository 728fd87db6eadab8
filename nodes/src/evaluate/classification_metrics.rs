//! `evaluate.classification_metrics`: scores class predictions against the actual
//! labels with scikit-learn's definitions (and its edge cases, said below).

use std::collections::BTreeMap;

use pipewright_engine::{
    Goal, Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};

use crate::artifacts::MAX_PLOT_POINTS;
use crate::artifacts::class_metrics::{CLASS_METRICS, ClassMetrics, ClassScore, Confusion, Curve};
use crate::artifacts::class_predictions::{CLASS_PREDICTIONS, ClassPredictions};
use crate::error::{NodeError, Result};

/// `evaluate.classification_metrics`.
pub struct ClassificationMetrics {
    desc: KindDescriptor,
}

impl ClassificationMetrics {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.classification_metrics",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Classification metrics",
                doc: "Scores class predictions against the actual labels as scikit-learn \
                      does: accuracy, balanced accuracy (mean recall over the classes that \
                      occur), precision, recall and F1 per class and their macro and \
                      weighted (by support) means — a class never predicted has precision \
                      0, as with zero_division=0 —, log loss when the scores are \
                      probabilities (clipped to [ε, 1 − ε], ε the f64 machine epsilon, as \
                      scikit-learn 1.9 does; left out when an actual label is one the \
                      classifier never saw), the confusion matrix over the union of actual \
                      and predicted labels, the ROC curve and its AUC, and the \
                      precision–recall curve and average precision: of the second class \
                      for two classes, one vs rest per class (with their macro mean) for \
                      more. Curves keep at most 10,000 points, their shape and end points. \
                      Also passes on the classifier, for Select best classifier.",
                inputs: vec![PortSpec::new(
                    "predictions",
                    CLASS_PREDICTIONS,
                    "class predictions with actual labels",
                )],
                outputs: vec![PortSpec::new(
                    "metrics",
                    CLASS_METRICS,
                    "the scores, confusion matrix and curves",
                )],
                params: vec![],
            },
        }
    }
}

impl Default for ClassificationMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Which way is better for each classification score (`n` has no direction).
pub const GOALS: [(&str, Goal); 11] = [
    ("accuracy", Goal::Maximize),
    ("balanced_accuracy", Goal::Maximize),
    ("precision_macro", Goal::Maximize),
    ("recall_macro", Goal::Maximize),
    ("f1_macro", Goal::Maximize),
    ("precision_weighted", Goal::Maximize),
    ("recall_weighted", Goal::Maximize),
    ("f1_weighted", Goal::Maximize),
    ("roc_auc", Goal::Maximize),
    ("average_precision", Goal::Maximize),
    ("log_loss", Goal::Minimize),
];

/// `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0`).
fn divide(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// The confusion matrix of `actual` against `predicted` over the sorted union of
/// their labels (scikit-learn's `unique_labels`).
pub fn confusion(actual: &[String], predicted: &[String]) -> Confusion {
    let labels: Vec<String> = actual
        .iter()
        .chain(predicted)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let index: BTreeMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut counts = vec![vec![0u64; labels.len()]; labels.len()];
    for (a, p) in actual.iter().zip(predicted) {
        counts[index[a.as_str()]][index[p.as_str()]] += 1;
    }
    Confusion { labels, counts }
}

/// Per-class precision, recall, F1 (`2·tp / (2·tp + fp + fn)`, as scikit-learn
/// computes it) and support.
pub fn per_class(c: &Confusion) -> Vec<ClassScore> {
    let k = c.labels.len();
    (0..k)
        .map(|i| {
            let tp = c.counts[i][i] as f64;
            let true_sum: u64 = c.counts[i].iter().sum();
            let pred_sum: u64 = c.counts.iter().map(|r| r[i]).sum();
            ClassScore {
                label: c.labels[i].clone(),
                precision: divide(tp, pred_sum as f64),
                recall: divide(tp, true_sum as f64),
                f1: divide(2.0 * tp, (true_sum + pred_sum) as f64),
                support: true_sum,
            }
        })
        .collect()
}

/// The (false positive rate, true positive rate) points of scikit-learn's
/// `roc_curve(drop_intermediate=True)` for scores of the positive rows `positive`,
/// `None` when every row is positive or none is (the curve is undefined).
pub fn roc_curve(positive: &[bool], score: &[f64]) -> Option<Vec<[f64; 2]>> {
    let (fps, tps) = clf_curve(positive, score);
    let (fp_total, tp_total) = (*fps.last()?, *tps.last()?);
    if fp_total <= 0.0 || tp_total <= 0.0 {
        return None;
    }
    // Drop the points on a straight line between their neighbours (the second
    // differences of both counts are zero there), as scikit-learn does.
    let n = fps.len();
    let keep: Vec<usize> = if n > 2 {
        (0..n)
            .filter(|&i| {
                i == 0
                    || i == n - 1
                    || fps[i + 1] - 2.0 * fps[i] + fps[i - 1] != 0.0
                    || tps[i + 1] - 2.0 * tps[i] + tps[i - 1] != 0.0
            })
            .collect()
    } else {
        (0..n).collect()
    };
    let mut points = Vec::with_capacity(keep.len() + 1);
    points.push([0.0, 0.0]);
    points.extend(
        keep.into_iter()
            .map(|i| [fps[i] / fp_total, tps[i] / tp_total]),
    );
    Some(points)
}

/// The area under a curve by the trapezoidal rule (scikit-learn's `auc`, for x
/// increasing).
pub fn auc(points: &[[f64; 2]]) -> f64 {
    let terms: Vec<f64> = points
        .windows(2)
        .map(|w| (w[1][0] - w[0][0]) * (w[1][1] + w[0][1]) / 2.0)
        .collect();
    pairwise_sum(&terms)
}

/// The (recall, precision) points of scikit-learn's `precision_recall_curve`: from
/// the lowest threshold (recall 1) to the highest, then (0, 1). `None` when no row is
/// positive.
pub fn precision_recall_curve(positive: &[bool], score: &[f64]) -> Option<Vec<[f64; 2]>> {
    let (fps, tps) = clf_curve(positive, score);
    let tp_total = *tps.last()?;
    if tp_total <= 0.0 {
        return None;
    }
    let mut points: Vec<[f64; 2]> = fps
        .iter()
        .zip(&tps)
        .rev()
        .map(|(fp, tp)| [tp / tp_total, divide(*tp, tp + fp)])
        .collect();
    points.push([0.0, 1.0]);
    Some(points)
}

/// Average precision: `Σ (Rₙ₋₁ − Rₙ) Pₙ` over the precision–recall curve (the step
/// function's integral, scikit-learn's `average_precision_score`).
pub fn average_precision(curve: &[[f64; 2]]) -> f64 {
    let terms: Vec<f64> = curve
        .windows(2)
        .map(|w| (w[1][0] - w[0][0]) * w[0][1])
        .collect();
    (-pairwise_sum(&terms)).max(0.0)
}

/// Cumulative false and true positives at each distinct score, from the highest
/// score down (scikit-learn's `confusion_matrix_at_thresholds`).
fn clf_curve(positive: &[bool], score: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut fps = Vec::new();
    let mut tps = Vec::new();
    let mut tp = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += 1.0;
        }
        let last_of_value = order
            .get(rank + 1)
            .is_none_or(|&next| score[next] != score[i]);
        if last_of_value {
            tps.push(tp);
            fps.push((rank + 1) as f64 - tp);
        }
    }
    (fps, tps)
}

/// numpy's pairwise summation (blocks of 8 partial sums below 128 values, halves
/// above), so sums agree with numpy's to the last bit more often than a plain loop.
fn pairwise_sum(v: &[f64]) -> f64 {
    if v.len() < 8 {
        return v.iter().fold(0.0, |a, b| a + b);
    }
    if v.len() <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&v[..8]);
        let mut i = 8;
        while i + 8 <= v.len() {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += v[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &v[i..] {
            res += x;
        }
        return res;
    }
    let mut half = v.len() / 2;
    half -= half % 8;
    pairwise_sum(&v[..half]) + pairwise_sum(&v[half..])
}

/// At most `max` points of a curve, first and last included, spread evenly along its
/// length, so steep steps keep their shape where an even spread over the points
/// would flatten them.
pub fn thin(points: Vec<[f64; 2]>, max: usize) -> Vec<[f64; 2]> {
    if points.len() <= max || max < 2 {
        return points;
    }
    let mut length = Vec::with_capacity(points.len());
    let mut total = 0.0;
    length.push(0.0);
    for w in points.windows(2) {
        total += (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
        length.push(total);
    }
    let mut out = Vec::with_capacity(max);
    out.push(points[0]);
    let mut next = 1;
    for k in 1..max - 1 {
        let target = total * k as f64 / (max - 1) as f64;
        while next < points.len() - 1 && length[next] < target {
            next += 1;
        }
        if next < points.len() - 1 {
            out.push(points[next]);
            next += 1;
        }
    }
    out.push(points[points.len() - 1]);
    out
}

/// One of the per-class scores, picked from a [`ClassScore`].
type Part = fn(&ClassScore) -> f64;

/// Scores predictions: they must carry actual labels (at least one row).
pub fn evaluate(p: &ClassPredictions) -> Result<ClassMetrics> {
    let classifier = p.classifier();
    let actual = p.actual().ok_or_else(|| NodeError::NoActual {
        target: classifier.target.clone(),
    })?;
    if p.is_empty() {
        return Err(NodeError::Step(
            "no predictions to score: the table given to predict had no rows".into(),
        ));
    }
    let predicted = p.predicted();
    let n = p.len() as f64;
    let c = confusion(actual, predicted);
    let classes = per_class(&c);
    let mut values = BTreeMap::new();
    let correct = actual.iter().zip(predicted).filter(|(a, b)| a == b).count();
    values.insert("accuracy".to_owned(), correct as f64 / n);
    // Mean recall of the classes that occur (a class only predicted has none).
    let recalls: Vec<f64> = classes
        .iter()
        .filter(|s| s.support > 0)
        .map(|s| s.recall)
        .collect();
    values.insert(
        "balanced_accuracy".to_owned(),
        pairwise_sum(&recalls) / recalls.len() as f64,
    );
    let k = classes.len() as f64;
    let macro_mean = |f: Part| pairwise_sum(&classes.iter().map(f).collect::<Vec<_>>()) / k;
    let weighted_mean = |f: Part| {
        let terms: Vec<f64> = classes.iter().map(|s| f(s) * s.support as f64).collect();
        pairwise_sum(&terms) / n
    };
    let parts: [(&str, Part); 3] = [
        ("precision", |s| s.precision),
        ("recall", |s| s.recall),
        ("f1", |s| s.f1),
    ];
    for (name, f) in parts {
        values.insert(format!("{name}_macro"), macro_mean(f));
        values.insert(format!("{name}_weighted"), weighted_mean(f));
    }
    let scores = p.scores();
    let class_index: BTreeMap<&str, usize> = classifier
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let all_known = actual.iter().all(|a| class_index.contains_key(a.as_str()));
    if p.probabilistic() && all_known {
        let eps = f64::EPSILON;
        let losses: Vec<f64> = actual
            .iter()
            .enumerate()
            .map(|(i, a)| {
                -scores[[i, class_index[a.as_str()]]]
                    .clamp(eps, 1.0 - eps)
                    .ln()
            })
            .collect();
        values.insert("log_loss".to_owned(), pairwise_sum(&losses) / n);
    }
    // One curve per class scored against the rest; for two classes only the second's
    // (scikit-learn's positive label: the greater one).
    let curve_classes: Vec<usize> = if classifier.classes.len() == 2 {
        vec![1]
    } else {
        (0..classifier.classes.len()).collect()
    };
    let mut roc = Vec::new();
    let mut pr = Vec::new();
    let mut roc_defined = true;
    for &j in &curve_classes {
        let class = &classifier.classes[j];
        let positive: Vec<bool> = actual.iter().map(|a| a == class).collect();
        let score: Vec<f64> = scores.column(j).to_vec();
        match roc_curve(&positive, &score) {
            Some(points) => {
                let area = auc(&points);
                roc.push(Curve {
                    class: class.clone(),
                    area,
                    total: points.len() as u64,
                    points: thin(points, MAX_PLOT_POINTS),
                });
            }
            None => roc_defined = false,
        }
        if let Some(points) = precision_recall_curve(&positive, &score) {
            pr.push(Curve {
                class: class.clone(),
                area: average_precision(&points),
                total: points.len() as u64,
                points: thin(points, MAX_PLOT_POINTS),
            });
        }
    }
    if roc_defined && !roc.is_empty() {
        let areas: Vec<f64> = roc.iter().map(|c| c.area).collect();
        values.insert(
            "roc_auc".to_owned(),
            pairwise_sum(&areas) / areas.len() as f64,
        );
    }
    if pr.len() == curve_classes.len() && !pr.is_empty() {
        let areas: Vec<f64> = pr.iter().map(|c| c.area).collect();
        values.insert(
            "average_precision".to_owned(),
            pairwise_sum(&areas) / areas.len() as f64,
        );
    }
    values.insert("n".to_owned(), n);
    let goals = GOALS
        .iter()
        .filter(|(k, _)| values.contains_key(*k))
        .map(|(k, g)| ((*k).to_owned(), *g))
        .collect();
    Ok(ClassMetrics {
        values,
        goals,
        per_class: classes,
        confusion: c,
        roc,
        pr,
        classifier: Some(classifier.clone()),
        source: classifier.describe(),
    })
}

impl NodeKind for ClassificationMetrics {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let predictions = inputs.get::<ClassPredictions>("predictions")?;
        let metrics = evaluate(predictions)?;
        let shown: Vec<String> = [
            "accuracy",
            "balanced_accuracy",
            "f1_macro",
            "roc_auc",
            "log_loss",
        ]
        .iter()
        .filter_map(|k| metrics.get(k).map(|v| format!("{k} {v}")))
        .collect();
        ctx.log(format!(
            "{}: {} (n = {})",
            metrics.source,
            shown.join(", "),
            predictions.len()
        ));
        if !metrics.values.contains_key("log_loss") {
            ctx.log(if predictions.probabilistic() {
                "no log loss: an actual label is one the classifier never saw"
            } else {
                "no log loss: the classifier gives decision values, not probabilities"
            });
        }
        if !metrics.values.contains_key("roc_auc") {
            ctx.log("no ROC AUC for a class whose rows are all or none of the test rows");
        }
        Ok(Outputs::new().with("metrics", metrics))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ndarray::array;

    use super::*;
    use crate::artifacts::class_predictions::tests::sample;
    use crate::artifacts::classifier::tests::sample as classifier;
    use crate::testutil::*;

    fn labels(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn counts_and_scores_by_hand() {
        // actual  a a b b b c      predicted  a b b b c c
        let c = confusion(&labels("a a b b b c"), &labels("a b b b c c"));
        assert_eq!(c.labels, ["a", "b", "c"]);
        assert_eq!(c.counts, [[1, 1, 0], [0, 2, 1], [0, 0, 1]]);
        let s = per_class(&c);
        assert_eq!(
            (s[0].precision, s[0].recall, s[0].f1, s[0].support),
            (1.0, 0.5, 2.0 / 3.0, 2)
        );
        assert_eq!((s[1].precision, s[1].recall), (2.0 / 3.0, 2.0 / 3.0));
        assert_eq!(
            (s[2].precision, s[2].recall, s[2].f1),
            (0.5, 1.0, 2.0 / 3.0)
        );
    }

    #[test]
    fn a_class_never_predicted_scores_zero_precision() {
        let s = per_class(&confusion(&labels("a b"), &labels("a a")));
        assert_eq!((s[1].precision, s[1].recall, s[1].f1), (0.0, 0.0, 0.0));
    }

    #[test]
    fn roc_and_pr_curves_match_scikit_learns_doc_examples() {
        // roc_curve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], pos_label=2):
        // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1].
        let positive = [false, false, true, true];
        let score = [0.1, 0.4, 0.35, 0.8];
        let roc = roc_curve(&positive, &score).unwrap();
        assert_eq!(
            roc,
            [[0.0, 0.0], [0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [1.0, 1.0]]
        );
        assert_eq!(auc(&roc), 0.75);
        // precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0].
        let pr = precision_recall_curve(&positive, &score).unwrap();
        assert_eq!(
            pr,
            [
                [1.0, 0.5],
                [1.0, 2.0 / 3.0],
                [0.5, 0.5],
                [0.5, 1.0],
                [0.0, 1.0]
            ]
        );
        // average_precision_score = 0.8333…
        assert!((average_precision(&pr) - 5.0 / 6.0).abs() < 1e-15);
        assert_eq!(roc_curve(&[true, true], &[0.1, 0.2]), None);
    }

    #[test]
    fn thinning_keeps_the_ends_and_at_most_max_points() {
        let points: Vec<[f64; 2]> = (0..50_000)
            .map(|i| {
                let x = i as f64 / 49_999.0;
                [x, x.sqrt()]
            })
            .collect();
        let thin = thin(points.clone(), MAX_PLOT_POINTS);
        assert!(thin.len() <= MAX_PLOT_POINTS && thin.len() > MAX_PLOT_POINTS - 10);
        assert_eq!(thin[0], points[0]);
        assert_eq!(thin.last(), points.last());
        assert!(thin.windows(2).all(|w| w[0][0] < w[1][0]), "in order");
    }

    #[test]
    fn scores_an_unseen_label_without_log_loss() {
        // actual a b c, predicted a b b; c is a label the classifier never saw.
        let m = evaluate(&sample()).unwrap();
        assert_eq!(m.get("accuracy"), Some(2.0 / 3.0));
        assert_eq!(m.confusion.labels, ["a", "b", "c"]);
        assert_eq!(m.get("balanced_accuracy"), Some(2.0 / 3.0));
        assert_eq!(m.get("log_loss"), None, "sklearn refuses an unseen label");
        // Class b against the rest: b's scores 0.25 (a), 0.625 (b), 0.9 (c).
        assert_eq!(m.roc.len(), 1);
        assert_eq!(m.roc[0].class, "b");
        assert_eq!(m.get("roc_auc"), Some(0.5));
        assert_eq!(m.goals["accuracy"], Goal::Maximize);
        assert!(!m.goals.contains_key("log_loss"));
        let views = pipewright_engine::Artifact::views(&m, 10);
        let titles: Vec<&str> = views.iter().map(|v| v.title()).collect();
        assert!(titles.contains(&"Confusion matrix"), "{titles:?}");
        assert!(titles.contains(&"ROC curve"), "{titles:?}");
        let pipewright_engine::ArtifactView::Series(roc) =
            views.iter().find(|v| v.title() == "ROC curve").unwrap()
        else {
            panic!()
        };
        assert_eq!(roc.sets[0].name, "b (AUC 0.500)");
    }

    #[test]
    fn the_new_artifact_types_view_themselves_from_their_stored_bytes() {
        let r = crate::registry();
        let df = polars::prelude::df!("a" => [1.0, 2.0], "b" => [0.5, 0.0]).unwrap();
        let plot = crate::evaluate::scatter::scatter(&crate::Table::new(df), "", "", "").unwrap();
        let samples: Vec<Box<dyn pipewright_engine::Artifact>> = vec![
            Box::new(sample()),
            Box::new(evaluate(&sample()).unwrap()),
            Box::new(plot),
        ];
        for a in samples {
            let (encoding, bytes) = a.encode().unwrap();
            let ty = r.artifact_types().get(a.type_name()).unwrap();
            let views = ty.views(encoding, &bytes, 2).unwrap();
            assert_eq!(views, a.views(2), "{}", a.type_name());
            assert!(!views.is_empty(), "{}", a.type_name());
            assert!(!a.summary().is_empty());
        }
    }

    #[test]
    fn the_views_print_for_the_terminal() {
        let m = evaluate(&sample()).unwrap();
        let text = pipewright_engine::views_to_text(&pipewright_engine::Artifact::views(&m, 10));
        assert!(
            text.contains("Confusion matrix:\n  actual \\ predicted  a  b  c\n  a"),
            "{text}"
        );
        assert!(text.contains("Per class:"), "{text}");
        assert!(text.contains("b (AUC 0.500): 4 points"), "{text}");
        let p =
            pipewright_engine::views_to_text(&pipewright_engine::Artifact::views(&sample(), 10));
        assert!(
            p.contains("Class balance:\n  class  actual  predicted\n  a           1          1"),
            "{p}"
        );
    }

    #[test]
    fn log_loss_clips_at_machine_epsilon() {
        let p = ClassPredictions::new(
            classifier(),
            None,
            Some(labels("a b")),
            labels("a a"),
            array![[1.0, 0.0], [1.0, 0.0]],
            true,
        )
        .unwrap();
        let m = evaluate(&p).unwrap();
        let expected = (-(1.0 - f64::EPSILON).ln() - f64::EPSILON.ln()) / 2.0;
        assert_eq!(m.get("log_loss"), Some(expected));
        assert_eq!(m.goals["log_loss"], Goal::Minimize);
    }

    #[test]
    fn the_kind_fails_clearly_without_actual_labels_or_rows() {
        let kind = ClassificationMetrics::new();
        let bare = ClassPredictions::new(
            classifier(),
            None,
            None,
            labels("a"),
            array![[0.5, 0.5]],
            true,
        )
        .unwrap();
        let mut inputs = Inputs::default();
        inputs.push("predictions", Arc::new(bare));
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[]))),
            "the predictions have no actual values: the table given to predict has no column \"y\""
        );
        let empty = ClassPredictions::new(
            classifier(),
            None,
            Some(vec![]),
            vec![],
            ndarray::Array2::zeros((0, 2)),
            true,
        )
        .unwrap();
        assert_eq!(
            evaluate(&empty).unwrap_err().to_string(),
            "no predictions to score: the table given to predict had no rows"
        );
    }
}
