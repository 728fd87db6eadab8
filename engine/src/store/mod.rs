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
//!   cache/KEY.json          finished task outputs by cache key, for reuse across runs
//! ```
//!
//! Every file is written atomically (temp file + rename) or appended a line at a time,
//! so a process killed mid-run leaves every earlier run readable. Blobs are immutable
//! and named by content, so two processes writing the same blob at once is harmless.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

// Re-exported so `store::RunRecord` and `store::write_atomic` keep naming what they did
// before the vocabulary and the atomic write moved below the store.
pub use crate::fs::write_atomic;
pub use crate::record::{IncludedFile, RunMetric, RunRecord, RunStatus, StepStatus, TaskRecord};

use crate::artifact::{ArtifactArc, ArtifactError, ArtifactRef, ArtifactTypes, Encoding};
use crate::view::ArtifactView;

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
    /// No run has this id.
    #[error("no run {0:?} in the store")]
    NoRun(String),
    /// A run id prefix matches several runs.
    #[error("run id {prefix:?} is ambiguous: it matches {matches}")]
    Ambiguous {
        /// What was asked for.
        prefix: String,
        /// Some of the runs it matches.
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

    fn blob_path(&self, hash: &str, encoding: Encoding) -> PathBuf {
        let ext = if encoding.is_compressed() {
            encoding.extension()
        } else {
            "zst"
        };
        self.root
            .join("blobs")
            .join(&hash[..2])
            .join(format!("{}.{ext}", &hash[2..]))
    }

    /// Stores encoded bytes under their content hash (once: identical bytes are kept
    /// once) and returns the hash.
    pub fn put_blob(&self, encoding: Encoding, bytes: &[u8]) -> Result<String, StoreError> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        let path = self.blob_path(&hash, encoding);
        if path.exists() {
            // Refresh its time: a concurrent `gc` keeps blobs touched since the oldest
            // running run started, so a blob this run reuses is not collected under it.
            if let Ok(f) = File::options().append(true).open(&path) {
                let _ = f.set_modified(std::time::SystemTime::now());
            }
            return Ok(hash);
        }
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        if encoding.is_compressed() {
            write_atomic(&path, bytes).map_err(io_err(&path))?;
        } else {
            // Level 1: these are JSON records and included data files; speed matters
            // more than the last few percent of size.
            let packed = zstd::bulk::compress(bytes, 1).map_err(io_err(&path))?;
            write_atomic(&path, &packed).map_err(io_err(&path))?;
        }
        Ok(hash)
    }

    /// Whether a blob is present.
    pub fn has_blob(&self, r: &ArtifactRef) -> bool {
        self.blob_path(&r.hash, r.encoding).exists()
    }

    /// Reads a blob's encoded bytes back.
    pub fn get_blob(&self, hash: &str, encoding: Encoding) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(hash, encoding);
        let raw = fs::read(&path).map_err(io_err(&path))?;
        if encoding.is_compressed() {
            Ok(raw)
        } else {
            zstd::stream::decode_all(raw.as_slice()).map_err(io_err(&path))
        }
    }

    /// Encodes an artifact and stores it.
    pub fn put_artifact(&self, artifact: &ArtifactArc) -> Result<ArtifactRef, StoreError> {
        let (encoding, bytes) = artifact.encode()?;
        let hash = self.put_blob(encoding, &bytes)?;
        let metrics = artifact.metrics();
        let goals = metrics
            .iter()
            .filter(|m| m.goal != crate::view::Goal::Neutral)
            .map(|m| (m.name.clone(), m.goal))
            .collect();
        Ok(ArtifactRef {
            hash,
            type_name: artifact.type_name().to_owned(),
            encoding,
            bytes: bytes.len() as u64,
            summary: artifact.summary(),
            metrics: (!metrics.is_empty())
                .then(|| metrics.into_iter().map(|m| (m.name, m.value)).collect()),
            goals,
        })
    }

    /// Loads a stored artifact as its concrete type through its registered type.
    pub fn load_artifact(
        &self,
        r: &ArtifactRef,
        types: &ArtifactTypes,
    ) -> Result<ArtifactArc, StoreError> {
        let bytes = self.get_blob(&r.hash, r.encoding)?;
        Ok(types.decode(&r.type_name, r.encoding, &bytes)?)
    }

    /// How a stored artifact shows itself (at most `max_rows` rows of a table), built
    /// from its bytes by its registered type.
    pub fn artifact_views(
        &self,
        r: &ArtifactRef,
        types: &ArtifactTypes,
        max_rows: usize,
    ) -> Result<Vec<ArtifactView>, StoreError> {
        let bytes = self.get_blob(&r.hash, r.encoding)?;
        Ok(types.views(&r.type_name, r.encoding, &bytes, max_rows)?)
    }

    // ---- runs ------------------------------------------------------------------

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
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
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

    /// The runs of one flow (or of every flow), newest first, with their tasks.
    pub fn runs(&self, flow: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        use rayon::prelude::*;
        // Each record is its own small file: read and parse them in parallel.
        let mut runs = self
            .run_dirs(flow)?
            .par_iter()
            .map(|d| read_run(d))
            .collect::<Result<Vec<_>, _>>()?;
        runs.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
        Ok(runs)
    }

    /// The run whose id is `id` or starts with `id` (a unique prefix is enough).
    pub fn run(&self, id: &str) -> Result<RunRecord, StoreError> {
        let dirs = self.run_dirs(None)?;
        let matching: Vec<&PathBuf> = dirs
            .iter()
            .filter(|d| {
                d.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(id))
            })
            .collect();
        if let Some(exact) = matching.iter().find(|d| d.ends_with(id)) {
            return read_run(exact);
        }
        match matching.as_slice() {
            [] => Err(StoreError::NoRun(id.to_owned())),
            [one] => read_run(one),
            many => Err(StoreError::Ambiguous {
                prefix: id.to_owned(),
                matches: many
                    .iter()
                    .take(5)
                    .filter_map(|d| d.file_name().and_then(|n| n.to_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
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

    // ---- cache -----------------------------------------------------------------

    fn cache_path(&self, key: &str) -> PathBuf {
        self.root.join("cache").join(format!("{key}.json"))
    }

    /// The finished task recorded under a cache key, if its blobs are all present.
    pub fn cached(&self, key: &str) -> Option<TaskRecord> {
        let text = fs::read(self.cache_path(key)).ok()?;
        let task: TaskRecord = serde_json::from_slice(&text).ok()?;
        task.outputs
            .values()
            .all(|r| self.has_blob(r))
            .then_some(task)
    }

    /// Records a finished task under its cache key.
    pub fn put_cached(&self, task: &TaskRecord) -> Result<(), StoreError> {
        let path = self.cache_path(&task.cache_key);
        let bytes = serde_json::to_vec(task).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(io_err(&path))
    }
}

/// Tags live beside the record so tagging never races the process writing the run.
const TAGS_FILE: &str = "tags.json";

/// What [`Store::gc`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Blobs deleted.
    pub blobs: usize,
    /// Bytes freed.
    pub bytes: u64,
    /// Cache entries dropped because their blobs went.
    pub cache_entries: usize,
}

impl Store {
    fn locate(&self, id: &str) -> Result<(PathBuf, RunRecord), StoreError> {
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

    /// Deletes runs (not one that is still running), then collects the blobs no
    /// remaining run refers to.
    pub fn delete_runs(&self, ids: &[&str]) -> Result<GcReport, StoreError> {
        let mut dirs = Vec::new();
        for id in ids {
            let (dir, run) = self.locate(id)?;
            if run.status == RunStatus::Running {
                return Err(StoreError::NotFound(format!(
                    "run {} is still running; stop it before deleting it",
                    run.id
                )));
            }
            dirs.push(dir);
        }
        for dir in dirs {
            // Rename first so a half-deleted folder is never read as a run.
            let trash = dir.with_extension(format!("deleted-{:x}", rand::random::<u32>()));
            fs::rename(&dir, &trash).map_err(io_err(&dir))?;
            fs::remove_dir_all(&trash).map_err(io_err(&trash))?;
        }
        self.gc()
    }

    /// Removes every blob that no run refers to (outputs and included files), and the
    /// cache entries that pointed at them. Blobs touched since the oldest running run
    /// started are kept: that run may not have recorded them yet.
    pub fn gc(&self) -> Result<GcReport, StoreError> {
        let runs = self.runs(None)?;
        let mut keep = std::collections::HashSet::new();
        let mut cutoff: Option<std::time::SystemTime> = None;
        for run in &runs {
            if run.status == RunStatus::Running {
                let started: std::time::SystemTime = run.started_at.into();
                // A second of slack for coarse file-system timestamps.
                let started = started - std::time::Duration::from_secs(1);
                cutoff = Some(cutoff.map_or(started, |c| c.min(started)));
            }
            for t in &run.tasks {
                keep.extend(t.outputs.values().map(|r| r.hash.clone()));
                keep.extend(t.included.iter().map(|f| f.hash.clone()));
            }
        }
        let mut report = GcReport::default();
        let blobs = self.root.join("blobs");
        for shard in fs::read_dir(&blobs).map_err(io_err(&blobs))?.flatten() {
            let Ok(files) = fs::read_dir(shard.path()) else {
                continue;
            };
            let prefix = shard.file_name().to_string_lossy().into_owned();
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue; // a temp file being written
                }
                let stem = name.split('.').next().unwrap_or_default();
                if keep.contains(&format!("{prefix}{stem}")) {
                    continue;
                }
                let meta = f.metadata().map_err(io_err(&f.path()))?;
                if let (Some(cut), Ok(modified)) = (cutoff, meta.modified())
                    && modified >= cut
                {
                    continue;
                }
                fs::remove_file(f.path()).map_err(io_err(&f.path()))?;
                report.blobs += 1;
                report.bytes += meta.len();
            }
        }
        let cache = self.root.join("cache");
        for entry in fs::read_dir(&cache).map_err(io_err(&cache))?.flatten() {
            let Ok(bytes) = fs::read(entry.path()) else {
                continue;
            };
            let Ok(task) = serde_json::from_slice::<TaskRecord>(&bytes) else {
                continue;
            };
            if !task.outputs.values().all(|r| self.has_blob(r)) {
                fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
                report.cache_entries += 1;
            }
        }
        Ok(report)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::flow::{Flow, Node, NodeId};
    use crate::run::{Engine, RunOptions};
    use crate::testkit;
    use crate::value::Value;

    fn record(flow: &str) -> RunRecord {
        RunRecord {
            id: String::new(),
            flow_name: flow.into(),
            flow: Flow::new(flow),
            base_dir: PathBuf::from("."),
            params: Default::default(),
            user: "u".into(),
            host: "h".into(),
            started_at: chrono::Utc::now(),
            finished_at: None,
            status: RunStatus::Running,
            resumed_from: None,
            tags: vec![],
            tasks: vec![],
        }
    }

    fn task(id: u32) -> TaskRecord {
        TaskRecord {
            node: NodeId(id),
            label: format!("t{id}"),
            kind: "k".into(),
            status: StepStatus::Done,
            message: None,
            duration_secs: 0.1,
            cache_key: "k".into(),
            params: Default::default(),
            outputs: Default::default(),
            logs: vec![],
            included: vec![],
            reused_from: None,
        }
    }

    #[test]
    fn a_live_run_reads_as_running_and_a_dead_one_as_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut writer = store.create_run(record("f")).unwrap();
        writer.append_task(task(1)).unwrap();
        let id = writer.id().to_owned();
        let live = store.run(&id).unwrap();
        assert_eq!(live.status, RunStatus::Running);
        assert_eq!(live.tasks.len(), 1);
        // Dropping the writer without finishing releases the lock, as process death does.
        drop(writer);
        let run_dir = store.run_dir("f", &id);
        // A process killed mid-append leaves a torn last line.
        let mut journal = OpenOptions::new()
            .append(true)
            .open(run_dir.join("tasks.jsonl"))
            .unwrap();
        journal.write_all(b"{\"node\":2,\"lab").unwrap();
        let dead = store.run(&id).unwrap();
        assert_eq!(dead.status, RunStatus::Interrupted);
        assert_eq!(
            dead.tasks.len(),
            1,
            "the finished task survives, the torn line is skipped"
        );
    }

    #[test]
    fn run_ids_are_unique_and_prefixes_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ids: Vec<String> = (0..50)
            .map(|_| {
                store
                    .create_run(record("f"))
                    .unwrap()
                    .finish(RunStatus::Done)
                    .unwrap()
                    .id
            })
            .collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 50);
        assert_eq!(store.run(&ids[7]).unwrap().id, ids[7]);
        assert!(matches!(store.run("2"), Err(StoreError::Ambiguous { .. })));
        assert!(matches!(store.run("nope"), Err(StoreError::NoRun(_))));
        assert_eq!(store.runs(Some("f")).unwrap().len(), 50);
    }

    #[test]
    fn identical_blobs_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.put_blob(Encoding::Json, b"{\"x\":1}").unwrap();
        let b = store.put_blob(Encoding::Json, b"{\"x\":1}").unwrap();
        assert_eq!(a, b);
        let files = walk(&dir.path().join("blobs"));
        assert_eq!(files, 1);
        assert_eq!(store.get_blob(&a, Encoding::Json).unwrap(), b"{\"x\":1}");
    }

    //  run A: const(1) ──▶ add(+1)      run B: const(1) ──▶ add(+5)
    // Both share the const output blob; deleting A keeps it, deleting B too frees it.
    #[test]
    fn deleting_a_run_collects_only_unreferenced_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(
            Arc::new(testkit::registry()),
            Store::open(dir.path()).unwrap(),
        );
        let flow = |v: f64| {
            let mut f = Flow::new("gc");
            for (id, kind, value) in [(1, "const", 1.0), (2, "add", v)] {
                f.nodes.push(Node {
                    id: NodeId(id),
                    kind: kind.into(),
                    label: kind.into(),
                    params: [("value".to_owned(), Value::Float(value).into())].into(),
                    pos: (0.0, 0.0),
                });
            }
            f.edges
                .push(crate::Edge::new(NodeId(1), "out", NodeId(2), "in"));
            f
        };
        let opts = || RunOptions {
            no_cache: true,
            ..Default::default()
        };
        let a = engine.run(&flow(1.0), opts(), |_| {}).unwrap();
        let b = engine.run(&flow(5.0), opts(), |_| {}).unwrap();
        let store = engine.store();
        assert_eq!(
            walk(&dir.path().join("blobs")),
            3,
            "shared const blob + two sums"
        );

        let report = store.delete_runs(&[&a.id]).unwrap();
        assert_eq!(report.blobs, 1, "only A's sum goes");
        assert!(matches!(store.run(&a.id), Err(StoreError::NoRun(_))));
        let b_again = store.run(&b.id).unwrap();
        let shared =
            store.run_artifact(&b_again, "const", "out", engine.registry().artifact_types());
        assert!(shared.is_ok(), "the blob shared with B survives");

        let report = store.delete_runs(&[&b.id]).unwrap();
        assert_eq!(report.blobs, 2);
        assert_eq!(walk(&dir.path().join("blobs")), 0);
        assert!(
            report.cache_entries >= 2,
            "cache entries to deleted blobs are dropped"
        );
    }

    #[test]
    fn tags_are_kept_beside_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = store
            .create_run(record("t"))
            .unwrap()
            .finish(RunStatus::Done)
            .unwrap()
            .id;
        let tagged = store
            .set_tags(
                &id,
                &["best ".into(), "".into(), "baseline".into(), "best".into()],
            )
            .unwrap();
        assert_eq!(tagged.tags, ["baseline", "best"]);
        assert_eq!(store.run(&id).unwrap().tags, ["baseline", "best"]);
        store.set_tags(&id, &[]).unwrap();
        assert!(store.run(&id).unwrap().tags.is_empty());
    }

    #[test]
    fn a_running_run_cannot_be_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let w = store.create_run(record("r")).unwrap();
        let err = store.delete_runs(&[w.id()]).unwrap_err();
        assert!(err.to_string().contains("still running"), "{err}");
    }

    fn walk(p: &Path) -> usize {
        fs::read_dir(p)
            .unwrap()
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    }

    // Many runs of one flow at once, on one store, from several threads: every run
    // is kept, complete and correct.
    #[test]
    fn concurrent_runs_share_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(
            Arc::new(testkit::registry()),
            Store::open(dir.path()).unwrap(),
        );
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let engine = engine.clone();
                std::thread::spawn(move || {
                    let mut flow = Flow::new("shared");
                    flow.nodes.push(Node {
                        id: NodeId(1),
                        kind: "const".into(),
                        label: "c".into(),
                        params: [("value".to_owned(), Value::Float(f64::from(i % 2)).into())]
                            .into(),
                        pos: (0.0, 0.0),
                    });
                    engine.run(&flow, RunOptions::default(), |_| {}).unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().status, RunStatus::Done);
        }
        let runs = engine.store().runs(Some("shared")).unwrap();
        assert_eq!(runs.len(), 8);
        assert!(
            runs.iter()
                .all(|r| r.status == RunStatus::Done && r.tasks.len() == 1)
        );
    }
}
