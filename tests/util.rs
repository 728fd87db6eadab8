//! Helpers shared by the end-to-end tests.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use pipewright::gui::{DialogResult, FileDialogs};
use std::process::{Command, Output};

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("app/ has a parent")
        .to_owned()
}

/// The `examples/` folder.
pub fn examples_dir() -> PathBuf {
    root().join("examples")
}

/// Every example flow file, sorted.
pub fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    files
}

/// A `pipewright` command on a store, run from the repository root.
pub fn pipewright(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pipewright"));
    c.current_dir(root())
        .arg("--store")
        .arg(store)
        .env_remove("PIPEWRIGHT_STORE")
        .env("NO_COLOR", "1");
    c
}

/// Runs a `pipewright` command and returns its output.
pub fn run(store: &Path, args: &[&str]) -> Output {
    pipewright(store)
        .args(args)
        .output()
        .expect("pipewright starts")
}

/// Stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts an exit code, printing the output when it differs.
#[track_caller]
pub fn expect_code(out: &Output, code: i32) -> (String, String) {
    let (o, e) = text(out);
    assert_eq!(out.status.code(), Some(code), "stdout:\n{o}\nstderr:\n{e}");
    assert!(!e.contains("panicked"), "no panic expected, stderr:\n{e}");
    assert!(
        !e.contains("RUST_BACKTRACE"),
        "no backtrace expected, stderr:\n{e}"
    );
    (o, e)
}

/// File dialogs that answer from a script: the test's "user" picks these paths.
#[derive(Clone, Default)]
pub struct Scripted(Rc<RefCell<VecDeque<DialogResult>>>);

impl Scripted {
    /// Queues the answer to the next dialog.
    pub fn push(&self, r: DialogResult) {
        self.0.borrow_mut().push_back(r);
    }
    /// The next queued answer (Cancelled when none is left).
    pub fn next(&self) -> DialogResult {
        self.0
            .borrow_mut()
            .pop_front()
            .unwrap_or(DialogResult::Cancelled)
    }
}

impl FileDialogs for Scripted {
    fn open_flow(&mut self, _: Option<&Path>) -> DialogResult {
        self.next()
    }
    fn save_flow(&mut self, _: Option<&Path>, _: &str) -> DialogResult {
        self.next()
    }
    fn pick_file(&mut self, _: Option<&Path>) -> DialogResult {
        self.next()
    }
    fn save_file(&mut self, _: Option<&Path>, _: &str, _: (&str, &[&str])) -> DialogResult {
        self.next()
    }
}
