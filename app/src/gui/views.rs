//! Drawing the engine's [`ArtifactView`]s: tables as grids, scalars and coefficients
//! as two-column tables, series as plots (egui_plot), matrices as heat maps (counts or
//! row-normalised), categorical bars as grouped bar charts, text as text. This is all the editor knows of artifacts: a new artifact type that describes
//! itself with these views is drawn without a change here.

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};
use pipewright_engine::view::BarsView;
use pipewright_engine::{
    ArtifactView, Cell, CoefficientsView, Goal, MatrixView, ScalarsView, SeriesKind, SeriesView,
    TableView,
};

use super::format::format_number;
use super::theme;

/// A salt that keeps the widget ids of one artifact's views apart from another's.
pub type Salt<'a> = (pipewright_engine::NodeId, &'a str);

/// Draws every view of one artifact, each under its title.
pub fn views_ui(views: &[ArtifactView], salt: Salt<'_>, ui: &mut Ui) {
    for (i, view) in views.iter().enumerate() {
        let salt = (salt.0, salt.1, i);
        if i > 0 {
            ui.add_space(6.0);
        }
        match view {
            ArtifactView::Table(t) => table_ui(t, salt, ui),
            ArtifactView::Scalars(s) => scalars_ui(s, salt, ui),
            ArtifactView::Coefficients(c) => coefficients_ui(c, salt, ui),
            ArtifactView::Series(s) => {
                title_ui(&s.title, ui);
                let sets: Vec<PlotSet<'_>> = s
                    .sets
                    .iter()
                    .enumerate()
                    .map(|(k, p)| PlotSet {
                        name: p.name.clone(),
                        points: &p.points,
                        color: indexed_color(k),
                        style: 0,
                    })
                    .collect();
                series_plot_ui(s, &sets, egui::Id::new(("series", salt)), 220.0, None, ui);
            }
            ArtifactView::Matrix(m) => matrix_ui(m, salt, ui),
            ArtifactView::Bars(b) => bars_ui(b, salt, ui),
            ArtifactView::Text(t) => {
                title_ui(&t.title, ui);
                ui.add(egui::Label::new(&t.text).wrap());
            }
        }
    }
}

type IdSalt<'a> = (pipewright_engine::NodeId, &'a str, usize);

fn title_ui(title: &str, ui: &mut Ui) {
    if !title.is_empty() {
        ui.label(RichText::new(title).strong());
    }
}

/// A cell as the editor shows it: numbers short, null as ∅, long text cut.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => "∅".to_owned(),
        Cell::Float(x) => format_number(*x),
        Cell::Text(s) => {
            // About three wrapped lines of a sentence column; the whole text on hover.
            const MAX: usize = 160;
            let flat = s.replace(['\n', '\r'], " ");
            if flat.chars().count() > MAX {
                format!("{}…", flat.chars().take(MAX - 1).collect::<String>())
            } else {
                flat
            }
        }
        other => other.plain(),
    }
}

/// The widest a table cell grows before its text wraps.
const TEXT_CELL_WIDTH: f32 = 220.0;

