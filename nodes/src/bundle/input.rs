//! Request rows into the table a bundle's chain reads.
//!
//! Rows arrive as JSON objects (one per row), as a column list with rows of values,
//! or as CSV text. Each is checked against the bundle's input schema — a column the
//! schema does not know, a required column that is missing, a value of the wrong
//! type, a category the model never saw — and every problem names its column and
//! row (counted from 0, as the request's rows are). Values are then cast to the
//! training column's exact polars type, so the chain reads what it read in the run.

use std::fmt;

use polars::prelude::{Column, DataFrame, DataType, IntoColumn, NamedFrom, Series};

use super::{Bundle, ColumnType, InputColumn};
use crate::artifacts::Table;

/// One value of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Missing (`null`, an empty CSV field).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number.
    Float(f64),
    /// Text from JSON.
    Text(String),
    /// A CSV field: read as the column's type.
    Raw(String),
    /// A JSON array or object, which no column takes.
    Nested(&'static str),
}

impl Cell {
    /// A JSON value as a cell.
    pub fn from_json(v: &serde_json::Value) -> Cell {
        match v {
            serde_json::Value::Null => Cell::Null,
            serde_json::Value::Bool(b) => Cell::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Cell::Int(i),
                None => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Cell::Text(s.clone()),
            serde_json::Value::Array(_) => Cell::Nested("a list"),
            serde_json::Value::Object(_) => Cell::Nested("an object"),
        }
    }

    fn describe(&self) -> String {
        match self {
            Cell::Null => "null".into(),
            Cell::Bool(b) => format!("the boolean {b}"),
            Cell::Int(i) => format!("the number {i}"),
            Cell::Float(f) => format!("the number {f}"),
            Cell::Text(s) | Cell::Raw(s) => format!("the text {:?}", short(s)),
            Cell::Nested(what) => (*what).to_owned(),
        }
    }
}

/// A value quoted in a message: on one line, cut after 40 characters.
fn short(s: &str) -> String {
    pipewright_engine::one_line(s, 41)
}

/// What is wrong with a request's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputProblem {
    /// A column the model needs is not there.
    MissingColumn,
    /// A column the model does not know.
    ExtraColumn,
    /// A value of the wrong type.
    WrongType,
    /// A category the model never saw.
    UnknownCategory,
    /// The rows do not have the shape the format says (a row with more values than
    /// columns).
    Shape,
    /// The chain or the model refused the rows (a missing value it cannot take).
    Rejected,
}

impl InputProblem {
    /// The problem's name in a JSON error (`missing_column`, …).
    pub fn code(self) -> &'static str {
        match self {
            InputProblem::MissingColumn => "missing_column",
            InputProblem::ExtraColumn => "extra_column",
            InputProblem::WrongType => "wrong_type",
            InputProblem::UnknownCategory => "unknown_category",
            InputProblem::Shape => "bad_shape",
            InputProblem::Rejected => "rejected",
        }
    }
}

/// A request's rows do not fit the model: what, in which column and row.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    /// What is wrong.
    pub problem: InputProblem,
    /// The column, when one is at fault.
    pub column: Option<String>,
    /// The row (from 0), when one is at fault.
    pub row: Option<usize>,
    /// The whole message.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

impl InputError {
    fn new(
        problem: InputProblem,
        column: Option<&str>,
        row: Option<usize>,
        message: String,
    ) -> Self {
        Self {
            problem,
            column: column.map(str::to_owned),
            row,
            message,
        }
    }
}

/// The name a bundle's schema gives a polars type (parsed back by [`dtype_of`]).
pub fn dtype_name(d: &DataType) -> &'static str {
    match d {
        DataType::Float32 => "f32",
        DataType::Float64 => "f64",
        DataType::Int8 => "i8",
        DataType::Int16 => "i16",
        DataType::Int32 => "i32",
        DataType::Int64 => "i64",
        DataType::UInt8 => "u8",
        DataType::UInt16 => "u16",
        DataType::UInt32 => "u32",
        DataType::UInt64 => "u64",
        DataType::Boolean => "bool",
        _ => "str",
    }
}

