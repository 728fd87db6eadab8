//! Colours and visual settings: port types, step and run statuses (colour and
//! icon, every one of them here), dark and light themes.

use egui::Color32;
use pipewright_engine::{RunStatus, StepStatus};
use serde::{Deserialize, Serialize};

/// The user's choice of theme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Dark background (the default).
    #[default]
    Dark,
    /// Light background.
    Light,
}

impl ThemeChoice {
    /// Applies the theme (and the font fallbacks) to the context.
    pub fn apply(self, ctx: &egui::Context) {
        install_fonts(ctx);
        ctx.set_theme(match self {
            ThemeChoice::Dark => egui::Theme::Dark,
            ThemeChoice::Light => egui::Theme::Light,
        });
    }
}

/// egui's proportional text has Ubuntu-Light and two emoji fonts, which lack symbols
/// such as → ● ▾ ▼ (engine messages say "A → B"); the bundled monospace font Hack has
/// them, so it becomes the proportional family's last fallback.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    let hack = fonts
        .families
        .get(&egui::FontFamily::Monospace)
        .and_then(|f| f.first())
        .cloned();
    if let (Some(hack), Some(proportional)) = (
        hack,
        fonts.families.get_mut(&egui::FontFamily::Proportional),
    ) && !proportional.contains(&hack)
    {
        proportional.push(hack);
    }
    ctx.set_fonts(fonts);
}

/// The colour of wires and pins carrying artifacts of type `ty`.
pub fn type_color(ty: &str) -> Color32 {
    match ty {
        "table" => Color32::from_rgb(0x4c, 0x9b, 0xe8),
        "model" => Color32::from_rgb(0xe8, 0xa3, 0x3c),
        "predictions" => Color32::from_rgb(0xb0, 0x7c, 0xe8),
        "metrics" => Color32::from_rgb(0x3c, 0xc4, 0x9a),
        "signal" => Color32::from_rgb(0x9a, 0xa0, 0xa6),
        "number" => Color32::from_rgb(0xe0, 0xc8, 0x40),
        pipewright_engine::ANY => Color32::from_rgb(0xc8, 0xc8, 0xc8),
        other => {
            // A stable colour for types this build does not know by name.
            let h = other
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            let hue = (h % 360) as f32 / 360.0;
            egui::ecolor::Hsva::new(hue, 0.55, 0.85, 1.0).into()
        }
    }
}

/// The header colour of a node in this status.
pub fn status_color(status: StepStatus) -> Color32 {
    match status {
        StepStatus::Queued => Color32::from_rgb(0x5b, 0x64, 0x74),
        StepStatus::Running => Color32::from_rgb(0x25, 0x63, 0xeb),
        StepStatus::Done => Color32::from_rgb(0x16, 0x86, 0x3e),
        StepStatus::Cached => Color32::from_rgb(0x0f, 0x76, 0x6e),
        StepStatus::Failed => Color32::from_rgb(0xc0, 0x26, 0x26),
        StepStatus::Skipped => Color32::from_rgb(0x6b, 0x72, 0x80),
        StepStatus::Cancelled => Color32::from_rgb(0xb4, 0x5f, 0x06),
    }
}

/// The symbol shown beside a status name.
pub fn status_icon(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Queued => "…",
        StepStatus::Running => "▶",
        StepStatus::Done => "✔",
        StepStatus::Cached => "✔",
        StepStatus::Failed => "✖",
        StepStatus::Skipped => "–",
        StepStatus::Cancelled => "■",
    }
}

/// Colour for error text, readable on both themes.
pub fn error_color(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0xff, 0x6b, 0x6b)
    } else {
        Color32::from_rgb(0xb9, 0x1c, 0x1c)
    }
}

/// Colour for warnings.
pub fn warn_color(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0xf5, 0xb0, 0x41)
    } else {
        Color32::from_rgb(0xa1, 0x5c, 0x07)
    }
}

/// The outline and heading of a foreach section on the canvas.
pub fn foreach_color(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0x8b, 0x9c, 0xf7)
    } else {
        Color32::from_rgb(0x43, 0x38, 0xca)
    }
}

/// Colour for success text.
pub fn ok_color(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(0x4a, 0xde, 0x80)
    } else {
        Color32::from_rgb(0x15, 0x80, 0x3d)
    }
}

/// The colour of a run status.
pub fn run_status_color(status: RunStatus, visuals: &egui::Visuals) -> Color32 {
    match status {
        RunStatus::Running => status_color(StepStatus::Running),
        RunStatus::Done => ok_color(visuals),
        RunStatus::Failed | RunStatus::Interrupted => error_color(visuals),
        RunStatus::Cancelled => warn_color(visuals),
    }
}

/// The symbol of a run status.
pub fn run_status_icon(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "⟳",
        RunStatus::Done => "✔",
        RunStatus::Failed => "✖",
        RunStatus::Cancelled => "⏹",
        RunStatus::Interrupted => "⚠",
    }
}

#[cfg(test)]
mod font_tests {
    use super::*;

    fn has_glyph(install: bool, c: char) -> bool {
        let ctx = egui::Context::default();
        if install {
            install_fonts(&ctx);
        }
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        // The font atlas upload is for a renderer this test does not have.
        output.textures_delta.clear();
        ctx.fonts_mut(|f| f.has_glyph(&egui::FontId::proportional(14.0), c))
    }

    #[test]
    fn proportional_text_has_the_symbols_messages_use() {
        assert!(
            !has_glyph(false, '→'),
            "egui's own fonts lack → (so the fallback matters)"
        );
        for c in ['→', '●', '▾', '▼', '≠', 'Δ', '…'] {
            assert!(
                has_glyph(true, c),
                "{c:?} has no glyph in proportional text"
            );
        }
    }
}
