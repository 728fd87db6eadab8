//! The run vocabulary: how steps and runs end ([`StepStatus`], [`RunStatus`]) and the
//! records a run leaves ([`RunRecord`], [`TaskRecord`], [`IncludedFile`], [`RunMetric`]).
//!
//! They sit below the store, the scheduler and the events: the store keeps them on
//! disk, the scheduler fills them in and the events carry the statuses, and none of
//! those has to import another to name a status.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactRef;
use crate::flow::{Flow, NodeId};
use crate::value::Value;
use crate::view::Goal;

/// One scalar metric of a run, with the step that produced it. Metrics belong to a
/// node (its id survives renames); the step's label is how they are shown.
#[derive(Clone, Debug, PartialEq)]
pub struct RunMetric {
    /// The node that produced it.
    pub node: NodeId,
    /// The step's label when it ran.
    pub step: String,
    /// The metric's name, e.g. `"rmse"`.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Whether higher or lower is better.
    pub goal: Goal,
    /// How runs lists and comparisons name it: `Step.metric`, with the node id after
    /// the label where two steps of the run share one (records from before labels had
    /// to be unique).
    pub key: String,
}

/// How a step ended (or where it is, while a run goes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StepStatus {
    /// Waiting for its inputs or for a worker.
    Queued,
    /// Running now.
    Running,
    /// Ran and produced its outputs.
    Done,
    /// Reused a finished task with the same cache key.
    Cached,
    /// Returned an error or panicked.
    Failed,
    /// Not run because a step upstream did not finish.
    Skipped,
    /// Not run (or stopped) because the run was cancelled.
    Cancelled,
}

impl StepStatus {
    /// Whether the step produced usable outputs.
    pub fn is_ok(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Cached)
    }

    /// Whether the step has ended one way or another.
    pub fn is_final(self) -> bool {
        !matches!(self, StepStatus::Queued | StepStatus::Running)
    }

    /// Lower-case name for the CLI and logs.
    pub fn name(self) -> &'static str {
        match self {
            StepStatus::Queued => "queued",
            StepStatus::Running => "running",
            StepStatus::Done => "done",
            StepStatus::Cached => "cached",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
            StepStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RunStatus {
    /// Still going (a live process holds its lock).
    Running,
    /// Every step finished.
    Done,
    /// At least one step failed.
    Failed,
    /// Stopped by the user.
    Cancelled,
    /// The process died mid-run (its record says running, nobody holds the lock).
    Interrupted,
}

impl RunStatus {
    /// Lower-case name for the CLI and filters.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A data file a step read, as it was when the step read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncludedFile {
    /// The path the step read (absolute).
    pub path: PathBuf,
    /// blake3 of its bytes: the blob holding the copy.
    pub hash: String,
    /// Its size.
    pub bytes: u64,
    /// The path as the step asked for it (relative to the flow file's folder, or
    /// absolute), so a cached result is checked against the file the step would read
    /// *now*, from wherever the flow is run, not against the file it read then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
}

/// One execution of a step inside a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The node.
    pub node: NodeId,
    /// The node's label when it ran.
    pub label: String,
    /// The node's kind.
    pub kind: String,
    /// For a step inside a foreach: which item this task ran (its index, from 0); the
    /// task is shown as `node/index`. `None` for a step that runs once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// For a step inside a foreach: the item's values by axis (`Ridge.alpha` → 0.1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub item: BTreeMap<String, Value>,
    /// How it ended.
    pub status: StepStatus,
    /// Error, skip or cancel reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Wall time of the step itself (zero when cached or skipped).
    pub duration_secs: f64,
    /// The step's cache key: kind, version, resolved parameters with every path
    /// parameter replaced by the content hash of the file it names, input hashes.
    #[serde(default)]
    pub cache_key: String,
    /// Resolved parameters it ran with.
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// Its outputs by port.
    #[serde(default)]
    pub outputs: BTreeMap<String, ArtifactRef>,
    /// Its log lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// Data files it read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included: Vec<IncludedFile>,
    /// For a cached task: the run whose task it reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_from: Option<String>,
    /// For a cached task: how long the step took when it was computed, so a reused
    /// step is not shown as if it had been timed at zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_duration_secs: Option<f64>,
    /// For a foreach's join that picks one item (*Select best*): which, and by what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<Chosen>,
    /// Output ports whose artifacts the run did not keep: a foreach with
    /// `keep = best` keeps only its scores for the items that did not win.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
}

