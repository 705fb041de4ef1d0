//! Parsed lessons kept between the dev server's rebuilds: a lesson file whose text, place
//! and course settings are unchanged is not parsed again, and one whose file system
//! stamp says it was not written since it was last read is not even read.

use super::lesson::ParsedLesson;
use super::model::Course;
use crate::diagnostics::Diagnostic;
use crate::file_stamp::FileStamp;
use std::collections::HashMap;
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

type Parsed = (Option<ParsedLesson>, Vec<Diagnostic>);

/// Kept in the build workspace; call `end_build` after each load.
#[derive(Default)]
pub struct ParseMemo {
    /// The last walk of `content/`, and what the dev server's watcher reported since.
    pub walks: super::changes::WalkMemo,
    /// Each lesson file of the last build, by its path as shown (as a string: hashing a
    /// `Path` walks its components, and every lesson is looked up on every rebuild).
    files: Mutex<HashMap<OsString, Remembered>>,
    generation: AtomicU64,
    /// Lesson files read in the load under way, and in the last one ended.
    reads: AtomicUsize,
    last_reads: AtomicUsize,
}

/// A lesson file as last read.
struct Remembered {
    /// Its stamp just before it was read (`None`: read it again), and its text's hash.
    stamp: Option<FileStamp>,
    text_hash: u64,
    /// The hash of all that was parsed (`lesson_key`), and what parsing gave.
    key: u64,
    parsed: Parsed,
    last_used: u64,
}

impl ParseMemo {
    /// What the last read of `file` (as shown) parsed, if the file's `stamp` (taken now)
    /// shows that it was not written since and `key_of` its text's hash (the inputs of
    /// parsing, with the place and settings of now) is the key it was parsed with.
    pub fn unread(
        &self,
        file: &Path,
        stamp: FileStamp,
        key_of: impl FnOnce(u64) -> u64,
    ) -> Option<Parsed> {
        self.unread_if(file, |seen| seen == Some(stamp), key_of)
    }

    /// `unread` for a file known not to have been written since it was last read (the
    /// watcher reported nothing of it), if it was settled then and no longer than
    /// `max_len`: its stamp is not taken again.
    pub fn unread_unchanged(
        &self,
        file: &Path,
        max_len: u64,
        key_of: impl FnOnce(u64) -> u64,
    ) -> Option<Parsed> {
        self.unread_if(file, |seen| seen.is_some_and(|s| s.len <= max_len), key_of)
    }

    fn unread_if(
        &self,
        file: &Path,
        stamp_holds: impl FnOnce(Option<FileStamp>) -> bool,
        key_of: impl FnOnce(u64) -> u64,
    ) -> Option<Parsed> {
        let generation = self.generation.load(Ordering::SeqCst);
        let mut files = self.files.lock().ok()?;
        let seen = files.get_mut(file.as_os_str())?;
        if !stamp_holds(seen.stamp) || seen.key != key_of(seen.text_hash) {
            return None;
        }
        seen.last_used = generation;
        Some(seen.parsed.clone())
    }

    /// `parse`'s result for `file` (as shown), read just now with `stamp` taken before
    /// and text hashing to `text_hash`, and the inputs of parsing hashing to `key`; or an
    /// earlier build's, if it parsed the same.
    pub fn parsed(
        &self,
        file: &Path,
        (stamp, text_hash): (Option<FileStamp>, u64),
        key: u64,
        parse: impl FnOnce() -> Parsed,
    ) -> Parsed {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let last_used = self.generation.load(Ordering::SeqCst);
        if let Ok(mut files) = self.files.lock()
            && let Some(seen) = files
                .get_mut(file.as_os_str())
                .filter(|seen| seen.key == key)
        {
            seen.stamp = stamp;
            seen.last_used = last_used;
            return seen.parsed.clone();
        }
        let parsed = parse();
        let remembered = Remembered {
            stamp,
            text_hash,
            key,
            parsed: parsed.clone(),
            last_used,
        };
        if let Ok(mut files) = self.files.lock() {
            files.insert(file.as_os_str().to_owned(), remembered);
        }
        parsed
    }

