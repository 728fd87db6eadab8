//! Feature matrices: what models read from a table, dense or sparse.
//!
//! A table's numeric columns are dense features, one matrix column each. A column of
//! sparse vectors — what the TF-IDF and bag-of-words steps write, one vector per
//! sentence — is a block of matrix columns, kept sparse from the vectoriser to the
//! model: 100,000 sentences over a 20,000-term vocabulary hold only their non-zero
//! entries, never a dense 100,000 × 20,000 matrix.
//!
//! A sparse vector column is a polars `Struct { indices: List(UInt32), values:
//! List(Float64) }` (sorted indices, one entry per non-zero element), which Parquet
//! stores as it is. Its dimension and element names live in the [`Table`]
//! ([`Table::vector_names`]); a vector column without recorded names is as wide as its
//! largest index.

use std::sync::Arc;

use ndarray::Array2;
use polars::prelude::*;
use polars_arrow::array::{Array, ListArray, PrimitiveArray};
use polars_arrow::datatypes::ArrowDataType;
use polars_arrow::offset::OffsetsBuffer;

use crate::artifacts::Table;
use crate::columns::{self, parse_list};
use crate::error::{NodeError, Result};

/// Name of the indices field of a sparse vector column.
pub const INDICES: &str = "indices";
/// Name of the values field of a sparse vector column.
pub const VALUES: &str = "values";

/// A sparse matrix in compressed sparse rows: row `i`'s non-zero entries are
/// `indices[indptr[i]..indptr[i + 1]]` (sorted, distinct) with their `data`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr {
    /// Number of columns.
    pub n_cols: usize,
    /// Row starts into `indices`/`data`; `n_rows + 1` entries, the first 0.
    pub indptr: Vec<usize>,
    /// Column of each stored entry.
    pub indices: Vec<u32>,
    /// Value of each stored entry.
    pub data: Vec<f64>,
}

