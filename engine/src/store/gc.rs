//! Deleting runs and collecting the blobs (and cache entries) no remaining run needs.

use std::fs;

use super::{Store, StoreError, io_err};
use crate::record::{RunStatus, TaskRecord};

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
