//! Data steps: load a file, generate a table, check a table.

pub mod check;
pub mod load_csv;
pub mod synthetic;

pub use check::Check;
pub use load_csv::LoadCsv;
pub use synthetic::SyntheticRegression;
