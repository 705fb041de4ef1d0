//! Writing the site: everything goes to a temporary folder beside the output folder (new,
//! or the previous site kept in the cache and written over), which replaces the old one
//! in one atomic exchange only once complete, so a failed or killed build never leaves a
//! half-written site behind, nor an instant without one.

use rayon::prelude::*;
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One file of the built site, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

const TMP_MARK: &str = ".crescu-tmp-";
const OLD_MARK: &str = ".crescu-old-";
const LOCK_MARK: &str = ".crescu-lock";

/// Temporary folders of this process's builds in progress, for `remove_own_temporaries`.
static ACTIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set on Ctrl-C: no more writes start.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Delete the temporary folders of this process's unfinished builds (on Ctrl-C; the
/// caller exits right after).
pub fn remove_own_temporaries() {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    // Writes already under way finish first, or they could recreate what is deleted.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let active = ACTIVE.lock().unwrap_or_else(|e| e.into_inner());
    for dir in active.iter() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// An advisory lock (`flock`) on an output folder, held while a build writes it, so two
/// builds into one folder take turns instead of deleting each other's work. The lock
/// file sits beside the folder (`.<name>.crescu-lock`) and names its holder's process.
pub struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    /// Wait for the lock on `output` (a real path, see `target::resolve_output`), saying
    /// so on stderr when another build holds it.
    pub fn acquire(output: &Path) -> io::Result<OutputLock> {
        use std::io::{Read, Seek, Write};
        let (parent, name) = split_output(output)?;
        std::fs::create_dir_all(&parent)?;
        let path = parent.join(format!(".{name}{LOCK_MARK}"));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (process {holder})")
                };
                eprintln!(
                    "waiting for another build into {}{who} to finish",
                    output.display()
                );
                file.lock()?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        Ok(OutputLock { _file: file })
    }
}

/// The folder holding `output` and `output`'s own name.
fn split_output(output: &Path) -> io::Result<(PathBuf, String)> {
    let name = output
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{} is not a folder name", output.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

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
    /// Where the replaced site is kept for the next build to write over.
    spare: Option<PathBuf>,
    /// Held until the new site is in place (or abandoned).
    _lock: OutputLock,
    /// When the staging folder is a previous site being written over: the files written
    /// so far, so that `commit` removes every other one.
    written: Option<Mutex<HashSet<PathBuf>>>,
}

impl Staging {
    /// Start a new site for `output`, first removing what killed builds left behind.
    pub fn create(output: &Path) -> io::Result<Staging> {
        Staging::create_reusing(output, None)
    }

