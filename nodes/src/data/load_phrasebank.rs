//! `data.load_phrasebank`: reads the Financial PhraseBank text format
//! (`sentence@label` per line) into a `sentence`, `label` table.

use pipewright_engine::{
    Artifact, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};
use polars::prelude::*;

use super::{ENCODINGS, LoadError, TextEncoding, decode_text, numbered_lines};
use crate::artifacts::{TABLE, Table};
use crate::columns::parse_list;

/// The labels the published data set uses.
pub const DEFAULT_LABELS: &str = "positive, negative, neutral";

/// `data.load_phrasebank`.
pub struct LoadPhrasebank {
    desc: KindDescriptor,
}

impl LoadPhrasebank {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "data.load_phrasebank",
                version: 1,
                category: crate::category::DATA,
                title: "Load PhraseBank",
                doc: "Reads a file in the Financial PhraseBank format, one labelled \
                      sentence per line as sentence@label (e.g. Sentences_AllAgree.txt), \
                      into a table with columns sentence and label. A line is split at \
                      its last @, so a sentence may contain @; spaces around both parts \
                      are dropped. Every label must be one of labels; a line without @, \
                      with an empty sentence or with another label is refused, naming the \
                      line. Blank lines at the end are not rows. The published files are \
                      Latin-1, the default encoding. The file is hashed and a copy kept \
                      with the run.",
                inputs: vec![super::after_port()],
                outputs: vec![PortSpec::new(
                    "table",
                    TABLE,
                    "columns sentence and label, one row per line",
                )],
                params: vec![
                    super::path_param(),
                    ParamSpec::new(
                        "encoding",
                        ParamType::Choice(ENCODINGS.iter().map(|e| (*e).to_owned()).collect()),
                        Value::Text("latin-1".into()),
                        "the file's text encoding (the published files are Latin-1)",
                    ),
                    ParamSpec::new(
                        "labels",
                        ParamType::Text,
                        Value::Text(DEFAULT_LABELS.into()),
                        "comma-separated labels a line may carry; empty allows any label",
                    ),
                ],
            },
        }
    }
}

impl Default for LoadPhrasebank {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeKind for LoadPhrasebank {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let path = params.text("path")?;
        let encoding = TextEncoding::from_param(params.text("encoding")?);
        let labels = parse_list(params.text("labels")?);
        let bytes = ctx.include_file(path)?;
        ctx.check_cancelled()?;
        let df = parse(path, bytes, encoding, &labels)?;
        let table = Table::new(df);
        ctx.log(format!("read {path}: {}", table.summary()));
        Ok(Outputs::new().with("table", table))
    }
}

