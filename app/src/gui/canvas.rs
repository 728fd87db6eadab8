//! The canvas: an egui-snarl view of the flow.
//!
//! The [`Snarl`] is a view rebuilt from `engine::Flow` whenever the document changes
//! (its own serde is not deterministic and it must never hold the truth). Connecting,
//! disconnecting, moving and the context menus turn into [`Command`]s; the app applies
//! them to the flow and the next frame's sync shows the result.
//!
//! Selection: snarl selects only with shift-click or a shift-drag box and has no
//! public setter, so the app keeps its own selection. A plain click on a node selects
//! it; nodes snarl adds or removes (box, shift-click) are merged into the app's
//! selection; then snarl's own selection is cleared by giving the widget a fresh id
//! (and restoring the pan/zoom), so it never moves nodes the user did not select.
//! Dragging one selected node moves every selected node.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use egui::emath::TSTransform;
use egui::{Color32, Id, Pos2, Rect, Stroke, Ui, Vec2};
use egui_snarl::ui::{
    BackgroundPattern, NodeLayout, PinPlacement, SelectionStyle, SnarlStyle, SnarlWidget,
    get_selected_nodes,
};
use egui_snarl::{InPinId, OutPinId, Snarl};
use pipewright_engine::{Edge, Edit, Flow, NodeId, Registry};

use super::canvas_viewer::Viewer;
use super::command::Command;
use super::run_state::RunView;
use super::theme;

/// Drag-and-drop payload of a palette entry: the kind's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindPayload(pub String);

/// The canvas' state between frames.
#[derive(Debug)]
pub struct Canvas {
    snarl: Snarl<NodeId>,
    ids: BTreeMap<NodeId, egui_snarl::NodeId>,
    synced: Option<u64>,
    /// Bumped to give the snarl widget a fresh id (clears snarl's own selection).
    generation: u64,
    /// The graph → screen transform of the last frame.
    transform: TSTransform,
    pending_transform: Option<TSTransform>,
    /// A fit-to-view waiting for node sizes (after opening a flow).
    pending_fit: bool,
    /// The canvas' screen rectangle in the last frame.
    rect: Rect,
    /// Node rectangles in graph coordinates, from the last frame.
    node_rects: HashMap<NodeId, Rect>,
    /// Pin label rows in graph coordinates: (node, is input, port index).
    pin_rows: HashMap<(NodeId, bool, usize), Rect>,
    /// Snarl positions at the end of the last frame (to detect and share drags).
    last_positions: HashMap<NodeId, Pos2>,
    last_snarl_selection: BTreeSet<NodeId>,
}

impl Default for Canvas {
    fn default() -> Self {
        Self {
            snarl: Snarl::new(),
            ids: BTreeMap::new(),
            synced: None,
            generation: 0,
            transform: TSTransform::IDENTITY,
            pending_transform: None,
            pending_fit: true,
            rect: Rect::NOTHING,
            node_rects: HashMap::new(),
            pin_rows: HashMap::new(),
            last_positions: HashMap::new(),
            last_snarl_selection: BTreeSet::new(),
        }
    }
}

fn pos2(p: (f32, f32)) -> Pos2 {
    Pos2::new(p.0, p.1)
}

impl Canvas {
    fn snarl_id(&self) -> Id {
        Id::new(("pipewright-canvas", self.generation))
    }

    /// The graph position at the centre of the view.
    pub fn view_center(&self) -> (f32, f32) {
        if !self.rect.is_positive() {
            return (0.0, 0.0);
        }
        let p = self.transform.inverse() * self.rect.center();
        (p.x, p.y)
    }

    /// The graph position under a screen position.
    pub fn to_graph(&self, screen: Pos2) -> (f32, f32) {
        let p = self.transform.inverse() * screen;
        (p.x, p.y)
    }

    /// The size of a node as drawn in the last frame (graph units).
    pub fn node_size(&self, id: NodeId) -> Option<Vec2> {
        self.node_rects.get(&id).map(Rect::size)
    }

    /// The screen rectangle of a node in the last frame.
    pub fn node_screen_rect(&self, id: NodeId) -> Option<Rect> {
        self.node_rects.get(&id).map(|r| self.transform * *r)
    }

    /// The screen position of a node's input (or output) pin number `index` in the
    /// last frame: on the node's left (right) edge, level with the port's name.
    pub fn pin_screen_pos(&self, id: NodeId, input: bool, index: usize) -> Option<Pos2> {
        let node = self.node_rects.get(&id)?;
        let row = self.pin_rows.get(&(id, input, index))?;
        let x = if input { node.min.x } else { node.max.x };
        Some(self.transform * Pos2::new(x, row.center().y))
    }

    /// The canvas' screen rectangle in the last frame.
    pub fn canvas_rect(&self) -> Rect {
        self.rect
    }

