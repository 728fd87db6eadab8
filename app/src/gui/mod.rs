//! The desktop editor (eframe + egui-snarl).

use std::path::PathBuf;

/// Opens the editor window on `flow` (or the last flow / the regression example),
/// keeping runs in the store at `store_dir`.
pub fn run_editor(flow: Option<PathBuf>, store_dir: PathBuf) -> anyhow::Result<()> {
    let _ = (flow, store_dir);
    anyhow::bail!("the editor is not built yet")
}
