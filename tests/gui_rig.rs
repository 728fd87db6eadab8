//! The one rig the GUI tests drive the editor with (`gui` and `gui_runs`): an
//! [`EditorApp`] in an egui_kittest harness on a temporary store, with scripted file
//! dialogs, optionally runs seeded into the store first, and the gestures a user makes
//! (drag from the palette, wire ports, click by label, press keys, type into fields).
//!
//! Waiting is always for a condition: [`Rig::wait_until`] steps frames until it holds
//! or a deadline passes, and panics naming what it waited for. Background work (runs,
//! reading the store) shares two cores with the rest of the suite in CI, so the
//! deadline is generous; a passing test never waits for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use pipewright::gui::{EditorApp, EditorOptions};
use pipewright_engine::{
    Engine, Flow, NodeId, Registry, RunOptions, RunRecord, RunStatus, Store, Value,
};

use crate::util::Scripted;

/// How long [`Rig::wait_until`] waits before it fails the test.
const DEADLINE: Duration = Duration::from_secs(60);

/// Frames [`Rig::settle`] steps: enough for a click to become a command, the command
/// to be drained and the result drawn (a run in progress keeps repainting, so "until
/// idle" would not end).
const SETTLE_FRAMES: usize = 12;

/// Builds a [`Rig`]: registry, examples folder, window size, runs seeded into the
/// store and a flow to open before the first frame.
pub struct RigBuilder {
    registry: Arc<Registry>,
    examples_dir: Option<PathBuf>,
    size: Vec2,
    open: Option<PathBuf>,
    dir: tempfile::TempDir,
    seeded: Vec<RunRecord>,
}

impl RigBuilder {
    /// The folder the editor lists under File ▸ Open example.
    pub fn examples_dir(mut self, dir: PathBuf) -> Self {
        self.examples_dir = Some(dir);
        self
    }

    /// The window size in points (1400 × 900 unless set).
    pub fn size(mut self, width: f32, height: f32) -> Self {
        self.size = Vec2::new(width, height);
        self
    }

    /// A flow file the editor opens before its first frame.
    pub fn open(mut self, path: &Path) -> Self {
        self.open = Some(path.to_owned());
        self
    }

    /// The rig's temporary folder (the store is its `store/`; tests may put files here).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `flow` once per set of overrides, through the engine, into the rig's store,
    /// one after another with distinct start times (so "newest first" is well defined).
    pub fn seed_runs(
        mut self,
        flow: &Flow,
        base_dir: &Path,
        overrides: impl IntoIterator<Item = BTreeMap<String, Value>>,
    ) -> Self {
        let store = Store::open(self.dir.path().join("store")).unwrap();
        let engine = Engine::new(self.registry.clone(), store);
        for overrides in overrides {
            let options = RunOptions {
                overrides: overrides.clone(),
                base_dir: base_dir.to_owned(),
                ..RunOptions::default()
            };
            let run = engine
                .run(flow, options, |_| {})
                .unwrap_or_else(|e| panic!("seeding a run of {} {overrides:?}: {e}", flow.name));
            // The next run must start later than this one: wait for the clock, not a
            // fixed time.
            while chrono::Utc::now() <= run.started_at {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.seeded.push(run);
        }
        self
    }

    /// The editor in a harness, stepped until its first frames are drawn.
    pub fn build(self) -> Rig {
        let dialogs = Scripted::default();
        let options = EditorOptions {
            dialogs: Box::new(dialogs.clone()),
            examples_dir: self.examples_dir,
            settings: Default::default(),
        };
        let store_dir = self.dir.path().join("store");
        let mut app = EditorApp::new(self.registry, &store_dir, options)
            .expect("the editor opens on a temporary store");
        if let Some(path) = &self.open {
            app.open_path(path)
                .unwrap_or_else(|e| panic!("{} does not open: {e}", path.display()));
        }
        // 60 frames a second: the default step of 0.25 s makes two clicks too far
        // apart to be a double-click.
        let harness = Harness::builder()
            .with_size(self.size)
            .with_max_steps(64)
            .with_step_dt(1.0 / 60.0)
            .build_ui_state(|ui, app: &mut EditorApp| app.ui(ui), app);
        let mut rig = Rig {
            harness,
            dialogs,
            store: Store::open(&store_dir).unwrap(),
            runs: self.seeded,
            dir: self.dir,
        };
        rig.settle();
        rig
    }
}

/// The editor under test, with what the test needs to drive it and check it.
pub struct Rig {
    /// The harness: find widgets, click, type, step frames.
    pub harness: Harness<'static, EditorApp>,
    /// The file dialogs' answers, queued by the test.
    pub dialogs: Scripted,
    /// The store the editor reads and writes.
    pub store: Store,
    /// The runs seeded into the store, oldest first.
    pub runs: Vec<RunRecord>,
    /// The temporary folder holding the store; removed when the rig is dropped.
    pub dir: tempfile::TempDir,
}

impl Rig {
    /// A rig on `registry`; see [`RigBuilder`] for the options.
    pub fn builder(registry: Registry) -> RigBuilder {
        RigBuilder {
            registry: Arc::new(registry),
            examples_dir: None,
            size: Vec2::new(1400.0, 900.0),
            open: None,
            dir: tempfile::tempdir().unwrap(),
            seeded: Vec::new(),
        }
    }

