//! Walking `content/` into the files of a course, before anything is read: which file
//! is the course index, a module, a lesson, a measurement or an asset, in course order.

use super::model::{Asset, slugify, strip_order_prefix};
use crate::diagnostics::{Diagnostic, Position};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The files of a course, found by walking `content/`, before any parsing.
#[derive(Clone, Debug, Default)]
pub(super) struct SourceTree {
    pub course_index: Option<PathBuf>,
    pub modules: Vec<SourceModule>,
    pub assets: Vec<Asset>,
    pub misplaced: Vec<PathBuf>,
    /// `<lesson>.measured.yaml` files in module folders (not assets: the build reads them).
    pub measured: Vec<PathBuf>,
    /// Links leading out of the course (errors), special files skipped (warnings).
    pub problems: Vec<Diagnostic>,
    /// Whether a symbolic link was followed: changes to what it leads to are reported
    /// (if at all) at other paths.
    pub links: bool,
}

#[derive(Clone, Debug)]
pub(super) struct SourceModule {
    pub dir: PathBuf,
    pub slug: String,
    pub index: Option<PathBuf>,
    pub lessons: Vec<PathBuf>,
}

impl SourceTree {
    /// Every file and folder the walk found (folders holding nothing it keeps aside from
    /// modules are left out: they change nothing), as `shown` gives them.
    pub fn paths(&self, content: &Path, shown: &dyn Fn(&Path) -> PathBuf) -> KnownPaths {
        let mut known = KnownPaths::default();
        let modules = self.modules.iter();
        let files = (self.course_index.iter())
            .chain(
                modules
                    .clone()
                    .flat_map(|m| m.index.iter().chain(&m.lessons)),
            )
            .chain(self.assets.iter().map(|a| &a.source))
            .chain(&self.misplaced)
            .chain(&self.measured);
        for file in files {
            let mut dir = file.parent();
            while let Some(d) = dir.filter(|d| d.starts_with(content)) {
                if !known.folders.insert(shown(d)) {
                    break;
                }
                dir = d.parent();
            }
            known.files.insert(shown(file));
        }
        known.folders.insert(shown(content));
        known.folders.extend(modules.map(|m| shown(&m.dir)));
        known
    }
}

/// The files and folders of a walk, as shown (relative to the course root).
#[derive(Debug, Default)]
pub struct KnownPaths {
    pub files: std::collections::HashSet<PathBuf>,
    pub folders: std::collections::HashSet<PathBuf>,
}

/// Order by numeric prefix, then by name.
fn order_key(path: &Path) -> (u64, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (n, _) = strip_order_prefix(&name);
    (n.unwrap_or(u64::MAX), name)
}

/// A module folder's slug: its whole name counts (`01-python-3.12` -> `python-3-12`).
pub(super) fn slug_of_folder(path: &Path) -> String {
    slug_from(path.file_name())
}

/// A lesson file's slug: its name without the `.md`.
pub(super) fn slug_of(path: &Path) -> String {
    slug_from(path.file_stem())
}

fn slug_from(name: Option<&std::ffi::OsStr>) -> String {
    let name = name.map(|n| n.to_string_lossy()).unwrap_or_default();
    let slug = slugify(strip_order_prefix(&name).1);
    if slug.is_empty() {
        "untitled".to_string()
    } else {
        slug
    }
}

/// Walk `content` (inside the course at `root`, canonical), following symlinks whose
/// targets stay inside the course: a link out of it (to `/proc/self/environ`, say) would
/// publish that file, so it is an error instead. FIFOs, sockets and devices are skipped
/// with a warning (reading a FIFO would block the build).
pub(super) fn walk(
    content: &Path,
    root: &Path,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> std::io::Result<SourceTree> {
    let mut tree = SourceTree::default();
    let mut modules: HashMap<PathBuf, SourceModule> = HashMap::new();
    let problems = std::cell::RefCell::new(Vec::new());
    let links = std::cell::Cell::new(content.symlink_metadata()?.file_type().is_symlink());
    // A `content/` that is itself a link (the author's choice) may hold links among its
    // own files.
    let allowed: Vec<PathBuf> = std::iter::once(root.to_path_buf())
        .chain(content.canonicalize().ok())
        .collect();
    let walker = walkdir::WalkDir::new(content)
        .min_depth(1)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.file_name().to_string_lossy().starts_with('.') {
                return false;
            }
            if !e.path_is_symlink() {
                return true;
            }
            links.set(true);
            link_stays_inside(e.path(), &allowed, shown, &problems)
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            // A link cycle: reported, the rest of the course still walked.
            Err(e) if e.loop_ancestor().is_some() => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                problems.borrow_mut().push(link_loop(&shown(&path)));
                continue;
            }
            Err(e) => return Err(std::io::Error::other(e)),
        };
        let path = entry.path().to_path_buf();
        if entry.file_type().is_dir() {
            if entry.depth() == 1 {
                modules.insert(path.clone(), SourceModule::new(path));
            }
            continue;
        }
        if !entry.file_type().is_file() {
            problems.borrow_mut().push(special_file(&shown(&path)));
            continue;
        }
        add_file(&mut tree, &mut modules, &entry, content, shown);
    }
    tree.modules = sorted_modules(modules);
    tree.problems = problems.into_inner();
    tree.links = links.get();
    Ok(tree)
}

