//! # pipewright-nodes
//!
//! The node catalogue (placeholder while it is written).

use pipewright_engine::Registry;

/// Every node kind and artifact decoder of the catalogue.
pub fn registry() -> Registry {
    Registry::new()
}
