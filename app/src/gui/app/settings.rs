//! What the editor remembers between sessions (eframe stores it).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::gui::command::BottomTab;
use crate::gui::theme::ThemeChoice;

/// What the app remembers between sessions (besides egui's own layout memory).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Dark or light.
    pub theme: ThemeChoice,
    /// Recently opened or saved flows, newest first.
    pub recent: Vec<PathBuf>,
    /// The flow open when the app was closed.
    pub last_flow: Option<PathBuf>,
    /// The bottom panel's tab.
    pub bottom_tab: BottomTab,
}

/// The key under which [`Settings`] are stored by eframe.
pub const SETTINGS_KEY: &str = "pipewright-settings";
