//! # pipewright (the application)
//!
//! The `pipewright` binary: the egui editor ([`gui`]) and the headless command line
//! ([`cli`]). Both drive `pipewright-engine` with the node catalogue of
//! `pipewright-nodes`; neither holds the truth about a flow — `engine::Flow` does.

pub mod cli;
pub mod gui;
pub mod serve;
