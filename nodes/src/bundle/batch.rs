//! Batch scoring of a file larger than memory: rows read in chunks (CSV records,
//! JSON lines, Parquet row slices), each checked against the bundle's input schema,
//! scored, and appended to a CSV or Parquet file — `pipewright predict`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use polars::prelude::{
    Column, CsvReadOptions, CsvWriter, DataFrame, ParquetReader, ParquetWriter, SerReader,
    SerWriter,
};

use super::{Bundle, OutputSchema, Scored};

/// Why a batch could not be scored: one message naming the file, line or row.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BatchError(pub String);

type Result<T> = std::result::Result<T, BatchError>;

impl From<polars::prelude::PolarsError> for BatchError {
    fn from(e: polars::prelude::PolarsError) -> Self {
        BatchError(e.to_string())
    }
}

impl From<std::io::Error> for BatchError {
    fn from(e: std::io::Error) -> Self {
        BatchError(e.to_string())
    }
}

macro_rules! err {
    ($($t:tt)*) => { BatchError(format!($($t)*)) };
}

macro_rules! bail {
    ($($t:tt)*) => { return Err(err!($($t)*)) };
}

/// Adds what was being done to an error's message.
trait Context<T> {
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: std::fmt::Display> Context<T> for std::result::Result<T, E> {
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| BatchError(format!("{}: {e}", what())))
    }
}

/// A whole Parquet file (predictions written by [`score_file`], say).
pub fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .with_context(|| format!("{}: not a readable Parquet file", path.display()))
}

/// How far a batch is.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The work ahead: rows (Parquet) or bytes (CSV, JSON lines).
    Total {
        /// Rows or bytes.
        total: u64,
        /// Whether `total` counts rows.
        rows: bool,
    },
    /// A chunk was written.
    Progress {
        /// Rows or bytes read so far.
        position: u64,
        /// Rows scored so far.
        rows: usize,
    },
    /// Something the user should know (columns the model ignores).
    Note(String),
}

/// The formats read and written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Csv,
    Jsonl,
    Parquet,
}

