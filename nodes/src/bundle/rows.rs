//! A request table's rows as the server needs them: a cache key per row, a subset of
//! rows, each row's values as JSON for the request log.

use polars::prelude::{AnyValue, IdxCa, IdxSize, NamedFrom};
use serde_json::{Value, json};

use crate::artifacts::Table;

/// Row `i`'s key: every column's name and value, so equal rows have equal keys.
pub fn row_key(table: &Table, i: usize) -> String {
    let mut key = String::new();
    for c in table.df().columns() {
        let v = c.get(i).unwrap_or(AnyValue::Null);
        key.push_str(c.name());
        key.push('\u{1f}');
        key.push_str(&format!("{v:?}"));
        key.push('\u{1e}');
    }
    key
}

/// The rows `rows` of `table`, in that order.
pub fn take_rows(table: &Table, rows: &[usize]) -> Result<Table, String> {
    let idx = IdxCa::new(
        "row".into(),
        rows.iter().map(|&i| i as IdxSize).collect::<Vec<_>>(),
    );
    let df = table.df().take(&idx).map_err(|e| e.to_string())?;
    Ok(table.derive(df))
}

/// Row `i` as (column, JSON value) pairs.
pub fn row_json(table: &Table, i: usize) -> Vec<(String, Value)> {
    table
        .df()
        .columns()
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                json_of(c.get(i).unwrap_or(AnyValue::Null)),
            )
        })
        .collect()
}

fn json_of(v: AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => json!(b),
        AnyValue::String(s) => json!(s),
        AnyValue::StringOwned(s) => json!(s.as_str()),
        AnyValue::Float64(f) => json!(f),
        AnyValue::Float32(f) => json!(f),
        AnyValue::Int64(i) => json!(i),
        AnyValue::Int32(i) => json!(i),
        AnyValue::Int16(i) => json!(i),
        AnyValue::Int8(i) => json!(i),
        AnyValue::UInt64(i) => json!(i),
        AnyValue::UInt32(i) => json!(i),
        AnyValue::UInt16(i) => json!(i),
        AnyValue::UInt8(i) => json!(i),
        other => json!(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::{Column, DataFrame};

    use super::*;

    #[test]
    fn equal_rows_have_equal_keys_and_rows_are_taken_in_order() {
        let df = DataFrame::new(
            3,
            vec![
                Column::new("s".into(), ["a", "b", "a"]),
                Column::new("x".into(), [1.0, 2.0, 1.0]),
            ],
        )
        .unwrap();
        let t = Table::new(df);
        assert_eq!(row_key(&t, 0), row_key(&t, 2));
        assert_ne!(row_key(&t, 0), row_key(&t, 1));
        let sub = take_rows(&t, &[1, 0]).unwrap();
        assert_eq!(
            row_json(&sub, 0),
            vec![("s".into(), json!("b")), ("x".into(), json!(2.0))]
        );
    }
}
