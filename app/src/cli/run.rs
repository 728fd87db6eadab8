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
    say_left_out(&flow, engine.registry());
    let handle = engine
        .start(&flow, options)
        .with_context(|| format!("cannot run {}", path.display()))?;
    follow(&engine, handle)
}

/// Names the idle steps a run leaves out (an input not connected, nothing reading
/// them), one note each on stderr.
pub fn say_left_out(flow: &pipewright_engine::Flow, registry: &pipewright_engine::Registry) {
    for p in pipewright_engine::idle_steps(flow, registry) {
        eprintln!("note: {p}");
    }
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
    say_left_out(&flow, engine.registry());
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
    // The items of each step inside a foreach, described (`alpha = 0.1`).
    let mut items: HashMap<NodeId, Vec<String>> = HashMap::new();
    let mut running: Vec<(NodeId, Option<u32>)> = Vec::new();
    let mut bar = ProgressBar::hidden();
    let mut width = 0;
    for event in handle.events.iter() {
        match event {
            Event::RunStarted {
                run_id,
                flow,
                steps,
                sections,
            } => {
                labels = steps.iter().cloned().collect();
                let mut tasks = steps.len();
                for s in &sections {
                    for b in &s.body {
                        items.insert(*b, s.items.clone());
                    }
                    tasks += s.body.len() * s.items.len().saturating_sub(1);
                }
                width = steps
                    .iter()
                    .map(|(id, l)| {
                        let suffix = items.get(id).map_or(0, |i| i.len().to_string().len() + 1);
                        l.chars().count() + suffix
                    })
                    .max()
                    .unwrap_or(0);
                println!("run {run_id} of flow {flow:?}: {} steps", steps.len());
                for s in &sections {
                    println!(
                        "  foreach {:?}: {} items × {} steps = {} tasks, in parallel",
                        labels.get(&s.foreach).map_or("?", String::as_str),
                        s.items.len(),
                        s.body.len(),
                        s.items.len() * s.body.len()
                    );
                }
                if tty {
                    bar = ProgressBar::new(tasks as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} [{pos}/{len}] {elapsed} {wide_msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.enable_steady_tick(Duration::from_millis(100));
                }
            }
            Event::StepStarted { node, task } => {
                running.push((node, task));
                bar.set_message(running_text(&running, &labels));
            }
            Event::StepFinished {
                node,
                task,
                status,
                duration_secs,
                message,
            } => {
                running.retain(|r| *r != (node, task));
                let label = task_label(&labels, node, task);
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
                if let Some(item) = task.and_then(|i| items.get(&node)?.get(i as usize)) {
                    line.push_str(&format!("  {item}"));
                }
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

/// `Ridge`, or `Ridge/3` for the task of item 3 of a foreach.
fn task_label(labels: &HashMap<NodeId, String>, node: NodeId, task: Option<u32>) -> String {
    let label = labels.get(&node).map_or("?", String::as_str);
    match task {
        Some(i) => format!("{label}/{i}"),
        None => label.to_owned(),
    }
}

fn running_text(running: &[(NodeId, Option<u32>)], labels: &HashMap<NodeId, String>) -> String {
    if running.is_empty() {
        return String::new();
    }
    let names: Vec<String> = running
        .iter()
        .map(|(n, t)| task_label(labels, *n, *t))
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
            failed.name(),
            failed.node,
            failed.message.as_deref().unwrap_or("no message")
        );
        eprintln!(
            "       fix it, then `pipewright resume {}` re-runs only that step and what follows",
            record.id
        );
    }
}

/// The `over` text of a foreach from `--sweep` arguments: `STEP.PARAM=V1,V2` (any
/// step's parameter; `log(…)`/`linear(…)` ranges too) or `NAME=V1,V2` for a flow
/// parameter, which becomes the parameter of the one step that refers to it.
pub fn sweep_axes(flow: &pipewright_engine::Flow, sweeps: &[String]) -> anyhow::Result<String> {
    let mut lines = Vec::new();
    for arg in sweeps {
        let Some((name, values)) = arg.split_once('=') else {
            anyhow::bail!(
                "--sweep {arg:?}: expected NAME=V1,V2,… (a flow parameter) or STEP.PARAM=V1,V2,…"
            );
        };
        let name = name.trim();
        let target = if flow.param(name).is_some() {
            let users: Vec<String> = flow
                .nodes
                .iter()
                .flat_map(|n| {
                    n.params.iter().filter_map(move |(k, v)| match v {
                        pipewright_engine::ParamValue::Ref(r) if r == name => {
                            Some(format!("{}.{k}", n.label))
                        }
                        _ => None,
                    })
                })
                .collect();
            match users.as_slice() {
                [one] => one.clone(),
                [] => anyhow::bail!(
                    "--sweep {name}: no step uses the flow parameter {name:?}; sweep a step's \
                     parameter instead (STEP.PARAM=…)"
                ),
                many => anyhow::bail!(
                    "--sweep {name}: the flow parameter {name:?} is used by {}; in one run each \
                     is varied on its own, so name one (STEP.PARAM=…) or give --separate-runs",
                    many.join(", ")
                ),
            }
        } else if name.contains('.') {
            name.to_owned()
        } else {
            anyhow::bail!(super::common::no_such_param(flow, "--sweep", name));
        };
        lines.push(format!("{target} = {}", values.trim()));
    }
    Ok(lines.join("\n"))
}

/// `run --sweep` in one run: the flow with a foreach over the swept values (and a
/// Collect when nothing joins the swept steps), its tasks in parallel, then the
/// joins' results.
pub fn sweep_in_run(
    store: &Store,
    path: &Path,
    params: &[String],
    sweeps: &[String],
    no_cache: bool,
    tags: Vec<String>,
) -> anyhow::Result<Outcome> {
    let mut flow = load_flow(path)?;
    let overrides = parse_overrides(&flow, params)?;
    // A swept parameter set by --param too would be silently overruled by the items.
    for arg in sweeps {
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n).trim();
        let via_ref = name.rsplit_once('.').and_then(|(step, param)| {
            let node = flow.nodes.iter().find(|n| n.label == step.trim())?;
            match node.params.get(param.trim())? {
                pipewright_engine::ParamValue::Ref(r) => Some(r.clone()),
                pipewright_engine::ParamValue::Lit(_) => None,
            }
        });
        if let Some(p) = [Some(name.to_owned()), via_ref]
            .into_iter()
            .flatten()
            .find(|p| overrides.contains_key(p))
        {
            anyhow::bail!("{p} is both --param and --sweep; give it once");
        }
    }
    let over = sweep_axes(&flow, sweeps)?;
    let registry = registry();
    let foreach = pipewright_engine::sweep::insert_sweep(
        &mut flow,
        &registry,
        &over,
        &pipewright_nodes::flow::SCORE_TYPES,
    )
    .map_err(|problems| {
        anyhow::anyhow!(
            "cannot sweep {}:\n{}",
            path.display(),
            problems
                .iter()
                .map(|p| format!("  - {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let engine = Engine::new(registry.clone(), store.clone());
    let options = RunOptions {
        overrides,
        no_cache,
        base_dir: flow_dir(path),
        flow_path: Some(path.to_owned()),
        tags,
        ..Default::default()
    };
    say_left_out(&flow, engine.registry());
    let handle = engine
        .start(&flow, options)
        .with_context(|| format!("cannot run {}", path.display()))?;
    let run_id = handle.run_id.clone();
    let outcome = follow(&engine, handle)?;
    // What the joins made of the items: the collected table, the ranking.
    let record = store.run(&run_id)?;
    let (sections, _) =
        pipewright_engine::foreach::sections(&record.flow, &registry, &record.params);
    for join in sections
        .iter()
        .filter(|s| s.foreach == foreach)
        .flat_map(|s| s.joins.iter())
    {
        let Some(task) = record.task(*join) else {
            continue;
        };
        if !task.status.is_ok() {
            continue;
        }
        println!("\n{}:", task.label);
        if task.kind == pipewright_engine::COLLECT_KIND {
            for r in task.outputs.values() {
                if let Ok(views) = store.artifact_views(r, registry.artifact_types(), 100) {
                    let tables: Vec<_> = views
                        .into_iter()
                        .filter(|v| matches!(v, pipewright_engine::ArtifactView::Table(_)))
                        .collect();
                    print!("{}", pipewright_engine::views_to_text(&tables));
                }
            }
        } else {
            for l in &task.logs {
                println!("  {l}");
            }
        }
    }
    println!("\nevery task: pipewright show {run_id}");
    Ok(outcome)
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
