//! Every example flow runs headless and its results are checked — the one place that
//! does so (`nodes/tests/examples.rs` only checks the files' content).
//!
//! `every_example_runs_to_done` loops over the files in `examples/`, so a new example
//! runs to done here before anyone writes checks for it; the named tests below check
//! the numbers of each example against what its data or generator says they must be.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pipewright_engine::{
    Engine, Flow, Registry, RunOptions, RunRecord, RunStatus, StepStatus, Store, Value, downcast,
    validate,
};
use pipewright_nodes::artifacts::{ClassMetrics, Classifier, Clustering};
use pipewright_nodes::{Metrics, Model};

use crate::util::{example_files, examples_dir};

/// The example file `name`; a missing file fails the test (the examples are part of
/// this repository, so there is nothing to skip).
pub(crate) fn example(name: &str) -> PathBuf {
    let path = examples_dir().join(name);
    assert!(path.is_file(), "example {} is missing", path.display());
    path
}

/// Loads an example flow, failing with the file's name when it does not load.
pub(crate) fn load(path: &Path) -> Flow {
    Flow::load(path).unwrap_or_else(|e| panic!("example {} does not load: {e}", path.display()))
}

/// One example run on its own temporary store.
pub(crate) struct ExampleRun {
    pub(crate) engine: Engine,
    pub(crate) registry: Arc<Registry>,
    pub(crate) run: RunRecord,
    _store: tempfile::TempDir,
}

impl ExampleRun {
    /// The metrics artifact step `step` wrote on `port`.
    fn metrics(&self, step: &str, port: &str) -> Metrics {
        let a = self
            .engine
            .store()
            .run_artifact(&self.run, step, port, self.registry.artifact_types())
            .unwrap_or_else(|e| panic!("{step}.{port}: {e}"));
        downcast::<Metrics>(a.as_ref())
            .unwrap_or_else(|e| panic!("{step}.{port} is not a metrics artifact: {e}"))
            .clone()
    }

    /// The label of the only step of `kind`.
    fn label_of(&self, kind: &str) -> String {
        let mut steps = self.run.tasks.iter().filter(|t| t.kind == kind);
        let step = steps.next().unwrap_or_else(|| panic!("no {kind} step"));
        assert!(steps.next().is_none(), "more than one {kind} step");
        step.label.clone()
    }
}

/// Runs an example on a fresh store with `overrides`; every step must be done.
pub(crate) fn run_example(path: &Path, overrides: &[(&str, Value)]) -> ExampleRun {
    let dir = tempfile::tempdir().unwrap();
    let registry = Arc::new(pipewright_nodes::registry());
    let engine = Engine::new(registry.clone(), Store::open(dir.path()).unwrap());
    let flow = load(path);
    let options = RunOptions {
        base_dir: examples_dir(),
        overrides: overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        ..Default::default()
    };
    let name = path.display();
    let run = engine
        .run(&flow, options, |_| {})
        .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
    for t in &run.tasks {
        assert_eq!(
            t.status,
            StepStatus::Done,
            "{name}: step {:?}: {:?}",
            t.label,
            t.message
        );
    }
    // A task per step, and per item for the steps of a foreach.
    let (sections, _) = pipewright_engine::foreach::sections(&flow, &registry, &run.params);
    let per_item: usize = sections
        .iter()
        .map(|s| s.body.len() * (s.items.len() - 1))
        .sum();
    assert_eq!(
        run.tasks.len(),
        flow.nodes.len() + per_item,
        "{name}: a task per step and per item"
    );
    assert_eq!(run.status, RunStatus::Done, "{name}");
    ExampleRun {
        engine,
        registry,
        run,
        _store: dir,
    }
}

impl ExampleRun {
    /// The artifact step `step` wrote on `port`, as `T`.
    fn artifact<T: pipewright_engine::Artifact + Clone>(&self, step: &str, port: &str) -> T {
        let a = self
            .engine
            .store()
            .run_artifact(&self.run, step, port, self.registry.artifact_types())
            .unwrap_or_else(|e| panic!("{step}.{port}: {e}"));
        downcast::<T>(a.as_ref())
            .unwrap_or_else(|e| panic!("{step}.{port}: {e}"))
            .clone()
    }

