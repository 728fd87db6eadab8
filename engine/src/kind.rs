//! Node kinds: what a step is, what it takes and gives, and how it runs.
//!
//! A [`NodeKind`] is described by a [`KindDescriptor`] (ports, parameters, docs) and
//! runs through [`NodeKind::run`]. Kinds are collected in a [`Registry`] together with
//! the decoders of the artifact types they produce. The engine defines only the
//! trait; the catalogue lives in `pipewright-nodes`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::artifact::{Artifact, ArtifactArc, ArtifactType, ArtifactTypes, DecodeFn, downcast};
use crate::context::StepContext;
// Re-exported: `kind::StepError` is where kinds have always found it.
pub use crate::step_error::StepError;
use crate::value::{ParamType, Value};

/// The port type that accepts every artifact type (used by the `end` step).
pub const ANY: &str = "any";

/// The palette category of a node kind: data, not a closed list, so a catalogue adds
/// its own categories without an engine change. The palette shows categories by
/// `order`, then name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Category {
    /// Where it comes in the palette (smaller first).
    pub order: u16,
    /// Display name, e.g. `"Data"`.
    pub name: &'static str,
}

impl Category {
    /// A category.
    pub const fn new(name: &'static str, order: u16) -> Self {
        Self { order, name }
    }

    /// Display name.
    pub fn title(self) -> &'static str {
        self.name
    }
}

/// A typed input or output of a node kind.
#[derive(Clone, Debug)]
pub struct PortSpec {
    /// Port name, unique among the kind's inputs (or outputs).
    pub name: &'static str,
    /// The artifact type it carries; [`ANY`] on an input accepts every type.
    pub ty: &'static str,
    /// One line for tooltips.
    pub doc: &'static str,
    /// An input that must be connected before the flow can run.
    pub required: bool,
    /// An input that accepts several wires (a join).
    pub multiple: bool,
}

impl PortSpec {
    /// A required, single-wire port.
    pub const fn new(name: &'static str, ty: &'static str, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            doc,
            required: true,
            multiple: false,
        }
    }

    /// Marks an input optional.
    pub const fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Marks an input as accepting several wires.
    pub const fn multiple(mut self) -> Self {
        self.multiple = true;
        self
    }

    /// Whether an output of type `from` may connect to this input.
    pub fn accepts(&self, from: &str) -> bool {
        self.ty == ANY || self.ty == from
    }
}

/// A typed parameter of a node kind.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// Parameter name.
    pub name: &'static str,
    /// Type and allowed range.
    pub ty: ParamType,
    /// Value used when the node does not set it.
    pub default: Value,
    /// One line for the inspector and tooltips.
    pub doc: &'static str,
    /// A text or path parameter that must be set to something non-empty.
    pub required: bool,
    /// The range of a number excludes its bounds (`(0, 1)`, not `[0, 1]`): for a share
    /// such as a test fraction, where either bound always fails at run time.
    pub open_range: bool,
}

impl ParamSpec {
    /// A parameter.
    pub fn new(name: &'static str, ty: ParamType, default: Value, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            default,
            doc,
            required: false,
            open_range: false,
        }
    }

    /// Excludes the bounds of a number's range: validation refuses the bounds
    /// themselves, so a value that can only fail at run time is reported before it.
    pub fn open_range(mut self) -> Self {
        self.open_range = true;
        self
    }

    /// The allowed range as text, `[0, 1]` or `(0, 1)` for an open range; `None` for
    /// a type without one.
    pub fn range_text(&self) -> Option<String> {
        let text = self.ty.range_text()?;
        if !self.open_range {
            return Some(text);
        }
        let inner = text
            .trim_start_matches(['[', '('])
            .trim_end_matches([']', ')']);
        Some(format!("({inner})"))
    }

    /// Marks a text or path parameter as one that must be set.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// Everything the editor, the validator and the scheduler know about a node kind.
#[derive(Clone, Debug)]
pub struct KindDescriptor {
    /// Stable id used in flow files, e.g. `"train.linear_regression"`.
    pub id: &'static str,
    /// Bumped when the kind's results change for the same inputs; part of the cache key.
    pub version: u32,
    /// Palette category.
    pub category: Category,
    /// Display title, e.g. `"Linear regression"`.
    pub title: &'static str,
    /// A paragraph of documentation.
    pub doc: &'static str,
    /// Inputs in display order.
    pub inputs: Vec<PortSpec>,
    /// Outputs in display order.
    pub outputs: Vec<PortSpec>,
    /// Parameters in display order.
    pub params: Vec<ParamSpec>,
}

impl KindDescriptor {
    /// The input named `name`.
    pub fn input(&self, name: &str) -> Option<&PortSpec> {
        self.inputs.iter().find(|p| p.name == name)
    }