    /// Like `create`, but start from the site kept in `spare` by the previous build, if
    /// any, and keep the replaced site there afterwards. Writing over existing files and
    /// folders is several times faster than creating them (on ext4, creating thousands
    /// of files just after deleting thousands is slow), and the result is the same:
    /// `commit` removes every file this build did not write.
    pub fn create_reusing(output: &Path, spare: Option<&Path>) -> io::Result<Staging> {
        let (parent, name) = split_output(output)?;
        let lock = OutputLock::acquire(output)?;
        remove_leftovers(&parent, &name);
        let tmp = parent.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
        ACTIVE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tmp.clone());
        // Only a real folder is reused: through a link, writing over it would change
        // (and `commit` delete) whatever the link points at.
        let reused = match spare {
            Some(spare) if is_real_dir(spare) => {
                if std::fs::rename(spare, &tmp).is_ok() {
                    // Writes must land inside the folder, never through a link.
                    remove_symlinks(&tmp)?;
                    true
                } else {
                    // On another file system (or taken by a concurrent build): of no use.
                    let _ = std::fs::remove_dir_all(spare);
                    false
                }
            }
            _ => false,
        };
        std::fs::create_dir_all(&tmp)?;
        Ok(Staging {
            tmp,
            output: output.to_path_buf(),
            parent,
            name,
            committed: false,
            spare: spare.map(Path::to_path_buf),
            _lock: lock,
            written: reused.then(|| Mutex::new(HashSet::new())),
        })
    }

    /// Write one file of the new site; safe to call from several threads.
    pub fn write(&self, file: &OutputFile) -> io::Result<()> {
        if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(io::Error::other("interrupted"));
        }
        let dest = self.tmp.join(&file.path);
        if let Some(written) = &self.written {
            if let Ok(mut set) = written.lock() {
                set.insert(file.path.clone());
            }
            if overwrite_file(&dest, &file.bytes).is_ok() {
                return Ok(());
            }
            // The previous site may hold a folder where this file goes, or a file where
            // one of its folders goes: clear the way and try once more.
            clear_way(&self.tmp, &dest);
        }
        write_file(&dest, &file.bytes)
    }

    /// Copy `copies` (source, target) in and replace the output folder with the new site.
    pub fn commit(mut self, copies: &[(PathBuf, PathBuf)]) -> io::Result<()> {
        if let Some(written) = &self.written {
            if let Ok(mut set) = written.lock() {
                set.extend(copies.iter().map(|(_, target)| target.clone()));
                set.insert(PathBuf::from(".gitkeep"));
            }
            for (_, target) in copies {
                let dest = self.tmp.join(target);
                if dest.is_dir() || dest.parent().is_some_and(|p| p.is_file()) {
                    clear_way(&self.tmp, &dest);
                }
            }
        }
        copies.par_iter().try_for_each(|(source, target)| {
            let dest = self.tmp.join(target);
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(source, dest).map(|_| ())
        })?;
        // A tracked placeholder in the old folder (such as .gitkeep) survives rebuilds.
        let keep = self.tmp.join(".gitkeep");
        if self.output.join(".gitkeep").is_file() {
            std::fs::write(&keep, b"")?;
        } else if self.written.is_some() && keep.is_file() {
            std::fs::remove_file(&keep)?;
        }
        if let Some(written) = self.written.take() {
            let written = written.into_inner().unwrap_or_default();
            remove_unwritten(&self.tmp, Path::new(""), &written)?;
        }
        let replaced = swap_in(&self.tmp, &self.output, &self.parent, &self.name)?;
        self.committed = true;
        if let Some(old) = replaced {
            // Keep the replaced site for the next build to write over, or delete it.
            let kept = is_real_dir(&old)
                && self.spare.as_ref().is_some_and(|spare| {
                    spare
                        .parent()
                        .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
                        && std::fs::rename(&old, spare).is_ok()
                });
            if !kept {
                remove_tree(&old);
            }
        }
        Ok(())
    }
}

/// A folder itself, not a link to one.
fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Delete a previous site, its top-level entries in parallel: deleting thousands of
/// files is the last step of a build and would otherwise leave all cores but one idle.
/// A link is removed, never followed.
fn remove_tree(dir: &Path) {
    if !is_real_dir(dir) {
        let _ = std::fs::remove_file(dir);
        return;
    }
    let entries: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.par_iter().for_each(|path| {
        if path.is_dir() && !path.is_symlink() {
            let _ = std::fs::remove_dir_all(path);
        } else {
            let _ = std::fs::remove_file(path);
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// Write `bytes` over the file at `dest` without first truncating it to nothing: on ext4,
/// closing a file that was truncated to zero and rewritten forces its data to disk at
/// once (the `auto_da_alloc` safeguard for programs that replace files that way), which
/// costs more than everything else of a warm build.
fn overwrite_file(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dest)?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)
}

fn write_file(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(dest, bytes)
}

/// Remove what stands in the way of writing the file `dest` under `root`: a folder at
/// `dest`, or a file where one of its folders should be.
fn clear_way(root: &Path, dest: &Path) {
    if dest.is_dir() {
        let _ = std::fs::remove_dir_all(dest);
    }
    let mut dir = dest.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) {
            break;
        }
        if std::fs::symlink_metadata(d).is_ok_and(|m| !m.is_dir()) {
            let _ = std::fs::remove_file(d);
        }
        dir = d.parent();
    }
}

fn remove_symlinks(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::fs::remove_file(entry.path())?;
        } else if kind.is_dir() {
            remove_symlinks(&entry.path())?;
        }
    }
    Ok(())
}

