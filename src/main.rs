use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

// Builds allocate many small, short-lived values on every thread (syntect's per-line
// parse state, search terms, template values); see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in `mi_option_e` (include/mimalloc.h) of both mimalloc versions the
/// sys crate bundles (v2 and v3); the crate names its neighbours 14 and 16 but not it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // mimalloc holds freed pages for a second before returning them; over a build that
    // frees as it goes (pages are written as rendered) that raised the peak at 10,000
    // lessons from 229 MB (glibc) to 300 MB. Returned at once: 261 MB, no slower.
    // SAFETY: sets an integer option; called before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // On Ctrl-C a build leaves no half-written temporary folder behind; the previous
    // site is untouched either way.
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        crescu::site::output::remove_own_temporaries();
        std::process::exit(130);
    });
    let code = crescu::cli::run(crescu::cli::Cli::parse());
    if INTERRUPTED.load(Ordering::SeqCst) {
        // The build may have failed because the handler took its folder away: let the
        // handler finish its cleanup and exit with 130, not this build's error code.
        loop {
            std::thread::park();
        }
    }
    code
}

/// Set by the Ctrl-C handler before it cleans up and exits.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
