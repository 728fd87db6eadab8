//! `flow.start` and `flow.end`: where a flow begins and where its results gather.

use pipewright_engine::{
    ANY, Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};

use crate::artifacts::{SIGNAL, Signal};

/// `flow.start`: the first step; other steps may wait for its signal.
pub struct Start {
    desc: KindDescriptor,
}

impl Start {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "flow.start",
                version: 1,
                category: crate::category::FLOW,
                title: "Start",
                doc: "Where the flow begins. Connect its signal to the data steps that \
                      should run first; it carries no data.",
                inputs: vec![],
                outputs: vec![PortSpec::new("start", SIGNAL, "fires when the run starts")],
                params: vec![],
            },
        }
    }
}

impl NodeKind for Start {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        _inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        ctx.log("flow started");
        Ok(Outputs::new().with("start", Signal))
    }
}

/// `flow.end`: the last step; gathers any results and logs a line for each.
pub struct End {
    desc: KindDescriptor,
}

impl End {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "flow.end",
                version: 1,
                category: crate::category::FLOW,
                title: "End",
                doc: "Where the flow ends. Connect the results worth keeping an eye on \
                      (metrics, the chosen model); it logs a one-line summary of each.",
                inputs: vec![
                    PortSpec::new("results", ANY, "any artifacts to summarise").multiple(),
                ],
                outputs: vec![],
                params: vec![],
            },
        }
    }
}

impl NodeKind for End {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let mut n = 0;
        for (_, artifact) in inputs.iter() {
            n += 1;
            ctx.log(format!("{}: {}", artifact.type_name(), artifact.summary()));
        }
        ctx.log(format!("flow finished with {n} result(s)"));
        Ok(Outputs::new())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::artifacts::Table;
    use crate::testutil::*;

    #[test]
    fn start_sends_a_signal_and_end_summarises_what_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let start = Start::new();
        let (out, log) = run_in(dir.path(), &start, &Inputs::default(), &params(&start, &[]));
        assert_eq!(output::<Signal>(&out.unwrap(), "start"), &Signal);
        assert_eq!(log, vec!["flow started"]);

        let end = End::new();
        let mut inputs = Inputs::default();
        inputs.push("results", Arc::new(Signal));
        inputs.push(
            "results",
            Arc::new(Table::new(polars::df!("x" => [1.0, 2.0]).unwrap())),
        );
        let (out, log) = run_in(dir.path(), &end, &inputs, &params(&end, &[]));
        assert_eq!(out.unwrap().iter().count(), 0);
        assert_eq!(
            log,
            vec![
                "signal: started",
                "table: 2 rows × 1 column",
                "flow finished with 2 result(s)"
            ]
        );
    }
}