/// The polars type a schema name stands for.
fn dtype_of(name: &str) -> DataType {
    match name {
        "f32" => DataType::Float32,
        "f64" => DataType::Float64,
        "i8" => DataType::Int8,
        "i16" => DataType::Int16,
        "i32" => DataType::Int32,
        "i64" => DataType::Int64,
        "u8" => DataType::UInt8,
        "u16" => DataType::UInt16,
        "u32" => DataType::UInt32,
        "u64" => DataType::UInt64,
        "bool" => DataType::Boolean,
        _ => DataType::String,
    }
}

/// A value of a column that names categories and is not one of them.
fn unknown_category(spec: &InputColumn, known: &[String], row: usize, value: &str) -> InputError {
    let listed: Vec<&str> = known.iter().take(12).map(String::as_str).collect();
    InputError::new(
        InputProblem::UnknownCategory,
        Some(&spec.name),
        Some(row),
        format!(
            "row {row}, column {:?}: unknown category {:?} (the model knows {}{})",
            spec.name,
            short(value),
            listed.join(", "),
            if known.len() > 12 { ", …" } else { "" }
        ),
    )
}

/// One column's values as its schema type, naming the first value that is not (rows
/// counted from `first_row`).
fn column(spec: &InputColumn, cells: &[Cell], first_row: usize) -> Result<Column, InputError> {
    let wrong = |row: usize, cell: &Cell| {
        let row = first_row + row;
        InputError::new(
            InputProblem::WrongType,
            Some(&spec.name),
            Some(row),
            format!(
                "row {row}, column {:?}: expected {}, got {}",
                spec.name,
                spec.ty.name(),
                cell.describe()
            ),
        )
    };
    let name = spec.name.as_str().into();
    let series = match spec.ty {
        ColumnType::Float => {
            let mut v = Vec::with_capacity(cells.len());
            for (row, c) in cells.iter().enumerate() {
                v.push(match c {
                    Cell::Null => None,
                    Cell::Int(i) => Some(*i as f64),
                    Cell::Float(f) => Some(*f),
                    Cell::Raw(s) if s.trim().is_empty() => None,
                    Cell::Raw(s) => Some(s.trim().parse::<f64>().map_err(|_| wrong(row, c))?),
                    other => return Err(wrong(row, other)),
                });
            }
            Series::new(name, v)
        }
        ColumnType::Int => {
            let mut v = Vec::with_capacity(cells.len());
            for (row, c) in cells.iter().enumerate() {
                v.push(match c {
                    Cell::Null => None,
                    Cell::Int(i) => Some(*i),
                    Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
                    Cell::Raw(s) if s.trim().is_empty() => None,
                    Cell::Raw(s) => Some(s.trim().parse::<i64>().map_err(|_| wrong(row, c))?),
                    other => return Err(wrong(row, other)),
                });
            }
            Series::new(name, v)
        }
        ColumnType::Bool => {
            let mut v = Vec::with_capacity(cells.len());
            for (row, c) in cells.iter().enumerate() {
                v.push(match c {
                    Cell::Null => None,
                    Cell::Bool(b) => Some(*b),
                    Cell::Raw(s) if s.trim().is_empty() => None,
                    Cell::Raw(s) => match s.trim().to_ascii_lowercase().as_str() {
                        "true" | "1" => Some(true),
                        "false" | "0" => Some(false),
                        _ => return Err(wrong(row, c)),
                    },
                    other => return Err(wrong(row, other)),
                });
            }
            Series::new(name, v)
        }
        ColumnType::Text => {
            let mut v: Vec<Option<&str>> = Vec::with_capacity(cells.len());
            for (row, c) in cells.iter().enumerate() {
                v.push(match c {
                    Cell::Null => None,
                    Cell::Text(s) | Cell::Raw(s) => {
                        if let Some(known) = &spec.categories
                            && !known.iter().any(|k| k == s)
                        {
                            return Err(unknown_category(spec, known, first_row + row, s));
                        }
                        Some(s.as_str())
                    }
                    other => return Err(wrong(row, other)),
                });
            }
            Series::new(name, v)
        }
    };
    let dtype = dtype_of(&spec.dtype);
    let series = if series.dtype() == &dtype {
        series
    } else {
        series.strict_cast(&dtype).map_err(|_| {
            InputError::new(
                InputProblem::WrongType,
                Some(&spec.name),
                None,
                format!(
                    "column {:?}: a value does not fit the model's type {}",
                    spec.name, spec.dtype
                ),
            )
        })?
    };
    Ok(series.into_column())
}

