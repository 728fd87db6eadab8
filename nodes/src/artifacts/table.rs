//! The `table` artifact: a polars `DataFrame`, stored as Parquet.

use std::any::Any;
use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding,
};
use polars::prelude::*;

use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`Table`].
pub const TABLE: &str = "table";

/// The table artifact type: viewed straight from its Parquet bytes (first rows only).
pub const TABLE_TYPE: ArtifactType = ArtifactType::new(TABLE, decode_table).with_view(view_table);

/// Parquet compression of stored tables: LZ4, chosen by measurement
/// (`nodes/tests/bench.rs`, `table_encoding`; release build, 2-core machine; encode +
/// blake3 + store of 105 MB in 10 f64 columns, best of 3):
///
/// | codec | random floats | repetitive columns |
/// |---|---|---|
/// | uncompressed | 723 MB/s, 100 % | 658 MB/s, 100 % |
/// | LZ4 | 636 MB/s, 100.4 % | 1635 MB/s, 2.2 % |
/// | Snappy | 648 MB/s, 100 % | 869 MB/s, 23 % |
/// | zstd(1) | 464 MB/s, 95 % | 1403 MB/s, 0.8 % |
/// | zstd(3) (polars' default) | 394 MB/s, 95 % | 1410 MB/s, 0.8 % |
///
/// Random floats barely compress, so there the codec only costs time: LZ4 keeps
/// twice the 300 MB/s budget where zstd keeps little margin on a busy machine.
/// Repetitive columns (ids, codes, rounded values) shrink ~45× with LZ4 and are then
/// faster still, as less is hashed and written. Every Parquet reader supports it.
pub const COMPRESSION: ParquetCompression = ParquetCompression::Lz4Raw;

/// The Parquet writer of every stored table-like artifact: [`COMPRESSION`], and no
/// column statistics. Min/max statistics serve a reader that skips row groups by a
/// predicate; a stored artifact is always read whole, and computing them took ~4 % of
/// a foreach over 1,000,000 rows (bench section 7) for nothing.
pub fn store_writer<W: std::io::Write>(out: W) -> ParquetWriter<W> {
    ParquetWriter::new(out)
        .with_compression(COMPRESSION)
        .with_statistics(StatisticsOptions::empty())
}

/// A table of named, typed columns.
///
/// The frame is kept in one chunk per column, so its Parquet encoding depends only on
/// its contents (row groups follow the row count, not the history of the frame) and
/// encoding does not have to copy it.
///
/// A column may hold sparse vectors (TF-IDF or bag-of-words features, see
/// [`crate::features`]); the table then keeps the names of the vector's elements (the
/// vocabulary) beside the frame, stored in the Parquet file's key-value metadata, so
/// a model fitted on them can name its coefficients by term.
#[derive(Clone, Debug)]
pub struct Table {
    df: DataFrame,
    /// Element names of each sparse vector column, by column name.
    vectors: BTreeMap<String, Arc<Vec<String>>>,
}

/// Parquet key-value metadata key holding [`Table`]'s vector element names as JSON.
const VECTORS_KEY: &str = "pipewright.vectors";

impl Table {
    /// A table over a frame (rechunked to one contiguous chunk per column).
    pub fn new(mut df: DataFrame) -> Self {
        if df.should_rechunk() {
            df.rechunk_mut_par();
        }
        Self {
            df,
            vectors: BTreeMap::new(),
        }
    }

    /// A table over `df` made from this one: keeps the vector element names of the
    /// columns `df` still has (a split, filter or selection of this table).
    pub fn derive(&self, df: DataFrame) -> Self {
        let mut out = Self::new(df);
        for (name, names) in &self.vectors {
            if out.df.column(name).is_ok() {
                out.vectors.insert(name.clone(), Arc::clone(names));
            }
        }
        out
    }

    /// Records the element names of the sparse vector column `column`.
    pub fn with_vector_names(mut self, column: &str, names: Arc<Vec<String>>) -> Self {
        self.vectors.insert(column.to_owned(), names);
        self
    }

    /// The element names of the sparse vector column `column`, when recorded.
    pub fn vector_names(&self, column: &str) -> Option<&Arc<Vec<String>>> {
        self.vectors.get(column)
    }

