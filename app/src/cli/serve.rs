//! The inference commands: `bundle` (a run's model into one file), `serve` (that
//! model over HTTP) and `predict` (a batch file scored in chunks, so a file larger
//! than memory works).

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use pipewright_engine::{RunRecord, RunStatus, Store};
use pipewright_nodes::bundle::{self, Bundle, OutputSchema, batch};

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
    let started = Instant::now();
    let mut bar = ProgressBar::hidden();
    let result = batch::score_file(&b, input, out, keep, chunk, |e| match e {
        batch::Event::Total { total, rows } => {
            if std::io::stderr().is_terminal() {
                bar = ProgressBar::new(total);
                let unit = if rows {
                    "{pos}/{len} rows"
                } else {
                    "{bytes}/{total_bytes}"
                };
                bar.set_style(
                    ProgressStyle::with_template(&format!("{{bar:40}} {unit} {{elapsed}} {{msg}}"))
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.enable_steady_tick(Duration::from_millis(200));
            }
        }
        batch::Event::Progress { position, rows } => {
            bar.set_position(position);
            bar.set_message(format!("{rows} rows"));
        }
        batch::Event::Note(n) => bar.suspend(|| eprintln!("note: {n}")),
    });
    bar.finish_and_clear();
    let rows = result?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "scored {rows} rows of {} with {source} in {secs:.2} s ({:.0} rows/s) → {}",
        input.display(),
        rows as f64 / secs.max(1e-9),
        out.display()
    );
    Ok(Outcome::Success)
}
