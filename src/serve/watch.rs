//! Watching `content/` and `themes/` for changes, in debounced batches: editors often
//! write a file in several steps, and one save should cause one rebuild. The course root
//! is watched too (not its subfolders), so a `content/` or `themes/` made after the start
//! is noticed and watched from then on. Each batch says which paths of `content/`
//! changed, so a rebuild can look at those files only; whatever cannot be put down to
//! paths (an overflowed queue, an error, a folder made or removed) says so instead.

use crate::content::changes::ContentChanges;
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
        self.inside(path).is_some()
    }

    /// `path` relative to the folder, in whichever form it came.
    fn inside<'a>(&self, path: &'a Path) -> Option<&'a Path> {
        self.forms.iter().find_map(|f| path.strip_prefix(f).ok())
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
#[derive(Debug)]
pub struct Changes {
    /// A theme file changed: templates must be loaded again.
    pub theme: bool,
    /// What changed in `content/`, as paths relative to the course root.
    pub content: ContentChanges,
}

impl Default for Changes {
    fn default() -> Self {
        Changes {
            theme: false,
            content: ContentChanges::Paths(Default::default()),
        }
    }
}

impl Changes {
    /// Something changed in `content/` that cannot be put down to paths.
    fn content_unknown(&mut self) {
        self.content = ContentChanges::Unknown;
    }

    /// `path` of `content/` changed (`path` relative to the folder).
    fn content_path(&mut self, path: &Path) {
        if let ContentChanges::Paths(paths) = &mut self.content {
            paths.insert(Path::new("content").join(path));
        }
    }
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
            seen_any |= self.add(event, &mut changes);
        }
    }

    /// Add `event` to `changes`; whether it is a change of the course.
    fn add(&mut self, event: notify::Result<notify::Event>, changes: &mut Changes) -> bool {
        // An error may hide changes (watches not set up): rebuild, walking everything.
        let Ok(event) = event else {
            changes.content_unknown();
            return true;
        };
        if event.need_rescan() {
            changes.content_unknown();
            return true;
        }
        if event.kind.is_access() {
            return false;
        }
        use notify::event::{CreateKind, EventKind, RemoveKind};
        let folder_event = matches!(
            event.kind,
            EventKind::Create(CreateKind::Folder)
                | EventKind::Remove(RemoveKind::Folder)
                | EventKind::Any
                | EventKind::Other
        );
        if event.paths.is_empty() {
            changes.content_unknown();
        }
        let mut seen = false;
        for path in &event.paths {
            // Other entries of the root, such as an output folder inside it, are not
            // the course: a build writing there must not cause the next one.
            if self.themes.holds(path) {
                seen = true;
                changes.theme = true;
                self.watch_again(path, false);
            }
            if let Some(inside) = self.content.inside(path) {
                seen = true;
                if folder_event || inside.as_os_str().is_empty() {
                    changes.content_unknown();
                } else {
                    changes.content_path(inside);
                }
                self.watch_again(path, true);
            }
        }
        seen
    }

    /// If `path` is the content (or themes) folder itself, it was made, moved in or
    /// replaced: watch it anew.
    fn watch_again(&mut self, path: &Path, content: bool) {
        let folder = if content { &self.content } else { &self.themes };
        if folder.is(path)
            && let Err(e) = folder.watch(&mut self.watcher)
        {
            eprintln!("{e}; changes there are not seen");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, EventKind, ModifyKind, RenameMode};

    /// What `events` in one batch say of `content/`, for a course at a fresh root.
    fn content_changes(
        events: impl Fn(&Path) -> Vec<notify::Result<notify::Event>>,
    ) -> ContentChanges {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content/m")).unwrap();
        let mut watcher = Watcher::start(dir.path()).unwrap();
        let mut changes = Changes::default();
        for event in events(dir.path()) {
            watcher.add(event, &mut changes);
        }
        changes.content
    }

    fn event(kind: EventKind, paths: &[PathBuf]) -> notify::Result<notify::Event> {
        let mut event = notify::Event::new(kind);
        event.paths = paths.to_vec();
        Ok(event)
    }

    #[test]
    fn a_save_is_reported_as_its_paths_inside_content() {
        let changes = content_changes(|root| {
            let lesson = root.join("content/m/a.md");
            let beside = root.join(".saving");
            vec![
                event(
                    EventKind::Create(CreateKind::File),
                    std::slice::from_ref(&beside),
                ),
                event(
                    EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                    &[beside, lesson],
                ),
                event(
                    EventKind::Modify(ModifyKind::Any),
                    &[root.join("output/index.html")],
                ),
            ]
        });
        let expected = [PathBuf::from("content/m/a.md")].into_iter().collect();
        assert_eq!(changes, ContentChanges::Paths(expected));
    }

    #[test]
    fn what_cannot_be_put_down_to_files_is_unknown() {
        let folder_made = content_changes(|root| {
            vec![event(
                EventKind::Create(CreateKind::Folder),
                &[root.join("content/n")],
            )]
        });
        assert_eq!(folder_made, ContentChanges::Unknown);
        let overflow = content_changes(|_| {
            vec![Ok(
                notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan)
            )]
        });
        assert_eq!(overflow, ContentChanges::Unknown);
        let error = content_changes(|_| vec![Err(notify::Error::generic("lost"))]);
        assert_eq!(error, ContentChanges::Unknown);
        let replaced = content_changes(|root| {
            vec![event(
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                &[root.join("content")],
            )]
        });
        assert_eq!(replaced, ContentChanges::Unknown);
        // A folder renamed is reported as paths: the loader finds them to be folders.
        let renamed = content_changes(|root| {
            let (from, to) = (root.join("content/m"), root.join("content/n"));
            vec![event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &[from, to],
            )]
        });
        let expected = ["content/m", "content/n"]
            .into_iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(renamed, ContentChanges::Paths(expected));
    }
}