    /// The frame.
    pub fn df(&self) -> &DataFrame {
        &self.df
    }

    /// The frame, owned.
    pub fn into_df(self) -> DataFrame {
        self.df
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.df.height()
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.df.width()
    }

    /// Encodes the table as Parquet with a given compression (the artifact encoding
    /// uses [`COMPRESSION`]; other values exist for measuring).
    pub fn to_parquet_with(&self, compression: ParquetCompression) -> PolarsResult<Vec<u8>> {
        let mut buf = Vec::with_capacity(self.df.estimated_size() + 4096);
        // Cloning a frame clones column handles, not data.
        let mut df = self.df.clone();
        let mut writer = store_writer(&mut buf).with_compression(compression);
        if !self.vectors.is_empty() {
            let plain: BTreeMap<&String, &Vec<String>> =
                self.vectors.iter().map(|(k, v)| (k, v.as_ref())).collect();
            let json = serde_json::to_string(&plain)
                .map_err(|e| polars_err!(ComputeError: "vector names: {e}"))?;
            writer = writer.with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
                VECTORS_KEY.to_owned(),
                json,
            )])));
        }
        writer.finish(&mut df)?;
        Ok(buf)
    }

    /// Decodes a Parquet file (with the vector element names it records).
    pub fn from_parquet(bytes: &[u8]) -> PolarsResult<Self> {
        let mut reader = ParquetReader::new(Cursor::new(bytes));
        let vectors = reader
            .get_metadata()?
            .key_value_metadata()
            .iter()
            .flatten()
            .find(|kv| kv.key == VECTORS_KEY)
            .and_then(|kv| kv.value.clone());
        let mut table = Self::new(reader.finish()?);
        if let Some(json) = vectors {
            let plain: BTreeMap<String, Vec<String>> = serde_json::from_str(&json)
                .map_err(|e| polars_err!(ComputeError: "{VECTORS_KEY} metadata: {e}"))?;
            table.vectors = plain.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
        }
        Ok(table)
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.df.schema() == other.df.schema()
            && self.df == other.df
            && self.vectors == other.vectors
    }
}

