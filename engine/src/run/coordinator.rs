//! The coordinator thread of a run: it owns the run's state, hands ready steps to the
//! pool, journals each finished task before announcing it, skips what lies downstream
//! of a failed or cancelled step and writes the final record.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crossbeam_channel::unbounded;

use super::job::{Completion, Job, Shared};
use super::plan::{Plan, PlannedTask};
use crate::artifact::{ArtifactArc, ArtifactRef};
use crate::event::{Event, SectionInfo};
use crate::flow::Flow;
use crate::kind::{Inputs, Origin};
use crate::record::{RunRecord, RunStatus, StepStatus, TaskRecord};
use crate::store::{RunWriter, StoreError};

/// Steps block on I/O as often as they compute, so the pool is never smaller than 4
/// even on a 2-core machine; polars and linfa parallelise inside a step on their own.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(4, |n| n.get().max(4));
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("pipewright-step-{i}"))
            .build()
            // Building a pool only fails when the OS refuses threads; nothing can run then.
            .expect("cannot start the step thread pool")
    })
}

/// The state of one run, owned by its coordinator thread.
pub(super) struct Coordinator {
    pub(super) flow: Flow,
    pub(super) plan: Plan,
    pub(super) shared: Arc<Shared>,
}

/// What the coordinator knows of each task as the run goes.
struct State {
    /// Wires still to arrive, by task.
    waiting: Vec<usize>,
    /// How each task ended (`None`: not yet).
    status: Vec<Option<StepStatus>>,
    /// What each finished task produced.
    outputs: Vec<Option<BTreeMap<String, (ArtifactArc, ArtifactRef)>>>,
    /// For a join that goes on without failed items: those items.
    missing: Vec<Vec<Origin>>,
    /// Tasks that still need each task's outputs: once none does, the outputs are
    /// dropped, so a long flow or a foreach does not hold every table until the end.
    readers: Vec<usize>,
    /// Ready tasks, first come first served (so branches and items interleave).
    ready: VecDeque<usize>,
    /// Tasks of each section running now, and those held back by its bound.
    running_in: Vec<usize>,
    deferred: Vec<VecDeque<usize>>,
}

impl Coordinator {
    fn send(&self, event: Event) {
        // The receiver may be gone (the UI closed the run view); the run goes on.
        self.shared.events.send(event);
    }

