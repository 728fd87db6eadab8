//! `pipewright`: opens the editor, or runs flows headless.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use pipewright::cli::{Cli, Command, Outcome};

fn main() -> ExitCode {
    quiet_on_a_closed_pipe();
    let cli = Cli::parse_from(pipewright::cli::global_options_last(std::env::args_os()));
    if !matches!(cli.command, Some(Command::Serve { .. })) {
        one_malloc_arena();
    }
    // Colour codes are for a person at a terminal; in a pipe or a log file they are
    // noise (and `NO_COLOR` turns them off anywhere: https://no-color.org).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PIPEWRIGHT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .init();
    match pipewright::cli::main(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::RunFailed) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line ("cannot open x.ron: …"), each reason once:
/// a message that already ends with its cause's text (`{path}: {source}`, as
/// thiserror messages often do) does not get the cause appended a second time.
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) || out.contains(&format!("{text}: ")) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Whether the command stopped because its reader went away (`pipewright show | head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` panics when stdout is a pipe whose reader has closed it; the reader has
/// all it wanted, so the command ends quietly (exit 0, as ripgrep does) instead of
/// printing a panic and a backtrace. Every other panic keeps the default report.
fn quiet_on_a_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if payload.starts_with("failed printing to std") && payload.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// glibc gives each thread that meets a busy arena an arena of its own (up to 8 per
/// core), and memory one arena frees is never reused by another: steps on the pool's
/// threads taking turns with 8–16 MB columns kept every arena at its own high-water
/// mark. With one arena the tasks of a foreach reuse each other's freed columns — 8
/// ridge fits on 1,000,000 rows, two at a time, peaked at 100 MB instead of 141 MB,
/// with a third fewer page faults (bench section 7). Not for `serve`: there many
/// threads allocate small blocks at once, and one arena's lock cut 1,000-row requests
/// at 8 clients from 3,160 to 950 a second (bench section 8, run both ways).
/// `MALLOC_ARENA_MAX` in the environment still wins. Called before any thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: `mallopt` only sets an allocator parameter; `main` calls it before
        // any other thread exists.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}