    /// Keep the lessons of `course` as loaded (their go-deeper links resolved, their
    /// measurements attached) in place of their parses, so that the next load, which
    /// resolves and attaches them again to the same values, need not copy them.
    pub fn settle(&self, course: &Course) {
        let Ok(mut files) = self.files.lock() else {
            return;
        };
        for lesson in course.modules.iter().flat_map(|m| &m.lessons) {
            let remembered = files.get_mut(lesson.source.as_os_str());
            if let Some((Some(parsed), _)) = remembered.map(|r| &mut r.parsed)
                && !Arc::ptr_eq(&parsed.lesson, lesson)
            {
                parsed.lesson = Arc::clone(lesson);
            }
        }
    }

    /// How many lesson files the last build read (the others were taken unread).
    pub fn files_read(&self) -> usize {
        self.last_reads.load(Ordering::SeqCst)
    }

    /// Forget files the build that just ended did not read.
    pub fn end_build(&self) {
        let reads = self.reads.swap(0, Ordering::SeqCst);
        self.last_reads.store(reads, Ordering::SeqCst);
        let current = self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut files) = self.files.lock() {
            files.retain(|_, seen| seen.last_used >= current);
        }
    }
}

/// A hash of everything `parse_lesson` reads.
pub fn lesson_key(parts: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn parse(marker: &str) -> Parsed {
        let problem = Diagnostic::warning(
            "test",
            Path::new(marker),
            crate::diagnostics::Position::default(),
            "marker",
        );
        (None, vec![problem])
    }

    fn marker(parsed: &Parsed) -> PathBuf {
        parsed.1[0].file.clone()
    }

    #[test]
    fn a_file_is_taken_unread_only_with_the_same_stamp_and_inputs() {
        let memo = ParseMemo::default();
        let file = Path::new("content/m/a.md");
        let stamp = FileStamp::for_tests(2, (6, 7));
        let key_of = |text_hash: u64| text_hash + 100;
        memo.parsed(file, (Some(stamp), 1), key_of(1), || parse("first"));
        let unread = memo.unread(file, stamp, key_of).expect("unchanged");
        assert_eq!(marker(&unread), Path::new("first"));
        let touched = FileStamp::for_tests(2, (6, 8));
        assert!(memo.unread(file, touched, key_of).is_none(), "touched");
        let replaced = FileStamp::for_tests(9, (6, 7));
        assert!(
            memo.unread(file, replaced, key_of).is_none(),
            "another file"
        );
        assert!(memo.unread(file, stamp, |h| h + 1).is_none(), "moved");
        // Read again (the same text): not parsed again, and the new stamp is kept.
        let again = memo.parsed(file, (Some(touched), 1), key_of(1), || parse("second"));
        assert_eq!(marker(&again), Path::new("first"));
        assert!(memo.unread(file, touched, key_of).is_some());
        // Read too soon after a write: no stamp, so read again next time.
        memo.parsed(file, (None, 1), key_of(1), || parse("third"));
        assert!(memo.unread(file, touched, key_of).is_none(), "racy");
    }

    #[test]
    fn files_not_read_in_a_build_are_forgotten() {
        let memo = ParseMemo::default();
        let stamp = FileStamp::for_tests(2, (6, 7));
        let (a, b) = (Path::new("a.md"), Path::new("b.md"));
        memo.parsed(a, (Some(stamp), 1), 1, || parse("a"));
        memo.parsed(b, (Some(stamp), 2), 2, || parse("b"));
        memo.end_build();
        assert_eq!(memo.files_read(), 2);
        assert!(memo.unread(a, stamp, |h| h).is_some());
        memo.end_build();
        assert_eq!(memo.files_read(), 0);
        assert!(memo.unread(a, stamp, |h| h).is_some(), "a was used");
        assert!(memo.unread(b, stamp, |h| h).is_none(), "b was not");
    }
}
