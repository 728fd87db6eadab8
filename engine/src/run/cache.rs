//! The step cache: a step's key, and the lookup of a finished task with that key whose
//! included files have, where the step would read them now, the content it saw.
//!
//! The key is computed from what the step will compute from, not from how the flow
//! names it: every path parameter is resolved against the flow file's folder and
//! replaced by the blake3 hash of the file's bytes before hashing the parameters. So
//! the same bytes hit from any folder, and different bytes never do, even under the
//! same relative path. The bytes hashed for the key are the very bytes the step then
//! reads ([`StepFiles::bytes`] go to the context), so a file changing between the
//! lookup and the read cannot make a result filed under the wrong key.
//!
//! A file a step includes without naming it in a path parameter is checked at the
//! lookup instead: the path it asked for is resolved against the current folder and
//! hashed ([`lookup_cache`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::artifact::{ArtifactArc, ArtifactRef};
use crate::kind::{KindDescriptor, Params};
use crate::record::{IncludedFile, TaskRecord};
use crate::store::Store;
use crate::value::{ParamType, Value};

/// A step's cache key: kind, kind version, the parameters as given (path parameters
/// already replaced by [`StepFiles::key_params`]) and input hashes.
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

/// Resolves a path the way [`crate::StepContext::resolve_path`] does.
pub(super) fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_owned()
    } else {
        base_dir.join(p)
    }
}

/// The stored copy a replay reads for `full`, if the replayed run read it.
fn replayed<'a>(
    full: &Path,
    replay: &'a BTreeMap<PathBuf, IncludedFile>,
) -> Option<&'a IncludedFile> {
    let canonical = full.canonicalize().unwrap_or_else(|_| full.to_owned());
    replay.get(&canonical).or_else(|| replay.get(full))
}

/// The files named by a step's path parameters, read once before the cache lookup.
#[derive(Debug, Default)]
pub(super) struct StepFiles {
    /// The parameters the key is computed from: each path parameter naming a readable
    /// file replaced by `blake3:HASH` of its bytes; one naming nothing readable by
    /// `unreadable:ABSOLUTE_PATH` (a path that is itself an output, or a file that is
    /// missing: the step reports that when it runs, and never hits a result computed
    /// from another folder).
    pub(super) key_params: Params,
    /// The bytes read for the key, by resolved path, handed to the step's context so
    /// it reads exactly what was hashed.
    pub(super) bytes: BTreeMap<PathBuf, Vec<u8>>,
}

impl StepFiles {
    /// Reads and hashes the files named by the path parameters of `desc` in `params`
    /// (in a replay, the hash of the stored copy the replayed run read, which is not
    /// read now: the step reads it from the store).
    pub(super) fn read(
        desc: &KindDescriptor,
        params: &Params,
        base_dir: &Path,
        replay: &BTreeMap<PathBuf, IncludedFile>,
    ) -> Self {
        let mut files = StepFiles {
            key_params: params.clone(),
            bytes: BTreeMap::new(),
        };
        for spec in desc.params.iter().filter(|s| s.ty == ParamType::Path) {
            let Some(Value::Text(path)) = params.0.get(spec.name) else {
                continue;
            };
            if path.is_empty() {
                continue;
            }
            let full = resolve(base_dir, path);
            let identity = if let Some(kept) = replayed(&full, replay) {
                format!("blake3:{}", kept.hash)
            } else {
                match std::fs::read(&full) {
                    Ok(bytes) => {
                        let hash = blake3::hash(&bytes).to_hex().to_string();
                        files.bytes.insert(full, bytes);
                        format!("blake3:{hash}")
                    }
                    Err(_) => {
                        let canonical = full.canonicalize().unwrap_or(full);
                        format!("unreadable:{}", canonical.display())
                    }
                }
            };
            files
                .key_params
                .0
                .insert(spec.name.to_owned(), Value::Text(identity));
        }
        files
    }
}

