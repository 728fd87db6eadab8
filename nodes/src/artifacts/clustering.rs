//! The `clustering` artifact: what a k-means fit found — its centres, how many rows
//! each cluster holds, and its scores (inertia, lower is better; silhouette, higher
//! is better) as metrics, so runs with different k rank the right way.

use std::any::Any;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Cell, ColumnInfo, Encoding,
    Goal, Metric, ScalarsView, TableView,
};
use serde::{Deserialize, Serialize};

use crate::error::{decode_error, encode_error};

/// The port type (and artifact type name) of [`Clustering`].
pub const CLUSTERING: &str = "clustering";

/// The clustering artifact type.
pub const CLUSTERING_TYPE: ArtifactType = ArtifactType::new(CLUSTERING, decode_clustering);

/// A fitted clustering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// The algorithm, e.g. `"kmeans"`.
    pub algorithm: String,
    /// The feature names, one per centre coordinate.
    pub features: Vec<String>,
    /// `k` centres, one coordinate per feature.
    pub centres: Vec<Vec<f64>>,
    /// Rows in each cluster.
    pub sizes: Vec<u64>,
    /// Sum of squared distances of the rows to their centre.
    pub inertia: f64,
    /// Mean silhouette coefficient (none when it is undefined: one non-empty cluster).
    pub silhouette: Option<f64>,
    /// Rows the silhouette was computed on (all, or a seeded sample of a large table).
    pub silhouette_rows: u64,
    /// Iterations of the best run.
    pub n_iter: u64,
}

impl Clustering {
    /// Every number is finite.
    fn check_finite(&self) -> std::result::Result<(), String> {
        if self.centres.iter().flatten().any(|v| !v.is_finite()) {
            return Err("a centre coordinate is not a finite number".into());
        }
        if !self.inertia.is_finite() || self.silhouette.is_some_and(|s| !s.is_finite()) {
            return Err("a score is not a finite number".into());
        }
        Ok(())
    }
}

impl Artifact for Clustering {
    fn type_name(&self) -> &'static str {
        CLUSTERING
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        self.check_finite()
            .map_err(|e| encode_error(CLUSTERING, e))?;
        let bytes = serde_json::to_vec(self).map_err(|e| encode_error(CLUSTERING, e))?;
        Ok((Encoding::Json, bytes))
    }

    fn summary(&self) -> String {
        format!(
            "{} with {} clusters on {} features (inertia {:.6}{})",
            self.algorithm,
            self.centres.len(),
            self.features.len(),
            self.inertia,
            self.silhouette
                .map_or(String::new(), |s| format!(", silhouette {s:.4}"))
        )
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        let mut columns = vec![
            ColumnInfo {
                name: "cluster".into(),
                dtype: "u32".into(),
            },
            ColumnInfo {
                name: "rows".into(),
                dtype: "u64".into(),
            },
        ];
        columns.extend(self.features.iter().map(|f| ColumnInfo {
            name: f.clone(),
            dtype: "f64".into(),
        }));
        let rows = self
            .centres
            .iter()
            .zip(&self.sizes)
            .enumerate()
            .map(|(c, (centre, size))| {
                let mut row = vec![Cell::Int(c as i64), Cell::Int(*size as i64)];
                row.extend(centre.iter().map(|v| Cell::Float(*v)));
                row
            })
            .collect();
        vec![
            ArtifactView::Scalars(ScalarsView {
                title: "Scores".into(),
                items: self.metrics(),
            }),
            ArtifactView::Table(TableView {
                title: "Centres".into(),
                total_rows: self.centres.len() as u64,
                columns,
                rows,
            }),
            ArtifactView::Scalars(ScalarsView {
                title: "Cluster sizes".into(),
                items: self
                    .sizes
                    .iter()
                    .enumerate()
                    .map(|(c, s)| Metric::new(format!("cluster {c}"), *s as f64, Goal::Neutral))
                    .collect(),
            }),
        ]
    }

    fn metrics(&self) -> Vec<Metric> {
        let mut m = vec![Metric::new("inertia", self.inertia, Goal::Minimize)];
        if let Some(s) = self.silhouette {
            m.push(Metric::new("silhouette", s, Goal::Maximize));
        }
        m.push(Metric::new("n_iter", self.n_iter as f64, Goal::Neutral));
        m
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored clustering.
pub fn decode_clustering(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            CLUSTERING,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let c: Clustering = serde_json::from_slice(bytes).map_err(|e| decode_error(CLUSTERING, e))?;
    Ok(Arc::new(c))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Two clusters on one feature.
    pub(crate) fn sample() -> Clustering {
        Clustering {
            algorithm: "kmeans".into(),
            features: vec!["x".into()],
            centres: vec![vec![0.5], vec![10.0]],
            sizes: vec![2, 1],
            inertia: 0.5,
            silhouette: Some(0.9),
            silhouette_rows: 3,
            n_iter: 2,
        }
    }

    #[test]
    fn round_trips_and_ranks_its_scores() {
        let c = sample();
        let (enc, bytes) = c.encode().unwrap();
        let back = decode_clustering(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Clustering>(back.as_ref()).unwrap(),
            &c
        );
        let m = c.metrics();
        assert_eq!((m[0].name.as_str(), m[0].goal), ("inertia", Goal::Minimize));
        assert_eq!(
            (m[1].name.as_str(), m[1].goal),
            ("silhouette", Goal::Maximize)
        );
        let views = c.views(5);
        let titles: Vec<&str> = views.iter().map(|v| v.title()).collect();
        assert_eq!(titles, ["Scores", "Centres", "Cluster sizes"]);
    }
}
