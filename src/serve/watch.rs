//! Watching `content/` and `themes/` for changes, in debounced batches: editors often
//! write a file in several steps, and one save should cause one rebuild. The course root
//! is watched too (not its subfolders), so a `content/` or `themes/` made after the start
//! is noticed and watched from then on.

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// Quiet time after the last change before a batch is handed out: an editor's writes for
/// one save come within a few milliseconds, and the wait is part of every reload.
const DEBOUNCE: Duration = Duration::from_millis(20);

pub struct Watcher {
    events: Receiver<notify::Result<notify::Event>>,
    content: Folder,
    themes: Folder,
    watcher: RecommendedWatcher,
}

/// A watched folder of the course, as given and as canonical: events may carry either
/// form.
struct Folder {
    forms: [PathBuf; 2],
}

impl Folder {
    fn new(root: &Path, canonical_root: &Path, name: &str) -> Folder {
        let given = root.join(name);
        let canonical = given
            .canonicalize()
            .unwrap_or_else(|_| canonical_root.join(name));
        Folder {
            forms: [given, canonical],
        }
    }

    fn holds(&self, path: &Path) -> bool {
        self.forms.iter().any(|f| path.starts_with(f))
    }

    fn is(&self, path: &Path) -> bool {
        self.forms.iter().any(|f| path == f)
    }

    /// Watch the folder and all below it, if it exists.
    fn watch(&self, watcher: &mut RecommendedWatcher) -> std::io::Result<()> {
        let path = &self.forms[0];
        if !path.is_dir() {
            return Ok(());
        }
        watcher
            .watch(path, RecursiveMode::Recursive)
            .map_err(|e| std::io::Error::other(format!("cannot watch {}: {e}", path.display())))
    }
}

/// What changed in one batch.
#[derive(Debug, Default)]
pub struct Changes {
    /// A theme file changed: templates must be loaded again.
    pub theme: bool,
}

impl Watcher {
    pub fn start(root: &Path) -> std::io::Result<Watcher> {
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the course root {} is not a folder", root.display()),
            ));
        }
        let (tx, events) = channel();
        let mut watcher = notify::recommended_watcher(tx).map_err(std::io::Error::other)?;
        // The root first: a folder made while the others are being set up is still seen.
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| std::io::Error::other(format!("cannot watch {}: {e}", root.display())))?;
        let canonical_root = root.canonicalize()?;
        let content = Folder::new(root, &canonical_root, "content");
        let themes = Folder::new(root, &canonical_root, "themes");
        content.watch(&mut watcher)?;
        themes.watch(&mut watcher)?;
        Ok(Watcher {
            events,
            content,
            themes,
            watcher,
        })
    }

    /// Block until something changed, then until things are quiet, and say what changed.
    pub fn next_batch(&mut self) -> Changes {
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
            for path in &event.paths {
                // Other entries of the root, such as an output folder inside it, are not
                // the course: a build writing there must not cause the next one.
                for (folder, theme) in [(&self.content, false), (&self.themes, true)] {
                    if !folder.holds(path) {
                        continue;
                    }
                    seen_any = true;
                    changes.theme |= theme;
                    // The folder itself was made, moved in or replaced: watch it anew.
                    if folder.is(path)
                        && let Err(e) = folder.watch(&mut self.watcher)
                    {
                        eprintln!("{e}; changes there are not seen");
                    }
                }
            }
        }
    }
}