    /// The output named `name`.
    pub fn output(&self, name: &str) -> Option<&PortSpec> {
        self.outputs.iter().find(|p| p.name == name)
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Where an artifact arriving at a step came from: the step, and inside a foreach
/// the item whose task made it (what a join reports: which item won, which failed).
#[derive(Default, Debug, Clone, PartialEq)]
pub struct Origin {
    /// The label of the step that produced it.
    pub step: String,
    /// The item's index, for a task of a foreach.
    pub index: Option<u32>,
    /// The item's values by axis (`Ridge.alpha` → 0.1); empty outside a foreach.
    pub item: BTreeMap<String, Value>,
}

impl Origin {
    /// `alpha = 0.1` (the item, as [`short_item`] writes it), or the step's label
    /// outside a foreach.
    pub fn describe(&self) -> String {
        if self.item.is_empty() {
            return self.step.clone();
        }
        short_item(&self.item)
    }
}

pub use crate::record::short_item;

/// The artifacts arriving at a step, by input port. A multiple input holds one
/// artifact per wire, ordered by the source node's id, and at a foreach's join one per
/// item, in item order.
#[derive(Default, Debug, Clone)]
pub struct Inputs {
    ports: BTreeMap<String, Vec<ArtifactArc>>,
    origins: BTreeMap<String, Vec<Origin>>,
    missing: Vec<Origin>,
}

impl Inputs {
    /// Adds an artifact to a port.
    pub fn push(&mut self, port: &str, artifact: ArtifactArc) {
        self.push_from(port, artifact, Origin::default());
    }

    /// Adds an artifact to a port, with where it came from.
    pub fn push_from(&mut self, port: &str, artifact: ArtifactArc, origin: Origin) {
        self.ports
            .entry(port.to_owned())
            .or_default()
            .push(artifact);
        self.origins
            .entry(port.to_owned())
            .or_default()
            .push(origin);
    }

    /// Where each artifact on `port` came from, in the order of [`Inputs::all`].
    pub fn origins(&self, port: &str) -> &[Origin] {
        self.origins.get(port).map_or(&[], Vec::as_slice)
    }

    /// At a foreach's join that goes on without failed items: the items whose tasks
    /// failed or were skipped, so the join can say which.
    pub fn missing(&self) -> &[Origin] {
        &self.missing
    }

    /// Records an item that will not arrive.
    pub(crate) fn push_missing(&mut self, origin: Origin) {
        self.missing.push(origin);
    }

    /// The single artifact on `port`, downcast to `T`.
    pub fn get<T: Artifact>(&self, port: &str) -> Result<&T, StepError> {
        let artifact = self
            .ports
            .get(port)
            .and_then(|v| v.first())
            .ok_or_else(|| StepError::msg(format!("input {port:?} is not connected")))?;
        downcast::<T>(artifact.as_ref()).map_err(|e| StepError::msg(format!("input {port:?}: {e}")))
    }

    /// The single artifact on `port`, if connected.
    pub fn get_opt<T: Artifact>(&self, port: &str) -> Result<Option<&T>, StepError> {
        if self.ports.get(port).is_none_or(|v| v.is_empty()) {
            return Ok(None);
        }
        self.get(port).map(Some)
    }

    /// The raw shared artifact on `port` (to pass it through without a copy).
    pub fn arc(&self, port: &str) -> Result<ArtifactArc, StepError> {
        self.ports
            .get(port)
            .and_then(|v| v.first())
            .cloned()
            .ok_or_else(|| StepError::msg(format!("input {port:?} is not connected")))
    }

    /// Every artifact on a multiple input, downcast to `T`.
    pub fn all<T: Artifact>(&self, port: &str) -> Result<Vec<&T>, StepError> {
        self.ports
            .get(port)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|a| {
                downcast::<T>(a.as_ref())
                    .map_err(|e| StepError::msg(format!("input {port:?}: {e}")))
            })
            .collect()
    }

    /// Every artifact on every port.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ArtifactArc)> {
        self.ports
            .iter()
            .flat_map(|(p, v)| v.iter().map(move |a| (p.as_str(), a)))
    }
}

/// The artifacts a step produced, by output port.
#[derive(Default, Debug, Clone)]
pub struct Outputs {
    pub(crate) ports: BTreeMap<String, ArtifactArc>,
    pub(crate) chosen: Option<crate::record::Chosen>,
}

impl Outputs {
    /// No outputs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an output.
    pub fn with(mut self, port: &str, artifact: impl Artifact) -> Self {
        self.ports.insert(port.to_owned(), Arc::new(artifact));
        self
    }

