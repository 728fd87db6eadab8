//! Deleting runs, collecting the blobs (and cache entries) no remaining run needs, and
//! verifying (and repairing) every blob and record: all three walk every blob and run.
//!
//! Collection never deletes a blob a run may still use. It runs under the exclusive
//! store lock (writers and holders take it shared) and keeps:
//! - every hash named by a run's record or journal, even an unreadable record's (its
//!   hashes are picked out of the raw text: a damaged record must not lose its data);
//! - every hash a live run holds ([`Store::hold_blobs`]): reused, not journalled yet;
//! - every blob touched since the oldest live run started: written, not journalled yet.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::blobs::{BlobProblem, read_checked};
use super::runs::{DELETED_FILE, HOLDS_FILE};
use super::{Store, StoreError, io_err};
use crate::artifact::Encoding;
use crate::record::{RunStatus, TaskRecord};

/// A temp file older than this is no write in progress (a writer refreshes its time
/// with every chunk), whichever process made it.
const STALE_TEMP: Duration = Duration::from_secs(5 * 60);

/// What [`Store::gc`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Blobs deleted.
    pub blobs: usize,
    /// Bytes freed (blobs and stale temp files).
    pub bytes: u64,
    /// Cache entries dropped because their blobs went.
    pub cache_entries: usize,
    /// Temp files removed that a killed writer had left behind.
    pub temp_files: usize,
}

/// A blob that is missing or whose bytes do not match its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedBlob {
    /// The hash the blob is named by.
    pub hash: String,
    /// Its file.
    pub path: PathBuf,
    /// What is wrong ("missing", or what the check found).
    pub problem: String,
    /// The ids of the runs whose records name it.
    pub runs: Vec<String>,
}

/// What [`Store::verify`] found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Blob files checked.
    pub blobs_checked: usize,
    /// Readable run records checked.
    pub runs_checked: usize,
    /// Blobs whose bytes do not match their name, and blobs a run names that are gone.
    pub damaged_blobs: Vec<DamagedBlob>,
    /// Run folders whose record cannot be read.
    pub damaged_records: Vec<super::DamagedRecord>,
}

impl VerifyReport {
    /// Whether nothing is damaged.
    pub fn is_clean(&self) -> bool {
        self.damaged_blobs.is_empty() && self.damaged_records.is_empty()
    }
}

/// What [`Store::repair`] did.
#[derive(Debug, Default)]
pub struct RepairReport {
    /// Damaged blob files removed (the next run that needs one computes it again).
    pub removed_blobs: Vec<PathBuf>,
    /// Unreadable run folders moved aside: (from, to).
    pub moved_records: Vec<(PathBuf, PathBuf)>,
    /// Cache entries dropped because a blob they name went.
    pub cache_entries: usize,
}

