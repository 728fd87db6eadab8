//! End-to-end tests of Pipewright, one binary (like ripgrep's `tests/tests.rs`).
//! Table of contents:

// Shared helpers: the repository's folders, running the `pipewright` binary.
mod util;

// The README's step catalogue is `pipewright kinds --markdown`; `kinds` itself.
mod catalogue;

// Every example flow runs headless through the engine and its results are checked.
mod examples;

// The command line: run, runs, show, resume, validate; bad input gets one clear message.
mod cli;

// The step cache keyed by file content across folders, and resume running the flow
// file as it is now, reusing what still matches (issue 8, parts 1 and 3).
mod resume;

// The exact text of the command line's error messages, against tests/expected/errors.txt.
mod errors;

// The inference phase: bundles equal to their runs, the HTTP server called by a real
// client (MLflow's protocol, every refusal, token, metrics, cache, log, a burst,
// graceful shutdown), the gate and behaviour checks, bundle/serve/predict on the CLI.
mod serve;

// Crashes and concurrency: kill -9 mid-run, several processes on one store.
mod crash;

// The store under faults: delete while a flow runs, flipped blob bytes, an unreadable
// record, empty/partial run ids, concurrent listings and deletes, a killed blob write.
mod store_faults;

// The crate layering holds: engine never depends on egui/eframe/polars/linfa, nodes never on egui/eframe.
mod layering;

// The one egui_kittest rig both GUI modules drive the editor with: seeded stores,
// gestures, and waiting for a condition on a deadline.
mod gui_rig;

// The desktop editor driven through egui_kittest as a user would.
mod gui;

// The Runs tab and the Compare view: list, filter, sort, tag, delete, past run read-only, compare, export.
mod gui_runs;

// The classification views: confusion matrix heat map and its toggle, ROC legend with AUC,
// class balance, and ROC curves of two runs overlaid in the comparison.
mod gui_classification;

// A foreach made through Run ▸ Sweep… in the window: its run, the task list, the varied
// parameter.
mod gui_foreach;

// Serving from the window: Run ▸ Serve the last run's model…, the form's refusals, a
// real client's requests counted live, the served run marked, Stop, Export bundle….
mod gui_serve;
