//! Request bodies into rows, predictions into answers: the scoring protocols.
//!
//! - `POST /v1/predict`: `{"rows": [{column: value, …}, …]}`.
//! - `POST /invocations`: MLflow's scoring protocol, so MLflow clients work
//!   unchanged — `{"dataframe_split": {"columns": […], "data": [[…]]}}`,
//!   `{"dataframe_records": [{…}]}`, `{"instances": …}`, `{"inputs": …}` (rows as
//!   objects, as lists in the schema's column order, a dict of columns, or one
//!   value per row for a one-column model), and `text/csv` with a header line.

use pipewright_nodes::bundle::input::parse_csv;
use pipewright_nodes::bundle::{Bundle, Cell, InputError, Scored};
use serde_json::{Map, Value, json};

use pipewright_nodes::artifacts::Table;

/// Why a body could not be read as rows.
#[derive(Debug)]
pub enum BodyError {
    /// Not JSON or CSV at all (400), with where.
    Malformed(String),
    /// JSON, but not a shape the protocol knows (400).
    Shape(String),
    /// Rows that do not fit the model (422).
    Input(InputError),
}

fn json_error(e: &serde_json::Error) -> BodyError {
    BodyError::Malformed(format!(
        "malformed JSON at line {}, column {}: {e}",
        e.line(),
        e.column()
    ))
}

fn parse_json(body: &[u8]) -> Result<Value, BodyError> {
    serde_json::from_slice(body).map_err(|e| json_error(&e))
}

