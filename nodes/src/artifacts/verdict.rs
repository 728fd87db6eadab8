//! The `verdict` artifact: what a passed trust check (`evaluate.gate`,
//! `evaluate.behaviour`) checked, one line per check. A check that does not pass fails
//! its step instead, so a verdict always says "passed".

use std::any::Any;
use std::sync::Arc;

use pipewright_engine::{
    Artifact, ArtifactArc, ArtifactError, ArtifactType, ArtifactView, Encoding,
};
use serde::{Deserialize, Serialize};

use crate::error::decode_error;

/// The port type (and artifact type name) of [`Verdict`].
pub const VERDICT: &str = "verdict";

/// The verdict artifact type.
pub const VERDICT_TYPE: ArtifactType = ArtifactType::new(VERDICT, decode_verdict);

/// A passed check: what it was and each thing it checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// One line: `f1_macro = 0.976 ≥ 0.700` or `12 of 12 cases right`.
    pub headline: String,
    /// One line per check (a behaviour case each).
    pub lines: Vec<String>,
}

impl Artifact for Verdict {
    fn type_name(&self) -> &'static str {
        VERDICT
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        serde_json::to_vec(self)
            .map(|b| (Encoding::Json, b))
            .map_err(|e| ArtifactError::Encode {
                type_name: VERDICT.to_owned(),
                message: e.to_string(),
            })
    }

    fn summary(&self) -> String {
        format!("passed: {}", self.headline)
    }

    fn views(&self, _max_rows: usize) -> Vec<ArtifactView> {
        let mut text = format!("passed: {}\n", self.headline);
        for l in &self.lines {
            text.push_str(&format!("  {l}\n"));
        }
        vec![ArtifactView::text("Verdict", text)]
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored verdict.
pub fn decode_verdict(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding != Encoding::Json {
        return Err(decode_error(
            VERDICT,
            format!("expected JSON, got {encoding:?}"),
        ));
    }
    let v: Verdict =
        serde_json::from_slice(bytes).map_err(|e| decode_error(VERDICT, e.to_string()))?;
    Ok(Arc::new(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = Verdict {
            headline: "f1_macro = 0.9 ≥ 0.7".into(),
            lines: vec!["a".into()],
        };
        let (enc, bytes) = v.encode().unwrap();
        let back = decode_verdict(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Verdict>(back.as_ref()).unwrap(),
            &v
        );
        assert!(decode_verdict(Encoding::Raw, b"{}").is_err());
    }
}