    /// Forgets the view (a new document was opened): the next frames fit it.
    pub fn reset_view(&mut self) {
        self.snarl = Snarl::new();
        self.ids.clear();
        self.synced = None;
        self.node_rects.clear();
        self.last_positions.clear();
        self.pending_fit = true;
        self.generation += 1;
        self.last_snarl_selection.clear();
    }

    /// Zooms and pans so every node is visible.
    pub fn fit(&mut self, flow: &Flow) {
        self.fit_with(flow, 0.3);
    }

    /// Fits like [`Canvas::fit`] but never below `min_scale`; a flow wider than the
    /// view then starts at its left edge (where flows begin) instead of its centre.
    fn fit_with(&mut self, flow: &Flow, min_scale: f32) {
        let mut bb = Rect::NOTHING;
        for n in &flow.nodes {
            let r = self
                .node_rects
                .get(&n.id)
                .copied()
                .unwrap_or_else(|| Rect::from_min_size(pos2(n.pos), Vec2::new(160.0, 80.0)));
            bb = bb.union(Rect::from_min_size(pos2(n.pos), r.size()));
        }
        if !bb.is_finite() || !self.rect.is_positive() {
            self.pending_fit = true;
            return;
        }
        let bb = bb.expand(40.0);
        let scale = (self.rect.width() / bb.width())
            .min(self.rect.height() / bb.height())
            .clamp(min_scale, 1.0);
        let mut translation = self.rect.center().to_vec2() - bb.center().to_vec2() * scale;
        if bb.width() * scale > self.rect.width() {
            translation.x = self.rect.min.x - bb.min.x * scale;
        }
        self.pending_transform = Some(TSTransform::new(translation, scale));
    }

    /// Pans so `node` is at the centre of the view.
    pub fn center_on(&mut self, flow: &Flow, node: NodeId) {
        let Some(n) = flow.node(node) else { return };
        let size = self
            .node_rects
            .get(&node)
            .map_or(Vec2::new(160.0, 80.0), Rect::size);
        let center = pos2(n.pos) + size / 2.0;
        let scale = self.transform.scaling;
        let translation = self.rect.center().to_vec2() - center.to_vec2() * scale;
        self.pending_transform = Some(TSTransform::new(translation, scale));
    }

    /// Brings the snarl in line with the flow (nodes, positions, wires).
    fn sync(&mut self, flow: &Flow, registry: &Registry, revision: u64) {
        if self.synced == Some(revision) {
            return;
        }
        self.synced = Some(revision);
        let gone: Vec<NodeId> = self
            .ids
            .keys()
            .filter(|id| flow.node(**id).is_none())
            .copied()
            .collect();
        for id in gone {
            if let Some(sid) = self.ids.remove(&id) {
                self.snarl.remove_node(sid);
            }
            self.last_positions.remove(&id);
        }
        for n in &flow.nodes {
            match self.ids.get(&n.id) {
                Some(sid) => {
                    if let Some(info) = self.snarl.get_node_info_mut(*sid) {
                        info.pos = pos2(n.pos);
                    }
                }
                None => {
                    let sid = self.snarl.insert_node(pos2(n.pos), n.id);
                    self.ids.insert(n.id, sid);
                }
            }
            self.last_positions.insert(n.id, pos2(n.pos));
        }
        let mut wanted = BTreeSet::new();
        for e in &flow.edges {
            if let Some(w) = self.wire_of(flow, registry, e) {
                wanted.insert(w);
            }
        }
        let present: Vec<(OutPinId, InPinId)> = self.snarl.wires().collect();
        for (o, i) in &present {
            if !wanted.contains(&(o.node.0, o.output, i.node.0, i.input)) {
                self.snarl.disconnect(*o, *i);
            }
        }
        let present: BTreeSet<_> = present
            .iter()
            .map(|(o, i)| (o.node.0, o.output, i.node.0, i.input))
            .collect();
        for w in wanted.difference(&present) {
            self.snarl.connect(
                OutPinId {
                    node: egui_snarl::NodeId(w.0),
                    output: w.1,
                },
                InPinId {
                    node: egui_snarl::NodeId(w.2),
                    input: w.3,
                },
            );
        }
    }

    fn wire_of(
        &self,
        flow: &Flow,
        registry: &Registry,
        e: &Edge,
    ) -> Option<(usize, usize, usize, usize)> {
        let from = flow.node(e.from.node)?;
        let to = flow.node(e.to.node)?;
        let out = registry
            .descriptor(&from.kind)?
            .outputs
            .iter()
            .position(|p| p.name == e.from.port)?;
        let inp = registry
            .descriptor(&to.kind)?
            .inputs
            .iter()
            .position(|p| p.name == e.to.port)?;
        Some((self.ids.get(&from.id)?.0, out, self.ids.get(&to.id)?.0, inp))
    }
}