impl Store {
    /// Deletes runs (not one that is still running), then collects the blobs no
    /// remaining run refers to. A run another process deleted meanwhile
    /// ([`StoreError::Deleted`], or its folder gone under us) counts as deleted: two
    /// concurrent deletes of the same runs both succeed.
    pub fn delete_runs(&self, ids: &[&str]) -> Result<GcReport, StoreError> {
        let _lock = self.lock(true);
        let mut dirs = Vec::new();
        for id in ids {
            let (dir, run) = match self.locate(id) {
                Ok(found) => found,
                Err(StoreError::Deleted(_)) => continue,
                Err(e) => return Err(e),
            };
            if run.status == RunStatus::Running {
                return Err(StoreError::NotFound(format!(
                    "run {} is still running; stop it before deleting it",
                    run.id
                )));
            }
            dirs.push((dir, run.id));
        }
        // Recorded first: from now on a lookup of these ids says "deleted", not "no run".
        let mut tombstones = String::new();
        for (_, id) in &dirs {
            tombstones.push_str(id);
            tombstones.push('\n');
        }
        if !tombstones.is_empty() {
            let path = self.root.join(DELETED_FILE);
            let mut f = fs::File::options()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io_err(&path))?;
            std::io::Write::write_all(&mut f, tombstones.as_bytes()).map_err(io_err(&path))?;
        }
        for (dir, _) in dirs {
            // Rename first so a half-deleted folder is never read as a run.
            let trash = dir.with_extension(format!("deleted-{:x}", rand::random::<u32>()));
            match fs::rename(&dir, &trash) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err(&dir)(e)),
            }
            fs::remove_dir_all(&trash).map_err(io_err(&trash))?;
        }
        self.gc_locked()
    }

    /// Removes every blob that no run refers to (outputs and included files), and the
    /// cache entries that pointed at them, and the temp files killed writers left.
    /// Blobs a live run holds or touched since the oldest live run started are kept:
    /// that run may not have recorded them yet.
    pub fn gc(&self) -> Result<GcReport, StoreError> {
        let _lock = self.lock(true);
        self.gc_locked()
    }

    /// Removes the blobs of `artifacts` that no run refers to: what a run stopped
    /// naming (a foreach's outputs it did not keep), without walking every blob as
    /// [`Store::gc`] does. The same rules keep a blob: named by any run, held by a
    /// live run, or written since the oldest live run started. Cache entries naming a
    /// removed blob are misses from then on (and go with the next `gc`).
    pub fn collect_blobs<'a>(
        &self,
        artifacts: impl IntoIterator<Item = &'a crate::artifact::ArtifactRef>,
    ) -> Result<GcReport, StoreError> {
        let _lock = self.lock(true);
        let keep = self.referenced()?;
        let mut report = GcReport::default();
        for r in artifacts {
            if keep.hashes.contains(&r.hash) {
                continue;
            }
            remove_unless_recent(&self.blob_path(&r.hash, r.encoding), &keep, &mut report)?;
        }
        Ok(report)
    }

    /// [`Store::gc`] for a caller holding the exclusive store lock.
    fn gc_locked(&self) -> Result<GcReport, StoreError> {
        let keep = self.referenced()?;
        let mut report = GcReport::default();
        for f in self.blob_files()? {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            if name.starts_with('.') {
                remove_if_stale_temp(&f, &mut report);
                continue;
            }
            let Some(hash) = blob_hash(&f) else { continue };
            if keep.hashes.contains(&hash) {
                continue;
            }
            remove_unless_recent(&f, &keep, &mut report)?;
        }
        report.cache_entries = self.drop_dangling_cache_entries(&mut report)?;
        Ok(report)
    }

    /// Every hash some run may need, and the time since which new blobs are kept.
    fn referenced(&self) -> Result<Kept, StoreError> {
        let listing = self.listing(None)?;
        let mut kept = Kept::default();
        for run in &listing.runs {
            if run.status == RunStatus::Running {
                let started: SystemTime = run.started_at.into();
                // A second of slack for coarse file-system timestamps.
                let started = started - Duration::from_secs(1);
                kept.cutoff = Some(kept.cutoff.map_or(started, |c| c.min(started)));
            }
            for t in &run.tasks {
                kept.hashes
                    .extend(t.outputs.values().map(|r| r.hash.clone()));
                kept.hashes
                    .extend(t.included.iter().map(|f| f.hash.clone()));
            }
        }
        // An unreadable record may still name blobs (its journal, or the part of the
        // record that is fine): keep every hash its files mention, in the runs and
        // once moved to `damaged/` (until the user deletes that folder), so a record
        // someone may mend never loses its data.
        let moved_aside = fs::read_dir(self.root.join("damaged"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|flow| fs::read_dir(flow.path()).ok())
            .flatten()
            .flatten()
            .map(|run| run.path());
        for dir in listing
            .damaged
            .iter()
            .map(|d| d.dir.clone())
            .chain(moved_aside)
        {
            for file in ["run.json", "tasks.jsonl"] {
                if let Ok(bytes) = fs::read(dir.join(file)) {
                    kept.hashes.extend(hashes_in(&bytes));
                }
            }
        }
        for (dir, live) in self.run_folders()? {
            if !live {
                continue;
            }
            if let Ok(bytes) = fs::read(dir.join(HOLDS_FILE)) {
                kept.hashes.extend(hashes_in(&bytes));
            }
            // A live run whose record is unreadable still started recently enough.
            if let Ok(meta) = fs::metadata(dir.join("lock"))
                && let Ok(created) = meta.modified()
            {
                let started = created - Duration::from_secs(1);
                kept.cutoff = Some(kept.cutoff.map_or(started, |c| c.min(started)));
            }
        }
        Ok(kept)
    }

    /// Every file under `blobs/` (temp files included), in no particular order.
    fn blob_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let blobs = self.root.join("blobs");
        let mut out = Vec::new();
        for shard in fs::read_dir(&blobs).map_err(io_err(&blobs))?.flatten() {
            let Ok(files) = fs::read_dir(shard.path()) else {
                continue;
            };
            out.extend(files.flatten().map(|f| f.path()));
        }
        Ok(out)
    }

    /// Drops the cache entries naming a blob that is gone (and stale temp files of the
    /// cache folder); returns how many entries went.
    fn drop_dangling_cache_entries(&self, report: &mut GcReport) -> Result<usize, StoreError> {
        let cache = self.root.join("cache");
        let mut dropped = 0;
        for entry in fs::read_dir(&cache).map_err(io_err(&cache))?.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                remove_if_stale_temp(&path, report);
                continue;
            }
            let Ok(bytes) = fs::read(&path) else {
                continue;
            };
            let Ok(task) = serde_json::from_slice::<TaskRecord>(&bytes) else {
                continue;
            };
            if !task.outputs.values().all(|r| self.has_blob(r)) {
                match fs::remove_file(&path) {
                    Ok(()) => dropped += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err(&path)(e)),
                }
            }
        }
        Ok(dropped)
    }

    /// Checks every blob against its name and every run record: what is damaged, and
    /// which runs each damaged or missing blob affects. Reads every blob once.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let listing = self.listing(None)?;
        let mut report = VerifyReport {
            runs_checked: listing.runs.len(),
            damaged_records: listing.damaged,
            ..VerifyReport::default()
        };
        // hash → (encoding, runs naming it), from every readable record.
        let mut named: std::collections::BTreeMap<String, (Encoding, Vec<String>)> =
            Default::default();
        let mut unnamed: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for run in &listing.runs {
            let refs = run.tasks.iter().flat_map(|t| {
                t.outputs
                    .values()
                    .map(|r| (r.hash.clone(), r.encoding))
                    .chain(t.included.iter().map(|f| (f.hash.clone(), Encoding::Raw)))
            });
            for (hash, encoding) in refs {
                let users = &mut named.entry(hash).or_insert((encoding, Vec::new())).1;
                if !users.contains(&run.id) {
                    users.push(run.id.clone());
                }
            }
        }
        // An unreadable record's run is affected by the blobs its files still mention.
        for d in &report.damaged_records {
            let Some(id) = d.dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            for file in ["run.json", "tasks.jsonl"] {
                let Ok(bytes) = fs::read(d.dir.join(file)) else {
                    continue;
                };
                for hash in hashes_in(&bytes) {
                    if let Some((_, users)) = named.get_mut(&hash)
                        && !users.contains(&id)
                    {
                        users.push(id.clone());
                    } else if !named.contains_key(&hash) {
                        // Its encoding is unknown: only damage found on disk is reported.
                        unnamed.insert(hash, vec![id.clone()]);
                    }
                }
            }
        }
        let mut present = HashSet::new();
        for f in self.blob_files()? {
            let Some(hash) = blob_hash(&f) else { continue };
            // `.parquet` files are kept as written; every other blob is zstd-packed
            // (the hash check is the same for JSON and raw bytes).
            let encoding = if f.extension().is_some_and(|e| e == "parquet") {
                Encoding::Parquet
            } else {
                Encoding::Json
            };
            report.blobs_checked += 1;
            match read_checked(&f, &hash, encoding) {
                Ok(_) => {
                    present.insert(hash);
                }
                // Collected by a concurrent GC while we walked: not damage.
                Err(BlobProblem::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(problem) => {
                    let runs = named
                        .get(&hash)
                        .map(|n| n.1.clone())
                        .or_else(|| unnamed.get(&hash).cloned())
                        .unwrap_or_default();
                    present.insert(hash.clone());
                    report.damaged_blobs.push(DamagedBlob {
                        hash,
                        path: f,
                        problem: problem.to_string(),
                        runs,
                    });
                }
            }
        }
        for (hash, (encoding, runs)) in named {
            if !present.contains(&hash) && !self.blob_path(&hash, encoding).exists() {
                report.damaged_blobs.push(DamagedBlob {
                    path: self.blob_path(&hash, encoding),
                    hash,
                    problem: "missing".to_owned(),
                    runs,
                });
            }
        }
        report.damaged_blobs.sort_by(|a, b| a.hash.cmp(&b.hash));
        Ok(report)
    }

    /// Repairs what [`Store::verify`] found: removes damaged blob files (so the next
    /// run needing one computes it again), moves unreadable run folders to
    /// `damaged/FLOW/RUN` (out of every listing; GC keeps the blobs they name until the
    /// folder is deleted), and drops the cache entries naming a removed blob.
    pub fn repair(&self, found: &VerifyReport) -> Result<RepairReport, StoreError> {
        let _lock = self.lock(true);
        let mut report = RepairReport::default();
        for b in &found.damaged_blobs {
            // A missing blob has nothing to remove; its runs are reported as affected.
            match fs::remove_file(&b.path) {
                Ok(()) => report.removed_blobs.push(b.path.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&b.path)(e)),
            }
        }
        for d in &found.damaged_records {
            let flow = d
                .dir
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = d
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let parent = self.root.join("damaged").join(flow);
            fs::create_dir_all(&parent).map_err(io_err(&parent))?;
            let mut to = parent.join(&name);
            while to.exists() {
                to = parent.join(format!("{name}-{:06x}", rand::random::<u32>() & 0xff_ffff));
            }
            match fs::rename(&d.dir, &to) {
                Ok(()) => report.moved_records.push((d.dir.clone(), to)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&d.dir)(e)),
            }
        }
        let mut gc = GcReport::default();
        report.cache_entries = self.drop_dangling_cache_entries(&mut gc)?;
        Ok(report)
    }
}