    /// The editor's state.
    pub fn app(&self) -> &EditorApp {
        self.harness.state()
    }

    /// Steps a few frames so the last gesture takes effect.
    pub fn settle(&mut self) {
        for _ in 0..SETTLE_FRAMES {
            self.harness.step();
        }
    }

    /// Steps frames until `cond` holds, then settles; fails the test naming `what`
    /// when it does not hold by the deadline.
    #[track_caller]
    pub fn wait_until(&mut self, what: &str, mut cond: impl FnMut(&mut Self) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.harness.step();
            if cond(self) {
                self.settle();
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {DEADLINE:?} waiting for {what}"
            );
            // Let the background threads work between frames.
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until the current run has ended and returns how it ended.
    #[track_caller]
    pub fn wait_for_run(&mut self) -> RunStatus {
        self.wait_until("the run to finish", |rig| {
            rig.app()
                .run_status()
                .is_some_and(|s| s != RunStatus::Running)
        });
        self.app().run_status().expect("the run has a status")
    }

    /// Waits until the Runs tab lists `n` runs (it reads the store in the background).
    #[track_caller]
    pub fn wait_for_list(&mut self, n: usize) {
        let label = format!("Runs ({n})");
        self.wait_until(&format!("the Runs tab to list {n} runs"), |rig| {
            rig.harness.query_by_label(&label).is_some()
        });
    }

    /// Clicks the Runs tab, "Runs" or "Runs (n)" once a listing arrived.
    pub fn click_runs_tab(&mut self) {
        self.harness
            .get_by(|n| {
                n.role() == egui::accesskit::Role::Button
                    && n.label()
                        .is_some_and(|l| l == "Runs" || l.starts_with("Runs ("))
            })
            .click();
    }

    /// Opens the Runs tab and waits until it lists every seeded run.
    #[track_caller]
    pub fn open_runs_tab(&mut self) {
        self.click_runs_tab();
        self.wait_for_list(self.runs.len());
    }

    /// A point of the canvas, as fractions of its width and height.
    pub fn canvas_point(&self, fx: f32, fy: f32) -> Pos2 {
        let r = self.app().canvas_rect();
        Pos2::new(r.min.x + r.width() * fx, r.min.y + r.height() * fy)
    }

    /// Drags from `from` to `to` with the primary button, in small moves.
    pub fn drag(&mut self, from: Pos2, to: Pos2) {
        self.harness.hover_at(from);
        self.harness.step();
        self.harness.drag_at(from);
        self.harness.step();
        for i in 1..=8 {
            let t = i as f32 / 8.0;
            self.harness.hover_at(from + (to - from) * t);
            self.harness.step();
        }
        self.harness.drop_at(to);
        self.settle();
    }

    /// Adds a node by dragging the palette entry titled `title` to `at`.
    #[track_caller]
    pub fn drag_from_palette(&mut self, title: &str, at: Pos2) -> NodeId {
        let before: Vec<NodeId> = self.app().flow().nodes.iter().map(|n| n.id).collect();
        // A palette entry's label is its title behind the type dot's room; an exact
        // match first, so "Predict" does not also find "Predict classes".
        let exact = format!("     {title}");
        let screen = self.harness.ctx.content_rect();
        let entry = |rig: &Self| match rig.harness.query_by_label(&exact) {
            Some(node) => node.rect(),
            None => rig.harness.get_by_label_contains(title).rect(),
        };
        // The palette is longer than the window, its lower part behind the bottom panel
        // and its upper part, once scrolled, under the search box: an entry outside the
        // band between is scrolled into it with the mouse wheel over the palette first,
        // as a user would.
        let (top, bottom) = (screen.max.y * 0.15, screen.max.y * 0.6);
        for _ in 0..40 {
            let r = entry(self);
            let dy = if r.max.y > bottom {
                -120.0
            } else if r.min.y < top {
                120.0
            } else {
                break;
            };
            self.harness
                .hover_at(Pos2::new(r.center().x, screen.center().y));
            self.harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: Vec2::new(0.0, dy),
                phase: egui::TouchPhase::Move,
                modifiers: Modifiers::NONE,
            });
            self.settle();
        }
        let from = entry(self).center();
        self.drag(from, at);
        let added: Vec<NodeId> = self
            .app()
            .flow()
            .nodes
            .iter()
            .map(|n| n.id)
            .filter(|id| !before.contains(id))
            .collect();
        assert_eq!(added.len(), 1, "one node added by dragging {title:?}");
        added[0]
    }

