//! Transform steps: select columns, split rows, scale columns, and clean a table
//! (drop rows with nulls, deduplicate, cast column types); apply what a step fitted.

pub mod apply;
pub mod cast;
pub mod deduplicate;
pub mod drop_nulls;
pub mod pca;
pub mod scaler;
pub mod select_columns;
pub mod split;
pub mod text;

pub use apply::ApplyFitted;
pub use cast::Cast;
pub use deduplicate::Deduplicate;
pub use drop_nulls::DropNulls;
pub use pca::Pca;
pub use scaler::StandardScaler;
pub use select_columns::SelectColumns;
pub use split::Split;
pub use text::{BagOfWords, Tfidf};