impl Csr {
    /// An empty matrix with `n_cols` columns and no rows.
    pub fn new(n_cols: usize) -> Self {
        Self {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Appends a row from (column, value) pairs with sorted, distinct columns below
    /// `n_cols`.
    pub fn push_row(&mut self, entries: impl IntoIterator<Item = (u32, f64)>) {
        for (j, v) in entries {
            debug_assert!((j as usize) < self.n_cols);
            self.indices.push(j);
            self.data.push(v);
        }
        self.indptr.push(self.indices.len());
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Row `i`'s columns and values.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// The rows as a sparse vector column named `name`. The matrix's buffers become
    /// the column's: nothing is copied but the row starts.
    pub fn into_column(self, name: &str) -> Result<Column> {
        let n = self.n_rows();
        let polars = |e: PolarsError| NodeError::Column {
            column: name.to_owned(),
            reason: format!("cannot be made from the vectors: {e}"),
        };
        let starts: Vec<i64> = self.indptr.iter().map(|&p| p as i64).collect();
        let offsets = OffsetsBuffer::try_from(starts).map_err(polars)?;
        let list = |values: Box<dyn Array>, inner: ArrowDataType| {
            ListArray::<i64>::try_new(
                ListArray::<i64>::default_datatype(inner),
                offsets.clone(),
                values,
                None,
            )
        };
        let idx = list(
            PrimitiveArray::from_vec(self.indices).boxed(),
            ArrowDataType::UInt32,
        )
        .map_err(polars)?;
        let val = list(
            PrimitiveArray::from_vec(self.data).boxed(),
            ArrowDataType::Float64,
        )
        .map_err(polars)?;
        let fields = [
            ListChunked::with_chunk(INDICES.into(), idx).into_series(),
            ListChunked::with_chunk(VALUES.into(), val).into_series(),
        ];
        let ca = StructChunked::from_series(name.into(), n, fields.iter()).map_err(polars)?;
        Ok(ca.into_series().into_column())
    }

    /// Reads a sparse vector column; `n_cols` is its dimension when known (else the
    /// largest index + 1). Fails on a column of another type, a missing vector, or an
    /// index out of range. The entries are copied once, buffer by buffer.
    pub fn from_column(col: &Column, n_cols: Option<usize>) -> Result<Self> {
        let bad = |reason: String| NodeError::Column {
            column: col.name().to_string(),
            reason,
        };
        if !is_vector_dtype(col.dtype()) {
            return Err(bad(format!(
                "is {}, not a sparse vector column (made by the TF-IDF or bag-of-words step)",
                col.dtype()
            )));
        }
        if let Some(row) = columns::first_null_row(col) {
            return Err(bad(format!("has no vector in row {row}")));
        }
        let polars = |e: PolarsError| bad(e.to_string());
        let series = col.as_materialized_series().rechunk();
        let ca = series.struct_().map_err(polars)?;
        let fields = ca.fields_as_series();
        let (idx, val) = (
            fields[0].list().map_err(polars)?.rechunk(),
            fields[1].list().map_err(polars)?.rechunk(),
        );
        let mut csr = Csr::new(0);
        if let (Some(idx), Some(val)) = (idx.downcast_iter().next(), val.downcast_iter().next()) {
            // Rows are 1-based in messages, as everywhere in the catalogue.
            if let Some(row) = (0..idx.len()).find(|&i| !idx.is_valid(i) || !val.is_valid(i)) {
                return Err(bad(format!("has no vector in row {}", row + 1)));
            }
            let (io, vo) = (idx.offsets().as_slice(), val.offsets().as_slice());
            let lengths = |o: &[i64], i: usize| (o[i + 1] - o[i]) as usize;
            if let Some(i) = (0..idx.len()).find(|&i| lengths(io, i) != lengths(vo, i)) {
                return Err(bad(format!(
                    "row {}: {} indices but {} values",
                    i + 1,
                    lengths(io, i),
                    lengths(vo, i)
                )));
            }
            let (js, vs) = (
                entries::<u32>(idx.values().as_ref(), io).ok_or_else(|| {
                    bad("has a missing or non-integer index in its vectors".into())
                })?,
                entries::<f64>(val.values().as_ref(), vo).ok_or_else(|| {
                    bad("has a missing or non-numeric value in its vectors".into())
                })?,
            );
            csr.indices = js.to_vec();
            csr.data = vs.to_vec();
            csr.indptr = io.iter().map(|&o| (o - io[0]) as usize).collect();
        }
        let widest = csr.indices.iter().max().map_or(0, |&j| j as usize + 1);
        csr.n_cols = match n_cols {
            Some(n) if widest > n => {
                return Err(bad(format!(
                    "has index {} but the vectors have {n} elements",
                    widest - 1
                )));
            }
            Some(n) => n,
            None => widest,
        };
        Ok(csr)
    }

    /// The matrix as dense rows (for models that need them; small matrices only).
    pub fn to_dense(&self) -> Array2<f64> {
        let mut out = Array2::zeros((self.n_rows(), self.n_cols));
        for i in 0..self.n_rows() {
            let (js, vs) = self.row(i);
            for (&j, &v) in js.iter().zip(vs) {
                out[[i, j as usize]] = v;
            }
        }
        out
    }
}

/// The entries of a list array's values between its first and last offset, when they
/// are `T`s without a missing one.
fn entries<'a, T: polars_arrow::types::NativeType>(
    values: &'a dyn Array,
    offsets: &[i64],
) -> Option<&'a [T]> {
    let values = values.as_any().downcast_ref::<PrimitiveArray<T>>()?;
    let (a, b) = (*offsets.first()? as usize, *offsets.last()? as usize);
    let part = values.clone().sliced(a, b - a);
    (part.null_count() == 0).then(|| &values.values()[a..b])
}

/// Whether `dtype` is a sparse vector column's type.
pub fn is_vector_dtype(dtype: &DataType) -> bool {
    match dtype {
        DataType::Struct(fields) => {
            fields.len() == 2
                && fields[0].name() == INDICES
                && fields[1].name() == VALUES
                && matches!(fields[0].dtype(), DataType::List(t) if **t == DataType::UInt32)
                && matches!(fields[1].dtype(), DataType::List(t) if **t == DataType::Float64)
        }
        _ => false,
    }
}

/// A feature matrix: dense rows, or sparse rows when any feature column is sparse.
#[derive(Clone, Debug, PartialEq)]
pub enum FeatureMatrix {
    /// `n × p` values.
    Dense(Array2<f64>),
    /// `n × p` sparse rows.
    Sparse(Csr),
}

impl FeatureMatrix {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        match self {
            FeatureMatrix::Dense(x) => x.nrows(),
            FeatureMatrix::Sparse(x) => x.n_rows(),
        }
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        match self {
            FeatureMatrix::Dense(x) => x.ncols(),
            FeatureMatrix::Sparse(x) => x.n_cols,
        }
    }

