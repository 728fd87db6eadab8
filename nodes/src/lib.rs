//! # pipewright-nodes
//!
//! Pipewright's node catalogue: the concrete steps a flow is drawn from and the
//! artifact types they exchange, built on polars (tables) and linfa (models). The
//! engine only knows the [`pipewright_engine::NodeKind`] and
//! [`pipewright_engine::Artifact`] traits; [`registry`] hands it every kind and
//! every artifact type (decoder and views) of this crate.
//!
//! ## Artifact types ([`artifacts`])
//! | port type | Rust type | stored as |
//! |---|---|---|
//! | `table` | [`Table`] (a polars `DataFrame`) | Parquet, LZ4 |
//! | `model` | [`Model`] (features, coefficients, intercept) | JSON |
//! | `predictions` | [`Predictions`] (predicted, actual, model) | Parquet, model JSON in its metadata |
//! | `metrics` | [`Metrics`] (scores, model, plot points ≤ 10,000) | JSON |
//! | `signal` | [`Signal`] (start → data wiring) | JSON `null` |
//! | `class_predictions` | [`artifacts::ClassPredictions`] (labels, per-class scores, ids, classifier) | Parquet, classifier JSON in its metadata |
//! | `class_metrics` | [`artifacts::ClassMetrics`] (scores, per class, confusion, ROC/PR ≤ 10,000 points, classifier) | JSON |
//! | `plot` | [`artifacts::ScatterPlot`] (a 2-D scatter, one set per colour, ≤ 10,000 points) | JSON |
//! | `classifier` | [`artifacts::Classifier`] (features, classes, hyper-parameters, the algorithm's state) | JSON |
//! | `fitted` | [`artifacts::Fitted`] (what a transform learned from train, to transform new rows alike) | JSON |
//! | `clustering` | [`artifacts::Clustering`] (k-means centres, sizes, inertia, silhouette) | JSON |
//!
//! A table column may hold sparse vectors (TF-IDF, bag of words): see [`features`],
//! which also turns a table into the dense or sparse matrix a model reads.
//!
//! ## Node kinds, by palette category
//! - Flow ([`flow`]): `flow.start`, `flow.end`.
//! - Data ([`data`]): `data.load_csv`, `data.load_jsonl`, `data.load_parquet`,
//!   `data.load_phrasebank`, `data.synthetic_regression`, `data.check`.
//! - Transform ([`transform`]): `transform.select_columns`, `transform.split`,
//!   `transform.standard_scaler`, `transform.drop_nulls`, `transform.deduplicate`,
//!   `transform.cast`, `transform.impute`, `transform.one_hot`, `transform.label_encode`,
//!   `transform.sql`, `transform.tfidf`, `transform.bag_of_words`, `transform.pca`,
//!   `transform.apply`.
//! - Train ([`train`]): `train.linear_regression`, `train.ridge`, `train.elastic_net`;
//!   classifiers `train.logistic_regression`, `train.linear_svm`,
//!   `train.multinomial_nb`, `train.gaussian_nb`, `train.decision_tree`,
//!   `train.random_forest`, `train.knn`; clustering `train.kmeans`.
//! - Evaluate ([`evaluate`]): `evaluate.predict`, `evaluate.regression_metrics`,
//!   `evaluate.select_best`, `evaluate.predict_classes`,
//!   `evaluate.classification_metrics`, `evaluate.select_best_classifier`,
//!   `evaluate.scatter`.
//!
//! ## Design choices a newcomer must know
//! - **scikit-learn semantics.** Splits, scaling, the three models and the metrics
//!   follow scikit-learn's definitions, and `nodes/tests/reference.rs` checks them
//!   against numbers scikit-learn computed on the bundled dataset
//!   (`scripts/sklearn_reference.py`), not against our own output.
//! - **Deterministic encodings.** Equal artifacts encode to equal bytes (the store
//!   and the cache key hash them): tables are rechunked before writing Parquet,
//!   JSON comes from ordered maps, randomness is always seeded.
//! - **Pass-through without copies.** `data.check` and `evaluate.select_best` pass
//!   the input artifact's `Arc` on, so the engine stores it once.
//! - **Errors name things.** Every failure is a [`NodeError`] whose message names the
//!   file, line, column, row, value or parameter at fault.
//! - **The ndarray bridge.** linfa uses ndarray 0.16 and polars 0.17, so numeric
//!   columns cross as contiguous `f64` buffers ([`columns::f64_values`]) into a
//!   column-major design matrix ([`train::Design`]).

