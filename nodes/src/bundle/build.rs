//! A bundle from a past run: which model, which fitted transforms in front of it,
//! what a request row looks like.
//!
//! The model is the one *Select best* chose, or the run's only model, or the step
//! named. From the step that fitted it, the walk follows its training table back up
//! the flow: a step with a fitted-state output (scaler, TF-IDF, imputer, encoder,
//! PCA, k-means) or a `transform.apply` adds its state to the chain; a step that only
//! picks rows (split, k-fold, check, drop nulls, deduplicate) is passed; the walk ends
//! at the step that read the data. The table entering the first fitted step is what a
//! request row must look like: its columns, less the target, are the input schema.

use std::collections::BTreeMap;
use std::path::Path;

use pipewright_engine::{
    Artifact, ArtifactRef, NodeId, Registry, RunRecord, RunStatus, StepStatus, Store, StoreError,
    TaskRecord, downcast,
};
use polars::prelude::DataType;

use super::file::{self, FileError};
use super::{
    BUNDLE_FORMAT, Bundle, ColumnType, InputColumn, Manifest, OutputSchema, Predictor, Provenance,
    TransformPart,
};
use crate::artifacts::{
    CLASSIFIER, Classifier, FITTED, Fitted, FittedState, MODEL, Model, TABLE, Table,
};
use crate::error::NodeError;

/// The steps whose fitted state is never part of a bundle's chain but that stand
/// between the data and the model: they choose rows, not columns.
const ROW_STEPS: &[&str] = &[
    "transform.split",
    "transform.kfold",
    "data.check",
    "transform.drop_nulls",
    "transform.deduplicate",
];

/// The steps that gate a run: a run where one failed is never bundled.
pub const GATE_STEPS: &[&str] = &["evaluate.gate", "evaluate.behaviour"];

/// The artifact types a bundle serves: a regression model or a classifier.
pub const MODEL_TYPES: &[&str] = &[MODEL, CLASSIFIER];

/// The joins that pick one model of several.
const SELECT_STEPS: &[&str] = &["evaluate.select_best", "evaluate.select_best_classifier"];

/// Why a run cannot be bundled.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The store could not give what the run recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A gate of the run failed: its model is not trusted.
    #[error("run {run} failed its gate {step:?}, so its model is not bundled: {message}")]
    GateFailed {
        /// The run.
        run: String,
        /// The gate step.
        step: String,
        /// Why it failed.
        message: String,
    },
    /// The run did not finish.
    #[error("run {run} is {status}, not done; only a finished run's model is bundled")]
    NotDone {
        /// The run.
        run: String,
        /// How it ended.
        status: RunStatus,
    },
    /// The run has no model.
    #[error("run {run} has no trained model (no train step output a model or classifier)")]
    NoModel {
        /// The run.
        run: String,
    },
    /// The run has several models and nothing chose one.
    #[error("run {run} has several models; choose one with --step ({})", steps.join(", "))]
    SeveralModels {
        /// The run.
        run: String,
        /// The candidates.
        steps: Vec<String>,
    },
    /// The step named does not exist.
    #[error("run {run} has no step {step:?}")]
    NoStep {
        /// The run.
        run: String,
        /// The step.
        step: String,
    },
    /// The step named has no model.
    #[error("step {step:?} of run {run} outputs no model or classifier (it is a {kind})")]
    NotAModel {
        /// The run.
        run: String,
        /// The step.
        step: String,
        /// Its kind.
        kind: String,
    },
    /// The flow between the data and the model has a step a bundle cannot replay.
    #[error("{0}")]
    Unsupported(String),
    /// An artifact of the run could not be used.
    #[error("step {step:?}: {source}")]
    Node {
        /// The step.
        step: String,
        /// What failed.
        source: NodeError,
    },
    /// The file could not be written.
    #[error(transparent)]
    File(#[from] FileError),
}