fn table_ui(t: &TableView, salt: IdSalt<'_>, ui: &mut Ui) {
    // Titled like every other view: an artifact may show several tables (metrics and
    // their per-class table). The artifact's summary above already says its size.
    title_ui(&t.title, ui);
    egui::CollapsingHeader::new("Column types")
        .id_salt(("coltypes", salt))
        .show(ui, |ui| {
            egui::Grid::new(("coltypes-grid", salt))
                .striped(true)
                .show(ui, |ui| {
                    for c in &t.columns {
                        ui.label(&c.name);
                        ui.label(RichText::new(&c.dtype).monospace().weak());
                        ui.end_row();
                    }
                });
        });
    if t.total_rows > t.rows.len() as u64 {
        ui.label(
            RichText::new(format!("first {} of {} rows", t.rows.len(), t.total_rows))
                .small()
                .weak(),
        );
    }
    egui::ScrollArea::both()
        .id_salt(("table-scroll", salt))
        .max_height(260.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new(("table", salt))
                .striped(true)
                .spacing([12.0, 2.0])
                .show(ui, |ui| {
                    ui.label(RichText::new("#").weak());
                    for c in &t.columns {
                        ui.label(RichText::new(&c.name).strong())
                            .on_hover_text(&c.dtype);
                    }
                    ui.end_row();
                    for (i, row) in t.rows.iter().enumerate() {
                        ui.label(RichText::new(i.to_string()).weak().monospace());
                        for cell in row {
                            let text = cell_text(cell);
                            // Long text wraps inside a bounded cell instead of stretching
                            // the grid into one endless line.
                            let r = ui
                                .scope(|ui| {
                                    ui.set_max_width(TEXT_CELL_WIDTH);
                                    ui.add(
                                        egui::Label::new(RichText::new(&text).monospace()).wrap(),
                                    )
                                })
                                .inner;
                            if let Cell::Text(full) = cell
                                && full.chars().count() != text.chars().count()
                            {
                                r.on_hover_text(full);
                            }
                        }
                        ui.end_row();
                    }
                });
        });
}

fn scalars_ui(s: &ScalarsView, salt: IdSalt<'_>, ui: &mut Ui) {
    title_ui(&s.title, ui);
    egui::Grid::new(("scalars", salt))
        .striped(true)
        .num_columns(2)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for m in &s.items {
                let r = ui.label(RichText::new(&m.name).strong());
                if m.goal != Goal::Neutral {
                    r.on_hover_text(m.goal.describe());
                }
                ui.label(RichText::new(format_number(m.value)).monospace());
                ui.end_row();
            }
        });
}

fn coefficients_ui(c: &CoefficientsView, salt: IdSalt<'_>, ui: &mut Ui) {
    title_ui(&c.title, ui);
    egui::Grid::new(("coefficients", salt))
        .striped(true)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            ui.label(RichText::new("term").weak());
            ui.label(RichText::new("coefficient").weak());
            ui.end_row();
            if let Some(i) = c.intercept {
                ui.label("(intercept)");
                ui.label(RichText::new(format_number(i)).monospace());
                ui.end_row();
            }
            for (term, w) in &c.terms {
                ui.label(term);
                ui.label(RichText::new(format_number(*w)).monospace());
                ui.end_row();
            }
        });
}

/// How a matrix's cells are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatrixScale {
    /// The values as they are (counts of a confusion matrix).
    #[default]
    Counts,
    /// Each value divided by its row's total (a confusion matrix's recall per class on
    /// the diagonal).
    RowShares,
}

/// The text of a matrix cell: the value, or its share of the row.
pub fn matrix_cell_text(value: f64, row_total: f64, scale: MatrixScale) -> String {
    match scale {
        MatrixScale::Counts => format_number(value),
        MatrixScale::RowShares if row_total > 0.0 => format!("{:.2}", value / row_total),
        MatrixScale::RowShares => "–".to_owned(),
    }
}

