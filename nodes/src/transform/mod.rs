//! Transform steps: select columns, split rows, scale columns.

pub mod scaler;
pub mod select_columns;
pub mod split;

pub use scaler::StandardScaler;
pub use select_columns::SelectColumns;
pub use split::Split;
