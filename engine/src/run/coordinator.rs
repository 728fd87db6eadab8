//! The coordinator thread of a run: it owns the run's state, hands ready steps to the
//! pool, journals each finished task before announcing it, skips what lies downstream
//! of a failed or cancelled step and writes the final record.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crossbeam_channel::unbounded;

use super::job::{Completion, Job, Shared};
use crate::artifact::{ArtifactArc, ArtifactRef};
use crate::event::Event;
use crate::flow::{Flow, NodeId};
use crate::kind::{Inputs, Params};
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
    pub(super) params: BTreeMap<NodeId, Params>,
    pub(super) shared: Arc<Shared>,
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
        self.send(Event::RunStarted {
            run_id: writer.id().to_owned(),
            flow: flow.name.clone(),
            steps: flow.nodes.iter().map(|n| (n.id, n.label.clone())).collect(),
        });
        let mut waiting: HashMap<NodeId, usize> = flow
            .nodes
            .iter()
            .map(|n| (n.id, flow.incoming(n.id).count()))
            .collect();
        let mut status: HashMap<NodeId, StepStatus> = HashMap::new();
        let mut outputs: HashMap<NodeId, BTreeMap<String, (ArtifactArc, ArtifactRef)>> =
            HashMap::new();
        let mut ready: Vec<NodeId> = flow
            .nodes
            .iter()
            .filter(|n| waiting[&n.id] == 0)
            .map(|n| n.id)
            .rev()
            .collect();
        for n in &flow.nodes {
            self.send(Event::StepQueued { node: n.id });
        }
        let shared = &self.shared;
        let (done_tx, done_rx) = unbounded::<Completion>();
        let mut in_flight = 0usize;
        let mut store_error = None;

        loop {
            while let Some(id) = ready.pop() {
                if shared.cancel.is_cancelled() {
                    continue; // marked cancelled below
                }
                let Some(node) = flow.node(id) else { continue };
                let Some(kind) = shared.registry.kind(&node.kind).cloned() else {
                    continue; // validated: every kind exists
                };
                let mut inputs = Inputs::default();
                let mut input_refs = Vec::new();
                for e in flow.incoming(id) {
                    if let Some((a, r)) =
                        outputs.get(&e.from.node).and_then(|o| o.get(&e.from.port))
                    {
                        inputs.push(&e.to.port, a.clone());
                        input_refs.push((e.to.port.clone(), r.clone(), a.clone()));
                    }
                }
                let job = Job {
                    node: id,
                    label: node.label.clone(),
                    kind,
                    params: self.params.get(&id).cloned().unwrap_or_default(),
                    inputs,
                    input_refs,
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
            let node = done.node;
            let st = done.task.status;
            let label = done.task.label.clone();
            let finished = Event::StepFinished {
                node,
                status: st,
                duration_secs: done.task.duration_secs,
                message: done.task.message.clone(),
            };
            // Journal first, then tell: a step shown as finished is on disk, even if
            // the process is killed the next instant.
            if let Err(e) = writer.append_task(done.task) {
                store_error.get_or_insert(e);
            }
            self.send(finished);
            status.insert(node, st);
            if st.is_ok() {
                outputs.insert(node, done.outputs);
                for e in flow.outgoing(node) {
                    if let Some(w) = waiting.get_mut(&e.to.node) {
                        *w -= 1;
                        if *w == 0 && !status.contains_key(&e.to.node) {
                            ready.push(e.to.node);
                        }
                    }
                }
            } else {
                let why = match st {
                    StepStatus::Cancelled => format!("upstream step {label:?} was cancelled"),
                    _ => format!("upstream step {label:?} failed"),
                };
                for d in descendants(flow, node) {
                    if status.contains_key(&d) {
                        continue;
                    }
                    status.insert(d, StepStatus::Skipped);
                    self.finish_unrun(&mut writer, d, StepStatus::Skipped, &why, &mut store_error);
                }
            }
        }

        let cancelled = self.shared.cancel.is_cancelled();
        for n in &flow.nodes {
            if let std::collections::hash_map::Entry::Vacant(e) = status.entry(n.id) {
                e.insert(StepStatus::Cancelled);
                self.finish_unrun(
                    &mut writer,
                    n.id,
                    StepStatus::Cancelled,
                    "the run was cancelled",
                    &mut store_error,
                );
            }
        }
        let run_status = if status.values().any(|s| *s == StepStatus::Failed) {
            RunStatus::Failed
        } else if cancelled || status.values().any(|s| *s == StepStatus::Cancelled) {
            RunStatus::Cancelled
        } else {
            RunStatus::Done
        };
        let run_id = writer.id().to_owned();
        let record = writer.finish(run_status);
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

    fn finish_unrun(
        &self,
        writer: &mut RunWriter,
        id: NodeId,
        st: StepStatus,
        why: &str,
        store_error: &mut Option<StoreError>,
    ) {
        let Some(node) = self.flow.node(id) else {
            return;
        };
        let task = TaskRecord {
            node: id,
            label: node.label.clone(),
            kind: node.kind.clone(),
            status: st,
            message: Some(why.to_owned()),
            duration_secs: 0.0,
            cache_key: String::new(),
            params: self
                .params
                .get(&id)
                .map(|p| p.0.clone())
                .unwrap_or_default(),
            outputs: BTreeMap::new(),
            logs: Vec::new(),
            included: Vec::new(),
            reused_from: None,
            original_duration_secs: None,
        };
        if let Err(e) = writer.append_task(task) {
            store_error.get_or_insert(e);
        }
        self.send(Event::StepFinished {
            node: id,
            status: st,
            duration_secs: 0.0,
            message: Some(why.to_owned()),
        });
    }
}

/// Every node reachable from `start`, not counting `start`.
fn descendants(flow: &Flow, start: NodeId) -> Vec<NodeId> {
    let mut seen = vec![start];
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        for e in flow.outgoing(n) {
            if !seen.contains(&e.to.node) {
                seen.push(e.to.node);
                stack.push(e.to.node);
            }
        }
    }
    seen.remove(0);
    seen
}