/// A confusion matrix (or any labelled cells) as a labelled heat map: each cell shaded
/// by its share of its row's total, the count or that share written in it (a toggle
/// above the map; the choice is view state, kept in egui's memory per view).
fn matrix_ui(m: &MatrixView, salt: IdSalt<'_>, ui: &mut Ui) {
    title_ui(&m.title, ui);
    let scale_id = egui::Id::new(("matrix-scale", salt));
    let mut scale: MatrixScale = ui.data(|d| d.get_temp(scale_id)).unwrap_or_default();
    ui.horizontal(|ui| {
        ui.selectable_value(&mut scale, MatrixScale::Counts, "Counts")
            .on_hover_text("the number of rows in each cell");
        ui.selectable_value(&mut scale, MatrixScale::RowShares, "Row-normalised")
            .on_hover_text(format!(
                "each cell as a share of its row (of the {} rows of that {})",
                m.row_axis, m.row_axis
            ));
    });
    ui.data_mut(|d| d.insert_temp(scale_id, scale));
    let accent = theme::type_color("metrics");
    egui::Grid::new(("matrix", salt))
        .spacing([4.0, 4.0])
        .show(ui, |ui| {
            ui.label(RichText::new(format!("{} \\ {}", m.row_axis, m.col_axis)).weak());
            for c in &m.cols {
                ui.label(RichText::new(c).strong())
                    .on_hover_text(format!("{} {c}", m.col_axis));
            }
            ui.end_row();
            for (label, row) in m.rows.iter().zip(&m.cells) {
                ui.label(RichText::new(label).strong())
                    .on_hover_text(format!("{} {label}", m.row_axis));
                let total: f64 = row.iter().filter(|x| x.is_finite()).sum();
                for (col, x) in m.cols.iter().zip(row) {
                    let share = if total > 0.0 { x / total } else { 0.0 };
                    let fill = accent.gamma_multiply((0.15 + 0.85 * share as f32).clamp(0.0, 1.0));
                    let text = if share > 0.55 {
                        Color32::WHITE
                    } else {
                        ui.visuals().text_color()
                    };
                    egui::Frame::new()
                        .fill(fill)
                        .inner_margin(egui::Margin::symmetric(8, 3))
                        .show(ui, |ui| {
                            ui.label(
                                RichText::new(matrix_cell_text(*x, total, scale))
                                    .monospace()
                                    .color(text),
                            )
                            .on_hover_text(format!(
                                "{} {label}, {} {col}: {} ({:.1} % of the row)",
                                m.row_axis,
                                m.col_axis,
                                format_number(*x),
                                share * 100.0
                            ));
                        });
                }
                ui.end_row();
            }
        });
}

/// Categorical bars: one group per category, one bar per set in the set's colour, the
/// categories named under the x axis and each bar's value on hover.
fn bars_ui(b: &BarsView, salt: IdSalt<'_>, ui: &mut Ui) {
    title_ui(&b.title, ui);
    let n = b.sets.len().max(1) as f64;
    let group_w = 0.8;
    let bar_w = group_w / n;
    let charts: Vec<BarChart> = b
        .sets
        .iter()
        .enumerate()
        .map(|(k, set)| {
            let bars = set
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let x = i as f64 - group_w / 2.0 + bar_w * (k as f64 + 0.5);
                    let category = b.categories.get(i).map_or("", String::as_str);
                    Bar::new(x, *v)
                        .width(bar_w * 0.9)
                        .name(format!("{category} ({})", set.name))
                })
                .collect();
            BarChart::new(set.name.clone(), bars)
                .color(indexed_color(k))
                .element_formatter(Box::new(|bar, _| {
                    format!("{}: {}", bar.name, format_number(bar.value))
                }))
        })
        .collect();
    let categories = b.categories.clone();
    Plot::new(("bars", salt))
        .allow_scroll(false)
        .height(200.0)
        .x_axis_label(b.x_label.clone())
        .y_axis_label(b.y_label.clone())
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                categories.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
        });
}

/// One drawn set of points: a class, a cluster, or one run of a comparison.
pub struct PlotSet<'a> {
    /// Its legend entry.
    pub name: String,
    /// Its points.
    pub points: &'a [[f64; 2]],
    /// Its colour.
    pub color: Color32,
    /// Which of its run's sets it is: a comparison draws every set of a run (the
    /// classes of a ROC plot) in the run's colour and tells them apart by line style
    /// or marker shape. 0 (solid, circles) in one artifact's plot.
    pub style: usize,
}

/// The line style of the `i`-th set of a run.
fn line_style(i: usize) -> LineStyle {
    match i % 4 {
        0 => LineStyle::Solid,
        1 => LineStyle::dashed_loose(),
        2 => LineStyle::dotted_loose(),
        _ => LineStyle::dashed_dense(),
    }
}

