//! The crate's error type: every way a node of the catalogue can fail, each message
//! naming the file, column, row or parameter involved.

use pipewright_engine::{ArtifactError, StepError};
use polars::prelude::PolarsError;

/// Why a node of the catalogue failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A data file has no bytes (or only blank lines).
    #[error("file {path} is empty")]
    EmptyFile {
        /// The file as the user gave it.
        path: String,
    },
    /// A data file is text in an encoding other than UTF-8.
    #[error("file {path} is {encoding} text; save it as UTF-8 and load it again")]
    Encoding {
        /// The file as the user gave it.
        path: String,
        /// The encoding it appears to be in, e.g. `UTF-16 LE`.
        encoding: &'static str,
    },
    /// A line of a delimited file has a different number of fields than the first.
    #[error("file {path}: line {line} has {found} fields, but line {first_line} has {expected}")]
    RaggedRow {
        /// The file as the user gave it.
        path: String,
        /// 1-based line number of the offending line.
        line: usize,
        /// Fields on that line.
        found: usize,
        /// 1-based line number of the first non-blank line.
        first_line: usize,
        /// Fields on the first non-blank line.
        expected: usize,
    },
    /// The CSV parser refused the file.
    #[error("file {path}: {message}")]
    Csv {
        /// The file as the user gave it.
        path: String,
        /// What the parser said.
        message: String,
    },
    /// `column_names` does not match the file's width.
    #[error(
        "parameter \"column_names\" names {given} columns ({names}), but file {path} has {found}"
    )]
    ColumnNamesCount {
        /// The file as the user gave it.
        path: String,
        /// How many names were given.
        given: usize,
        /// The names given.
        names: String,
        /// How many columns the file has.
        found: usize,
    },
    /// A parameter's value cannot be used.
    #[error("parameter {param:?}: {message}")]
    Param {
        /// The parameter.
        param: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A column named by a parameter or a model is not in the table.
    #[error("unknown column {column:?} (the table has: {available})")]
    UnknownColumn {
        /// The missing column.
        column: String,
        /// The table's columns, comma-separated.
        available: String,
    },
    /// A column holds text where a number is needed.
    #[error("column {column:?} is not numeric: row {row} is {value:?}")]
    TextInNumeric {
        /// The column.
        column: String,
        /// 1-based data row of the first value that is not a number.
        row: usize,
        /// That value.
        value: String,
    },
    /// A column's type cannot hold numbers at all.
    #[error("column {column:?} is not numeric (its type is {dtype})")]
    NotNumeric {
        /// The column.
        column: String,
        /// Its polars dtype.
        dtype: String,
    },
    /// A column has missing values where none are allowed.
    #[error("column {column:?} has {count} missing value(s), the first at row {row}")]
    Nulls {
        /// The column.
        column: String,
        /// How many values are missing.
        count: usize,
        /// 1-based data row of the first one.
        row: usize,
    },
    /// A numeric column has NaN or an infinity where none are allowed.
    #[error("column {column:?} has a value that is not a finite number: row {row} is {value}")]
    NonFinite {
        /// The column.
        column: String,
        /// 1-based data row of the first one.
        row: usize,
        /// The value (NaN, inf, -inf).
        value: f64,
    },
    /// A table has fewer rows than a rule asks for.
    #[error("the table has {rows} row(s), fewer than min_rows = {min_rows}")]
    TooFewRows {
        /// Rows present.
        rows: usize,
        /// Rows required.
        min_rows: usize,
    },
    /// A split would leave one side without rows.
    #[error("test_fraction = {test_fraction} of {rows} row(s) leaves the {side} set empty")]
    EmptySplit {
        /// The fraction asked for.
        test_fraction: f64,
        /// Rows in the table.
        rows: usize,
        /// `"train"` or `"test"`.
        side: &'static str,
    },
    /// A column cannot be used as it is (not a vector, a vector missing).
    #[error("column {column:?} {reason}")]
    Column {
        /// The column.
        column: String,
        /// What is wrong with it, e.g. `has no vector in row 3`.
        reason: String,
    },
    /// A model has nothing to learn from.
    #[error("no feature columns: {reason}")]
    NoFeatures {
        /// Why none were found.
        reason: String,
    },
    /// Fitting a model failed.
    #[error("{algorithm}: {message}")]
    Fit {
        /// The algorithm.
        algorithm: String,
        /// What went wrong.
        message: String,
    },
    /// Predictions carry no actual values to score against.
    #[error(
        "the predictions have no actual values: the table given to predict has no column {target:?}"
    )]
    NoActual {
        /// The model's target column.
        target: String,
    },
    /// Too few predictions to compute regression metrics.
    #[error("need at least 2 predictions to compute metrics, got {n}")]
    TooFewPredictions {
        /// How many there are.
        n: usize,
    },
    /// A candidate of `select_best` cannot be ranked.
    #[error("candidate {index} ({source_label}) {problem}")]
    Candidate {
        /// 1-based position among the candidates.
        index: usize,
        /// The candidate's source (model step / algorithm).
        source_label: String,
        /// What it lacks.
        problem: String,
    },
    /// A join received nothing.
    #[error("input {port:?} received no artifacts")]
    NoInputs {
        /// The port.
        port: &'static str,
    },
    /// polars failed on an operation.
    #[error("{context}: {source}")]
    Polars {
        /// What was being done.
        context: String,
        /// polars' error.
        source: PolarsError,
    },
    /// The run was cancelled while the step ran.
    #[error("cancelled")]
    Cancelled,
    /// An error from the engine's step API (missing input, wrong parameter type).
    #[error("{0}")]
    Step(String),
}

/// The crate's result type.
pub type Result<T, E = NodeError> = std::result::Result<T, E>;

impl NodeError {
    /// Wraps a polars error with what was being done.
    pub fn polars(context: impl Into<String>) -> impl FnOnce(PolarsError) -> NodeError {
        let context = context.into();
        move |source| NodeError::Polars { context, source }
    }
}

impl From<NodeError> for StepError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Cancelled => StepError::Cancelled,
            other => StepError::Failed(other.to_string()),
        }
    }
}

impl From<StepError> for NodeError {
    fn from(e: StepError) -> Self {
        match e {
            StepError::Cancelled => NodeError::Cancelled,
            StepError::Failed(m) => NodeError::Step(m),
        }
    }
}

/// An encoding failure of an artifact type.
pub(crate) fn encode_error(type_name: &str, message: impl ToString) -> ArtifactError {
    ArtifactError::Encode {
        type_name: type_name.to_owned(),
        message: message.to_string(),
    }
}

/// A decoding failure of an artifact type.
pub(crate) fn decode_error(type_name: &str, message: impl ToString) -> ArtifactError {
    ArtifactError::Decode {
        type_name: type_name.to_owned(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_survives_the_round_trip_to_step_errors() {
        let step: StepError = NodeError::Cancelled.into();
        assert_eq!(step, StepError::Cancelled);
        let back: NodeError = StepError::Cancelled.into();
        assert!(matches!(back, NodeError::Cancelled));
        let failed: StepError = NodeError::EmptyFile {
            path: "a.csv".into(),
        }
        .into();
        assert_eq!(failed, StepError::Failed("file a.csv is empty".into()));
    }
}
