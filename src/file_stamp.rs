//! A file's stamp: what the file system says of it, cheap to read, that changes
//! whenever its contents may have. The dev server's rebuilds take a lesson unread, or
//! leave a copied file uncopied, while its stamp stays the same.

use std::path::Path;
#[cfg(unix)]
use std::time::{Duration, SystemTime};

/// A file changed less than this before its stamp was taken may be written again with
/// the same times: file systems keep times at the precision of a clock tick (a few
/// milliseconds), some at seconds (FAT: two).
#[cfg(unix)]
const RACY: Duration = Duration::from_secs(3);

/// What the file system says of a file: which file it is, its length, and when its
/// contents and its metadata last changed. The change time (`ctime`) cannot be set by
/// programs, so tools that put an old modification time back (`touch -d`, `cp -p`,
/// some version control) still change the stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    device: u64,
    inode: u64,
    /// The length in bytes.
    pub len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileStamp {
    /// `path`'s stamp now, or `None` when it may not change at the next write: the file
    /// changed within `RACY` of now, so a write in the same tick of the file system's
    /// clock could leave every field as it is (the "racy" case of git's index); or the
    /// system has no change times.
    #[cfg(unix)]
    pub fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let now = SystemTime::now();
        let meta = std::fs::metadata(path).ok()?;
        let stamp = FileStamp {
            device: meta.dev(),
            inode: meta.ino(),
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        };
        let settled = now
            .checked_sub(RACY)?
            .duration_since(SystemTime::UNIX_EPOCH);
        let settled = settled.ok()?.as_secs() as i64;
        (stamp.modified.0 < settled && stamp.changed.0 < settled).then_some(stamp)
    }

    #[cfg(not(unix))]
    pub fn of(_path: &Path) -> Option<FileStamp> {
        None
    }
}

#[cfg(test)]
impl FileStamp {
    /// A stamp of a made-up file, `inode` with change time `changed`.
    pub fn for_tests(inode: u64, changed: (i64, i64)) -> FileStamp {
        FileStamp {
            device: 1,
            inode,
            len: 3,
            modified: (4, 5),
            changed,
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Sets a file's modification time `age` in the past (its change time stays now).
    fn age(path: &Path, age: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn a_file_just_changed_has_no_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "text").unwrap();
        assert_eq!(FileStamp::of(&path), None, "changed now");
        // An old modification time put back does not hide the change: ctime is now.
        age(&path, Duration::from_secs(3600));
        assert_eq!(FileStamp::of(&path), None, "ctime is still now");
        assert_eq!(FileStamp::of(&dir.path().join("missing.md")), None);
    }
}
