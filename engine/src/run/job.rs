//! The job of one step on the pool: reuse a finished task when the key matches, else
//! run the kind (catching panics), check its outputs against the kind's ports, store
//! them and file the task in the cache.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::cache::{Step, StepFiles, cache_key, included_key, lookup_cache, still_valid};
use crate::artifact::{ArtifactArc, ArtifactRef};
use crate::context::{CancelToken, StepContext};
use crate::event::{Event, EventSink};
use crate::flow::NodeId;
use crate::kind::{Inputs, NodeKind, Params, Registry, StepError};
use crate::record::{IncludedFile, StepStatus, TaskRecord};
use crate::store::Store;
use crate::value::Value;

/// What a worker sends back when a step ends.
pub(super) struct Completion {
    /// The task's position in the run's plan.
    pub(super) task_index: usize,
    pub(super) node: NodeId,
    pub(super) task: TaskRecord,
    pub(super) outputs: BTreeMap<String, (ArtifactArc, ArtifactRef)>,
}

/// Everything a worker needs, shared by every step of the run.
pub(super) struct Shared {
    pub(super) registry: Arc<Registry>,
    pub(super) store: Store,
    pub(super) events: EventSink,
    pub(super) cancel: CancelToken,
    pub(super) no_cache: bool,
    pub(super) base_dir: PathBuf,
    pub(super) run_id: String,
    pub(super) replay_files: BTreeMap<PathBuf, IncludedFile>,
    /// In a resume, the finished tasks of the origin run by cache key: a step of the
    /// current flow whose key matches one reuses it (linked to the origin run), however
    /// the flow was edited around it.
    pub(super) resume: HashMap<String, TaskRecord>,
}

/// The work of one step, sent to the pool.
pub(super) struct Job {
    /// The task's position in the run's plan.
    pub(super) task: usize,
    pub(super) node: NodeId,
    /// Inside a foreach: the item's index and values.
    pub(super) index: Option<u32>,
    pub(super) item: BTreeMap<String, Value>,
    /// Lines the scheduler logs for the task before it runs (the items of a foreach,
    /// the items a join goes on without).
    pub(super) notes: Vec<String>,
    pub(super) label: String,
    pub(super) kind: Arc<dyn NodeKind>,
    pub(super) params: Params,
    pub(super) inputs: Inputs,
    pub(super) input_refs: Vec<(String, ArtifactRef, ArtifactArc)>,
}

impl Job {
    fn task(&self, status: StepStatus, key: &str) -> TaskRecord {
        let desc = self.kind.descriptor();
        TaskRecord {
            node: self.node,
            label: self.label.clone(),
            kind: desc.id.to_owned(),
            index: self.index,
            item: self.item.clone(),
            status,
            message: None,
            duration_secs: 0.0,
            cache_key: key.to_owned(),
            params: self.params.0.clone(),
            outputs: BTreeMap::new(),
            logs: Vec::new(),
            included: Vec::new(),
            reused_from: None,
            original_duration_secs: None,
            chosen: None,
            dropped: Vec::new(),
        }
    }

    fn fail(&self, key: &str, status: StepStatus, message: String, duration: f64) -> Completion {
        let mut task = self.task(status, key);
        task.message = Some(message);
        task.duration_secs = duration;
        Completion {
            task_index: self.task,
            node: self.node,
            task,
            outputs: BTreeMap::new(),
        }
    }

    /// Reuses a finished task: loads its outputs from the store. A blob that cannot be
    /// loaded (missing, or damaged so its bytes no longer match their hash) makes this
    /// a cache miss: `None`, and the step is computed again.
    fn reuse(&self, shared: &Shared, old: &TaskRecord, key: &str) -> Option<Completion> {
        let mut outputs = BTreeMap::new();
        // Held before loading, so a concurrent GC keeps them until the journal names them.
        let (store, run) = (&shared.store, &shared.run_id);
        store.hold_task_blobs(run, old).ok()?;
        for (port, r) in &old.outputs {
            let a = shared
                .store
                .load_artifact(r, shared.registry.artifact_types())
                .ok()?;
            outputs.insert(port.clone(), (a, r.clone()));
        }
        let mut task = old.clone();
        task.node = self.node;
        task.label = self.label.clone();
        task.index = self.index;
        task.item = self.item.clone();
        // The same key from other parameter text (a path naming the same bytes): the
        // record says what this step was given.
        task.params = self.params.0.clone();
        task.status = StepStatus::Cached;
        // Entries filed under an included-files key still belong to the step's key.
        task.cache_key = key.to_owned();
        // A task reused from a reused task keeps the time of the computation itself.
        task.original_duration_secs = old.original_duration_secs.or(Some(old.duration_secs));
        task.duration_secs = 0.0;
        Some(Completion {
            task_index: self.task,
            node: self.node,
            task,
            outputs,
        })
    }

