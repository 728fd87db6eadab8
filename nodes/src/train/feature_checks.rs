//! Checks of a feature matrix before a fit, naming the table column, the row and the
//! vector element at fault: a NaN reaching an optimiser gives NaN weights and a
//! message about "non-finite numbers" that says nothing of where they came from.

use crate::error::{NodeError, Result};
use crate::features::{FeatureMatrix, FeatureSpec};

/// The table column of matrix column `j`, and the element's name when that column
/// is a vector (`column:term` or `column[i]`).
pub fn origin(spec: &FeatureSpec, j: usize) -> (String, Option<String>) {
    let mut start = 0;
    for c in &spec.columns {
        let width = c.vector_dim.unwrap_or(1);
        if j < start + width {
            let element = c.vector_dim.map(|_| {
                spec.names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("[{}]", j - start))
            });
            return (c.name.clone(), element);
        }
        start += width;
    }
    (format!("feature {j}"), None)
}

/// The first stored value (row-major) for which `bad` holds, as (1-based row, matrix
/// column, value).
fn first_bad(x: &FeatureMatrix, bad: impl Fn(f64) -> bool) -> Option<(usize, usize, f64)> {
    for i in 0..x.n_rows() {
        let mut found = None;
        x.for_each_in_row(i, |j, v| {
            if found.is_none() && bad(v) {
                found = Some((j, v));
            }
        });
        if let Some((j, v)) = found {
            return Some((i + 1, j, v));
        }
    }
    None
}

/// `column "c" {what} in row {row} (element "c:term"){hint}`.
fn column_error(spec: &FeatureSpec, row: usize, j: usize, what: String, hint: &str) -> NodeError {
    let (column, element) = origin(spec, j);
    let element = element.map_or(String::new(), |e| format!(" (element {e:?})"));
    NodeError::Column {
        column,
        reason: format!("{what} in row {row}{element}{hint}"),
    }
}

/// Fails on the first NaN or infinite feature value, naming its column and row.
pub fn finite(x: &FeatureMatrix, spec: &FeatureSpec) -> Result<()> {
    match first_bad(x, |v| !v.is_finite()) {
        None => Ok(()),
        Some((row, j, v)) => Err(column_error(
            spec,
            row,
            j,
            format!("has {v}"),
            "; drop or impute those rows first",
        )),
    }
}

/// Fails on the first negative feature value (a model of counts or frequencies cannot
/// read one), naming its column and row; `algorithm` says which model refuses it.
pub fn non_negative(x: &FeatureMatrix, spec: &FeatureSpec, algorithm: &str) -> Result<()> {
    match first_bad(x, |v| v < 0.0) {
        None => Ok(()),
        Some((row, j, v)) => Err(column_error(
            spec,
            row,
            j,
            format!("has the negative value {v}"),
            &format!(
                ", which {algorithm} cannot use (it models counts or frequencies: do not \
                 standard-scale its features)"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use polars::prelude::*;

    use super::*;
    use crate::artifacts::Table;
    use crate::features::{Csr, with_vector_column};

    #[test]
    fn bad_values_name_column_row_and_element() {
        let base = Table::new(df!("n" => [1.0, f64::NAN], "y" => ["a", "b"]).unwrap());
        let mut m = Csr::new(2);
        m.push_row([(1, 0.5)]);
        m.push_row([(0, -1.0)]);
        let t = with_vector_column(
            &base,
            "v",
            m.clone(),
            Arc::new(vec!["up".into(), "down".into()]),
        )
        .unwrap();
        let spec = FeatureSpec::choose(&t, "v,n", &["y"]).unwrap();
        let x = spec.matrix(&t).unwrap();
        assert_eq!(origin(&spec, 1), ("v".into(), Some("v:down".into())));
        assert_eq!(origin(&spec, 2), ("n".into(), None));
        let err = finite(&x, &spec).unwrap_err().to_string();
        assert_eq!(
            err,
            "column \"n\" has NaN in row 2; drop or impute those rows first"
        );
        let err = non_negative(&x, &spec, "multinomial naive Bayes")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("column \"v\" has the negative value -1")
                && err.contains("in row 2 (element \"v:up\"), which multinomial"),
            "{err}"
        );
    }
}
