//! `evaluate.behaviour`: a small table of input rows with the output the model must
//! give (finance sentences and their sentiment; feature rows and a value within a
//! tolerance). Every miss is listed; one miss fails the run, so the model is never
//! bundled.

use pipewright_engine::{
    ANY, Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PortSpec,
    StepContext, StepError, Value, downcast, one_line,
};
use polars::prelude::DataType;

use crate::artifacts::verdict::{VERDICT, Verdict};
use crate::artifacts::{CLASSIFIER, Classifier, MODEL, Model, TABLE, Table};
use crate::columns;

/// `evaluate.behaviour`.
pub struct Behaviour {
    desc: KindDescriptor,
}

impl Behaviour {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.behaviour",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Behaviour test",
                doc: "Checks that the model behaves as designed before it is served: each \
                      row of the cases table (put through the same fitted transforms as \
                      the training rows, with Apply fitted) holds inputs and, in the \
                      expected column, the output the model must give — a class for a \
                      classifier, a number for a regression model, right when within the \
                      tolerance. Lists every miss; any miss fails the run, so \
                      `pipewright bundle` refuses it.",
                inputs: vec![
                    PortSpec::new("model", ANY, "a classifier or a regression model"),
                    PortSpec::new("cases", TABLE, "input rows with the expected output"),
                ],
                outputs: vec![PortSpec::new(
                    "verdict",
                    VERDICT,
                    "every case and its answer (only when all pass)",
                )],
                params: vec![
                    ParamSpec::new(
                        "expected",
                        ParamType::Text,
                        Value::Text("expected".into()),
                        "the column holding each case's expected output",
                    ),
                    ParamSpec::new(
                        "tolerance",
                        ParamType::Float {
                            min: Some(0.0),
                            max: None,
                        },
                        Value::Float(0.0),
                        "regression: the largest distance from the expected value that \
                         still counts as right",
                    ),
                    ParamSpec::new(
                        "show",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the column naming each case in messages [default: the first text \
                         column]",
                    ),
                ],
            },
        }
    }
}

/// One case's outcome.
struct Case {
    shown: String,
    expected: String,
    got: String,
    right: bool,
}

/// How each case is named: the `show` column's values, or `row N`.
fn names(cases: &Table, expected: &str, show: &str) -> Result<Vec<String>, String> {
    let df = cases.df();
    let column = if show.is_empty() {
        df.columns()
            .iter()
            .find(|c| c.dtype() == &DataType::String && c.name().as_str() != expected)
            .map(|c| c.name().to_string())
    } else {
        if df.column(show).is_err() {
            return Err(format!(
                "parameter \"show\": the cases have no column {show:?}"
            ));
        }
        Some(show.to_owned())
    };
    Ok(match column {
        Some(c) => {
            let s = df
                .column(&c)
                .and_then(|c| c.cast(&DataType::String))
                .map_err(|e| e.to_string())?;
            let s = s.str().map_err(|e| e.to_string())?.clone();
            s.iter()
                .enumerate()
                .map(|(i, v)| format!("row {i} {:?}", one_line(v.unwrap_or(""), 61)))
                .collect()
        }
        None => (0..df.height()).map(|i| format!("row {i}")).collect(),
    })
}

fn classify(
    c: &Classifier,
    cases: &Table,
    expected: &str,
    shown: &[String],
) -> Result<Vec<Case>, String> {
    let want = cases
        .df()
        .column(expected)
        .and_then(|c| c.cast(&DataType::String))
        .map_err(|e| e.to_string())?;
    let want = want.str().map_err(|e| e.to_string())?.clone();
    if let Some(bad) = want
        .iter()
        .flatten()
        .find(|w| !c.classes.iter().any(|k| k == w))
    {
        return Err(format!(
            "parameter \"expected\": {bad:?} is not a class of the model (it knows {})",
            c.classes.join(", ")
        ));
    }
    let out = c.predict_table(cases).map_err(|e| e.to_string())?;
    Ok(out
        .predicted
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let got = &c.classes[k];
            let expected = want.get(i).unwrap_or("").to_owned();
            let score = out.scores[[i, k]];
            Case {
                shown: shown[i].clone(),
                right: *got == expected,
                got: if out.probabilistic {
                    format!("{got} (p = {score:.2})")
                } else {
                    format!("{got} (score {score:.2})")
                },
                expected,
            }
        })
        .collect())
}

