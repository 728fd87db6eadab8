//! The artifact types of the catalogue. Each type name equals the port type it
//! travels on, and each has a decoder registered by [`crate::registry`].

pub mod classifier;
pub mod fitted;
pub mod metrics;
pub mod model;
pub mod predictions;
pub mod signal;
pub mod table;
mod views;

pub use classifier::{CLASSIFIER, Classifier};
pub use fitted::{FITTED, Fitted, FittedState};
pub use metrics::{MAX_PLOT_POINTS, METRICS, Metrics, Plot};
pub use model::{MODEL, Model};
pub use predictions::{PREDICTIONS, Predictions};
pub use signal::{SIGNAL, Signal};
pub use table::{TABLE, Table};
