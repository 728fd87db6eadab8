//! The snarl viewer of the canvas: node headers coloured by run status, typed pins,
//! footers with durations and problems, and the context menus. It only reads the
//! flow and pushes [`Command`]s; [`super::canvas`] owns the snarl and its sync.

use std::collections::{BTreeMap, HashMap};

use egui::emath::TSTransform;
use egui::{Color32, Pos2, Rect, RichText, Stroke, Ui};
use egui_snarl::ui::{PinInfo, SnarlViewer};
use egui_snarl::{InPin, OutPin, Snarl};
use pipewright_engine::{Edge, Edit, Flow, NodeId, Registry, StepStatus};

use super::command::Command;
use super::format::format_duration;
use super::run_state::{RunView, StepView};
use super::theme;

/// How the flow's steps are drawn and what dragging wires and the context menus
/// send, for one frame (egui-snarl's `SnarlViewer`).
pub struct Viewer<'a, 'c, 'k> {
    /// The flow drawn.
    pub flow: &'a Flow,
    /// Node kinds.
    pub registry: &'a Registry,
    /// The run whose step statuses colour the nodes.
    pub run: Option<&'a RunView>,
    /// Validation messages by node.
    pub problems: &'a BTreeMap<NodeId, Vec<String>>,
    /// The selected nodes.
    pub selection: &'a [NodeId],
    /// Where commands go.
    pub commands: &'k mut Vec<Command>,
    /// The graph → screen transform, recorded each frame.
    pub transform: &'c mut TSTransform,
    /// A transform to apply in this frame (fit, centre on a node).
    pub pending_transform: &'c mut Option<TSTransform>,
    /// Node rectangles in graph coordinates, recorded each frame.
    pub node_rects: &'c mut HashMap<NodeId, Rect>,
    /// Pin label rows in graph coordinates, recorded each frame.
    pub pin_rows: &'c mut HashMap<(NodeId, bool, usize), Rect>,
    /// The frame time (for the running animation).
    pub time: f64,
}

impl Viewer<'_, '_, '_> {
    fn status(&self, id: NodeId) -> Option<&StepView> {
        self.run.and_then(|r| r.steps.get(&id))
    }

    fn edge(&self, from: &OutPin, to: &InPin, snarl: &Snarl<NodeId>) -> Option<(Edge, bool)> {
        let f = self.flow.node(*snarl.get_node(from.id.node)?)?;
        let t = self.flow.node(*snarl.get_node(to.id.node)?)?;
        let out = self
            .registry
            .descriptor(&f.kind)?
            .outputs
            .get(from.id.output)?;
        let inp = self.registry.descriptor(&t.kind)?.inputs.get(to.id.input)?;
        Some((Edge::new(f.id, out.name, t.id, inp.name), inp.multiple))
    }
}