/// A frame's column as its schema type: a text column of a CSV parsed the way a
/// request's cell is, any other cast strictly; the first value that does not convert
/// (or an unknown category) is named with its row.
fn frame_column(spec: &InputColumn, col: &Column, first_row: usize) -> Result<Column, InputError> {
    let dtype = dtype_of(&spec.dtype);
    let wrong = |row: usize, what: String| {
        InputError::new(
            InputProblem::WrongType,
            Some(&spec.name),
            Some(first_row + row),
            format!(
                "row {}, column {:?}: expected {}, got {what}",
                first_row + row,
                spec.name,
                spec.ty.name()
            ),
        )
    };
    let series = col.as_materialized_series();
    let cast = if series.dtype() == &DataType::String && spec.ty != ColumnType::Text {
        // Text that should be numbers or booleans: each value as a request's cell.
        let ca = series.str().expect("a string column");
        let cells: Vec<Cell> = ca
            .iter()
            .map(|v| v.map_or(Cell::Null, |s| Cell::Raw(s.to_owned())))
            .collect();
        return column(spec, &cells, first_row);
    } else if series.dtype() == &dtype {
        series.clone()
    } else {
        match (spec.ty, series.dtype()) {
            (ColumnType::Text, d)
                if !d.is_primitive_numeric() && d != &DataType::Boolean && d != &DataType::Null =>
            {
                return Err(wrong(0, format!("a column of {d}")));
            }
            (ColumnType::Float | ColumnType::Int, d)
                if !d.is_primitive_numeric() && d != &DataType::Null =>
            {
                return Err(wrong(0, format!("a column of {d}")));
            }
            _ => {}
        }
        match series.strict_cast(&dtype) {
            Ok(s) => s,
            Err(_) => {
                let lossy = series.cast(&dtype).unwrap_or_else(|_| series.clone());
                let row = (0..series.len())
                    .find(|&i| {
                        !matches!(series.get(i), Ok(polars::prelude::AnyValue::Null))
                            && matches!(lossy.get(i), Ok(polars::prelude::AnyValue::Null))
                    })
                    .unwrap_or(0);
                let v = series.get(row).map(|v| v.to_string()).unwrap_or_default();
                return Err(wrong(row, v));
            }
        }
    };
    if let Some(known) = &spec.categories
        && let Ok(ca) = cast.str()
    {
        for (row, v) in ca.iter().enumerate() {
            if let Some(v) = v
                && !known.iter().any(|k| k == v)
            {
                return Err(unknown_category(spec, known, first_row + row, v));
            }
        }
    }
    Ok(cast.into_column())
}

