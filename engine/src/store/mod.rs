//! The store: every run and every artifact, on disk.
//!
//! ```text
//! STORE/
//!   blobs/ab/cdef….zst      content-addressed artifact bytes (blake3 of the encoding);
//!   blobs/ab/cdef….parquet  already-compressed encodings are kept as they are
//!   runs/FLOW/RUN_ID/
//!     run.json              the run record: flow snapshot, parameters, who, when, status
//!     tasks.jsonl           one line per finished task, appended (a torn last line is ignored)
//!     lock                  held (flock) by the process running it; free + "running" = interrupted
//!     tags.json             the run's tags, beside the record so tagging never races its writer
//!     holds                 the blobs a live run is about to reuse (one hash a line), so
//!                           a concurrent GC keeps them before the journal names them
//!   cache/KEY.json          finished task outputs by cache key, for reuse across runs
//!   lock                    the store lock: shared while blobs are written or held,
//!                           exclusive while runs are deleted and blobs collected
//!   damaged/                unreadable run folders that `verify --repair` moved aside
//!   deleted                 the ids of deleted runs, one a line, so a second delete
//!                           of a run another process just deleted knows it is done
//! ```
//!
//! Every file is written atomically (temp file + rename) or appended a line at a time,
//! so a process killed mid-run leaves every earlier run readable (a temp file a killed
//! writer left behind is removed by the next GC). Blobs are named by content, so two
//! processes writing the same blob at once is harmless, and every read checks the bytes
//! against their name: a damaged blob is an error ([`StoreError::CorruptBlob`]), never
//! wrong data, and writing the same content again replaces it.
//!
//! Faults a user meets must not spread: an unreadable record is skipped (and reported)
//! by listings, a run vanishing under a listing (another process deleting it) is not an
//! error, and [`Store::verify`] finds every damaged blob and record.
//!
//! One [`Store`] handle, its methods in one file per part of the folder:
//! - `blobs.rs`: content-addressed artifact bytes (put, get, encode, decode, views);
//! - `runs.rs`: run folders: [`Store::create_run`] and the [`RunWriter`] journal, reading
//!   and listing records, the liveness lock, tags;
//! - `cache_index.rs`: finished tasks by cache key;
//! - `gc.rs`: deleting runs, collecting the blobs no run refers to, and verifying (and
//!   repairing) every blob and record: both walk every blob and every run folder.

mod blobs;
mod cache_index;
mod gc;
mod runs;
#[cfg(test)]
mod tests;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

// Re-exported so `store::RunRecord` and `store::write_atomic` keep naming what they did
// before the vocabulary and the atomic write moved below the store.
pub use crate::fs::write_atomic;
pub use crate::record::{IncludedFile, RunMetric, RunRecord, RunStatus, StepStatus, TaskRecord};

pub use gc::{DamagedBlob, GcReport, RepairReport, VerifyReport};
pub use runs::{DamagedRecord, Listing, RunWriter};

use crate::artifact::ArtifactError;

/// The environment variable naming the store folder.
pub const STORE_ENV: &str = "PIPEWRIGHT_STORE";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file of the store could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A record in the store is not valid JSON of the expected shape.
    #[error("{path}: corrupt record: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A blob's bytes do not match the hash that names it (flipped bits, a torn copy):
    /// reading it would give wrong data. The engine treats it as a cache miss; writing
    /// the same content again replaces the file; `pipewright verify --repair` removes it.
    #[error("blob {hash} ({path}) is damaged: {problem}; runs using it: {runs}")]
    CorruptBlob {
        /// The hash the blob is named by.
        hash: String,
        /// Its file.
        path: PathBuf,
        /// What is wrong (the hash its bytes have, or why they cannot be unpacked).
        problem: String,
        /// The runs whose records name it, comma-separated ("none" when no run does).
        runs: String,
    },
    /// No run has this id.
    #[error("no run {0:?} in the store")]
    NoRun(String),
    /// The run with exactly this id was deleted (perhaps by another process a moment
    /// ago): a delete of it has nothing left to do.
    #[error("run {0} was deleted")]
    Deleted(String),
    /// An empty (or blank) run id: it would match every run.
    #[error("an empty run id names no run: give a run's id or any unique part of it")]
    EmptyRunId,
    /// A part of a run id that matches several runs.
    #[error("run id {prefix:?} is ambiguous: it matches {matches}")]
    Ambiguous {
        /// What was asked for.
        prefix: String,
        /// The runs it matches (the first few, and how many more).
        matches: String,
    },
    /// The run has no such step or artifact.
    #[error("{0}")]
    NotFound(String),
    /// An artifact could not be decoded.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The platform has no per-user data folder and none was given.
    #[error("no store folder: pass --store DIR or set {STORE_ENV}")]
    NoDefault,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A handle on a store folder. Cheap to clone; safe to share between threads and
/// between processes.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        for sub in ["blobs", "runs", "cache"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(io_err(&p))?;
        }
        Ok(Self { root })
    }

    /// The store named by `explicit`, else `$PIPEWRIGHT_STORE`, else the platform's
    /// per-user data folder (`~/.local/share/pipewright/store` on Linux).
    pub fn default_location(explicit: Option<&Path>) -> Result<PathBuf, StoreError> {
        if let Some(p) = explicit {
            return Ok(p.to_owned());
        }
        if let Some(p) = std::env::var_os(STORE_ENV).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        dirs::data_dir()
            .map(|d| d.join("pipewright").join("store"))
            .ok_or(StoreError::NoDefault)
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the store lock: shared by writers and holders of blobs, exclusive for the
    /// collector, so a blob that a writer found present (or a run registered as held)
    /// cannot be collected between that check and the writer's use of it. `None` when
    /// the lock file cannot be opened (a read-only store: nothing is written or
    /// collected there, so there is nothing to exclude).
    fn lock(&self, exclusive: bool) -> Option<fs::File> {
        let path = self.root.join("lock");
        let file = fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .or_else(|_| fs::File::open(&path))
            .ok()?;
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        match locked {
            Ok(()) => Some(file),
            Err(e) => {
                tracing::debug!("{}: cannot lock the store: {e}", path.display());
                None
            }
        }
    }
}

/// Whether an I/O error means the file or folder is gone: another process deleted it
/// while we looked, which a listing or a delete takes as "not there", not as a failure.
fn vanished(e: &StoreError) -> bool {
    matches!(e, StoreError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
}