/// The marker of the `i`-th set of a run.
fn marker_shape(i: usize) -> MarkerShape {
    const SHAPES: [MarkerShape; 5] = [
        MarkerShape::Circle,
        MarkerShape::Diamond,
        MarkerShape::Square,
        MarkerShape::Cross,
        MarkerShape::Up,
    ];
    SHAPES[i % SHAPES.len()]
}

/// Distinct colours for the sets of a plot (Tableau 10).
const SET_COLORS: [Color32; 10] = [
    Color32::from_rgb(0x4e, 0x79, 0xa7),
    Color32::from_rgb(0xf2, 0x8e, 0x2b),
    Color32::from_rgb(0x59, 0xa1, 0x4f),
    Color32::from_rgb(0xe1, 0x57, 0x59),
    Color32::from_rgb(0xb0, 0x7a, 0xa1),
    Color32::from_rgb(0x76, 0xb7, 0xb2),
    Color32::from_rgb(0xed, 0xc9, 0x48),
    Color32::from_rgb(0x9c, 0x75, 0x5f),
    Color32::from_rgb(0xff, 0x9d, 0xa7),
    Color32::from_rgb(0xba, 0xb0, 0xac),
];

/// The `i`-th distinct colour: of the sets of one plot (classes, clusters), or of the
/// runs of a comparison.
pub fn indexed_color(i: usize) -> Color32 {
    SET_COLORS[i % SET_COLORS.len()]
}

/// Draws `sets` the way `series` says (its kind, axes and diagonal): the plot of one
/// artifact, or the overlay of the same plot of several runs. Histograms share their
/// bins across sets and show each set's share of points, so sets of different sizes
/// compare. `width` defaults to the available width.
pub fn series_plot_ui(
    series: &SeriesView,
    sets: &[PlotSet<'_>],
    id: egui::Id,
    height: f32,
    width: Option<f32>,
    ui: &mut Ui,
) {
    // Overlaid histograms show shares, not counts (see below).
    let y_label = if series.kind == SeriesKind::Histogram && sets.len() > 1 {
        "share of points".to_owned()
    } else {
        series.y_label.clone()
    };
    // The wheel scrolls the inspector the plot sits in; it does not pan the plot
    // (a user scrolling down the results would drag every curve out of view). Zoom
    // stays on Ctrl + wheel and box drag; double-click resets.
    let mut plot = Plot::new(id)
        .allow_scroll(false)
        .height(height)
        .x_axis_label(series.x_label.clone())
        .y_axis_label(y_label)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop));
    if let Some(w) = width {
        plot = plot.width(w);
    }
    match series.kind {
        SeriesKind::Scatter | SeriesKind::Line => {
            if series.diagonal && series.kind == SeriesKind::Scatter {
                plot = plot.data_aspect(1.0);
            }
            let (lo, hi) = sets
                .iter()
                .flat_map(|s| s.points.iter())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p[0]).min(p[1]), hi.max(p[0]).max(p[1]))
                });
            plot.show(ui, |plot| {
                if series.diagonal && lo.is_finite() && hi.is_finite() {
                    plot.line(
                        Line::new("y = x", PlotPoints::from(vec![[lo, lo], [hi, hi]]))
                            .color(Color32::GRAY)
                            .width(1.0),
                    );
                }
                for s in sets {
                    let points = PlotPoints::from(s.points.to_vec());
                    if series.kind == SeriesKind::Scatter {
                        plot.points(
                            Points::new(s.name.clone(), points)
                                .radius(2.5)
                                .shape(marker_shape(s.style))
                                .color(s.color),
                        );
                    } else {
                        plot.line(
                            Line::new(s.name.clone(), points)
                                .color(s.color)
                                .style(line_style(s.style))
                                .width(2.0),
                        );
                    }
                }
            });
        }
        SeriesKind::Histogram => {
            let values: Vec<Vec<f64>> = sets
                .iter()
                .map(|s| {
                    s.points
                        .iter()
                        .map(|p| p[0])
                        .filter(|x| x.is_finite())
                        .collect()
                })
                .collect();
            let bins = Bins::over(&values);
            let overlay = sets.len() > 1;
            plot.show(ui, |plot| {
                let Some(bins) = &bins else { return };
                for (s, v) in sets.iter().zip(&values) {
                    let counts = bins.count(v);
                    if overlay {
                        // Outlines of shares, so several runs can be read through each other.
                        let total = v.len().max(1) as f64;
                        let mut points = vec![[bins.lo, 0.0]];
                        for (b, c) in counts.iter().enumerate() {
                            let x0 = bins.lo + b as f64 * bins.width;
                            let y = *c as f64 / total;
                            points.push([x0, y]);
                            points.push([x0 + bins.width, y]);
                        }
                        points.push([bins.lo + bins.n as f64 * bins.width, 0.0]);
                        plot.line(
                            Line::new(s.name.clone(), PlotPoints::from(points))
                                .color(s.color)
                                .width(2.0),
                        );
                    } else {
                        let bars: Vec<Bar> = counts
                            .iter()
                            .enumerate()
                            .map(|(b, c)| {
                                Bar::new(bins.lo + (b as f64 + 0.5) * bins.width, *c as f64)
                                    .width(bins.width * 0.95)
                            })
                            .collect();
                        plot.bar_chart(BarChart::new(s.name.clone(), bars).color(s.color));
                    }
                }
            });
        }
    }
}