impl Artifact for Table {
    fn type_name(&self) -> &'static str {
        TABLE
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        let bytes = self
            .to_parquet_with(COMPRESSION)
            .map_err(|e| encode_error(TABLE, e))?;
        Ok((Encoding::Parquet, bytes))
    }

    fn summary(&self) -> String {
        format!(
            "{} {} × {} {}",
            self.rows(),
            if self.rows() == 1 { "row" } else { "rows" },
            self.columns(),
            if self.columns() == 1 {
                "column"
            } else {
                "columns"
            }
        )
    }

    fn views(&self, max_rows: usize) -> Vec<ArtifactView> {
        vec![ArtifactView::Table(super::views::frame_view(
            "Table",
            &self.df,
            self.rows(),
            max_rows,
        ))]
    }

    fn export_formats(&self) -> Vec<&'static str> {
        vec!["csv"]
    }

    fn export(&self, format: &str) -> Result<Vec<u8>, ArtifactError> {
        export_frame(TABLE, &self.df, format, || Ok(self.encode()?.1))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored table.
pub fn decode_table(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Parquet {
        return Err(decode_error(
            TABLE,
            format!("expected Parquet, got {encoding:?}"),
        ));
    }
    let table = Table::from_parquet(bytes).map_err(|e| decode_error(TABLE, e))?;
    Ok(Arc::new(table))
}

/// The views of a stored table, reading only its first `max_rows` rows.
pub fn view_table(
    encoding: Encoding,
    bytes: &[u8],
    max_rows: usize,
) -> Result<Vec<ArtifactView>, ArtifactError> {
    if encoding != Encoding::Parquet {
        return Err(decode_error(
            TABLE,
            format!("expected Parquet, got {encoding:?}"),
        ));
    }
    let (df, rows) =
        super::views::parquet_head(bytes, max_rows).map_err(|e| decode_error(TABLE, e))?;
    Ok(vec![ArtifactView::Table(super::views::frame_view(
        "Table", &df, rows, max_rows,
    ))])
}

/// A frame as `parquet` (through `native`) or `csv` (with a header, floats written
/// to round-trip), for the `export` of tables and predictions.
pub(crate) fn export_frame(
    type_name: &str,
    df: &DataFrame,
    format: &str,
    native: impl FnOnce() -> Result<Vec<u8>, ArtifactError>,
) -> Result<Vec<u8>, ArtifactError> {
    if format.eq_ignore_ascii_case("parquet") {
        native()
    } else if format.eq_ignore_ascii_case("csv") {
        let mut buf = Vec::new();
        let mut df = df.clone();
        CsvWriter::new(&mut buf)
            .finish(&mut df)
            .map_err(|e| encode_error(type_name, e))?;
        Ok(buf)
    } else {
        Err(encode_error(
            type_name,
            format!("cannot export as {format:?}; it exports as parquet, csv"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table::new(
            df!(
                "x" => [1.5, 2.0, f64::NAN],
                "n" => [Some(1i64), None, Some(3)],
                "s" => ["a", "b", "c"],
            )
            .unwrap(),
        )
    }

    #[test]
    fn parquet_round_trip_keeps_values_types_and_nulls() {
        let t = sample();
        let (enc, bytes) = t.encode().unwrap();
        assert_eq!(enc, Encoding::Parquet);
        let back = decode_table(enc, &bytes).unwrap();
        let back = pipewright_engine::downcast::<Table>(back.as_ref()).unwrap();
        assert_eq!(back, &t);
        assert_eq!(back.df().column("n").unwrap().null_count(), 1);
    }

    #[test]
    fn encoding_is_deterministic_and_independent_of_chunking() {
        let t = sample();
        let a = t.encode().unwrap().1;
        assert_eq!(a, t.encode().unwrap().1);
        // The same rows arriving in two chunks encode to the same bytes.
        let mut two = t.df().slice(0, 2);
        two.vstack_mut(&t.df().slice(2, 1)).unwrap();
        assert!(two.first_col_n_chunks() > 1);
        assert_eq!(Table::new(two).encode().unwrap().1, a);
    }

    #[test]
    fn different_tables_encode_differently() {
        let other = Table::new(df!("x" => [1.5, 2.0, 3.0]).unwrap());
        assert_ne!(other.encode().unwrap().1, sample().encode().unwrap().1);
        assert_ne!(other, sample());
    }

    #[test]
    fn summary_and_text_view() {
        let t = sample();
        assert_eq!(t.summary(), "3 rows × 3 columns");
        let (encoding, bytes) = t.encode().unwrap();
        let views = view_table(encoding, &bytes, 2).unwrap();
        assert_eq!(views, t.views(2), "read from the bytes as from the frame");
        let text = views[0].to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].contains('x') && lines[0].contains('s'), "{text}");
        assert!(
            lines[1].contains("f64") && lines[1].contains("str"),
            "{text}"
        );
        assert!(lines[3].contains("null"), "{text}");
        assert_eq!(lines[4], "… 1 more rows");
    }

    #[test]
    fn exports_parquet_and_csv_that_read_back() {
        let t = Table::new(df!("x" => [0.1 + 0.2, -1.5], "s" => ["a", "b,c"]).unwrap());
        assert_eq!(t.export("parquet").unwrap(), t.encode().unwrap().1);
        let csv = t.export("CSV").unwrap();
        let back = crate::data::load_csv::parse("t.csv", csv, b',', true, &[]).unwrap();
        assert_eq!(
            Table::new(back),
            t,
            "floats round-trip, quoted separators too"
        );
        let err = t.export("xlsx").unwrap_err().to_string();
        assert!(
            err.ends_with("cannot export as \"xlsx\"; it exports as parquet, csv"),
            "{err}"
        );
    }

    #[test]
    fn decoding_garbage_fails_by_type() {
        let err = decode_table(Encoding::Parquet, b"not parquet").unwrap_err();
        assert!(
            err.to_string().starts_with("cannot decode table artifact"),
            "{err}"
        );
        assert!(decode_table(Encoding::Json, b"{}").is_err());
    }
}
