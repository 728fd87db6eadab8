//! Run folders: creating a run and writing its journal ([`RunWriter`]), reading and
//! listing run records, the liveness lock, and tags.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::{Store, StoreError, io_err};
use crate::artifact::{ArtifactArc, ArtifactTypes};
use crate::fs::write_atomic;
use crate::record::{RunRecord, RunStatus, TaskRecord};

/// Tags live beside the record so tagging never races the process writing the run.
const TAGS_FILE: &str = "tags.json";

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
