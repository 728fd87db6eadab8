//! End-to-end tests of Pipewright, one binary. Table of contents:

// Every example flow runs headless and its results are checked.
// mod examples;