fn regress(
    m: &Model,
    cases: &Table,
    expected: &str,
    tolerance: f64,
    shown: &[String],
) -> Result<Vec<Case>, String> {
    let want = columns::f64_values(cases.df(), expected)
        .map_err(|e| format!("parameter \"expected\": {e}"))?;
    let got = m.predict(cases.df()).map_err(|e| e.to_string())?;
    Ok(got
        .iter()
        .zip(&want)
        .enumerate()
        .map(|(i, (&g, &w))| Case {
            shown: shown[i].clone(),
            expected: if tolerance > 0.0 {
                format!("{w} ± {tolerance}")
            } else {
                format!("{w}")
            },
            got: format!("{g:.6}"),
            right: (g - w).abs() <= tolerance,
        })
        .collect())
}

/// The verdict of the cases, or the list of misses.
fn judge(cases: Vec<Case>) -> Result<Verdict, String> {
    let n = cases.len();
    let misses: Vec<&Case> = cases.iter().filter(|c| !c.right).collect();
    if !misses.is_empty() {
        let mut m = format!("{} of {n} behaviour cases missed:", misses.len());
        for c in misses {
            m.push_str(&format!(
                "\n  {}: expected {}, got {}",
                c.shown, c.expected, c.got
            ));
        }
        return Err(m);
    }
    Ok(Verdict {
        headline: format!("{n} of {n} behaviour cases right"),
        lines: cases
            .iter()
            .map(|c| format!("{}: {}", c.shown, c.got))
            .collect(),
    })
}

impl NodeKind for Behaviour {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let model = inputs.arc("model")?;
        let cases = inputs.get::<Table>("cases")?;
        let expected = params.text("expected")?.trim().to_owned();
        let tolerance = params.float("tolerance")?;
        let show = params.text("show")?.trim().to_owned();
        if cases.df().height() == 0 {
            return Err(StepError::msg("the cases table has no rows"));
        }
        if cases.df().column(&expected).is_err() {
            return Err(StepError::msg(format!(
                "parameter \"expected\": the cases have no column {expected:?} (they have: {})",
                cases
                    .df()
                    .get_column_names()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let shown = names(cases, &expected, &show).map_err(StepError::msg)?;
        let outcome = match model.type_name() {
            CLASSIFIER => {
                let c = downcast::<Classifier>(model.as_ref()).map_err(StepError::msg)?;
                classify(c, cases, &expected, &shown)
            }
            MODEL => {
                let m = downcast::<Model>(model.as_ref()).map_err(StepError::msg)?;
                regress(m, cases, &expected, tolerance, &shown)
            }
            other => Err(format!(
                "input \"model\": a {other} is not a model (connect a classifier or a \
                 regression model)"
            )),
        }
        .map_err(StepError::msg)?;
        let verdict = judge(outcome).map_err(StepError::msg)?;
        ctx.log(format!("passed: {}", verdict.headline));
        Ok(Outputs::new().with("verdict", verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(shown: &str, expected: &str, got: &str, right: bool) -> Case {
        Case {
            shown: shown.into(),
            expected: expected.into(),
            got: got.into(),
            right,
        }
    }

    #[test]
    fn every_miss_is_listed() {
        let err = judge(vec![
            case(
                "row 0 \"Profit rose\"",
                "positive",
                "positive (p = 0.90)",
                true,
            ),
            case(
                "row 1 \"Sales fell\"",
                "negative",
                "neutral (p = 0.55)",
                false,
            ),
            case(
                "row 2 \"Loss widened\"",
                "negative",
                "positive (p = 0.51)",
                false,
            ),
        ])
        .unwrap_err();
        assert_eq!(
            err,
            "2 of 3 behaviour cases missed:\n  row 1 \"Sales fell\": expected negative, got \
             neutral (p = 0.55)\n  row 2 \"Loss widened\": expected negative, got positive \
             (p = 0.51)"
        );
        let ok = judge(vec![case("row 0", "1", "1.000000", true)]).unwrap();
        assert_eq!(ok.headline, "1 of 1 behaviour cases right");
    }
}
