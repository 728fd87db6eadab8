//! The Runs list without a window: its rows (what each run shows, computed once),
//! the filters, the sort order, the visible rows and the checked runs. The drawing
//! is in [`super::ui`]; this file has no egui in it, so its rules are unit-tested.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pipewright_engine::{Goal, RunRecord, RunStatus, Value};

use crate::gui::format::{format_time, value_text};

/// One listed run, with what the list shows computed once.
#[derive(Clone, Debug)]
pub struct Row {
    /// The run's record.
    pub record: Arc<RunRecord>,
    /// Its metrics, by `step.metric`.
    pub metrics: BTreeMap<String, f64>,
    /// Whether higher or lower is better for each metric, as the run recorded it.
    pub goals: BTreeMap<String, Goal>,
    /// The flow parameters it changed from their defaults.
    pub changed: BTreeMap<String, Value>,
    /// Its wall time, once ended.
    pub duration_secs: Option<f64>,
    /// When it started, in local time.
    pub started: String,
    /// For a run with a foreach whose join chose an item: `alpha = 0.01 (r2 = 0.93)`.
    pub best: Option<String>,
    /// Lower-case text the filter searches: id, flow, status, user, tags, parameter values.
    haystack: String,
}

impl Row {
    /// The row of a run.
    pub fn new(record: RunRecord) -> Self {
        // One walk over the tasks gives both maps, by the same `Step.metric` key.
        let list = record.metric_list();
        let metrics = list.iter().map(|m| (m.key.clone(), m.value)).collect();
        let goals = list.into_iter().map(|m| (m.key, m.goal)).collect();
        let changed = record.changed_params();
        let started = format_time(&record.started_at);
        let mut haystack = format!(
            "{} {} {} {} {}",
            record.id,
            record.flow_name,
            record.status,
            record.user,
            record.tags.join(" ")
        );
        // Every value the run used, defaults included, as the table shows them.
        for (k, v) in &record.params {
            haystack.push_str(&format!(" {k}={v}"));
        }
        let best = record.best_item().map(|(_, c)| c.describe());
        if let Some(b) = &best {
            haystack.push(' ');
            haystack.push_str(b);
        }
        Self {
            best,
            duration_secs: record.duration_secs(),
            haystack: haystack.to_lowercase(),
            record: Arc::new(record),
            metrics,
            goals,
            changed,
            started,
        }
    }

    /// The run's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }
}

/// A sortable column of the list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// The run's id.
    Id,
    /// The flow's name.
    Flow,
    /// When it started.
    Started,
    /// How long it took.
    Duration,
    /// Its status.
    Status,
    /// A flow parameter.
    Param(String),
    /// A metric (`step.metric`).
    Metric(String),
    /// The item a foreach's join chose, and its score.
    Best,
    /// Its tags.
    Tags,
}

impl Column {
    /// The direction a first click on the column sorts: metrics best first (by the
    /// metric's `goal`), dates and durations largest first, the rest A to Z.
    pub fn default_descending(&self, goal: Goal) -> bool {
        match self {
            Column::Metric(_) => goal == Goal::Maximize,
            Column::Started | Column::Duration => true,
            _ => false,
        }
    }
}

/// Filters of the list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Only runs with this status.
    pub status: Option<RunStatus>,
    /// Only runs with this tag.
    pub tag: Option<String>,
    /// Only runs whose text (id, flow, status, user, tags, `name=value` of changed
    /// parameters) contains every word, ignoring case.
    pub text: String,
}

impl Filter {
    fn keeps(&self, row: &Row, words: &[&str]) -> bool {
        self.status.is_none_or(|s| row.record.status == s)
            && self
                .tag
                .as_ref()
                .is_none_or(|t| row.record.tags.contains(t))
            && words.iter().all(|w| row.haystack.contains(w))
    }
}

/// A column and whether it sorts descending.
pub type Sort = (Column, bool);

/// The rows in the store, what the filters leave and which runs are checked.
#[derive(Debug)]
pub struct RunList {
    rows: Vec<Row>,
    /// The filters (the UI edits them in place; the visible rows follow next frame).
    pub filter: Filter,
    sort: Sort,
    visible: Vec<usize>,
    visible_key: Option<(Filter, Sort, u64)>,
    /// Bumped whenever the rows change, so the visible rows are recomputed.
    generation: u64,
    /// Every listed metric and its goal (the first run that gives it a direction
    /// decides), computed when the rows change rather than every frame.
    goals: BTreeMap<String, Goal>,
    checked: BTreeSet<String>,
    /// The row (position among the visible ones) a Shift+click range starts from.
    anchor: Option<usize>,
}

