//! Blobs: artifact bytes named by the blake3 hash of their encoding, so identical
//! artifacts are stored once and a blob never changes once written.

use std::fs::{self, File};
use std::path::PathBuf;

use super::{Store, StoreError, io_err};
use crate::artifact::{ArtifactArc, ArtifactRef, ArtifactTypes, Encoding};
use crate::fs::write_atomic;
use crate::view::ArtifactView;

impl Store {
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
}