/// The item a foreach's join chose, the metric it won by and its value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chosen {
    /// The item's index (its tasks are `step/index`).
    pub index: u32,
    /// The item's values by axis (`Ridge.alpha` → 0.1).
    pub item: BTreeMap<String, Value>,
    /// The metric it was chosen by.
    pub metric: String,
    /// Its value for the chosen item.
    pub value: f64,
}

impl Chosen {
    /// `alpha = 0.01 (r2 = 0.9312)`: the value to four significant decimals.
    pub fn describe(&self) -> String {
        let v = self.value;
        let value = if v == 0.0 || (1e-3..1e6).contains(&v.abs()) {
            let fixed = format!("{v:.4}");
            fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            format!("{v:.3e}")
        };
        format!("{} ({} = {value})", short_item(&self.item), self.metric)
    }
}

/// One execution of a flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique, time-sortable id (`YYYYMMDD-HHMMSS-xxxxxx`).
    pub id: String,
    /// The flow's name.
    pub flow_name: String,
    /// The flow as it ran.
    pub flow: Flow,
    /// Folder relative paths of the flow resolved against.
    pub base_dir: PathBuf,
    /// Flow parameter values it ran with (defaults and overrides).
    pub params: BTreeMap<String, Value>,
    /// Who ran it.
    pub user: String,
    /// On which machine.
    pub host: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub status: RunStatus,
    /// The run it resumed, if any: shown as `resumed from RUN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<String>,
    /// The flow file it was started from (absolute), when it came from a file: what
    /// `resume` runs by default. `None` for a flow never saved and for older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_path: Option<PathBuf>,
    /// Free-text tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Tasks by node, in node order.
    #[serde(default)]
    pub tasks: Vec<TaskRecord>,
}

impl TaskRecord {
    /// How the task is named: `Ridge` for a step that runs once, `Ridge/3` for the task
    /// of item 3 of a foreach.
    pub fn name(&self) -> String {
        match self.index {
            Some(i) => format!("{}/{i}", self.label),
            None => self.label.clone(),
        }
    }

