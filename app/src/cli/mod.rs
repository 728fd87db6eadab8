//! The headless command line: `run`, `runs`, `show`, `resume`, `compare`, `bundle`,
//! `serve`, `predict`, `validate`, `kinds`, ….
//!
//! Every command prints plain text to stdout (a live progress line goes to stderr when
//! it is a terminal), exits 0 on success, 1 when a run failed and 2 on a usage or
//! input error with a one-line message naming the file, node or parameter.

mod common;
mod compare;
mod inspect;
mod kinds;
mod run;
mod serve;
mod table;
mod verify;

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Parser, Subcommand};
pub use common::{
    Outcome, TESTKIT_ENV, load_flow, open_store, parse_overrides, parse_sweeps, registry,
};
use pipewright_engine::Store;

/// Pipewright: draw, run and compare machine-learning pipelines.
#[derive(Debug, Parser)]
#[command(
    name = "pipewright",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// The store folder holding runs and artifacts [default: $PIPEWRIGHT_STORE, else the
    /// per-user data folder].
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// What to do; with none, the editor opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a flow headless with a live per-step display.
    Run {
        /// The flow file (.ron).
        flow: PathBuf,
        /// Override a flow parameter: --param name=value (repeatable).
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Recompute every step even when an identical finished task exists.
        #[arg(long)]
        no_cache: bool,
        /// Tag the run (repeatable).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Sweep a step's parameter over values in one run, its tasks in parallel:
        /// --sweep STEP.PARAM=v1,v2,… or a range, STEP.PARAM=log(0.001,1000,8) or
        /// linear(0,1,5); NAME=… sweeps a flow parameter (repeatable: every
        /// combination runs). A Collect is added when nothing joins the swept steps.
        #[arg(long = "sweep", value_name = "STEP.PARAM=V1,V2,…")]
        sweeps: Vec<String>,
        /// With --sweep: one separate run per combination of flow parameter values,
        /// one after another, compared side by side at the end.
        #[arg(long, requires = "sweeps")]
        separate_runs: bool,
    },
    /// Resume a run with its flow file as it is now (after a fix): every finished step
    /// of the run whose inputs, parameters and data files still match is reused, the
    /// rest runs. The new run is recorded as resumed from this one. (`replay` re-runs
    /// the run's own snapshot instead.)
    Resume {
        /// The run id (any unique part of it is enough).
        run: String,
        /// The flow file to run (default: the file the run was started from).
        #[arg(long, value_name = "FILE")]
        flow: Option<PathBuf>,
    },
    /// Replay a run: its flow snapshot and parameters, with every data file it read
    /// taken from the store's copy, so the result matches even if the file changed.
    Replay {
        /// The run id (any unique part of it is enough).
        run: String,
        /// Recompute every step instead of reusing identical finished tasks.
        #[arg(long)]
        no_cache: bool,
    },
    /// List runs, newest first.
    Runs {
        /// Only the runs of this flow (by name).
        flow: Option<String>,
        /// Only runs with this status (done, failed, cancelled, interrupted, running).
        #[arg(long)]
        status: Option<String>,
        /// Only runs with this tag.
        #[arg(long)]
        tag: Option<String>,
    },
    /// Show a run: its steps, or one step's artifacts.
    Show {
        /// The run id (any unique part of it is enough).
        run: String,
        /// A step, by label or node id: list its artifacts and print them (a step
        /// inside a foreach: list its tasks).
        #[arg(long)]
        step: Option<String>,
        /// With --step: the task of item N of a step inside a foreach.
        #[arg(long, value_name = "N", requires = "step")]
        task: Option<u32>,
    },
    /// Compare runs side by side: parameters (differences marked), metrics (best
    /// marked, deltas to the baseline), step durations, flow changes.
    Compare {
        /// Run ids (any unique part of each is enough); or use --best.
        runs: Vec<String>,
        /// Compare the best N runs by --metric instead of naming them.
        #[arg(long, value_name = "N", requires = "metric")]
        best: Option<usize>,
        /// The metric for --best (e.g. rmse, r2, or Step.rmse).
        #[arg(long)]
        metric: Option<String>,
        /// With --best: only runs of this flow.
        #[arg(long)]
        flow: Option<String>,
        /// The baseline run for deltas [default: the first].
        #[arg(long)]
        baseline: Option<String>,
        /// Show only the rows where the runs differ.
        #[arg(long)]
        diff: bool,
        /// Also write the comparison table to this CSV file.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Write an artifact of a past run to a file (tables as .parquet or .csv,
    /// metrics and models as .json).
    Export {
        /// The run id (any unique part of it is enough).
        run: String,
        /// The step, by label or node id.
        #[arg(long)]
        step: String,
        /// The output port [default: the step's only output].
        #[arg(long)]
        artifact: Option<String>,
        /// The file to write; its extension chooses the format.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Add tags to a run (or remove them with --remove).
    Tag {
        /// The run id (any unique part of it is enough).
        run: String,
        /// The tags.
        #[arg(required = true)]
        tags: Vec<String>,
        /// Remove these tags instead of adding them.
        #[arg(long)]
        remove: bool,
    },
    /// Delete runs and collect the artifacts no other run uses.
    Delete {
        /// Run ids (any unique part of each is enough).
        #[arg(required = true)]
        runs: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Check every stored blob against its hash and every run record; say what is
    /// damaged and which runs it affects (exit 1 when anything is).
    Verify {
        /// Remove damaged blobs (the next run recomputes them) and move unreadable
        /// records aside to STORE/damaged/.
        #[arg(long)]
        repair: bool,
    },
    /// Write a run's model into one self-contained file: the fitted transforms in
    /// front of it, the model, the input and output schemas and where it came from.
    /// Refuses a run that did not finish or whose gate failed.
    Bundle {
        /// The run id (any unique part of it is enough).
        run: String,
        /// The train step (or select-best join) whose model to take [default: the one
        /// Select best chose, or the only model].
        #[arg(long)]
        step: Option<String>,
        /// The bundle file to write (model.pwm).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Serve a model over HTTP: POST /invocations (MLflow's scoring protocol), POST
    /// /v1/predict, GET /health, /ping, /v1/model, /metrics. Ctrl-C or SIGTERM stop it
    /// after the requests in flight.
    Serve {
        /// A bundle file (model.pwm) or a run id; or use --tag.
        #[arg(required_unless_present = "tag")]
        model: Option<String>,
        /// With a run: the train step whose model to serve.
        #[arg(long)]
        step: Option<String>,
        /// Serve the newest finished run with this tag (e.g. production).
        #[arg(long, conflicts_with = "model")]
        tag: Option<String>,
        /// With --tag: the flow whose runs to look at.
        #[arg(long, requires = "tag")]
        flow: Option<String>,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port (0: any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Require `Authorization: Bearer SECRET` [default: $PIPEWRIGHT_TOKEN, else none].
        #[arg(long, value_name = "SECRET")]
        token: Option<String>,
        /// Keep the answers of the N most recent distinct rows.
        #[arg(long, value_name = "N", default_value_t = 0)]
        cache: usize,
        /// Append every scored row (time, inputs, prediction, latency) to this JSON-lines file.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// The largest request body, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
        max_body: usize,
        /// The most rows one request may score.
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        max_rows: usize,
    },
    /// Score a file of rows with a model, in chunks (a file larger than memory works):
    /// CSV, JSON lines or Parquet in; CSV or Parquet out, with `row`, `prediction` and
    /// a probability (or score) column per class.
    Predict {
        /// A bundle file (model.pwm) or a run id.
        model: String,
        /// With a run: the train step whose model to use.
        #[arg(long)]
        step: Option<String>,
        /// The rows to score (.csv, .jsonl or .parquet).
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Where to write the predictions (.parquet or .csv).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Copy this input column to the output (an id, say; repeatable).
        #[arg(long, value_name = "COLUMN")]
        keep: Vec<String>,
        /// Rows scored at a time.
        #[arg(long, value_name = "ROWS", default_value_t = 100_000)]
        chunk: usize,
    },
    /// Check a flow file and list every problem.
    Validate {
        /// The flow file (.ron).
        flow: PathBuf,
    },
    /// List the step kinds of the palette with their ports and parameters (type, range,
    /// default, meaning).
    Kinds {
        /// Only this kind (its id, e.g. transform.tfidf).
        kind: Option<String>,
        /// Print the README's Markdown catalogue instead.
        #[arg(long)]
        markdown: bool,
    },
    /// `pipewright FLOW.ron`: open a flow file in the editor.
    #[command(external_subcommand)]
    Open(Vec<OsString>),
}

/// Moves leading global options (`--store DIR`, `--store=DIR`) behind the rest, so
/// `pipewright --store DIR run FLOW` parses like `pipewright run FLOW --store DIR`.
/// (clap 4.6 hands a subcommand that follows a global option to the catch-all
/// `pipewright FLOW.ron` form; behind the subcommand the option parses as it should.)
pub fn global_options_last(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args = args.into_iter();
    let mut out: Vec<OsString> = args.next().into_iter().collect();
    let mut globals = Vec::new();
    let mut rest: Vec<OsString> = args.collect();
    while let Some(first) = rest.first() {
        if first == "--store" && rest.len() >= 2 {
            globals.extend(rest.drain(..2));
        } else if first.to_str().is_some_and(|s| s.starts_with("--store=")) {
            globals.push(rest.remove(0));
        } else {
            break;
        }
    }
    let names: Vec<String> = <Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let before_a_command = rest
        .first()
        .and_then(|a| a.to_str())
        .is_some_and(|a| names.iter().any(|n| n == a));
    if before_a_command {
        out.extend(rest);
        out.extend(globals);
    } else {
        out.extend(globals);
        out.extend(rest);
    }
    out
}

/// Runs the parsed command line.
pub fn main(cli: Cli) -> anyhow::Result<Outcome> {
    let store_arg = cli.store.as_deref();
    match cli.command {
        None => {
            let dir = Store::default_location(store_arg)?;
            crate::gui::run_editor(None, dir)?;
            Ok(Outcome::Success)
        }
        Some(Command::Open(args)) => {
            let [path] = args.as_slice() else {
                bail!("give one flow file to open (pipewright FLOW.ron), or a command: see --help");
            };
            let path = PathBuf::from(path);
            if !path.exists() {
                bail!(
                    "{}: no such command or flow file (commands: run, resume, replay, runs, show, compare, export, tag, delete, bundle, serve, predict, validate, verify, kinds)",
                    path.display()
                );
            }
            let dir = Store::default_location(store_arg)?;
            crate::gui::run_editor(Some(path), dir)?;
            Ok(Outcome::Success)
        }
        Some(Command::Run {
            flow,
            params,
            no_cache,
            tags,
            sweeps,
            separate_runs,
        }) if !sweeps.is_empty() => {
            let store = open_store(store_arg)?;
            if separate_runs {
                run::sweep(&store, &flow, &params, &sweeps, no_cache, tags)
            } else {
                run::sweep_in_run(&store, &flow, &params, &sweeps, no_cache, tags)
            }
        }
        Some(Command::Run {
            flow,
            params,
            no_cache,
            tags,
            ..
        }) => run::run(&open_store(store_arg)?, &flow, &params, no_cache, tags),
        Some(Command::Resume { run: id, flow }) => {
            run::resume(&open_store(store_arg)?, &id, flow.as_deref())
        }
        Some(Command::Replay { run: id, no_cache }) => {
            run::replay(&open_store(store_arg)?, &id, no_cache)
        }
        Some(Command::Runs { flow, status, tag }) => inspect::runs(
            &open_store(store_arg)?,
            flow.as_deref(),
            status.as_deref(),
            tag.as_deref(),
        ),
        Some(Command::Show {
            run: id,
            step,
            task,
        }) => inspect::show(&open_store(store_arg)?, &id, step.as_deref(), task),
        Some(Command::Compare {
            runs,
            best,
            metric,
            flow,
            baseline,
            diff,
            csv,
        }) => compare::compare(
            &open_store(store_arg)?,
            &compare::Selection {
                runs,
                best,
                metric,
                flow,
                baseline,
            },
            diff,
            csv.as_deref(),
        ),
        Some(Command::Export {
            run: id,
            step,
            artifact,
            out,
        }) => compare::export(
            &open_store(store_arg)?,
            &id,
            &step,
            artifact.as_deref(),
            &out,
        ),
        Some(Command::Tag {
            run: id,
            tags,
            remove,
        }) => {
            let store = open_store(store_arg)?;
            let run = store.run(&id)?;
            let mut all = run.tags.clone();
            if remove {
                all.retain(|t| !tags.iter().any(|x| x.trim() == t));
            } else {
                all.extend(tags);
            }
            let run = store.set_tags(&run.id, &all)?;
            println!(
                "run {} tags: {}",
                run.id,
                if run.tags.is_empty() {
                    "none".into()
                } else {
                    run.tags.join(", ")
                }
            );
            Ok(Outcome::Success)
        }
        Some(Command::Delete { runs, yes }) => compare::delete(&open_store(store_arg)?, &runs, yes),
        Some(Command::Verify { repair }) => verify::verify(&open_store(store_arg)?, repair),
        Some(Command::Kinds { kind, markdown }) => {
            let registry = registry();
            if let Some(id) = &kind
                && registry.kind(id).is_none()
            {
                let known: Vec<&str> = registry.kinds().map(|k| k.id).collect();
                bail!(
                    "unknown step kind {id:?}; the kinds are: {}",
                    known.join(", ")
                );
            }
            if markdown {
                print!("{}", kinds::markdown(&registry));
            } else {
                print!("{}", kinds::text(&registry, kind.as_deref()));
            }
            Ok(Outcome::Success)
        }
        Some(Command::Bundle { run: id, step, out }) => {
            serve::bundle_run(&open_store(store_arg)?, &id, step.as_deref(), &out)
        }
        Some(Command::Serve {
            model,
            step,
            tag,
            flow,
            host,
            port,
            token,
            cache,
            log,
            max_body,
            max_rows,
        }) => serve::serve(
            store_arg,
            &serve::ModelSource {
                model,
                step,
                tag,
                flow,
            },
            crate::serve::ServeOptions {
                host,
                port,
                token,
                cache,
                log,
                max_body,
                max_rows,
            },
        ),
        Some(Command::Predict {
            model,
            step,
            input,
            out,
            keep,
            chunk,
        }) => serve::predict(
            store_arg,
            &serve::ModelSource {
                model: Some(model),
                step,
                ..Default::default()
            },
            &input,
            &out,
            &keep,
            chunk,
        ),
        Some(Command::Validate { flow }) => {
            let f = load_flow(&flow)?;
            let dir = flow.parent().unwrap_or(std::path::Path::new("."));
            let problems = pipewright_engine::validate_in(&f, &registry(), dir);
            run::say_left_out(&f, &registry());
            if problems.is_empty() {
                println!(
                    "{}: ok ({} nodes, {} edges)",
                    flow.display(),
                    f.nodes.len(),
                    f.edges.len()
                );
                Ok(Outcome::Success)
            } else {
                for p in &problems {
                    println!("{}: {p}", flow.display());
                }
                bail!("{}: {} problem(s)", flow.display(), problems.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::parse_from(global_options_last(args.iter().map(OsString::from)))
    }

    #[test]
    fn the_store_option_goes_before_or_after_the_command() {
        for args in [
            &["pw", "--store", "s", "run", "f.ron"][..],
            &["pw", "--store=s", "run", "f.ron"],
            &["pw", "run", "f.ron", "--store", "s"],
        ] {
            let cli = parse(args);
            assert_eq!(cli.store.as_deref(), Some(Path::new("s")), "{args:?}");
            assert!(matches!(cli.command, Some(Command::Run { .. })), "{args:?}");
        }
        let cli = parse(&["pw", "--store", "s", "flow.ron"]);
        assert!(matches!(cli.command, Some(Command::Open(ref a)) if a == &["flow.ron"]));
        assert!(parse(&["pw"]).command.is_none());
    }
}
