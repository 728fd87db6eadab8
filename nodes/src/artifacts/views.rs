//! Building the engine's [`ArtifactView`]s from polars frames and plot points: the one
//! place the catalogue turns its data into what the editor draws and the CLI prints.

use std::io::Cursor;

use pipewright_engine::{
    ArtifactView, Cell, ColumnInfo, PointSet, SeriesKind, SeriesView, TableView,
};
use polars::prelude::*;

/// A polars value as a view cell.
pub(crate) fn cell(v: AnyValue<'_>) -> Cell {
    match v {
        AnyValue::Null => Cell::Null,
        AnyValue::Boolean(b) => Cell::Bool(b),
        AnyValue::Int8(x) => Cell::Int(x.into()),
        AnyValue::Int16(x) => Cell::Int(x.into()),
        AnyValue::Int32(x) => Cell::Int(x.into()),
        AnyValue::Int64(x) => Cell::Int(x),
        AnyValue::UInt8(x) => Cell::Int(x.into()),
        AnyValue::UInt16(x) => Cell::Int(x.into()),
        AnyValue::UInt32(x) => Cell::Int(x.into()),
        AnyValue::UInt64(x) => i64::try_from(x).map_or(Cell::Float(x as f64), Cell::Int),
        AnyValue::Float32(x) => Cell::Float(x.into()),
        AnyValue::Float64(x) => Cell::Float(x),
        AnyValue::String(s) => Cell::Text(s.to_owned()),
        AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
        other => Cell::Text(other.to_string()),
    }
}

/// The first `max_rows` rows of `df` as a table view of a table of `total_rows` rows.
pub(crate) fn frame_view(
    title: &str,
    df: &DataFrame,
    total_rows: usize,
    max_rows: usize,
) -> TableView {
    let n = df.height().min(max_rows);
    let columns = df
        .columns()
        .iter()
        .map(|c| ColumnInfo {
            name: c.name().to_string(),
            dtype: c.dtype().to_string(),
        })
        .collect();
    let rows = (0..n)
        .map(|i| {
            df.columns()
                .iter()
                .map(|c| c.get(i).map_or(Cell::Text("?".into()), cell))
                .collect()
        })
        .collect();
    TableView {
        title: title.to_owned(),
        total_rows: total_rows as u64,
        columns,
        rows,
    }
}

/// The first `max_rows` rows of a Parquet file and its row count, reading only those
/// rows (a preview of a million-row table costs milliseconds).
pub(crate) fn parquet_head(bytes: &[u8], max_rows: usize) -> PolarsResult<(DataFrame, usize)> {
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let rows = reader.num_rows()?;
    let df = reader.with_slice(Some((0, max_rows))).finish()?;
    Ok((df, rows))
}

/// The predicted-vs-actual scatter and the residual histogram of (actual, predicted)
/// pairs (already subsampled), out of `total` points.
pub(crate) fn fit_plots(pairs: Vec<[f64; 2]>, residuals: &[f64], total: u64) -> Vec<ArtifactView> {
    if pairs.is_empty() {
        return Vec::new();
    }
    vec![
        ArtifactView::Series(SeriesView {
            title: "Predicted vs actual".into(),
            kind: SeriesKind::Scatter,
            x_label: "actual".into(),
            y_label: "predicted".into(),
            sets: vec![PointSet {
                name: "predictions".into(),
                points: pairs,
            }],
            diagonal: true,
            total_points: total,
        }),
        ArtifactView::Series(SeriesView {
            title: "Residuals".into(),
            kind: SeriesKind::Histogram,
            x_label: "actual − predicted".into(),
            y_label: "count".into(),
            sets: vec![PointSet {
                name: "residuals".into(),
                points: residuals.iter().map(|r| [*r, 1.0]).collect(),
            }],
            diagonal: false,
            total_points: total,
        }),
    ]
}