fn format_of(path: &Path, what: &str, allowed: &[Format]) -> Result<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let f = match ext.as_str() {
        "csv" => Format::Csv,
        "jsonl" | "ndjson" => Format::Jsonl,
        "parquet" | "pq" => Format::Parquet,
        _ => bail!(
            "{what} {}: unknown format .{ext} (use {})",
            path.display(),
            allowed
                .iter()
                .map(|f| match f {
                    Format::Csv => ".csv",
                    Format::Jsonl => ".jsonl",
                    Format::Parquet => ".parquet",
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if !allowed.contains(&f) {
        bail!("{what} {}: .{ext} is not written here", path.display());
    }
    Ok(f)
}

/// Chunks of an input file, each a frame with its first row's number.
trait Chunks {
    /// The next chunk, or `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<(DataFrame, usize)>>;
    /// Bytes read so far (for the progress bar).
    fn position(&self) -> u64;
}

struct ParquetChunks {
    path: PathBuf,
    rows: usize,
    at: usize,
    chunk: usize,
}

impl Chunks for ParquetChunks {
    fn next_chunk(&mut self) -> Result<Option<(DataFrame, usize)>> {
        if self.at >= self.rows {
            return Ok(None);
        }
        let len = self.chunk.min(self.rows - self.at);
        let file = File::open(&self.path)?;
        let df = ParquetReader::new(file)
            .with_slice(Some((self.at, len)))
            .finish()
            .with_context(|| format!("{}: rows {}..", self.path.display(), self.at))?;
        let first = self.at;
        self.at += len;
        Ok(Some((df, first)))
    }
    fn position(&self) -> u64 {
        self.at as u64
    }
}

/// Text chunks of whole records (a CSV record may hold quoted newlines).
struct LineChunks {
    path: PathBuf,
    reader: BufReader<File>,
    format: Format,
    header: Option<String>,
    line: usize,
    row: usize,
    bytes: u64,
    chunk: usize,
}

impl LineChunks {
    /// The next record's text (CSV: lines until the quotes balance), with its line.
    fn record(&mut self) -> Result<Option<(String, usize)>> {
        let mut text = String::new();
        let start = self.line + 1;
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .with_context(|| format!("{}: line {}", self.path.display(), self.line + 1))?;
            if n == 0 {
                return Ok((!text.is_empty()).then_some((text, start)));
            }
            self.line += 1;
            self.bytes += n as u64;
            text.push_str(&line);
            let open = self.format == Format::Csv && text.matches('"').count() % 2 == 1;
            if !open {
                if text.trim().is_empty() {
                    text.clear();
                    continue;
                }
                return Ok(Some((text, start)));
            }
        }
    }
}

impl Chunks for LineChunks {
    fn next_chunk(&mut self) -> Result<Option<(DataFrame, usize)>> {
        let first = self.row;
        match self.format {
            Format::Csv => {
                let header = self.header.clone().expect("read at open");
                let mut text = header.clone();
                let mut n = 0;
                let mut first_line = 0;
                while n < self.chunk {
                    let Some((rec, line)) = self.record()? else {
                        break;
                    };
                    if n == 0 {
                        first_line = line;
                    }
                    text.push_str(&rec);
                    if !rec.ends_with('\n') {
                        text.push('\n');
                    }
                    n += 1;
                }
                if n == 0 {
                    return Ok(None);
                }
                let df = CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .into_reader_with_file_handle(std::io::Cursor::new(text.as_bytes()))
                    .finish()
                    .with_context(|| {
                        format!(
                            "{}: the records from line {first_line} on do not parse",
                            self.path.display()
                        )
                    })?;
                self.row += n;
                Ok(Some((df, first)))
            }
            Format::Jsonl => {
                let mut rows = Vec::new();
                while rows.len() < self.chunk {
                    let Some((rec, line)) = self.record()? else {
                        break;
                    };
                    let v: serde_json::Value = serde_json::from_str(&rec).map_err(|e| {
                        err!(
                            "{}: line {line}, column {}: {e}",
                            self.path.display(),
                            e.column()
                        )
                    })?;
                    let serde_json::Value::Object(map) = v else {
                        bail!(
                            "{}: line {line}: expected a JSON object per line",
                            self.path.display()
                        );
                    };
                    rows.push(map);
                }
                if rows.is_empty() {
                    return Ok(None);
                }
                self.row += rows.len();
                Ok(Some((records_frame(&rows, first, &self.path)?, first)))
            }
            Format::Parquet => unreachable!("parquet is read by ParquetChunks"),
        }
    }
    fn position(&self) -> u64 {
        self.bytes
    }
}

/// JSON lines as a frame of text cells (typed and checked by the bundle like CSV's).
fn records_frame(
    rows: &[serde_json::Map<String, serde_json::Value>],
    first: usize,
    path: &Path,
) -> Result<DataFrame> {
    let mut names: Vec<&String> = Vec::new();
    for r in rows {
        for k in r.keys() {
            if !names.contains(&k) {
                names.push(k);
            }
        }
    }
    let mut cols = Vec::with_capacity(names.len());
    for name in names {
        let mut v: Vec<Option<String>> = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            v.push(match r.get(name) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
                Some(other) => bail!(
                    "{}: row {}, column {name:?}: expected a value, got {}",
                    path.display(),
                    first + i,
                    if other.is_array() {
                        "a list"
                    } else {
                        "an object"
                    }
                ),
            });
        }
        cols.push(Column::new(name.as_str().into(), v));
    }
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// Where predictions go, batch by batch.
enum Sink {
    Csv(polars::io::csv::write::BatchedWriter<File>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
}

/// The output columns: `row`, `prediction`, and for a classifier one score column
/// per class (`probability_<class>` or `score_<class>`).
fn predictions_frame(b: &Bundle, scored: &Scored, first: usize) -> Result<DataFrame> {
    let n = scored.len();
    let row = Column::new(
        "row".into(),
        (first as u64..(first + n) as u64).collect::<Vec<u64>>(),
    );
    let mut cols = vec![row];
    match scored {
        Scored::Values(v) => cols.push(Column::new("prediction".into(), v.as_slice())),
        Scored::Classes {
            labels,
            scores,
            probabilistic,
        } => {
            cols.push(Column::new(
                "prediction".into(),
                labels.iter().map(String::as_str).collect::<Vec<_>>(),
            ));
            let OutputSchema::Classification {
                labels: classes, ..
            } = &b.manifest.output
            else {
                bail!("the bundle's output schema is not a classifier's");
            };
            let prefix = if *probabilistic {
                "probability"
            } else {
                "score"
            };
            for (k, class) in classes.iter().enumerate() {
                cols.push(Column::new(
                    format!("{prefix}_{class}").into(),
                    scores.column(k).to_vec(),
                ));
            }
        }
    }
    Ok(DataFrame::new(n, cols)?)
}

/// Scores the rows of `input` (.csv, .jsonl or .parquet) chunk by chunk into `out`
/// (.csv or .parquet: `row`, `prediction`, a probability or score column per class,
/// then the `keep` columns), telling `on` how far it is. The output appears whole or
/// not at all (written beside it, then renamed). Returns the rows scored.
pub fn score_file(
    b: &Bundle,
    input: &Path,
    out: &Path,
    keep: &[String],
    chunk: usize,
    mut on: impl FnMut(Event),
) -> Result<usize> {
    let in_format = format_of(
        input,
        "--input",
        &[Format::Csv, Format::Jsonl, Format::Parquet],
    )?;
    let out_format = format_of(out, "--out", &[Format::Csv, Format::Parquet])?;
    if chunk == 0 {
        bail!("--chunk 0: give the rows scored at a time (at least 1)");
    }
    let open = || File::open(input).with_context(|| format!("cannot read {}", input.display()));
    let (mut chunks, total): (Box<dyn Chunks>, u64) = match in_format {
        Format::Parquet => {
            let rows = ParquetReader::new(open()?)
                .num_rows()
                .with_context(|| format!("{}: not a readable Parquet file", input.display()))?;
            (
                Box::new(ParquetChunks {
                    path: input.to_owned(),
                    rows,
                    at: 0,
                    chunk,
                }),
                rows as u64,
            )
        }
        f => {
            let size = open()?.metadata()?.len();
            let mut c = LineChunks {
                path: input.to_owned(),
                reader: BufReader::with_capacity(1 << 20, open()?),
                format: f,
                header: None,
                line: 0,
                row: 0,
                bytes: 0,
                chunk,
            };
            if f == Format::Csv {
                let Some((h, _)) = c.record()? else {
                    bail!("{}: the file is empty (no header line)", input.display());
                };
                c.header = Some(if h.ends_with('\n') { h } else { h + "\n" });
            }
            (Box::new(c), size)
        }
    };
    on(Event::Total {
        total,
        rows: in_format == Format::Parquet,
    });
    let tmp = out.with_extension(format!(
        "{}.partial",
        out.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let mut sink: Option<Sink> = None;
    let mut rows = 0usize;
    let mut ignored_told = false;
    let result: Result<()> = (|| {
        while let Some((df, first)) = chunks.next_chunk()? {
            for k in keep {
                if df.column(k).is_err() {
                    bail!("--keep {k}: {} has no column {k:?}", input.display());
                }
            }
            let (table, ignored) = b
                .table_from_frame(&df, first)
                .map_err(|e| err!("{}: {e}", input.display()))?;
            if !ignored.is_empty() && !ignored_told {
                let ignored: Vec<&String> = ignored.iter().filter(|c| !keep.contains(c)).collect();
                if !ignored.is_empty() {
                    on(Event::Note(format!(
                        "the model does not read {} (not scored{})",
                        ignored
                            .iter()
                            .map(|c| format!("{c:?}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if keep.is_empty() {
                            "; --keep COLUMN copies one to the output"
                        } else {
                            ""
                        }
                    )));
                }
                ignored_told = true;
            }
            let scored = b
                .score(&table)
                .map_err(|e| err!("{}: rows {first}..: {e}", input.display()))?;
            let mut frame = predictions_frame(b, &scored, first)?;
            for k in keep {
                let c = df.column(k)?.clone();
                frame.with_column(c)?;
            }
            rows += frame.height();
            if sink.is_none() {
                let file = File::create(&tmp)
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                sink = Some(match out_format {
                    Format::Csv => Sink::Csv(CsvWriter::new(file).batched(frame.schema())?),
                    _ => Sink::Parquet(Box::new(ParquetWriter::new(file).batched(frame.schema())?)),
                });
            }
            match sink.as_mut().expect("opened") {
                Sink::Csv(w) => w.write_batch(&frame)?,
                Sink::Parquet(w) => w.write_batch(&frame)?,
            }
            on(Event::Progress {
                position: chunks.position(),
                rows,
            });
        }
        match sink.as_mut() {
            Some(Sink::Csv(w)) => w.finish()?,
            Some(Sink::Parquet(w)) => {
                w.finish()?;
            }
            None => bail!("{}: no rows to score", input.display()),
        }
        Ok(())
    })();
    if let Err(e) = result {
        drop(sink);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(sink);
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(rows)
}
