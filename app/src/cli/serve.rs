//! The inference commands: `bundle` (a run's model into one file), `serve` (that
//! model over HTTP) and `predict` (a batch file scored in chunks, so a file larger
//! than memory works).

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use pipewright_engine::{RunRecord, RunStatus, Store};
use pipewright_nodes::bundle::{self, Bundle, OutputSchema, Scored};
use polars::prelude::{
    Column, CsvReadOptions, CsvWriter, DataFrame, ParquetReader, ParquetWriter, SerReader,
    SerWriter,
};

use super::common::{Outcome, open_store, registry};
use crate::serve::{ServeOptions, serve_until_signal};

/// Where a model comes from: a bundle file, a run, or the newest done run with a tag.
#[derive(Debug, Default)]
pub struct ModelSource {
    /// A `.pwm` file or a run id.
    pub model: Option<String>,
    /// With a run: the train step (or select-best join).
    pub step: Option<String>,
    /// The newest done run with this tag.
    pub tag: Option<String>,
    /// With `--tag`: the flow.
    pub flow: Option<String>,
}

/// The bundle a source names, and how to describe it.
pub fn load(store_arg: Option<&Path>, src: &ModelSource) -> anyhow::Result<(Bundle, String)> {
    let registry = registry();
    if let Some(m) = &src.model {
        let path = Path::new(m);
        let looks_like_file = path.exists()
            || path.extension().is_some_and(|e| e == "pwm")
            || m.contains(std::path::MAIN_SEPARATOR);
        if looks_like_file {
            if src.step.is_some() {
                bail!("--step chooses a run's model; {m} is a bundle file and holds one");
            }
            let b = bundle::file::read(path, registry.artifact_types())?;
            return Ok((b, path.display().to_string()));
        }
        let store = open_store(store_arg)?;
        let run = store.run(m)?;
        let (b, _) = Bundle::from_run(&store, &run, src.step.as_deref(), &registry)?;
        return Ok((b, format!("run {}", run.id)));
    }
    let Some(tag) = &src.tag else {
        bail!("name the model: a bundle file, a run id, or --tag TAG --flow FLOW");
    };
    let store = open_store(store_arg)?;
    let run = tagged_run(&store, tag, src.flow.as_deref())?;
    let (b, _) = Bundle::from_run(&store, &run, src.step.as_deref(), &registry)?;
    Ok((b, format!("run {} (tagged {tag})", run.id)))
}

/// The newest finished run tagged `tag` (of `flow`, when given).
fn tagged_run(store: &Store, tag: &str, flow: Option<&str>) -> anyhow::Result<RunRecord> {
    let runs = store.runs(flow)?;
    let tagged: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| r.tags.iter().any(|t| t == tag))
        .collect();
    let of = flow.map(|f| format!(" of flow {f:?}")).unwrap_or_default();
    if let Some(r) = tagged.iter().find(|r| r.status == RunStatus::Done) {
        return Ok((*r).clone());
    }
    match tagged.first() {
        Some(r) => bail!(
            "no finished run{of} is tagged {tag:?} (the newest, {}, is {})",
            r.id,
            r.status.name()
        ),
        None => bail!(
            "no run{of} is tagged {tag:?}: tag the run to serve with `pipewright tag RUN {tag}`"
        ),
    }
}

/// One line per fact of a bundle: model, chain, inputs, outputs, provenance.
pub fn describe(b: &Bundle) -> String {
    let m = &b.manifest;
    let p = &m.provenance;
    let mut out = String::new();
    out.push_str(&format!(
        "model:      {} (step {:?}) of run {} of flow {:?}\n",
        p.model, p.step, p.run_id, p.flow
    ));
    if m.transforms.is_empty() {
        out.push_str("chain:      the model alone\n");
    } else {
        let chain: Vec<String> = m
            .transforms
            .iter()
            .map(|t| format!("{} ({})", t.step, t.summary))
            .collect();
        out.push_str(&format!("chain:      {} → model\n", chain.join(" → ")));
    }
    out.push_str(&format!("input:      {}\n", b.column_list()));
    match &m.output {
        OutputSchema::Regression { target } => {
            out.push_str(&format!("output:     {target} (a number)\n"));
        }
        OutputSchema::Classification {
            target,
            labels,
            probabilities,
        } => out.push_str(&format!(
            "output:     {target}, one of {} ({} per class)\n",
            labels.join(", "),
            if *probabilities {
                "probabilities"
            } else {
                "scores"
            }
        )),
    }
    if !p.metrics.is_empty() {
        // The headline scores; every metric is in GET /v1/model.
        const HEADLINE: &[&str] = &["accuracy", "f1_macro", "roc_auc", "r2", "rmse", "mae"];
        let shown: Vec<String> = p
            .metrics
            .iter()
            .filter(|(k, _)| {
                let name = k.rsplit('.').next().unwrap_or(k);
                HEADLINE.contains(&name)
            })
            .take(6)
            .map(|(k, v)| format!("{k} = {}", super::table::format_value(*v)))
            .collect();
        out.push_str(&format!(
            "metrics:    {}{}\n",
            shown.join(", "),
            if shown.len() < p.metrics.len() {
                format!(" ({} in all)", p.metrics.len())
            } else {
                String::new()
            }
        ));
    }
    out.push_str(&format!(
        "trained on: {} rows (data {}) by {}@{} at {}\n",
        p.training_rows,
        &p.training_data_hash[..p.training_data_hash.len().min(12)],
        p.user,
        p.host,
        p.started_at
    ));
    out
}