    /// Runs the flow to the end and returns its final record; the caller turns a
    /// store failure into a [`super::RunError`].
    pub(super) fn run(self, mut writer: RunWriter) -> Result<RunRecord, StoreError> {
        let started = Instant::now();
        let flow = &self.flow;
        let plan = &self.plan;
        self.send(Event::RunStarted {
            run_id: writer.id().to_owned(),
            flow: flow.name.clone(),
            steps: flow.nodes.iter().map(|n| (n.id, n.label.clone())).collect(),
            sections: plan
                .sections
                .iter()
                .map(|s| SectionInfo {
                    foreach: s.foreach,
                    body: s.body.iter().copied().collect(),
                    items: s.items.iter().map(|i| i.describe()).collect(),
                })
                .collect(),
        });
        let n = plan.tasks.len();
        let mut st = State {
            waiting: plan.tasks.iter().map(|t| t.deps.len()).collect(),
            status: vec![None; n],
            outputs: (0..n).map(|_| None).collect(),
            missing: vec![Vec::new(); n],
            readers: plan.tasks.iter().map(|t| t.dependents.len()).collect(),
            ready: (0..n).filter(|&t| plan.tasks[t].deps.is_empty()).collect(),
            running_in: vec![0; plan.sections.len()],
            deferred: vec![VecDeque::new(); plan.sections.len()],
        };
        for n in &flow.nodes {
            self.send(Event::StepQueued { node: n.id });
        }
        let shared = &self.shared;
        let (done_tx, done_rx) = unbounded::<Completion>();
        let mut in_flight = 0usize;
        let mut store_error = None;

        loop {
            while let Some(t) = st.ready.pop_front() {
                if shared.cancel.is_cancelled() {
                    continue; // marked cancelled below
                }
                let task = &plan.tasks[t];
                if let Some(s) = task.section {
                    if st.running_in[s] >= plan.sections[s].max_parallel.max(1) {
                        st.deferred[s].push_back(t);
                        continue;
                    }
                    st.running_in[s] += 1;
                }
                let Some(node) = flow.node(task.id.node) else {
                    continue;
                };
                let Some(kind) = shared.registry.kind(&node.kind).cloned() else {
                    continue; // validated: every kind exists
                };
                let mut inputs = Inputs::default();
                let mut input_refs = Vec::new();
                for d in &task.deps {
                    if let Some((a, r)) = st.outputs[d.from]
                        .as_ref()
                        .and_then(|o| o.get(&d.from_port))
                    {
                        let origin = plan.tasks[d.from].origin(&plan.sections);
                        inputs.push_from(&d.port, a.clone(), origin);
                        input_refs.push((d.port.clone(), r.clone(), a.clone()));
                    }
                }
                let mut notes = Vec::new();
                if !st.missing[t].is_empty() {
                    let names: Vec<String> = st.missing[t].iter().map(Origin::describe).collect();
                    notes.push(format!(
                        "going on without {} item{} that did not finish: {}",
                        names.len(),
                        if names.len() == 1 { "" } else { "s" },
                        names.join("; ")
                    ));
                    for m in std::mem::take(&mut st.missing[t]) {
                        inputs.push_missing(m);
                    }
                }
                if let Some(section) = plan.sections.iter().find(|s| s.foreach == task.id.node) {
                    notes.push(format!("runs {}", section.summary()));
                    for item in &section.items {
                        notes.push(format!("item {}: {}", item.index, item.describe()));
                    }
                }
                let job = Job {
                    task: t,
                    node: task.id.node,
                    index: task.id.index,
                    item: task.origin(&plan.sections).item,
                    label: node.label.clone(),
                    kind,
                    params: task.params.clone(),
                    inputs,
                    input_refs,
                    notes,
                };
                let shared = shared.clone();
                let done = done_tx.clone();
                in_flight += 1;
                pool().spawn(move || {
                    let completion = job.execute(&shared);
                    // The coordinator outlives every job it spawned.
                    let _ = done.send(completion);
                });
            }
            if in_flight == 0 {
                break;
            }
            let Ok(done) = done_rx.recv() else { break };
            in_flight -= 1;
            let t = done.task_index;
            if let Some(s) = plan.tasks[t].section {
                st.running_in[s] -= 1;
                if let Some(next) = st.deferred[s].pop_front() {
                    st.ready.push_front(next);
                }
            }
            let status = done.task.status;
            let finished = Event::StepFinished {
                node: done.node,
                task: plan.tasks[t].id.index,
                status,
                duration_secs: done.task.duration_secs,
                message: done.task.message.clone(),
            };
            // Journal first, then tell: a step shown as finished is on disk, even if
            // the process is killed the next instant.
            if let Err(e) = writer.append_task(done.task) {
                store_error.get_or_insert(e);
            }
            self.send(finished);
            st.status[t] = Some(status);
            self.release_inputs(&mut st, t);
            if status.is_ok() {
                st.outputs[t] = (st.readers[t] > 0).then_some(done.outputs);
                for &d in &plan.tasks[t].dependents {
                    let wires = plan.tasks[d].deps.iter().filter(|w| w.from == t).count();
                    st.waiting[d] -= wires;
                    if st.waiting[d] == 0 && st.status[d].is_none() {
                        st.ready.push_back(d);
                    }
                }
            } else {
                self.settle_failed(&mut st, &mut writer, t, status, &mut store_error);
            }
        }

        let cancelled = self.shared.cancel.is_cancelled();
        for t in 0..n {
            if st.status[t].is_none() {
                st.status[t] = Some(StepStatus::Cancelled);
                self.finish_unrun(
                    &mut writer,
                    t,
                    StepStatus::Cancelled,
                    "the run was cancelled",
                    &mut store_error,
                );
            }
        }
        let all = st.status.iter().flatten();
        let run_status = if all.clone().any(|s| *s == StepStatus::Failed) {
            RunStatus::Failed
        } else if cancelled || all.clone().any(|s| *s == StepStatus::Cancelled) {
            RunStatus::Cancelled
        } else {
            RunStatus::Done
        };
        let dropped = self.drop_unchosen(&mut writer, &mut store_error);
        let run_id = writer.id().to_owned();
        let record = writer.finish(run_status);
        if !dropped.is_empty()
            && let Err(e) = self.shared.store.collect_blobs(dropped.values())
        {
            // The record no longer names them; a later `gc` removes what is left.
            tracing::warn!("cannot remove the outputs a foreach did not keep: {e}");
        }
        self.send(Event::RunFinished {
            run_id,
            status: run_status,
            duration_secs: started.elapsed().as_secs_f64(),
        });
        if let Some(e) = store_error {
            return Err(e);
        }
        record
    }

