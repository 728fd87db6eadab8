//! `pipewright runs` and `pipewright show`: the client API on the terminal.

use anyhow::bail;
use pipewright_engine::{CachedFrom, RunRecord, Store, TaskRecord};

use super::common::{Outcome, registry};
use super::table::{TextTable, cached_text, format_value, secs};

/// Lists runs, newest first.
pub fn runs(
    store: &Store,
    flow: Option<&str>,
    status: Option<&str>,
    tag: Option<&str>,
) -> anyhow::Result<Outcome> {
    let statuses = ["running", "done", "failed", "cancelled", "interrupted"];
    if let Some(s) = status
        && !statuses.contains(&s)
    {
        bail!("--status {s:?}: expected one of {}", statuses.join(", "));
    }
    let runs: Vec<RunRecord> = store
        .runs(flow)?
        .into_iter()
        .filter(|r| status.is_none_or(|s| r.status.name() == s))
        .filter(|r| tag.is_none_or(|t| r.tags.iter().any(|x| x == t)))
        .collect();
    if runs.is_empty() {
        println!(
            "no runs{}",
            flow.map(|f| format!(" of flow {f:?}")).unwrap_or_default()
        );
        return Ok(Outcome::Success);
    }
    let best = runs.iter().any(|r| r.best_item().is_some());
    let mut head = vec![
        "run", "flow", "status", "started", "duration", "params", "metrics",
    ];
    if best {
        head.insert(5, "best item");
    }
    let mut t = TextTable::new(&head);
    for r in &runs {
        let params: Vec<String> = r
            .changed_params()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let metrics: Vec<String> = r
            .metrics()
            .iter()
            .filter(|(k, _)| !k.ends_with(".n"))
            // By `Step.metric`: a flow with several scoring steps has one `rmse` each.
            .map(|(k, v)| format!("{k}={}", format_value(*v)))
            .collect();
        let mut row = vec![
            r.id.clone(),
            r.flow_name.clone(),
            r.status.to_string(),
            r.started_at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            r.duration_secs().map(secs).unwrap_or_default(),
            params.join(" "),
            metrics.join(" "),
        ];
        if best {
            let b = r.best_item().map(|(_, c)| c.describe());
            row.insert(5, b.unwrap_or_default());
        }
        t.row(row);
    }
    print!("{}", t.render());
    Ok(Outcome::Success)
}

