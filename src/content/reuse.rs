//! Parsed lessons kept between the dev server's rebuilds: a lesson file whose text, place
//! and course settings are unchanged is not parsed again.

use super::lesson::ParsedLesson;
use crate::diagnostics::Diagnostic;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

type Parsed = (Option<ParsedLesson>, Vec<Diagnostic>);

#[derive(Default)]
pub struct ParseMemo {
    entries: Mutex<HashMap<u64, (Parsed, u64)>>,
    generation: AtomicU64,
}

impl ParseMemo {
    /// The result of parsing inputs hashing to `key` in an earlier build, or `parse`'s.
    pub fn parsed(&self, key: u64, parse: impl FnOnce() -> Parsed) -> Parsed {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock()
            && let Some((parsed, used)) = entries.get_mut(&key)
        {
            *used = generation;
            return parsed.clone();
        }
        let parsed = parse();
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, (parsed.clone(), generation));
        }
        parsed
    }

    /// Forget lessons the build that just ended did not read.
    pub fn end_build(&self) {
        let current = self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, used)| *used >= current);
        }
    }
}

/// A hash of everything `parse_lesson` reads.
pub fn lesson_key(parts: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}
