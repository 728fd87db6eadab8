//! Small node kinds and an artifact for tests and benchmarks of the engine itself
//! (and of anything built on it): numbers flow along the wires, steps add, fail,
//! panic, wait for a barrier or sleep until cancelled.

use std::any::Any;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use crate::artifact::{Artifact, ArtifactArc, ArtifactError, ArtifactType, Encoding};
use crate::context::StepContext;
use crate::kind::{
    Category, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, Params, PortSpec, Registry,
    StepError,
};
use crate::value::{ParamType, Value};

/// The port type of [`Number`].
pub const NUMBER: &str = "number";

/// The palette category of the test kinds.
pub const CATEGORY: Category = Category::new("Test", 100);

/// The [`Number`] artifact type, as registered.
pub const NUMBER_TYPE: ArtifactType = ArtifactType::new(NUMBER, decode_number);

/// A number artifact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(pub f64);

impl Artifact for Number {
    fn type_name(&self) -> &'static str {
        NUMBER
    }
    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        Ok((Encoding::Json, self.0.to_string().into_bytes()))
    }
    fn summary(&self) -> String {
        self.0.to_string()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a [`Number`].
pub fn decode_number(_: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .map(|x| Arc::new(Number(x)) as ArtifactArc)
        .ok_or_else(|| ArtifactError::Decode {
            type_name: NUMBER.into(),
            message: "not a number".into(),
        })
}

/// What a test kind does.
#[derive(Clone)]
pub enum Behaviour {
    /// Outputs the `value` parameter.
    Const,
    /// Outputs the sum of its inputs plus the `value` parameter.
    Add,
    /// Fails with a message.
    Fail,
    /// Panics.
    Panic,
    /// Waits on a barrier, then adds like [`Behaviour::Add`].
    Barrier(Arc<Barrier>),
    /// Logs, then waits until the run is cancelled (checking every millisecond).
    WaitForCancel,
    /// Adds, and counts its executions in the shared counter.
    Counted(Arc<Mutex<usize>>),
}

/// A test node kind.
pub struct TestKind {
    desc: KindDescriptor,
    behaviour: Behaviour,
}

impl TestKind {
    /// A kind with id `id`: one optional multiple `in` input, one `out` output, a
    /// float `value` parameter.
    pub fn new(id: &'static str, behaviour: Behaviour) -> Self {
        Self {
            desc: KindDescriptor {
                id,
                version: 1,
                category: CATEGORY,
                title: id,
                doc: "A test step.",
                inputs: vec![PortSpec::new("in", NUMBER, "numbers").optional().multiple()],
                outputs: vec![PortSpec::new("out", NUMBER, "a number")],
                params: vec![ParamSpec::new(
                    "value",
                    ParamType::Float {
                        min: Some(-1e9),
                        max: Some(1e9),
                    },
                    Value::Float(0.0),
                    "added to the sum",
                )],
            },
            behaviour,
        }
    }
}

impl NodeKind for TestKind {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let sum: f64 =
            inputs.all::<Number>("in")?.iter().map(|n| n.0).sum::<f64>() + params.float("value")?;
        match &self.behaviour {
            Behaviour::Const => Ok(Outputs::new().with("out", Number(params.float("value")?))),
            Behaviour::Add => Ok(Outputs::new().with("out", Number(sum))),
            Behaviour::Fail => Err(StepError::msg("this step always fails")),
            Behaviour::Panic => panic!("this step always panics"),
            Behaviour::Barrier(b) => {
                b.wait();
                Ok(Outputs::new().with("out", Number(sum)))
            }
            Behaviour::WaitForCancel => {
                ctx.log("waiting for cancellation");
                loop {
                    ctx.check_cancelled()?;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            Behaviour::Counted(c) => {
                *c.lock().map_err(|_| StepError::msg("poisoned"))? += 1;
                Ok(Outputs::new().with("out", Number(sum)))
            }
        }
    }
}

/// The `const`, `add`, `fail`, `panic` and `wait` (until cancelled) kinds.
pub fn kinds() -> Vec<Arc<dyn NodeKind>> {
    vec![
        Arc::new(TestKind::new("const", Behaviour::Const)),
        Arc::new(TestKind::new("add", Behaviour::Add)),
        Arc::new(TestKind::new("fail", Behaviour::Fail)),
        Arc::new(TestKind::new("panic", Behaviour::Panic)),
        Arc::new(TestKind::new("wait", Behaviour::WaitForCancel)),
    ]
}

/// A registry with the [`kinds`] and the number decoder.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    for k in kinds() {
        r.register_arc(k);
    }
    r.register_artifact(NUMBER_TYPE);
    r
}
