//! `evaluate.scatter`: a 2-D scatter of two columns, coloured by a third.

use std::collections::BTreeMap;

use pipewright_engine::{
    Inputs, KindDescriptor, NodeKind, Outputs, ParamSpec, ParamType, Params, PointSet, PortSpec,
    SeriesKind, SeriesView, StepContext, StepError, Value,
};
use polars::prelude::*;

use crate::artifacts::plot::{PLOT, ScatterPlot};
use crate::artifacts::{MAX_PLOT_POINTS, TABLE, Table};
use crate::columns;
use crate::error::{NodeError, Result};

/// `evaluate.scatter`.
pub struct Scatter {
    desc: KindDescriptor,
}

impl Scatter {
    /// The kind.
    pub fn new() -> Self {
        Self {
            desc: KindDescriptor {
                id: "evaluate.scatter",
                version: 1,
                category: crate::category::EVALUATE,
                title: "Scatter plot",
                doc: "Plots two numeric columns of a table against each other, one colour \
                      per distinct value of a colour column (a k-means cluster, a class), \
                      e.g. the two components of a PCA. Keeps at most 10,000 rows, evenly \
                      spread over the table.",
                inputs: vec![PortSpec::new("table", TABLE, "the rows to plot")],
                outputs: vec![PortSpec::new("plot", PLOT, "the scatter plot")],
                params: vec![
                    ParamSpec::new(
                        "x",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the column along x (empty: the first numeric column)",
                    ),
                    ParamSpec::new(
                        "y",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the column along y (empty: the next numeric column)",
                    ),
                    ParamSpec::new(
                        "color",
                        ParamType::Text,
                        Value::Text(String::new()),
                        "the column whose values colour the points, one set each (empty: \
                         one colour)",
                    ),
                ],
            },
        }
    }
}

impl Default for Scatter {
    fn default() -> Self {
        Self::new()
    }
}

/// The x and y columns: as given, or the first numeric columns that are neither the
/// other axis nor the colour column.
fn axes(df: &DataFrame, x: &str, y: &str, color: &str) -> Result<(String, String)> {
    let numeric = columns::numeric_names(df);
    let mut free = numeric
        .iter()
        .filter(|n| n.as_str() != color && n.as_str() != x && n.as_str() != y);
    let mut pick = |given: &str, param: &'static str| -> Result<String> {
        if !given.is_empty() {
            return Ok(given.to_owned());
        }
        free.next().cloned().ok_or_else(|| NodeError::Param {
            param,
            message: format!(
                "is empty and the table has no numeric column left to plot (numeric: {})",
                if numeric.is_empty() {
                    "none".to_owned()
                } else {
                    numeric.join(", ")
                }
            ),
        })
    };
    let x = pick(x, "x")?;
    let y = pick(y, "y")?;
    Ok((x, y))
}

/// The scatter of `table`'s `x` and `y` columns coloured by `color` (each may be
/// empty, see the parameters).
pub fn scatter(table: &Table, x: &str, y: &str, color: &str) -> Result<ScatterPlot> {
    let df = table.df();
    let (x, y, color) = (x.trim(), y.trim(), color.trim());
    let (x, y) = axes(df, x, y, color)?;
    let xs = columns::f64_values(df, &x)?;
    let ys = columns::f64_values(df, &y)?;
    for (name, values) in [(&x, &xs), (&y, &ys)] {
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(NodeError::NonFinite {
                column: name.clone(),
                row: i + 1,
                value: values[i],
            });
        }
    }
    let colors: Option<(Vec<Option<String>>, bool)> = if color.is_empty() {
        None
    } else {
        let col = columns::column(df, color)?;
        let numeric = columns::is_numeric(col.dtype());
        let text = col
            .cast(&DataType::String)
            .map_err(NodeError::polars(format!("column {color:?} as text")))?;
        let ca = text
            .str()
            .map_err(NodeError::polars(format!("column {color:?} as text")))?;
        Some((ca.iter().map(|v| v.map(str::to_owned)).collect(), numeric))
    };
    let total = xs.len();
    let k = total.min(MAX_PLOT_POINTS);
    // Sets keyed so numbers sort as numbers (cluster 10 after 9) and missing last.
    let mut sets: BTreeMap<(u8, i64, String), Vec<[f64; 2]>> = BTreeMap::new();
    for i in 0..k {
        // i·total/k < total for i < k; u128 keeps the product exact.
        let j = (i as u128 * total as u128 / k as u128) as usize;
        let key = match &colors {
            None => (0, 0, "points".to_owned()),
            Some((values, numeric)) => match &values[j] {
                None => (2, 0, "null".to_owned()),
                Some(v) => match (numeric, v.parse::<f64>()) {
                    (true, Ok(f)) => (0, (f * 1e6).round() as i64, v.clone()),
                    _ => (1, 0, v.clone()),
                },
            },
        };
        sets.entry(key).or_default().push([xs[j], ys[j]]);
    }
    let title = if color.is_empty() {
        format!("{y} against {x}")
    } else {
        format!("{y} against {x} by {color}")
    };
    Ok(ScatterPlot {
        series: SeriesView {
            title,
            kind: SeriesKind::Scatter,
            x_label: x,
            y_label: y,
            sets: sets
                .into_iter()
                .map(|((_, _, name), points)| PointSet {
                    name: if color.is_empty() {
                        name
                    } else {
                        format!("{color} {name}")
                    },
                    points,
                })
                .collect(),
            diagonal: false,
            total_points: total as u64,
        },
        color: color.to_owned(),
    })
}

