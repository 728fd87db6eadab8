//! The `clustering` artifact: what a k-means fit found — its centres, how many rows
//! each cluster holds, and its scores (inertia, lower is better; silhouette, higher
//! is better) as metrics, so runs with different k rank the right way — and the
//! [`Assignment`] a k-means step outputs as fitted state, which labels new rows with
//! their nearest centre (`transform.apply`).

use std::any::Any;
use std::sync::Arc;

use ndarray::{Array2, ArrayView1};
use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Cell, ColumnInfo, Encoding,
    Goal, Metric, ScalarsView, TableView,
};
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Table;
use crate::error::{NodeError, Result as NodeResult, decode_error, encode_error};
use crate::features::FeatureSpec;

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

/// What the fitted output keeps to label new rows: the features read and the centres.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The features, read from a new table as at fit time.
    pub features: FeatureSpec,
    /// One centre per cluster.
    pub centres: Vec<Vec<f64>>,
    /// The column the cluster goes to.
    pub column: String,
}

impl Assignment {
    /// `table` plus the cluster of each row (its nearest centre) as a `u32` column.
    pub fn apply(&self, table: &Table) -> NodeResult<Table> {
        let x = self.features.matrix(table)?.to_dense();
        if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(NodeError::NonFinite {
                column: self.features.names.get(j).cloned().unwrap_or_default(),
                row: i + 1,
                value: *v,
            });
        }
        let p = self.centres.first().map_or(0, Vec::len);
        let flat: Vec<f64> = self.centres.iter().flatten().copied().collect();
        let centres =
            Array2::from_shape_vec((self.centres.len(), p), flat).map_err(|e| NodeError::Fit {
                algorithm: "kmeans".into(),
                message: format!("stored centres: {e}"),
            })?;
        let labels = assign(&x, &centres);
        with_labels(table, &self.column, labels)
    }

    /// Every coordinate is finite.
    pub fn check_finite(&self) -> std::result::Result<(), String> {
        if self.centres.iter().flatten().any(|v| !v.is_finite()) {
            return Err("a centre coordinate is not a finite number".into());
        }
        Ok(())
    }
}

/// `table` with `labels` as the `u32` column `column` (replacing one of that name).
pub fn with_labels(table: &Table, column: &str, labels: Vec<u32>) -> NodeResult<Table> {
    let mut df = table.df().clone();
    df.with_column(UInt32Chunked::from_vec(column.into(), labels).into_column())
        .map_err(NodeError::polars(format!("adding column {column:?}")))?;
    Ok(table.derive(df))
}

/// The nearest centre of each row (the first on ties).
pub fn assign(x: &Array2<f64>, centres: &Array2<f64>) -> Vec<u32> {
    (0..x.nrows())
        .into_par_iter()
        .map(|i| nearest(x.row(i), centres).0 as u32)
        .collect()
}

fn nearest(row: ArrayView1<'_, f64>, centres: &Array2<f64>) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, centre) in centres.rows().into_iter().enumerate() {
        let d = sq_dist(row, centre);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// The squared euclidean distance of two rows.
pub fn sq_dist(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
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
