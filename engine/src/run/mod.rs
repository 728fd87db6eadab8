//! The scheduler: runs a validated flow on a thread pool, every ready step at once.
//!
//! The flow is first unrolled into tasks (`plan.rs`): a step inside a foreach section
//! becomes one task per item (`Ridge/0` … `Ridge/7`), each with the item's values set
//! on the steps it varies; the section's tasks run in parallel, at most the foreach's
//! `max_parallel` at a time, interleaved with the other branches first come first
//! served; what they share upstream is computed once and shared in memory.
//!
//! A coordinator thread owns the run's state. It hands every step whose inputs are
//! ready to the pool and waits for completions on a channel; when a step finishes it
//! stores the outputs, appends the task to the run's journal, sends an event and
//! releases the steps downstream. A step that fails or panics fails alone: its
//! descendants are marked skipped and the rest of the flow goes on. Cancellation
//! stops new steps from starting; running ones see it through their context.
//!
//! The files, top to bottom (each only uses the ones below it):
//! - `mod.rs`: the API: [`Engine`] (start, run, resume, replay), [`RunOptions`],
//!   [`RunHandle`], [`RunError`];
//! - `coordinator.rs`: the coordinator thread: readiness, journal-before-announce,
//!   skipping descendants of a failed step, cancellation, the run's final status;
//! - `plan.rs`: the flow unrolled into tasks: one per step, one per item for the
//!   steps of a foreach section, a join taking every item's task;
//! - `job.rs`: the job of one step on the pool: reuse, execute (catching panics,
//!   checking outputs against the kind), fail;
//! - `cache.rs`: the cache key (path parameters replaced by the content hash of the
//!   files they name), the lookup that checks included files where the step would
//!   read them now, the included-files key.

mod cache;
mod coordinator;
#[cfg(test)]
mod foreach_tests;
mod job;
mod plan;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, unbounded};

pub use cache::cache_key;
use coordinator::Coordinator;
use job::Shared;

use crate::context::CancelToken;
use crate::event::{Event, EventSink, WakeFn};
use crate::flow::Flow;
use crate::kind::Registry;
use crate::record::{IncludedFile, RunRecord, RunStatus};
use crate::store::{Store, StoreError};
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
    /// The flow file the flow was read from, recorded in the run so `resume` can run
    /// that file as it is then (`None` for a flow never saved).
    pub flow_path: Option<PathBuf>,
    /// The run this one resumes: each of its finished tasks is reused by a step whose
    /// cache key it has (set by [`Engine::start_resume`]).
    pub resume: Option<RunRecord>,
    /// Free-text tags recorded with the run.
    pub tags: Vec<String>,
    /// Data files to read from the store's copies instead of the disk, by path (set
    /// by [`Engine::start_replay`]).
    pub replay_files: BTreeMap<PathBuf, IncludedFile>,
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
        // Idle steps (an input not connected, nothing reading them) are left out: the
        // run and its record hold the rest.
        let (runnable, problems) = crate::validate::validate_runnable(flow, &self.registry);
        let flow: &Flow = &runnable;
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
        // Sections resolve with this run's flow parameter values (a step's `k` may
        // refer to one).
        let (sections, problems) = crate::foreach::sections(flow, &self.registry, &values);
        if !problems.is_empty() {
            return Err(RunError::Invalid(problems));
        }
        let plan = plan::Plan::new(flow, &params, sections);
        let (user, host) = whoami();
        let base_dir = options
            .base_dir
            .canonicalize()
            .unwrap_or_else(|_| options.base_dir.clone());
        let flow_path = options
            .flow_path
            .as_ref()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()));
        let record = RunRecord {
            id: String::new(),
            flow_path,
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
            plan,
            shared: Arc::new(Shared {
                registry: self.registry.clone(),
                store: self.store.clone(),
                events: EventSink::new(tx, options.wake.clone()),
                cancel: options.cancel.clone(),
                no_cache: options.no_cache,
                base_dir,
                run_id: run_id.clone(),
                replay_files: options.replay_files,
                resume: options
                    .resume
                    .map(|r| {
                        let id = r.id;
                        r.tasks
                            .into_iter()
                            .filter(|t| t.status.is_ok() && !t.cache_key.is_empty())
                            .map(|mut t| {
                                // Point at the run that computed it, not at a run that
                                // reused it.
                                t.reused_from.get_or_insert_with(|| id.clone());
                                (t.cache_key.clone(), t)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
        };
        let thread = std::thread::Builder::new()
            .name(format!("pipewright-run-{run_id}"))
            .spawn(move || coordinator.run(writer).map_err(RunError::from))
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
    /// is the same even after the file changed on disk (the flow file is not read).
    /// Its cache keys are the replayed run's, so with the cache on every step is
    /// reused; with `no_cache` every step is recomputed. `control` gives the cancel
    /// token, the wake-up and `no_cache`; the rest comes from the replayed run.
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
            flow_path: previous.flow_path.clone(),
            tags,
            cancel: control.cancel,
            wake: control.wake,
            no_cache: control.no_cache,
            resume: None,
            replay_files,
        };
        self.start(&previous.flow, options)
    }

    /// Starts a new run of `flow` (the flow *as it is now*, e.g. the run's flow file
    /// read again after a fix) that resumes `run_id`, as Metaflow's resume does: every
    /// step whose cache key matches a finished task of the origin run reuses it (the
    /// key covers the kind, its parameters, the content of the files it reads and its
    /// inputs, so a reused result is the one the step would compute now), every other
    /// step runs. The new run records `resumed_from`.
    ///
    /// Flow parameters: the values the origin run set away from its flow's defaults
    /// are kept (for the parameters `flow` still declares); the others take `flow`'s
    /// defaults; `control.overrides` come on top. `control` also gives the folder
    /// relative paths resolve against (the origin's when empty), the flow file to
    /// record, extra tags, the cancel token and the wake-up.
    pub fn start_resume(
        &self,
        run_id: &str,
        flow: &Flow,
        control: RunOptions,
    ) -> Result<RunHandle, RunError> {
        let previous = self.store.run(run_id)?;
        let mut overrides: BTreeMap<String, Value> = previous
            .changed_params()
            .into_iter()
            .filter(|(k, _)| flow.param(k).is_some())
            .collect();
        overrides.extend(control.overrides);
        let mut tags = previous.tags.clone();
        for t in control.tags {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let base_dir = if control.base_dir.as_os_str().is_empty() {
            previous.base_dir.clone()
        } else {
            control.base_dir
        };
        let options = RunOptions {
            overrides,
            base_dir,
            flow_path: control.flow_path,
            tags,
            cancel: control.cancel,
            wake: control.wake,
            no_cache: control.no_cache,
            resume: Some(previous),
            replay_files: BTreeMap::new(),
        };
        self.start(flow, options)
    }
}