    /// Adds an already shared output (passes an input through without a copy).
    pub fn with_arc(mut self, port: &str, artifact: ArtifactArc) -> Self {
        self.ports.insert(port.to_owned(), artifact);
        self
    }

    /// At a foreach's join that picks one item: records which (the item `origin`
    /// describes) and the metric it won by, so the run's record names its best item
    /// (runs list, comparison, `show`) and a foreach that keeps only the best item's
    /// outputs knows which to keep. An origin outside a foreach records nothing.
    pub fn with_chosen(mut self, origin: &Origin, metric: &str, value: f64) -> Self {
        if let Some(index) = origin.index {
            self.chosen = Some(crate::record::Chosen {
                index,
                item: origin.item.clone(),
                metric: metric.to_owned(),
                value,
            });
        }
        self
    }

    /// The outputs by port.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ArtifactArc)> {
        self.ports.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// A step's parameters, resolved (flow-parameter references replaced, defaults filled
/// in, types checked).
#[derive(Default, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params(pub BTreeMap<String, Value>);

impl Params {
    fn value(&self, name: &str) -> Result<&Value, StepError> {
        self.0
            .get(name)
            .ok_or_else(|| StepError::msg(format!("parameter {name:?} is missing")))
    }

    fn typed<T>(
        &self,
        name: &str,
        want: &str,
        f: impl Fn(&Value) -> Option<T>,
    ) -> Result<T, StepError> {
        let v = self.value(name)?;
        f(v).ok_or_else(|| {
            StepError::msg(format!(
                "parameter {name:?} should be {want}, is {}",
                v.type_name()
            ))
        })
    }

    /// A float parameter.
    pub fn float(&self, name: &str) -> Result<f64, StepError> {
        self.typed(name, "a number", Value::as_f64)
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> Result<i64, StepError> {
        self.typed(name, "a whole number", Value::as_i64)
    }

    /// A bool parameter.
    pub fn bool(&self, name: &str) -> Result<bool, StepError> {
        self.typed(name, "a bool", Value::as_bool)
    }

    /// A text, path or choice parameter.
    pub fn text(&self, name: &str) -> Result<&str, StepError> {
        let v = self.value(name)?;
        v.as_str().ok_or_else(|| {
            StepError::msg(format!(
                "parameter {name:?} should be text, is {}",
                v.type_name()
            ))
        })
    }
}

/// A kind of node: its description and its code.
pub trait NodeKind: Send + Sync {
    /// Ports, parameters and docs.
    fn descriptor(&self) -> &KindDescriptor;

    /// Runs one task of this kind. Long steps should call
    /// [`StepContext::check_cancelled`] now and then.
    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError>;
}

/// The node kinds and artifact types a flow may use.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Arc<dyn NodeKind>>,
    types: ArtifactTypes,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds.keys().collect::<Vec<_>>())
            .field(
                "artifact_types",
                &self.types.iter().map(|t| t.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node kind; a kind with the same id is replaced.
    pub fn register(&mut self, kind: impl NodeKind + 'static) {
        let id = kind.descriptor().id;
        self.kinds.insert(id, Arc::new(kind));
    }

    /// Adds a shared node kind; a kind with the same id is replaced.
    pub fn register_arc(&mut self, kind: Arc<dyn NodeKind>) {
        let id = kind.descriptor().id;
        self.kinds.insert(id, kind);
    }

    /// Adds an artifact type (its decoder and views); one with the same name is
    /// replaced.
    pub fn register_artifact(&mut self, ty: ArtifactType) {
        self.types.register(ty);
    }

    /// The artifact types (what a [`crate::Store`] needs to load artifacts).
    pub fn artifact_types(&self) -> &ArtifactTypes {
        &self.types
    }

    /// The kind with this id.
    pub fn kind(&self, id: &str) -> Option<&Arc<dyn NodeKind>> {
        self.kinds.get(id)
    }

    /// The descriptor of the kind with this id.
    pub fn descriptor(&self, id: &str) -> Option<&KindDescriptor> {
        self.kinds.get(id).map(|k| k.descriptor())
    }

    /// Every kind, ordered by id.
    pub fn kinds(&self) -> impl Iterator<Item = &KindDescriptor> {
        self.kinds.values().map(|k| k.descriptor())
    }

    /// The decoder of an artifact type.
    pub fn decoder(&self, type_name: &str) -> Option<DecodeFn> {
        self.types.get(type_name).map(|t| t.decode)
    }

    /// The palette categories of the registered kinds, in palette order.
    pub fn categories(&self) -> Vec<Category> {
        let mut all: Vec<Category> = self.kinds().map(|k| k.category).collect();
        all.sort();
        all.dedup();
        all
    }
}
