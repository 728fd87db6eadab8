//! Model bundles (`.pwm`): everything needed to turn a raw input row into a
//! prediction, in one versioned file that leaves the store — the fitted transforms
//! between the flow's input table and the model (applied in order), the model, the
//! input and output schemas, and where it all came from.
//!
//! - [`build`] picks a run's model and walks its training table back to the rows the
//!   flow read, collecting every fitted state on the way ([`Bundle::from_run`]).
//! - [`file`] writes and reads the file: a magic line, the format number, a JSON
//!   manifest, then each part zstd-compressed, checked against its blake3 hash (the
//!   store's address of the same artifact).
//! - [`input`] turns request rows (JSON objects, column lists, CSV) into the table the
//!   chain expects, naming the column and row of anything that does not fit.
//!
//! Scoring uses the same code the run's steps used (`FittedState::apply`,
//! `Model::predict`, `Classifier::predict_table`) on a table of the training
//! table's column types, so a bundle's predictions equal the run's, bit for bit.

pub mod batch;
pub mod build;
pub mod file;
pub mod input;
pub mod rows;

use std::collections::BTreeMap;

use ndarray::Array2;
use pipewright_engine::{Encoding, Value};
use serde::{Deserialize, Serialize};

use crate::artifacts::{Classifier, FittedState, Model, Table};
use crate::error::NodeError;

pub use build::{BuildError, MODEL_TYPES};
pub use file::FileError;
pub use input::{Cell, InputError, InputProblem};

/// The bundle format this build writes and the newest it reads.
pub const BUNDLE_FORMAT: u32 = 1;

/// What a bundle says about itself: read without decoding any part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The bundle format ([`BUNDLE_FORMAT`] when written by this build).
    pub format: u32,
    /// The Pipewright version that wrote it.
    pub written_by: String,
    /// When it was written (RFC 3339).
    pub written_at: String,
    /// The model.
    pub model: Part,
    /// The fitted transforms, applied in this order before the model.
    pub transforms: Vec<TransformPart>,
    /// The columns a request row has.
    pub input: Vec<InputColumn>,
    /// What the model answers.
    pub output: OutputSchema,
    /// Where the model came from.
    pub provenance: Provenance,
}

/// One stored artifact inside the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Its artifact type (`model`, `classifier`, `fitted`).
    pub type_name: String,
    /// How its bytes are encoded.
    pub encoding: Encoding,
    /// blake3 of its bytes: the same address the run's store gave it.
    pub hash: String,
    /// Its size, uncompressed.
    pub bytes: u64,
    /// Its size in the bundle (zstd).
    pub stored_bytes: u64,
}

/// A fitted transform of the chain: which step fitted it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformPart {
    /// The step's label in the run.
    pub step: String,
    /// The kind that fitted it (`transform.tfidf`).
    pub kind: String,
    /// One line: what it learned.
    pub summary: String,
    /// The fitted state.
    pub part: Part,
}

/// The type of an input column, as a request gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// A number (integers are accepted).
    Float,
    /// A whole number.
    Int,
    /// Text.
    Text,
    /// `true` / `false`.
    Bool,
}

impl ColumnType {
    /// How the type is named in messages and schemas.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Float => "float",
            ColumnType::Int => "integer",
            ColumnType::Text => "text",
            ColumnType::Bool => "boolean",
        }
    }
}

/// One column of the input schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    /// Its name.
    pub name: String,
    /// The type a request gives.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// The exact polars type of the training column (`f64`, `i64`, `str`…): request
    /// values are cast to it, so the chain reads what it read in the run.
    pub dtype: String,
    /// Whether the chain needs it (a column nothing reads may be left out).
    pub required: bool,
    /// The categories a text column may take, when the chain knows them (a one-hot
    /// encoder that refuses unknown ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

/// What the model answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum OutputSchema {
    /// A number per row.
    Regression {
        /// The column it predicts.
        target: String,
    },
    /// A label per row, with a score per class.
    Classification {
        /// The column it predicts.
        target: String,
        /// The classes, in score order.
        labels: Vec<String>,
        /// Whether the scores are probabilities (otherwise decision values).
        probabilities: bool,
    },
}

/// Where the model came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The flow's name.
    pub flow: String,
    /// Its title.
    #[serde(default)]
    pub flow_title: String,
    /// The run.
    pub run_id: String,
    /// The step (task) that fitted the model (`Ridge/3` inside a foreach).
    pub step: String,
    /// The algorithm and its hyper-parameters.
    pub model: String,
    /// The flow parameters the run used.
    pub params: BTreeMap<String, Value>,
    /// The run's metrics (`Label.metric` → value).
    pub metrics: BTreeMap<String, f64>,
    /// The run's tags when the bundle was written.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Who ran it, and where.
    pub user: String,
    /// The machine.
    pub host: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// blake3 of the training table the model was fitted on (its store address).
    pub training_data_hash: String,
    /// Its rows.
    pub training_rows: u64,
}

/// The model of a bundle.
#[derive(Clone, Debug)]
pub enum Predictor {
    /// A regression model.
    Regression(Model),
    /// A classifier.
    Classifier(Classifier),
}

/// What a bundle answers for a batch of rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Scored {
    /// One value per row.
    Values(Vec<f64>),
    /// One label per row and a score per class (columns in the schema's label order).
    Classes {
        /// The predicted labels.
        labels: Vec<String>,
        /// `rows × classes`.
        scores: Array2<f64>,
        /// Whether the scores are probabilities (otherwise decision values).
        probabilistic: bool,
    },
}

impl Scored {
    /// The rows scored.
    pub fn len(&self) -> usize {
        match self {
            Scored::Values(v) => v.len(),
            Scored::Classes { labels, .. } => labels.len(),
        }
    }

    /// Whether no row was scored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A loaded bundle, ready to score.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// What it says about itself.
    pub manifest: Manifest,
    /// The fitted transforms, in order.
    pub transforms: Vec<FittedState>,
    /// The model.
    pub predictor: Predictor,
}

impl Bundle {
    /// Scores raw input rows: the chain of fitted transforms, then the model.
    pub fn score(&self, table: &Table) -> Result<Scored, NodeError> {
        let mut t = table.clone();
        for state in &self.transforms {
            t = state.apply(&t)?;
        }
        match &self.predictor {
            Predictor::Regression(m) => Ok(Scored::Values(m.predict(t.df())?)),
            Predictor::Classifier(c) => {
                let out = c.predict_table(&t)?;
                Ok(Scored::Classes {
                    labels: out
                        .predicted
                        .iter()
                        .map(|&k| c.classes[k].clone())
                        .collect(),
                    scores: out.scores,
                    probabilistic: out.probabilistic,
                })
            }
        }
    }

    /// The column a prediction is for.
    pub fn target(&self) -> &str {
        match &self.manifest.output {
            OutputSchema::Regression { target } | OutputSchema::Classification { target, .. } => {
                target
            }
        }
    }

    /// The input column named `name`.
    pub fn column(&self, name: &str) -> Option<&InputColumn> {
        self.manifest.input.iter().find(|c| c.name == name)
    }
}