    /// The class metrics of every classification-metrics step, by label.
    fn class_metrics(&self) -> Vec<(String, ClassMetrics)> {
        self.run
            .tasks
            .iter()
            .filter(|t| t.kind == "evaluate.classification_metrics")
            .map(|t| {
                (
                    t.label.clone(),
                    self.artifact::<ClassMetrics>(&t.label, "metrics"),
                )
            })
            .collect()
    }
}

/// The branch `select_best_classifier` must keep: the highest `metric` (the first on
/// ties, as branches are ranked in node order), checked against what it passed on.
fn check_best(ex: &ExampleRun, metric: &str) -> ClassMetrics {
    let branches = ex.class_metrics();
    assert!(branches.len() >= 2, "{branches:?}");
    let mut best = &branches[0].1;
    for (_, m) in &branches[1..] {
        if m.values[metric] > best.values[metric] {
            best = m;
        }
    }
    let select = ex.label_of("evaluate.select_best_classifier");
    let chosen = ex.artifact::<ClassMetrics>(&select, "best");
    assert_eq!(&chosen, best, "the best by {metric}");
    let classifier = ex.artifact::<Classifier>(&select, "classifier");
    assert_eq!(Some(&classifier), best.classifier.as_ref());
    chosen
}

#[test]
fn finance_sentiment_example_classifies_the_bundled_sentences() {
    let ex = run_example(&example("finance_sentiment.ron"), &[]);
    // 700 sentences (98 negative, 406 neutral, 196 positive), a fifth held out with
    // the labels' shares kept: 140 test rows, 20/81/39 (19.6/81.2/39.2 rounded as
    // scikit-learn's StratifiedShuffleSplit allots them: floors, then the largest
    // remainder).
    for (label, m) in ex.class_metrics() {
        assert_eq!(
            m.confusion.labels,
            ["negative", "neutral", "positive"],
            "{label}"
        );
        let rows: Vec<u64> = m.confusion.counts.iter().map(|r| r.iter().sum()).collect();
        assert_eq!(rows, [20, 81, 39], "{label}: actual class counts");
        assert_eq!(m.values["n"], 140.0, "{label}");
        // Sentences written from templates are learnable: both models do well above
        // the 58 % of always answering neutral.
        assert!(m.values["accuracy"] > 0.8, "{label}: {:?}", m.values);
        assert!(m.values["f1_macro"] > 0.7, "{label}: {:?}", m.values);
        assert_eq!(m.roc.len(), 3, "{label}: one ROC curve per class");
    }
    let best = check_best(&ex, "f1_macro");
    let classifier = best.classifier.expect("the winner's classifier");
    assert!(
        classifier.features.is_sparse(),
        "TF-IDF features stay sparse"
    );
    assert_eq!(classifier.classes, ["negative", "neutral", "positive"]);
}

#[test]
fn iris_example_separates_three_species() {
    let ex = run_example(&example("iris.ron"), &[]);
    for (label, m) in ex.class_metrics() {
        assert_eq!(m.confusion.labels, ["setosa", "versicolor", "virginica"]);
        // 30 % of 150 flowers, 15 of each species.
        let rows: Vec<u64> = m.confusion.counts.iter().map(|r| r.iter().sum()).collect();
        assert_eq!(rows, [15, 15, 15], "{label}");
        assert!(m.values["accuracy"] >= 0.85, "{label}: {:?}", m.values);
        // Setosa is linearly separable from the others: never confused.
        assert_eq!(m.confusion.counts[0][0], 15, "{label}: setosa");
    }
    check_best(&ex, "f1_macro");
}

#[test]
fn breast_cancer_example_draws_one_roc_curve_and_keeps_the_best_auc() {
    let ex = run_example(&example("breast_cancer.ron"), &[]);
    for (label, m) in ex.class_metrics() {
        assert_eq!(m.confusion.labels, ["benign", "malignant"]);
        assert_eq!(m.roc.len(), 1, "{label}: a binary ROC curve");
        assert!(m.values["roc_auc"] > 0.95, "{label}: {:?}", m.values);
        assert_eq!(
            m.values["n"], 143.0,
            "{label}: a quarter of 569, rounded up"
        );
    }
    check_best(&ex, "roc_auc");
}