/// Where this run's step asks for the file `f` an earlier task read: a file named by
/// a path parameter is asked for under the parameter's value now (the same bytes under
/// another name give the same key), any other under the name the task asked for.
fn requested_now(
    f: &IncludedFile,
    step: &Step<'_>,
    old_params: &BTreeMap<String, Value>,
) -> Option<String> {
    let requested = f.requested.as_ref()?;
    for spec in step.desc.params.iter().filter(|s| s.ty == ParamType::Path) {
        if let (Some(Value::Text(then)), Some(Value::Text(now))) =
            (old_params.get(spec.name), step.params.0.get(spec.name))
            && then == requested
        {
            return Some(now.clone());
        }
    }
    Some(requested.clone())
}

/// The content hash the file `requested` (or, for records from before requests were
/// kept, the absolute `path` read then) has now where this run's step would read it
/// (`None` when it cannot be read), and that place.
fn current_hash(
    requested: Option<&str>,
    path: &Path,
    step: &Step<'_>,
) -> (PathBuf, Option<String>) {
    let full = match requested {
        Some(requested) => resolve(step.base_dir, requested),
        None => path.to_owned(),
    };
    if let Some(kept) = replayed(&full, step.replay) {
        return (kept.path.clone(), Some(kept.hash.clone()));
    }
    let hash = std::fs::read(&full)
        .ok()
        .map(|b| blake3::hash(&b).to_hex().to_string());
    (full.canonicalize().unwrap_or(full), hash)
}

/// The step a cached task is checked for: its kind, its parameters in this run, the
/// folder its relative paths resolve against and a replay's stored files.
pub(super) struct Step<'a> {
    /// The kind's descriptor (which parameters are paths).
    pub(super) desc: &'a KindDescriptor,
    /// The step's parameters in this run.
    pub(super) params: &'a Params,
    /// The folder relative paths resolve against.
    pub(super) base_dir: &'a Path,
    /// A replay's stored copies, by path.
    pub(super) replay: &'a BTreeMap<PathBuf, IncludedFile>,
}

/// The cache key of a step's result for particular contents of its included files.
pub(super) fn included_key(key: &str, hashes: &[String]) -> String {
    let mut h = blake3::Hasher::new();
    for x in hashes {
        h.update(x.as_bytes());
    }
    format!("{key}-{}", &h.finalize().to_hex()[..16])
}

/// Checks `task`'s included files where this run's step would read them now; when all
/// have the content the task saw, returns it with the files as this step reads them
/// (so the record says which files this run's result rests on).
pub(super) fn still_valid(mut task: TaskRecord, step: &Step<'_>) -> Option<TaskRecord> {
    let old_params = task.params.clone();
    for f in &mut task.included {
        let requested = requested_now(f, step, &old_params);
        let (path, hash) = current_hash(requested.as_deref(), &f.path, step);
        if hash.as_deref() != Some(f.hash.as_str()) {
            return None;
        }
        f.path = path;
        f.requested = requested;
    }
    Some(task)
}

/// A finished task with this key whose included files still have the content it
/// saw, where this run's step would read them. The latest entry for the key is
/// tried first; when its files differ, the entry filed under the key plus the files'
/// current contents (an earlier result for the data as it is now, or as a replay
/// sees it).
pub(super) fn lookup_cache(store: &Store, step: &Step<'_>, key: &str) -> Option<TaskRecord> {
    let latest = store.cached(key)?;
    // Each included file is read and hashed once here for the fallback key.
    let mut hashes = Vec::new();
    for f in &latest.included {
        let requested = requested_now(f, step, &latest.params);
        hashes.push(current_hash(requested.as_deref(), &f.path, step).1?);
    }
    if latest
        .included
        .iter()
        .zip(&hashes)
        .all(|(f, h)| f.hash == *h)
    {
        return still_valid(latest, step);
    }
    let older = store.cached(&included_key(key, &hashes))?;
    still_valid(older, step)
}
