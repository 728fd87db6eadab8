//! `transform.apply`: transforms a table with state a step fitted earlier.

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, Params, PortSpec, StepContext, StepError,
};

use crate::artifacts::{FITTED, Fitted, TABLE, Table};

/// `transform.apply`.
pub struct ApplyFitted {
    desc: KindDescriptor,
}

impl ApplyFitted {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "transform.apply",
                version: 1,
                category: crate::category::TRANSFORM,
                title: "Apply fitted",
                doc: "Transforms a table with what a scaler, imputer, encoder or \
                      vectoriser learned from its training rows (its fitted output), \
                      exactly as it transformed them: for new rows to score, or a table \
                      the fitting step did not see. Columns the fitted state does not \
                      name pass through unchanged.",
                inputs: vec![
                    PortSpec::new("fitted", FITTED, "the fitted state of a transform step"),
                    PortSpec::new("table", TABLE, "the rows to transform"),
                ],
                outputs: vec![PortSpec::new("table", TABLE, "the transformed rows")],
                params: vec![],
            },
        }
    }
}

impl NodeKind for ApplyFitted {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        _params: &Params,
    ) -> Result<Outputs, StepError> {
        let fitted = inputs.get::<Fitted>("fitted")?;
        let table = inputs.get::<Table>("table")?;
        let out = fitted.apply(table)?;
        ctx.log(format!(
            "applied {} to {} rows",
            fitted.state.summary(),
            out.rows()
        ));
        Ok(Outputs::new().with("table", out))
    }
}