#[test]
fn clusters_example_finds_iris_three_groups() {
    let ex = run_example(&example("clusters.ron"), &[]);
    let kmeans = ex.label_of("train.kmeans");
    let c = ex.artifact::<Clustering>(&kmeans, "clusters");
    assert_eq!(c.sizes.iter().sum::<u64>(), 150);
    let mut sizes = c.sizes.clone();
    sizes.sort_unstable();
    // scikit-learn's KMeans(3, n_init=10) on iris: clusters of 38, 50 and 62 flowers,
    // inertia 78.851441426146 and silhouette 0.5528190123564095 (scikit-learn 1.9.1,
    // `KMeans(3, n_init=10, random_state=0).fit(load_iris().data)`; the optimum every
    // start reaches, so the seed's draws need not match).
    assert_eq!(sizes, [38, 50, 62]);
    assert!(
        (c.inertia / 78.851441426146 - 1.0).abs() < 1e-9,
        "{}",
        c.inertia
    );
    let silhouette = c.silhouette.expect("a silhouette score");
    assert!(
        (silhouette / 0.5528190123564095 - 1.0).abs() < 1e-9,
        "{silhouette}"
    );
}

#[test]
fn every_example_has_a_title_a_description_and_validates() {
    let files = example_files();
    assert!(files.len() >= 3, "{files:?}");
    let registry = pipewright_nodes::registry();
    for f in files {
        let flow = load(&f);
        assert!(!flow.title.is_empty(), "{} has no title", f.display());
        assert!(
            !flow.description.is_empty(),
            "{} has no description",
            f.display()
        );
        let problems = validate(&flow, &registry);
        assert!(problems.is_empty(), "{}: {problems:?}", f.display());
        // The files are saved in canonical form: loading and saving changes nothing.
        assert_eq!(
            flow.to_ron().unwrap(),
            std::fs::read_to_string(&f).unwrap(),
            "{}",
            f.display()
        );
    }
}

/// Every file in `examples/`, including one nobody has written checks for yet.
#[test]
fn every_example_runs_to_done() {
    for f in example_files() {
        run_example(&f, &[]);
    }
}

#[test]
fn regression_example_fits_the_bundled_data() {
    let ex = run_example(&example("regression.ron"), &[]);
    assert_eq!(ex.run.params["test_fraction"], Value::Float(0.2));
    let m = ex.metrics(&ex.label_of("evaluate.regression_metrics"), "metrics");
    let (r2, rmse, mse) = (m.values["r2"], m.values["rmse"], m.values["mse"]);
    assert!(r2 > 0.9 && r2 <= 1.0, "{:?}", m.values);
    assert!(
        (rmse * rmse - mse).abs() < 1e-9 * mse.max(1.0),
        "rmse² = mse: {:?}",
        m.values
    );
    // The run record carries the same numbers as the artifact (up to the last digit:
    // the record goes through JSON).
    let recorded = ex.run.metrics();
    let key = |k: &str| {
        recorded
            .iter()
            .find(|(name, _)| name.ends_with(&format!(".{k}")))
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {k} in {recorded:?}"))
    };
    assert!(
        (key("r2") - r2).abs() < 1e-12,
        "{recorded:?} vs {:?}",
        m.values
    );
    assert!(
        (key("rmse") - rmse).abs() < 1e-12,
        "{recorded:?} vs {:?}",
        m.values
    );
    // 20% of the 1000 bundled rows are held out.
    assert_eq!(m.values["n"], 200.0);
    assert_eq!(m.plot.pairs.len(), 200);
    let model = m.model.expect("the metrics carry the model");
    // The data were generated with y = 2.5·x + 1 + N(0, 1.5²).
    assert!((model.coefficients[0] - 2.5).abs() < 0.1, "{model:?}");
    assert!((model.intercept - 1.0).abs() < 0.5, "{model:?}");

    let half = run_example(
        &example("regression.ron"),
        &[("test_fraction", Value::Float(0.5))],
    );
    let m = half.metrics(&half.label_of("evaluate.regression_metrics"), "metrics");
    assert_eq!(m.values["n"], 500.0);
}