pub mod artifacts;
pub mod bundle;
pub mod category;
pub mod columns;
pub mod data;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod flow;
pub mod random;
pub mod stats;
#[cfg(test)]
mod testutil;
pub mod train;
pub mod transform;

pub use artifacts::{
    METRICS, MODEL, Metrics, Model, PREDICTIONS, Plot, Predictions, SIGNAL, Signal, TABLE, Table,
};
pub use error::{NodeError, Result};
/// The polars this catalogue is built on, for tests and benchmarks that read its tables
/// (the app itself never touches a frame: it draws artifact views).
pub use polars;

use pipewright_engine::Registry;

/// Every node kind and artifact type of the catalogue. Adding a node kind is its file
/// (under the folder of its category) plus one `register` line here; adding an artifact
/// type is its file in `artifacts/` plus one `register_artifact` line here. Nothing in
/// the engine or the app changes: the editor and the CLI draw the type's views.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(flow::Start::new());
    r.register(flow::End::new());
    r.register(flow::Foreach::new());
    r.register(flow::Collect::new());
    r.register(data::LoadCsv::new());
    r.register(data::LoadJsonl::new());
    r.register(data::LoadParquet::new());
    r.register(data::LoadPhrasebank::new());
    r.register(data::SyntheticRegression::new());
    r.register(data::Check::new());
    r.register(transform::SelectColumns::new());
    r.register(transform::Split::new());
    r.register(transform::KFold::new());
    r.register(transform::StandardScaler::new());
    r.register(transform::DropNulls::new());
    r.register(transform::Deduplicate::new());
    r.register(transform::Cast::new());
    r.register(transform::ApplyFitted::new());
    r.register(transform::Tfidf::new());
    r.register(transform::BagOfWords::new());
    r.register(transform::Impute::new());
    r.register(transform::OneHot::new());
    r.register(transform::LabelEncode::new());
    r.register(transform::Sql::new());
    r.register(train::LinearRegression::new());
    r.register(train::Ridge::new());
    r.register(train::ElasticNet::new());
    r.register(train::DecisionTree::new());
    r.register(train::RandomForest::new());
    r.register(train::Knn::new());
    r.register(train::KMeans::new());
    r.register(transform::Pca::new());
    r.register(train::LogisticRegression::new());
    r.register(train::LinearSvm::new());
    r.register(train::MultinomialNb::new());
    r.register(train::GaussianNb::new());
    r.register(evaluate::Predict::new());
    r.register(evaluate::RegressionMetrics::new());
    r.register(evaluate::SelectBest::new());
    r.register(evaluate::PredictClasses::new());
    r.register(evaluate::ClassificationMetrics::new());
    r.register(evaluate::SelectBestClassifier::new());
    r.register(evaluate::Scatter::new());
    r.register(evaluate::Gate::new());
    r.register(evaluate::Behaviour::new());
    r.register_artifact(artifacts::table::TABLE_TYPE);
    r.register_artifact(artifacts::model::MODEL_TYPE);
    r.register_artifact(artifacts::predictions::PREDICTIONS_TYPE);
    r.register_artifact(artifacts::metrics::METRICS_TYPE);
    r.register_artifact(artifacts::signal::SIGNAL_TYPE);
    r.register_artifact(artifacts::classifier::CLASSIFIER_TYPE);
    r.register_artifact(artifacts::fitted::FITTED_TYPE);
    r.register_artifact(artifacts::class_predictions::CLASS_PREDICTIONS_TYPE);
    r.register_artifact(artifacts::class_metrics::CLASS_METRICS_TYPE);
    r.register_artifact(artifacts::plot::PLOT_TYPE);
    r.register_artifact(artifacts::clustering::CLUSTERING_TYPE);
    r.register_artifact(artifacts::collection::COLLECTION_TYPE);
    r.register_artifact(artifacts::verdict::VERDICT_TYPE);
    r
}

#[cfg(test)]
mod tests {
    use pipewright_engine::{ANY, ParamType, Value};

    use super::*;