/// Equal-width bins over the values of every set.
struct Bins {
    lo: f64,
    width: f64,
    n: usize,
}

impl Bins {
    fn over(sets: &[Vec<f64>]) -> Option<Self> {
        let (lo, hi) = sets
            .iter()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(*x), hi.max(*x))
            });
        if !lo.is_finite() {
            return None;
        }
        let longest = sets.iter().map(Vec::len).max().unwrap_or(0);
        let n = ((longest as f64).sqrt().ceil() as usize).clamp(5, 40);
        Some(Self {
            lo,
            width: ((hi - lo) / n as f64).max(f64::EPSILON),
            n,
        })
    }

    fn count(&self, values: &[f64]) -> Vec<usize> {
        let mut counts = vec![0; self.n];
        for x in values {
            let i = (((x - self.lo) / self.width) as usize).min(self.n - 1);
            counts[i] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_every_set_and_count_each_value_once() {
        let bins = Bins::over(&[vec![0.0, 1.0, 2.0], vec![10.0]]).unwrap();
        assert_eq!(bins.n, 5);
        assert_eq!(bins.lo, 0.0);
        assert_eq!(bins.width, 2.0);
        assert_eq!(bins.count(&[0.0, 1.0, 2.0]), [2, 1, 0, 0, 0]);
        assert_eq!(
            bins.count(&[10.0]),
            [0, 0, 0, 0, 1],
            "the maximum is in the last bin"
        );
        assert!(Bins::over(&[vec![], vec![]]).is_none());
    }

    #[test]
    fn matrix_cells_show_counts_or_row_shares() {
        assert_eq!(matrix_cell_text(12.0, 16.0, MatrixScale::Counts), "12");
        assert_eq!(matrix_cell_text(12.0, 16.0, MatrixScale::RowShares), "0.75");
        assert_eq!(matrix_cell_text(0.0, 0.0, MatrixScale::RowShares), "–");
    }

    #[test]
    fn cells_read_short() {
        assert_eq!(cell_text(&Cell::Float(0.25)), "0.25");
        assert_eq!(cell_text(&Cell::Null), "∅");
        assert_eq!(cell_text(&Cell::Int(7)), "7");
        let long = "word ".repeat(80);
        let shown = cell_text(&Cell::Text(long));
        assert_eq!(shown.chars().count(), 160);
        assert!(shown.ends_with('…'));
    }
}
