//! Run folders: creating a run and writing its journal ([`RunWriter`]), reading and
//! listing run records, the liveness lock, and tags.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::{Store, StoreError, io_err, vanished};
use crate::artifact::{ArtifactArc, ArtifactTypes};
use crate::fs::write_atomic;
use crate::record::{RunRecord, RunStatus, TaskRecord};

/// Tags live beside the record so tagging never races the process writing the run.
const TAGS_FILE: &str = "tags.json";

/// The ids of deleted runs, one a line (see [`StoreError::Deleted`]).
pub(super) const DELETED_FILE: &str = "deleted";

/// The blobs a live run is about to reuse, one hash a line (see [`Store::hold_blobs`]).
pub(super) const HOLDS_FILE: &str = "holds";

/// The runs of a listing, and the run folders whose record could not be read.
#[derive(Debug, Default)]
pub struct Listing {
    /// The readable runs, newest first, with their tasks.
    pub runs: Vec<RunRecord>,
    /// The run folders whose record is unreadable, sorted by folder.
    pub damaged: Vec<DamagedRecord>,
}

/// A run folder whose record cannot be read: listings skip it and report it.
#[derive(Debug)]
pub struct DamagedRecord {
    /// The run's folder.
    pub dir: PathBuf,
    /// Why its record cannot be read (names the file and what the parser said).
    pub error: String,
}

impl Store {
    fn runs_dir(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// The folder of a run.
    pub fn run_dir(&self, flow: &str, id: &str) -> PathBuf {
        self.runs_dir().join(safe_name(flow)).join(id)
    }

    /// Creates a new run folder with a fresh unique id, writes its first record and
    /// takes its lock. The returned [`RunWriter`] appends tasks and finishes the run.
    pub fn create_run(&self, mut record: RunRecord) -> Result<RunWriter, StoreError> {
        let flow_dir = self.runs_dir().join(safe_name(&record.flow_name));
        fs::create_dir_all(&flow_dir).map_err(io_err(&flow_dir))?;
        // Time-sortable id plus randomness; create_dir fails on a clash (two processes
        // in the same second with the same random suffix), and we draw again.
        let (id, dir) = loop {
            let id = format!(
                "{}-{:06x}",
                record.started_at.format("%Y%m%d-%H%M%S"),
                rand::random::<u32>() & 0xff_ffff
            );
            let dir = flow_dir.join(&id);
            match fs::create_dir(&dir) {
                Ok(()) => break (id, dir),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_err(&dir)(e)),
            }
        };
        record.id = id;
        let lock_path = dir.join("lock");
        let lock = File::create(&lock_path).map_err(io_err(&lock_path))?;
        lock.lock().map_err(io_err(&lock_path))?;
        let writer = RunWriter {
            dir: dir.clone(),
            record,
            journal: None,
            _lock: lock,
        };
        writer.write_record()?;
        let journal_path = dir.join("tasks.jsonl");
        let journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(io_err(&journal_path))?;
        Ok(RunWriter {
            journal: Some(journal),
            ..writer
        })
    }

