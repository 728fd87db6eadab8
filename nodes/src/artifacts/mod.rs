//! The artifact types of the catalogue. Each type name equals the port type it
//! travels on, and each has a decoder registered by [`crate::registry`].

pub mod class_metrics;
pub mod class_predictions;
pub mod classifier;
pub mod clustering;
pub mod collection;
pub mod fitted;
pub mod metrics;
pub mod model;
pub mod neighbours;
pub mod plot;
pub mod predictions;
pub mod projection;
pub mod signal;
pub mod table;
pub mod trees;
pub mod verdict;
mod views;

pub use class_metrics::{CLASS_METRICS, ClassMetrics};
pub use class_predictions::{CLASS_PREDICTIONS, ClassPredictions};
pub use classifier::{CLASSIFIER, Classifier};
pub use clustering::{CLUSTERING, Clustering};
pub use collection::{COLLECTION, Collection};
pub use fitted::{FITTED, Fitted, FittedState};
pub use metrics::{MAX_PLOT_POINTS, METRICS, Metrics, Plot};
pub use model::{MODEL, Model};
pub use plot::{PLOT, ScatterPlot};
pub use predictions::{PREDICTIONS, Predictions};
pub use signal::{SIGNAL, Signal};
pub use table::{TABLE, Table};
pub use verdict::{VERDICT, Verdict};
