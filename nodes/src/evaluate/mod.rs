//! Evaluate steps: predict, score, and pick the best of several models.

pub mod metrics;
pub mod predict;
pub mod select_best;

pub use metrics::RegressionMetrics;
pub use predict::Predict;
pub use select_best::SelectBest;
