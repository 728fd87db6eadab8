//! `data.load_jsonl`: reads a JSON-lines file (one object per line) into a table.
//!
//! Parsed line by line with `serde_json` rather than polars' JSON reader: that reader
//! is a feature with a build cost, and a line-by-line parse names the bad line exactly.

use std::fmt;

use pipewright_engine::{
    Artifact, Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};
use polars::prelude::*;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;

use super::{LoadError, TextEncoding, decode_text, numbered_lines};
use crate::artifacts::{TABLE, Table};

/// `data.load_jsonl`.
pub struct LoadJsonl {
    desc: KindDescriptor,
}

impl LoadJsonl {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "data.load_jsonl",
                version: 1,
                category: crate::category::DATA,
                title: "Load JSON lines",
                doc: "Reads a JSON-lines file, one object per line such as \
                      {\"sentence\": \"…\", \"label\": \"negative\"}, into a table. Every key \
                      becomes a column, in the order keys first appear; a row without a \
                      key has a missing value there. Values are numbers, strings, booleans \
                      or null; a nested object or array is refused, naming its line and \
                      key, as is a line that is not an object. Whole numbers make an \
                      integer column, other numbers a float column. Blank lines at the end \
                      are not rows. The file is read as UTF-8 and hashed, and a copy is \
                      kept with the run.",
                inputs: vec![super::after_port()],
                outputs: vec![PortSpec::new("table", TABLE, "one row per line")],
                params: vec![super::path_param()],
            },
        }
    }
}

impl Default for LoadJsonl {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeKind for LoadJsonl {
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
        let bytes = ctx.include_file(path)?;
        ctx.check_cancelled()?;
        let df = parse(path, bytes)?;
        let table = Table::new(df);
        ctx.log(format!("read {path}: {}", table.summary()));
        Ok(Outputs::new().with("table", table))
    }
}

/// One line's object with its keys in file order (`serde_json`'s map sorts them,
/// and the user's column order is the file's).
struct Object(Vec<(String, Json)>);

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    entries.push((k, v));
                }
                Ok(Object(entries))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The type a column's values have been so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Only nulls yet.
    Null,
    Int,
    Float,
    Bool,
    Str,
}

impl Kind {
    fn of(v: &Json) -> Self {
        match v {
            Json::Null => Kind::Null,
            Json::Bool(_) => Kind::Bool,
            Json::Number(n) if n.is_i64() => Kind::Int,
            Json::Number(_) => Kind::Float,
            Json::String(_) => Kind::Str,
            // Refused before a kind is asked for.
            Json::Array(_) | Json::Object(_) => Kind::Null,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Int | Kind::Float => "a number",
            Kind::Bool => "a boolean",
            Kind::Str => "a string",
        }
    }
}

/// One key's values, one per row so far, and where its type was set.
struct Column {
    name: String,
    kind: Kind,
    /// The line that first gave the column a non-null value.
    kind_line: usize,
    values: Vec<Json>,
}

