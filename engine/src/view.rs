//! Artifact views: what an artifact looks like, said without any UI.
//!
//! An artifact type describes itself as a list of [`ArtifactView`]s built from its
//! stored bytes (a table: its first rows; metrics: scores, a coefficient table and a
//! predicted-vs-actual scatter). The editor draws each view with egui, the CLI prints
//! it with [`ArtifactView::to_text`]; neither knows the catalogue's Rust types, so a new
//! artifact type needs no change in `app/` or here.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Whether a bigger or a smaller value of a metric is better. The artifact that carries
/// a metric says which ([`crate::Artifact::metrics`]); the run record keeps it beside the
/// value, so listing and comparing runs ranks them without guessing from names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    /// Errors and losses (mse, rmse, log loss, …).
    Minimize,
    /// Scores (r², accuracy, F1, AUC, …).
    Maximize,
    /// Counts and other values with no better direction (`n`): no best.
    #[default]
    Neutral,
}

impl Goal {
    /// Whether `a` is better than `b` under this goal.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Goal::Minimize => a < b,
            Goal::Maximize => a > b,
            Goal::Neutral => false,
        }
    }

    /// A few words for tooltips and the CLI.
    pub fn describe(self) -> &'static str {
        match self {
            Goal::Minimize => "lower is better",
            Goal::Maximize => "higher is better",
            Goal::Neutral => "neither higher nor lower is better",
        }
    }
}

/// A named scalar an artifact carries, with its goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// The metric's name, e.g. `"rmse"`.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Whether higher or lower is better.
    pub goal: Goal,
}

impl Metric {
    /// A metric.
    pub fn new(name: impl Into<String>, value: f64, goal: Goal) -> Self {
        Self {
            name: name.into(),
            value,
            goal,
        }
    }
}

/// One cell of a [`TableView`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    /// A missing value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text (or any other value, already formatted).
    Text(String),
}

impl Cell {
    /// The cell as plain text: numbers in full (`to_text` and CSV-like use), null as
    /// `null`.
    pub fn plain(&self) -> String {
        match self {
            Cell::Null => "null".to_owned(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(x) => x.to_string(),
            Cell::Text(s) => s.clone(),
        }
    }

    /// The number in the cell, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(x) => Some(*x),
            _ => None,
        }
    }
}

/// A column of a [`TableView`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// The column's name.
    pub name: String,
    /// Its type, as the artifact names it (e.g. `f64`, `str`).
    pub dtype: String,
}

/// The first rows of a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableView {
    /// What the table is (e.g. `"Table"`, `"Predictions"`).
    pub title: String,
    /// Rows in the whole table (more than `rows.len()` when cut).
    pub total_rows: u64,
    /// Names and types.
    pub columns: Vec<ColumnInfo>,
    /// The first rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

/// Named scalars (scores of a model, statistics of a column).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalarsView {
    /// What they are (e.g. `"Scores"`).
    pub title: String,
    /// The values in display order.
    pub items: Vec<Metric>,
}

/// A fitted linear model's terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoefficientsView {
    /// What was fitted, e.g. `"ridge (alpha=0.1), target y"`.
    pub title: String,
    /// The constant term, if the model has one.
    pub intercept: Option<f64>,
    /// (feature, coefficient) in the model's order.
    pub terms: Vec<(String, f64)>,
}

/// How the points of a [`SeriesView`] are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesKind {
    /// Points (predicted vs actual, a 2-D embedding).
    Scatter,
    /// Points joined in order (ROC and precision–recall curves, metric vs parameter).
    Line,
    /// A histogram of the x values of the points (their y is a weight, usually 1); the
    /// drawer chooses the bins, so histograms of several runs can share them.
    Histogram,
}

/// One named set of points of a [`SeriesView`] (a class, a cluster, a run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointSet {
    /// The set's name, shown in the legend (e.g. `"positive (AUC 0.93)"`).
    pub name: String,
    /// (x, y) points.
    pub points: Vec<[f64; 2]>,
}