    /// Drags a wire from output `out` of `from` to input `inp` of `to`.
    #[track_caller]
    pub fn connect(&mut self, from: NodeId, out: &str, to: NodeId, inp: &str) {
        let a = self
            .app()
            .pin_screen_pos(from, out, false)
            .unwrap_or_else(|| panic!("no output {out:?} on {from:?}"));
        let b = self
            .app()
            .pin_screen_pos(to, inp, true)
            .unwrap_or_else(|| panic!("no input {inp:?} on {to:?}"));
        self.drag(a, b);
    }

    /// Clicks a node's title bar.
    #[track_caller]
    pub fn click_node(&mut self, id: NodeId) {
        let r = self
            .app()
            .node_screen_rect(id)
            .unwrap_or_else(|| panic!("{id:?} is not on screen"));
        let p = Pos2::new(r.center().x, r.min.y + 12.0);
        self.harness.hover_at(p);
        self.harness.step();
        self.harness.drag_at(p);
        self.harness.step();
        self.harness.drop_at(p);
        self.settle();
    }

    /// Types `text` into the palette's search box (which keeps the focus).
    pub fn search_palette(&mut self, text: &str) {
        let search = |n: &egui_kittest::kittest::AccessKitNode<'_>| {
            n.role() == egui::accesskit::Role::TextInput && n.label().as_deref() == Some("Palette")
        };
        self.harness.get_by(search).click();
        self.harness.step();
        // Replace what an earlier search left there.
        self.harness
            .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
        self.harness.get_by(search).type_text(text);
        self.settle();
    }

    /// Presses `key` with `modifiers`.
    pub fn key(&mut self, modifiers: Modifiers, key: Key) {
        self.harness.key_press_modifiers(modifiers, key);
        self.settle();
    }

    /// Clicks the widget labelled exactly `label`.
    #[track_caller]
    pub fn click_label(&mut self, label: &str) {
        self.harness.get_by_label(label).click();
        self.settle();
    }

    /// Types `text` into the text field labelled `label`, replacing what is there,
    /// and presses Enter.
    #[track_caller]
    pub fn type_into(&mut self, label: &str, text: &str) {
        let role = egui::accesskit::Role::TextInput;
        self.harness.get_by_role_and_label(role, label).click();
        self.harness.step();
        self.harness
            .key_combination_modifiers(Modifiers::COMMAND, &[Key::A]);
        if text.is_empty() {
            self.harness.key_press(Key::Backspace);
        } else {
            self.harness
                .get_by_role_and_label(role, label)
                .type_text(text);
        }
        self.harness.key_press(Key::Enter);
        self.settle();
    }

    /// The text field showing `hint` while empty.
    #[track_caller]
    pub fn field<'a>(&'a self, hint: &'a str) -> egui_kittest::Node<'a> {
        self.harness.get_by(|n| {
            n.role() == egui::accesskit::Role::TextInput && n.placeholder() == Some(hint)
        })
    }

    /// The texts (label, else value) of every widget whose text starts with
    /// `prefix`, in the order the window lists them.
    pub fn labels_starting(&self, prefix: &str) -> Vec<String> {
        self.harness
            .query_all_by(|n| {
                n.label()
                    .or_else(|| n.value())
                    .is_some_and(|t| t.starts_with(prefix))
            })
            .filter_map(|n| {
                let n = n.accesskit_node();
                n.label().or_else(|| n.value())
            })
            .collect()
    }

    /// The combo box labelled `label`.
    #[track_caller]
    pub fn combo<'a>(&'a self, label: &'a str) -> egui_kittest::Node<'a> {
        self.harness
            .get_by_role_and_label(egui::accesskit::Role::ComboBox, label)
    }

    /// The id of the `i`-th seeded run.
    pub fn id(&self, i: usize) -> String {
        self.runs[i].id.clone()
    }

    /// Ticks the `i`-th seeded run's checkbox in the Runs tab.
    #[track_caller]
    pub fn check(&mut self, i: usize) {
        let label = format!("check run {}", self.id(i));
        self.harness.get_by_label(&label).click();
        self.settle();
    }

    /// The y position of the `i`-th seeded run's id on screen, for order checks.
    #[track_caller]
    pub fn row_y(&self, i: usize) -> f32 {
        self.harness.get_by_label(&self.id(i)).rect().center().y
    }

    /// Whether the Runs tab lists the `i`-th seeded run.
    pub fn is_listed(&self, i: usize) -> bool {
        self.harness.query_by_label(&self.id(i)).is_some()
    }

    /// The numbers shown right of a label `name` on its line (a table row): (label
    /// text, value, tolerance), as [`shown_number`] reads them. The label is `name`
    /// itself or `name` and a suffix after a space (such as "rmse ⏷"); with several
    /// such labels on screen, the numbers of all their rows.
    #[track_caller]
    pub fn numbers_in_row(&self, name: &str) -> Vec<(String, f64, f64)> {
        let suffixed = format!("{name} ");
        let rows: Vec<egui::Rect> = self
            .harness
            .query_all_by(|n| shown_text(n).is_some_and(|t| t == name || t.starts_with(&suffixed)))
            .map(|n| n.rect())
            .collect();
        assert!(!rows.is_empty(), "no label {name:?} on screen");
        self.harness
            .query_all_by(|n| shown_text(n).is_some())
            .filter(|n| {
                let r = n.rect();
                rows.iter().any(|row| {
                    r.min.x >= row.max.x
                        && (r.center().y - row.center().y).abs() < row.height() / 2.0
                })
            })
            .filter_map(|n| {
                let text = shown_text(&n.accesskit_node())?;
                let (value, tolerance) = shown_number(&text)?;
                Some((text, value, tolerance))
            })
            .collect()
    }
}

