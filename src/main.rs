use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // On Ctrl-C a build leaves no half-written temporary folder behind; the previous
    // site is untouched either way.
    let _ = ctrlc::set_handler(|| {
        crescu::site::output::remove_own_temporaries();
        std::process::exit(130);
    });
    crescu::cli::run(crescu::cli::Cli::parse())
}
