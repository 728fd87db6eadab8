//! Serving from the editor: *Serve…* (the form, then the server in this process),
//! *Stop*, and *Export bundle…* (asks where, then writes the `.pwm` file).

use std::path::PathBuf;

use super::{EditorApp, Modal, PromptPurpose, ServeForm};
use crate::gui::command::{BottomTab, ServeTarget};
use crate::gui::files::DialogResult;
use crate::gui::serving::{self, Serving};
use crate::serve::ServeOptions;

impl EditorApp {
    /// Opens the *Serve…* form for `target`, filled as the last server was (or with
    /// `pipewright serve`'s defaults).
    pub(super) fn ask_serve(&mut self, target: ServeTarget) {
        let defaults = ServeOptions::default();
        let (host, port) = self.serving.as_ref().map_or_else(
            || (defaults.host.clone(), defaults.port.to_string()),
            |s| (s.host(), s.port().to_string()),
        );
        self.modal = Some(Modal::Serve(ServeForm {
            target,
            host,
            port,
            token: String::new(),
            cache: "0".into(),
            log: String::new(),
            error: None,
        }));
    }

    /// Serves `target`'s model. The one served before stops once the new one listens
    /// (first, when both want the same port); a refusal leaves it serving and says why
    /// in the form.
    pub(super) fn start_serving(&mut self, target: ServeTarget, options: ServeOptions) {
        let bundle = match serving::bundle_of(self.runs.store(), &self.registry, &target) {
            Ok(b) => b,
            Err(e) => return self.serve_refused(e),
        };
        let same_port = self
            .serving
            .as_ref()
            .is_some_and(|s| options.port != 0 && s.port() == options.port);
        let mut stopped = None;
        if same_port && let Some(old) = self.serving.take() {
            stopped = Some(old.target().describe());
            let _ = old.stop();
        }
        match Serving::start(bundle, target, options) {
            Ok(new) => {
                if let Some(old) = self.serving.take() {
                    stopped = Some(old.target().describe());
                    let _ = old.stop();
                }
                let then = stopped
                    .map(|s| format!(" (stopped serving {s})"))
                    .unwrap_or_default();
                self.info(format!(
                    "Serving the model of {} at {}{then}",
                    new.target().describe(),
                    new.url()
                ));
                self.serving = Some(new);
                self.modal = None;
                self.settings.bottom_tab = BottomTab::Serve;
            }
            Err(e) => self.serve_refused(e),
        }
    }

    fn serve_refused(&mut self, why: String) {
        match &mut self.modal {
            Some(Modal::Serve(form)) => form.error = Some(why),
            _ => self.error(format!("Cannot serve: {why}")),
        }
    }

    /// Stops the server; says what it answered.
    pub(super) fn stop_serving(&mut self) {
        let Some(s) = self.serving.take() else {
            return self.info("No model is served");
        };
        let what = s.target().describe();
        match s.stop() {
            Ok(last) => self.info(format!(
                "Stopped serving {what}: {} requests, {} errors, {} rows scored",
                last.requests, last.errors, last.rows
            )),
            Err(e) => self.error(e),
        }
    }

    /// Asks where to write `target`'s bundle (the in-app prompt where no dialog exists).
    pub(super) fn export_bundle(&mut self, target: ServeTarget) {
        let name = target.file_name();
        let dir = self.base_dir();
        match self
            .dialogs
            .save_file(Some(&dir), &name, ("Pipewright model", &["pwm"]))
        {
            DialogResult::Picked(p) => self.export_bundle_to(&target, p),
            DialogResult::Cancelled => {}
            DialogResult::Unavailable => {
                self.modal = Some(Modal::PathPrompt {
                    purpose: PromptPurpose::ExportBundle(target),
                    text: dir.join(name).display().to_string(),
                });
            }
        }
    }

    /// Writes `target`'s bundle to `path` (`.pwm` added when it has no extension).
    pub(super) fn export_bundle_to(&mut self, target: &ServeTarget, mut path: PathBuf) {
        if path.extension().is_none() {
            path.set_extension("pwm");
        }
        match serving::export_bundle(self.runs.store(), &self.registry, target, &path) {
            Ok(done) => self.info(done),
            Err(e) => self.error(format!("Cannot export the bundle: {e}")),
        }
    }
}