impl Default for RunList {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            filter: Filter::default(),
            sort: (Column::Started, true),
            visible: Vec::new(),
            visible_key: None,
            generation: 0,
            goals: BTreeMap::new(),
            checked: BTreeSet::new(),
            anchor: None,
        }
    }
}

impl RunList {
    /// Every row, in the store's order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Replaces the rows (a new listing); checks of runs no longer listed are dropped.
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let ids: BTreeSet<&str> = rows.iter().map(Row::id).collect();
        self.checked.retain(|id| ids.contains(id.as_str()));
        self.rows = rows;
        self.rows_changed();
    }

    fn rows_changed(&mut self) {
        self.generation += 1;
        self.goals.clear();
        for r in &self.rows {
            for (k, g) in &r.goals {
                let slot = self.goals.entry(k.clone()).or_insert(*g);
                if *slot == Goal::Neutral {
                    *slot = *g;
                }
            }
        }
    }

    /// The row of a run, if listed.
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id() == id)
    }

    /// Puts a changed record (new tags) in its row.
    pub fn replace_record(&mut self, record: RunRecord) {
        if let Some(row) = self.rows.iter_mut().find(|r| r.id() == record.id) {
            *row = Row::new(record);
        }
        self.rows_changed();
    }

    /// The sort order.
    pub fn sort(&self) -> &Sort {
        &self.sort
    }

    /// A click on a column title: the same column flips, another one sorts in its
    /// default direction.
    pub fn click_column(&mut self, column: &Column) {
        if self.sort.0 == *column {
            self.sort.1 = !self.sort.1;
        } else {
            let goal = match column {
                Column::Metric(m) => self.goal(m),
                _ => Goal::Neutral,
            };
            self.sort = (column.clone(), column.default_descending(goal));
        }
    }

    /// Recomputes the visible rows when the filters, the sort or the rows changed.
    pub fn refresh_visible(&mut self) {
        let key = (self.filter.clone(), self.sort.clone(), self.generation);
        if self.visible_key.as_ref() == Some(&key) {
            return;
        }
        self.visible = visible_rows(&self.rows, &self.filter, &self.sort);
        self.visible_key = Some(key);
    }

    /// The rows the filters leave, sorted (indices into [`RunList::rows`]), as of the
    /// last [`RunList::refresh_visible`].
    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    /// Whether higher or lower is better for a listed metric, as the runs recorded it
    /// (neutral when none of them gives it a direction).
    pub fn goal(&self, metric: &str) -> Goal {
        self.goals.get(metric).copied().unwrap_or_default()
    }

    /// Whether any listed run has a foreach whose join chose an item.
    pub fn has_best(&self) -> bool {
        self.rows.iter().any(|r| r.best.is_some())
    }

    /// The metrics with a direction (higher or lower is better) of any listed run:
    /// counts such as `n` are not columns.
    pub fn metric_columns(&self) -> Vec<String> {
        self.goals
            .iter()
            .filter(|(_, g)| **g != Goal::Neutral)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Every flow parameter of a listed run: each run records the value it ran with,
    /// its flow's default included, so a column is there before any run changes it.
    pub fn param_columns(&self) -> Vec<String> {
        let names: BTreeSet<&String> = self
            .rows
            .iter()
            .flat_map(|r| r.record.params.keys())
            .collect();
        names.into_iter().cloned().collect()
    }

    /// Every tag of a listed run.
    pub fn tags(&self) -> BTreeSet<&String> {
        self.rows.iter().flat_map(|r| &r.record.tags).collect()
    }

    // ---- checked runs ---------------------------------------------------------------

    /// Whether a run is checked.
    pub fn is_checked(&self, id: &str) -> bool {
        self.checked.contains(id)
    }

    /// Every checked run (listed or hidden by the filters).
    pub fn checked(&self) -> &BTreeSet<String> {
        &self.checked
    }

    /// The checked runs the filters leave, in the list's order (the first is a
    /// comparison's baseline).
    pub fn checked_in_order(&self) -> Vec<String> {
        self.visible
            .iter()
            .map(|i| self.rows[*i].id())
            .filter(|id| self.checked.contains(*id))
            .map(str::to_owned)
            .collect()
    }

    /// Whether every visible run is checked (and there is one).
    pub fn all_visible_checked(&self) -> bool {
        !self.visible.is_empty()
            && self
                .visible
                .iter()
                .all(|i| self.is_checked(self.rows[*i].id()))
    }

    /// Checks or unchecks every visible run.
    pub fn check_all_visible(&mut self, on: bool) {
        for i in &self.visible {
            let id = self.rows[*i].id();
            if on {
                self.checked.insert(id.to_owned());
            } else {
                self.checked.remove(id);
            }
        }
    }

    /// Checks or unchecks the run at `pos` of the visible rows (its checkbox); a
    /// later Shift+click range starts there.
    pub fn set_checked(&mut self, pos: usize, on: bool) {
        if let Some(id) = self.visible_id(pos) {
            if on {
                self.checked.insert(id);
            } else {
                self.checked.remove(&id);
            }
            self.anchor = Some(pos);
        }
    }

    /// Flips the check of the run at `pos` (Ctrl+click); a range starts there.
    pub fn toggle_checked(&mut self, pos: usize) {
        if let Some(id) = self.visible_id(pos) {
            if !self.checked.remove(&id) {
                self.checked.insert(id);
            }
            self.anchor = Some(pos);
        }
    }

    /// Checks every visible run from the anchor (the last clicked row, or `pos`
    /// itself) to `pos` (Shift+click).
    pub fn check_range(&mut self, pos: usize) {
        let from = self.anchor.unwrap_or(pos);
        let (lo, hi) = (from.min(pos), from.max(pos));
        for p in lo..=hi {
            if let Some(id) = self.visible_id(p) {
                self.checked.insert(id);
            }
        }
    }

    /// A plain click on the row at `pos`: a later range starts there.
    pub fn set_anchor(&mut self, pos: usize) {
        self.anchor = Some(pos);
    }

    /// Unchecks runs (they are being deleted).
    pub fn uncheck(&mut self, ids: &[String]) {
        for id in ids {
            self.checked.remove(id);
        }
    }

    fn visible_id(&self, pos: usize) -> Option<String> {
        self.visible.get(pos).map(|i| self.rows[*i].id().to_owned())
    }
}

