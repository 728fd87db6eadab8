//! The palette: node kinds by category, with a search box. Drag an entry onto the
//! canvas to add it there; double-click it (or press Enter) to add it at the centre.
//! In the search box, ↑/↓ pick among the matches and Enter adds the picked one.

use egui::{RichText, Ui};
use pipewright_engine::{KindDescriptor, Registry};

use super::canvas::KindPayload;
use super::command::Command;
use super::theme;

/// The palette's state between frames.
#[derive(Debug, Default)]
pub struct Palette {
    /// The search text.
    pub search: String,
    /// Which matching entry ↑/↓ in the search box have picked (Enter adds it).
    pub cursor: usize,
    /// The search text the cursor belongs to (a new search starts at the top).
    cursor_search: String,
}

fn matches(kind: &KindDescriptor, search: &str) -> bool {
    let search = search.trim().to_lowercase();
    search.is_empty()
        || kind.title.to_lowercase().contains(&search)
        || kind.id.to_lowercase().contains(&search)
        || kind.doc.to_lowercase().contains(&search)
}

fn hover_ui(kind: &KindDescriptor, ui: &mut Ui) {
    ui.set_max_width(320.0);
    ui.label(RichText::new(kind.title).strong());
    ui.label(RichText::new(kind.id).monospace().weak());
    if !kind.doc.is_empty() {
        ui.label(kind.doc);
    }
    let port_ui = |ui: &mut Ui, heading: &str, ports: &[pipewright_engine::PortSpec]| {
        if ports.is_empty() {
            return;
        }
        ui.add_space(4.0);
        ui.label(RichText::new(heading).strong());
        for p in ports {
            ui.horizontal(|ui| {
                ui.label(RichText::new("●").color(theme::type_color(p.ty)));
                ui.label(format!("{} ({})", p.name, p.ty));
                if !p.doc.is_empty() {
                    ui.label(RichText::new(p.doc).weak());
                }
            });
        }
    };
    port_ui(ui, "Inputs", &kind.inputs);
    port_ui(ui, "Outputs", &kind.outputs);
}

/// Draws the palette.
pub fn palette_ui(
    palette: &mut Palette,
    registry: &Registry,
    commands: &mut Vec<Command>,
    ui: &mut Ui,
) {
    ui.add_space(4.0);
    let heading = ui.heading("Palette");
    let search = ui
        .add(
            egui::TextEdit::singleline(&mut palette.search)
                .hint_text("🔍 Search steps")
                .desired_width(f32::INFINITY),
        )
        // Named for screen readers (and tests) also once it holds text and no hint.
        .labelled_by(heading.id);
    let enter = search.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    // Every match in display order, so ↑/↓ walk them as they are drawn.
    let categories = registry.categories();
    let matching: Vec<&'static str> = categories
        .iter()
        .flat_map(|c| {
            registry
                .kinds()
                .filter(move |k| k.category == *c)
                .filter(|k| matches(k, &palette.search))
                .map(|k| k.id)
        })
        .collect();
    if palette.cursor_search != palette.search {
        palette.cursor_search = palette.search.clone();
        palette.cursor = 0;
    }
    if search.has_focus() {
        let (down, up) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
            )
        });
        if down {
            palette.cursor = (palette.cursor + 1).min(matching.len().saturating_sub(1));
        }
        if up {
            palette.cursor = palette.cursor.saturating_sub(1);
        }
    }
    let picked = matching.get(palette.cursor).copied();
    // Highlighted only while searching, so the palette does not look pre-selected.
    let searching = search.has_focus() || !palette.search.is_empty();
    let highlighted = picked.filter(|_| searching);
    let mut first_match = None;
    ui.add_space(4.0);
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for category in categories {
                let kinds: Vec<&KindDescriptor> = registry
                    .kinds()
                    .filter(|k| k.category == category && matches(k, &palette.search))
                    .collect();
                if kinds.is_empty() {
                    continue;
                }
                egui::CollapsingHeader::new(RichText::new(category.title()).strong())
                    .id_salt(("palette", category))
                    .default_open(true)
                    .open((!palette.search.is_empty()).then_some(true))
                    .show(ui, |ui| {
                        for kind in kinds {
                            first_match.get_or_insert(kind.id);
                            entry_ui(kind, highlighted == Some(kind.id), commands, ui);
                        }
                    });
            }
            if first_match.is_none() {
                let text = if registry.kinds().next().is_none() {
                    "No step kinds are registered."
                } else {
                    "No step matches the search."
                };
                ui.label(RichText::new(text).weak());
            }
        });
    if enter && let Some(kind) = picked.or(first_match) {
        commands.push(Command::AddNode {
            kind: kind.to_owned(),
            pos: None,
        });
    }
}

fn entry_ui(kind: &KindDescriptor, picked: bool, commands: &mut Vec<Command>, ui: &mut Ui) {
    let color = kind
        .outputs
        .first()
        .or(kind.inputs.first())
        .map_or(ui.visuals().text_color(), |p| theme::type_color(p.ty));
    let button = egui::Button::selectable(picked, RichText::new(format!("     {}", kind.title)))
        .sense(egui::Sense::click_and_drag())
        .min_size(egui::vec2(ui.available_width(), 0.0));
    let r = ui.add(button);
    // A dot in the colour of the kind's main port type, like the pins on the canvas.
    ui.painter().circle_filled(
        egui::pos2(r.rect.min.x + 10.0, r.rect.center().y),
        4.5,
        color,
    );
    if r.drag_started() {
        egui::DragAndDrop::set_payload(ui.ctx(), KindPayload(kind.id.to_owned()));
    }
    if r.dragged() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
        if let Some(pos) = ui.ctx().pointer_latest_pos() {
            egui::Area::new(egui::Id::new("palette-drag-preview"))
                .order(egui::Order::Tooltip)
                .fixed_pos(pos + egui::vec2(12.0, 4.0))
                .interactable(false)
                .show(ui.ctx(), |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.label(RichText::new(kind.title).strong());
                    });
                });
        }
    }
    let activated =
        r.double_clicked() || (r.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
    if activated {
        commands.push(Command::AddNode {
            kind: kind.id.to_owned(),
            pos: None,
        });
    }
    if !r.dragged() {
        r.on_hover_ui(|ui| hover_ui(kind, ui));
    }
}
