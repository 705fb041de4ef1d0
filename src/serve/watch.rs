//! Watching `content/` and `themes/` for changes, in debounced batches: editors often
//! write a file in several steps, and one save should cause one rebuild.

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// Quiet time after the last change before a batch is handed out.
const DEBOUNCE: Duration = Duration::from_millis(60);

pub struct Watcher {
    events: Receiver<notify::Result<notify::Event>>,
    /// The themes folder as given and as canonical: events may carry either form.
    themes: [PathBuf; 2],
    // Dropping the watcher stops the events.
    _watcher: RecommendedWatcher,
}

/// What changed in one batch.
#[derive(Debug, Default)]
pub struct Changes {
    /// A theme file changed: templates must be loaded again.
    pub theme: bool,
}

impl Watcher {
    pub fn start(root: &Path) -> std::io::Result<Watcher> {
        let (tx, events) = channel();
        let mut watcher = notify::recommended_watcher(tx).map_err(std::io::Error::other)?;
        for folder in ["content", "themes"] {
            let path = root.join(folder);
            if path.is_dir() {
                watcher
                    .watch(&path, RecursiveMode::Recursive)
                    .map_err(std::io::Error::other)?;
            }
        }
        let themes = root.join("themes");
        Ok(Watcher {
            events,
            themes: [
                themes.canonicalize().unwrap_or_else(|_| themes.clone()),
                themes,
            ],
            _watcher: watcher,
        })
    }

    /// Block until something changed, then until things are quiet, and say what changed.
    pub fn next_batch(&self) -> Changes {
        let mut changes = Changes::default();
        let mut seen_any = false;
        loop {
            let event = if seen_any {
                match self.events.recv_timeout(DEBOUNCE) {
                    Ok(e) => e,
                    Err(RecvTimeoutError::Timeout) => return changes,
                    Err(RecvTimeoutError::Disconnected) => return changes,
                }
            } else {
                match self.events.recv() {
                    Ok(e) => e,
                    // The watcher is gone: nothing will ever change again.
                    Err(_) => loop {
                        std::thread::park();
                    },
                }
            };
            let Ok(event) = event else { continue };
            if event.kind.is_access() {
                continue;
            }
            seen_any = true;
            if event
                .paths
                .iter()
                .any(|p| self.themes.iter().any(|t| p.starts_with(t)))
            {
                changes.theme = true;
            }
        }
    }
}
