//! The keyboard: shortcuts become commands, and closing the window with unsaved
//! changes asks first.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::{EditorApp, Modal, Pending};
use crate::gui::command::Command;

/// The keyboard shortcuts, as Help ▸ Keyboard shortcuts lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("F5", "Run"),
    ("Shift+F5", "Stop the run"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / Save as"),
    ("Ctrl+O / Ctrl+N / Ctrl+Q", "Open / New / Quit"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z, Ctrl+Y", "Redo"),
    ("Ctrl+C / Ctrl+X / Ctrl+V", "Copy / Cut / Paste steps"),
    ("Ctrl+D", "Duplicate the selected steps"),
    ("Delete, Backspace", "Delete the selected steps"),
    ("Ctrl+A / Esc", "Select all / nothing"),
    ("Ctrl+L", "Auto-layout"),
    ("Home", "Fit the flow to the view"),
    (
        "Shift+click, Shift+drag",
        "Add to the selection / box-select",
    ),
    ("Right-click canvas", "Add a step"),
    ("Right-click wire or pin", "Remove wires"),
    (
        "Double-click / Enter in palette",
        "Add a step at the centre",
    ),
];

impl EditorApp {
    /// Turns the pressed shortcuts into queued commands (only Quit while a dialog
    /// is open).
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let mut out = Vec::new();
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|i| {
            let mut sc = |m: Modifiers, k: Key, c: Command, out: &mut Vec<Command>| {
                if i.consume_shortcut(&KeyboardShortcut::new(m, k)) {
                    out.push(c);
                }
            };
            // These work everywhere, even while typing in a field.
            sc(cmd_shift, Key::S, Command::SaveAs, &mut out);
            sc(cmd, Key::S, Command::Save, &mut out);
            sc(cmd, Key::O, Command::Open, &mut out);
            sc(cmd, Key::N, Command::NewFlow, &mut out);
            sc(cmd, Key::Q, Command::Quit, &mut out);
            sc(Modifiers::SHIFT, Key::F5, Command::Stop, &mut out);
            sc(Modifiers::NONE, Key::F5, Command::Run, &mut out);
            if typing {
                return;
            }
            sc(cmd_shift, Key::Z, Command::Redo, &mut out);
            sc(cmd, Key::Z, Command::Undo, &mut out);
            sc(cmd, Key::Y, Command::Redo, &mut out);
            sc(cmd, Key::A, Command::SelectAll, &mut out);
            sc(cmd, Key::D, Command::DuplicateSelection, &mut out);
            sc(cmd, Key::C, Command::CopySelection, &mut out);
            sc(cmd, Key::X, Command::CutSelection, &mut out);
            sc(cmd, Key::V, Command::Paste, &mut out);
            sc(cmd, Key::L, Command::AutoLayout, &mut out);
            sc(Modifiers::NONE, Key::Home, Command::FitView, &mut out);
            sc(
                Modifiers::NONE,
                Key::Delete,
                Command::DeleteSelection,
                &mut out,
            );
            sc(
                Modifiers::NONE,
                Key::Backspace,
                Command::DeleteSelection,
                &mut out,
            );
            sc(
                Modifiers::NONE,
                Key::Escape,
                Command::Select(Vec::new()),
                &mut out,
            );
            // The platform turns Ctrl+C/X/V into clipboard events rather than keys.
            for e in &i.events {
                match e {
                    egui::Event::Copy => out.push(Command::CopySelection),
                    egui::Event::Cut => out.push(Command::CutSelection),
                    egui::Event::Paste(text) => out.push(Command::PasteText(text.clone())),
                    _ => {}
                }
            }
        });
        if self.modal.is_none() {
            self.commands.extend(out);
        } else if out.contains(&Command::Quit) {
            self.commands.push(Command::Quit);
        }
    }

    /// Asks about unsaved changes when the window is being closed.
    pub(super) fn close_request(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.doc.is_dirty()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.modal = Some(Modal::Unsaved(Pending::Quit));
        }
    }
}
