//! Typed value editors shared by the inspector, the flow parameters and the Run with
//! parameters dialog. They never clamp: a value out of range is passed on, shown on
//! the field and reported by validation.

use egui::{Id, RichText, Ui};
use pipewright_engine::{ParamType, Value};

use super::theme;

/// What the user did to a value editor this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueEdit {
    /// Nothing.
    None,
    /// A new value.
    Changed(Value),
    /// The user asked for the file dialog.
    Browse,
}

/// A text field that keeps what the user types while it has focus (so "0." or an
/// empty field are not reformatted under the cursor) and shows `model` otherwise.
/// Returns the text when it changed.
pub fn buffered_text_ui(
    ui: &mut Ui,
    id: Id,
    model: &str,
    width: f32,
    multiline: bool,
    hint: &str,
) -> (egui::Response, Option<String>) {
    let buf_id = id.with("buffer");
    let mut text = ui
        .data_mut(|d| d.get_temp::<String>(buf_id))
        .unwrap_or_else(|| model.to_owned());
    let edit = if multiline {
        egui::TextEdit::multiline(&mut text).desired_rows(3)
    } else {
        egui::TextEdit::singleline(&mut text)
    };
    let r = ui.add(edit.id(id).desired_width(width).hint_text(hint));
    let changed = r.changed().then(|| text.clone());
    if r.has_focus() {
        ui.data_mut(|d| d.insert_temp(buf_id, text));
    } else {
        ui.data_mut(|d| d.remove_temp::<String>(buf_id));
    }
    (r, changed)
}

fn number_text(v: &Value) -> String {
    match v {
        Value::Float(x) => {
            let s = format!("{x}");
            if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
                s
            } else {
                format!("{s}.0")
            }
        }
        other => other.to_string(),
    }
}

/// Outlines a field whose content is not valid.
pub fn mark_invalid(ui: &Ui, r: &egui::Response) {
    ui.painter().rect_stroke(
        r.rect.expand(1.0),
        2.0,
        egui::Stroke::new(1.5, theme::error_color(ui.visuals())),
        egui::StrokeKind::Outside,
    );
}

/// An editor for one value of type `ty`. `invalid` marks the field (the message is
/// shown by the caller).
pub fn value_editor_ui(
    ui: &mut Ui,
    id: Id,
    ty: &ParamType,
    value: &Value,
    invalid: bool,
    label: Option<Id>,
    open_range: bool,
) -> ValueEdit {
    let mut out = ValueEdit::None;
    let labelled = |r: egui::Response| match label {
        Some(l) => r.labelled_by(l),
        None => r,
    };
    match ty {
        ParamType::Bool => {
            let mut b = value.as_bool().unwrap_or(false);
            let text = if b { "yes" } else { "no" };
            let r = labelled(ui.checkbox(&mut b, text));
            if r.changed() {
                out = ValueEdit::Changed(Value::Bool(b));
            }
            if invalid {
                mark_invalid(ui, &r);
            }
        }
        ParamType::Int { min, max } => {
            if let Some(v) = number_field_ui(ui, id, value, invalid, 90.0, label, |t| {
                t.parse::<i64>().ok().map(Value::Int)
            }) {
                out = ValueEdit::Changed(v);
            }
            range_hint_ui(ui, min.map(|m| m as f64), max.map(|m| m as f64), open_range);
        }
        ParamType::Float { min, max } => {
            let x = value.as_f64().unwrap_or(0.0);
            if let (Some(lo), Some(hi)) = (min, max)
                && *lo >= 0.0
                && *hi <= 1.0
            {
                // A fraction: a slider, which never moves the value by itself.
                let mut v = x;
                let r = labelled(
                    ui.add(
                        egui::Slider::new(&mut v, *lo..=*hi)
                            .clamping(egui::SliderClamping::Never)
                            .show_value(false),
                    ),
                );
                if r.changed() {
                    v = (v * 1000.0).round() / 1000.0;
                    out = ValueEdit::Changed(Value::Float(v));
                }
            }
            if let Some(v) = number_field_ui(ui, id, value, invalid, 70.0, label, |t| {
                t.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Value::Float)
            }) {
                out = ValueEdit::Changed(v);
            }
            range_hint_ui(ui, *min, *max, open_range);
        }
        ParamType::Text => {
            let (r, text) =
                buffered_text_ui(ui, id, value.as_str().unwrap_or_default(), 180.0, false, "");
            let r = labelled(r);
            if let Some(t) = text {
                out = ValueEdit::Changed(Value::Text(t));
            }
            if invalid {
                mark_invalid(ui, &r);
            }
        }
        ParamType::Path => {
            let (r, text) = buffered_text_ui(
                ui,
                id,
                value.as_str().unwrap_or_default(),
                150.0,
                false,
                "file path",
            );
            let r = labelled(r);
            if let Some(t) = text {
                out = ValueEdit::Changed(Value::Text(t));
            }
            if invalid {
                mark_invalid(ui, &r);
            }
            if ui.button("📂").on_hover_text("Choose a file…").clicked() {
                out = ValueEdit::Browse;
            }
        }
        ParamType::Choice(options) => {
            let current = value.as_str().unwrap_or_default().to_owned();
            let r = egui::ComboBox::from_id_salt(id)
                .selected_text(current.clone())
                .show_ui(ui, |ui| {
                    for o in options {
                        if ui.selectable_label(*o == current, o).clicked() {
                            out = ValueEdit::Changed(Value::Text(o.clone()));
                        }
                    }
                });
            // Screen readers (and tests) find the dropdown by its parameter's name.
            let response = labelled(r.response);
            if invalid {
                mark_invalid(ui, &response);
            }
        }
    }
    out
}