/// The task that produced the model, and its model artifact.
struct Chosen<'a> {
    task: &'a TaskRecord,
    model: &'a ArtifactRef,
}

fn model_port(task: &TaskRecord) -> Option<&ArtifactRef> {
    task.outputs
        .values()
        .find(|r| MODEL_TYPES.contains(&r.type_name.as_str()))
}

fn trainers(run: &RunRecord) -> Vec<&TaskRecord> {
    run.tasks
        .iter()
        .filter(|t| {
            t.kind.starts_with("train.")
                && matches!(t.status, StepStatus::Done | StepStatus::Cached)
                && !SELECT_STEPS.contains(&t.kind.as_str())
                && model_port(t).is_some()
        })
        .collect()
}

/// The train task whose model is `model` (a select-best output is a copy of it).
fn trainer_of<'a>(run: &'a RunRecord, model: &'a ArtifactRef) -> Option<Chosen<'a>> {
    trainers(run)
        .into_iter()
        .find(|t| model_port(t).is_some_and(|r| r.hash == model.hash))
        .map(|task| Chosen { task, model })
}

fn choose<'a>(run: &'a RunRecord, step: Option<&str>) -> Result<Chosen<'a>, BuildError> {
    if let Some(step) = step {
        let task = run.task_by_name(step).ok_or_else(|| BuildError::NoStep {
            run: run.id.clone(),
            step: step.to_owned(),
        })?;
        let not_a_model = || BuildError::NotAModel {
            run: run.id.clone(),
            step: task.name(),
            kind: task.kind.clone(),
        };
        let model = model_port(task).ok_or_else(not_a_model)?;
        return trainer_of(run, model).ok_or_else(not_a_model);
    }
    let selects: Vec<&TaskRecord> = run
        .tasks
        .iter()
        .filter(|t| SELECT_STEPS.contains(&t.kind.as_str()) && t.index.is_none())
        .collect();
    let from_selects: Vec<Chosen> = selects
        .iter()
        .filter_map(|t| model_port(t).and_then(|m| trainer_of(run, m)))
        .collect();
    match from_selects.len() {
        1 => return Ok(from_selects.into_iter().next().expect("one")),
        0 => {}
        _ => {
            return Err(BuildError::SeveralModels {
                run: run.id.clone(),
                steps: selects.iter().map(|t| t.name()).collect(),
            });
        }
    }
    let all = trainers(run);
    match all.as_slice() {
        [] => Err(BuildError::NoModel {
            run: run.id.clone(),
        }),
        [one] => Ok(Chosen {
            task: one,
            model: model_port(one).expect("a trainer has a model"),
        }),
        many => Err(BuildError::SeveralModels {
            run: run.id.clone(),
            steps: many.iter().map(|t| t.name()).collect(),
        }),
    }
}

/// One step on the way from the model back to the data.
struct Hop<'a> {
    task: &'a TaskRecord,
    /// The fitted state it contributes, if any.
    fitted: Option<&'a ArtifactRef>,
    /// The table that entered it (on the model's side of the flow).
    input: Option<&'a ArtifactRef>,
    /// Whether it only picks rows.
    rows_only: bool,
}

/// The task of `node` that a task of item `index` reads: the same item's inside a
/// foreach, the only one outside.
fn task_of(run: &RunRecord, node: NodeId, index: Option<u32>) -> Option<&TaskRecord> {
    run.task_at(node, index).or_else(|| run.task_at(node, None))
}

/// The artifact wired into `(node, port)` for item `index`, with the task giving it.
fn input_of<'a>(
    run: &'a RunRecord,
    node: NodeId,
    port: &str,
    index: Option<u32>,
) -> Option<(&'a TaskRecord, &'a ArtifactRef, String)> {
    let e = run
        .flow
        .edges
        .iter()
        .find(|e| e.to.node == node && e.to.port == port)?;
    let t = task_of(run, e.from.node, index)?;
    let r = t.outputs.get(&e.from.port)?;
    Some((t, r, e.from.port.clone()))
}