/// Delete every file under `root/rel` not in `written` (paths relative to `root`), and
/// the folders left empty. Returns whether anything is left in `root/rel`.
fn remove_unwritten(root: &Path, rel: &Path, written: &HashSet<PathBuf>) -> io::Result<bool> {
    let mut kept_any = false;
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let path = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if remove_unwritten(root, &path, written)? {
                kept_any = true;
            } else {
                std::fs::remove_dir(root.join(&path))?;
            }
        } else if written.contains(&path) {
            kept_any = true;
        } else {
            std::fs::remove_file(root.join(&path))?;
        }
    }
    Ok(kept_any)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
        ACTIVE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|dir| *dir != self.tmp);
    }
}

/// Put the site in `tmp` in place of `output`. Returns where the replaced site now is,
/// if there was one. A build killed before that folder is moved or removed leaves it as
/// a leftover for the next build to clean up; `output` is complete either way.
fn swap_in(tmp: &Path, output: &Path, parent: &Path, name: &str) -> io::Result<Option<PathBuf>> {
    if std::fs::symlink_metadata(output).is_err() {
        return std::fs::rename(tmp, output).map(|()| None);
    }
    if exchange(tmp, output)? {
        return Ok(Some(tmp.to_path_buf()));
    }
    // No atomic exchange here: two renames, with a short instant without `output`.
    let old = parent.join(format!(".{name}{OLD_MARK}{}", std::process::id()));
    std::fs::rename(output, &old)?;
    if let Err(e) = std::fs::rename(tmp, output) {
        // Put the previous site back rather than leave none.
        let _ = std::fs::rename(&old, output);
        return Err(e);
    }
    Ok(Some(old))
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

/// Folders left by builds that were killed before they could clean up: those whose
/// owner (the process id in their name) is gone. Called with the output's lock held.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{name}{TMP_MARK}"), format!(".{name}{OLD_MARK}")];
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let owner = prefixes
            .iter()
            .find_map(|p| file_name.strip_prefix(p.as_str()))
            .map(|pid| pid.parse::<u32>().ok());
        match owner {
            Some(Some(pid)) if process_alive(pid) => {}
            Some(_) => remove_tree(&entry.path()),
            None => {}
        }
    }
}

