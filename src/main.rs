//! The `envgate` binary: parse arguments, run, map the outcome to an exit code.
#![forbid(unsafe_code)]

mod cli;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(cli::Outcome::Passed) => ExitCode::SUCCESS,
        Ok(cli::Outcome::Failed) => ExitCode::from(1),
        Err(err) => {
            cli::print_error(&err);
            ExitCode::from(2)
        }
    }
}
