//! The `.pwm` file: `PWMODEL\n`, the format number (u32, little endian), the
//! manifest's length (u64) and the manifest as JSON, then every part in manifest
//! order (the model, then the transforms), each zstd-compressed. A part is checked
//! against its blake3 hash when read, so a damaged file is refused, not half-used.

use std::io::Read;
use std::path::Path;

use pipewright_engine::{Artifact, ArtifactArc, ArtifactTypes, Encoding, downcast};

use super::{BUNDLE_FORMAT, Bundle, Manifest, Part, Predictor};
use crate::artifacts::{CLASSIFIER, Classifier, FITTED, Fitted, MODEL, Model};

const MAGIC: &[u8; 8] = b"PWMODEL\n";

/// Why a bundle file cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a bundle.
    #[error("{path} is not a Pipewright model bundle (it does not start with PWMODEL)")]
    NotABundle {
        /// The file.
        path: String,
    },
    /// The file was written by a newer Pipewright.
    #[error(
        "{path} is a model bundle of format {found}, newer than this Pipewright reads \
         (format {BUNDLE_FORMAT}); update Pipewright to serve it"
    )]
    Newer {
        /// The file.
        path: String,
        /// Its format.
        found: u32,
    },
    /// The file is damaged or truncated.
    #[error("{path} is damaged: {reason}")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

fn damaged(path: &Path, reason: impl Into<String>) -> FileError {
    FileError::Damaged {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Writes a bundle: the manifest and the parts' bytes, in manifest order.
pub(super) fn write(path: &Path, manifest: &Manifest, parts: &[Vec<u8>]) -> Result<u64, FileError> {
    let manifest_json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() / 2 + 4096);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&manifest.format.to_le_bytes());
    out.extend_from_slice(&(manifest_json.len() as u64).to_le_bytes());
    out.extend_from_slice(&manifest_json);
    for p in parts {
        out.extend_from_slice(p);
    }
    pipewright_engine::write_atomic(path, &out).map_err(|source| FileError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(out.len() as u64)
}

/// Compresses a part's bytes and describes it.
pub(super) fn pack(type_name: &str, encoding: Encoding, bytes: &[u8]) -> (Part, Vec<u8>) {
    let packed = zstd::encode_all(bytes, 9).expect("compressing into memory cannot fail");
    (
        Part {
            type_name: type_name.to_owned(),
            encoding,
            hash: blake3::hash(bytes).to_hex().to_string(),
            bytes: bytes.len() as u64,
            stored_bytes: packed.len() as u64,
        },
        packed,
    )
}

/// Reads only the manifest of a bundle file.
pub fn read_manifest(path: &Path) -> Result<(Manifest, Vec<u8>, usize), FileError> {
    let bytes = std::fs::read(path).map_err(|source| FileError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(FileError::NotABundle {
            path: path.display().to_string(),
        });
    }
    if bytes.len() < 20 {
        return Err(damaged(path, "it ends inside its header"));
    }
    let format = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if format > BUNDLE_FORMAT {
        return Err(FileError::Newer {
            path: path.display().to_string(),
            found: format,
        });
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes")) as usize;
    let end = 20usize
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| damaged(path, "it ends inside its manifest"))?;
    let manifest: Manifest = serde_json::from_slice(&bytes[20..end])
        .map_err(|e| damaged(path, format!("its manifest does not read: {e}")))?;
    if manifest.format != format {
        return Err(damaged(
            path,
            format!(
                "its header says format {format}, its manifest {}",
                manifest.format
            ),
        ));
    }
    Ok((manifest, bytes, end))
}

/// Reads and checks one part, then decodes it.
fn part(
    path: &Path,
    bytes: &[u8],
    at: &mut usize,
    p: &Part,
    what: &str,
    types: &ArtifactTypes,
) -> Result<ArtifactArc, FileError> {
    let end = at
        .checked_add(p.stored_bytes as usize)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| damaged(path, format!("it ends inside the {what}")))?;
    let mut raw = Vec::with_capacity(p.bytes as usize);
    zstd::Decoder::new(&bytes[*at..end])
        .and_then(|mut d| d.read_to_end(&mut raw))
        .map_err(|e| damaged(path, format!("the {what} does not decompress: {e}")))?;
    *at = end;
    if blake3::hash(&raw).to_hex().as_str() != p.hash {
        return Err(damaged(
            path,
            format!("the {what}'s bytes do not match its hash {}", p.hash),
        ));
    }
    types
        .decode(&p.type_name, p.encoding, &raw)
        .map_err(|e| damaged(path, format!("the {what} does not decode: {e}")))
}

/// Reads a bundle file; refuses a newer format, a damaged file or a file that is not
/// a bundle, each saying so.
pub fn read(path: &Path, types: &ArtifactTypes) -> Result<Bundle, FileError> {
    let (manifest, bytes, mut at) = read_manifest(path)?;
    let model = part(path, &bytes, &mut at, &manifest.model, "model", types)?;
    let predictor = match manifest.model.type_name.as_str() {
        MODEL => Predictor::Regression(cast::<Model>(path, &*model)?.clone()),
        CLASSIFIER => Predictor::Classifier(cast::<Classifier>(path, &*model)?.clone()),
        other => return Err(damaged(path, format!("its model is a {other:?}"))),
    };
    let mut transforms = Vec::new();
    for t in &manifest.transforms {
        if t.part.type_name != FITTED {
            return Err(damaged(
                path,
                format!("transform {:?} is a {:?}", t.step, t.part.type_name),
            ));
        }
        let a = part(
            path,
            &bytes,
            &mut at,
            &t.part,
            &format!("fitted state of {:?}", t.step),
            types,
        )?;
        transforms.push(cast::<Fitted>(path, &*a)?.state.clone());
    }
    if at != bytes.len() {
        return Err(damaged(
            path,
            format!("{} bytes follow its last part", bytes.len() - at),
        ));
    }
    Ok(Bundle {
        manifest,
        transforms,
        predictor,
    })
}

fn cast<'a, T: Artifact>(path: &Path, a: &'a dyn Artifact) -> Result<&'a T, FileError> {
    downcast::<T>(a).map_err(|e| damaged(path, e.to_string()))
}
