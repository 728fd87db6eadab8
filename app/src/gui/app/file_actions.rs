//! File actions: open, new, save, save as, and the unsaved-changes guard in front
//! of every action that would drop the document.

use std::path::Path;

use pipewright_engine::{Edit, Flow};

use super::{EditorApp, Modal, Pending, PromptPurpose, StatusMessage};
use crate::gui::command::{Command, ModalAnswer};
use crate::gui::document::Document;
use crate::gui::files::{self, DialogResult};

impl EditorApp {
    /// Opens a flow file now (no unsaved-changes question). On failure the current
    /// document stays and the loader's message is shown and returned.
    pub fn open_path(&mut self, path: &Path) -> Result<(), String> {
        match Flow::load(path) {
            Ok(flow) => {
                self.set_document(Document::new(flow, Some(path.to_owned())));
                files::push_recent(&mut self.settings.recent, path);
                self.settings.last_flow = Some(path.to_owned());
                self.info(format!("Opened {}", path.display()));
                Ok(())
            }
            Err(e) => {
                let text = format!("Cannot open: {e}");
                self.error(text.clone());
                Err(text)
            }
        }
    }

    /// Opens the flow given on the command line, or the last flow, or the regression
    /// example, or leaves the empty flow.
    pub fn open_initial(&mut self, flow: Option<&Path>) {
        if let Some(p) = flow {
            let _ = self.open_path(p);
            return;
        }
        if let Some(last) = self.settings.last_flow.clone()
            && last.exists()
            && self.open_path(&last).is_ok()
        {
            return;
        }
        let example = self
            .examples
            .iter()
            .find(|e| e.path.file_stem().is_some_and(|s| s == "regression"))
            .or(self.examples.first())
            .map(|e| e.path.clone());
        if let Some(p) = example {
            let _ = self.open_path(&p);
        }
    }

    /// Applies the answer to the open dialog.
    pub(super) fn answer_modal(&mut self, answer: ModalAnswer, ctx: &egui::Context) {
        match (self.modal.take(), answer) {
            (Some(Modal::Unsaved(pending)), ModalAnswer::Save) => {
                self.after_save = Some(pending);
                self.execute(Command::Save, ctx);
            }
            (Some(Modal::Unsaved(pending)), ModalAnswer::Discard) => self.proceed(pending),
            (Some(Modal::PathPrompt { .. }), ModalAnswer::Cancel) => self.after_save = None,
            (Some(Modal::PathPrompt { purpose, .. }), ModalAnswer::Path(path)) => match purpose {
                PromptPurpose::Open => {
                    let _ = self.open_path(&path);
                }
                PromptPurpose::SaveAs => {
                    let mut path = path;
                    if path.extension().is_none() {
                        path.set_extension("ron");
                    }
                    self.execute(Command::SaveTo(path), ctx);
                }
                PromptPurpose::ParamPath { node, name } => {
                    self.set_path_param(node, &name, &path);
                }
                PromptPurpose::ExportBundle(target) => self.export_bundle_to(&target, path),
            },
            // An answer that does not fit the open dialog (or none) only closes it.
            _ => {}
        }
    }

    /// Runs `pending` now, or asks about unsaved changes first.
    pub(super) fn guard(&mut self, pending: Pending) {
        if self.doc.is_dirty() && !(pending == Pending::Quit && self.allow_close) {
            self.modal = Some(Modal::Unsaved(pending));
        } else {
            self.proceed(pending);
        }
    }

