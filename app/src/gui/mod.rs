//! The desktop editor (eframe + egui-snarl).
//!
//! [`EditorApp`] owns the siblings — the open `document::Document` (an
//! `engine::Flow` with undo) and its canvas, the document's run, the Runs list, the
//! past run shown read-only and the comparison — and decides what the centre shows
//! ([`CenterView`]). It is built without a window ([`EditorApp::new`]) and drawn into
//! any `egui::Ui` ([`EditorApp::ui`]), so the egui_kittest tests drive exactly what
//! the window shows; [`EditorApp::logic`] is everything but the drawing.
//!
//! Design rules (see STYLE.md):
//! - Panels never change the flow or the app's state: they push [`Command`]s, drained
//!   by `logic` each frame ([`EditorApp::execute`]); edits go through `Flow::apply` in
//!   `document::Document`, which records undo snapshots (one gesture = one undo
//!   step). Dialog answers, deletes and a past run's stop are commands too.
//! - The snarl graph on the canvas is a view rebuilt from the flow (`canvas`).
//! - Runs go to the engine off the UI thread; the engine wakes the UI after each
//!   event (`RunOptions::wake`), and the frame takes the events from the run's
//!   channel (`run_tracker`, `run_state`), so an idle editor does not repaint.
//! - File dialogs go through the [`FileDialogs`] trait; where no native dialog exists
//!   the app asks for a path itself.
//! - Imports point one way: `command` (with `theme`, `format`, `selection`) knows no
//!   panel; panels import it; only `app/` imports the panels.
//!
//! Files:
//! - `app/`: `mod.rs` (state, `new`, read accessors, the frame), `execute.rs`
//!   (commands, routing while a past run is shown), `file_actions.rs` (open, save,
//!   unsaved-changes guard), `run_actions.rs` (runs, polling, past-runs commands),
//!   `serve_actions.rs` (Serve…, Stop serving, Export bundle…),
//!   `chrome.rs` (menus, toolbar, status bar, centre strip), `modals.rs` (dialogs),
//!   `shortcuts.rs`, `settings.rs`, `tests.rs` (the command loop without a window).
//! - `command` (`Command`, `RunsCommand`, `CenterView`, `RunsOutcome`), `selection`
//!   (selected steps), `document` (the flow with undo), `canvas` (the snarl view and
//!   its sync) + `canvas_viewer` (how steps, pins and menus are drawn), `palette`,
//!   `inspector` (the selected step) + `flow_inspector` (the flow's own settings and
//!   parameters), `widgets` (typed editors), `results` (a step's outputs, loaded
//!   once by hash), `views` (draws the engine's artifact views: grids, plots, heat
//!   maps — all the editor knows of artifact types),
//!   `run_state` (what the editor knows of a run), `run_tracker` (starts and polls
//!   runs), `bottom` (Log, Problems, Runs tabs).
//! - `runs/`: `mod.rs` (list state, background loading), `list.rs` (rows, filter,
//!   sort, checked runs; no egui), `ui.rs` (drawing), `delete.rs` (confirmation +
//!   thread).
//! - `past_run` (a past run read-only: canvas, banner, inspector, re-run, resume,
//!   stop); `compare/` (runs side by side: `mod.rs` state and CSV export, `ui.rs`
//!   drawing).
//! - `serving` (a run's model served in this process by `crate::serve`: the Serve
//!   tab's URL, curl line, live counters and Stop; Export bundle).
//! - `format` (values, bytes, numbers, durations, dates), `files` (dialogs, examples,
//!   recent), `layout` (auto-layout), `theme` (colours; every step and run status
//!   colour and icon).

use std::path::PathBuf;
use std::sync::Arc;

mod app;
mod bottom;
mod canvas;
mod canvas_viewer;
mod command;
mod compare;
mod document;
mod files;
mod flow_inspector;
mod format;
mod inspector;
mod layout;
mod palette;
mod past_run;
mod results;
mod run_state;
mod run_tracker;
mod runs;
mod selection;
mod serving;
mod theme;
mod views;
mod widgets;

pub use app::settings::{SETTINGS_KEY, Settings};
pub use app::shortcuts::SHORTCUTS;
pub use app::{EditorApp, EditorOptions};
pub use command::{
    BottomTab, CenterView, Command, ModalAnswer, RunsCommand, RunsOutcome, ServeTarget,
};
pub use files::{DialogResult, Example, FileDialogs, NativeDialogs, find_examples_dir};
pub use run_state::{LogLine, RunView, StepView};
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
