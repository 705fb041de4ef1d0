use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    crescu::cli::run(crescu::cli::Cli::parse())
}