/// What collection keeps.
#[derive(Default)]
struct Kept {
    hashes: HashSet<String>,
    cutoff: Option<SystemTime>,
}

/// The hash a blob file is named by (`blobs/ab/cdef….zst` → `abcdef…`), if it is one.
/// Removes the blob file `f`, which no run names, unless it was written since the
/// oldest live run started (that run may not have recorded it yet); counts it in
/// `report`. A file already gone is no error.
fn remove_unless_recent(f: &Path, keep: &Kept, report: &mut GcReport) -> Result<(), StoreError> {
    let meta = match fs::metadata(f) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(f)(e)),
    };
    if let (Some(cut), Ok(modified)) = (keep.cutoff, meta.modified())
        && modified >= cut
    {
        return Ok(());
    }
    match fs::remove_file(f) {
        Ok(()) => {
            report.blobs += 1;
            report.bytes += meta.len();
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(f)(e)),
    }
}

fn blob_hash(path: &Path) -> Option<String> {
    let prefix = path.parent()?.file_name()?.to_str()?;
    let stem = path.file_name()?.to_str()?.split('.').next()?;
    let hash = format!("{prefix}{stem}");
    is_hash(hash.as_bytes()).then_some(hash)
}

fn is_hash(s: &[u8]) -> bool {
    s.len() == 64 && s.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// Every blake3 hash (64 lowercase hex digits, standing alone) in some bytes.
fn hashes_in(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    bytes
        .split(|c| !c.is_ascii_hexdigit())
        .filter(|w| is_hash(w))
        .map(|w| String::from_utf8_lossy(w).into_owned())
}

/// Removes a temp file a killed writer left: one whose writer process is gone, or
/// that nobody has written to for [`STALE_TEMP`].
fn remove_if_stale_temp(path: &Path, report: &mut GcReport) {
    let Ok(meta) = fs::metadata(path) else { return };
    let old = meta
        .modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age >= STALE_TEMP);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let orphan = name
        .as_deref()
        .and_then(crate::fs::temp_writer_pid)
        .is_some_and(|pid| !crate::fs::process_alive(pid));
    if (old || orphan) && fs::remove_file(path).is_ok() {
        report.temp_files += 1;
        report.bytes += meta.len();
    }
}
