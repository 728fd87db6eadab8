//! Evaluate steps: predict, score, pick the best of several models, and check a
//! model can be trusted (gate, behaviour).

pub mod behaviour;
pub mod classification_metrics;
pub mod gate;
pub mod metrics;
pub mod predict;
pub mod predict_classes;
pub mod scatter;
pub mod select_best;
pub mod select_best_classifier;

pub use behaviour::Behaviour;
pub use classification_metrics::ClassificationMetrics;
pub use gate::Gate;
pub use metrics::RegressionMetrics;
pub use predict::Predict;
pub use predict_classes::PredictClasses;
pub use scatter::Scatter;
pub use select_best::SelectBest;
pub use select_best_classifier::SelectBestClassifier;
