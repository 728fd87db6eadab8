//! The `plot` artifact: a 2-D scatter of two columns of a table, one point set per
//! value of a colour column (a k-means cluster, a class), for the PCA / k-means view.

use std::any::Any;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding, SeriesView,
};
use serde::{Deserialize, Serialize};

use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`ScatterPlot`].
pub const PLOT: &str = "plot";

/// The plot artifact type.
pub const PLOT_TYPE: ArtifactType = ArtifactType::new(PLOT, decode_plot);

/// A scatter plot, stored as the series view it shows (JSON; ≤ 10,000 points).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScatterPlot {
    /// The plot: one set per colour.
    pub series: SeriesView,
    /// What colours the points (the column), empty when nothing does.
    pub color: String,
}

impl Artifact for ScatterPlot {
    fn type_name(&self) -> &'static str {
        PLOT
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        if self
            .series
            .sets
            .iter()
            .flat_map(|s| &s.points)
            .flatten()
            .any(|v| !v.is_finite())
        {
            return Err(encode_error(PLOT, "a point is not a finite number"));
        }
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(PLOT, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        let shown: usize = self.series.sets.iter().map(|s| s.points.len()).sum();
        let of = if self.series.total_points > shown as u64 {
            format!("{shown} of {} points", self.series.total_points)
        } else {
            format!("{shown} points")
        };
        let by = if self.color.is_empty() {
            String::new()
        } else {
            format!(
                ", coloured by {} ({} sets)",
                self.color,
                self.series.sets.len()
            )
        };
        format!(
            "{of}: {} against {}{by}",
            self.series.y_label, self.series.x_label
        )
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        vec![ArtifactView::Series(self.series.clone())]
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored plot.
pub fn decode_plot(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            PLOT,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let p: ScatterPlot = serde_json::from_slice(bytes).map_err(|e| decode_error(PLOT, e))?;
    Ok(Arc::new(p))
}