impl SnarlViewer<NodeId> for Viewer<'_, '_, '_> {
    fn title(&mut self, node: &NodeId) -> String {
        self.flow
            .node(*node)
            .map_or_else(|| node.to_string(), |n| n.label.clone())
    }

    fn current_transform(&mut self, to_global: &mut TSTransform, _snarl: &mut Snarl<NodeId>) {
        if let Some(t) = self.pending_transform.take() {
            *to_global = t;
        }
        *self.transform = *to_global;
    }

    fn node_frame(
        &mut self,
        default: egui::Frame,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        snarl: &Snarl<NodeId>,
    ) -> egui::Frame {
        let id = snarl[node];
        let mut frame = default.inner_margin(egui::Margin::symmetric(8, 6));
        if self.selection.contains(&id) {
            frame = frame.stroke(Stroke::new(2.5, Color32::from_rgb(0xfa, 0xcc, 0x15)));
        } else if self.problems.contains_key(&id) {
            frame = frame.stroke(Stroke::new(1.5, Color32::from_rgb(0xdc, 0x26, 0x26)));
        }
        frame
    }

    fn header_frame(
        &mut self,
        default: egui::Frame,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        snarl: &Snarl<NodeId>,
    ) -> egui::Frame {
        let id = snarl[node];
        let frame = default
            .inner_margin(egui::Margin::symmetric(6, 3))
            .corner_radius(4);
        match self.status(id).map(|s| s.status) {
            Some(StepStatus::Running) => {
                // A gentle pulse between two blues says "working".
                let t = (self.time * 3.0).sin() as f32 * 0.5 + 0.5;
                let a = theme::status_color(StepStatus::Running);
                let b = Color32::from_rgb(0x60, 0xa5, 0xfa);
                frame.fill(a.lerp_to_gamma(b, t))
            }
            Some(s) => frame.fill(theme::status_color(s)),
            None => frame,
        }
    }

    fn show_header(
        &mut self,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        let id = snarl[node];
        let label = self.title(&id);
        let status = self.status(id).cloned();
        ui.set_min_width(120.0);
        let colored = status.is_some();
        let mut text = RichText::new(label).strong();
        if colored {
            text = text.color(Color32::WHITE);
        }
        if let Some(s) = &status {
            ui.label(RichText::new(theme::status_icon(s.status)).color(Color32::WHITE));
        }
        let r = ui.label(text);
        if let Some(s) = &status {
            let mut tip = format!("{}", s.status);
            if let Some(d) = s.duration_secs {
                tip.push_str(&format!(" in {}", format_duration(d)));
            }
            if let Some(m) = &s.message {
                tip.push_str(&format!("\n{m}"));
            }
            r.on_hover_text(tip);
        }
        if let Some(msgs) = self.problems.get(&id) {
            let warn = ui.label(
                RichText::new("⚠")
                    .color(Color32::from_rgb(0xfb, 0xbf, 0x24))
                    .strong(),
            );
            warn.on_hover_text(msgs.join("\n"));
        }
    }

    fn inputs(&mut self, node: &NodeId) -> usize {
        self.flow
            .node(*node)
            .and_then(|n| self.registry.descriptor(&n.kind))
            .map_or(0, |d| d.inputs.len())
    }

    fn outputs(&mut self, node: &NodeId) -> usize {
        self.flow
            .node(*node)
            .and_then(|n| self.registry.descriptor(&n.kind))
            .map_or(0, |d| d.outputs.len())
    }

    #[allow(refining_impl_trait)]
    fn show_input(&mut self, pin: &InPin, ui: &mut Ui, snarl: &mut Snarl<NodeId>) -> PinInfo {
        let id = snarl[pin.id.node];
        let port = self
            .flow
            .node(id)
            .and_then(|n| self.registry.descriptor(&n.kind))
            .and_then(|d| d.inputs.get(pin.id.input));
        let Some(port) = port else {
            return PinInfo::circle();
        };
        let color = theme::type_color(port.ty);
        let mut name = RichText::new(port.name).small();
        if port.required && pin.remotes.is_empty() {
            name = name.italics();
        }
        let r = ui.label(name);
        self.pin_rows.insert((id, true, pin.id.input), r.rect);
        r.on_hover_text(format!(
            "input {}: {}{}\n{}",
            port.name,
            port.ty,
            if port.multiple {
                " (several wires)"
            } else {
                ""
            },
            port.doc
        ));
        PinInfo::circle().with_fill(color).with_wire_color(color)
    }

    #[allow(refining_impl_trait)]
    fn show_output(&mut self, pin: &OutPin, ui: &mut Ui, snarl: &mut Snarl<NodeId>) -> PinInfo {
        let id = snarl[pin.id.node];
        let port = self
            .flow
            .node(id)
            .and_then(|n| self.registry.descriptor(&n.kind))
            .and_then(|d| d.outputs.get(pin.id.output));
        let Some(port) = port else {
            return PinInfo::circle();
        };
        let color = theme::type_color(port.ty);
        let r = ui.label(RichText::new(port.name).small());
        self.pin_rows.insert((id, false, pin.id.output), r.rect);
        r.on_hover_text(format!("output {}: {}\n{}", port.name, port.ty, port.doc));
        PinInfo::circle().with_fill(color).with_wire_color(color)
    }

    fn has_footer(&mut self, node: &NodeId) -> bool {
        self.status(*node).is_some_and(|s| {
            s.duration_secs.is_some() || s.message.is_some() || s.progress().is_some()
        })
    }

    fn show_footer(
        &mut self,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        let id = snarl[node];
        let Some(s) = self.status(id).cloned() else {
            return;
        };
        let text = match (s.status, s.duration_secs) {
            // A step inside a foreach (and the foreach): its items' progress.
            _ if s.progress().is_some() => s.progress().unwrap_or_default(),
            (StepStatus::Cached, _) => "cached".to_owned(),
            (st, Some(d)) if st.is_ok() => format_duration(d),
            (st, _) => st.name().to_owned(),
        };
        let color = if s.status == StepStatus::Failed {
            theme::error_color(ui.visuals())
        } else {
            ui.visuals().weak_text_color()
        };
        let r = ui.label(RichText::new(text).small().color(color));
        if let Some(m) = &s.message {
            r.on_hover_text(m);
        }
    }

    fn final_node_rect(
        &mut self,
        node: egui_snarl::NodeId,
        rect: Rect,
        _ui: &mut Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        self.node_rects.insert(snarl[node], rect);
    }

    fn connect(&mut self, from: &OutPin, to: &InPin, snarl: &mut Snarl<NodeId>) {
        let Some((edge, multiple)) = self.edge(from, to, snarl) else {
            return;
        };
        // An input that takes one wire gets the new wire instead of the old one.
        let old: Vec<Edge> = if multiple {
            Vec::new()
        } else {
            self.flow
                .edges
                .iter()
                .filter(|e| e.to == edge.to && **e != edge)
                .cloned()
                .collect()
        };
        let edit = if old.is_empty() {
            Edit::Connect(edge)
        } else {
            let mut edits: Vec<Edit> = old.into_iter().map(Edit::Disconnect).collect();
            edits.push(Edit::Connect(edge));
            Edit::Batch(edits)
        };
        self.commands.push(Command::Edit {
            edit,
            coalesce: None,
        });
    }

    fn disconnect(&mut self, from: &OutPin, to: &InPin, snarl: &mut Snarl<NodeId>) {
        if let Some((edge, _)) = self.edge(from, to, snarl) {
            self.commands.push(Command::Edit {
                edit: Edit::Disconnect(edge),
                coalesce: None,
            });
        }
    }

    fn drop_outputs(&mut self, pin: &OutPin, snarl: &mut Snarl<NodeId>) {
        let edits: Vec<Edit> = pin
            .remotes
            .iter()
            .filter_map(|r| self.edge(pin, &snarl.in_pin(*r), snarl))
            .map(|(e, _)| Edit::Disconnect(e))
            .collect();
        if !edits.is_empty() {
            self.commands.push(Command::Edit {
                edit: Edit::Batch(edits),
                coalesce: None,
            });
        }
    }

    fn drop_inputs(&mut self, pin: &InPin, snarl: &mut Snarl<NodeId>) {
        let edits: Vec<Edit> = pin
            .remotes
            .iter()
            .filter_map(|r| self.edge(&snarl.out_pin(*r), pin, snarl))
            .map(|(e, _)| Edit::Disconnect(e))
            .collect();
        if !edits.is_empty() {
            self.commands.push(Command::Edit {
                edit: Edit::Batch(edits),
                coalesce: None,
            });
        }
    }

    fn has_graph_menu(&mut self, _pos: Pos2, _snarl: &mut Snarl<NodeId>) -> bool {
        true
    }

    fn show_graph_menu(&mut self, pos: Pos2, ui: &mut Ui, _snarl: &mut Snarl<NodeId>) {
        ui.label(RichText::new("Add node").weak());
        for category in self.registry.categories() {
            let kinds: Vec<_> = self
                .registry
                .kinds()
                .filter(|k| k.category == category)
                .collect();
            if kinds.is_empty() {
                continue;
            }
            ui.menu_button(category.title(), |ui| {
                for k in kinds {
                    if ui.button(k.title).on_hover_text(k.doc).clicked() {
                        self.commands.push(Command::AddNode {
                            kind: k.id.to_owned(),
                            pos: Some((pos.x, pos.y)),
                        });
                        ui.close();
                    }
                }
            });
        }
        ui.separator();
        if ui.button("Paste").clicked() {
            self.commands.push(Command::Paste);
            ui.close();
        }
        if ui.button("Select all").clicked() {
            self.commands.push(Command::SelectAll);
            ui.close();
        }
        if ui.button("Auto-layout").clicked() {
            self.commands.push(Command::AutoLayout);
            ui.close();
        }
        if ui.button("Fit to view").clicked() {
            self.commands.push(Command::FitView);
            ui.close();
        }
    }

    fn has_node_menu(&mut self, _node: &NodeId) -> bool {
        true
    }

    fn show_node_menu(
        &mut self,
        node: egui_snarl::NodeId,
        _inputs: &[InPin],
        _outputs: &[OutPin],
        ui: &mut Ui,
        snarl: &mut Snarl<NodeId>,
    ) {
        let id = snarl[node];
        if !self.selection.contains(&id) {
            self.commands.push(Command::Select(vec![id]));
        }
        for (label, cmd) in [
            ("Duplicate", Command::DuplicateSelection),
            ("Copy", Command::CopySelection),
            ("Cut", Command::CutSelection),
            ("Delete", Command::DeleteSelection),
        ] {
            if ui.button(label).clicked() {
                self.commands.push(cmd);
                ui.close();
            }
        }
    }
}