    /// `x_i · w` for row `i` (`w` has `n_cols` entries).
    pub fn row_dot(&self, i: usize, w: &[f64]) -> f64 {
        match self {
            FeatureMatrix::Dense(x) => x.row(i).iter().zip(w).map(|(a, b)| a * b).sum(),
            FeatureMatrix::Sparse(x) => {
                let (js, vs) = x.row(i);
                js.iter().zip(vs).map(|(&j, v)| v * w[j as usize]).sum()
            }
        }
    }

    /// Calls `f(column, value)` for each stored entry of row `i` (every column of a
    /// dense row, the non-zero ones of a sparse row).
    pub fn for_each_in_row(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        match self {
            FeatureMatrix::Dense(x) => {
                for (j, &v) in x.row(i).iter().enumerate() {
                    f(j, v);
                }
            }
            FeatureMatrix::Sparse(x) => {
                let (js, vs) = x.row(i);
                for (&j, &v) in js.iter().zip(vs) {
                    f(j as usize, v);
                }
            }
        }
    }

    /// Whether the matrix is sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self, FeatureMatrix::Sparse(_))
    }

    /// The matrix as dense rows (a copy for a sparse one: for models without sparse
    /// support, on small data).
    pub fn to_dense(&self) -> Array2<f64> {
        match self {
            FeatureMatrix::Dense(x) => x.clone(),
            FeatureMatrix::Sparse(x) => x.to_dense(),
        }
    }

    /// The rows `rows` of the matrix, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> FeatureMatrix {
        match self {
            FeatureMatrix::Dense(x) => FeatureMatrix::Dense(x.select(ndarray::Axis(0), rows)),
            FeatureMatrix::Sparse(x) => {
                let mut out = Csr::new(x.n_cols);
                for &i in rows {
                    let (js, vs) = x.row(i);
                    out.push_row(js.iter().copied().zip(vs.iter().copied()));
                }
                FeatureMatrix::Sparse(out)
            }
        }
    }
}

/// One table column a model reads, and how many matrix columns it gives.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureColumn {
    /// The table column.
    pub name: String,
    /// `None` for a numeric column (one matrix column); the vector dimension for a
    /// sparse vector column.
    pub vector_dim: Option<usize>,
}

/// The features a model was fitted on: which table columns, in which order, and the
/// name of each matrix column (a numeric column's name; `column:term` for a vector
/// element with a recorded name, `column[i]` otherwise).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureSpec {
    /// The table columns in matrix order.
    pub columns: Vec<FeatureColumn>,
    /// One name per matrix column.
    pub names: Vec<String>,
}