/// Point sets on two axes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesView {
    /// The plot's title, e.g. `"Predicted vs actual"`; comparisons overlay the series
    /// of several runs that share a title.
    pub title: String,
    /// How to draw it.
    pub kind: SeriesKind,
    /// The x axis' name.
    pub x_label: String,
    /// The y axis' name.
    pub y_label: String,
    /// The sets.
    pub sets: Vec<PointSet>,
    /// Draw the diagonal `y = x` (a perfect prediction, a random classifier).
    pub diagonal: bool,
    /// Points before any subsampling (more than the points kept when cut).
    pub total_points: u64,
}

/// Labelled cells (a confusion matrix, a correlation table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixView {
    /// E.g. `"Confusion matrix"`.
    pub title: String,
    /// What the rows are (e.g. `"actual"`).
    pub row_axis: String,
    /// What the columns are (e.g. `"predicted"`).
    pub col_axis: String,
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// `cells[row][col]`.
    pub cells: Vec<Vec<f64>>,
}

/// One named set of bars of a [`BarsView`] (e.g. the actual or the predicted counts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarSet {
    /// The set's name, shown in the legend.
    pub name: String,
    /// One value per category of the view, in its order.
    pub values: Vec<f64>,
}

/// Categorical bars: one group per category, one bar per set in each (a class
/// balance chart: actual and predicted counts per class).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarsView {
    /// E.g. `"Class balance"`.
    pub title: String,
    /// What the categories are (e.g. `"class"`).
    pub x_label: String,
    /// What the values are (e.g. `"rows"`).
    pub y_label: String,
    /// The category labels, in display order.
    pub categories: Vec<String>,
    /// The sets, each with one value per category.
    pub sets: Vec<BarSet>,
}

/// Free text (a report, a fitted vocabulary's first terms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextView {
    /// What it is.
    pub title: String,
    /// The text.
    pub text: String,
}

/// One part of how an artifact shows itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ArtifactView {
    /// The first rows of a table.
    Table(TableView),
    /// Named scalars.
    Scalars(ScalarsView),
    /// A linear model's coefficients.
    Coefficients(CoefficientsView),
    /// Point sets on two axes.
    Series(SeriesView),
    /// Labelled cells.
    Matrix(MatrixView),
    /// Categorical bars.
    Bars(BarsView),
    /// Free text.
    Text(TextView),
}

impl ArtifactView {
    /// The view's title.
    pub fn title(&self) -> &str {
        match self {
            ArtifactView::Table(v) => &v.title,
            ArtifactView::Scalars(v) => &v.title,
            ArtifactView::Coefficients(v) => &v.title,
            ArtifactView::Series(v) => &v.title,
            ArtifactView::Matrix(v) => &v.title,
            ArtifactView::Bars(v) => &v.title,
            ArtifactView::Text(v) => &v.title,
        }
    }

    /// A text view.
    pub fn text(title: impl Into<String>, text: impl Into<String>) -> Self {
        ArtifactView::Text(TextView {
            title: title.into(),
            text: text.into(),
        })
    }