fn objects(v: &[Value], what: &str) -> Result<Vec<Map<String, Value>>, BodyError> {
    v.iter()
        .enumerate()
        .map(|(i, r)| match r {
            Value::Object(m) => Ok(m.clone()),
            other => Err(BodyError::Shape(format!(
                "{what}[{i}] is {}, not an object of column values",
                kind(other)
            ))),
        })
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `/v1/predict`'s body.
pub fn predict_body(bundle: &Bundle, body: &[u8]) -> Result<Table, BodyError> {
    let v = parse_json(body)?;
    let Some(rows) = v.get("rows") else {
        return Err(BodyError::Shape(
            "expected {\"rows\": [{column: value, …}, …]}".into(),
        ));
    };
    let Value::Array(rows) = rows else {
        return Err(BodyError::Shape(format!(
            "\"rows\" is {}, not a list of rows",
            kind(rows)
        )));
    };
    bundle
        .table_from_records(&objects(rows, "rows")?)
        .map_err(BodyError::Input)
}

/// Rows given as a list: objects, lists in schema order, or single values.
fn list_rows(bundle: &Bundle, rows: &[Value], what: &str) -> Result<Table, BodyError> {
    if rows.iter().all(Value::is_object) {
        return bundle
            .table_from_records(&objects(rows, what)?)
            .map_err(BodyError::Input);
    }
    let names: Vec<String> = bundle
        .manifest
        .input
        .iter()
        .map(|c| c.name.clone())
        .collect();
    if rows.iter().all(Value::is_array) {
        let cells = rows
            .iter()
            .map(|r| {
                r.as_array()
                    .expect("checked")
                    .iter()
                    .map(Cell::from_json)
                    .collect()
            })
            .collect();
        return bundle
            .table_from_rows(&names, cells)
            .map_err(BodyError::Input);
    }
    if names.len() == 1 && rows.iter().all(|r| !r.is_array() && !r.is_object()) {
        let cells = rows.iter().map(|r| vec![Cell::from_json(r)]).collect();
        return bundle
            .table_from_rows(&names, cells)
            .map_err(BodyError::Input);
    }
    Err(BodyError::Shape(format!(
        "{what} mixes objects, lists and values; give every row the same way"
    )))
}

/// A dict of columns: `{"sentence": ["…", "…"]}`.
fn column_dict(bundle: &Bundle, m: &Map<String, Value>, what: &str) -> Result<Table, BodyError> {
    let mut columns = Vec::new();
    let mut height = None;
    for (name, values) in m {
        let cells: Vec<Cell> = match values {
            Value::Array(a) => a.iter().map(Cell::from_json).collect(),
            one => vec![Cell::from_json(one)],
        };
        match height {
            None => height = Some(cells.len()),
            Some(h) if h != cells.len() => {
                return Err(BodyError::Shape(format!(
                    "{what}: column {name:?} has {} values, the first column {h}",
                    cells.len()
                )));
            }
            Some(_) => {}
        }
        columns.push((name.clone(), cells));
    }
    bundle.table_from_columns(columns).map_err(BodyError::Input)
}

/// `/invocations`' body, JSON or CSV by content type.
pub fn invocations_body(
    bundle: &Bundle,
    content_type: &str,
    body: &[u8],
) -> Result<Table, BodyError> {
    if content_type.starts_with("text/csv") {
        let text = std::str::from_utf8(body).map_err(|e| {
            BodyError::Malformed(format!("the CSV is not UTF-8 (byte {})", e.valid_up_to()))
        })?;
        let (header, rows) = parse_csv(text).map_err(|(line, col, what)| {
            BodyError::Malformed(format!(
                "malformed CSV at line {line}, column {col}: {what}"
            ))
        })?;
        return bundle
            .table_from_rows(&header, rows)
            .map_err(BodyError::Input);
    }
    let v = parse_json(body)?;
    let Value::Object(top) = &v else {
        return Err(BodyError::Shape(format!(
            "the body is {}; expected an object with one of dataframe_split, \
             dataframe_records, instances, inputs",
            kind(&v)
        )));
    };
    let keys: Vec<&str> = [
        "dataframe_split",
        "dataframe_records",
        "instances",
        "inputs",
    ]
    .into_iter()
    .filter(|k| top.contains_key(*k))
    .collect();
    match keys.as_slice() {
        ["dataframe_split"] => {
            let split = &top["dataframe_split"];
            let columns: Vec<String> = match split.get("columns") {
                Some(Value::Array(c)) => c
                    .iter()
                    .map(|c| {
                        c.as_str().map(str::to_owned).ok_or_else(|| {
                            BodyError::Shape("dataframe_split.columns must be names".into())
                        })
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(BodyError::Shape(
                        "dataframe_split needs \"columns\": [names] and \"data\": [[values]]"
                            .into(),
                    ));
                }
            };
            let data = match split.get("data") {
                Some(Value::Array(d)) => d,
                _ => {
                    return Err(BodyError::Shape(
                        "dataframe_split needs \"data\": [[values], …]".into(),
                    ));
                }
            };
            let mut rows = Vec::with_capacity(data.len());
            for (i, r) in data.iter().enumerate() {
                match r {
                    Value::Array(a) => rows.push(a.iter().map(Cell::from_json).collect()),
                    other => {
                        return Err(BodyError::Shape(format!(
                            "dataframe_split.data[{i}] is {}, not a list of values",
                            kind(other)
                        )));
                    }
                }
            }
            bundle
                .table_from_rows(&columns, rows)
                .map_err(BodyError::Input)
        }
        ["dataframe_records"] => match &top["dataframe_records"] {
            Value::Array(rows) => bundle
                .table_from_records(&objects(rows, "dataframe_records")?)
                .map_err(BodyError::Input),
            other => Err(BodyError::Shape(format!(
                "dataframe_records is {}, not a list of rows",
                kind(other)
            ))),
        },
        [key @ ("instances" | "inputs")] => match &top[*key] {
            Value::Array(rows) => list_rows(bundle, rows, key),
            Value::Object(m) => column_dict(bundle, m, key),
            other => Err(BodyError::Shape(format!(
                "{key} is {}, not rows or columns",
                kind(other)
            ))),
        },
        [] => Err(BodyError::Shape(
            "expected one of dataframe_split, dataframe_records, instances, inputs \
             (MLflow's scoring protocol)"
                .into(),
        )),
        many => Err(BodyError::Shape(format!(
            "give only one of {} in a request",
            many.join(", ")
        ))),
    }
}

/// One row's answer: a number, or a label and its scores by class.
pub fn row_answer(bundle: &Bundle, scored: &Scored, i: usize) -> (Value, Option<Value>) {
    match scored {
        Scored::Values(v) => (json!(v[i]), None),
        Scored::Classes { labels, scores, .. } => {
            let classes = match &bundle.manifest.output {
                pipewright_nodes::bundle::OutputSchema::Classification { labels, .. } => labels,
                _ => unreachable!("a classifier's bundle has a classification schema"),
            };
            let by_class: Map<String, Value> = classes
                .iter()
                .zip(scores.row(i))
                .map(|(c, s)| (c.clone(), json!(s)))
                .collect();
            (json!(labels[i]), Some(Value::Object(by_class)))
        }
    }
}