/// A number field: typed text that does not parse is kept and marked, not applied.
fn number_field_ui(
    ui: &mut Ui,
    id: Id,
    value: &Value,
    invalid: bool,
    width: f32,
    label: Option<Id>,
    parse: impl Fn(&str) -> Option<Value>,
) -> Option<Value> {
    let parse_id = id.with("parse");
    let (r, text) = buffered_text_ui(ui, id, &number_text(value), width, false, "");
    let r = match label {
        Some(l) => r.labelled_by(l),
        None => r,
    };
    let mut out = None;
    if let Some(text) = text {
        match parse(text.trim()) {
            Some(v) => {
                ui.data_mut(|d| {
                    d.remove_temp::<bool>(parse_id);
                });
                out = Some(v);
            }
            None => {
                ui.data_mut(|d| d.insert_temp(parse_id, true));
            }
        }
    }
    if !r.has_focus() {
        ui.data_mut(|d| {
            d.remove_temp::<bool>(parse_id);
        });
    }
    let bad_text = ui.data(|d| d.get_temp::<bool>(parse_id)).is_some();
    if invalid || bad_text {
        mark_invalid(ui, &r);
    }
    if bad_text {
        r.on_hover_text("not a number");
    }
    out
}

/// The allowed range as the inspector shows it: `0 … 1`, or `(0, 1)` when the bounds
/// themselves are excluded.
fn range_hint(min: Option<f64>, max: Option<f64>, open: bool) -> Option<String> {
    Some(match (min, max, open) {
        (Some(a), Some(b), false) => format!("{a} … {b}"),
        (Some(a), Some(b), true) => format!("({a}, {b})"),
        (Some(a), None, false) => format!("≥ {a}"),
        (Some(a), None, true) => format!("> {a}"),
        (None, Some(b), false) => format!("≤ {b}"),
        (None, Some(b), true) => format!("< {b}"),
        (None, None, _) => return None,
    })
}

fn range_hint_ui(ui: &mut Ui, min: Option<f64>, max: Option<f64>, open: bool) {
    let Some(text) = range_hint(min, max, open) else {
        return;
    };
    ui.label(RichText::new(text).small().weak())
        .on_hover_text(if open {
            "allowed range, the bounds themselves excluded"
        } else {
            "allowed range"
        });
}

/// A default value of a type (for a new flow parameter or a changed type).
pub fn default_of(ty: &ParamType) -> Value {
    match ty {
        ParamType::Bool => Value::Bool(false),
        ParamType::Int { min, .. } => Value::Int(min.unwrap_or(0)),
        ParamType::Float { min, .. } => Value::Float(min.unwrap_or(0.0)),
        ParamType::Text | ParamType::Path => Value::Text(String::new()),
        ParamType::Choice(options) => Value::Text(options.first().cloned().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_closed_or_open() {
        assert_eq!(
            range_hint(Some(0.0), Some(1.0), false).as_deref(),
            Some("0 … 1")
        );
        assert_eq!(
            range_hint(Some(0.0), Some(1.0), true).as_deref(),
            Some("(0, 1)")
        );
        assert_eq!(range_hint(Some(0.0), None, true).as_deref(), Some("> 0"));
        assert_eq!(range_hint(None, Some(5.0), false).as_deref(), Some("≤ 5"));
        assert_eq!(range_hint(None, None, true), None);
    }
}
