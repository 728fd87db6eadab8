//! The step cache: a step's key, and the lookup of a finished task with that key whose
//! included files still have the content it saw.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::artifact::{ArtifactArc, ArtifactRef};
use crate::kind::Params;
use crate::record::{IncludedFile, TaskRecord};
use crate::store::Store;

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
pub(super) fn included_key(key: &str, hashes: &[String]) -> String {
    let mut h = blake3::Hasher::new();
    for x in hashes {
        h.update(x.as_bytes());
    }
    format!("{key}-{}", &h.finalize().to_hex()[..16])
}

/// A finished task with this key whose included files still have the content it
/// saw. The latest entry for the key is tried first; when its files differ, the
/// entry filed under the key plus the files' current contents (an earlier result
/// for the data as it is now, or as a replay sees it).
pub(super) fn lookup_cache(
    store: &Store,
    replay_files: &BTreeMap<PathBuf, IncludedFile>,
    key: &str,
) -> Option<TaskRecord> {
    let latest = store.cached(key)?;
    // Each included file is read and hashed once here, however many entries are
    // checked against it (a data file can be tens of megabytes).
    let mut current: BTreeMap<PathBuf, String> = BTreeMap::new();
    for f in &latest.included {
        let hash = current_hash(&f.path, replay_files)?;
        current.insert(f.path.clone(), hash);
    }
    let saw_current = |task: &TaskRecord| {
        task.included.iter().all(|f| {
            let now = match current.get(&f.path) {
                Some(h) => Some(h.clone()),
                None => current_hash(&f.path, replay_files),
            };
            now.as_deref() == Some(f.hash.as_str())
        })
    };
    if saw_current(&latest) {
        return Some(latest);
    }
    let hashes: Vec<String> = latest
        .included
        .iter()
        .filter_map(|f| current.get(&f.path).cloned())
        .collect();
    let older = store.cached(&included_key(key, &hashes))?;
    if saw_current(&older) {
        return Some(older);
    }
    None
}