/// The text a widget shows: AccessKit keeps a label's text as its value, other
/// widgets' as their label (as kittest's `By::label` reads them).
fn shown_text(n: &egui_kittest::kittest::AccessKitNode<'_>) -> Option<String> {
    if n.role() == egui::accesskit::Role::Label {
        n.value()
    } else {
        n.label()
    }
}

/// The number a label shows — `0.4`, `★ 1.5432`, `(-0.2)`, `1.234e-5` — and how far
/// the value behind it may be from it given the digits shown: half a unit of the last
/// digit. `None` when the label is not a number.
pub fn shown_number(text: &str) -> Option<(f64, f64)> {
    let t = text.trim();
    let t = t.strip_prefix('★').unwrap_or(t).trim();
    let t = t
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(t);
    if !t.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return None; // "inf", "NaN" and words are not numbers shown with digits
    }
    let value: f64 = t.parse().ok()?;
    let (mantissa, exponent) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (t, 0),
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len());
    let decimals = i32::try_from(decimals).ok()?;
    Some((value, 0.5 * 10f64.powi(exponent - decimals)))
}

#[test]
fn shown_numbers_are_read_with_the_precision_they_show() {
    assert_eq!(shown_number("0.4"), Some((0.4, 0.05)));
    assert_eq!(shown_number("★ 1.5432"), Some((1.5432, 0.5e-4)));
    assert_eq!(shown_number("(-0.2)"), Some((-0.2, 0.05)));
    assert_eq!(shown_number("(+12)"), Some((12.0, 0.5)));
    let (v, tol) = shown_number("1.234e-5").unwrap();
    assert_eq!(v, 1.234e-5);
    assert!((tol - 0.5e-8).abs() < 1e-20, "{tol}");
    for not in ["rmse", "inf", "Runs (2)", "", "★"] {
        assert_eq!(shown_number(not), None, "{not:?}");
    }
}