    /// For each foreach with `keep = best` whose join chose an item: the other items'
    /// tasks keep only their outputs that carry scores, and their records say which
    /// ports were not kept. Returns the artifacts (by hash) no longer named by this
    /// run, for the store to remove unless another run names them.
    fn drop_unchosen(
        &self,
        writer: &mut RunWriter,
        store_error: &mut Option<StoreError>,
    ) -> BTreeMap<String, ArtifactRef> {
        let mut gone = BTreeMap::new();
        for section in self.plan.sections.iter().filter(|s| s.keep_best) {
            let record = writer.record();
            let Some(winner) = section.joins.iter().find_map(|j| {
                record
                    .tasks_of(*j)
                    .iter()
                    .find_map(|t| t.chosen.as_ref().map(|c| c.index))
            }) else {
                continue;
            };
            let trimmed: Vec<TaskRecord> = record
                .tasks
                .iter()
                .filter(|t| section.body.contains(&t.node))
                .filter(|t| t.index.is_some_and(|i| i != winner))
                .filter(|t| t.outputs.values().any(|r| r.metrics.is_none()))
                .map(|t| {
                    let mut t = t.clone();
                    let (kept, dropped): (BTreeMap<_, _>, BTreeMap<_, _>) =
                        std::mem::take(&mut t.outputs)
                            .into_iter()
                            .partition(|(_, r)| r.metrics.is_some());
                    t.outputs = kept;
                    t.dropped = dropped.keys().cloned().collect();
                    gone.extend(dropped.into_values().map(|r| (r.hash.clone(), r)));
                    t
                })
                .collect();
            for t in trimmed {
                if let Err(e) = writer.append_task(t) {
                    store_error.get_or_insert(e);
                }
            }
        }
        // A blob another task of this run still names stays.
        for t in &writer.record().tasks {
            for r in t.outputs.values() {
                gone.remove(&r.hash);
            }
        }
        gone
    }

    /// Task `t` has ended (or will never run): the tasks it read from need one reader
    /// fewer, and the outputs nobody will read any more are dropped.
    fn release_inputs(&self, st: &mut State, t: usize) {
        let mut froms: Vec<usize> = self.plan.tasks[t].deps.iter().map(|d| d.from).collect();
        froms.sort_unstable();
        froms.dedup();
        for f in froms {
            st.readers[f] = st.readers[f].saturating_sub(1);
            if st.readers[f] == 0 {
                st.outputs[f] = None;
            }
        }
    }