/// Whether a process with this id runs (a build of this process counts as gone: its
/// own leftovers are from an earlier, failed attempt).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        // Without /proc, trust the lock: no other build can be writing.
        false
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
        // A killed build's folder (no such process) goes; a running build's stays.
        std::fs::create_dir_all(dir.path().join(".output.crescu-tmp-4294967")).unwrap();
        std::fs::create_dir_all(dir.path().join(".output.crescu-tmp-1")).unwrap();
        let files = vec![OutputFile {
            path: "a/index.html".into(),
            bytes: b"hi".to_vec(),
        }];
        replace_dir(&out, &files, &[]).unwrap();
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"hi");
        assert!(!out.join("stale").exists());
        assert!(out.join(".gitkeep").exists());
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [".output.crescu-lock", ".output.crescu-tmp-1", "output"]
        );
    }

    #[test]
    fn a_linked_spare_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let precious = dir.path().join("course");
        std::fs::create_dir_all(&precious).unwrap();
        std::fs::write(precious.join("lesson.md"), b"keep").unwrap();
        let spare = dir.path().join("cache/spare-output");
        std::fs::create_dir_all(spare.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&precious, &spare).unwrap();
        let out = dir.path().join("out");
        let staging = Staging::create_reusing(&out, Some(&spare)).unwrap();
        assert!(staging.written.is_none(), "a link is not reused");
        staging
            .write(&OutputFile {
                path: "index.html".into(),
                bytes: b"x".to_vec(),
            })
            .unwrap();
        staging.commit(&[]).unwrap();
        assert_eq!(std::fs::read(precious.join("lesson.md")).unwrap(), b"keep");
        // A link in place of the output folder is swapped out, then only unlinked.
        std::fs::remove_dir_all(&out).unwrap();
        std::os::unix::fs::symlink(&precious, &out).unwrap();
        replace_dir(&out, &[], &[]).unwrap();
        assert_eq!(std::fs::read(precious.join("lesson.md")).unwrap(), b"keep");
    }

    fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.path() != dir)
            .map(|e| {
                let bytes = if e.file_type().is_file() {
                    std::fs::read(e.path()).unwrap()
                } else {
                    b"<dir>".to_vec()
                };
                (e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes)
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_reused_spare_site_ends_exactly_like_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let (out, fresh) = (dir.path().join("output"), dir.path().join("fresh"));
        let spare = dir.path().join("cache/spare-output");
        let file = |p: &str, b: &[u8]| OutputFile {
            path: p.into(),
            bytes: b.to_vec(),
        };
        // The previous site: a stale page, a folder where a file now goes, a file where a
        // folder now goes, a link that must not be written through.
        std::fs::create_dir_all(spare.join("gone/deep")).unwrap();
        std::fs::write(spare.join("gone/deep/index.html"), b"old").unwrap();
        std::fs::create_dir_all(spare.join("a/index.html")).unwrap();
        std::fs::write(spare.join("b"), b"was a file").unwrap();
        std::fs::write(spare.join("same.html"), b"longer old content").unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, b"untouched").unwrap();
        std::os::unix::fs::symlink(&outside, spare.join("linked.html")).unwrap();
        let asset = dir.path().join("asset.png");
        std::fs::write(&asset, b"png").unwrap();
        let files = vec![
            file("a/index.html", b"A"),
            file("b/index.html", b"B"),
            file("same.html", b"new"),
            file("linked.html", b"L"),
        ];
        let copies = vec![(asset.clone(), PathBuf::from("img/asset.png"))];

        let staging = Staging::create_reusing(&out, Some(&spare)).unwrap();
        assert!(staging.written.is_some(), "the spare is reused");
        for f in &files {
            staging.write(f).unwrap();
        }
        staging.commit(&copies).unwrap();
        let fresh_staging = Staging::create(&fresh).unwrap();
        for f in &files {
            fresh_staging.write(f).unwrap();
        }
        fresh_staging.commit(&copies).unwrap();
        assert_eq!(tree(&out), tree(&fresh));
        assert_eq!(std::fs::read(&outside).unwrap(), b"untouched");
        assert!(
            !spare.exists(),
            "no previous output to keep on a first build"
        );

        // The second build keeps the first site as the spare.
        let staging = Staging::create_reusing(&out, Some(&spare)).unwrap();
        staging.write(&file("only.html", b"1")).unwrap();
        staging.commit(&[]).unwrap();
        assert_eq!(
            tree(&out),
            vec![(PathBuf::from("only.html"), b"1".to_vec())]
        );
        assert_eq!(tree(&spare), tree(&fresh));
    }

    /// Paths of up to three parts from a small alphabet, so trees collide often: the
    /// same file, a file where a folder was, a folder where a file was.
    fn paths() -> impl proptest::strategy::Strategy<Value = Vec<(String, u8)>> {
        use proptest::prelude::*;
        let part = prop_oneof![Just("a"), Just("b"), Just("index.html")];
        let path = proptest::collection::vec(part, 1..4).prop_map(|p| p.join("/"));
        proptest::collection::vec((path, any::<u8>()), 0..12)
    }

    /// Files of `wanted` that can all exist at once (none is a folder of another).
    fn consistent(wanted: &[(String, u8)]) -> Vec<OutputFile> {
        let mut out: Vec<OutputFile> = Vec::new();
        for (path, byte) in wanted {
            let clash = out.iter().any(|f| {
                let other = f.path.to_string_lossy();
                other == path.as_str()
                    || other.starts_with(&format!("{path}/"))
                    || path.starts_with(&format!("{other}/"))
            });
            if !clash {
                out.push(OutputFile {
                    path: path.into(),
                    bytes: vec![*byte; usize::from(*byte % 7)],
                });
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn writing_over_any_previous_site_equals_a_fresh_build(
            previous in paths(),
            next in paths(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let spare = dir.path().join("spare");
            for f in consistent(&previous) {
                let dest = spare.join(&f.path);
                std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                std::fs::write(dest, &f.bytes).unwrap();
            }
            std::fs::create_dir_all(&spare).unwrap();
            let files = consistent(&next);
            let out = dir.path().join("out");
            let staging = Staging::create_reusing(&out, Some(&spare)).unwrap();
            for f in &files {
                staging.write(f).unwrap();
            }
            staging.commit(&[]).unwrap();
            let fresh = dir.path().join("fresh");
            replace_dir(&fresh, &files, &[]).unwrap();
            proptest::prop_assert_eq!(tree(&out), tree(&fresh));
        }
    }
}
