//! The factpress binary: parse the arguments, run the command, print the error chain, exit
//! with the documented code. Everything else is in `cmd/` (one file a command) and the library.

mod cli;
mod cmd;
mod ui;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cmd::run(cli::Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            ui::print_error(&e);
            ExitCode::from(ui::exit_code(&e))
        }
    }
}