/// Everything the canvas needs to draw one frame.
pub struct CanvasContext<'a> {
    /// The flow.
    pub flow: &'a Flow,
    /// Its revision (for the sync).
    pub revision: u64,
    /// Node kinds.
    pub registry: &'a Registry,
    /// The run shown, if any.
    pub run: Option<&'a RunView>,
    /// Validation messages by node.
    pub problems: &'a BTreeMap<NodeId, Vec<String>>,
    /// The selected nodes.
    pub selection: &'a [NodeId],
    /// Where commands go.
    pub commands: &'a mut Vec<Command>,
}

fn style(visuals: &egui::Visuals) -> SnarlStyle {
    let grid = if visuals.dark_mode {
        Color32::from_gray(34)
    } else {
        Color32::from_gray(228)
    };
    SnarlStyle {
        bg_pattern_stroke: Some(Stroke::new(1.0, grid)),
        node_layout: Some(NodeLayout::coil()),
        pin_placement: Some(PinPlacement::Edge),
        pin_size: Some(10.0),
        collapsible: Some(false),
        header_drag_space: Some(Vec2::ZERO),
        wire_width: Some(2.5),
        centering: Some(false),
        bg_pattern: Some(BackgroundPattern::grid(Vec2::new(40.0, 40.0), 0.0)),
        select_style: Some(SelectionStyle {
            margin: egui::Margin::ZERO,
            rounding: egui::CornerRadius::ZERO,
            fill: Color32::TRANSPARENT,
            stroke: Stroke::NONE,
        }),
        ..SnarlStyle::new()
    }
}

