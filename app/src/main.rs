//! `pipewright`: opens the editor, or runs flows headless.
fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