/// The hops from the model's training table up to the data, model side first.
fn walk<'a>(
    run: &'a RunRecord,
    registry: &Registry,
    trainer: &'a TaskRecord,
) -> Result<(Vec<Hop<'a>>, &'a ArtifactRef), BuildError> {
    let (mut task, train, mut port) = input_of(run, trainer.node, "train", trainer.index)
        .ok_or_else(|| {
            BuildError::Unsupported(format!(
                "step {:?}: its training table is not in the run",
                trainer.name()
            ))
        })?;
    let mut hops = Vec::new();
    for _ in 0..run.flow.nodes.len() {
        let desc = registry.descriptor(&task.kind).ok_or_else(|| {
            BuildError::Unsupported(format!("step {:?}: unknown kind {}", task.label, task.kind))
        })?;
        let tables: Vec<&str> = desc
            .inputs
            .iter()
            .filter(|p| p.ty == TABLE)
            .map(|p| p.name)
            .collect();
        let follow = if tables.contains(&port.as_str()) {
            Some(port.clone())
        } else if tables.len() == 1 {
            Some(tables[0].to_owned())
        } else {
            None
        };
        let upstream = follow
            .as_deref()
            .and_then(|p| input_of(run, task.node, p, task.index));
        let fitted = if desc.inputs.iter().any(|p| p.ty == FITTED) {
            let fitted_port = desc.inputs.iter().find(|p| p.ty == FITTED).expect("found");
            input_of(run, task.node, fitted_port.name, task.index).map(|(_, r, _)| r)
        } else if desc.outputs.iter().any(|p| p.ty == FITTED) {
            task.outputs.values().find(|r| r.type_name == FITTED)
        } else {
            None
        };
        hops.push(Hop {
            task,
            fitted,
            input: upstream.as_ref().map(|(_, r, _)| *r),
            rows_only: ROW_STEPS.contains(&task.kind.as_str()),
        });
        match upstream {
            Some((t, _, p)) => {
                task = t;
                port = p;
            }
            None => break,
        }
    }
    Ok((hops, train))
}

/// The exact polars type of a column, and the type a request gives it.
fn column_type(dtype: &DataType) -> Option<ColumnType> {
    match dtype {
        DataType::Float32 | DataType::Float64 => Some(ColumnType::Float),
        d if d.is_integer() => Some(ColumnType::Int),
        DataType::String | DataType::Categorical(..) | DataType::Enum(..) => Some(ColumnType::Text),
        DataType::Boolean => Some(ColumnType::Bool),
        _ => None,
    }
}

/// Leaves out of a fitted state what it learned about the target: a request has no
/// target, and the model never reads it.
fn without_target(state: FittedState, target: &str) -> Option<FittedState> {
    match state {
        FittedState::LabelEncoder(enc) if enc.column == target => None,
        FittedState::Scaler { mut scalings } => {
            scalings.retain(|s| s.column != target);
            Some(FittedState::Scaler { scalings })
        }
        FittedState::Impute {
            strategy,
            mut fills,
        } => {
            fills.retain(|f| f.column != target);
            Some(FittedState::Impute { strategy, fills })
        }
        other => Some(other),
    }
}

