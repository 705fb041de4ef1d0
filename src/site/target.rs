//! Where a build may write. The output folder is replaced wholesale, so before anything
//! is written its real location is worked out (every symlink and `..` resolved, as the
//! kernel would) and checked against the course's real location: a spelling such as
//! `c/x/../content` or a link to the course must not make a build swap the course away.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Why an output folder cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The path exists and is not a folder (a regular file, a device, ...).
    NotAFolder { real: PathBuf },
    /// The output is, holds, or sits inside a part of the course.
    HoldsCourse { real: PathBuf, part: PathBuf },
    /// The path cannot be resolved at all.
    Unresolvable { error: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotAFolder { real } => write!(
                f,
                "refusing to use this output folder: {} exists and is not a folder",
                real.display()
            ),
            Refusal::HoldsCourse { real, part } => write!(
                f,
                "refusing to use this output folder: it is {}, which overlaps the course's own {}; building would replace it",
                real.display(),
                part.display()
            ),
            Refusal::Unresolvable { error } => {
                write!(f, "cannot resolve the output folder: {error}")
            }
        }
    }
}

/// The real path `path` names once its missing folders are created: symlinks of every
/// part that exists resolved, `..` after a missing folder taken lexically (the folder
/// will be created, and a new folder is no link).
pub fn real_path(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut real = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::Prefix(_) | Component::RootDir => real.push(part.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                // `real` is canonical while it exists, so its parent is the physical one.
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                match std::fs::symlink_metadata(&real) {
                    Ok(_) => real = real.canonicalize()?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(real)
}

/// The real output folder for a build of the course at `root` into `output`, or why it
/// cannot be used: it must not be, hold, or sit inside the course's `content/`, `themes/`,
/// `.git` or `.crescu-cache`, nor be or hold the course root, nor be anything but a
/// folder.
pub fn resolve_output(root: &Path, output: &Path) -> Result<PathBuf, Refusal> {
    let unresolvable = |e: std::io::Error| Refusal::Unresolvable {
        error: e.to_string(),
    };
    let real = real_path(output).map_err(unresolvable)?;
    let root_real = real_path(root).map_err(unresolvable)?;
    if let Ok(meta) = std::fs::metadata(&real)
        && !meta.is_dir()
    {
        return Err(Refusal::NotAFolder { real });
    }
    let overlaps = |part: &Path| real.starts_with(part) || part.starts_with(&real);
    // Both the place under the root and, if a part is itself a link, where it leads.
    for name in ["content", "themes", ".git", ".crescu-cache"] {
        let lexical = root_real.join(name);
        let resolved = real_path(&lexical).unwrap_or_else(|_| lexical.clone());
        if overlaps(&lexical) || overlaps(&resolved) {
            return Err(Refusal::HoldsCourse {
                real,
                part: PathBuf::from(name),
            });
        }
    }
    if root_real.starts_with(&real) {
        return Err(Refusal::HoldsCourse {
            real,
            part: PathBuf::from("root folder"),
        });
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn course() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("c");
        for sub in ["content/01-m", "themes/default", ".git", "x"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        (dir, root)
    }

    #[test]
    fn parent_steps_in_missing_folders_are_lexical() {
        let (dir, root) = course();
        let real = real_path(&root.join("missing/../content")).unwrap();
        assert_eq!(real, root.canonicalize().unwrap().join("content"));
        let linked = dir.path().join("link");
        symlink(root.join("x"), &linked).unwrap();
        // `link/..` is the parent of the link's target, as the kernel resolves it.
        assert_eq!(
            real_path(&linked.join("..")).unwrap(),
            root.canonicalize().unwrap()
        );
    }

    #[test]
    fn every_spelling_of_the_course_is_refused() {
        let (dir, root) = course();
        let base = dir.path();
        symlink(&root, base.join("to-root")).unwrap();
        symlink(root.join("content"), base.join("to-content")).unwrap();
        let bad = [
            root.clone(),
            root.join("."),
            root.join("content"),
            root.join("content/01-m"),
            root.join("content/new"),
            root.join("x/../content"),
            root.join("missing/../content"),
            root.join("missing/../../c"),
            root.join("themes"),
            root.join("themes/default/out"),
            root.join(".git"),
            root.join(".crescu-cache"),
            root.join(".crescu-cache/spare-output"),
            base.to_path_buf(),
            PathBuf::from("/"),
            base.join("to-root"),
            base.join("missing/../to-root"),
            base.join("to-root/content"),
            base.join("to-content"),
            base.join("to-content/../content"),
        ];
        for output in &bad {
            assert!(
                matches!(
                    resolve_output(&root, output),
                    Err(Refusal::HoldsCourse { .. })
                ),
                "{} was accepted",
                output.display()
            );
        }
        // The same through a root given as a link.
        for output in [root.join("content"), base.join("to-root/themes")] {
            assert!(resolve_output(&base.join("to-root"), &output).is_err());
        }
        for ok in [
            root.join("output"),
            root.join("x"),
            base.join("site"),
            root.join("missing/../output"),
        ] {
            assert!(resolve_output(&root, &ok).is_ok(), "{}", ok.display());
        }
    }

    #[test]
    fn a_file_is_not_an_output_folder() {
        let (_dir, root) = course();
        std::fs::write(root.join("notes.txt"), "keep me").unwrap();
        let refusal = resolve_output(&root, &root.join("notes.txt")).unwrap_err();
        assert!(matches!(refusal, Refusal::NotAFolder { .. }), "{refusal}");
        assert!(refusal.to_string().contains("not a folder"));
    }

    #[test]
    fn a_link_to_a_folder_elsewhere_resolves_to_that_folder() {
        let (dir, root) = course();
        let site = dir.path().join("www");
        std::fs::create_dir_all(&site).unwrap();
        symlink(&site, root.join("output")).unwrap();
        assert_eq!(
            resolve_output(&root, &root.join("output")).unwrap(),
            site.canonicalize().unwrap()
        );
    }
}
