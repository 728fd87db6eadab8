//! `pipewright run`, `resume` and `replay`: a run with a live per-step display.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use pipewright_engine::{
    Engine, Event, NodeId, RunHandle, RunOptions, RunRecord, RunStatus, StepStatus, Store,
};

use super::common::{Outcome, load_flow, parse_overrides, parse_sweeps, registry};
use super::compare::print_comparison;
use super::table::{TextTable, format_value, secs};

/// The folder a flow file's relative paths resolve against.
fn flow_dir(path: &Path) -> std::path::PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned()
}

/// Runs a flow file headless.
pub fn run(
    store: &Store,
    path: &Path,
    params: &[String],
    no_cache: bool,
    tags: Vec<String>,
) -> anyhow::Result<Outcome> {
    let flow = load_flow(path)?;
    let overrides = parse_overrides(&flow, params)?;
    let engine = Engine::new(registry(), store.clone());
    let base_dir = flow_dir(path);
    let options = RunOptions {
        overrides,
        no_cache,
        base_dir,
        flow_path: Some(path.to_owned()),
        tags,
        ..Default::default()
    };
    let handle = engine
        .start(&flow, options)
        .with_context(|| format!("cannot run {}", path.display()))?;
    follow(&engine, handle)
}

/// Resumes a run with a flow file as it is now: `flow`, else the file the run was
/// started from. Every finished step whose cache key still matches is reused.
pub fn resume(store: &Store, id: &str, flow: Option<&Path>) -> anyhow::Result<Outcome> {
    let engine = Engine::new(registry(), store.clone());
    let origin = store
        .run(id)
        .with_context(|| format!("cannot resume run {id}"))?;
    let path = match flow {
        Some(path) => path.to_owned(),
        None => origin.flow_path.clone().with_context(|| {
            format!(
                "cannot resume run {}: it does not record the flow file it came from \
                 (started from an unsaved flow, or by an older Pipewright); pass --flow FILE, \
                 or `pipewright replay {}` re-runs the run's own snapshot",
                origin.id, origin.id
            )
        })?,
    };
    if !path.exists() {
        anyhow::bail!(
            "cannot resume run {}: its flow file {} is gone (moved or deleted); pass \
             --flow FILE to resume with another file, or `pipewright replay {}` re-runs \
             the run's own snapshot",
            origin.id,
            path.display(),
            origin.id
        );
    }
    let flow = load_flow(&path)?;
    println!(
        "resuming run {} with {} as it is now",
        origin.id,
        path.display()
    );
    let options = RunOptions {
        base_dir: flow_dir(&path),
        flow_path: Some(path.clone()),
        ..RunOptions::default()
    };
    let handle = engine
        .start_resume(&origin.id, &flow, options)
        .with_context(|| format!("cannot resume run {id}"))?;
    follow(&engine, handle)
}

/// Replays a run with the data files it read.
pub fn replay(store: &Store, id: &str, no_cache: bool) -> anyhow::Result<Outcome> {
    let engine = Engine::new(registry(), store.clone());
    let handle = engine
        .start_replay(
            id,
            RunOptions {
                no_cache,
                ..RunOptions::default()
            },
        )
        .with_context(|| format!("cannot replay run {id}"))?;
    follow(&engine, handle)
}

fn status_mark(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Done => "✓",
        StepStatus::Cached => "↺",
        StepStatus::Failed => "✗",
        StepStatus::Skipped => "-",
        StepStatus::Cancelled => "■",
        StepStatus::Queued | StepStatus::Running => "…",
    }
}

