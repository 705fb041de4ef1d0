//! What the dev server's rebuilds take from the previous build: lesson pages whose inputs
//! did not change, and each lesson's share of the search index. Entries are found by a
//! hash of everything they were made from, so a reused page is byte-for-byte the page a
//! clean build would render. The site stage only sees the `PageStore` and `DocsStore`
//! interfaces this implements.

use crate::diagnostics::Diagnostic;
use crate::site::lesson::PageStore;
use crate::site::output::OutputFile;
use crate::site::search::{DocsStore, LessonDocs};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Kept in the build workspace between rebuilds; call `end_build` after each build.
#[derive(Default)]
pub struct RenderMemo {
    pages: Memo<OutputFile>,
    docs: Memo<Arc<LessonDocs>>,
}

/// Values by key, each marked with the last build that used it.
struct Memo<T> {
    entries: Mutex<HashMap<u64, (T, u64)>>,
    generation: AtomicU64,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// The value kept under `key`, or `make`'s, kept from now on.
    fn get_or<E>(&self, key: u64, make: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock()
            && let Some((value, used)) = entries.get_mut(&key)
        {
            *used = generation;
            return Ok(value.clone());
        }
        let value = make()?;
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, (value.clone(), generation));
        }
        Ok(value)
    }

    /// Forget entries the build that just ended did not use.
    fn end_build(&self) {
        let current = self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, used)| *used >= current);
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

impl RenderMemo {
    /// Forget entries the build that just ended did not use.
    pub fn end_build(&self) {
        self.pages.end_build();
        self.docs.end_build();
    }

    /// Forget everything (the theme changed).
    pub fn clear(&self) {
        self.pages.clear();
        self.docs.clear();
    }
}

impl PageStore for RenderMemo {
    fn page(
        &self,
        key: u64,
        render: &dyn Fn() -> Result<OutputFile, Vec<Diagnostic>>,
    ) -> Result<OutputFile, Vec<Diagnostic>> {
        self.pages.get_or(key, render)
    }
}

impl DocsStore for RenderMemo {
    fn lesson_docs(&self, key: u64, make: &dyn Fn() -> LessonDocs) -> Arc<LessonDocs> {
        let Ok(docs) = self
            .docs
            .get_or::<std::convert::Infallible>(key, || Ok(Arc::new(make())));
        docs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_while_used_and_forgets_the_rest() {
        let memo = RenderMemo::default();
        let page = |s: &str| OutputFile {
            path: "a".into(),
            bytes: s.as_bytes().to_vec(),
        };
        let first = memo.page(1, &|| Ok(page("one")));
        assert_eq!(first.unwrap().bytes, b"one");
        let again = memo.page(1, &|| Ok(page("other")));
        assert_eq!(again.unwrap().bytes, b"one", "same inputs, same page");
        memo.end_build();
        memo.end_build();
        let after = memo.page(1, &|| Ok(page("fresh")));
        assert_eq!(after.unwrap().bytes, b"fresh", "unused entries are dropped");
        let docs = memo.lesson_docs(7, &Vec::new);
        assert!(Arc::ptr_eq(&docs, &memo.lesson_docs(7, &|| unreachable!())));
    }
}