    /// After task `failed` did not finish: the tasks that needed it are skipped, except
    /// a join of its foreach that goes on without failed items, which only notes it
    /// (and runs once its other items are in, or is skipped when none finished).
    fn settle_failed(
        &self,
        st: &mut State,
        writer: &mut RunWriter,
        failed: usize,
        status: StepStatus,
        store_error: &mut Option<StoreError>,
    ) {
        let plan = &self.plan;
        // Every step skipped because of it names the step that failed, not the one
        // skipped just before it.
        let (name, how) = (task_name(&plan.tasks[failed]), status);
        let mut stack = vec![failed];
        while let Some(t) = stack.pop() {
            for &d in &plan.tasks[t].dependents {
                if st.status[d].is_some() {
                    continue;
                }
                let section = plan.tasks[t].section;
                let joins_without = section.is_some_and(|s| {
                    plan.sections[s].continue_on_failure && plan.tasks[d].section != Some(s)
                });
                if joins_without {
                    let mut origin = plan.tasks[t].origin(&plan.sections);
                    origin.step = name.clone();
                    if !st.missing[d].iter().any(|m| m.index == origin.index) {
                        st.missing[d].push(origin);
                    }
                    let wires = plan.tasks[d].deps.iter().filter(|w| w.from == t).count();
                    st.waiting[d] -= wires;
                    if st.waiting[d] > 0 {
                        continue;
                    }
                    let arrived = plan.tasks[d]
                        .deps
                        .iter()
                        .any(|w| st.outputs[w.from].is_some());
                    if arrived {
                        st.ready.push_back(d);
                        continue;
                    }
                    let why = "no item of the foreach finished".to_owned();
                    st.status[d] = Some(StepStatus::Skipped);
                    self.finish_unrun(writer, d, StepStatus::Skipped, &why, store_error);
                    stack.push(d);
                    continue;
                }
                let why = match (how, section, plan.tasks[d].section) {
                    (StepStatus::Cancelled, ..) => format!("upstream step {name:?} was cancelled"),
                    (_, Some(s), to) if to != Some(s) => format!(
                        "item {} of the foreach {:?} did not finish (step {name:?}); set its \
                         continue_on_failure to join the other items",
                        plan.tasks[t].origin(&plan.sections).describe(),
                        plan.sections[s].label
                    ),
                    _ => format!("upstream step {name:?} failed"),
                };
                st.status[d] = Some(StepStatus::Skipped);
                self.finish_unrun(writer, d, StepStatus::Skipped, &why, store_error);
                self.release_inputs(st, d);
                stack.push(d);
            }
        }
    }

    fn finish_unrun(
        &self,
        writer: &mut RunWriter,
        t: usize,
        st: StepStatus,
        why: &str,
        store_error: &mut Option<StoreError>,
    ) {
        let planned = &self.plan.tasks[t];
        let Some(node) = self.flow.node(planned.id.node) else {
            return;
        };
        let task = TaskRecord {
            node: node.id,
            label: node.label.clone(),
            kind: node.kind.clone(),
            index: planned.id.index,
            item: planned.origin(&self.plan.sections).item,
            status: st,
            message: Some(why.to_owned()),
            duration_secs: 0.0,
            cache_key: String::new(),
            params: planned.params.0.clone(),
            outputs: BTreeMap::new(),
            logs: Vec::new(),
            included: Vec::new(),
            reused_from: None,
            original_duration_secs: None,
            chosen: None,
            dropped: Vec::new(),
        };
        if let Err(e) = writer.append_task(task) {
            store_error.get_or_insert(e);
        }
        self.send(Event::StepFinished {
            node: node.id,
            task: planned.id.index,
            status: st,
            duration_secs: 0.0,
            message: Some(why.to_owned()),
        });
    }
}

/// `Ridge` or, for a task of a foreach, `Ridge/3`.
fn task_name(t: &PlannedTask) -> String {
    match t.id.index {
        Some(i) => format!("{}/{i}", t.label),
        None => t.label.clone(),
    }
}
