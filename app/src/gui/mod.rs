//! The desktop editor (eframe + egui-snarl).
//!
//! [`EditorApp`] holds the open [`document::Document`] (an `engine::Flow` with undo),
//! the canvas view, the run being shown and the dialogs. It is built without a window
//! ([`EditorApp::new`]) and drawn into any `egui::Ui` ([`EditorApp::ui`]), so the
//! egui_kittest tests drive exactly what the window shows.
//!
//! Design rules (see STYLE.md):
//! - Panels never change the flow: they push [`Command`]s, drained once per frame by
//!   [`EditorApp::execute`]; edits go through `Flow::apply` in [`document::Document`],
//!   which records undo snapshots (one gesture = one undo step).
//! - The snarl graph on the canvas is a view rebuilt from the flow ([`canvas`]).
//! - Runs go to the engine off the UI thread; a forwarder thread wakes the UI on each
//!   event ([`run_state`]), so an idle editor does not repaint.
//! - File dialogs go through the [`FileDialogs`] trait; where no native dialog exists
//!   the app asks for a path itself.
//!
//! Files: `app` (state and commands), `command`, `document`, `canvas` (snarl viewer),
//! `palette`, `inspector`, `widgets` (typed editors), `results` (artifacts, plots),
//! `run_state` (runs in progress), `bottom` (Log, Problems, Runs), `runs` (the Runs
//! tab and the read-only view of a past run), `compare` (runs side by side), `files` (dialogs,
//! examples, recent), `layout` (auto-layout), `theme`.

use std::path::PathBuf;
use std::sync::Arc;

mod app;
mod bottom;
mod canvas;
mod command;
mod compare;
mod document;
mod files;
mod inspector;
mod layout;
mod palette;
mod results;
mod run_state;
mod runs;
mod theme;
mod views;
mod widgets;

pub use app::{EditorApp, EditorOptions, SETTINGS_KEY, SHORTCUTS, Settings};
pub use command::{BottomTab, Command};
pub use files::{DialogResult, Example, FileDialogs, NativeDialogs, find_examples_dir};
pub use run_state::{LogLine, RunView, StepView};
pub use runs::{CenterView, RunsCommand};
pub use theme::ThemeChoice;

impl eframe::App for EditorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        EditorApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, self.settings());
    }
}

/// Opens the editor window on `flow` (or the last flow / the regression example),
/// keeping runs in the store at `store_dir`.
pub fn run_editor(flow: Option<PathBuf>, store_dir: PathBuf) -> anyhow::Result<()> {
    let registry = Arc::new(pipewright_nodes::registry());
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Pipewright")
            .with_app_id("pipewright")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([800.0, 500.0]),
        ..Default::default()
    };
    let mut failure = None;
    eframe::run_native(
        "Pipewright",
        options,
        Box::new(|cc| {
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default();
            let app_options = EditorOptions {
                settings,
                ..EditorOptions::default()
            };
            match EditorApp::new(registry, &store_dir, app_options) {
                Ok(mut app) => {
                    app.open_initial(flow.as_deref());
                    Ok(Box::new(app) as Box<dyn eframe::App>)
                }
                Err(e) => {
                    failure = Some(e.to_string());
                    Err(e.into())
                }
            }
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the editor window: {e}"))?;
    if let Some(f) = failure {
        anyhow::bail!(f);
    }
    Ok(())
}