/// Parses PhraseBank bytes; `labels`, when not empty, are the labels allowed.
pub fn parse(
    path: &str,
    bytes: Vec<u8>,
    encoding: TextEncoding,
    labels: &[String],
) -> Result<DataFrame, LoadError> {
    let text = decode_text(path, bytes, encoding)?;
    let lines = numbered_lines(&text);
    if lines.is_empty() {
        return Err(LoadError::Empty {
            path: path.to_owned(),
        });
    }
    let bad = |line: usize, message: String| LoadError::Line {
        path: path.to_owned(),
        line,
        message,
    };
    let mut sentences = Vec::with_capacity(lines.len());
    let mut found = Vec::with_capacity(lines.len());
    for (line, content) in lines {
        // The last @: sentences quote e-mail addresses and "@" prices now and then.
        let Some((sentence, label)) = content.rsplit_once('@') else {
            let message = if content.trim().is_empty() {
                "is blank (only the lines at the end may be)".to_owned()
            } else {
                "has no @ between sentence and label".to_owned()
            };
            return Err(bad(line, message));
        };
        let (sentence, label) = (sentence.trim(), label.trim());
        if sentence.is_empty() {
            return Err(bad(line, "has an empty sentence".into()));
        }
        if label.is_empty() {
            return Err(bad(line, "has an empty label after its last @".into()));
        }
        if !labels.is_empty() && !labels.iter().any(|l| l == label) {
            return Err(bad(
                line,
                format!(
                    "label {label:?} is not one of {} (parameter \"labels\")",
                    labels.join(", ")
                ),
            ));
        }
        sentences.push(sentence);
        found.push(label);
    }
    DataFrame::new(
        sentences.len(),
        vec![
            Series::new("sentence".into(), sentences).into_column(),
            Series::new("label".into(), found).into_column(),
        ],
    )
    .map_err(|e| LoadError::File {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn load(bytes: &[u8], set: &[(&str, Value)]) -> std::result::Result<DataFrame, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pb.txt"), bytes).unwrap();
        let kind = LoadPhrasebank::new();
        let mut all = vec![("path", Value::Text("pb.txt".into()))];
        all.extend(set.iter().cloned());
        match run_in(dir.path(), &kind, &Inputs::default(), &params(&kind, &all)).0 {
            Ok(o) => Ok(frame(&o, "table").clone()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn strings<'a>(df: &'a DataFrame, column: &str) -> Vec<&'a str> {
        df.column(column)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    }

    #[test]
    fn reads_latin1_lines_split_at_the_last_at_and_keeps_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"Operating profit rose to EUR 13.1 mn .@positive\r\n\
                      Write to ir@orion.fi for the caf\xe9 report .@neutral\r\n\
                      Net sales fell .@negative\r\n\r\n";
        std::fs::write(dir.path().join("pb.txt"), bytes).unwrap();
        let kind = LoadPhrasebank::new();
        let p = params(&kind, &[("path", Value::Text("pb.txt".into()))]);
        let mut ctx = StepContext::standalone(dir.path());
        let out = kind.run(&mut ctx, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(df.get_column_names(), ["sentence", "label"]);
        assert_eq!(
            strings(df, "sentence"),
            [
                "Operating profit rose to EUR 13.1 mn .",
                "Write to ir@orion.fi for the café report .",
                "Net sales fell ."
            ]
        );
        assert_eq!(strings(df, "label"), ["positive", "neutral", "negative"]);
        assert_eq!(ctx.logs(), ["read pb.txt: 3 rows × 2 columns"]);
        assert_eq!(ctx.included().len(), 1, "the file is recorded with the run");
    }

    #[test]
    fn utf8_is_a_choice_and_latin1_bytes_in_it_are_named() {
        let utf8 = [("encoding", Value::Text("utf-8".into()))];
        let df = load("Caf\u{e9} sales rose .@positive\n".as_bytes(), &utf8).unwrap();
        assert_eq!(strings(&df, "sentence"), ["Café sales rose ."]);
        let err = load(b"Fine .@neutral\nCaf\xe9 .@positive\n", &utf8).unwrap_err();
        assert!(
            err.starts_with("file pb.txt: line 2 is not UTF-8 (byte 0xE9 at byte 4"),
            "{err}"
        );
        assert!(err.ends_with("set encoding = latin-1"), "{err}");
    }

    #[test]
    fn bad_lines_are_named() {
        let cases: [(&[u8], &str); 5] = [
            (
                b"Fine .@neutral\nNo label here .\n",
                "line 2: has no @ between sentence and label",
            ),
            (
                b"Fine .@neutral\n  @positive\n",
                "line 2: has an empty sentence",
            ),
            (
                b"Fine .@neutral\nSales rose .@\n",
                "line 2: has an empty label after its last @",
            ),
            (
                b"Fine .@neutral\n\nSales rose .@positive\n",
                "line 2: is blank (only the lines at the end may be)",
            ),
            (
                b"Fine .@neutral\nSales rose .@Positive\n",
                "line 2: label \"Positive\" is not one of positive, negative, neutral (parameter \"labels\")",
            ),
        ];
        for (bytes, message) in cases {
            assert_eq!(
                load(bytes, &[]).unwrap_err(),
                format!("file pb.txt: {message}")
            );
        }
    }

    #[test]
    fn the_labels_parameter_sets_or_lifts_the_allowed_labels() {
        let text = b"Up .@bullish\nDown .@bearish\n";
        assert!(load(text, &[]).is_err());
        let df = load(text, &[("labels", Value::Text("bullish, bearish".into()))]).unwrap();
        assert_eq!(strings(&df, "label"), ["bullish", "bearish"]);
        let df = load(text, &[("labels", Value::Text(String::new()))]).unwrap();
        assert_eq!(df.height(), 2, "empty labels allow any");
    }

    #[test]
    fn an_empty_file_is_named() {
        assert_eq!(load(b"", &[]).unwrap_err(), "file pb.txt is empty");
        assert_eq!(load(b"\r\n\n", &[]).unwrap_err(), "file pb.txt is empty");
    }
}
