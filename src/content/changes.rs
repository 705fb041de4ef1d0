//! What changed in `content/` between two loads, as the dev server's watcher reports it:
//! after an edit to one lesson, a rebuild neither walks the folder again nor asks the
//! file system about the files nobody touched. Whatever a report cannot vouch for (an
//! overflowed queue, a folder moved, a file made or removed, links followed) means a
//! walk, and a stamp taken of every file, as without a watcher.

use super::walk::{KnownPaths, SourceTree};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What a watcher saw change in `content/` since its last report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContentChanges {
    /// Something it cannot put down to paths: its queue overflowed, an error, a folder
    /// made or removed.
    Unknown,
    /// These paths, relative to the course root, and nothing else.
    Paths(HashSet<PathBuf>),
}

/// Kept between loads: the last walk, and what changed since the last load began.
#[derive(Default)]
pub struct WalkMemo {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Every change is reported (`note`) from now on.
    watched: bool,
    /// What changed since the last load began; `None`: unknown.
    changed: Option<HashSet<PathBuf>>,
    /// The last walk and its paths, if a report can vouch for it.
    walked: Option<(Arc<SourceTree>, KnownPaths)>,
}

/// What a load may take from an earlier one.
pub(super) struct Unchanged {
    /// The files of `content/`, as the last walk found them.
    pub tree: Arc<SourceTree>,
    /// Files reported changed: those not in it are as the last load saw them.
    pub reported: HashSet<PathBuf>,
}

impl WalkMemo {
    /// From now on every change in `content/` is reported through `note`, starting with
    /// those made from now: loads may trust files that are not reported.
    pub fn watched(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.watched = true;
            state.changed = None;
        }
    }

    /// Add a watcher's report to what the next load is told.
    pub fn note(&self, changes: ContentChanges) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        match (changes, &mut state.changed) {
            (ContentChanges::Paths(paths), Some(changed)) => changed.extend(paths),
            _ => state.changed = None,
        }
    }

    /// At the start of a load of the course at `root`: the last walk and the files to
    /// look at again, if the reports since the last load vouch for the rest; `None`:
    /// walk, and take every file's stamp.
    pub(super) fn begin_load(&self, root: &Path) -> Option<Unchanged> {
        let mut state = self.state.lock().ok()?;
        let changed = state.changed.take();
        if state.watched {
            // Reports from here on are of changes this load may not have seen.
            state.changed = Some(HashSet::new());
        }
        let (tree, known) = state.walked.as_ref()?;
        let kind = |path: &Path| Kind::of(&root.join(path));
        let reported = files_to_read(&changed?, known, &kind)?;
        Some(Unchanged {
            tree: Arc::clone(tree),
            reported,
        })
    }

    /// A load walked `content/` and found `tree` (`known` its paths): later loads may
    /// take it while the reports vouch for it. A tree with links or special files is
    /// walked every time.
    pub(super) fn walked(&self, tree: &Arc<SourceTree>, known: KnownPaths) {
        if let Ok(mut state) = self.state.lock() {
            let trusted = !tree.links && tree.problems.is_empty();
            state.walked = trusted.then(|| (Arc::clone(tree), known));
        }
    }

    /// A load could not walk `content/`: the next one knows nothing.
    pub(super) fn failed(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.changed = None;
            state.walked = None;
        }
    }
}

/// What a path is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A regular file (not a link).
    File,
    Gone,
    /// A folder, a link, something else, or unknown.
    Other,
}

impl Kind {
    fn of(path: &Path) -> Kind {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => Kind::File,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Kind::Gone,
            _ => Kind::Other,
        }
    }
}

