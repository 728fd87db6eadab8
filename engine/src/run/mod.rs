//! The scheduler: runs a validated flow on a thread pool, every ready step at once.
//!
//! A coordinator thread owns the run's state. It hands every step whose inputs are
//! ready to the pool and waits for completions on a channel; when a step finishes it
//! stores the outputs, appends the task to the run's journal, sends an event and
//! releases the steps downstream. A step that fails or panics fails alone: its
//! descendants are marked skipped and the rest of the flow goes on. Cancellation
//! stops new steps from starting; running ones see it through their context.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, unbounded};

use crate::artifact::{ArtifactArc, ArtifactRef};
use crate::context::{CancelToken, StepContext};
use crate::event::{Event, EventSink, WakeFn};
use crate::flow::{Flow, NodeId};
use crate::kind::{Inputs, NodeKind, Params, Registry, StepError};
use crate::store::{RunRecord, RunStatus, StepStatus, Store, StoreError, TaskRecord};
use crate::validate::{Problem, resolve_params, validate};
use crate::value::Value;

/// Why a run could not start (or its record could not be written).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The flow has validation problems.
    #[error("the flow is not valid:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// A flow parameter override is wrong.
    #[error("{0}")]
    Params(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The coordinator thread died (a bug).
    #[error("the run's coordinator stopped unexpectedly")]
    Coordinator,
}

/// How to run a flow.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Flow parameter values that replace the defaults for this run.
    pub overrides: BTreeMap<String, Value>,
    /// Recompute every step even when a finished task with the same key exists.
    pub no_cache: bool,
    /// The folder relative paths resolve against (the flow file's folder).
    pub base_dir: PathBuf,
    /// The run this one resumes: its finished steps are reused as they are.
    pub resume: Option<RunRecord>,
    /// Free-text tags recorded with the run.
    pub tags: Vec<String>,
    /// Data files to read from the store's copies instead of the disk, by path (set
    /// by [`Engine::start_replay`]).
    pub replay_files: BTreeMap<PathBuf, crate::store::IncludedFile>,
    /// Cancels the run when triggered; a fresh token when left default.
    pub cancel: CancelToken,
    /// Called after every event (see [`WakeFn`]).
    pub wake: Option<WakeFn>,
}

/// A run in progress.
#[derive(Debug)]
pub struct RunHandle {
    /// The run's id in the store.
    pub run_id: String,
    /// The run's events, ending with [`Event::RunFinished`].
    pub events: Receiver<Event>,
    /// Cancels the run.
    pub cancel: CancelToken,
    thread: JoinHandle<Result<RunRecord, RunError>>,
}

impl RunHandle {
    /// Waits for the run to end and returns its final record.
    pub fn wait(self) -> Result<RunRecord, RunError> {
        self.thread.join().map_err(|_| RunError::Coordinator)?
    }

    /// Whether the run has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }
}

/// Runs flows against a registry and a store.
#[derive(Clone, Debug)]
pub struct Engine {
    registry: Arc<Registry>,
    store: Store,
}

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