impl Bundle {
    /// The table of request rows given as named columns of cells (`columns[i]` holds
    /// `cells[i]`, one cell per row).
    pub fn table_from_columns(
        &self,
        columns: Vec<(String, Vec<Cell>)>,
    ) -> Result<Table, InputError> {
        let target = self.target().to_owned();
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in &columns {
            if !seen.insert(name.as_str()) {
                return Err(InputError::new(
                    InputProblem::Shape,
                    Some(name),
                    None,
                    format!("column {name:?} is given twice"),
                ));
            }
            if self.column(name).is_none() && *name != target {
                return Err(InputError::new(
                    InputProblem::ExtraColumn,
                    Some(name),
                    None,
                    format!(
                        "unknown column {name:?}: the model reads {}",
                        self.column_list()
                    ),
                ));
            }
        }
        if let Some(missing) = self
            .manifest
            .input
            .iter()
            .find(|c| c.required && !seen.contains(c.name.as_str()))
        {
            return Err(self.missing_column(missing));
        }
        let height = columns.first().map_or(0, |c| c.1.len());
        let mut out = Vec::with_capacity(columns.len());
        for (name, cells) in &columns {
            // A target column sent along (a labelled batch) is not read.
            let Some(spec) = self.column(name) else {
                continue;
            };
            out.push(column(spec, cells, 0)?);
        }
        let df = DataFrame::new(height, out).map_err(|e| {
            InputError::new(InputProblem::Shape, None, None, format!("the rows: {e}"))
        })?;
        Ok(Table::new(df))
    }

