//! `pipewright compare`, `export` and `delete`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, bail};
use pipewright_engine::{Comparison, RunRecord, Store, Value, best_runs, write_atomic};

use super::common::{Outcome, registry};
use super::table::{TextTable, cached_text, format_value, secs};

/// Which runs to compare.
pub struct Selection {
    /// Named runs.
    pub runs: Vec<String>,
    /// Or the best N by `metric`.
    pub best: Option<usize>,
    /// The metric for `best`.
    pub metric: Option<String>,
    /// Restricts `best` to one flow.
    pub flow: Option<String>,
    /// The baseline run.
    pub baseline: Option<String>,
}

fn select(store: &Store, sel: &Selection) -> anyhow::Result<Vec<RunRecord>> {
    let mut runs = Vec::new();
    for id in &sel.runs {
        runs.push(store.run(id)?);
    }
    if let (Some(n), Some(metric)) = (sel.best, &sel.metric) {
        if n == 0 {
            bail!("--best 0: give the number of runs to compare (2 or more)");
        }
        // Ranking is only fair within one flow: another flow's `rmse` scores another
        // model on other data. Without --flow, the newest run's flow is the one.
        let all = store.runs(sel.flow.as_deref())?;
        let flow = match &sel.flow {
            Some(f) => f.clone(),
            None => {
                let Some(newest) = all.first() else {
                    bail!("no runs to rank by {metric:?}");
                };
                let others = all
                    .iter()
                    .filter(|r| r.flow_name != newest.flow_name)
                    .count();
                if others > 0 {
                    println!(
                        "--best {n}: ranking the runs of flow {:?} (the newest run's; {others} \
                         run(s) of other flows left out; choose one with --flow)\n",
                        newest.flow_name
                    );
                }
                newest.flow_name.clone()
            }
        };
        let all: Vec<RunRecord> = all.into_iter().filter(|r| r.flow_name == flow).collect();
        let best = best_runs(&all, metric, n);
        if best.is_empty() {
            bail!("no run of flow {flow:?} has a metric {metric:?}");
        }
        runs.extend(best.into_iter().cloned());
    }
    if runs.len() < 2 {
        bail!("compare needs two or more runs (name them, or use --best N --metric M)");
    }
    Ok(runs)
}

fn value_text(v: &Option<Value>) -> String {
    match v {
        Some(Value::Text(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "—".into(),
    }
}

/// Prints runs side by side.
pub fn compare(
    store: &Store,
    sel: &Selection,
    differences_only: bool,
    csv: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let runs = select(store, sel)?;
    let baseline = match &sel.baseline {
        None => 0,
        Some(b) => {
            let id = store.run(b)?.id;
            runs.iter()
                .position(|r| r.id == id)
                .with_context(|| format!("baseline {id} is not among the compared runs"))?
        }
    };
    let c = Comparison::new(&runs, baseline);
    let flows = c.flow_names();
    if flows.len() > 1 {
        println!(
            "note: these runs are of different flows ({}): parameters are matched by name, \
             metrics and step durations by step label\n",
            flows.join(", ")
        );
    }
    print_comparison(&c, differences_only);
    if let Some(path) = csv {
        write_atomic(path, c.to_csv(differences_only).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("\nwrote {}", path.display());
    }
    Ok(Outcome::Success)
}

/// Prints runs side by side: parameters (`*` where they differ), metrics (★ best,
/// delta against the baseline), step durations and flow changes.
pub fn print_comparison(c: &Comparison, differences_only: bool) {
    let mut header = vec!["".to_owned()];
    header.extend(c.runs.iter().enumerate().map(|(i, r)| {
        if i == c.baseline {
            format!("{} (baseline)", r.id)
        } else {
            r.id.clone()
        }
    }));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = TextTable::new(&header);
    let mut line = |name: &str, cells: Vec<String>| {
        let mut row = vec![name.to_owned()];
        row.extend(cells);
        t.row(row);
    };
    line("flow", c.runs.iter().map(|r| r.flow.clone()).collect());
    line(
        "status",
        c.runs.iter().map(|r| r.status.to_string()).collect(),
    );
    line(
        "started",
        c.runs.iter().map(|r| r.started.clone()).collect(),
    );
    line(
        "duration",
        c.runs
            .iter()
            .map(|r| r.duration_secs.map(secs).unwrap_or_default())
            .collect(),
    );
    if c.runs.iter().any(|r| r.resumed_from.is_some()) {
        line(
            "resumed from",
            c.runs
                .iter()
                .map(|r| r.resumed_from.clone().unwrap_or_default())
                .collect(),
        );
    }
    line("", vec![]);
    line("parameters (* differs)", vec![]);
    for p in c.params.iter().filter(|p| !differences_only || p.differs) {
        let mark = if p.differs { "*" } else { " " };
        line(
            &format!("{mark} {}", p.name),
            p.values.iter().map(value_text).collect(),
        );
    }
    line("", vec![]);
    line("metrics (best marked, Δ vs baseline)", vec![]);
    for m in c.metrics.iter().filter(|m| !differences_only || m.differs) {
        let cells = m
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let Some(v) = v else { return "—".to_owned() };
                let mut s = format_value(*v);
                if m.best == Some(i) && m.values.len() > 1 {
                    s.push_str(" ★");
                }
                if i != c.baseline
                    && let Some(d) = m.deltas[i]
                {
                    s.push_str(&format!(
                        " ({}{})",
                        if d >= 0.0 { "+" } else { "" },
                        format_value(d)
                    ));
                }
                s
            })
            .collect();
        line(&format!("  {}", m.name), cells);
    }
    if !c.items.is_empty() {
        line("", vec![]);
        line("foreach items (best marked)", vec![]);
        if c.best_items.iter().any(Option::is_some) {
            line(
                "  best item",
                c.best_items
                    .iter()
                    .map(|b| b.clone().unwrap_or_else(|| "—".into()))
                    .collect(),
            );
        }
        for it in &c.items {
            let cells = it
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    None => "—".to_owned(),
                    Some(v) if it.best == Some(i) && it.values.len() > 1 => {
                        format!("{} ★", format_value(*v))
                    }
                    Some(v) => format_value(*v),
                })
                .collect();
            line(&format!("  {} {}", it.item, it.metric), cells);
        }
    }
    line("", vec![]);
    line("step durations", vec![]);
    for d in &c.durations {
        line(
            &format!("  {}", d.step),
            d.secs
                .iter()
                .zip(&d.cached)
                .map(|(s, cached)| match (s, cached) {
                    (_, Some(from)) => cached_text(from),
                    (Some(s), None) => secs(*s),
                    (None, None) => "—".into(),
                })
                .collect(),
        );
    }
    print!("{}", t.render());
    if !c.structure.is_empty() {
        println!("\nflow changes against the baseline:");
        for l in &c.structure {
            println!("  {l}");
        }
    }
}