/// The rows `filter` leaves, sorted by `sort` (ties: the newer id first).
pub fn visible_rows(rows: &[Row], filter: &Filter, sort: &Sort) -> Vec<usize> {
    let text = filter.text.trim().to_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut visible: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| filter.keeps(r, &words))
        .map(|(i, _)| i)
        .collect();
    let (column, descending) = sort;
    visible.sort_by(|a, b| {
        let (ra, rb) = (&rows[*a], &rows[*b]);
        compare_rows(ra, rb, column, *descending).then_with(|| rb.id().cmp(ra.id()))
    });
    visible
}

fn cmp_opt_f64(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => {
            let o = a.total_cmp(&b);
            if descending { o.reverse() } else { o }
        }
        // Runs without the value go last either way.
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn compare_rows(a: &Row, b: &Row, column: &Column, descending: bool) -> Ordering {
    let flip = |o: Ordering| if descending { o.reverse() } else { o };
    match column {
        Column::Id => flip(a.record.id.cmp(&b.record.id)),
        Column::Flow => flip(a.record.flow_name.cmp(&b.record.flow_name)),
        Column::Started => flip(a.record.started_at.cmp(&b.record.started_at)),
        Column::Duration => cmp_opt_f64(a.duration_secs, b.duration_secs, descending),
        Column::Status => flip(a.record.status.name().cmp(b.record.status.name())),
        Column::Tags => flip(a.record.tags.join(",").cmp(&b.record.tags.join(","))),
        Column::Best => match (&a.best, &b.best) {
            (Some(x), Some(y)) => flip(x.cmp(y)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        Column::Metric(m) => cmp_opt_f64(
            a.metrics.get(m).copied(),
            b.metrics.get(m).copied(),
            descending,
        ),
        Column::Param(p) => {
            let num = |r: &Row| match r.record.params.get(p) {
                Some(Value::Float(x)) => Some(*x),
                Some(Value::Int(x)) => Some(*x as f64),
                _ => None,
            };
            let text = |r: &Row| r.record.params.get(p).map(value_text).unwrap_or_default();
            match (num(a), num(b)) {
                (Some(x), Some(y)) => cmp_opt_f64(Some(x), Some(y), descending),
                _ => flip(text(a).cmp(&text(b))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use pipewright_engine::{Flow, FlowParam, ParamType};

    /// A run `id` started `minute` minutes past the hour, taking `secs` seconds
    /// (`None`: still going), with parameter `alpha` and tags.
    fn record(
        id: &str,
        minute: u32,
        secs: Option<i64>,
        status: RunStatus,
        alpha: Value,
        tags: &[&str],
    ) -> RunRecord {
        let mut flow = Flow::new("flow");
        flow.parameters.push(FlowParam {
            name: "alpha".into(),
            ty: ParamType::Float {
                min: None,
                max: None,
            },
            default: Value::Float(1.0),
            help: String::new(),
        });
        let started_at = Utc.with_ymd_and_hms(2026, 1, 2, 3, minute, 0).unwrap();
        RunRecord {
            id: id.into(),
            flow_name: "flow".into(),
            flow,
            base_dir: ".".into(),
            params: [("alpha".to_owned(), alpha)].into(),
            user: "ada".into(),
            host: "h".into(),
            started_at,
            finished_at: secs.map(|s| started_at + Duration::seconds(s)),
            status,
            resumed_from: None,
            flow_path: None,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            tasks: Vec::new(),
        }
    }

    /// Four runs:
    ///
    /// ```text
    ///   id  started  secs  status  alpha  tags         E.rmse
    ///   r1  :01      10    done    1.0    best         0.5
    ///   r2  :02      5     failed  2.0    -            -
    ///   r3  :03      -     running 0.5    best,slow    0.2
    ///   r4  :04      20    done    "x"    slow         0.9
    /// ```
    fn list() -> RunList {
        let rows = vec![
            record(
                "r1",
                1,
                Some(10),
                RunStatus::Done,
                Value::Float(1.0),
                &["best"],
            ),
            record("r2", 2, Some(5), RunStatus::Failed, Value::Float(2.0), &[]),
            record(
                "r3",
                3,
                None,
                RunStatus::Running,
                Value::Float(0.5),
                &["best", "slow"],
            ),
            record(
                "r4",
                4,
                Some(20),
                RunStatus::Done,
                Value::Text("x".into()),
                &["slow"],
            ),
        ];
        let mut rows: Vec<Row> = rows.into_iter().map(Row::new).collect();
        for (i, rmse) in [(0, 0.5), (2, 0.2), (3, 0.9)] {
            rows[i].metrics.insert("E.rmse".into(), rmse);
            rows[i].goals.insert("E.rmse".into(), Goal::Minimize);
        }
        let mut list = RunList::default();
        list.set_rows(rows);
        list.refresh_visible();
        list
    }

    fn ids(list: &RunList) -> Vec<&str> {
        list.visible()
            .iter()
            .map(|i| list.rows()[*i].id())
            .collect()
    }

    fn filtered(f: impl FnOnce(&mut Filter)) -> Vec<String> {
        let mut l = list();
        f(&mut l.filter);
        l.refresh_visible();
        ids(&l).into_iter().map(str::to_owned).collect()
    }

    fn sorted(column: Column, descending: bool) -> Vec<String> {
        let l = list();
        visible_rows(l.rows(), &Filter::default(), &(column, descending))
            .into_iter()
            .map(|i| l.rows()[i].id().to_owned())
            .collect()
    }

    #[test]
    fn newest_first_by_default() {
        assert_eq!(ids(&list()), ["r4", "r3", "r2", "r1"]);
    }

    #[test]
    fn filters_by_status_tag_and_every_word_of_the_text() {
        assert_eq!(filtered(|f| f.status = Some(RunStatus::Done)), ["r4", "r1"]);
        assert_eq!(filtered(|f| f.tag = Some("best".into())), ["r3", "r1"]);
        assert_eq!(
            filtered(|f| {
                f.tag = Some("slow".into());
                f.status = Some(RunStatus::Running);
            }),
            ["r3"]
        );
        // Text matches tags, status and user, ignoring case; every word must match.
        assert_eq!(filtered(|f| f.text = "SLOW".into()), ["r4", "r3"]);
        assert_eq!(filtered(|f| f.text = " slow  done ".into()), ["r4"]);
        assert_eq!(filtered(|f| f.text = "ada".into()).len(), 4);
        assert!(filtered(|f| f.text = "nobody".into()).is_empty());
    }

    #[test]
    fn text_filter_finds_parameter_values_as_name_equals_value() {
        assert_eq!(filtered(|f| f.text = "alpha=2".into()), ["r2"]);
        // r1 ran with the default alpha, which is found as well.
        assert_eq!(filtered(|f| f.text = "alpha=1".into()), ["r1"]);
        assert_eq!(filtered(|f| f.text = "alpha=".into()).len(), 4);
    }

    #[test]
    fn sorts_each_kind_of_column_with_missing_values_last() {
        assert_eq!(sorted(Column::Id, false), ["r1", "r2", "r3", "r4"]);
        assert_eq!(sorted(Column::Started, false), ["r1", "r2", "r3", "r4"]);
        assert_eq!(
            sorted(Column::Flow, false),
            ["r4", "r3", "r2", "r1"],
            "ties: newer id first"
        );
        // The running run has no duration: last both ways.
        assert_eq!(sorted(Column::Duration, true), ["r4", "r1", "r2", "r3"]);
        assert_eq!(sorted(Column::Duration, false), ["r2", "r1", "r4", "r3"]);
        // r2 has no metric: last both ways.
        let m = || Column::Metric("E.rmse".into());
        assert_eq!(sorted(m(), false), ["r3", "r1", "r4", "r2"]);
        assert_eq!(sorted(m(), true), ["r4", "r1", "r3", "r2"]);
        assert_eq!(sorted(Column::Status, false), ["r4", "r1", "r2", "r3"]);
        assert_eq!(sorted(Column::Tags, false), ["r2", "r1", "r3", "r4"]);
        // Numbers by value; a text value falls back to comparing text.
        let p = || Column::Param("alpha".into());
        let numeric: Vec<String> = sorted(p(), false)
            .into_iter()
            .filter(|id| id != "r4")
            .collect();
        assert_eq!(numeric, ["r3", "r1", "r2"]);
    }

    #[test]
    fn a_first_click_sorts_in_the_column_default_direction_and_a_second_flips() {
        let mut l = list();
        l.click_column(&Column::Metric("E.rmse".into()));
        assert_eq!(
            l.sort(),
            &(Column::Metric("E.rmse".into()), false),
            "rmse: lowest first"
        );
        l.click_column(&Column::Metric("E.rmse".into()));
        assert!(l.sort().1);
        l.click_column(&Column::Duration);
        assert_eq!(l.sort(), &(Column::Duration, true));
        assert!(Column::Metric("E.r2".into()).default_descending(Goal::Maximize));
        assert!(!Column::Id.default_descending(Goal::Neutral));
    }

    #[test]
    fn shift_click_checks_the_range_from_the_last_clicked_row() {
        let mut l = list();
        l.set_checked(1, true); // r3
        l.check_range(3); // r3, r2, r1
        assert_eq!(l.checked_in_order(), ["r3", "r2", "r1"]);
        // Without an anchor a range is the clicked row alone.
        let mut l = list();
        l.check_range(2);
        assert_eq!(l.checked_in_order(), ["r2"]);
        // A range upwards from a Ctrl+click.
        l.toggle_checked(2);
        assert!(l.checked_in_order().is_empty());
        l.check_range(0);
        assert_eq!(l.checked_in_order(), ["r4", "r3", "r2"]);
    }

    #[test]
    fn check_all_touches_only_the_visible_runs_and_a_new_listing_drops_gone_ones() {
        let mut l = list();
        l.filter.status = Some(RunStatus::Done);
        l.refresh_visible();
        assert!(!l.all_visible_checked());
        l.check_all_visible(true);
        assert!(l.all_visible_checked());
        assert_eq!(l.checked().len(), 2);
        l.filter.status = None;
        l.refresh_visible();
        assert_eq!(l.checked_in_order(), ["r4", "r1"]);
        let kept: Vec<Row> = l
            .rows()
            .iter()
            .filter(|r| r.id() != "r4")
            .cloned()
            .collect();
        l.set_rows(kept);
        l.refresh_visible();
        assert_eq!(l.checked_in_order(), ["r1"]);
        l.uncheck(&["r1".to_owned()]);
        assert!(l.checked().is_empty());
    }
}
