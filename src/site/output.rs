//! Writing the site: everything goes to a fresh folder beside the output folder, which
//! replaces the old one only once complete, so a failed or killed build never leaves a
//! half-written site behind.

use rayon::prelude::*;
use std::io;
use std::path::{Path, PathBuf};

/// One file of the built site, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

const TMP_MARK: &str = ".crescu-tmp-";
const OLD_MARK: &str = ".crescu-old-";

/// Replace `output` with a folder holding exactly `files` plus `copies` (source, target).
pub fn replace_dir(
    output: &Path,
    files: &[OutputFile],
    copies: &[(PathBuf, PathBuf)],
) -> io::Result<()> {
    let staging = Staging::create(output)?;
    files.par_iter().try_for_each(|f| staging.write(f))?;
    staging.commit(copies)
}

/// A new site being written into a temporary folder beside the output folder. Pages can
/// be written as they are rendered, so the whole site never has to sit in memory;
/// `commit` swaps it in, and dropping it uncommitted deletes it.
pub struct Staging {
    tmp: PathBuf,
    output: PathBuf,
    parent: PathBuf,
    name: String,
    committed: bool,
}

impl Staging {
    /// Start a new site for `output`, first removing what killed builds left behind.
    pub fn create(output: &Path) -> io::Result<Staging> {
        let name = output
            .file_name()
            .ok_or_else(|| io::Error::other(format!("{} is not a folder name", output.display())))?
            .to_string_lossy()
            .into_owned();
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)?;
        remove_leftovers(&parent, &name);
        let tmp = parent.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
        std::fs::create_dir_all(&tmp)?;
        Ok(Staging {
            tmp,
            output: output.to_path_buf(),
            parent,
            name,
            committed: false,
        })
    }

    /// Write one file of the new site; safe to call from several threads.
    pub fn write(&self, file: &OutputFile) -> io::Result<()> {
        let dest = self.tmp.join(&file.path);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(dest, &file.bytes)
    }

    /// Copy `copies` (source, target) in and replace the output folder with the new site.
    pub fn commit(mut self, copies: &[(PathBuf, PathBuf)]) -> io::Result<()> {
        copies.par_iter().try_for_each(|(source, target)| {
            let dest = self.tmp.join(target);
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(source, dest).map(|_| ())
        })?;
        // A tracked placeholder in the old folder (such as .gitkeep) survives rebuilds.
        if self.output.join(".gitkeep").is_file() {
            std::fs::write(self.tmp.join(".gitkeep"), b"")?;
        }
        swap_in(&self.tmp, &self.output, &self.parent, &self.name)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

fn swap_in(tmp: &Path, output: &Path, parent: &Path, name: &str) -> io::Result<()> {
    if std::fs::symlink_metadata(output).is_err() {
        return std::fs::rename(tmp, output);
    }
    if exchange(tmp, output)? {
        // `tmp` now holds the previous site. A build killed while it is removed leaves it
        // as a leftover for the next build to clean up; `output` is complete either way.
        let _ = std::fs::remove_dir_all(tmp);
        return Ok(());
    }
    // No atomic exchange here: two renames, with a short instant without `output`.
    let old = parent.join(format!(".{name}{OLD_MARK}{}", std::process::id()));
    std::fs::rename(output, &old)?;
    if let Err(e) = std::fs::rename(tmp, output) {
        // Put the previous site back rather than leave none.
        let _ = std::fs::rename(&old, output);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Swap `a` and `b` in one step, so there is no instant without an output folder.
/// `Ok(false)` when the system or file system cannot do it, so the caller falls back.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        // Old kernels (ENOSYS) and file systems without exchange (EINVAL) fall back.
        Err(e) if e == Errno::NOSYS || e == Errno::INVAL || e == Errno::NOTSUP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Folders left by builds that were killed before they could clean up.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}{TMP_MARK}"), format!(".{name}{OLD_MARK}")];
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| file_name.starts_with(p.as_str())) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_old_site_and_cleans_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        std::fs::create_dir_all(out.join("stale")).unwrap();
        std::fs::write(out.join(".gitkeep"), b"").unwrap();
        std::fs::create_dir_all(dir.path().join(".output.crescu-tmp-999")).unwrap();
        let files = vec![OutputFile {
            path: "a/index.html".into(),
            bytes: b"hi".to_vec(),
        }];
        replace_dir(&out, &files, &[]).unwrap();
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"hi");
        assert!(!out.join("stale").exists());
        assert!(out.join(".gitkeep").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("output")]);
    }
}