/// Writes one artifact of a past run to a file.
pub fn export(
    store: &Store,
    id: &str,
    step: &str,
    port: Option<&str>,
    out: &Path,
) -> anyhow::Result<Outcome> {
    let run = store.run(id)?;
    let task = run
        .task_by_name(step)
        .with_context(|| format!("run {} has no step {step:?}", run.id))?;
    let port = match port {
        Some(p) => p.to_owned(),
        None => match task.outputs.keys().collect::<Vec<_>>().as_slice() {
            [one] => (*one).clone(),
            [] => bail!("step {:?} of run {} has no artifacts", task.label, run.id),
            many => bail!(
                "step {:?} has several artifacts; choose one with --artifact ({})",
                task.label,
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let artifact = store.run_artifact(&run, &task.label, &port, registry().artifact_types())?;
    let format = out.extension().and_then(|e| e.to_str()).with_context(|| {
        format!(
            "{}: give the file an extension (.parquet, .csv, .json)",
            out.display()
        )
    })?;
    let bytes = artifact
        .export(format)
        .with_context(|| format!("step {:?}, artifact {port:?}", task.label))?;
    write_atomic(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "wrote {} ({} bytes): {} {port} of run {}",
        out.display(),
        bytes.len(),
        task.label,
        run.id
    );
    Ok(Outcome::Success)
}

/// Deletes runs after confirmation and collects their unreferenced blobs.
pub fn delete(store: &Store, ids: &[String], yes: bool) -> anyhow::Result<Outcome> {
    let mut runs = Vec::new();
    let mut gone = Vec::new();
    for id in ids {
        match store.run(id) {
            Ok(r) => runs.push(r),
            // Another process deleted it meanwhile: what was asked is done.
            Err(pipewright_engine::StoreError::Deleted(id)) => gone.push(id),
            Err(e) => return Err(e.into()),
        }
    }
    if !gone.is_empty() {
        println!("already deleted: {}", gone.join(", "));
    }
    if runs.is_empty() {
        return Ok(Outcome::Success);
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("delete asks for confirmation; pass --yes to delete without asking");
        }
        for r in &runs {
            println!("  {}  {}  {}", r.id, r.flow_name, r.status);
        }
        print!("delete {} run(s)? [y/N] ", runs.len());
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("nothing deleted");
            return Ok(Outcome::Success);
        }
    }
    let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    let report = store.delete_runs(&ids)?;
    println!(
        "deleted {} run(s); freed {} blob(s), {} bytes",
        runs.len(),
        report.blobs,
        report.bytes
    );
    Ok(Outcome::Success)
}
