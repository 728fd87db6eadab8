//! Results of the selected step: its status in the shown run, then each output
//! artifact drawn from the views its type builds from the stored bytes
//! ([`pipewright_engine::ArtifactView`], drawn by [`super::views`]). The editor knows no
//! artifact type: a type it cannot decode shows its summary and why.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{RichText, Ui};
use pipewright_engine::{
    ArtifactRef, ArtifactTypes, ArtifactView, Node, Registry, StepStatus, Store,
};

use super::format::format_duration;
use super::run_state::RunView;
use super::theme;

/// An artifact loaded from the store, with its views (computed once: artifacts are
/// immutable).
#[derive(Debug)]
pub struct Loaded {
    /// The artifact's one-line summary.
    pub summary: String,
    /// How it shows itself.
    pub views: Vec<ArtifactView>,
}

impl Loaded {
    /// The column names of its first table view, if it has one.
    pub fn columns(&self) -> Option<Vec<String>> {
        self.views.iter().find_map(|v| match v {
            ArtifactView::Table(t) => Some(t.columns.iter().map(|c| c.name.clone()).collect()),
            _ => None,
        })
    }
}

/// How many rows a table's view keeps.
const HEAD_ROWS: usize = 200;

/// Artifacts loaded from the store, by content hash (they never change).
pub struct ArtifactCache {
    store: Store,
    types: ArtifactTypes,
    loaded: HashMap<String, Result<Arc<Loaded>, String>>,
}

impl std::fmt::Debug for ArtifactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCache")
            .field("loaded", &self.loaded.len())
            .finish()
    }
}

impl ArtifactCache {
    /// A cache over a store, viewing artifacts through the registered types.
    pub fn new(store: Store, types: ArtifactTypes) -> Self {
        Self {
            store,
            types,
            loaded: HashMap::new(),
        }
    }

    /// The artifact a reference points to, with its views, loaded once.
    pub fn get(&mut self, r: &ArtifactRef) -> Result<Arc<Loaded>, String> {
        self.loaded
            .entry(r.hash.clone())
            .or_insert_with(|| {
                // Straight from the stored bytes: a table's view reads its first rows
                // only, so a click on a million-row step costs milliseconds.
                let views = self
                    .store
                    .artifact_views(r, &self.types, HEAD_ROWS)
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(Loaded {
                    summary: r.summary.clone(),
                    views,
                }))
            })
            .clone()
    }

    /// The column names of the table a reference points to, if it is a table.
    pub fn columns(&mut self, r: &ArtifactRef) -> Option<Vec<String>> {
        self.get(r).ok()?.columns()
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
            ui.label(RichText::new(format_duration(d)).weak());
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
    if let Some(p) = step.progress() {
        ui.label(RichText::new(p).weak());
    }
    if let Some(sec) = run.sections.iter().find(|s| s.foreach == node.id) {
        items_ui(sec, step, ui);
        return;
    }
    let chosen = if step.items > 0 {
        tasks_ui(node, run, ui)
    } else {
        None
    };
    let Some(task) = run
        .record
        .as_ref()
        .and_then(|r| r.task_at(node.id, chosen).or_else(|| r.task(node.id)))
    else {
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
            Ok(loaded) => {
                ui.label(RichText::new(&loaded.summary).weak());
                super::views::views_ui(&loaded.views, (node.id, port.as_str()), ui);
            }
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

/// The items of a foreach, each with its status (the worst of its section's tasks).
fn items_ui(sec: &pipewright_engine::SectionInfo, step: &super::run_state::StepView, ui: &mut Ui) {
    ui.add_space(4.0);
    ui.label(RichText::new(format!("{} items", sec.items.len())).strong());
    egui::Grid::new(("foreach-items", sec.foreach))
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            for (i, item) in sec.items.iter().enumerate() {
                let st = step
                    .tasks
                    .get(&(i as u32))
                    .copied()
                    .unwrap_or(StepStatus::Queued);
                ui.label(RichText::new(i.to_string()).weak());
                ui.label(item);
                ui.label(
                    RichText::new(format!("{} {st}", theme::status_icon(st)))
                        .color(theme::status_color(st)),
                );
                ui.end_row();
            }
        });
}

/// The tasks of a step inside a foreach (item, status, duration, first metric), one
/// selectable row each; returns the chosen task's index, whose artifacts show below.
fn tasks_ui(node: &Node, run: &RunView, ui: &mut Ui) -> Option<u32> {
    let memory = egui::Id::new(("chosen-task", node.id));
    let mut chosen: u32 = ui.data(|d| d.get_temp(memory)).unwrap_or(0);
    let items = run
        .sections
        .iter()
        .find(|s| s.body.contains(&node.id))
        .map(|s| s.items.clone())
        .unwrap_or_default();
    let step = run.steps.get(&node.id)?;
    ui.add_space(4.0);
    ui.label(RichText::new("Tasks").strong());
    egui::Grid::new(("foreach-tasks", node.id))
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for i in 0..step.items {
                let task = run
                    .record
                    .as_ref()
                    .and_then(|r| r.task_at(node.id, Some(i)));
                let st = step.tasks.get(&i).copied().unwrap_or(StepStatus::Queued);
                let item = task
                    .map(|t| pipewright_engine::kind::short_item(&t.item))
                    .or_else(|| items.get(i as usize).cloned())
                    .unwrap_or_else(|| format!("item {i}"));
                if ui
                    .selectable_label(chosen == i, format!("{}/{i}  {item}", node.label))
                    .clicked()
                {
                    chosen = i;
                }
                ui.label(
                    RichText::new(format!("{} {st}", theme::status_icon(st)))
                        .color(theme::status_color(st)),
                );
                ui.label(
                    RichText::new(task.map_or(String::new(), |t| format_duration(t.duration_secs)))
                        .weak(),
                );
                let metric = task
                    .and_then(|t| {
                        t.outputs
                            .values()
                            .find_map(|r| r.metrics.as_ref()?.iter().next())
                    })
                    .map(|(k, v)| format!("{k} {}", super::format::format_number(*v)))
                    .unwrap_or_default();
                ui.label(metric);
                ui.end_row();
            }
        });
    ui.data_mut(|d| d.insert_temp(memory, chosen));
    ui.label(RichText::new(format!("Showing task {}/{chosen}", node.label)).weak());
    Some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_artifact_is_viewed_from_its_stored_bytes_once() {
        use pipewright_nodes::polars::prelude::{Column, DataFrame};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let df = DataFrame::new_infer_height(vec![Column::new("x".into(), x)]).unwrap();
        let table: pipewright_engine::ArtifactArc = Arc::new(pipewright_nodes::Table::new(df));
        let r = store.put_artifact(&table).unwrap();
        let registry = pipewright_nodes::registry();
        let mut cache = ArtifactCache::new(store, registry.artifact_types().clone());
        let loaded = cache.get(&r).unwrap();
        let ArtifactView::Table(t) = &loaded.views[0] else {
            panic!("a table view: {:?}", loaded.views);
        };
        assert_eq!(t.total_rows, 1000);
        assert_eq!(t.rows.len(), HEAD_ROWS);
        assert_eq!(t.rows[3], vec![pipewright_engine::Cell::Float(3.0)]);
        assert_eq!(cache.columns(&r), Some(vec!["x".to_owned()]));
        assert!(Arc::ptr_eq(&loaded, &cache.get(&r).unwrap()), "loaded once");
        assert_eq!(loaded.summary, table.summary());
    }
}
