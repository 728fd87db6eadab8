//! `evaluate.gate`: fails the run when a metric is on the wrong side of a threshold,
//! so a model that regressed is never bundled or promoted.

use pipewright_engine::{
    ANY, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value,
};

use crate::artifacts::verdict::{VERDICT, Verdict};

/// `evaluate.gate`.
pub struct Gate {
    desc: KindDescriptor,
}

impl Gate {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.gate",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Gate",
                doc: "A trust check before a model is served: fails the run, naming the \
                      metric, its value and the threshold, when the metric arriving (from \
                      regression or classification metrics, or a select-best join) is \
                      below the minimum (must_be = at least) or above the maximum (at \
                      most). `pipewright bundle` refuses a run whose gate failed. Chain \
                      gates to check several metrics.",
                inputs: vec![PortSpec::new(
                    "metrics",
                    ANY,
                    "an artifact carrying the metric (e.g. classification metrics)",
                )],
                outputs: vec![PortSpec::new(
                    "verdict",
                    VERDICT,
                    "what was checked (only when it passed)",
                )],
                params: vec![
                    ParamSpec::new(
                        "metric",
                        ParamType::Text,
                        Value::Text("f1_macro".into()),
                        "the metric checked, e.g. f1_macro, accuracy, r2, rmse",
                    ),
                    ParamSpec::new(
                        "must_be",
                        ParamType::Choice(vec!["at least".into(), "at most".into()]),
                        Value::Text("at least".into()),
                        "at least: the threshold is a minimum; at most: a maximum",
                    ),
                    ParamSpec::new(
                        "threshold",
                        ParamType::Float {
                            min: None,
                            max: None,
                        },
                        Value::Float(0.7),
                        "the value the metric must reach (or not exceed)",
                    ),
                ],
            },
        }
    }
}

/// The gate's check: a verdict when it passes, the refusal otherwise.
pub fn check(
    available: &[(String, f64)],
    metric: &str,
    at_least: bool,
    threshold: f64,
) -> Result<Verdict, String> {
    let Some(&(_, value)) = available.iter().find(|(n, _)| n == metric) else {
        let names: Vec<&str> = available.iter().map(|(n, _)| n.as_str()).collect();
        return Err(format!(
            "parameter \"metric\": the input has no metric {metric:?} (it has: {})",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
    };
    let shown = |v: f64| format!("{v:.3}");
    if value.is_nan() {
        return Err(format!(
            "{metric} is not a number (NaN), so it cannot pass the gate"
        ));
    }
    if at_least && value < threshold {
        return Err(format!(
            "{metric} = {} is below the gate's minimum {}",
            shown(value),
            shown(threshold)
        ));
    }
    if !at_least && value > threshold {
        return Err(format!(
            "{metric} = {} is above the gate's maximum {}",
            shown(value),
            shown(threshold)
        ));
    }
    Ok(Verdict {
        headline: format!(
            "{metric} = {} {} {}",
            shown(value),
            if at_least { "≥" } else { "≤" },
            shown(threshold)
        ),
        lines: Vec::new(),
    })
}

impl NodeKind for Gate {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let artifact = inputs.arc("metrics")?;
        let available: Vec<(String, f64)> = artifact
            .metrics()
            .into_iter()
            .map(|m| (m.name, m.value))
            .collect();
        let metric = params.text("metric")?.trim().to_owned();
        let at_least = params.text("must_be")? == "at least";
        let threshold = params.float("threshold")?;
        let verdict = check(&available, &metric, at_least, threshold).map_err(StepError::msg)?;
        ctx.log(format!("passed: {}", verdict.headline));
        Ok(Outputs::new().with("verdict", verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores() -> Vec<(String, f64)> {
        vec![("f1_macro".into(), 0.612), ("rmse".into(), 1.5)]
    }

    #[test]
    fn below_a_minimum_or_above_a_maximum_fails_naming_value_and_threshold() {
        assert_eq!(
            check(&scores(), "f1_macro", true, 0.7).unwrap_err(),
            "f1_macro = 0.612 is below the gate's minimum 0.700"
        );
        assert_eq!(
            check(&scores(), "rmse", false, 1.2).unwrap_err(),
            "rmse = 1.500 is above the gate's maximum 1.200"
        );
        assert_eq!(
            check(&scores(), "f1_macro", true, 0.6).unwrap().headline,
            "f1_macro = 0.612 ≥ 0.600"
        );
        // The threshold itself passes.
        assert!(check(&scores(), "rmse", false, 1.5).is_ok());
    }

    #[test]
    fn an_unknown_metric_lists_the_ones_there_are() {
        assert_eq!(
            check(&scores(), "auc", true, 0.5).unwrap_err(),
            "parameter \"metric\": the input has no metric \"auc\" (it has: f1_macro, rmse)"
        );
    }
}
