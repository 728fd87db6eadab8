//! How a step says it did not produce its outputs.
//!
//! Both the node-kind trait ([`crate::NodeKind::run`]) and the step context
//! ([`crate::StepContext::check_cancelled`], `include_file`) return it, so it lives
//! below both and neither of them imports the other for it.

use std::fmt;

/// Why a step did not produce its outputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// The step failed; the message says why in the user's terms.
    #[error("{0}")]
    Failed(String),
    /// The step saw the run's cancellation and stopped.
    #[error("cancelled")]
    Cancelled,
}

impl StepError {
    /// A failure with a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        StepError::Failed(message.to_string())
    }
}
