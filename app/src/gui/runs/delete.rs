//! Deleting runs: the confirmation (its answer is a [`RunsCommand::Delete`] like any
//! other user action) and the background thread that deletes the records and
//! collects the blobs no remaining run refers to.

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use egui::{Color32, RichText};
use pipewright_engine::Store;

use crate::gui::command::{Command, RunsCommand};
use crate::gui::format::format_bytes;
use crate::gui::theme;

/// The delete confirmation and the delete in progress.
#[derive(Debug, Default)]
pub struct Deleter {
    /// The runs the open confirmation is about.
    confirm: Option<Vec<String>>,
    /// The result of the delete going on: the status-bar message.
    deleting: Option<Receiver<Result<String, String>>>,
}

impl Deleter {
    /// Opens the confirmation for these runs.
    pub fn ask(&mut self, ids: Vec<String>) {
        self.confirm = Some(ids);
    }

    /// Whether a delete is going on.
    pub fn is_deleting(&self) -> bool {
        self.deleting.is_some()
    }

    /// Closes the confirmation with the user's answer: the command that deletes, when
    /// they confirmed.
    pub fn answer(&mut self, confirmed: bool) -> Option<Command> {
        let ids = self.confirm.take()?;
        confirmed.then_some(Command::Runs(RunsCommand::Delete(ids)))
    }

    /// Starts deleting in the background; `ctx` is woken when it is done. Fails when
    /// a delete is going on already or no thread can be started.
    pub fn start(
        &mut self,
        ids: &[String],
        store: &Store,
        ctx: &egui::Context,
    ) -> Result<(), String> {
        if self.deleting.is_some() {
            return Err("A delete is already in progress".into());
        }
        let store = store.clone();
        let (tx, rx) = bounded(1);
        let wake = ctx.clone();
        let ids = ids.to_vec();
        let spawned = std::thread::Builder::new()
            .name("pipewright-delete-runs".into())
            .spawn(move || {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let result = store
                    .delete_runs(&refs)
                    .map(|gc| {
                        format!(
                            "Deleted {} run(s); freed {} unused artifact(s), {}",
                            ids.len(),
                            gc.blobs,
                            format_bytes(gc.bytes)
                        )
                    })
                    .map_err(|e| format!("Cannot delete: {e}"));
                let _ = tx.send(result);
                wake.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.deleting = Some(rx);
                Ok(())
            }
            Err(e) => Err(format!("Cannot delete: {e}")),
        }
    }

    /// The outcome of a delete that ended: the message, and whether it is an error.
    pub fn poll(&mut self) -> Option<(String, bool)> {
        let rx = self.deleting.as_ref()?;
        match rx.try_recv() {
            Ok(result) => {
                self.deleting = None;
                Some(match result {
                    Ok(m) => (m, false),
                    Err(e) => (e, true),
                })
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.deleting = None;
                None
            }
        }
    }

    /// Draws the confirmation when one is open; the answer goes to `commands`.
    pub fn confirm_ui(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let Some(ids) = self.confirm.clone() else {
            return;
        };
        let mut answer = None;
        let r = egui::Modal::new(egui::Id::new("delete-runs")).show(ctx, |ui| {
            ui.set_width(440.0);
            let what = if ids.len() == 1 {
                format!("run {}", ids[0])
            } else {
                format!("{} runs", ids.len())
            };
            ui.heading(format!("Delete {what}?"));
            ui.label(
                "Their records are removed, and the artifacts that no other run uses are \
                 deleted with them. Artifacts other runs use are kept. This cannot be undone.",
            );
            if ids.len() > 1 {
                ui.label(RichText::new(ids.join(", ")).monospace().small().weak());
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let del = egui::Button::new(RichText::new("Delete").color(Color32::WHITE).strong())
                    .fill(theme::error_color(ui.visuals()));
                if ui.add(del).clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
        });
        if answer.is_none() && r.should_close() {
            answer = Some(false);
        }
        if let Some(confirmed) = answer {
            commands.extend(self.answer(confirmed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirming_sends_the_delete_command_and_cancelling_sends_nothing() {
        let mut d = Deleter::default();
        assert_eq!(d.answer(true), None, "no confirmation open");
        d.ask(vec!["a".into(), "b".into()]);
        assert_eq!(
            d.answer(true),
            Some(Command::Runs(RunsCommand::Delete(vec![
                "a".into(),
                "b".into()
            ])))
        );
        assert_eq!(d.answer(true), None, "the confirmation is closed");
        d.ask(vec!["a".into()]);
        assert_eq!(d.answer(false), None);
        assert_eq!(d.answer(true), None, "cancelling closes it too");
    }
}
