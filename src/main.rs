use clap::Parser;
use crescu::cli::{Cli, Command};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

// Builds allocate many small, short-lived values on every thread (syntect's per-line
// parse state, search terms, template values); see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `mi_option_e` (include/mimalloc.h) of both mimalloc versions the
/// sys crate bundles (v2 and v3); the crate names its neighbours 14 and 16 but not it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long a build's freed memory stays with the allocator before going back to the
/// system, in milliseconds: long enough that memory freed by one page is taken again by
/// the next instead of being faulted in anew, short enough that the peak at 10,000 lessons
/// rises by under 10 MB (BENCHMARKS.md, "Warm builds, second pass").
const BUILD_PURGE_DELAY_MS: std::ffi::c_long = 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tune_allocator(&cli.command);
    // On Ctrl-C a build leaves no half-written temporary folder behind; the previous
    // site is untouched either way.
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        crescu::site::output::remove_own_temporaries();
        std::process::exit(130);
    });
    let code = crescu::cli::run(cli);
    if INTERRUPTED.load(Ordering::SeqCst) {
        // The build may have failed because the handler took its folder away: let the
        // handler finish its cleanup and exit with 130, not this build's error code.
        loop {
            std::thread::park();
        }
    }
    code
}

/// How the allocator takes memory from the system and gives it back, for the command
/// about to run. Called before any other thread exists.
fn tune_allocator(command: &Command) {
    // mimalloc holds freed pages for a second before returning them; over a build that
    // frees as it goes that raised the peak at 10,000 lessons from 229 MB (glibc) to 300.
    // The dev server lives on between rebuilds: what it frees goes back at once.
    let delay = match command {
        Command::Serve { .. } => 0,
        _ => BUILD_PURGE_DELAY_MS,
    };
    // SAFETY: sets an integer option; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) };
    // mimalloc asks for transparent huge pages, and returning memory in small pieces
    // splits them: the kernel then clears a fresh 2 MB page for memory touched again,
    // which was a fifth of a warm build's time. Without them the peak is lower too. Not
    // for `measure`: the setting passes to child processes, and the Python programs it
    // times must run as they would anywhere else.
    #[cfg(target_os = "linux")]
    if !matches!(command, Command::Measure(_)) {
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

/// Set by the Ctrl-C handler before it cleans up and exits.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
