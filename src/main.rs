//! Thin: parse arguments, call the library, map the result to an exit code.

use clap::Parser;
use minsheng::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scrape(args) => minsheng::scrape::main(args),
    }
}
