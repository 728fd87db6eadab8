//! Blobs: artifact bytes named by the blake3 hash of their encoding, so identical
//! artifacts are stored once and a blob never changes once written.
//!
//! Every read checks the bytes against their name (blake3 runs at GB/s, far faster than
//! the disk or the decoders behind it): a flipped bit is an error naming the blob and
//! the runs using it, never a wrong number. Writing content whose blob exists but is
//! damaged replaces the file, so recomputing a step (a cache miss, `--no-cache`) heals it.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::{Store, StoreError, io_err};
use crate::artifact::{ArtifactArc, ArtifactRef, ArtifactTypes, Encoding};
use crate::fs::write_atomic;
use crate::view::ArtifactView;

impl Store {
    pub(super) fn blob_path(&self, hash: &str, encoding: Encoding) -> PathBuf {
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
    /// once) and returns the hash. A blob file that exists but no longer holds these
    /// bytes (damaged on disk) is rewritten.
    pub fn put_blob(&self, encoding: Encoding, bytes: &[u8]) -> Result<String, StoreError> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        let path = self.blob_path(&hash, encoding);
        // Shared: a collector (exclusive) cannot delete the blob between the check that
        // it is present and the refresh of its time that keeps it for this run.
        let _lock = self.lock(false);
        if path.exists() {
            match read_checked(&path, &hash, encoding) {
                Ok(_) => {
                    // Refresh its time: a concurrent `gc` keeps blobs touched since the
                    // oldest running run started, so a blob this run writes again is
                    // not collected before the run's journal names it.
                    if let Ok(f) = File::options().append(true).open(&path) {
                        let _ = f.set_modified(std::time::SystemTime::now());
                    }
                    return Ok(hash);
                }
                Err(problem) => tracing::warn!(
                    "blob {hash} ({}) was damaged ({problem}): writing it again",
                    path.display()
                ),
            }
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

    /// Reads a blob's encoded bytes back, checked against their hash: a blob whose
    /// bytes do not match is [`StoreError::CorruptBlob`] (naming the runs that use it).
    pub fn get_blob(&self, hash: &str, encoding: Encoding) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(hash, encoding);
        match read_checked(&path, hash, encoding) {
            Ok(bytes) => Ok(bytes),
            Err(BlobProblem::Io(source)) => Err(StoreError::Io { path, source }),
            Err(problem) => Err(StoreError::CorruptBlob {
                hash: hash.to_owned(),
                path,
                problem: problem.to_string(),
                runs: self.runs_using(hash),
            }),
        }
    }

    /// The runs whose records name a blob, for messages: "none" when no run does.
    pub(super) fn runs_using(&self, hash: &str) -> String {
        let users: Vec<String> = self
            .listing(None)
            .map(|l| l.runs)
            .unwrap_or_default()
            .into_iter()
            .filter(|run| {
                run.tasks.iter().any(|t| {
                    t.outputs.values().any(|r| r.hash == hash)
                        || t.included.iter().any(|f| f.hash == hash)
                })
            })
            .map(|run| run.id)
            .collect();
        if users.is_empty() {
            "none".to_owned()
        } else {
            users.join(", ")
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
}

/// Why a blob file cannot be trusted.
#[derive(Debug)]
pub(super) enum BlobProblem {
    /// It cannot be read (missing, permissions).
    Io(std::io::Error),
    /// Its packed bytes do not unpack.
    Unpack(std::io::Error),
    /// Its bytes hash to something else than its name.
    Mismatch(String),
}

impl std::fmt::Display for BlobProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Unpack(e) => write!(f, "its bytes do not unpack ({e})"),
            Self::Mismatch(actual) => write!(f, "its bytes hash to {actual}"),
        }
    }
}

/// Reads a blob file and unpacks it, checking the bytes hash to `hash`.
pub(super) fn read_checked(
    path: &Path,
    hash: &str,
    encoding: Encoding,
) -> Result<Vec<u8>, BlobProblem> {
    let raw = fs::read(path).map_err(BlobProblem::Io)?;
    let bytes = if encoding.is_compressed() {
        raw
    } else {
        zstd::stream::decode_all(raw.as_slice()).map_err(BlobProblem::Unpack)?
    };
    let actual = blake3::hash(&bytes).to_hex();
    if actual.as_str() == hash {
        Ok(bytes)
    } else {
        Err(BlobProblem::Mismatch(actual.to_string()))
    }
}
