//! Files: native dialogs behind a trait (so tests inject paths), example discovery,
//! and the recent-files list.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pipewright_engine::Flow;

/// What a file dialog gave back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogResult {
    /// The user chose this path.
    Picked(PathBuf),
    /// The user closed the dialog.
    Cancelled,
    /// No native dialog can be shown here; the app offers its own path prompt.
    Unavailable,
}

/// Asks the user for files. The app never calls `rfd` directly, so tests can script
/// the answers and platforms without a dialog service fall back to a path prompt.
pub trait FileDialogs {
    /// A flow file to open.
    fn open_flow(&mut self, start_dir: Option<&Path>) -> DialogResult;
    /// Where to save a flow, suggesting `file_name`.
    fn save_flow(&mut self, start_dir: Option<&Path>, file_name: &str) -> DialogResult;
    /// Any file (for a path parameter).
    fn pick_file(&mut self, start_dir: Option<&Path>) -> DialogResult;
    /// Where to save an exported file (e.g. a comparison as CSV), suggesting
    /// `file_name`; `filter` is a description and its extensions. Dialogs that cannot
    /// ask answer `Unavailable`, and the app asks for a path itself.
    fn save_file(
        &mut self,
        start_dir: Option<&Path>,
        file_name: &str,
        filter: (&str, &[&str]),
    ) -> DialogResult {
        let _ = (start_dir, file_name, filter);
        DialogResult::Unavailable
    }
}

/// Native dialogs through `rfd`.
///
/// `rfd` answers `None` both when the user cancels and when no dialog service exists
/// (no XDG portal); it does the latter within milliseconds. An answer faster than a
/// person can click is taken as "unavailable", so the app shows its path prompt.
#[derive(Debug, Default)]
pub struct NativeDialogs;

const NOBODY_IS_THAT_FAST: Duration = Duration::from_millis(250);

fn timed(pick: impl FnOnce() -> Option<PathBuf>) -> DialogResult {
    let started = Instant::now();
    match pick() {
        Some(p) => DialogResult::Picked(p),
        None if started.elapsed() < NOBODY_IS_THAT_FAST => DialogResult::Unavailable,
        None => DialogResult::Cancelled,
    }
}

impl FileDialogs for NativeDialogs {
    fn open_flow(&mut self, start_dir: Option<&Path>) -> DialogResult {
        let mut d = rfd::FileDialog::new()
            .set_title("Open flow")
            .add_filter("Pipewright flow", &["ron"]);
        if let Some(dir) = start_dir {
            d = d.set_directory(dir);
        }
        timed(|| d.pick_file())
    }

    fn save_flow(&mut self, start_dir: Option<&Path>, file_name: &str) -> DialogResult {
        let mut d = rfd::FileDialog::new()
            .set_title("Save flow as")
            .add_filter("Pipewright flow", &["ron"])
            .set_file_name(file_name);
        if let Some(dir) = start_dir {
            d = d.set_directory(dir);
        }
        timed(|| d.save_file())
    }

    fn pick_file(&mut self, start_dir: Option<&Path>) -> DialogResult {
        let mut d = rfd::FileDialog::new().set_title("Choose a file");
        if let Some(dir) = start_dir {
            d = d.set_directory(dir);
        }
        timed(|| d.pick_file())
    }

    fn save_file(
        &mut self,
        start_dir: Option<&Path>,
        file_name: &str,
        filter: (&str, &[&str]),
    ) -> DialogResult {
        let mut d = rfd::FileDialog::new()
            .set_title("Export")
            .add_filter(filter.0, filter.1)
            .set_file_name(file_name);
        if let Some(dir) = start_dir {
            d = d.set_directory(dir);
        }
        timed(|| d.save_file())
    }
}

/// A flow offered by File ▸ Open example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// The file.
    pub path: PathBuf,
    /// The flow's title.
    pub title: String,
    /// The flow's description (shown on hover).
    pub description: String,
}

/// The examples folder: `examples/` in the current directory, else beside the
/// executable or one of its ancestors, else the source tree this binary was built from.
pub fn find_examples_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join("examples"));
    }
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|d| d.join("examples")));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"));
    candidates.into_iter().find(|d| has_flows(d))
}

fn has_flows(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "ron"))
    })
}

/// Every flow in `dir`, sorted by title. Files that fail to load are left out (and
/// logged), so one broken example does not hide the others.
pub fn list_examples(dir: &Path) -> Vec<Example> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Example> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .filter_map(|path| match Flow::load(&path) {
            Ok(flow) => Some(Example {
                title: flow.display_title().to_owned(),
                description: flow.description.clone(),
                path,
            }),
            Err(e) => {
                tracing::warn!("example not offered: {e}");
                None
            }
        })
        .collect();
    out.sort_by(|a, b| a.title.cmp(&b.title));
    out
}

/// Puts `path` first in the recent list, keeping at most ten distinct entries.
pub fn push_recent(recent: &mut Vec<PathBuf>, path: &Path) {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    recent.retain(|p| *p != path);
    recent.insert(0, path);
    recent.truncate(10);
}