/// A file of `content` into its place in the tree: the course index, a module's index or
/// lesson, a measurement, a misplaced lesson or an asset. Modules were walked before
/// their files.
fn add_file(
    tree: &mut SourceTree,
    modules: &mut HashMap<PathBuf, SourceModule>,
    entry: &walkdir::DirEntry,
    content: &Path,
    shown: &dyn Fn(&Path) -> PathBuf,
) {
    let path = entry.path().to_path_buf();
    let rel = path.strip_prefix(content).unwrap_or(&path).to_path_buf();
    let is_md = path.extension().is_some_and(|e| e == "md");
    let depth = entry.depth();
    let is_index = entry.file_name() == "_index.md";
    match (depth, is_md, is_index) {
        (1, true, true) => tree.course_index = Some(path),
        (2, true, _) => {
            let module = modules
                .get_mut(path.parent().unwrap_or(content))
                .expect("parent module was walked first");
            if is_index {
                module.index = Some(path);
            } else {
                module.lessons.push(path);
            }
        }
        (_, true, _) => tree.misplaced.push(path),
        (2, false, _)
            if entry
                .file_name()
                .to_string_lossy()
                .ends_with(super::measured::SUFFIX) =>
        {
            tree.measured.push(path)
        }
        _ => tree.assets.push(Asset {
            file: shown(&path),
            target: asset_target(&rel, depth),
            source: path,
        }),
    }
}

/// Modules and their lessons in course order.
fn sorted_modules(modules: HashMap<PathBuf, SourceModule>) -> Vec<SourceModule> {
    let mut modules: Vec<SourceModule> = modules.into_values().collect();
    modules.sort_by_key(|m| order_key(&m.dir));
    for m in &mut modules {
        m.lessons.sort_by_key(|l| order_key(l));
    }
    modules
}

impl SourceModule {
    /// The module of folder `dir`, before its files are found.
    fn new(dir: PathBuf) -> SourceModule {
        SourceModule {
            slug: slug_of_folder(&dir),
            dir,
            index: None,
            lessons: Vec::new(),
        }
    }
}

fn special_file(shown: &Path) -> Diagnostic {
    Diagnostic::warning(
        "special-file",
        shown,
        Position::default(),
        "skipped: not a regular file (a FIFO, socket or device)",
    )
}

fn link_loop(shown: &Path) -> Diagnostic {
    Diagnostic::error(
        "link-loop",
        shown,
        Position::default(),
        "this symbolic link leads back into a folder that contains it",
    )
    .expected("a link to a file, or to a folder that does not contain the link")
}

/// Where an asset at `rel` (inside `content/`, `depth` deep) goes in the site: the same
/// place, with its module folder renamed to the module's slug.
fn asset_target(rel: &Path, depth: usize) -> PathBuf {
    let mut target = PathBuf::new();
    let mut parts = rel.components();
    if depth >= 2
        && let Some(first) = parts.next()
    {
        target.push(slug_of_folder(Path::new(first.as_os_str())));
    }
    target.extend(parts);
    target
}

/// Whether the symlink at `link` leads to a place inside one of the `allowed` folders
/// (the course root, its content folder); if not, says so in `problems`.
fn link_stays_inside(
    link: &Path,
    allowed: &[PathBuf],
    shown: &dyn Fn(&Path) -> PathBuf,
    problems: &std::cell::RefCell<Vec<Diagnostic>>,
) -> bool {
    let target = std::fs::read_link(link).unwrap_or_default();
    let (message, expected) = match link.canonicalize() {
        Ok(real) if allowed.iter().any(|dir| real.starts_with(dir)) => return true,
        Ok(real) => (
            format!(
                "this symbolic link leads out of the course, to {}",
                real.display()
            ),
            "a link to a file inside the course folder, or a copy of the file",
        ),
        Err(e) => (
            format!(
                "this symbolic link leads to {}, which cannot be read: {e}",
                target.display()
            ),
            "a link to an existing file inside the course folder",
        ),
    };
    problems.borrow_mut().push(
        Diagnostic::error("link-outside", &shown(link), Position::default(), message)
            .expected(expected),
    );
    false
}