/// The `changed` paths that are files of the walk `known` and still regular files, to be
/// read again; `None` if a change may alter what a walk finds: a folder of the walk
/// changed, or a file of it is gone or is no longer a regular file, or a path the walk
/// did not find exists now. Paths the walk skips (hidden ones) and paths that came and
/// went between two walks (an editor's temporary file) change nothing.
pub(super) fn files_to_read(
    changed: &HashSet<PathBuf>,
    known: &KnownPaths,
    kind: &dyn Fn(&Path) -> Kind,
) -> Option<HashSet<PathBuf>> {
    let mut files = HashSet::new();
    for path in changed {
        let mut inside = path.strip_prefix("content").ok()?.components();
        if inside.any(|c| c.as_os_str().to_string_lossy().starts_with('.')) {
            continue;
        }
        let known_file = known.files.contains(path);
        match kind(path) {
            Kind::File if known_file => {
                files.insert(path.clone());
            }
            Kind::Gone if !known_file && !known.folders.contains(path) => {}
            _ => return None,
        }
    }
    Some(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> HashSet<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    fn known() -> KnownPaths {
        KnownPaths {
            files: paths(&["content/_index.md", "content/m/a.md", "content/m/img/p.png"]),
            folders: paths(&["content", "content/m", "content/m/img", "content/empty"]),
        }
    }

    /// `files_to_read` with the file system as `now` says: paths listed are regular files,
    /// `folders` folders, the rest gone.
    fn to_read(changed: &[&str], files: &[&str], folders: &[&str]) -> Option<Vec<String>> {
        let (files, folders) = (paths(files), paths(folders));
        let kind = |p: &Path| match (files.contains(p), folders.contains(p)) {
            (true, _) => Kind::File,
            (_, true) => Kind::Other,
            _ => Kind::Gone,
        };
        let mut read: Vec<String> = files_to_read(&paths(changed), &known(), &kind)?
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        read.sort();
        Some(read)
    }

    #[test]
    fn edited_files_are_read_again_and_nothing_else() {
        let all = ["content/m/a.md", "content/m/img/p.png", "content/_index.md"];
        assert_eq!(
            to_read(&["content/m/a.md", "content/m/img/p.png"], &all, &[]),
            Some(vec![
                "content/m/a.md".to_string(),
                "content/m/img/p.png".to_string()
            ])
        );
        // An editor's save: a hidden or passing file beside, renamed over the lesson.
        let save = ["content/m/.a.md.swp", "content/m/a.md~", "content/m/a.md"];
        assert_eq!(
            to_read(&save, &all, &[]),
            Some(vec!["content/m/a.md".into()])
        );
        assert_eq!(to_read(&[], &all, &[]), Some(vec![]));
    }

    #[test]
    fn anything_a_walk_would_find_otherwise_means_a_walk() {
        let all = ["content/m/a.md", "content/m/img/p.png", "content/_index.md"];
        // A lesson removed, or replaced by a folder or a link.
        assert_eq!(to_read(&["content/m/a.md"], &[], &[]), None);
        assert_eq!(to_read(&["content/m/a.md"], &[], &["content/m/a.md"]), None);
        // A file made.
        let new = ["content/m/b.md"];
        assert_eq!(to_read(&new, &[&all[..], &new].concat(), &[]), None);
        // A folder renamed: reported as the old path only, the new one only, or both.
        assert_eq!(to_read(&["content/m"], &all, &[]), None);
        assert_eq!(to_read(&["content/n"], &all, &["content/n"]), None);
        assert_eq!(to_read(&["content/empty"], &all, &[]), None, "a module");
        assert_eq!(to_read(&["content/m/img"], &all, &[]), None);
        assert_eq!(to_read(&["content"], &all, &["content"]), None);
        // A path outside `content/` cannot be vouched for.
        assert_eq!(to_read(&["themes/x.css"], &all, &[]), None);
    }

    #[test]
    fn reports_gather_until_a_load_and_unknown_stays_unknown() {
        let memo = WalkMemo::default();
        memo.walked(&Arc::new(SourceTree::default()), known());
        let root = Path::new("/nonexistent-course-root");
        assert!(memo.begin_load(root).is_none(), "not watched");
        memo.note(ContentChanges::Paths(paths(&["content/m/gone.md"])));
        assert!(memo.begin_load(root).is_none(), "still not watched");
        memo.watched();
        assert!(memo.begin_load(root).is_none(), "nothing known before");
        memo.note(ContentChanges::Paths(paths(&["content/m/x.md"])));
        memo.note(ContentChanges::Paths(paths(&["content/m/y.md"])));
        let unchanged = memo.begin_load(root).expect("passing files only");
        assert!(unchanged.reported.is_empty());
        memo.note(ContentChanges::Paths(paths(&["content/m/x.md"])));
        memo.note(ContentChanges::Unknown);
        memo.note(ContentChanges::Paths(paths(&["content/m/y.md"])));
        assert!(memo.begin_load(root).is_none(), "an unknown change");
        assert!(memo.begin_load(root).is_some(), "nothing since");
        memo.failed();
        assert!(memo.begin_load(root).is_none(), "after a failed walk");
    }

    #[test]
    fn a_walk_that_followed_links_is_not_taken_again() {
        let memo = WalkMemo::default();
        memo.watched();
        let tree = SourceTree {
            links: true,
            ..SourceTree::default()
        };
        memo.walked(&Arc::new(tree), known());
        memo.begin_load(Path::new("/"));
        assert!(memo.begin_load(Path::new("/")).is_none());
    }
}