    /// The item as text: `Ridge.alpha = 0.1, Split.seed = 2` (empty outside a foreach).
    pub fn item_text(&self) -> String {
        self.item
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl RunRecord {
    /// Adds or replaces a task (by node and item index), keeping node order, then item
    /// order.
    pub fn upsert_task(&mut self, task: TaskRecord) {
        match self
            .tasks
            .binary_search_by_key(&(task.node, task.index), |t| (t.node, t.index))
        {
            Ok(i) => self.tasks[i] = task,
            Err(i) => self.tasks.insert(i, task),
        }
    }

    /// The task of a node: its only task, or for a step inside a foreach the first
    /// item's ([`RunRecord::tasks_of`] lists them all).
    pub fn task(&self, node: NodeId) -> Option<&TaskRecord> {
        self.tasks_of(node).first()
    }

    /// Every task of a node, in item order: one for a step that runs once, one per
    /// item inside a foreach.
    pub fn tasks_of(&self, node: NodeId) -> &[TaskRecord] {
        let start = self.tasks.partition_point(|t| t.node < node);
        let end = self.tasks.partition_point(|t| t.node <= node);
        &self.tasks[start..end]
    }

    /// The item a foreach's join chose (the first such join's), with the step that
    /// chose it.
    pub fn best_item(&self) -> Option<(&TaskRecord, &Chosen)> {
        self.tasks
            .iter()
            .find_map(|t| t.chosen.as_ref().map(|c| (t, c)))
    }

    /// The task of item `index` of a node inside a foreach (`None`: its only task).
    pub fn task_at(&self, node: NodeId, index: Option<u32>) -> Option<&TaskRecord> {
        self.tasks_of(node).iter().find(|t| t.index == index)
    }

    /// The task whose label is `name` (case-insensitive), or whose node id is `name`
    /// (`4` or `#4`); `Ridge/3` (or `#4/3`) names item 3's task of a foreach step.
    pub fn task_by_name(&self, name: &str) -> Option<&TaskRecord> {
        if let Some((step, index)) = name.rsplit_once('/')
            && let Ok(index) = index.trim().parse::<u32>()
            && let Some(first) = self.task_by_name(step)
        {
            return self.task_at(first.node, Some(index));
        }
        if let Ok(n) = name.trim_start_matches('#').parse::<u32>() {
            return self.task(NodeId(n));
        }
        self.tasks
            .iter()
            .find(|t| t.label.eq_ignore_ascii_case(name))
            .or_else(|| self.tasks.iter().find(|t| t.kind == name))
    }

    /// Every scalar metric of the run, in node order, each with its step and goal
    /// (steps inside a foreach are left out: their joins sum them up).
    pub fn metric_list(&self) -> Vec<RunMetric> {
        // The tasks of a foreach are summed up by its joins (the best item, the
        // collected table): listing every item's metrics would bury them.
        let once = || self.tasks.iter().filter(|t| t.index.is_none());
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for t in once() {
            *seen.entry(t.label.as_str()).or_default() += 1;
        }
        let mut out = Vec::new();
        for t in once() {
            let step = if seen.get(t.label.as_str()).is_some_and(|n| *n > 1) {
                format!("{} {}", t.label, t.node)
            } else {
                t.label.clone()
            };
            for r in t.outputs.values() {
                for (k, v) in r.metrics.iter().flatten() {
                    out.push(RunMetric {
                        node: t.node,
                        step: t.label.clone(),
                        name: k.clone(),
                        value: *v,
                        goal: r.goal(k),
                        key: format!("{step}.{k}"),
                    });
                }
            }
        }
        out
    }

    /// Every scalar metric of the run, as `Step.metric` → value (e.g. `"Metrics.rmse"`).
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        self.metric_list()
            .into_iter()
            .map(|m| (m.key, m.value))
            .collect()
    }

    /// The goal of each metric of [`RunRecord::metrics`], by the same key.
    pub fn metric_goals(&self) -> BTreeMap<String, Goal> {
        self.metric_list()
            .into_iter()
            .map(|m| (m.key, m.goal))
            .collect()
    }

    /// Flow parameters whose value in this run differs from the flow's default.
    pub fn changed_params(&self) -> BTreeMap<String, Value> {
        self.params
            .iter()
            .filter(|(k, v)| self.flow.param(k).is_none_or(|p| p.default != **v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Wall time from start to end, if it ended.
    pub fn duration_secs(&self) -> Option<f64> {
        self.finished_at
            .map(|end| (end - self.started_at).num_microseconds().unwrap_or(0) as f64 / 1e6)
    }
}

/// A foreach item as people read it: `alpha = 0.1`, its axes' parameter names alone
/// when they are unique among its axes, else the whole `Step.param` keys.
pub fn short_item(item: &BTreeMap<String, Value>) -> String {
    let params: Vec<&str> = item
        .keys()
        .map(|k| k.rsplit_once('.').map_or(k.as_str(), |(_, p)| p))
        .collect();
    let unique = params
        .iter()
        .enumerate()
        .all(|(i, p)| !params[..i].contains(p));
    item.iter()
        .zip(params)
        .map(|((k, v), p)| format!("{} = {v}", if unique { p } else { k.as_str() }))
        .collect::<Vec<_>>()
        .join(", ")
}