    /// The names of the flows that have runs, sorted.
    pub fn flows(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.runs_dir();
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))?.flatten() {
            // `flatten`: an entry that vanishes mid-listing (a flow's last run being
            // deleted) is simply not listed.
            if entry.path().is_dir()
                && let Some(name) = entry.file_name().to_str()
            {
                out.push(name.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    fn run_dirs(&self, flow: Option<&str>) -> Result<Vec<PathBuf>, StoreError> {
        let flows = match flow {
            Some(f) => vec![safe_name(f)],
            None => self.flows()?,
        };
        let mut out = Vec::new();
        for f in flows {
            let dir = self.runs_dir().join(f);
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let p = entry.path();
                // A folder being deleted is renamed `ID.deleted-…` first: never a run.
                let deleting = p
                    .extension()
                    .is_some_and(|e| e.to_string_lossy().starts_with("deleted-"));
                if !deleting && p.join("run.json").exists() {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// The runs of one flow (or of every flow), newest first, with their tasks. A run
    /// folder whose record cannot be read is skipped with a warning naming the folder
    /// and the error ([`Store::listing`] returns them), so one damaged record never
    /// hides the others; a run deleted while we list is not listed.
    pub fn runs(&self, flow: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        let listing = self.listing(flow)?;
        for d in &listing.damaged {
            tracing::warn!(
                "skipping the run in {}: {} (pipewright verify --repair moves it aside)",
                d.dir.display(),
                d.error
            );
        }
        Ok(listing.runs)
    }

    /// The readable runs (newest first) and the unreadable run folders, without
    /// warning about the latter: for callers that report them themselves.
    pub fn listing(&self, flow: Option<&str>) -> Result<Listing, StoreError> {
        use rayon::prelude::*;
        // Each record is its own small file: read and parse them in parallel.
        let read: Vec<(PathBuf, Result<RunRecord, StoreError>)> = self
            .run_dirs(flow)?
            .into_par_iter()
            .map(|d| {
                let r = read_run(&d);
                (d, r)
            })
            .collect();
        let mut listing = Listing::default();
        for (dir, result) in read {
            match result {
                Ok(run) => listing.runs.push(run),
                // Deleted (renamed away) between the folder listing and the read.
                Err(e) if vanished(&e) && !dir.join("run.json").exists() => {}
                Err(e) => listing.damaged.push(DamagedRecord {
                    dir,
                    error: e.to_string(),
                }),
            }
        }
        listing
            .runs
            .sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
        listing.damaged.sort_by(|a, b| a.dir.cmp(&b.dir));
        Ok(listing)
    }

    /// The run whose id is `id`, or whose id contains `id` (any unique part is enough,
    /// as git takes any unique prefix of a hash: `607c` finds `20260101-120000-607c1a`).
    /// An empty id is refused (it would match any run) and one that matches several
    /// runs is [`StoreError::Ambiguous`], naming them.
    pub fn run(&self, id: &str) -> Result<RunRecord, StoreError> {
        let dir = self.find_run_dir(id)?;
        read_run(&dir).map_err(|e| {
            if vanished(&e) {
                // Found, then gone before its record was read: deleted under us.
                let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
                StoreError::Deleted(name.unwrap_or_else(|| id.to_owned()))
            } else {
                e
            }
        })
    }

    /// The folder of the run [`Store::run`] would read.
    fn find_run_dir(&self, id: &str) -> Result<PathBuf, StoreError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(StoreError::EmptyRunId);
        }
        let dirs = self.run_dirs(None)?;
        let name = |d: &PathBuf| {
            d.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned()
        };
        if let Some(exact) = dirs.iter().find(|d| name(d) == id) {
            return Ok(exact.clone());
        }
        let mut matching: Vec<&PathBuf> = dirs.iter().filter(|d| name(d).contains(id)).collect();
        match matching.as_slice() {
            [] if self.was_deleted(id) => Err(StoreError::Deleted(id.to_owned())),
            [] => Err(StoreError::NoRun(id.to_owned())),
            [one] => Ok((*one).clone()),
            _ => {
                matching.sort_by_key(|d| std::cmp::Reverse(name(d)));
                const SHOWN: usize = 5;
                let mut matches = matching
                    .iter()
                    .take(SHOWN)
                    .map(|d| name(d))
                    .collect::<Vec<_>>()
                    .join(", ");
                if matching.len() > SHOWN {
                    matches.push_str(&format!(" and {} more", matching.len() - SHOWN));
                }
                Err(StoreError::Ambiguous {
                    prefix: id.to_owned(),
                    matches,
                })
            }
        }
    }

    /// Registers the blobs of a finished task a live run is about to reuse (a cache
    /// hit: its outputs and the stored copies of the files it read) before the run
    /// loads them: a concurrent GC keeps every blob a live run holds, so the run's data
    /// is not collected between the cache lookup and the journal line naming it. Call
    /// it before the load; a blob collected before the call then fails that load (a
    /// cache miss) instead of vanishing afterwards. The holds end with the run (a run
    /// is live while it holds its lock). `run_id` is the run's exact id.
    pub fn hold_task_blobs(&self, run_id: &str, task: &TaskRecord) -> Result<(), StoreError> {
        let hashes = task.outputs.values().map(|r| r.hash.as_str());
        let included = task.included.iter().map(|f| f.hash.as_str());
        self.hold_blobs(run_id, hashes.chain(included))
    }

    /// Registers blobs (by hash) a live run is about to use: see
    /// [`Store::hold_task_blobs`].
    pub fn hold_blobs<'a>(
        &self,
        run_id: &str,
        hashes: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        let mut lines = String::new();
        for hash in hashes {
            lines.push_str(hash);
            lines.push('\n');
        }
        if lines.is_empty() {
            return Ok(());
        }
        // Under the shared store lock: a collector (exclusive) has either finished (and
        // the load that follows sees what it left) or not started (and sees this line).
        let _lock = self.lock(false);
        let dir = self.live_run_dir(run_id)?;
        let path = dir.join(HOLDS_FILE);
        // One append, one write: a reader under the exclusive lock never sees half.
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        f.write_all(lines.as_bytes()).map_err(io_err(&path))
    }

    /// Whether the run with exactly this id was deleted (its id is in `deleted`).
    pub(super) fn was_deleted(&self, id: &str) -> bool {
        fs::read_to_string(self.root.join(DELETED_FILE))
            .is_ok_and(|text| text.lines().any(|l| l == id))
    }

    /// The folder of the run with exactly this id.
    fn live_run_dir(&self, run_id: &str) -> Result<PathBuf, StoreError> {
        for flow in self.flows()? {
            let dir = self.runs_dir().join(flow).join(run_id);
            if dir.join("run.json").exists() {
                return Ok(dir);
            }
        }
        Err(StoreError::NoRun(run_id.to_owned()))
    }

    /// Every run folder, readable or not, as (folder, whether a live process holds it).
    pub(super) fn run_folders(&self) -> Result<Vec<(PathBuf, bool)>, StoreError> {
        Ok(self
            .run_dirs(None)?
            .into_iter()
            .map(|d| {
                let live = is_locked(&d.join("lock"));
                (d, live)
            })
            .collect())
    }

    /// The most recent run of a flow, if any.
    pub fn latest_run(&self, flow: &str) -> Result<Option<RunRecord>, StoreError> {
        Ok(self.runs(Some(flow))?.into_iter().next())
    }

    /// Loads an artifact of a past run: the output `port` of the step labelled or
    /// numbered `step`.
    pub fn run_artifact(
        &self,
        run: &RunRecord,
        step: &str,
        port: &str,
        types: &ArtifactTypes,
    ) -> Result<ArtifactArc, StoreError> {
        let task = run
            .task_by_name(step)
            .ok_or_else(|| StoreError::NotFound(format!("run {} has no step {step:?}", run.id)))?;
        let r = task.outputs.get(port).ok_or_else(|| {
            StoreError::NotFound(format!(
                "step {:?} of run {} has no artifact {port:?} (it has: {})",
                task.label,
                run.id,
                task.outputs.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        self.load_artifact(r, types)
    }

    pub(super) fn locate(&self, id: &str) -> Result<(PathBuf, RunRecord), StoreError> {
        let run = self.run(id)?;
        let dir = self.run_dir(&run.flow_name, &run.id);
        Ok((dir, run))
    }

    /// Replaces a run's tags (trimmed, empty ones dropped, duplicates removed).
    pub fn set_tags(&self, id: &str, tags: &[String]) -> Result<RunRecord, StoreError> {
        let (dir, mut run) = self.locate(id)?;
        let mut clean: Vec<String> = tags
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        clean.sort();
        clean.dedup();
        let path = dir.join(TAGS_FILE);
        let bytes = serde_json::to_vec(&clean).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(io_err(&path))?;
        run.tags = clean;
        Ok(run)
    }
}

/// A folder-safe form of a flow name.
fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

fn read_run(dir: &Path) -> Result<RunRecord, StoreError> {
    let path = dir.join("run.json");
    let bytes = fs::read(&path).map_err(io_err(&path))?;
    let mut record: RunRecord =
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
    if record.tasks.is_empty() {
        let journal = dir.join("tasks.jsonl");
        if let Ok(f) = File::open(&journal) {
            for line in BufReader::new(f).lines() {
                let Ok(line) = line else { break };
                // A process killed mid-append leaves a torn last line: skip it.
                if let Ok(task) = serde_json::from_str::<TaskRecord>(&line) {
                    record.upsert_task(task);
                }
            }
        }
    }
    if let Ok(bytes) = fs::read(dir.join(TAGS_FILE)) {
        record.tags = serde_json::from_slice(&bytes).unwrap_or(record.tags);
    }
    if record.status == RunStatus::Running && !is_locked(&dir.join("lock")) {
        record.status = RunStatus::Interrupted;
    }
    Ok(record)
}

/// Whether a live process holds the run's lock.
fn is_locked(path: &Path) -> bool {
    let Ok(f) = File::open(path) else {
        return false;
    };
    match f.try_lock() {
        Ok(()) => {
            let _ = f.unlock();
            false
        }
        Err(_) => true,
    }
}

/// Writes one run while it goes: appends finished tasks, then the final record.
/// Holds the run's lock until dropped.
#[derive(Debug)]
pub struct RunWriter {
    dir: PathBuf,
    record: RunRecord,
    journal: Option<File>,
    _lock: File,
}

impl RunWriter {
    /// The run's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The record so far.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    fn write_record(&self) -> Result<(), StoreError> {
        let path = self.dir.join("run.json");
        let bytes = serde_json::to_vec_pretty(&self.record).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(io_err(&path))
    }

    /// Appends a finished task to the journal (one line, one write).
    pub fn append_task(&mut self, task: TaskRecord) -> Result<(), StoreError> {
        let path = self.dir.join("tasks.jsonl");
        let mut line = serde_json::to_vec(&task).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        if let Some(j) = &mut self.journal {
            j.write_all(&line).map_err(io_err(&path))?;
        }
        self.record.upsert_task(task);
        Ok(())
    }

    /// Writes the final record (status, end time, every task) and releases the lock.
    pub fn finish(mut self, status: RunStatus) -> Result<RunRecord, StoreError> {
        self.record.status = status;
        self.record.finished_at = Some(chrono::Utc::now());
        self.write_record()?;
        Ok(self.record)
    }
}