    const KINDS: [&str; 45] = [
        "data.check",
        "data.load_csv",
        "data.load_jsonl",
        "data.load_parquet",
        "data.load_phrasebank",
        "data.synthetic_regression",
        "evaluate.behaviour",
        "evaluate.classification_metrics",
        "evaluate.gate",
        "evaluate.predict",
        "evaluate.predict_classes",
        "evaluate.regression_metrics",
        "evaluate.scatter",
        "evaluate.select_best",
        "evaluate.select_best_classifier",
        "flow.collect",
        "flow.end",
        "flow.foreach",
        "flow.start",
        "train.decision_tree",
        "train.elastic_net",
        "train.gaussian_nb",
        "train.kmeans",
        "train.knn",
        "train.linear_regression",
        "train.linear_svm",
        "train.logistic_regression",
        "train.multinomial_nb",
        "train.random_forest",
        "train.ridge",
        "transform.apply",
        "transform.bag_of_words",
        "transform.cast",
        "transform.deduplicate",
        "transform.drop_nulls",
        "transform.impute",
        "transform.kfold",
        "transform.label_encode",
        "transform.one_hot",
        "transform.pca",
        "transform.select_columns",
        "transform.split",
        "transform.sql",
        "transform.standard_scaler",
        "transform.tfidf",
    ];

    #[test]
    fn every_kind_is_registered_with_its_version_and_its_category() {
        let r = registry();
        let ids: Vec<&str> = r.kinds().map(|k| k.id).collect();
        assert_eq!(ids, KINDS);
        for k in r.kinds() {
            // A kind's version is part of every cache key: it goes up when the kind's
            // results change for the same inputs (the split took numpy's rows in 2 and
            // stratifies in 3; the check took its expectations in 2).
            let version = match k.id {
                "transform.split" => 3,
                "data.check" => 2,
                // 2: also outputs what it fitted.
                "transform.standard_scaler" => 2,
                _ => 1,
            };
            assert_eq!(k.version, version, "{}", k.id);
            let prefix = k.id.split('.').next().unwrap();
            assert_eq!(k.category.name.to_lowercase(), prefix, "{}", k.id);
            assert!(!k.doc.is_empty() && !k.title.is_empty(), "{}", k.id);
        }
    }

    #[test]
    fn categories_come_in_palette_order() {
        let names: Vec<&str> = registry().categories().iter().map(|c| c.name).collect();
        assert_eq!(names, ["Data", "Transform", "Train", "Evaluate", "Flow"]);
    }

    #[test]
    fn every_artifact_type_views_itself_from_its_stored_bytes() {
        let r = registry();
        let df = polars::prelude::df!("x" => [1.0, 2.0, 3.0], "y" => [2.0, 4.0, 6.5]).unwrap();
        let table = Table::new(df);
        let model = crate::artifacts::model::tests::sample();
        let predictions = Predictions::new(
            model.clone(),
            vec![1.0, 2.0, 3.0],
            Some(vec![1.5, 2.0, 2.0]),
        )
        .unwrap();
        let metrics = crate::evaluate::metrics::evaluate(&predictions).unwrap();
        let samples: Vec<Box<dyn pipewright_engine::Artifact>> = vec![
            Box::new(table),
            Box::new(model),
            Box::new(predictions),
            Box::new(metrics),
            Box::new(Signal),
            Box::new(crate::artifacts::clustering::tests::sample()),
        ];
        for a in samples {
            let (encoding, bytes) = a.encode().unwrap();
            let ty = r.artifact_types().get(a.type_name()).unwrap();
            let views = ty.views(encoding, &bytes, 2).unwrap();
            assert_eq!(
                views,
                a.views(2),
                "{}: stored views equal the artifact's",
                a.type_name()
            );
            assert!(!views.is_empty(), "{}", a.type_name());
        }
    }

    #[test]
    fn every_port_type_has_a_decoder_and_every_default_fits_its_type() {
        let r = registry();
        for k in r.kinds() {
            for port in k.inputs.iter().chain(&k.outputs) {
                assert!(
                    port.ty == ANY || r.decoder(port.ty).is_some(),
                    "{}.{}: no decoder for {:?}",
                    k.id,
                    port.name,
                    port.ty
                );
            }
            for p in &k.params {
                // A required text parameter defaults to empty, which validation flags.
                let required_empty = p.required && p.default == Value::Text(String::new());
                assert!(
                    required_empty || p.ty.check(&p.default).is_ok(),
                    "{}.{}: default {} does not fit {:?}",
                    k.id,
                    p.name,
                    p.default,
                    p.ty
                );
                if let ParamType::Choice(options) = &p.ty {
                    assert!(options.iter().any(|o| Value::Text(o.clone()) == p.default));
                }
            }
        }
    }
}
