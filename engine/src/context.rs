//! What a running step can reach: its log, the run's cancellation, and included files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::event::{Event, EventSink};
use crate::flow::NodeId;
use crate::record::IncludedFile;
use crate::step_error::StepError;
use crate::store::Store;

/// A shared flag that asks a run to stop. Checked between steps by the scheduler and
/// by long steps through [`StepContext::check_cancelled`].
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The context of one task.
pub struct StepContext<'a> {
    node: NodeId,
    task: Option<u32>,
    cancel: CancelToken,
    events: Option<&'a EventSink>,
    base_dir: PathBuf,
    store: Option<&'a Store>,
    replay: Option<&'a BTreeMap<PathBuf, IncludedFile>>,
    /// Files the scheduler read (and hashed into the cache key) before the step ran,
    /// by resolved path: the step gets these very bytes.
    prefetched: BTreeMap<PathBuf, Vec<u8>>,
    pub(crate) logs: Vec<String>,
    pub(crate) included: Vec<IncludedFile>,
}

impl<'a> StepContext<'a> {
    pub(crate) fn new(
        node: NodeId,
        cancel: CancelToken,
        events: Option<&'a EventSink>,
        base_dir: PathBuf,
        store: Option<&'a Store>,
    ) -> Self {
        Self {
            node,
            task: None,
            cancel,
            events,
            base_dir,
            store,
            replay: None,
            prefetched: BTreeMap::new(),
            logs: Vec::new(),
            included: Vec::new(),
        }
    }

    /// A context outside any run (for unit tests of node kinds): relative paths
    /// resolve against `base_dir`, included files are hashed but not stored.
    pub fn standalone(base_dir: impl Into<PathBuf>) -> Self {
        Self::new(NodeId(0), CancelToken::new(), None, base_dir.into(), None)
    }

    /// Marks the context as the task of item `index` of a foreach step.
    pub(crate) fn with_task(mut self, index: Option<u32>) -> Self {
        self.task = index;
        self
    }

    /// Reads the files in `replay` from the store's copies instead of the disk.
    pub(crate) fn with_replay(mut self, replay: &'a BTreeMap<PathBuf, IncludedFile>) -> Self {
        self.replay = Some(replay);
        self
    }

    /// Hands the step the bytes of files already read for its cache key, so it reads
    /// exactly what the key was computed from.
    pub(crate) fn with_prefetched(mut self, files: BTreeMap<PathBuf, Vec<u8>>) -> Self {
        self.prefetched = files;
        self
    }

    /// The node this task runs.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Inside a foreach, the index of the item this task runs.
    pub fn task(&self) -> Option<u32> {
        self.task
    }

    /// Adds a line to the step's log (kept in the run record, streamed to the UI).
    pub fn log(&mut self, line: impl Into<String>) {
        let line = line.into();
        if let Some(events) = self.events {
            events.send(Event::StepLog {
                node: self.node,
                task: self.task,
                line: line.clone(),
            });
        }
        self.logs.push(line);
    }

    /// The lines logged so far.
    pub fn logs(&self) -> &[String] {
        &self.logs
    }

    /// Whether the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Returns `Err(StepError::Cancelled)` once the run was asked to stop; call it in
    /// the loops of long steps (`ctx.check_cancelled()?`).
    pub fn check_cancelled(&self) -> Result<(), StepError> {
        if self.is_cancelled() {
            Err(StepError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Resolves a path parameter: relative paths are taken from the flow file's folder.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base_dir.join(p)
        }
    }

    /// Reads a data file the step depends on. Its content is hashed and a copy kept in
    /// the store with the run, so the run records exactly what it saw, and a cached
    /// result is reused only where the file the step would read then has the same
    /// content (from whichever folder the flow runs).
    ///
    /// In a replay ([`crate::Engine::start_replay`]) a file the replayed run read is
    /// taken from the store's copy, so the replay sees exactly what the run saw.
    pub fn include_file(&mut self, path: &str) -> Result<Vec<u8>, StepError> {
        let full = self.resolve_path(path);
        let canonical = full.canonicalize().unwrap_or_else(|_| full.clone());
        if let (Some(replay), Some(store)) = (self.replay, self.store)
            && let Some(kept) = replay.get(&canonical).or_else(|| replay.get(&full))
        {
            let bytes = store
                .get_blob(&kept.hash, crate::artifact::Encoding::Raw)
                .map_err(|e| {
                    StepError::msg(format!("the stored copy of {path} is unreadable: {e}"))
                })?;
            self.log(format!(
                "replaying {} as the run saw it (blake3 {})",
                kept.path.display(),
                &kept.hash[..12]
            ));
            self.included.push(IncludedFile {
                requested: Some(path.to_owned()),
                ..kept.clone()
            });
            return Ok(bytes);
        }
        let bytes = match self.prefetched.remove(&full) {
            Some(bytes) => bytes,
            None => std::fs::read(&full)
                .map_err(|e| StepError::msg(format!("cannot read {}: {e}", full.display())))?,
        };
        let hash = match self.store {
            Some(store) => store
                .put_blob(crate::artifact::Encoding::Raw, &bytes)
                .map_err(|e| StepError::msg(format!("cannot keep a copy of {path}: {e}")))?,
            None => blake3::hash(&bytes).to_hex().to_string(),
        };
        let full = full.canonicalize().unwrap_or(full);
        self.included.push(IncludedFile {
            path: full,
            hash,
            bytes: bytes.len() as u64,
            requested: Some(path.to_owned()),
        });
        Ok(bytes)
    }

    /// The files included so far.
    pub fn included(&self) -> &[IncludedFile] {
        &self.included
    }
}