impl NodeKind for Scatter {
    fn descriptor(&self) -> &KindDescriptor {
        &self.desc
    }

    fn run(
        &self,
        ctx: &mut StepContext<'_>,
        inputs: &Inputs,
        params: &Params,
    ) -> Result<Outputs, StepError> {
        let table = inputs.get::<Table>("table")?;
        let plot = scatter(
            table,
            params.text("x")?,
            params.text("y")?,
            params.text("color")?,
        )?;
        ctx.log(pipewright_engine::Artifact::summary(&plot));
        Ok(Outputs::new().with("plot", plot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn one_set_per_colour_with_numbers_in_numeric_order() {
        let df = df!(
            "pc1" => [0.0, 1.0, 2.0, 3.0],
            "pc2" => [1.0, 0.0, 1.0, 0.0],
            "cluster" => [10i64, 9, 10, 2]
        )
        .unwrap();
        let plot = scatter(&Table::new(df), "", "", "cluster").unwrap();
        let s = &plot.series;
        assert_eq!((s.x_label.as_str(), s.y_label.as_str()), ("pc1", "pc2"));
        let names: Vec<&str> = s.sets.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["cluster 2", "cluster 9", "cluster 10"]);
        assert_eq!(s.sets[2].points, [[0.0, 1.0], [2.0, 1.0]]);
        assert_eq!(s.kind, SeriesKind::Scatter);
    }

    #[test]
    fn large_tables_are_subsampled_evenly() {
        let n = 25_000;
        let xs: Vec<f64> = (0..n).map(f64::from).collect();
        let df = df!("x" => xs.clone(), "y" => xs, "species" => vec!["a"; n as usize]).unwrap();
        let plot = scatter(&Table::new(df), "x", "y", "species").unwrap();
        assert_eq!(plot.series.total_points, 25_000);
        assert_eq!(plot.series.sets[0].points.len(), MAX_PLOT_POINTS);
        assert_eq!(plot.series.sets[0].points[1], [2.0, 2.0]);
        assert!(pipewright_engine::Artifact::summary(&plot).starts_with("10000 of 25000 points"));
    }

    #[test]
    fn bad_columns_are_named() {
        let kind = Scatter::new();
        let df = df!("x" => [1.0], "label" => ["a"]).unwrap();
        let inputs = tables(&[("table", df)]);
        assert_eq!(
            failure(run(&kind, &inputs, &params(&kind, &[]))),
            "parameter \"y\": is empty and the table has no numeric column left to plot (numeric: x)"
        );
        assert_eq!(
            failure(run(
                &kind,
                &inputs,
                &params(&kind, &[("y", Value::Text("label".into()))])
            )),
            "column \"label\" is not numeric: row 1 is \"a\""
        );
        assert_eq!(
            failure(run(
                &kind,
                &inputs,
                &params(
                    &kind,
                    &[
                        ("x", Value::Text("x".into())),
                        ("y", Value::Text("x".into())),
                        ("color", Value::Text("nope".into()))
                    ]
                )
            )),
            "unknown column \"nope\" (the table has: x, label)"
        );
    }
}