#[test]
fn branch_join_example_keeps_the_lower_rmse() {
    let ex = run_example(&example("branch_join.ron"), &[]);
    let branches: Vec<Metrics> = ex
        .run
        .tasks
        .iter()
        .filter(|t| t.kind == "evaluate.regression_metrics")
        .map(|t| ex.metrics(&t.label, "metrics"))
        .collect();
    let [ols, ridge] = branches.as_slice() else {
        panic!("two branches expected: {branches:?}");
    };
    assert_ne!(
        ols.values["rmse"], ridge.values["rmse"],
        "the two models differ"
    );
    let lower = if ols.values["rmse"] <= ridge.values["rmse"] {
        ols
    } else {
        ridge
    };
    let select = ex.label_of("evaluate.select_best");
    let best = ex.metrics(&select, "best");
    assert_eq!(&best, lower);
    let model = ex
        .engine
        .store()
        .run_artifact(&ex.run, &select, "model", ex.registry.artifact_types())
        .unwrap();
    assert_eq!(
        Some(downcast::<Model>(model.as_ref()).expect("a model artifact")),
        lower.model.as_ref()
    );
    // The run record's metric for the join is the winner's.
    assert_eq!(
        ex.run.metrics()[&format!("{select}.rmse")],
        lower.values["rmse"]
    );
}

#[test]
fn synthetic_example_recovers_the_generating_relation() {
    let ex = run_example(&example("synthetic.ron"), &[("noise", Value::Float(0.5))]);
    let m = ex.metrics(&ex.label_of("evaluate.regression_metrics"), "metrics");
    assert!(m.values["r2"] > 0.98, "{:?}", m.values);
    // A quarter of the 10 000 generated rows are held out.
    assert_eq!(m.values["n"], 2500.0);
    let model = m.model.expect("the metrics carry the model");
    assert_eq!(model.features, vec!["x1", "x2", "x3"]);
    // Standardised features: each weight ≈ slope · std(x) = 2 · 10/√12 ≈ 5.77, a little
    // shrunk by the penalty.
    for w in &model.coefficients {
        assert!((5.3..5.8).contains(w), "{model:?}");
    }
}

#[test]
fn ridge_sweep_example_runs_eight_alphas_in_one_run_and_keeps_the_best() {
    let path = example("ridge_sweep.ron");
    let ex = run_example(&path, &[]);
    let alphas = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0];
    let metrics: Vec<(f64, Metrics)> = ex
        .run
        .tasks
        .iter()
        .filter(|t| t.kind == "evaluate.regression_metrics")
        .map(|t| {
            assert_eq!(t.name(), format!("Metrics/{}", t.index.unwrap()));
            let alpha = t.item["Ridge.alpha"].as_f64().unwrap();
            (alpha, ex.metrics(&t.name(), "metrics"))
        })
        .collect();
    let got: Vec<f64> = metrics.iter().map(|(a, _)| *a).collect();
    assert_eq!(got, alphas);
    // Each task is the ridge fit of its alpha: the same as the flow without the
    // foreach, run with that alpha set on the step.
    let plain = |alpha: f64| {
        let mut flow = load(&path);
        flow.nodes
            .retain(|n| n.kind != "flow.foreach" && n.kind != "flow.collect");
        let kept: Vec<_> = flow.nodes.iter().map(|n| n.id).collect();
        flow.edges
            .retain(|e| kept.contains(&e.from.node) && kept.contains(&e.to.node));
        let ridge = flow.nodes.iter_mut().find(|n| n.label == "Ridge").unwrap();
        ridge.params.insert(
            "alpha".into(),
            pipewright_engine::ParamValue::Lit(Value::Float(alpha)),
        );
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(ex.registry.clone(), Store::open(dir.path()).unwrap());
        let options = RunOptions {
            base_dir: examples_dir(),
            ..Default::default()
        };
        let run = engine.run(&flow, options, |_| {}).unwrap();
        let a = engine
            .store()
            .run_artifact(&run, "Metrics", "metrics", ex.registry.artifact_types())
            .unwrap();
        downcast::<Metrics>(a.as_ref()).unwrap().values["rmse"]
    };
    for i in [0, 7] {
        assert_eq!(
            metrics[i].1.values["rmse"],
            plain(alphas[i]),
            "alpha {}",
            alphas[i]
        );
    }
    // Shrinking the slope hard costs accuracy: the largest alpha is the worst.
    let rmse: Vec<f64> = metrics.iter().map(|(_, m)| m.values["rmse"]).collect();
    assert!(rmse[7] > rmse[0] * 1.5, "{rmse:?}");
    // Select best keeps the lowest RMSE and says which alpha won.
    let (best_i, best) = rmse
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    let chosen = ex.metrics("Select best", "best");
    assert_eq!(chosen.values["rmse"], *best);
    let select = ex.run.task_by_name("Select best").unwrap();
    assert!(
        select.logs.iter().any(|l| l
            == &format!(
                "best item: alpha = {} (rmse = {best})",
                Value::Float(alphas[best_i])
            )),
        "{:?}",
        select.logs
    );
    // Collect: one row per alpha, the same scores, and a log-scale plot.
    let c: pipewright_nodes::artifacts::Collection = ex.artifact("Collect", "collection");
    assert_eq!(c.axes, ["Ridge.alpha"]);
    assert_eq!(c.log_axes, [true]);
    assert_eq!(c.rows.len(), 8);
    for (row, (alpha, m)) in c.rows.iter().zip(&metrics) {
        assert_eq!(row.item, [Value::Float(*alpha)]);
        assert_eq!(row.metrics["rmse"], m.values["rmse"]);
    }
    // The run's metrics are the joins', not the eight tasks'.
    let recorded = ex.run.metrics();
    assert!(recorded.contains_key("Select best.rmse"), "{recorded:?}");
    assert!(recorded.contains_key("Collect.rmse_mean"), "{recorded:?}");
    assert!(
        !recorded.keys().any(|k| k.starts_with("Metrics")),
        "{recorded:?}"
    );
}

