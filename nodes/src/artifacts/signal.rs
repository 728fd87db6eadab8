//! The `signal` artifact: a marker that carries no data, only "this ran first".

use std::any::Any;
use std::sync::Arc;

use pipewright_engine::{Artifact, ArtifactArc, ArtifactError, ArtifactType, Encoding};

use crate::error::decode_error;

/// The port type (and artifact type name) of [`Signal`].
pub const SIGNAL: &str = "signal";

/// The signal artifact type.
pub const SIGNAL_TYPE: ArtifactType = ArtifactType::new(SIGNAL, decode_signal);

/// The marker `flow.start` sends to the steps that should wait for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Signal;

impl Artifact for Signal {
    fn type_name(&self) -> &'static str {
        SIGNAL
    }

    fn encode(&self) -> Result<(Encoding, Vec<u8>), ArtifactError> {
        Ok((Encoding::Json, b"null".to_vec()))
    }

    fn summary(&self) -> String {
        "started".to_owned()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Decodes a stored signal.
pub fn decode_signal(encoding: Encoding, bytes: &[u8]) -> Result<ArtifactArc, ArtifactError> {
    if encoding == Encoding::Json && bytes == b"null" {
        Ok(Arc::new(Signal))
    } else {
        Err(decode_error(SIGNAL, "expected the JSON null"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let (enc, bytes) = Signal.encode().unwrap();
        let back = decode_signal(enc, &bytes).unwrap();
        assert_eq!(
            pipewright_engine::downcast::<Signal>(back.as_ref()).unwrap(),
            &Signal
        );
        assert!(decode_signal(Encoding::Json, b"1").is_err());
    }
}