    /// The view as plain text for the terminal (`pipewright show`): tables aligned,
    /// numbers in full, series summarised (a terminal cannot plot).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        match self {
            ArtifactView::Table(t) => {
                let mut cells: Vec<Vec<String>> = t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let mut col = vec![c.name.clone(), c.dtype.clone()];
                        col.extend(t.rows.iter().map(|r| {
                            r.get(i)
                                .map_or_else(String::new, |c| one_line(&c.plain(), 60))
                        }));
                        col
                    })
                    .collect();
                let widths: Vec<usize> = cells
                    .iter()
                    .map(|c| c.iter().map(|s| s.chars().count()).max().unwrap_or(0))
                    .collect();
                for row in 0..t.rows.len() + 2 {
                    let line: Vec<String> = cells
                        .iter_mut()
                        .zip(&widths)
                        .map(|(c, w)| format!("{:>w$}", std::mem::take(&mut c[row]), w = *w))
                        .collect();
                    out.push_str(line.join("  ").trim_end());
                    out.push('\n');
                }
                let shown = t.rows.len() as u64;
                if t.total_rows > shown {
                    let _ = writeln!(out, "… {} more rows", t.total_rows - shown);
                }
            }
            ArtifactView::Scalars(s) => {
                let width = s.items.iter().map(|m| m.name.len()).max().unwrap_or(0);
                for m in &s.items {
                    let _ = writeln!(out, "{:<width$}  {}", m.name, m.value);
                }
            }
            ArtifactView::Coefficients(c) => {
                let width = c
                    .terms
                    .iter()
                    .map(|(t, _)| t.chars().count())
                    .chain([11])
                    .max()
                    .unwrap_or(0);
                if let Some(i) = c.intercept {
                    let _ = writeln!(out, "{:<width$}  {i}", "(intercept)");
                }
                for (t, w) in &c.terms {
                    let _ = writeln!(out, "{t:<width$}  {w}");
                }
            }
            ArtifactView::Series(s) => {
                for set in &s.sets {
                    let n = set.points.len();
                    let (xs, ys): (Vec<f64>, Vec<f64>) =
                        set.points.iter().map(|p| (p[0], p[1])).unzip();
                    let range = |v: &[f64]| {
                        let (lo, hi) = v
                            .iter()
                            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                                (lo.min(*x), hi.max(*x))
                            });
                        if v.is_empty() {
                            "–".to_owned()
                        } else {
                            format!("{lo} … {hi}")
                        }
                    };
                    match s.kind {
                        SeriesKind::Histogram => {
                            let _ = writeln!(out, "{}: {n} values, {}", set.name, range(&xs));
                        }
                        _ => {
                            let _ = writeln!(
                                out,
                                "{}: {n} points, {} {}, {} {}",
                                set.name,
                                s.x_label,
                                range(&xs),
                                s.y_label,
                                range(&ys)
                            );
                        }
                    }
                }
                if s.total_points > s.sets.iter().map(|s| s.points.len() as u64).sum() {
                    let _ = writeln!(out, "(of {} points)", s.total_points);
                }
            }
            ArtifactView::Matrix(m) => {
                let corner = format!("{} \\ {}", m.row_axis, m.col_axis);
                let mut grid: Vec<Vec<String>> = vec![
                    std::iter::once(corner)
                        .chain(m.cols.iter().cloned())
                        .collect(),
                ];
                for (label, row) in m.rows.iter().zip(&m.cells) {
                    grid.push(
                        std::iter::once(label.clone())
                            .chain(row.iter().map(|x| x.to_string()))
                            .collect(),
                    );
                }
                write_grid(&mut out, &grid);
            }
            ArtifactView::Bars(b) => {
                // Categories down, sets across: the terminal's natural bar chart.
                let mut grid: Vec<Vec<String>> = vec![
                    std::iter::once(b.x_label.clone())
                        .chain(b.sets.iter().map(|s| s.name.clone()))
                        .collect(),
                ];
                for (i, c) in b.categories.iter().enumerate() {
                    grid.push(
                        std::iter::once(c.clone())
                            .chain(b.sets.iter().map(|s| {
                                s.values.get(i).map_or_else(String::new, |v| v.to_string())
                            }))
                            .collect(),
                    );
                }
                write_grid(&mut out, &grid);
            }
            ArtifactView::Text(t) => {
                out.push_str(&t.text);
                if !t.text.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// Writes rows of cells aligned: the first column to the left, the others (numbers)
/// to the right.
fn write_grid(out: &mut String, grid: &[Vec<String>]) {
    let cols = grid.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            grid.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in grid {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (s, w))| {
                if i == 0 {
                    format!("{s:<w$}")
                } else {
                    format!("{s:>w$}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
}

/// Text on one line of at most `max` characters: line breaks shown as `⏎`, a longer
/// text cut and ended with `…`. For table cells and for values quoted in messages.
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.replace(['\n', '\r'], "⏎");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// Every view of an artifact as text, each under its title.
pub fn views_to_text(views: &[ArtifactView]) -> String {
    let mut out = String::new();
    for v in views {
        if !v.title().is_empty() {
            let _ = writeln!(out, "{}:", v.title());
        }
        for line in v.to_text().lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_prints_aligned_with_types_and_what_was_cut() {
        let t = ArtifactView::Table(TableView {
            title: "Table".into(),
            total_rows: 5,
            columns: vec![
                ColumnInfo {
                    name: "x".into(),
                    dtype: "f64".into(),
                },
                ColumnInfo {
                    name: "label".into(),
                    dtype: "str".into(),
                },
            ],
            rows: vec![
                vec![Cell::Float(1.5), Cell::Text("a\nb".into())],
                vec![Cell::Null, Cell::Text("c".into())],
            ],
        });
        assert_eq!(
            t.to_text(),
            "   x  label\n f64    str\n 1.5    a⏎b\nnull      c\n… 3 more rows\n"
        );
    }

    #[test]
    fn scalars_coefficients_and_a_matrix_print_as_columns() {
        let s = ArtifactView::Scalars(ScalarsView {
            title: "Scores".into(),
            items: vec![
                Metric::new("rmse", 0.5, Goal::Minimize),
                Metric::new("r2", 0.25, Goal::Maximize),
            ],
        });
        assert_eq!(s.to_text(), "rmse  0.5\nr2    0.25\n");
        let c = ArtifactView::Coefficients(CoefficientsView {
            title: "ols".into(),
            intercept: Some(1.0),
            terms: vec![("x".into(), 2.5)],
        });
        assert_eq!(c.to_text(), "(intercept)  1\nx            2.5\n");
        let m = ArtifactView::Matrix(MatrixView {
            title: "Confusion matrix".into(),
            row_axis: "actual".into(),
            col_axis: "predicted".into(),
            rows: vec!["neg".into(), "pos".into()],
            cols: vec!["neg".into(), "pos".into()],
            cells: vec![vec![5.0, 1.0], vec![0.0, 12.0]],
        });
        assert_eq!(
            m.to_text(),
            "actual \\ predicted  neg  pos\nneg                   5    1\npos                   0   12\n"
        );
    }

    #[test]
    fn bars_print_one_row_per_category() {
        let b = ArtifactView::Bars(BarsView {
            title: "Class balance".into(),
            x_label: "class".into(),
            y_label: "rows".into(),
            categories: vec!["negative".into(), "positive".into()],
            sets: vec![
                BarSet {
                    name: "actual".into(),
                    values: vec![3.0, 12.0],
                },
                BarSet {
                    name: "predicted".into(),
                    values: vec![5.0, 10.0],
                },
            ],
        });
        assert_eq!(
            b.to_text(),
            "class     actual  predicted\nnegative       3          5\npositive      12         10\n"
        );
    }

    #[test]
    fn a_series_is_summarised_and_views_print_under_their_titles() {
        let s = ArtifactView::Series(SeriesView {
            title: "Predicted vs actual".into(),
            kind: SeriesKind::Scatter,
            x_label: "actual".into(),
            y_label: "predicted".into(),
            sets: vec![PointSet {
                name: "predictions".into(),
                points: vec![[1.0, 2.0], [3.0, 4.0]],
            }],
            diagonal: true,
            total_points: 10,
        });
        assert_eq!(
            views_to_text(&[s, ArtifactView::text("Note", "hello")]),
            "Predicted vs actual:\n  predictions: 2 points, actual 1 … 3, predicted 2 … 4\n  (of 10 points)\nNote:\n  hello\n"
        );
    }

    #[test]
    fn goals_rank_and_serialise_in_lower_case() {
        assert!(Goal::Minimize.better(1.0, 2.0));
        assert!(Goal::Maximize.better(2.0, 1.0));
        assert!(!Goal::Neutral.better(2.0, 1.0));
        assert_eq!(
            serde_json::to_string(&Goal::Maximize).unwrap(),
            "\"maximize\""
        );
    }
}