    pub(super) fn proceed(&mut self, pending: Pending) {
        match pending {
            Pending::New => {
                self.set_document(Document::new(Flow::new("untitled"), None));
                self.settings.last_flow = None;
                self.info("New flow");
            }
            Pending::Open => {
                let start = self.doc.path().and_then(Path::parent).map(Path::to_owned);
                match self.dialogs.open_flow(start.as_deref()) {
                    DialogResult::Picked(p) => {
                        let _ = self.open_path(&p);
                    }
                    DialogResult::Cancelled => {}
                    DialogResult::Unavailable => {
                        self.modal = Some(Modal::PathPrompt {
                            purpose: PromptPurpose::Open,
                            text: start
                                .map(|d| format!("{}/", d.display()))
                                .unwrap_or_default(),
                        });
                    }
                }
            }
            Pending::OpenPath(p) => {
                let _ = self.open_path(&p);
            }
            Pending::OpenFlow(flow) => {
                let name = flow.display_title().to_owned();
                self.set_document(Document::new(*flow, None));
                self.settings.last_flow = None;
                self.close_past_run();
                self.info(format!(
                    "Opened the flow {name:?} of the run as a new flow (Save to keep it)"
                ));
            }
            Pending::Quit => {
                self.allow_close = true;
                self.modal = None;
                // eframe closes the window; the harness of the tests just records it.
                self.commands.clear();
                self.status = Some(StatusMessage {
                    text: "Closing".into(),
                    is_error: false,
                });
                self.quit_requested = true;
            }
        }
    }

    /// Whether `path` is one of the bundled example flows.
    pub(super) fn is_bundled_example(&self, path: &Path) -> bool {
        let (Some(dir), Ok(path)) = (&self.examples_dir, path.canonicalize()) else {
            return false;
        };
        path.parent() == Some(dir.as_path())
    }

    pub(super) fn save_to(&mut self, path: &Path, _ctx: &egui::Context) {
        // Saved into another folder, relative data paths would point elsewhere: rewrite
        // them so they keep reading the same files. And a flow still named as the file
        // it came from ("untitled" for a new one) takes the new file's name, so its runs
        // are listed under the name the user chose. One undoable edit for both.
        let absolute = |p: &Path| {
            std::path::absolute(p)
                .ok()
                .map(|p| p.canonicalize().unwrap_or(p))
        };
        let from = absolute(&self.base_dir());
        let to = path.parent().and_then(|p| {
            absolute(if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            })
        });
        let flow = self.doc.flow();
        let mut edits = Vec::new();
        if let (Some(from), Some(to)) = (from, to)
            && let Some(edit) = flow.relocate_edit(&self.registry, &from, &to)
        {
            edits.push(edit);
        }
        let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());
        if let Some(name) = stem(path)
            && name != flow.name
            && (flow.name == "untitled"
                || self.doc.path().and_then(stem).as_ref() == Some(&flow.name))
        {
            edits.push(Edit::SetInfo {
                name,
                title: flow.title.clone(),
                description: flow.description.clone(),
            });
        }
        if !edits.is_empty()
            && let Err(e) = self.doc.apply(Edit::Batch(edits), &self.registry)
        {
            self.error(format!("Cannot save: {e}"));
            return;
        }
        match self.doc.save_as(path) {
            Ok(()) => {
                files::push_recent(&mut self.settings.recent, path);
                self.settings.last_flow = Some(path.to_owned());
                self.info(format!("Saved {}", path.display()));
                if let Some(p) = self.after_save.take() {
                    self.proceed(p);
                }
            }
            Err(e) => {
                self.after_save = None;
                self.error(format!("Cannot save: {e}"));
            }
        }
    }

    pub(super) fn save_as(&mut self, ctx: &egui::Context) {
        let start = self.doc.path().and_then(Path::parent).map(Path::to_owned);
        let name = self.doc.file_name();
        match self.dialogs.save_flow(start.as_deref(), &name) {
            DialogResult::Picked(mut p) => {
                if p.extension().is_none() {
                    p.set_extension("ron");
                }
                self.save_to(&p, ctx);
            }
            DialogResult::Cancelled => self.after_save = None,
            DialogResult::Unavailable => {
                let dir = start.unwrap_or_else(|| self.base_dir());
                self.modal = Some(Modal::PathPrompt {
                    purpose: PromptPurpose::SaveAs,
                    text: dir.join(&name).display().to_string(),
                });
            }
        }
    }
}
