//! `pipewright`: opens the editor, or runs flows headless.

use std::process::ExitCode;

use clap::Parser;
use pipewright::cli::{Cli, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse_from(pipewright::cli::global_options_last(std::env::args_os()));
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PIPEWRIGHT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match pipewright::cli::main(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::RunFailed) => ExitCode::from(1),
        Err(e) => {
            // `{:#}` prints the context chain on one line: "cannot open x.ron: …".
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