impl Bundle {
    /// The bundle of a run's model: `step` names the train step (or a select-best
    /// join); without it, the model *Select best* chose, or the only one. Refuses a
    /// run that did not finish or whose gate failed.
    pub fn from_run(
        store: &Store,
        run: &RunRecord,
        step: Option<&str>,
        registry: &Registry,
    ) -> Result<(Bundle, Vec<Vec<u8>>), BuildError> {
        if let Some(g) = run
            .tasks
            .iter()
            .find(|t| GATE_STEPS.contains(&t.kind.as_str()) && t.status == StepStatus::Failed)
        {
            return Err(BuildError::GateFailed {
                run: run.id.clone(),
                step: g.name(),
                message: g.message.clone().unwrap_or_default(),
            });
        }
        if run.status != RunStatus::Done {
            return Err(BuildError::NotDone {
                run: run.id.clone(),
                status: run.status,
            });
        }
        let chosen = choose(run, step)?;
        let types = registry.artifact_types();
        let node_err = |step: &TaskRecord| {
            let step = step.name();
            move |source: NodeError| BuildError::Node {
                step: step.clone(),
                source,
            }
        };
        let model_artifact = store.load_artifact(chosen.model, types)?;
        let (predictor, target) = match chosen.model.type_name.as_str() {
            MODEL => {
                let m = downcast::<Model>(&*model_artifact)
                    .map_err(|e| node_err(chosen.task)(NodeError::Step(e.to_string())))?
                    .clone();
                let t = m.target.clone();
                (Predictor::Regression(m), t)
            }
            _ => {
                let c = downcast::<Classifier>(&*model_artifact)
                    .map_err(|e| node_err(chosen.task)(NodeError::Step(e.to_string())))?
                    .clone();
                let t = c.target.clone();
                (Predictor::Classifier(c), t)
            }
        };
        let (hops, train) = walk(run, registry, chosen.task)?;
        let top = hops.iter().rposition(|h| h.fitted.is_some());
        // The chain, data side first; any step in it that neither fits nor picks
        // rows cannot be replayed on a request.
        let mut chain = Vec::new();
        if let Some(top) = top {
            for h in hops[..=top].iter().rev() {
                match h.fitted {
                    Some(r) => chain.push((h.task, r)),
                    None if h.rows_only => {}
                    None => {
                        let above = hops[top].task.label.clone();
                        return Err(BuildError::Unsupported(format!(
                            "step {:?} ({}) changes the table between the fitted step \
                             {above:?} and the model, and a bundle replays only fitted \
                             states; move it before {above:?} or fit it (transform.apply)",
                            h.task.label, h.task.kind
                        )));
                    }
                }
            }
        }
        let top_ref = match top {
            Some(top) => hops[top].input.ok_or_else(|| {
                BuildError::Unsupported(format!(
                    "step {:?}: its input table is not in the run",
                    hops[top].task.label
                ))
            })?,
            None => train,
        };
        let top_table = store.load_artifact(top_ref, types)?;
        let top_table = downcast::<Table>(&*top_table)
            .map_err(|e| BuildError::Unsupported(e.to_string()))?
            .clone();

        let mut transforms = Vec::new();
        let mut parts = Vec::new();
        let mut transform_parts = Vec::new();
        for (task, r) in &chain {
            let a = store.load_artifact(r, types)?;
            let fitted =
                downcast::<Fitted>(&*a).map_err(|e| BuildError::Unsupported(e.to_string()))?;
            let Some(state) = without_target(fitted.state.clone(), &target) else {
                continue;
            };
            let kept = Fitted {
                kind: fitted.kind.clone(),
                state: state.clone(),
            };
            let (encoding, bytes) = kept
                .encode()
                .map_err(|e| BuildError::Unsupported(e.to_string()))?;
            let (part, packed) = file::pack(FITTED, encoding, &bytes);
            transform_parts.push(TransformPart {
                step: task.name(),
                kind: fitted.kind.clone(),
                summary: state.summary(),
                part,
            });
            parts.push(packed);
            transforms.push(state);
        }
        let (encoding, bytes) = model_artifact
            .encode()
            .map_err(|e| BuildError::Unsupported(e.to_string()))?;
        let (model_part, packed) = file::pack(&chosen.model.type_name, encoding, &bytes);
        parts.insert(0, packed);

        let output = match &predictor {
            Predictor::Regression(m) => OutputSchema::Regression {
                target: m.target.clone(),
            },
            Predictor::Classifier(c) => OutputSchema::Classification {
                target: c.target.clone(),
                labels: c.classes.clone(),
                // Known once the sample is scored (input_schema).
                probabilities: false,
            },
        };
        let describe = match &predictor {
            Predictor::Regression(m) => m.describe(),
            Predictor::Classifier(c) => c.describe(),
        };
        let mut bundle = Bundle {
            manifest: Manifest {
                format: BUNDLE_FORMAT,
                written_by: format!("pipewright {}", env!("CARGO_PKG_VERSION")),
                written_at: seconds(chrono::Utc::now()),
                model: model_part,
                transforms: transform_parts,
                input: Vec::new(),
                output,
                provenance: Provenance {
                    flow: run.flow_name.clone(),
                    flow_title: run.flow.title.clone(),
                    run_id: run.id.clone(),
                    step: chosen.task.name(),
                    model: describe,
                    params: run.params.clone(),
                    metrics: run.metrics(),
                    tags: run.tags.clone(),
                    user: run.user.clone(),
                    host: run.host.clone(),
                    started_at: seconds(run.started_at),
                    training_data_hash: top_ref.hash.clone(),
                    training_rows: top_table.rows() as u64,
                },
            },
            transforms,
            predictor,
        };
        let (input, probabilistic) = input_schema(&bundle, &top_table, &target)?;
        bundle.manifest.input = input;
        if let OutputSchema::Classification { probabilities, .. } = &mut bundle.manifest.output {
            *probabilities = probabilistic;
        }
        Ok((bundle, parts))
    }