/// `pipewright bundle RUN --out model.pwm`.
pub fn bundle_run(
    store: &Store,
    id: &str,
    step: Option<&str>,
    out: &Path,
) -> anyhow::Result<Outcome> {
    let run = store.run(id)?;
    let (b, size) = Bundle::write_from_run(store, &run, step, &registry(), out)?;
    println!(
        "wrote {} ({:.1} KiB, bundle format {})",
        out.display(),
        size as f64 / 1024.0,
        b.manifest.format
    );
    print!("{}", describe(&b));
    Ok(Outcome::Success)
}

/// `pipewright serve …`: until Ctrl-C or SIGTERM.
pub fn serve(
    store_arg: Option<&Path>,
    src: &ModelSource,
    mut opts: ServeOptions,
) -> anyhow::Result<Outcome> {
    let (b, source) = load(store_arg, src)?;
    if opts.token.is_none() {
        opts.token = std::env::var("PIPEWRIGHT_TOKEN")
            .ok()
            .filter(|t| !t.is_empty());
    }
    let token = opts.token.is_some();
    let summary = describe(&b);
    let s = serve_until_signal(b, &source, opts, |h| {
        println!("serving {source} at {}", h.url());
        print!("{summary}");
        println!(
            "endpoints:  POST /invocations (MLflow), POST /v1/predict, GET /health, GET /ping, \
             GET /v1/model, GET /metrics"
        );
        if token {
            println!("token:      required (Authorization: Bearer …)");
        }
        println!("try:        {}", h.curl_example());
        println!("Ctrl-C stops (requests in flight are answered first).");
    })?;
    println!(
        "stopped: {} requests, {} errors, {} rows scored",
        s.requests, s.errors, s.rows
    );
    Ok(Outcome::Success)
}

/// The formats `predict` reads and writes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Csv,
    Jsonl,
    Parquet,
}

fn format_of(path: &Path, what: &str, allowed: &[Format]) -> anyhow::Result<Format> {
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
    fn next_chunk(&mut self) -> anyhow::Result<Option<(DataFrame, usize)>>;
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
    fn next_chunk(&mut self) -> anyhow::Result<Option<(DataFrame, usize)>> {
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
    fn record(&mut self) -> anyhow::Result<Option<(String, usize)>> {
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
    fn next_chunk(&mut self) -> anyhow::Result<Option<(DataFrame, usize)>> {
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
                        anyhow::anyhow!(
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
) -> anyhow::Result<DataFrame> {
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

/// `pipewright predict MODEL --input F --out F`.
pub fn predict(
    store_arg: Option<&Path>,
    src: &ModelSource,
    input: &Path,
    out: &Path,
    keep: &[String],
    chunk: usize,
) -> anyhow::Result<Outcome> {
    let (b, source) = load(store_arg, src)?;
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
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        let unit = if in_format == Format::Parquet {
            "{pos}/{len} rows"
        } else {
            "{bytes}/{total_bytes}"
        };
        bar.set_style(
            ProgressStyle::with_template(&format!("{{bar:40}} {unit} {{elapsed}} {{msg}}"))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let tmp = out.with_extension(format!(
        "{}.partial",
        out.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let mut sink: Option<Sink> = None;
    let mut rows = 0usize;
    let mut ignored_told = false;
    let result: anyhow::Result<()> = (|| {
        while let Some((df, first)) = chunks.next_chunk()? {
            for k in keep {
                if df.column(k).is_err() {
                    bail!("--keep {k}: {} has no column {k:?}", input.display());
                }
            }
            let (table, ignored) = b
                .table_from_frame(&df, first)
                .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
            if !ignored.is_empty() && !ignored_told {
                let ignored: Vec<&String> = ignored.iter().filter(|c| !keep.contains(c)).collect();
                if !ignored.is_empty() {
                    bar.suspend(|| {
                        eprintln!(
                            "note: the model does not read {} (not scored{})",
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
                        )
                    });
                }
                ignored_told = true;
            }
            let scored = b
                .score(&table)
                .map_err(|e| anyhow::anyhow!("{}: rows {first}..: {e}", input.display()))?;
            let mut frame = predictions_frame(&b, &scored, first)?;
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
            bar.set_position(chunks.position());
            bar.set_message(format!("{rows} rows"));
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
    bar.finish_and_clear();
    if let Err(e) = result {
        drop(sink);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(sink);
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "scored {rows} rows of {} with {source} in {secs:.2} s ({:.0} rows/s) → {}",
        input.display(),
        rows as f64 / secs.max(1e-9),
        out.display()
    );
    Ok(Outcome::Success)
}

/// The output columns: `row`, `prediction`, and for a classifier one score column
/// per class (`probability_<class>` or `score_<class>`).
fn predictions_frame(b: &Bundle, scored: &Scored, first: usize) -> anyhow::Result<DataFrame> {
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
