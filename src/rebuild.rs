//! What the dev server keeps from one build to the next (the site stage's `Reuse`):
//! values such as lessons' outlines and search documents by the hash of their inputs,
//! a stamp for each lesson that changes only when the lesson does, and the key each file
//! in the output folder was made from, so a rebuild renders and writes only files whose
//! inputs changed.

use crate::content::{Course, Lesson};
use crate::site::reuse::{Kept, Reuse};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Kept in the build workspace between rebuilds: call `begin_build` before rendering,
/// `end_write` after writing and `end_build` after each build.
#[derive(Default)]
pub struct RenderMemo {
    /// Values by key, each with the last build that used it.
    values: Mutex<HashMap<u64, (Kept, u64), KeyHashing>>,
    generation: AtomicU64,
    /// Each lesson of the last build by source file (as a string, like `written`), as it
    /// was then, with its stamp.
    stamps: RwLock<HashMap<OsString, (Arc<Lesson>, u64)>>,
    /// The same stamps by the address of the lesson in the course being built: quicker
    /// to find than by path, as keys ask for them thousands of times a build.
    by_address: RwLock<HashMap<usize, u64>>,
    next_stamp: AtomicU64,
    /// The key each file in the output folder was made from, as last written. Paths
    /// are kept as strings: hashing a `Path` walks its components, thousands of times
    /// a build, and the site's paths are written one way only.
    written: Mutex<HashMap<OsString, u64>>,
    /// The key of each file the build under way made.
    made: Mutex<HashMap<OsString, u64>>,
}

impl RenderMemo {
    /// Give each lesson of `course` its stamp: the one it had if it did not change; and
    /// forget what an earlier build made but did not write.
    pub fn begin_build(&self, course: &Course) {
        if let Ok(mut made) = self.made.lock() {
            made.clear();
        }
        let Ok(mut stamps) = self.stamps.write() else {
            return;
        };
        let mut previous = std::mem::take(&mut *stamps);
        let mut by_address = HashMap::new();
        for lesson in course.modules.iter().flat_map(|m| &m.lessons) {
            let source = lesson.source.as_os_str();
            let stamp = match previous.remove(source) {
                // Lessons the loader took from its memo are the very same.
                Some((before, stamp)) if Arc::ptr_eq(&before, lesson) || before == *lesson => stamp,
                _ => self.fresh_stamp(),
            };
            stamps.insert(source.to_owned(), (Arc::clone(lesson), stamp));
            by_address.insert(address(lesson), stamp);
        }
        if let Ok(mut addresses) = self.by_address.write() {
            *addresses = by_address;
        }
    }

    fn fresh_stamp(&self) -> u64 {
        self.next_stamp.fetch_add(1, Ordering::SeqCst)
    }

    /// The write of this build's files ended: on success the folder holds what was made
    /// and what was `kept`; on failure nothing about it is known any more.
    pub fn end_write(&self, kept: &[PathBuf], ok: bool) {
        let made = self.made.lock().map(|mut m| std::mem::take(&mut *m));
        let Ok(mut written) = self.written.lock() else {
            return;
        };
        match made {
            Ok(made) if ok => {
                let mut now: HashMap<OsString, u64> = kept
                    .iter()
                    .filter_map(|p| {
                        let path = p.as_os_str();
                        written.get(path).map(|k| (path.to_owned(), *k))
                    })
                    .collect();
                now.extend(made);
                *written = now;
            }
            _ => written.clear(),
        }
    }

    /// The output folder is not as the last write left it: make every file anew.
    pub fn forget_written(&self) {
        if let Ok(mut written) = self.written.lock() {
            written.clear();
        }
    }

    /// Forget values the build that just ended did not use.
    pub fn end_build(&self) {
        let current = self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut values) = self.values.lock() {
            values.retain(|_, (_, used)| *used >= current);
        }
    }

    /// Forget everything (the theme changed).
    pub fn clear(&self) {
        if let Ok(mut values) = self.values.lock() {
            values.clear();
        }
        self.forget_written();
    }
}

/// Keys are hashes already (`site::keys`): a table takes them as they are, rather than
/// hash them again, thousands of times a build.
type KeyHashing = std::hash::BuildHasherDefault<KeyHasher>;

#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; anything else is folded in all the same.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Where a lesson of the course sits in memory.
fn address(lesson: &Lesson) -> usize {
    std::ptr::from_ref(lesson) as usize
}

impl Reuse for RenderMemo {
    /// For the lessons of the course given to `begin_build`, which holds them for the
    /// whole build (so their addresses stay theirs).
    fn lesson_stamp(&self, lesson: &Lesson) -> u64 {
        let known = self
            .by_address
            .read()
            .ok()
            .and_then(|stamps| stamps.get(&address(lesson)).copied());
        // A lesson `begin_build` did not see matches nothing kept.
        known.unwrap_or_else(|| self.fresh_stamp())
    }

    fn value(&self, key: u64) -> Option<Kept> {
        let generation = self.generation.load(Ordering::SeqCst);
        let mut values = self.values.lock().ok()?;
        let (value, used) = values.get_mut(&key)?;
        *used = generation;
        Some(value.clone())
    }

    fn keep(&self, key: u64, value: Kept) {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut values) = self.values.lock() {
            values.insert(key, (value, generation));
        }
    }

    fn holds(&self, path: &Path, key: u64) -> bool {
        self.written
            .lock()
            .is_ok_and(|written| written.get(path.as_os_str()) == Some(&key))
    }

    fn made(&self, path: &Path, key: u64) {
        if let Ok(mut made) = self.made.lock() {
            made.insert(path.as_os_str().to_owned(), key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::output::OutputFile;
    use crate::site::reuse::{self, Output};

    fn make(text: &str) -> Result<OutputFile, ()> {
        Ok(OutputFile {
            path: "a.html".into(),
            bytes: text.as_bytes().to_vec(),
        })
    }

    fn build(memo: &RenderMemo, key: u64, text: &str, written: bool) -> Output {
        // As `begin_build` does.
        memo.made.lock().unwrap().clear();
        let out = reuse::file(Some(memo), "a.html".into(), || key, || make(text)).unwrap();
        let kept: Vec<PathBuf> = match &out {
            Output::Kept(p) => vec![p.clone()],
            Output::Made(_) => Vec::new(),
        };
        memo.end_build();
        if written {
            memo.end_write(&kept, true);
        }
        out
    }

    #[test]
    fn files_are_kept_only_while_written_from_the_same_inputs() {
        let memo = RenderMemo::default();
        assert!(matches!(build(&memo, 1, "one", true), Output::Made(_)));
        assert!(matches!(build(&memo, 1, "one", true), Output::Kept(_)));
        assert!(
            matches!(build(&memo, 1, "one", true), Output::Kept(_)),
            "still held"
        );
        assert!(matches!(build(&memo, 2, "two", false), Output::Made(_)));
        // The build with key 2 failed before writing: the folder still holds key 1's.
        assert!(matches!(build(&memo, 1, "one", true), Output::Kept(_)));
        memo.end_write(&[], false);
        assert!(
            matches!(build(&memo, 1, "one", true), Output::Made(_)),
            "after a failed write"
        );
    }

    #[test]
    fn values_live_while_used() {
        let memo = RenderMemo::default();
        let first = reuse::value(Some(&memo), || 7, || 1u32);
        let again = reuse::value(Some(&memo), || 7, || 2u32);
        assert!(Arc::ptr_eq(&first, &again));
        memo.end_build();
        memo.end_build();
        assert_eq!(
            *reuse::value(Some(&memo), || 7, || 3u32),
            3,
            "unused ones go"
        );
    }
}