/// Frames each foreach section on the canvas: an outline around the foreach and the
/// steps that run once per item, headed by the foreach's label, its items and, during
/// or after a run, their progress.
fn foreach_frames(
    canvas: &Canvas,
    flow: &Flow,
    registry: &Registry,
    run: Option<&RunView>,
    ui: &Ui,
) {
    if !flow
        .nodes
        .iter()
        .any(|n| n.kind == pipewright_engine::FOREACH_KIND)
    {
        return;
    }
    let defaults = flow.param_defaults();
    let (sections, _) = pipewright_engine::foreach::sections(flow, registry, &defaults);
    let painter = ui.painter().with_clip_rect(canvas.rect);
    let color = theme::foreach_color(ui.visuals());
    for sec in &sections {
        let rects: Vec<Rect> = sec
            .body
            .iter()
            .chain([&sec.foreach])
            .filter_map(|id| canvas.node_screen_rect(*id))
            .collect();
        let Some(first) = rects.first() else { continue };
        let margin = 14.0 * canvas.transform.scaling.clamp(0.5, 1.5);
        let frame = rects.iter().fold(*first, |a, r| a.union(*r)).expand(margin);
        painter.rect_stroke(
            frame,
            egui::CornerRadius::same(10),
            Stroke::new(1.5, color),
            egui::StrokeKind::Outside,
        );
        let progress = run
            .and_then(|r| r.steps.get(&sec.foreach))
            .and_then(|s| s.progress())
            .map(|p| format!(" · {p}"))
            .unwrap_or_default();
        painter.text(
            frame.left_top() + egui::vec2(8.0, -4.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{} · {}{progress}", sec.label, sec.summary()),
            egui::FontId::proportional(13.0),
            color,
        );
    }
}

/// Draws the canvas and turns what the user did into commands.
pub fn canvas_ui(canvas: &mut Canvas, cx: CanvasContext<'_>, ui: &mut Ui) {
    canvas.sync(cx.flow, cx.registry, cx.revision);
    canvas.rect = ui.available_rect_before_wrap();
    if canvas.pending_fit {
        // Fit a freshly opened flow once its nodes have been measured; an empty flow
        // keeps the default view (so the first node lands where it is dropped).
        if cx.flow.nodes.is_empty() {
            canvas.pending_fit = false;
        } else if !canvas.node_rects.is_empty() {
            // Readable text beats seeing every node at once when a flow opens.
            canvas.pending_fit = false;
            canvas.fit_with(cx.flow, 0.75);
        }
    }
    let snarl_id = canvas.snarl_id();
    let time = ui.input(|i| i.time);
    let running = cx.run.is_some_and(RunView::is_running);
    let CanvasContext {
        flow,
        registry,
        run,
        problems,
        selection,
        commands,
        ..
    } = cx;

    ui.style_mut().interaction.selectable_labels = false;
    let mut viewer = Viewer {
        flow,
        registry,
        run,
        problems,
        selection,
        commands,
        transform: &mut canvas.transform,
        pending_transform: &mut canvas.pending_transform,
        node_rects: &mut canvas.node_rects,
        pin_rows: &mut canvas.pin_rows,
        time,
    };
    let response = SnarlWidget::new()
        .id(snarl_id)
        .style(style(ui.visuals()))
        .show(&mut canvas.snarl, &mut viewer, ui);
    let commands = viewer.commands;
    foreach_frames(canvas, flow, registry, run, ui);
    if running {
        // The running steps' headers pulse; keep the pace modest for the CPU.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(50));
    }
    if flow.nodes.is_empty() {
        ui.painter().text(
            canvas.rect.center(),
            egui::Align2::CENTER_CENTER,
            "Drag steps here from the palette, or right-click to add one",
            egui::FontId::proportional(16.0),
            ui.visuals().weak_text_color(),
        );
    }

    let (released, any_down, modifiers, latest) = ui.input(|i| {
        (
            i.pointer.any_released(),
            i.pointer.any_down(),
            i.modifiers,
            i.pointer.latest_pos(),
        )
    });

    // A palette entry dropped on the canvas adds a node where it was dropped.
    if released
        && let Some(pos) = latest
        && canvas.rect.contains(pos)
        && let Some(payload) = egui::DragAndDrop::take_payload::<KindPayload>(ui.ctx())
    {
        commands.push(Command::AddNode {
            kind: payload.0.clone(),
            pos: Some(canvas.to_graph(pos)),
        });
    }

    // Selection: plain clicks on nodes and on the background.
    let mut clicked_node = false;
    for (id, sid) in &canvas.ids {
        let frame_id = snarl_id.with(("snarl-node", *sid)).with("frame");
        if let Some(r) = ui.ctx().read_response(frame_id)
            && r.clicked()
        {
            clicked_node = true;
            if !modifiers.shift && !modifiers.command {
                commands.push(Command::Select(vec![*id]));
            }
        }
    }
    if !clicked_node && response.clicked() && !modifiers.shift && !modifiers.command {
        commands.push(Command::Select(Vec::new()));
    }

    // Merge what snarl selected (box, shift-click) into the app's selection.
    let snarl_selection: BTreeSet<NodeId> = get_selected_nodes(snarl_id, ui.ctx())
        .into_iter()
        .filter_map(|sid| canvas.snarl.get_node(sid).copied())
        .collect();
    if snarl_selection != canvas.last_snarl_selection {
        let mut next: BTreeSet<NodeId> = selection.iter().copied().collect();
        for added in snarl_selection.difference(&canvas.last_snarl_selection) {
            next.insert(*added);
        }
        for removed in canvas.last_snarl_selection.difference(&snarl_selection) {
            next.remove(removed);
        }
        canvas.last_snarl_selection = snarl_selection.clone();
        commands.push(Command::Select(next.into_iter().collect()));
    } else if !snarl_selection.is_empty()
        && !any_down
        && snarl_selection != selection.iter().copied().collect::<BTreeSet<_>>()
    {
        // Clear snarl's stale selection so it cannot drag nodes the user deselected.
        canvas.generation += 1;
        canvas.pending_transform = Some(canvas.transform);
        canvas.last_snarl_selection.clear();
    }

    // Moves: share a drag among the selected nodes, and record it when released.
    let mut moved_now = Vec::new();
    for (id, sid) in &canvas.ids {
        if let Some(info) = canvas.snarl.get_node_info(*sid)
            && canvas.last_positions.get(id) != Some(&info.pos)
        {
            moved_now.push(*id);
        }
    }
    if let Some(lead) = moved_now.iter().find(|id| selection.contains(id)) {
        let delta = canvas
            .ids
            .get(lead)
            .and_then(|sid| canvas.snarl.get_node_info(*sid))
            .zip(canvas.last_positions.get(lead))
            .map(|(info, last)| info.pos - *last);
        if let Some(delta) = delta {
            for id in selection.iter().filter(|id| !moved_now.contains(id)) {
                if let Some(info) = canvas
                    .ids
                    .get(id)
                    .and_then(|sid| canvas.snarl.get_node_info_mut(*sid))
                {
                    info.pos += delta;
                }
            }
        }
    }
    for (id, sid) in &canvas.ids {
        if let Some(info) = canvas.snarl.get_node_info(*sid) {
            canvas.last_positions.insert(*id, info.pos);
        }
    }
    if !any_down {
        let moves: Vec<(NodeId, (f32, f32))> = flow
            .nodes
            .iter()
            .filter_map(|n| {
                let p = canvas.last_positions.get(&n.id)?;
                let p = (p.x.round(), p.y.round());
                ((p.0 - n.pos.0).abs() > 0.5 || (p.1 - n.pos.1).abs() > 0.5).then_some((n.id, p))
            })
            .collect();
        if !moves.is_empty() {
            commands.push(Command::Edit {
                edit: Edit::MoveNodes(moves),
                coalesce: None,
            });
        }
    }
}
