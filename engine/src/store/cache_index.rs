//! The cache index: finished tasks filed by cache key (`cache/KEY.json`), so a step
//! with the same kind, version, parameters and inputs is reused across runs.

use std::fs;
use std::path::PathBuf;

use super::{Store, StoreError, io_err};
use crate::fs::write_atomic;
use crate::record::TaskRecord;

impl Store {
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