/// Shows a run, or one step of it.
pub fn show(
    store: &Store,
    id: &str,
    step: Option<&str>,
    task_index: Option<u32>,
) -> anyhow::Result<Outcome> {
    let run = store.run(id)?;
    let Some(step) = step else {
        println!("run       {}", run.id);
        println!("flow      {} ({})", run.flow_name, run.flow.display_title());
        println!("status    {}", run.status);
        println!("user      {}@{}", run.user, run.host);
        println!(
            "started   {}",
            run.started_at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S%.3f")
        );
        if let Some(d) = run.duration_secs() {
            println!("duration  {}", secs(d));
        }
        if let Some(from) = &run.resumed_from {
            println!("resumed   from {from}");
        }
        if !run.tags.is_empty() {
            println!("tags      {}", run.tags.join(", "));
        }
        for (k, v) in &run.params {
            println!("param     {k} = {v}");
        }
        if let Some((by, chosen)) = run.best_item() {
            println!("best      {} (chosen by {})", chosen.describe(), by.label);
        }
        println!();
        let foreach = run.tasks.iter().any(|t| t.index.is_some());
        let mut head = vec!["#", "step", "kind", "status", "time", "outputs"];
        if foreach {
            head.insert(2, "item");
        }
        let mut t = TextTable::new(&head);
        for task in &run.tasks {
            let mut outputs: Vec<String> = task
                .outputs
                .iter()
                .map(|(p, r)| format!("{p}: {}", r.summary))
                .collect();
            if !task.dropped.is_empty() {
                outputs.push(format!("{} not kept", task.dropped.join(", ")));
            }
            let mut last = outputs.join("; ");
            if let Some(m) = task.message.as_ref().filter(|_| !task.status.is_ok()) {
                last = m.clone();
            }
            let mut row = vec![
                task.node.0.to_string(),
                task.name(),
                task.kind.clone(),
                task.status.to_string(),
                task_time(task),
                last,
            ];
            if foreach {
                row.insert(2, task.item_text());
            }
            t.row(row);
        }
        print!("{}", t.render());
        return Ok(Outcome::Success);
    };
    let step = match task_index {
        Some(i) => format!("{step}/{i}"),
        None => step.to_owned(),
    };
    let step = step.as_str();
    // A step inside a foreach without --task: its tasks, one line each.
    if let Some(first) = run
        .task_by_name(step)
        .filter(|t| t.index.is_some() && task_index.is_none() && !step.contains('/'))
    {
        let tasks = run.tasks_of(first.node);
        println!(
            "step      {} ({}, {}): {} tasks of a foreach",
            first.label,
            first.node,
            first.kind,
            tasks.len()
        );
        let mut t = TextTable::new(&["task", "item", "status", "time", "metrics"]);
        for task in tasks {
            let metrics: Vec<String> = task
                .outputs
                .values()
                .flat_map(|r| r.metrics.iter().flatten())
                .map(|(k, v)| format!("{k}={}", super::table::format_value(*v)))
                .collect();
            let last = match task.message.as_ref().filter(|_| !task.status.is_ok()) {
                Some(m) => m.clone(),
                None => metrics.join(" "),
            };
            t.row(vec![
                task.name(),
                task.item_text(),
                task.status.to_string(),
                task_time(task),
                last,
            ]);
        }
        print!("{}", t.render());
        println!(
            "\none task: pipewright show {} --step {:?} --task N",
            run.id, first.label
        );
        return Ok(Outcome::Success);
    }
    let task = run.task_by_name(step).ok_or_else(|| {
        let steps: Vec<String> = run.tasks.iter().map(|t| format!("{:?}", t.label)).collect();
        anyhow::anyhow!(
            "run {} has no step {step:?} (steps: {})",
            run.id,
            steps.join(", ")
        )
    })?;
    println!("step      {} ({}, {})", task.name(), task.node, task.kind);
    if task.index.is_some() {
        println!("item      {}", task.item_text());
    }
    println!(
        "status    {}{}",
        task.status,
        task.message
            .as_ref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default()
    );
    println!("time      {}", task_time(task));
    for (k, v) in &task.params {
        println!("param     {k} = {v}");
    }
    for f in &task.included {
        println!(
            "included  {} ({} bytes, blake3 {})",
            f.path.display(),
            f.bytes,
            &f.hash[..16]
        );
    }
    if !task.logs.is_empty() {
        println!("\nlog:");
        for l in &task.logs {
            println!("  {l}");
        }
    }
    if !task.dropped.is_empty() {
        println!(
            "\nnot kept  {} (its foreach keeps every output of the chosen item only)",
            task.dropped.join(", ")
        );
    }
    let registry = registry();
    let mut unreadable = Vec::new();
    for (port, r) in &task.outputs {
        println!(
            "\nartifact {port}: {} ({}, {} bytes, {})",
            r.type_name,
            r.encoding.extension(),
            r.bytes,
            &r.hash[..16]
        );
        println!("{}", r.summary);
        // The same views the editor draws, as text.
        match store.artifact_views(r, registry.artifact_types(), 10) {
            Ok(views) => print!("{}", pipewright_engine::views_to_text(&views)),
            Err(e) => {
                println!("  cannot load: {e}");
                unreadable.push(port.as_str());
            }
        }
    }
    if !unreadable.is_empty() {
        bail!(
            "step {:?} of run {}: cannot load artifact(s) {}",
            task.label,
            run.id,
            unreadable.join(", ")
        );
    }
    Ok(Outcome::Success)
}

/// A step's time: its wall time, or for a cached step where its result came from and
/// how long computing it took there (a reused step was not timed at zero).
fn task_time(task: &TaskRecord) -> String {
    match CachedFrom::of(task) {
        Some(from) => cached_text(&from),
        None => secs(task.duration_secs),
    }
}
