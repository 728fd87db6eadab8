//! Text vectorisers: `transform.tfidf` and `transform.bag_of_words` turn a text
//! column into a sparse vector column, with one tokeniser and vocabulary
//! ([`vectorizer`]) behind both, like scikit-learn's `TfidfVectorizer` and
//! `CountVectorizer`.

pub mod bag_of_words;
pub mod stop_words;
pub mod tfidf;
pub mod vectorizer;

pub use bag_of_words::BagOfWords;
pub use tfidf::Tfidf;
pub use vectorizer::Vectorizer;

use pipewright_engine::{
    Inputs, Outputs, ParamSpec, ParamType, Params, PortSpec, StepContext, StepError, Value,
};

use crate::artifacts::fitted::{FITTED, Fitted, FittedState};
use crate::artifacts::{TABLE, Table};
use crate::error::{NodeError, Result};
use vectorizer::{Analyzer, DEFAULT_TOKEN_PATTERN, Pruning, Settings, StopWords, Weighting};

/// Longest word n-gram offered: longer ones are almost all unique, so they only
/// grow the vocabulary.
const MAX_NGRAM: i64 = 5;

/// The ports of both vectorisers.
fn ports() -> (Vec<PortSpec>, Vec<PortSpec>) {
    (
        vec![
            PortSpec::new(
                "train",
                TABLE,
                "rows whose texts the vocabulary is learned from",
            ),
            PortSpec::new("test", TABLE, "rows vectorised with the same vocabulary"),
        ],
        vec![
            PortSpec::new("train", TABLE, "the training rows with their vectors"),
            PortSpec::new("test", TABLE, "the test rows with their vectors"),
            PortSpec::new(
                "fitted",
                FITTED,
                "the vocabulary and settings, to vectorise new rows the same way",
            ),
        ],
    )
}

/// The parameters both vectorisers share, in inspector order.
fn common_params(output_doc: &'static str) -> Vec<ParamSpec> {
    let ngram = |name, doc| {
        ParamSpec::new(
            name,
            ParamType::Int {
                min: Some(1),
                max: Some(MAX_NGRAM),
            },
            Value::Int(1),
            doc,
        )
    };
    let fraction_or_count = ParamType::Float {
        min: Some(0.0),
        max: None,
    };
    vec![
        ParamSpec::new(
            "column",
            ParamType::Text,
            Value::Text(String::new()),
            "the text column",
        )
        .required(),
        ParamSpec::new(
            "output",
            ParamType::Text,
            Value::Text(String::new()),
            output_doc,
        ),
        ParamSpec::new(
            "keep_text",
            ParamType::Bool,
            Value::Bool(true),
            "keep the text column beside the vectors",
        ),
        ParamSpec::new(
            "lowercase",
            ParamType::Bool,
            Value::Bool(true),
            "lowercase the texts before finding tokens",
        ),
        ParamSpec::new(
            "token_pattern",
            ParamType::Text,
            Value::Text(DEFAULT_TOKEN_PATTERN.into()),
            "regular expression of a token (Rust regex syntax, which for the usual \
             patterns is Python's); the default takes runs of 2 or more letters, digits \
             or underscores; with one capturing group the group is the token",
        ),
        ngram(
            "ngram_min",
            "shortest word n-gram (1: single words), 1 to 5",
        ),
        ngram(
            "ngram_max",
            "longest word n-gram (2 adds pairs of neighbouring words), 1 to 5",
        ),
        ParamSpec::new(
            "min_df",
            fraction_or_count.clone(),
            Value::Float(1.0),
            "keep terms found in at least this many training texts: below 1 a share of \
             them (0.01 = 1 %), from 1 on a count",
        ),
        ParamSpec::new(
            "max_df",
            fraction_or_count,
            Value::Float(1.0),
            "keep terms found in at most this many training texts: up to 1 a share of \
             them (1 = all, 0.9 drops terms in over 90 %), above 1 a count",
        ),
        ParamSpec::new(
            "max_features",
            ParamType::Int {
                min: Some(0),
                max: None,
            },
            Value::Int(0),
            "keep only this many terms, the most frequent over the training texts \
             (ties: the first in alphabetical order); 0 keeps all",
        ),
        ParamSpec::new(
            "stop_words",
            ParamType::Choice(vec!["none".into(), "english".into()]),
            Value::Text("none".into()),
            "drop common words before forming n-grams: none, or scikit-learn's English \
             list (318 words)",
        ),
    ]
}

/// Reads the shared parameters; `suffix` makes the default output name
/// (`<column>_<suffix>`).
fn settings(params: &Params, suffix: &str, weighting: Weighting) -> Result<Settings> {
    let column = params.text("column")?.trim().to_owned();
    if column.is_empty() {
        return Err(NodeError::Param {
            param: "column",
            message: "is empty; name the text column".into(),
        });
    }
    let output = match params.text("output")?.trim() {
        "" => format!("{column}_{suffix}"),
        name => name.to_owned(),
    };
    let count = |name: &'static str| -> Result<usize> {
        let v = params.int(name)?;
        usize::try_from(v).map_err(|_| NodeError::Param {
            param: name,
            message: format!("is {v}; it cannot be negative"),
        })
    };
    let df = |name: &'static str| -> Result<f64> {
        let v = params.float(name)?;
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(NodeError::Param {
                param: name,
                message: format!("is {v}; give a share (0 to 1) or a count of texts"),
            })
        }
    };
    let stop_words = match params.text("stop_words")? {
        "none" => StopWords::None,
        "english" => StopWords::English,
        other => {
            return Err(NodeError::Param {
                param: "stop_words",
                message: format!("{other:?} is not one of none, english"),
            });
        }
    };
    let s = Settings {
        column,
        output,
        keep_text: params.bool("keep_text")?,
        analyzer: Analyzer {
            lowercase: params.bool("lowercase")?,
            token_pattern: params.text("token_pattern")?.to_owned(),
            ngram_min: count("ngram_min")?,
            ngram_max: count("ngram_max")?,
            stop_words,
        },
        pruning: Pruning {
            min_df: df("min_df")?,
            max_df: df("max_df")?,
            max_features: count("max_features")?,
        },
        weighting,
    };
    s.check()?;
    Ok(s)
}

/// Fits on `train`, vectorises both tables and outputs them with the fitted state.
fn fit_and_apply(
    ctx: &mut StepContext<'_>,
    kind: &str,
    inputs: &Inputs,
    settings: Settings,
) -> Result<Outputs, StepError> {
    let train = inputs.get::<Table>("train")?;
    let test = inputs.get::<Table>("test")?;
    let (fitted, train_matrix) = Vectorizer::fit(settings, train)?;
    let train_entries = train_matrix.nnz();
    // Each matrix becomes its table's column as it is, one table at a time.
    let train_out = fitted.output_table(train, train_matrix)?;
    ctx.check_cancelled()?;
    let test_matrix = fitted.transform(test)?;
    let test_entries = test_matrix.nnz();
    let test_out = fitted.output_table(test, test_matrix)?;
    ctx.log(format!(
        "vocabulary of {} terms from {} training texts; {train_entries} stored entries in \
         train, {test_entries} in test",
        fitted.terms.len(),
        fitted.documents,
    ));
    Ok(Outputs::new()
        .with("train", train_out)
        .with("test", test_out)
        .with(
            "fitted",
            Fitted::new(
                kind,
                FittedState::Vectorizer {
                    vectorizer: Box::new(fitted),
                },
            ),
        ))
}
