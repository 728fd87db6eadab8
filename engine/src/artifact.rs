//! Artifacts: the opaque, typed values steps exchange.
//!
//! The engine never looks inside an artifact. It asks it for a stable byte encoding
//! (hashed for the content address and the cache key, written to the store), its
//! metrics with their goals, and its views ([`ArtifactView`]); it decodes stored bytes
//! through the [`ArtifactType`] the owning crate registered for the type name.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::view::{ArtifactView, Goal, Metric};

/// Errors encoding or decoding an artifact.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The artifact could not be encoded.
    #[error("cannot encode {type_name} artifact: {message}")]
    Encode {
        /// The artifact's type name.
        type_name: String,
        /// What went wrong.
        message: String,
    },
    /// Stored bytes could not be decoded.
    #[error("cannot decode {type_name} artifact: {message}")]
    Decode {
        /// The artifact's type name.
        type_name: String,
        /// What went wrong.
        message: String,
    },
    /// No decoder is registered for this type name.
    #[error("no decoder for artifact type {0:?} (is its node catalogue registered?)")]
    UnknownType(String),
    /// The artifact is not of the Rust type asked for.
    #[error("artifact is a {found}, not a {expected}")]
    WrongType {
        /// What the caller asked for.
        expected: &'static str,
        /// What the artifact is.
        found: String,
    },
}

/// How an artifact's bytes are laid out, so the store knows whether to compress them
/// and readers outside Pipewright know how to open them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encoding {
    /// Apache Parquet (already compressed; pandas/polars/DuckDB read it).
    Parquet,
    /// UTF-8 JSON.
    Json,
    /// Raw bytes of an included file.
    Raw,
}

impl Encoding {
    /// Whether the bytes are compressed already (the store then keeps them as they are).
    pub fn is_compressed(self) -> bool {
        matches!(self, Encoding::Parquet)
    }

    /// The usual file extension for exported bytes.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Parquet => "parquet",
            Encoding::Json => "json",
            Encoding::Raw => "bin",
        }
    }
}

/// A value produced by a step: a table, a model, metrics, …
///
/// Implementations live in the node catalogue; the engine only moves them around,
/// hashes their encoding and stores it.
pub trait Artifact: Any + Send + Sync + fmt::Debug {
    /// The artifact's type name; equals the port type it travels on (e.g. `"table"`).
    fn type_name(&self) -> &'static str;

    /// A stable encoding: equal values give equal bytes.
    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError>;

    /// A one-line summary for logs, the CLI and tooltips (e.g. `"1000 rows × 2 columns"`).
    fn summary(&self) -> String;

    /// How the artifact shows itself: a table's first `max_rows` rows, a model's
    /// coefficients, scores and plots. The editor draws these views and the CLI prints
    /// them ([`ArtifactView::to_text`]); the default is the one-line summary.
    fn views(&self, max_rows: usize) -> Vec<ArtifactView> {
        let _ = max_rows;
        vec![ArtifactView::text("", self.summary())]
    }

    /// Extra file formats (by extension) [`Artifact::export`] can write besides the
    /// native encoding's (`parquet` for tables, `json` for records).
    fn export_formats(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// The artifact as a file of `format` (an extension: `parquet`, `csv`, `json`).
    /// The default writes the native encoding and refuses anything else.
    fn export(&self, format: &str) -> Result<Vec<u8>, ArtifactError> {
        let (encoding, bytes) = self.encode()?;
        if format.eq_ignore_ascii_case(encoding.extension()) {
            Ok(bytes)
        } else {
            let mut formats = vec![encoding.extension()];
            formats.extend(self.export_formats());
            Err(ArtifactError::Encode {
                type_name: self.type_name().to_owned(),
                message: format!(
                    "cannot export as {format:?}; it exports as {}",
                    formats.join(", ")
                ),
            })
        }
    }

    /// Scalar metrics this artifact carries (e.g. `rmse`, `r2`), each with whether
    /// higher or lower is better; recorded with the run so runs can be listed, ranked
    /// and compared by them without loading the artifact.
    fn metrics(&self) -> Vec<Metric> {
        Vec::new()
    }

    /// Up-cast for downcasting to the concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// A shared, immutable artifact.
pub type ArtifactArc = Arc<dyn Artifact>;

/// Downcasts an artifact to its concrete type.
pub fn downcast<T: Artifact>(artifact: &dyn Artifact) -> Result<&T, ArtifactError> {
    artifact
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| ArtifactError::WrongType {
            expected: std::any::type_name::<T>(),
            found: artifact.type_name().to_owned(),
        })
}

/// Turns stored bytes back into an artifact of one type.
pub type DecodeFn = fn(Encoding, &[u8]) -> Result<ArtifactArc, ArtifactError>;

/// Builds an artifact's views straight from its stored bytes, at most `max_rows` rows
/// of a table (so previewing a million-row table reads only its first rows).
pub type ViewFn = fn(Encoding, &[u8], usize) -> Result<Vec<ArtifactView>, ArtifactError>;

/// An artifact type as the catalogue registers it: its name (the port type it travels
/// on), how to decode it, and optionally a faster way to view it than decoding it.
#[derive(Clone, Copy, Debug)]
pub struct ArtifactType {
    /// The type name, e.g. `"table"`.
    pub name: &'static str,
    /// Stored bytes → artifact.
    pub decode: DecodeFn,
    /// Stored bytes → views without a full decode; `None`: decode and ask
    /// [`Artifact::views`].
    pub view: Option<ViewFn>,
}

impl ArtifactType {
    /// A type viewed by decoding it.
    pub const fn new(name: &'static str, decode: DecodeFn) -> Self {
        Self {
            name,
            decode,
            view: None,
        }
    }