    /// Writes the bundle of a run to `out` (see [`Bundle::from_run`]); returns it and
    /// the file's size.
    pub fn write_from_run(
        store: &Store,
        run: &RunRecord,
        step: Option<&str>,
        registry: &Registry,
        out: &Path,
    ) -> Result<(Bundle, u64), BuildError> {
        let (bundle, parts) = Bundle::from_run(store, run, step, registry)?;
        let size = file::write(out, &bundle.manifest, &parts)?;
        Ok((bundle, size))
    }
}

/// A time as RFC 3339 to the second, in UTC (`2026-12-03T07:14:22Z`).
fn seconds(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The columns of the table the chain starts from, less the target: each column's
/// type, whether the chain needs it (scoring a few training rows without it fails),
/// and for one-hot encoded columns that refuse unknown values, their categories.
fn input_schema(
    bundle: &Bundle,
    top: &Table,
    target: &str,
) -> Result<(Vec<InputColumn>, bool), BuildError> {
    let sample = top.derive(top.df().head(Some(8)));
    let mut sample_df = sample.df().clone();
    if sample_df.column(target).is_ok() {
        sample_df = sample_df.drop(target).expect("the column exists");
    }
    let sample = top.derive(sample_df);
    let scored = bundle.score(&sample).map_err(|e| {
        BuildError::Unsupported(format!(
            "the bundle cannot score the run's own training rows without their target \
             {target:?}: {e}"
        ))
    })?;
    let probabilistic = matches!(
        scored,
        super::Scored::Classes {
            probabilistic: true,
            ..
        }
    );
    let mut categories: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
    for t in &bundle.transforms {
        if let FittedState::OneHot {
            columns,
            ignore_unknown: false,
        } = t
        {
            for c in columns {
                categories.insert(&c.column, &c.categories);
            }
        }
    }
    let mut out = Vec::new();
    for col in sample.df().columns() {
        let name = col.name().as_str();
        let without = sample.derive(sample.df().drop(name).expect("the column exists"));
        let required = bundle.score(&without).is_err();
        let Some(ty) = column_type(col.dtype()) else {
            if required {
                return Err(BuildError::Unsupported(format!(
                    "the model reads column {name:?} of type {}, which a request cannot \
                     give (numbers, text and booleans only)",
                    col.dtype()
                )));
            }
            continue;
        };
        out.push(InputColumn {
            name: name.to_owned(),
            ty,
            dtype: super::input::dtype_name(col.dtype()).to_owned(),
            required,
            categories: categories.get(name).map(|c| (*c).clone()),
        });
    }
    Ok((out, probabilistic))
}