fn whoami() -> (String, String) {
    // $USER is unset under some service managers and containers; the home folder's
    // name is the next best answer there.
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .or_else(|| {
            dirs::home_dir().and_then(|h| h.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "unknown".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    (user, host)
}

impl Engine {
    /// An engine over a registry and a store.
    pub fn new(registry: Arc<Registry>, store: Store) -> Self {
        Self { registry, store }
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Validates the flow, records a new run in the store and starts it in the
    /// background. Events arrive on the handle's channel.
    pub fn start(&self, flow: &Flow, options: RunOptions) -> Result<RunHandle, RunError> {
        let problems = validate(flow, &self.registry);
        if !problems.is_empty() {
            return Err(RunError::Invalid(problems));
        }
        let values = flow
            .resolve_flow_params(&options.overrides)
            .map_err(RunError::Params)?;
        let mut params = BTreeMap::new();
        for node in &flow.nodes {
            let desc = self
                .registry
                .descriptor(&node.kind)
                .ok_or_else(|| RunError::Invalid(validate(flow, &self.registry)))?;
            let p = resolve_params(node, desc, &values).map_err(RunError::Invalid)?;
            params.insert(node.id, p);
        }
        let (user, host) = whoami();
        let base_dir = options
            .base_dir
            .canonicalize()
            .unwrap_or_else(|_| options.base_dir.clone());
        let record = RunRecord {
            id: String::new(),
            flow_name: flow.name.clone(),
            flow: flow.clone(),
            base_dir: base_dir.clone(),
            params: values,
            user,
            host,
            started_at: chrono::Utc::now(),
            finished_at: None,
            status: RunStatus::Running,
            resumed_from: options.resume.as_ref().map(|r| r.id.clone()),
            tags: options.tags.clone(),
            tasks: Vec::new(),
        };
        let writer = self.store.create_run(record)?;
        let run_id = writer.id().to_owned();
        let (tx, rx) = unbounded();
        let coordinator = Coordinator {
            flow: flow.clone(),
            params,
            shared: Arc::new(Shared {
                registry: self.registry.clone(),
                store: self.store.clone(),
                events: EventSink::new(tx, options.wake.clone()),
                cancel: options.cancel.clone(),
                no_cache: options.no_cache,
                base_dir,
                run_id: run_id.clone(),
                replay_files: options.replay_files,
            }),
            reuse: options
                .resume
                .map(|r| {
                    let id = r.id;
                    r.tasks
                        .into_iter()
                        .filter(|t| t.status.is_ok())
                        .map(|mut t| {
                            // Point at the run that computed it, not at a run that reused it.
                            t.reused_from.get_or_insert_with(|| id.clone());
                            (t.node, t)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("pipewright-run-{run_id}"))
            .spawn(move || coordinator.run(writer))
            .map_err(|e| {
                RunError::Store(StoreError::Io {
                    path: PathBuf::from("<thread>"),
                    source: e,
                })
            })?;
        Ok(RunHandle {
            run_id,
            events: rx,
            cancel: options.cancel,
            thread,
        })
    }

    /// Runs a flow to the end, calling `on_event` for every event, and returns the
    /// final record.
    pub fn run(
        &self,
        flow: &Flow,
        options: RunOptions,
        mut on_event: impl FnMut(&Event),
    ) -> Result<RunRecord, RunError> {
        let handle = self.start(flow, options)?;
        for event in handle.events.iter() {
            on_event(&event);
        }
        handle.wait()
    }

    /// Starts a new run that replays `run_id`: the same flow snapshot and parameters,
    /// and every data file the run read is taken from the store's copy, so the result
    /// is the same even after the file changed on disk. With `no_cache` every step is
    /// recomputed. `control` gives the cancel token, the wake-up and `no_cache`; the
    /// rest comes from the replayed run.
    pub fn start_replay(&self, run_id: &str, control: RunOptions) -> Result<RunHandle, RunError> {
        let previous = self.store.run(run_id)?;
        let replay_files = previous
            .tasks
            .iter()
            .flat_map(|t| t.included.iter())
            .map(|f| (f.path.clone(), f.clone()))
            .collect();
        let mut tags = previous.tags.clone();
        tags.push(format!("replay-of-{}", previous.id));
        let options = RunOptions {
            overrides: previous.params.clone(),
            base_dir: previous.base_dir.clone(),
            tags,
            cancel: control.cancel,
            wake: control.wake,
            no_cache: control.no_cache,
            resume: None,
            replay_files,
        };
        self.start(&previous.flow, options)
    }

    /// Starts a new run that resumes `run_id`: the same flow snapshot and parameters,
    /// its finished steps reused, the failed, skipped and cancelled ones run again.
    /// `control` gives the cancel token and the wake-up; the rest comes from the run.
    pub fn start_resume(&self, run_id: &str, control: RunOptions) -> Result<RunHandle, RunError> {
        let previous = self.store.run(run_id)?;
        let options = RunOptions {
            overrides: previous.params.clone(),
            base_dir: previous.base_dir.clone(),
            tags: previous.tags.clone(),
            cancel: control.cancel,
            wake: control.wake,
            no_cache: false,
            resume: Some(previous.clone()),
            replay_files: BTreeMap::new(),
        };
        self.start(&previous.flow, options)
    }
}

/// What a worker sends back when a step ends.
struct Completion {
    node: NodeId,
    task: TaskRecord,
    outputs: BTreeMap<String, (ArtifactArc, ArtifactRef)>,
}

struct Coordinator {
    flow: Flow,
    params: BTreeMap<NodeId, Params>,
    reuse: HashMap<NodeId, TaskRecord>,
    shared: Arc<Shared>,
}

/// Everything a worker needs, shared by every step of the run.
struct Shared {
    registry: Arc<Registry>,
    store: Store,
    events: EventSink,
    cancel: CancelToken,
    no_cache: bool,
    base_dir: PathBuf,
    run_id: String,
    replay_files: BTreeMap<PathBuf, crate::store::IncludedFile>,
}

impl Coordinator {
    fn send(&self, event: Event) {
        // The receiver may be gone (the UI closed the run view); the run goes on.
        self.shared.events.send(event);
    }

    fn run(self, mut writer: crate::store::RunWriter) -> Result<RunRecord, RunError> {
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
                    reuse: self.reuse.get(&id).cloned(),
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
            return Err(e.into());
        }
        Ok(record?)
    }

    fn finish_unrun(
        &self,
        writer: &mut crate::store::RunWriter,
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

/// A step's cache key: kind, kind version, resolved parameters and input hashes.
pub fn cache_key(
    kind: &str,
    version: u32,
    params: &Params,
    inputs: &[(String, ArtifactRef, ArtifactArc)],
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(kind.as_bytes());
    h.update(&version.to_le_bytes());
    // serde_json of a BTreeMap is canonical (sorted keys, shortest float repr).
    h.update(
        serde_json::to_string(&params.0)
            .unwrap_or_default()
            .as_bytes(),
    );
    let mut ins: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(p, r, _)| (p.as_str(), r.hash.as_str()))
        .collect();
    ins.sort();
    for (p, hash) in ins {
        h.update(b"\0");
        h.update(p.as_bytes());
        h.update(b"=");
        h.update(hash.as_bytes());
    }
    h.finalize().to_hex()[..32].to_owned()
}

/// The content hash a file has now: its stored copy's in a replay, else read from disk
/// (`None` when it cannot be read).
fn current_hash(
    path: &std::path::Path,
    replay: &BTreeMap<PathBuf, crate::store::IncludedFile>,
) -> Option<String> {
    match replay.get(path) {
        Some(kept) => Some(kept.hash.clone()),
        None => std::fs::read(path)
            .ok()
            .map(|b| blake3::hash(&b).to_hex().to_string()),
    }
}

/// The cache key of a step's result for particular contents of its included files.
fn included_key(key: &str, hashes: &[String]) -> String {
    let mut h = blake3::Hasher::new();
    for x in hashes {
        h.update(x.as_bytes());
    }
    format!("{key}-{}", &h.finalize().to_hex()[..16])
}

struct Job {
    node: NodeId,
    label: String,
    kind: Arc<dyn NodeKind>,
    params: Params,
    inputs: Inputs,
    input_refs: Vec<(String, ArtifactRef, ArtifactArc)>,
    reuse: Option<TaskRecord>,
}

impl Job {
    fn task(&self, status: StepStatus, key: &str) -> TaskRecord {
        let desc = self.kind.descriptor();
        TaskRecord {
            node: self.node,
            label: self.label.clone(),
            kind: desc.id.to_owned(),
            status,
            message: None,
            duration_secs: 0.0,
            cache_key: key.to_owned(),
            params: self.params.0.clone(),
            outputs: BTreeMap::new(),
            logs: Vec::new(),
            included: Vec::new(),
            reused_from: None,
        }
    }

    fn fail(&self, key: &str, status: StepStatus, message: String, duration: f64) -> Completion {
        let mut task = self.task(status, key);
        task.message = Some(message);
        task.duration_secs = duration;
        Completion {
            node: self.node,
            task,
            outputs: BTreeMap::new(),
        }
    }

    /// Reuses a finished task: loads its outputs from the store.
    fn reuse(&self, shared: &Shared, old: &TaskRecord, key: &str) -> Option<Completion> {
        let mut outputs = BTreeMap::new();
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
        task.status = StepStatus::Cached;
        // Entries filed under an included-files key still belong to the step's key.
        task.cache_key = key.to_owned();
        task.duration_secs = 0.0;
        Some(Completion {
            node: self.node,
            task,
            outputs,
        })
    }

    /// A finished task with this key whose included files still have the content it
    /// saw. The latest entry for the key is tried first; when its files differ, the
    /// entry filed under the key plus the files' current contents (an earlier result
    /// for the data as it is now, or as a replay sees it).
    fn lookup_cache(&self, shared: &Shared, key: &str) -> Option<Completion> {
        let latest = shared.store.cached(key)?;
        // Each included file is read and hashed once here, however many entries are
        // checked against it (a data file can be tens of megabytes).
        let mut current: BTreeMap<PathBuf, String> = BTreeMap::new();
        for f in &latest.included {
            let hash = current_hash(&f.path, &shared.replay_files)?;
            current.insert(f.path.clone(), hash);
        }
        let saw_current = |task: &TaskRecord| {
            task.included.iter().all(|f| {
                let now = match current.get(&f.path) {
                    Some(h) => Some(h.clone()),
                    None => current_hash(&f.path, &shared.replay_files),
                };
                now.as_deref() == Some(f.hash.as_str())
            })
        };
        if saw_current(&latest) {
            return self.reuse(shared, &latest, key);
        }
        let hashes: Vec<String> = latest
            .included
            .iter()
            .filter_map(|f| current.get(&f.path).cloned())
            .collect();
        let older = shared.store.cached(&included_key(key, &hashes))?;
        if saw_current(&older) {
            return self.reuse(shared, &older, key);
        }
        None
    }

    fn execute(self, shared: &Shared) -> Completion {
        let desc = self.kind.descriptor();
        let key = cache_key(desc.id, desc.version, &self.params, &self.input_refs);
        if let Some(old) = &self.reuse
            && old.cache_key == key
            && let Some(c) = self.reuse(shared, old, &key)
        {
            return c;
        }
        if !shared.no_cache
            && let Some(c) = self.lookup_cache(shared, &key)
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
        shared.events.send(Event::StepStarted { node: self.node });
        let mut ctx = StepContext::new(
            self.node,
            shared.cancel.clone(),
            Some(&shared.events),
            shared.base_dir.clone(),
            Some(&shared.store),
        )
        .with_replay(&shared.replay_files);
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
            node: self.node,
            task,
            outputs,
        }
    }
}

#[cfg(test)]
mod tests;