    /// Runs the step (or reuses a finished task) and says how it ended.
    pub(super) fn execute(self, shared: &Shared) -> Completion {
        let desc = self.kind.descriptor();
        // The files the step's path parameters name are read before the lookup: the
        // key holds their content, never their (relative) names.
        let files = StepFiles::read(desc, &self.params, &shared.base_dir, &shared.replay_files);
        let key = cache_key(desc.id, desc.version, &files.key_params, &self.input_refs);
        let step = Step {
            desc,
            params: &self.params,
            base_dir: &shared.base_dir,
            replay: &shared.replay_files,
        };
        if let Some(old) = shared.resume.get(&key)
            && let Some(old) = still_valid(old.clone(), &step)
            && let Some(c) = self.reuse(shared, &old, &key)
        {
            return c;
        }
        if !shared.no_cache
            && let Some(old) = lookup_cache(&shared.store, &step, &key)
            && let Some(c) = self.reuse(shared, &old, &key)
        {
            return c;
        }
        if shared.cancel.is_cancelled() {
            return self.fail(
                &key,
                StepStatus::Cancelled,
                "the run was cancelled".into(),
                0.0,
            );
        }
        shared.events.send(Event::StepStarted {
            node: self.node,
            task: self.index,
        });
        let mut ctx = StepContext::new(
            self.node,
            shared.cancel.clone(),
            Some(&shared.events),
            shared.base_dir.clone(),
            Some(&shared.store),
        )
        .with_task(self.index)
        .with_replay(&shared.replay_files)
        .with_prefetched(files.bytes);
        for note in &self.notes {
            ctx.log(note.clone());
        }
        let t0 = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            self.kind.run(&mut ctx, &self.inputs, &self.params)
        }));
        let duration = t0.elapsed().as_secs_f64();
        let produced = match result {
            Ok(Ok(out)) => out,
            Ok(Err(StepError::Cancelled)) => {
                return self.fail(
                    &key,
                    StepStatus::Cancelled,
                    "cancelled while running".into(),
                    duration,
                );
            }
            Ok(Err(StepError::Failed(msg))) => {
                let mut c = self.fail(&key, StepStatus::Failed, msg, duration);
                c.task.logs = ctx.logs;
                return c;
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                let mut c = self.fail(
                    &key,
                    StepStatus::Failed,
                    format!("panicked: {msg}"),
                    duration,
                );
                c.task.logs = ctx.logs;
                return c;
            }
        };
        // Check what the step gave against what its kind declares.
        let mut outputs = BTreeMap::new();
        for spec in &desc.outputs {
            let Some(a) = produced.ports.get(spec.name) else {
                return self.fail(
                    &key,
                    StepStatus::Failed,
                    format!(
                        "the step did not produce its output {:?} (a bug in {})",
                        spec.name, desc.id
                    ),
                    duration,
                );
            };
            if a.type_name() != spec.ty && spec.ty != crate::kind::ANY {
                return self.fail(
                    &key,
                    StepStatus::Failed,
                    format!(
                        "output {:?} should be {} but the step produced {} (a bug in {})",
                        spec.name,
                        spec.ty,
                        a.type_name(),
                        desc.id
                    ),
                    duration,
                );
            }
            // An input passed through unchanged keeps its stored blob: no re-encoding.
            let known = self
                .input_refs
                .iter()
                .find(|(_, _, input)| Arc::ptr_eq(input, a))
                .map(|(_, r, _)| r.clone());
            let r = match known {
                Some(r) => r,
                None => match shared.store.put_artifact(a) {
                    Ok(r) => r,
                    Err(e) => {
                        return self.fail(
                            &key,
                            StepStatus::Failed,
                            format!("cannot store output {:?}: {e}", spec.name),
                            duration,
                        );
                    }
                },
            };
            outputs.insert(spec.name.to_owned(), (a.clone(), r));
        }
        let mut task = self.task(StepStatus::Done, &key);
        task.duration_secs = duration;
        task.logs = ctx.logs;
        task.included = ctx.included;
        task.outputs = outputs
            .iter()
            .map(|(k, (_, r))| (k.clone(), r.clone()))
            .collect();
        task.chosen = produced.chosen;
        // A cache entry that cannot be written only costs a recomputation later.
        let entry = TaskRecord {
            reused_from: Some(shared.run_id.clone()),
            ..task.clone()
        };
        let mut keys = vec![key.clone()];
        if !entry.included.is_empty() {
            let hashes: Vec<String> = entry.included.iter().map(|f| f.hash.clone()).collect();
            keys.push(included_key(&key, &hashes));
        }
        for k in keys {
            let filed = TaskRecord {
                cache_key: k,
                ..entry.clone()
            };
            if let Err(e) = shared.store.put_cached(&filed) {
                tracing::warn!("cannot record step {:?} in the cache: {e}", self.label);
            }
        }
        Completion {
            task_index: self.task,
            node: self.node,
            task,
            outputs,
        }
    }
}