/// scikit-learn 1.9.1 on the bundled file (the same 1000 rows):
/// `cross_validate(LinearRegression(), X, y, cv=KFold(5, shuffle=True,
/// random_state=42), scoring=("neg_root_mean_squared_error", "r2"))` and the first
/// five test rows of each fold, from `KFold(5, shuffle=True, random_state=42).split(X)`.
const SKLEARN_CV_RMSE: [f64; 5] = [
    1.4664629956638457,
    1.5447895750987233,
    1.5932660244367107,
    1.473622737200166,
    1.5651584293794265,
];
const SKLEARN_CV_R2: [f64; 5] = [
    0.9583936578853952,
    0.9552498713177141,
    0.9506010999943837,
    0.9595674277017135,
    0.9573724259116174,
];
const SKLEARN_FOLD_HEADS: [[usize; 5]; 5] = [
    [10, 23, 25, 30, 39],
    [0, 2, 3, 5, 6],
    [11, 12, 15, 18, 19],
    [8, 16, 17, 26, 36],
    [1, 4, 13, 14, 20],
];

#[test]
fn cross_validation_example_matches_scikit_learns_folds_and_scores() {
    let ex = run_example(&example("cross_validation.ron"), &[]);
    let text =
        std::fs::read_to_string(crate::util::root().join("assets/data/regression_dataset.txt"))
            .unwrap();
    let y: Vec<f64> = text
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap().trim().parse().unwrap())
        .collect();
    let c: pipewright_nodes::artifacts::Collection = ex.artifact("Cross-validation", "collection");
    assert_eq!(c.axes, ["K-fold split.fold"]);
    assert_eq!(c.rows.len(), 5);
    for (fold, row) in c.rows.iter().enumerate() {
        assert_eq!(row.item, [Value::Int(fold as i64)]);
        let rmse = row.metrics["rmse"];
        assert!(
            (rmse - SKLEARN_CV_RMSE[fold]).abs() < 1e-9,
            "fold {fold}: {rmse}"
        );
        assert!(
            (row.metrics["r2"] - SKLEARN_CV_R2[fold]).abs() < 1e-9,
            "fold {fold}"
        );
        assert_eq!(row.metrics["n"], 200.0);
        // The fold's rows are scikit-learn's: its first test rows' targets, in order.
        let m = ex.metrics(&format!("Metrics/{fold}"), "metrics");
        let actual: Vec<f64> = m.plot.pairs.iter().take(5).map(|p| p[0]).collect();
        let expected: Vec<f64> = SKLEARN_FOLD_HEADS[fold].iter().map(|&i| y[i]).collect();
        assert_eq!(actual, expected, "fold {fold}");
    }
    let (mean, std, n) = c.mean_std("rmse").unwrap();
    let m = SKLEARN_CV_RMSE.iter().sum::<f64>() / 5.0;
    let s = (SKLEARN_CV_RMSE.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 5.0).sqrt();
    assert_eq!(n, 5);
    assert!(
        (mean - m).abs() < 1e-9 && (std - s).abs() < 1e-9,
        "{mean} ± {std}"
    );
    assert!((ex.run.metrics()["Cross-validation.rmse_mean"] - m).abs() < 1e-9);
}