impl FeatureSpec {
    /// Chooses the feature columns of `table`: those listed in `features`
    /// (comma-separated), or when it is empty every numeric or sparse vector column
    /// except `exclude` (the target, an id column). Fails on a listed column that is
    /// missing, neither numeric nor a vector, or excluded, and when none is left.
    pub fn choose(table: &Table, features: &str, exclude: &[&str]) -> Result<Self> {
        let df = table.df();
        let listed = parse_list(features);
        let names: Vec<String> = if listed.is_empty() {
            let chosen: Vec<String> = df
                .columns()
                .iter()
                .filter(|c| !exclude.contains(&c.name().as_str()))
                .filter(|c| columns::is_numeric(c.dtype()) || is_vector_dtype(c.dtype()))
                .map(|c| c.name().to_string())
                .collect();
            if chosen.is_empty() {
                return Err(NodeError::NoFeatures {
                    reason: format!(
                        "the table has no numeric or vector column besides {}",
                        exclude
                            .iter()
                            .map(|e| format!("{e:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            chosen
        } else {
            if let Some(f) = listed.iter().find(|f| exclude.contains(&f.as_str())) {
                return Err(NodeError::Param {
                    param: "features",
                    message: format!("lists {f:?}, which is the target (or the id column)"),
                });
            }
            listed
        };
        let mut spec = FeatureSpec {
            columns: Vec::with_capacity(names.len()),
            names: Vec::new(),
        };
        for name in names {
            let col = columns::column(df, &name)?;
            if is_vector_dtype(col.dtype()) {
                let dim = match table.vector_names(&name) {
                    Some(terms) => {
                        spec.names
                            .extend(terms.iter().map(|t| format!("{name}:{t}")));
                        terms.len()
                    }
                    None => {
                        let dim = Csr::from_column(col, None)?.n_cols;
                        spec.names.extend((0..dim).map(|i| format!("{name}[{i}]")));
                        dim
                    }
                };
                spec.columns.push(FeatureColumn {
                    name,
                    vector_dim: Some(dim),
                });
            } else if columns::is_numeric(col.dtype()) {
                spec.names.push(name.clone());
                spec.columns.push(FeatureColumn {
                    name,
                    vector_dim: None,
                });
            } else {
                return Err(columns::not_numeric(col));
            }
        }
        Ok(spec)
    }

    /// Number of matrix columns.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Whether any feature is a sparse vector column.
    pub fn is_sparse(&self) -> bool {
        self.columns.iter().any(|c| c.vector_dim.is_some())
    }

    /// The feature matrix of `table`'s rows: dense when every feature is a numeric
    /// column, sparse otherwise. Fails when a column is missing, has missing values
    /// (naming the first row), or a vector is wider than at fit time.
    pub fn matrix(&self, table: &Table) -> Result<FeatureMatrix> {
        let df = table.df();
        let n = df.height();
        if !self.is_sparse() {
            let mut x = Array2::zeros((n, self.width()));
            for (j, c) in self.columns.iter().enumerate() {
                let values = columns::f64_values(df, &c.name)?;
                x.column_mut(j)
                    .iter_mut()
                    .zip(values)
                    .for_each(|(d, v)| *d = v);
            }
            return Ok(FeatureMatrix::Dense(x));
        }
        // Blocks side by side: dense columns one each, vectors their dimension.
        enum Block {
            Dense(Vec<f64>),
            Sparse(Csr),
        }
        let mut blocks = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            blocks.push(match c.vector_dim {
                None => Block::Dense(columns::f64_values(df, &c.name)?),
                Some(dim) => {
                    Block::Sparse(Csr::from_column(columns::column(df, &c.name)?, Some(dim))?)
                }
            });
        }
        // One vector column (a vectoriser's output alone): its matrix is the feature
        // matrix, without a second copy of every entry.
        if let [Block::Sparse(_)] = blocks.as_slice()
            && let Some(Block::Sparse(m)) = blocks.pop()
        {
            return Ok(FeatureMatrix::Sparse(m));
        }
        let mut out = Csr::new(self.width());
        let mut row = Vec::new();
        for i in 0..n {
            row.clear();
            let mut offset = 0u32;
            for block in &blocks {
                match block {
                    Block::Dense(v) => {
                        if v[i] != 0.0 {
                            row.push((offset, v[i]));
                        }
                        offset += 1;
                    }
                    Block::Sparse(m) => {
                        let (js, vs) = m.row(i);
                        row.extend(js.iter().map(|&j| j + offset).zip(vs.iter().copied()));
                        offset += m.n_cols as u32;
                    }
                }
            }
            out.push_row(row.iter().copied());
        }
        Ok(FeatureMatrix::Sparse(out))
    }
}

/// A helper for tests and vectorisers: `table` with the sparse vector column `name`
/// made from `csr`, its elements named `terms`.
pub fn with_vector_column(
    table: &Table,
    name: &str,
    csr: Csr,
    terms: Arc<Vec<String>>,
) -> Result<Table> {
    let mut df = table.df().clone();
    df.with_column(csr.into_column(name)?)
        .map_err(NodeError::polars(format!("adding vector column {name:?}")))?;
    Ok(table.derive(df).with_vector_names(name, terms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr() -> Csr {
        let mut m = Csr::new(4);
        m.push_row([(0, 1.0), (3, 0.5)]);
        m.push_row([]);
        m.push_row([(2, -2.0)]);
        m
    }

    #[test]
    fn a_sparse_column_round_trips_through_a_table_and_parquet() {
        let base = Table::new(df!("y" => ["a", "b", "c"]).unwrap());
        let terms = Arc::new(vec!["w".into(), "x".into(), "y".into(), "z".into()]);
        let t = with_vector_column(&base, "tfidf", csr(), terms.clone()).unwrap();
        assert!(is_vector_dtype(t.df().column("tfidf").unwrap().dtype()));
        use pipewright_engine::Artifact;
        let bytes = t.encode().unwrap().1;
        let back = Table::from_parquet(&bytes).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.vector_names("tfidf"), Some(&terms));
        let m = Csr::from_column(back.df().column("tfidf").unwrap(), Some(4)).unwrap();
        assert_eq!(m, csr());
        // A split keeps the names.
        let half = back.derive(back.df().slice(1, 2));
        assert_eq!(half.vector_names("tfidf"), Some(&terms));
        // A slice's lists start part-way into the buffers: read from its own offsets.
        let rows = Csr::from_column(half.df().column("tfidf").unwrap(), Some(4)).unwrap();
        let mut want = Csr::new(4);
        want.push_row([]);
        want.push_row([(2, -2.0)]);
        assert_eq!(rows, want);
        // Rows taken out of order (a shuffled split) read as taken.
        let taken = back
            .df()
            .take(&IdxCa::new("i".into(), [2 as IdxSize, 0]))
            .unwrap();
        let rows = Csr::from_column(taken.column("tfidf").unwrap(), Some(4)).unwrap();
        let mut want = Csr::new(4);
        want.push_row([(2, -2.0)]);
        want.push_row([(0, 1.0), (3, 0.5)]);
        assert_eq!(rows, want);
    }

    #[test]
    fn features_mix_numeric_and_vector_columns_sparsely() {
        let base = Table::new(df!("n" => [2.0, 0.0, 1.0], "y" => ["a", "b", "c"]).unwrap());
        let terms = Arc::new(vec!["w".into(), "x".into(), "y".into(), "z".into()]);
        let t = with_vector_column(&base, "v", csr(), terms).unwrap();
        let spec = FeatureSpec::choose(&t, "", &["y"]).unwrap();
        assert_eq!(spec.names, ["n", "v:w", "v:x", "v:y", "v:z"]);
        let x = spec.matrix(&t).unwrap();
        assert!(x.is_sparse());
        assert_eq!(
            x.to_dense(),
            ndarray::array![
                [2.0, 1.0, 0.0, 0.0, 0.5],
                [0.0, 0.0, 0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0, -2.0, 0.0]
            ]
        );
        assert_eq!(x.row_dot(2, &[1.0, 0.0, 0.0, 1.0, 0.0]), -1.0);
        // Numeric only: dense.
        let spec = FeatureSpec::choose(&t, "n", &["y"]).unwrap();
        assert!(!spec.matrix(&t).unwrap().is_sparse());
    }

    #[test]
    fn bad_feature_columns_are_named() {
        let t = Table::new(df!("s" => ["a"], "y" => [1.0]).unwrap());
        let err = FeatureSpec::choose(&t, "s", &["y"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"s\""), "{err}");
        let err = FeatureSpec::choose(&t, "y", &["y"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("target"), "{err}");
        let wide = with_vector_column(
            &Table::new(df!("y" => [1.0, 2.0, 3.0]).unwrap()),
            "v",
            csr(),
            Arc::new(vec![]),
        )
        .unwrap();
        let err = Csr::from_column(wide.df().column("v").unwrap(), Some(2))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("index 3 but the vectors have 2 elements"),
            "{err}"
        );
    }
}