/// Parses JSON-lines bytes (UTF-8) into a frame.
pub fn parse(path: &str, bytes: Vec<u8>) -> Result<DataFrame, LoadError> {
    let text = decode_text(path, bytes, TextEncoding::Utf8)?;
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
    let mut columns: Vec<Column> = Vec::new();
    for (row, &(line, content)) in lines.iter().enumerate() {
        if content.trim().is_empty() {
            return Err(bad(
                line,
                "is blank (only the lines at the end may be)".into(),
            ));
        }
        let object: Object = serde_json::from_str(content).map_err(|e| {
            let message = if e.is_data() {
                "is not a JSON object".to_owned()
            } else {
                // serde counts lines within the one line it was given ("at line 1");
                // the file's line is named already, the column is what helps.
                let full = e.to_string();
                let position = format!(" at line {} column {}", e.line(), e.column());
                let reason = full.strip_suffix(&position).unwrap_or(&full);
                format!("{reason} (column {})", e.column())
            };
            bad(line, message)
        })?;
        for (key, value) in object.0 {
            if let Json::Array(_) | Json::Object(_) = value {
                let what = if value.is_array() {
                    "an array"
                } else {
                    "an object"
                };
                return Err(bad(
                    line,
                    format!(
                        "key {key:?} holds {what}; only numbers, strings, booleans and null load"
                    ),
                ));
            }
            let index = match columns.iter().position(|c| c.name == key) {
                // A column holds one value per row done; one more is this line's.
                Some(i) if columns[i].values.len() > row => {
                    return Err(bad(line, format!("key {key:?} appears twice")));
                }
                Some(i) => i,
                None => {
                    // A key first seen on a later line: the rows before it lack it.
                    columns.push(Column {
                        name: key.clone(),
                        kind: Kind::Null,
                        kind_line: line,
                        values: vec![Json::Null; row],
                    });
                    columns.len() - 1
                }
            };
            let column = &mut columns[index];
            let kind = Kind::of(&value);
            column.kind = match (column.kind, kind) {
                (a, Kind::Null) => a,
                (Kind::Null, b) => {
                    column.kind_line = line;
                    b
                }
                (a, b) if a == b => a,
                (Kind::Int | Kind::Float, Kind::Int | Kind::Float) => Kind::Float,
                (a, b) => {
                    return Err(bad(
                        line,
                        format!(
                            "key {key:?} is {}, but it is {} on line {}",
                            b.name(),
                            a.name(),
                            column.kind_line
                        ),
                    ));
                }
            };
            column.values.push(value);
        }
        for column in &mut columns {
            if column.values.len() == row {
                column.values.push(Json::Null);
            }
        }
    }
    let series: Vec<Column_> = columns.into_iter().map(to_column).collect();
    DataFrame::new(lines.len(), series).map_err(|e| LoadError::File {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// polars' column type, apart from this file's [`Column`].
type Column_ = polars::prelude::Column;

/// A key's values as a polars column of its type; a key that is null on every line
/// is a text column of missing values (a type every later step and Parquet take).
fn to_column(c: Column) -> Column_ {
    let name = PlSmallStr::from(c.name.as_str());
    let series = match c.kind {
        Kind::Int => Series::new(name, c.values.iter().map(Json::as_i64).collect::<Vec<_>>()),
        Kind::Float => Series::new(name, c.values.iter().map(Json::as_f64).collect::<Vec<_>>()),
        Kind::Bool => Series::new(name, c.values.iter().map(Json::as_bool).collect::<Vec<_>>()),
        Kind::Str | Kind::Null => {
            Series::new(name, c.values.iter().map(Json::as_str).collect::<Vec<_>>())
        }
    };
    series.into_column()
}

#[cfg(test)]
mod tests {
    use pipewright_engine::Value;

    use super::*;
    use crate::testutil::*;

    fn load(bytes: &[u8]) -> std::result::Result<DataFrame, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.jsonl"), bytes).unwrap();
        let kind = LoadJsonl::new();
        let p = params(&kind, &[("path", Value::Text("d.jsonl".into()))]);
        match run_in(dir.path(), &kind, &Inputs::default(), &p).0 {
            Ok(o) => Ok(frame(&o, "table").clone()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn reads_the_issue_example_in_key_order_and_keeps_a_copy() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{ \"sentence\": \"Orion reported a fall in earnings .\", \"label\": \"negative\" }\n\
                    {\"sentence\": \"Sales rose 5 % .\", \"label\": \"positive\"}\n\n";
        std::fs::write(dir.path().join("s.jsonl"), text).unwrap();
        let kind = LoadJsonl::new();
        let p = params(&kind, &[("path", Value::Text("s.jsonl".into()))]);
        let mut ctx = StepContext::standalone(dir.path());
        let out = kind.run(&mut ctx, &Inputs::default(), &p).unwrap();
        let df = frame(&out, "table");
        assert_eq!(df.get_column_names(), ["sentence", "label"]);
        assert_eq!(df.height(), 2, "the blank last line is not a row");
        let labels: Vec<Option<&str>> = df.column("label").unwrap().str().unwrap().iter().collect();
        assert_eq!(labels, [Some("negative"), Some("positive")]);
        assert_eq!(ctx.logs(), ["read s.jsonl: 2 rows × 2 columns"]);
        assert_eq!(ctx.included().len(), 1, "the file is recorded with the run");
    }

    #[test]
    fn keys_are_the_union_and_types_follow_the_values() {
        let df = load(
            b"{\"a\": 1, \"b\": true}\r\n{\"a\": 2.5, \"c\": \"x\"}\r\n{\"a\": null, \"d\": null}\r\n",
        )
        .unwrap();
        assert_eq!(df.get_column_names(), ["a", "b", "c", "d"]);
        let a: Vec<Option<f64>> = df.column("a").unwrap().f64().unwrap().iter().collect();
        assert_eq!(a, [Some(1.0), Some(2.5), None]);
        let b: Vec<Option<bool>> = df.column("b").unwrap().bool().unwrap().iter().collect();
        assert_eq!(b, [Some(true), None, None]);
        let c: Vec<Option<&str>> = df.column("c").unwrap().str().unwrap().iter().collect();
        assert_eq!(c, [None, Some("x"), None]);
        assert_eq!(df.column("d").unwrap().null_count(), 3);
        let ints = load(b"{\"n\": 1}\n{\"n\": -2}\n").unwrap();
        assert_eq!(ints.column("n").unwrap().dtype(), &DataType::Int64);
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = load(b"{\"a\": 1}\n{\"a\": 2,}\n").unwrap_err();
        assert!(err.starts_with("file d.jsonl: line 2: "), "{err}");
        assert_eq!(err, "file d.jsonl: line 2: trailing comma (column 9)");
        assert_eq!(
            load(b"{\"a\": 1} x\n").unwrap_err(),
            "file d.jsonl: line 1: trailing characters (column 10)"
        );
        assert_eq!(
            load(b"{\"a\": 1}\n[1, 2]\n").unwrap_err(),
            "file d.jsonl: line 2: is not a JSON object"
        );
        assert_eq!(
            load(b"{\"a\": 1}\n\n{\"a\": 2}\n").unwrap_err(),
            "file d.jsonl: line 2: is blank (only the lines at the end may be)"
        );
        assert_eq!(
            load(b"{\"a\": 1, \"a\": 2}\n").unwrap_err(),
            "file d.jsonl: line 1: key \"a\" appears twice"
        );
    }

    #[test]
    fn nested_values_are_refused_naming_line_and_key() {
        assert_eq!(
            load(b"{\"a\": 1}\n{\"a\": 1, \"tags\": [\"x\"]}\n").unwrap_err(),
            "file d.jsonl: line 2: key \"tags\" holds an array; \
             only numbers, strings, booleans and null load"
        );
        assert_eq!(
            load(b"{\"m\": {\"k\": 1}}\n").unwrap_err(),
            "file d.jsonl: line 1: key \"m\" holds an object; \
             only numbers, strings, booleans and null load"
        );
    }

    #[test]
    fn a_key_of_two_types_is_named() {
        assert_eq!(
            load(b"{\"a\": null}\n{\"a\": 1}\n{\"a\": \"one\"}\n").unwrap_err(),
            "file d.jsonl: line 3: key \"a\" is a string, but it is a number on line 2"
        );
    }

    #[test]
    fn an_empty_file_is_named() {
        assert_eq!(load(b"").unwrap_err(), "file d.jsonl is empty");
        assert_eq!(load(b"\n \n").unwrap_err(), "file d.jsonl is empty");
    }

    #[test]
    fn latin1_bytes_are_named_and_a_bom_is_skipped() {
        let err = load(b"{\"s\": \"ok\"}\n{\"s\": \"na\xefve\"}\n").unwrap_err();
        assert!(
            err.starts_with("file d.jsonl: line 2 is not UTF-8 (byte 0xEF"),
            "{err}"
        );
        let df = load(b"\xEF\xBB\xBF{\"s\": \"na\xC3\xafve\"}\n").unwrap();
        assert_eq!(df.get_column_names(), ["s"]);
        assert_eq!(df.column("s").unwrap().str().unwrap().get(0), Some("naïve"));
    }
}