    /// The table of request rows given as JSON objects.
    pub fn table_from_records(
        &self,
        rows: &[serde_json::Map<String, serde_json::Value>],
    ) -> Result<Table, InputError> {
        let mut names: Vec<String> = Vec::new();
        for r in rows {
            for k in r.keys() {
                if !names.iter().any(|n| n == k) {
                    names.push(k.clone());
                }
            }
        }
        let target = self.target().to_owned();
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let mut cells = Vec::with_capacity(rows.len());
            for (i, r) in rows.iter().enumerate() {
                match r.get(&name) {
                    Some(v) => cells.push(Cell::from_json(v)),
                    None if name == target => cells.push(Cell::Null),
                    None if self.column(&name).is_some_and(|c| c.required) => {
                        return Err(InputError::new(
                            InputProblem::MissingColumn,
                            Some(&name),
                            Some(i),
                            format!("row {i} has no column {name:?} (the other rows have it)"),
                        ));
                    }
                    None => cells.push(Cell::Null),
                }
            }
            columns.push((name, cells));
        }
        self.table_from_columns(columns)
    }

    /// The table of request rows given as a column list and rows of values in that
    /// order (MLflow's `dataframe_split`, a CSV file).
    pub fn table_from_rows(
        &self,
        columns: &[String],
        rows: Vec<Vec<Cell>>,
    ) -> Result<Table, InputError> {
        let mut cols: Vec<(String, Vec<Cell>)> = columns
            .iter()
            .map(|c| (c.clone(), Vec::with_capacity(rows.len())))
            .collect();
        for (i, row) in rows.into_iter().enumerate() {
            if row.len() != columns.len() {
                return Err(InputError::new(
                    InputProblem::Shape,
                    None,
                    Some(i),
                    format!(
                        "row {i} has {} values for {} columns",
                        row.len(),
                        columns.len()
                    ),
                ));
            }
            for (c, cell) in cols.iter_mut().zip(row) {
                c.1.push(cell);
            }
        }
        self.table_from_columns(cols)
    }

    /// A frame of rows (a batch file's chunk) as the table the chain reads: each
    /// schema column cast to its training type, categories checked. Rows in messages
    /// are counted from `first_row`. Returns the table and the frame's columns the
    /// model does not read (ignored, so an id column can ride along).
    pub fn table_from_frame(
        &self,
        df: &DataFrame,
        first_row: usize,
    ) -> Result<(Table, Vec<String>), InputError> {
        let target = self.target();
        let ignored: Vec<String> = df
            .get_column_names()
            .into_iter()
            .filter(|n| self.column(n).is_none() && n.as_str() != target)
            .map(|n| n.to_string())
            .collect();
        let mut out = Vec::with_capacity(self.manifest.input.len());
        for spec in &self.manifest.input {
            let Ok(col) = df.column(&spec.name) else {
                if spec.required {
                    return Err(self.missing_column(spec));
                }
                continue;
            };
            out.push(frame_column(spec, col, first_row)?);
        }
        let df = DataFrame::new(df.height(), out).map_err(|e| {
            InputError::new(InputProblem::Shape, None, None, format!("the rows: {e}"))
        })?;
        Ok((Table::new(df), ignored))
    }

    /// A required column a request or file does not give.
    fn missing_column(&self, spec: &InputColumn) -> InputError {
        InputError::new(
            InputProblem::MissingColumn,
            Some(&spec.name),
            None,
            format!(
                "missing column {:?} ({}): the model reads {}",
                spec.name,
                spec.ty.name(),
                self.column_list()
            ),
        )
    }

    /// `sentence (text)` or `x1 (float), x2 (float)`: the columns a request gives.
    pub fn column_list(&self) -> String {
        self.manifest
            .input
            .iter()
            .map(|c| {
                format!(
                    "{} ({}{})",
                    c.name,
                    c.ty.name(),
                    if c.required { "" } else { ", optional" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A CSV text's header and its rows of cells.
pub type CsvRows = (Vec<String>, Vec<Vec<Cell>>);

/// Where a CSV text is malformed: line and column (from 1), and what is wrong.
pub type CsvError = (usize, usize, String);

/// A CSV text's header and fields (RFC 4180: quoted fields, doubled quotes, CRLF),
/// each field a [`Cell::Raw`]; a malformed file is refused naming its line and column.
pub fn parse_csv(text: &str) -> Result<CsvRows, CsvError> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut field = String::new();
    let mut record: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut col) = (1usize, 0usize);
    let mut quoted = false;
    let mut opened = (0, 0);
    let mut at_field_start = true;
    let mut any = false;
    while let Some(c) = chars.next() {
        col += 1;
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    col += 1;
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    match chars.peek() {
                        None | Some(',') | Some('\n') | Some('\r') => {}
                        Some(other) => {
                            return Err((
                                line,
                                col + 1,
                                format!("{other:?} after a closing quote"),
                            ));
                        }
                    }
                }
                '\n' => {
                    line += 1;
                    col = 0;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                opened = (line, col);
                at_field_start = false;
            }
            '"' => return Err((line, col, "a quote inside an unquoted field".into())),
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
                col = 0;
                at_field_start = true;
                any = false;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err((
            opened.0,
            opened.1,
            "this quote is never closed (the text ends inside the quoted field)".into(),
        ));
    }
    if any {
        record.push(field);
        records.push(record);
    }
    records.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    let mut it = records.into_iter();
    let header = it
        .next()
        .ok_or((1, 1, "the CSV has no header line".to_owned()))?;
    let rows = it.map(|r| r.into_iter().map(Cell::Raw).collect()).collect();
    Ok((
        header.into_iter().map(|h| h.trim().to_owned()).collect(),
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quotes_and_lines() {
        let (h, rows) = parse_csv("a,b\r\n1,\"x, \"\"y\"\"\"\n\n2,\n").unwrap();
        assert_eq!(h, ["a", "b"]);
        assert_eq!(
            rows,
            vec![
                vec![Cell::Raw("1".into()), Cell::Raw("x, \"y\"".into())],
                vec![Cell::Raw("2".into()), Cell::Raw(String::new())],
            ]
        );
    }

    #[test]
    fn malformed_csv_names_line_and_column() {
        assert_eq!(
            parse_csv("a,b\n1,x\"y\n").unwrap_err(),
            (2, 4, "a quote inside an unquoted field".to_owned())
        );
        assert_eq!(
            parse_csv("a\n1\n\"open\n").unwrap_err(),
            (
                3,
                1,
                "this quote is never closed (the text ends inside the quoted field)".to_owned()
            )
        );
    }
}
