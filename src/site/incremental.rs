//! Writing a rebuilt site over the previous one by touching only what changed: after an
//! edit to one lesson the dev server rewrites that page and the search index instead of
//! a thousand files; files the build kept (`reuse::Output::Kept`) are left alone. The
//! folder ends up byte-for-byte what a clean build writes.

use super::output::{OutputFile, OutputLock, Staging, replace_dir};
use crate::file_stamp::FileStamp;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

/// What the previous write left in the output folder.
#[derive(Default)]
pub struct IncrementalOutput {
    folder: Option<PathBuf>,
    files: Vec<PathBuf>,
    /// Copied assets by target: their source and its stamp, taken before it was copied
    /// (`None`: copy it again).
    copies: HashMap<PathBuf, (PathBuf, Option<FileStamp>)>,
}

impl IncrementalOutput {
    /// Whether `output` is the folder the last write left, so files can be kept in it.
    pub fn holds_site(&self, output: &Path) -> bool {
        self.folder.as_deref() == Some(output) && output.join("index.html").is_file()
    }

    /// Make `output` hold exactly `files`, the `kept` files it holds already, and
    /// `copies` (source, target). The first write, and any write after a failure,
    /// replaces the folder wholesale (and then nothing can have been kept).
    pub fn write(
        &mut self,
        output: &Path,
        files: &[OutputFile],
        kept: &[PathBuf],
        copies: &[(PathBuf, PathBuf)],
    ) -> io::Result<()> {
        let stamps = stamps(copies);
        let result = if self.holds_site(output) {
            // Not while a `crescu build` into the same folder swaps it.
            OutputLock::acquire(output)
                .and_then(|_lock| self.update(output, files, kept, (copies, &stamps)))
        } else if kept.is_empty() {
            replace_dir(output, files, copies)
        } else {
            Err(io::Error::other(
                "the output folder changed since the last build",
            ))
        };
        let paths = files.iter().map(|f| &f.path).chain(kept);
        self.note(output, &result, paths, copies, stamps);
        result
    }

    /// Commit a site written into `staging` as it was rendered (the first build, or one
    /// after a failure: at 10,000 lessons holding every page would take hundreds of
    /// megabytes), `staged` being its files: later writes go over it.
    pub fn commit_staged(
        &mut self,
        staging: Staging,
        output: &Path,
        staged: &[PathBuf],
        copies: &[(PathBuf, PathBuf)],
    ) -> io::Result<()> {
        let stamps = stamps(copies);
        let result = staging.commit(copies);
        self.note(output, &result, staged.iter(), copies, stamps);
        result
    }

    /// What a write left in `output`: `paths` and `copies`, or, if it failed, nothing
    /// known.
    fn note<'a>(
        &mut self,
        output: &Path,
        result: &io::Result<()>,
        paths: impl Iterator<Item = &'a PathBuf>,
        copies: &[(PathBuf, PathBuf)],
        stamps: Vec<Option<FileStamp>>,
    ) {
        if result.is_err() {
            // Unknown state on disk: the next write starts afresh.
            self.folder = None;
            return;
        }
        self.folder = Some(output.to_path_buf());
        self.files = paths.cloned().collect();
        self.copies = copies
            .iter()
            .zip(stamps)
            .map(|((source, target), stamp)| (target.clone(), (source.clone(), stamp)))
            .collect();
    }

    fn update(
        &self,
        output: &Path,
        files: &[OutputFile],
        kept: &[PathBuf],
        (copies, stamps): (&[(PathBuf, PathBuf)], &[Option<FileStamp>]),
    ) -> io::Result<()> {
        for file in files {
            replace_file(&output.join(&file.path), |tmp| {
                std::fs::write(tmp, &file.bytes)
            })?;
        }
        for ((source, target), stamp) in copies.iter().zip(stamps) {
            let unchanged = self
                .copies
                .get(target)
                .is_some_and(|(s, before)| s == source && before.is_some() && before == stamp);
            if !unchanged {
                replace_file(&output.join(target), |tmp| {
                    std::fs::copy(source, tmp).map(|_| ())
                })?;
            }
        }
        // Compared as strings: hashing a `Path` walks its components.
        let wanted: HashSet<&OsStr> = files
            .iter()
            .map(|f| f.path.as_os_str())
            .chain(kept.iter().map(|p| p.as_os_str()))
            .chain(copies.iter().map(|(_, t)| t.as_os_str()))
            .collect();
        let gone = self
            .files
            .iter()
            .chain(self.copies.keys())
            .filter(|p| !wanted.contains(p.as_os_str()));
        for path in gone {
            let full = output.join(path);
            match std::fs::remove_file(&full) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            // Folders left empty go too, as a clean build would not have them.
            let mut dir = full.parent();
            while let Some(d) = dir.filter(|d| *d != output) {
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
        Ok(())
    }
}

/// The stamps of the copies' sources, taken before copying: a source written meanwhile
/// then has another stamp next time.
fn stamps(copies: &[(PathBuf, PathBuf)]) -> Vec<Option<FileStamp>> {
    copies
        .iter()
        .map(|(source, _)| FileStamp::of(source))
        .collect()
}

/// Write a file beside `path` with `fill`, then rename it into place, so a reader never
/// sees half a file.
fn replace_file(path: &Path, fill: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".crescu-partial-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = fill(&tmp).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, bytes: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: bytes.as_bytes().to_vec(),
        }
    }

    fn tree(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn writes_changes_and_removes_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let asset = dir.path().join("pic.png");
        std::fs::write(&asset, "v1").unwrap();
        let mut writer = IncrementalOutput::default();
        let copies = vec![(asset.clone(), PathBuf::from("m/pic.png"))];
        writer
            .write(
                &out,
                &[
                    file("index.html", "i"),
                    file("a/b/index.html", "b1"),
                    file("c/index.html", "c"),
                ],
                &[],
                &copies,
            )
            .unwrap();
        std::fs::write(&asset, "v2-longer").unwrap();
        writer
            .write(
                &out,
                &[file("a/b/index.html", "b2")],
                &[PathBuf::from("index.html")],
                &copies,
            )
            .unwrap();
        let clean = dir.path().join("clean");
        replace_dir(
            &clean,
            &[file("index.html", "i"), file("a/b/index.html", "b2")],
            &copies,
        )
        .unwrap();
        assert_eq!(tree(&out), tree(&clean));
        assert!(!out.join("c").exists(), "emptied folders are removed");
        let fresh = IncrementalOutput::default()
            .write(
                &dir.path().join("new"),
                &[],
                &[PathBuf::from("index.html")],
                &[],
            )
            .is_err();
        assert!(
            fresh,
            "nothing can be kept in a folder this writer did not write"
        );
    }
}