    /// Views it straight from its bytes.
    pub const fn with_view(mut self, view: ViewFn) -> Self {
        self.view = Some(view);
        self
    }

    /// The views of stored bytes of this type.
    pub fn views(
        &self,
        encoding: Encoding,
        bytes: &[u8],
        max_rows: usize,
    ) -> Result<Vec<ArtifactView>, ArtifactError> {
        match self.view {
            Some(view) => view(encoding, bytes, max_rows),
            None => Ok((self.decode)(encoding, bytes)?.views(max_rows)),
        }
    }
}

/// The artifact types a store can decode, by name. The store needs only these, not
/// the node kinds.
#[derive(Clone, Debug, Default)]
pub struct ArtifactTypes {
    types: BTreeMap<&'static str, ArtifactType>,
}

impl ArtifactTypes {
    /// No types.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a type; one with the same name is replaced.
    pub fn register(&mut self, ty: ArtifactType) {
        self.types.insert(ty.name, ty);
    }

    /// The type named `name`.
    pub fn get(&self, name: &str) -> Option<&ArtifactType> {
        self.types.get(name)
    }

    /// Every type, by name.
    pub fn iter(&self) -> impl Iterator<Item = &ArtifactType> {
        self.types.values()
    }

    /// Decodes stored bytes of the type `name`.
    pub fn decode(
        &self,
        name: &str,
        encoding: Encoding,
        bytes: &[u8],
    ) -> Result<ArtifactArc, ArtifactError> {
        let ty = self
            .get(name)
            .ok_or_else(|| ArtifactError::UnknownType(name.to_owned()))?;
        (ty.decode)(encoding, bytes)
    }

    /// The views of stored bytes of the type `name`; a type this build does not know
    /// shows as text saying so (old stores, removed catalogues).
    pub fn views(
        &self,
        name: &str,
        encoding: Encoding,
        bytes: &[u8],
        max_rows: usize,
    ) -> Result<Vec<ArtifactView>, ArtifactError> {
        match self.get(name) {
            Some(ty) => ty.views(encoding, bytes, max_rows),
            None => Err(ArtifactError::UnknownType(name.to_owned())),
        }
    }
}

/// A reference to a stored artifact, as kept in run records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// The blake3 hash (hex) of the encoded bytes: the blob's address.
    pub hash: String,
    /// The artifact's type name.
    pub type_name: String,
    /// How the bytes are encoded.
    pub encoding: Encoding,
    /// Size of the encoded bytes.
    pub bytes: u64,
    /// The artifact's one-line summary when it was stored.
    pub summary: String,
    /// The artifact's scalar metrics, if it has any (see [`Artifact::metrics`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<BTreeMap<String, f64>>,
    /// Whether higher or lower is better, for each metric that has a direction
    /// (missing: neutral; records written before goals were kept have none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub goals: BTreeMap<String, Goal>,
}

impl ArtifactRef {
    /// The goal of one of its metrics.
    pub fn goal(&self, metric: &str) -> Goal {
        self.goals.get(metric).copied().unwrap_or_default()
    }
}
