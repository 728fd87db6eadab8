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
    /// Produces nothing (the foreach's stand-in).
    Nothing,
    /// Adds, once [`Rendezvous::want`] tasks of it run at once (or every task has
    /// started), after staying a moment longer to see whether more come: a bound on
    /// tasks at once that lets fewer through never meets (the deadline counts it), one
    /// that lets more through shows in [`Rendezvous::most`].
    Rendezvous(Arc<Rendezvous>),
}

/// What [`Behaviour::Rendezvous`] tasks share.
#[derive(Debug)]
pub struct Rendezvous {
    /// How many must run at once.
    pub want: usize,
    /// How many tasks there are.
    pub total: usize,
    running: std::sync::atomic::AtomicUsize,
    started: std::sync::atomic::AtomicUsize,
    /// The most that ran at once.
    pub most: std::sync::atomic::AtomicUsize,
    /// How many gave up waiting.
    pub timed_out: std::sync::atomic::AtomicUsize,
}

impl Rendezvous {
    /// `total` tasks meeting `want` at a time.
    pub fn new(want: usize, total: usize) -> Arc<Self> {
        Arc::new(Self {
            want,
            total,
            running: Default::default(),
            started: Default::default(),
            most: Default::default(),
            timed_out: Default::default(),
        })
    }

    fn meet(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        use std::time::Instant;
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.started.fetch_add(1, SeqCst);
        self.most.fetch_max(now, SeqCst);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.running.load(SeqCst) < self.want && self.started.load(SeqCst) < self.total {
            if Instant::now() > deadline {
                self.timed_out.fetch_add(1, SeqCst);
                break;
            }
            std::thread::yield_now();
        }
        // A scheduler letting one more through starts it within microseconds on an
        // idle pool thread; the moment spent here is what gives it the chance.
        let linger = Instant::now() + Duration::from_millis(150);
        while self.running.load(SeqCst) <= self.want && Instant::now() < linger {
            std::thread::yield_now();
        }
        self.running.fetch_sub(1, SeqCst);
    }
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
        if matches!(self.behaviour, Behaviour::Nothing) {
            return Ok(Outputs::new());
        }
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
            Behaviour::Nothing => Ok(Outputs::new()),
            Behaviour::Rendezvous(r) => {
                r.meet();
                Ok(Outputs::new().with("out", Number(sum)))
            }
            Behaviour::Counted(c) => {
                *c.lock().map_err(|_| StepError::msg("poisoned"))? += 1;
                Ok(Outputs::new().with("out", Number(sum)))
            }
        }
    }
}

/// `inc`: one number in on a single-wire input `x`, `x + value` out; it fails when
/// `value` is 13, so a foreach test can make one item fail.
pub struct Inc {
    desc: KindDescriptor,
}

impl Inc {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "inc",
                version: 1,
                category: CATEGORY,
                title: "inc",
                doc: "x + value; fails when value is 13.",
                inputs: vec![PortSpec::new("x", NUMBER, "a number").optional()],
                outputs: vec![PortSpec::new("out", NUMBER, "a number")],
                params: vec![
                    ParamSpec::new(
                        "value",
                        ParamType::Float {
                            min: Some(-100.0),
                            max: Some(100.0),
                        },
                        Value::Float(0.0),
                        "added",
                    ),
                    ParamSpec::new(
                        "k",
                        ParamType::Int {
                            min: Some(1),
                            max: Some(10),
                        },
                        Value::Int(3),
                        "folds (for `fold = folds`)",
                    ),
                    ParamSpec::new(
                        "fold",
                        ParamType::Int {
                            min: Some(0),
                            max: Some(9),
                        },
                        Value::Int(0),
                        "added too",
                    ),
                ],
            },
        }
    }
}

impl Default for Inc {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeKind for Inc {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        _ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let value = params.float("value")?;
        if value == 13.0 {
            return Err(StepError::msg("13 is unlucky"));
        }
        let x = inputs.get_opt::<Number>("x")?.map_or(0.0, |n| n.0);
        let fold = params.int("fold")? as f64;
        Ok(Outputs::new().with("out", Number(x + value + fold)))
    }
}

/// The engine's view of `flow.foreach` (the catalogue ships the real one): its
/// parameters, no ports.
pub fn foreach_kind() -> TestKind {
    let mut k = TestKind::new(crate::foreach::FOREACH_KIND, Behaviour::Const);
    k.desc.inputs.clear();
    k.desc.outputs.clear();
    k.desc.params = vec![
        ParamSpec::new(
            crate::foreach::P_OVER,
            ParamType::Text,
            Value::Text(String::new()),
            "what to vary",
        )
        .required(),
        ParamSpec::new(
            crate::foreach::P_MAX_PARALLEL,
            ParamType::Int {
                min: Some(0),
                max: Some(1024),
            },
            Value::Int(0),
            "bound",
        ),
        ParamSpec::new(
            crate::foreach::P_CONTINUE,
            ParamType::Bool,
            Value::Bool(false),
            "go on",
        ),
    ];
    k.behaviour = Behaviour::Nothing;
    k
}

/// The `const`, `add`, `fail`, `panic` and `wait` (until cancelled) kinds and `inc`.
pub fn kinds() -> Vec<Arc<dyn NodeKind>> {
    vec![
        Arc::new(Inc::new()),
        Arc::new(TestKind::new("const", Behaviour::Const)),
        Arc::new(TestKind::new("add", Behaviour::Add)),
        Arc::new(TestKind::new("fail", Behaviour::Fail)),
        Arc::new(TestKind::new("panic", Behaviour::Panic)),
        Arc::new(TestKind::new("wait", Behaviour::WaitForCancel)),
    ]
}

/// A registry with the [`kinds`], a stand-in `flow.foreach` and the number decoder.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    for k in kinds() {
        r.register_arc(k);
    }
    r.register(foreach_kind());
    r.register_artifact(NUMBER_TYPE);
    r
}
