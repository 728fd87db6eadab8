//! Files written so that a crash never leaves half of one.
//!
//! Every file of the store and every saved flow goes through [`write_atomic`]: readers
//! (another process listing runs, the editor reopening a flow) see the old content or
//! the new one, never a torn mix. It lives below the store so saving a flow does not
//! depend on the run store.
//!
//! A writer killed mid-write leaves its temp file; the name says which process wrote
//! it ([`temp_writer_pid`]) so the store's collector can tell a write in progress from
//! an orphan and remove the latter.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temp file beside it
/// (`.NAME.PID.RANDOM.tmp`), then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.{}.{:x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The process that wrote a temp file of [`write_atomic`], from its file name
/// (`.NAME.PID.RANDOM.tmp`); `None` for any other name.
pub fn temp_writer_pid(file_name: &str) -> Option<u32> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = inner.rsplitn(3, '.');
    let random = parts.next()?;
    let pid = parts.next()?;
    parts.next()?; // the target's name must be there too
    u64::from_str_radix(random, 16).ok()?;
    pid.parse().ok()
}

/// Whether a process with this id is running. Where that cannot be known (no
/// `/proc`), says yes: the caller then goes by the file's age alone.
pub fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temp_file_names_its_writer() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("abc.zst");
        write_atomic(&target, b"x").unwrap();
        assert_eq!(temp_writer_pid(".abc.zst.1234.ff01.tmp"), Some(1234));
        assert_eq!(temp_writer_pid(".abc.zst.tmp"), None);
        assert_eq!(temp_writer_pid("abc.zst"), None);
        assert!(process_alive(std::process::id()));
    }
}