/// Shows a run's progress until it ends, then its summary and metrics.
fn follow(engine: &Engine, handle: RunHandle) -> anyhow::Result<Outcome> {
    // The live bar goes to stderr when it is a terminal; step lines go through the bar
    // only when stdout is that same terminal, so `pipewright run … | tee log` keeps them.
    let tty = std::io::stderr().is_terminal();
    let lines_via_bar = tty && std::io::stdout().is_terminal();
    let mut labels: HashMap<NodeId, String> = HashMap::new();
    let mut running: Vec<NodeId> = Vec::new();
    let mut bar = ProgressBar::hidden();
    let mut width = 0;
    for event in handle.events.iter() {
        match event {
            Event::RunStarted {
                run_id,
                flow,
                steps,
            } => {
                width = steps
                    .iter()
                    .map(|(_, l)| l.chars().count())
                    .max()
                    .unwrap_or(0);
                println!("run {run_id} of flow {flow:?}: {} steps", steps.len());
                if tty {
                    bar = ProgressBar::new(steps.len() as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} [{pos}/{len}] {elapsed} {wide_msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.enable_steady_tick(Duration::from_millis(100));
                }
                labels = steps.into_iter().collect();
            }
            Event::StepStarted { node } => {
                running.push(node);
                bar.set_message(running_text(&running, &labels));
            }
            Event::StepFinished {
                node,
                status,
                duration_secs,
                message,
            } => {
                running.retain(|n| *n != node);
                let label = labels.get(&node).map_or("?", String::as_str);
                let mut line = format!(
                    "  {} {label:<width$}  {:<9} {:>9}",
                    status_mark(status),
                    status.name(),
                    if status == StepStatus::Done || status == StepStatus::Failed {
                        secs(duration_secs)
                    } else {
                        String::new()
                    }
                );
                if let Some(m) = message.filter(|_| !status.is_ok()) {
                    line.push_str(&format!("  {m}"));
                }
                if lines_via_bar {
                    bar.println(line.trim_end());
                } else {
                    println!("{}", line.trim_end());
                }
                bar.inc(1);
                bar.set_message(running_text(&running, &labels));
            }
            Event::RunFinished { .. } | Event::StepQueued { .. } | Event::StepLog { .. } => {}
        }
    }
    bar.finish_and_clear();
    let record = handle.wait()?;
    print_summary(engine, &record);
    Ok(match record.status {
        RunStatus::Done => Outcome::Success,
        _ => Outcome::RunFailed,
    })
}

fn running_text(running: &[NodeId], labels: &HashMap<NodeId, String>) -> String {
    if running.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = running
        .iter()
        .filter_map(|n| labels.get(n).map(String::as_str))
        .collect();
    format!("running {}", names.join(", "))
}

fn print_summary(engine: &Engine, record: &RunRecord) {
    let total = record.duration_secs().unwrap_or(0.0);
    println!(
        "run {} {} in {} (store: {})",
        record.id,
        record.status,
        secs(total),
        engine.store().root().display()
    );
    let metrics = record.metrics();
    if !metrics.is_empty() {
        let mut t = TextTable::new(&["metric", "value"]);
        for (k, v) in &metrics {
            t.row(vec![k.clone(), format_value(*v)]);
        }
        print!("{}", t.render());
    }
    if let Some(failed) = record.tasks.iter().find(|t| t.status == StepStatus::Failed) {
        eprintln!(
            "error: step {:?} ({}) failed: {}",
            failed.label,
            failed.node,
            failed.message.as_deref().unwrap_or("no message")
        );
        eprintln!(
            "       fix it, then `pipewright resume {}` re-runs only that step and what follows",
            record.id
        );
    }
}

/// Runs a flow once per combination of the swept parameter values, one run after the
/// other so every step a combination does not change is reused from the cache, then
/// prints the runs side by side.
pub fn sweep(
    store: &Store,
    path: &Path,
    params: &[String],
    sweeps: &[String],
    no_cache: bool,
    mut tags: Vec<String>,
) -> anyhow::Result<Outcome> {
    let flow = load_flow(path)?;
    let base = parse_overrides(&flow, params)?;
    let axes = parse_sweeps(&flow, sweeps)?;
    if let Some((name, _)) = axes.iter().find(|(n, _)| base.contains_key(n)) {
        anyhow::bail!("{name} is both --param and --sweep; give it once");
    }
    // Every combination, the last axis varying fastest.
    let mut combos: Vec<Vec<(String, pipewright_engine::Value)>> = vec![Vec::new()];
    for (name, values) in &axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((name.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    // Unique enough to list one sweep's runs even when two start in the same second.
    let now = chrono::Local::now();
    let sweep_tag = format!(
        "sweep-{}-{:04x}",
        now.format("%Y%m%d-%H%M%S"),
        now.timestamp_subsec_nanos() & 0xffff
    );
    tags.push(sweep_tag.clone());
    let engine = Engine::new(registry(), store.clone());
    let base_dir = flow_dir(path);
    println!(
        "sweep {sweep_tag} of flow {:?}: {} runs",
        flow.name,
        combos.len()
    );
    let mut records = Vec::new();
    for (i, combo) in combos.iter().enumerate() {
        let mut overrides = base.clone();
        overrides.extend(combo.iter().cloned());
        let options = RunOptions {
            overrides,
            no_cache,
            base_dir: base_dir.clone(),
            flow_path: Some(path.to_owned()),
            tags: tags.clone(),
            ..Default::default()
        };
        let handle = engine
            .start(&flow, options)
            .with_context(|| format!("cannot run {}", path.display()))?;
        // Drain the events; the summary line below says how it went.
        for _ in handle.events.iter() {}
        let record = handle.wait()?;
        let reused = record
            .tasks
            .iter()
            .filter(|t| t.status == StepStatus::Cached)
            .count();
        let setting: Vec<String> = combo.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "  [{}/{}] {}  {}  {} in {} ({reused} of {} steps reused)",
            i + 1,
            combos.len(),
            record.id,
            setting.join(" "),
            record.status,
            secs(record.duration_secs().unwrap_or(0.0)),
            record.tasks.len()
        );
        if let Some(failed) = record.tasks.iter().find(|t| t.status == StepStatus::Failed) {
            println!(
                "        step {:?} failed: {}",
                failed.label,
                failed.message.as_deref().unwrap_or("no message")
            );
        }
        records.push(record);
    }
    println!();
    print_comparison(&pipewright_engine::Comparison::new(&records, 0), true);
    println!(
        "\nlist them again with: pipewright runs {} --tag {sweep_tag}",
        flow.name
    );
    Ok(if records.iter().all(|r| r.status == RunStatus::Done) {
        Outcome::Success
    } else {
        Outcome::RunFailed
    })
}
