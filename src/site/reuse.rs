//! What the dev server's rebuilds take from the previous build: lesson pages whose inputs
//! did not change, and each lesson's share of the search index. Entries are found by a
//! hash of everything they were made from, so a reused page is byte-for-byte the page a
//! clean build would render.

use super::outline::SiteOutline;
use super::output::OutputFile;
use super::search::LessonDocs;
use super::{RenderContext, views::lesson_key};
use crate::content::{Lesson, Module};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Kept in the build workspace between rebuilds; call `end_build` after each build.
#[derive(Default)]
pub struct RenderMemo {
    pages: Mutex<HashMap<u64, (OutputFile, u64)>>,
    search: Mutex<HashMap<u64, (Arc<LessonDocs>, u64)>>,
    generation: AtomicU64,
}

impl RenderMemo {
    /// The page rendered from inputs hashing to `key` in an earlier build, or `render`'s.
    pub fn page<E>(
        &self,
        key: u64,
        render: impl FnOnce() -> Result<OutputFile, E>,
    ) -> Result<OutputFile, E> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut pages) = self.pages.lock()
            && let Some((page, used)) = pages.get_mut(&key)
        {
            *used = generation;
            return Ok(page.clone());
        }
        let page = render()?;
        if let Ok(mut pages) = self.pages.lock() {
            pages.insert(key, (page.clone(), generation));
        }
        Ok(page)
    }

    /// A lesson's search documents made from inputs hashing to `key` in an earlier
    /// build, or `make`'s.
    pub fn search_part(&self, key: u64, make: impl FnOnce() -> LessonDocs) -> Arc<LessonDocs> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Ok(mut parts) = self.search.lock()
            && let Some((part, used)) = parts.get_mut(&key)
        {
            *used = generation;
            return Arc::clone(part);
        }
        let part = Arc::new(make());
        if let Ok(mut parts) = self.search.lock() {
            parts.insert(key, (part.clone(), generation));
        }
        part
    }

    /// Forget entries the build that just ended did not use.
    pub fn end_build(&self) {
        let current = self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut pages) = self.pages.lock() {
            pages.retain(|_, (_, used)| *used >= current);
        }
        if let Ok(mut parts) = self.search.lock() {
            parts.retain(|_, (_, used)| *used >= current);
        }
    }

    /// Forget everything (the theme changed).
    pub fn clear(&self) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.clear();
        }
        if let Ok(mut parts) = self.search.lock() {
            parts.clear();
        }
    }
}

/// A hash of everything a lesson page is rendered from: the lesson, its module, its
/// neighbours, the course settings, the titles its go-deeper questions link to, its charts
/// and where its links lead.
pub fn lesson_page_key(
    ctx: &RenderContext,
    outline: &SiteOutline,
    index: usize,
    (module, lesson): (&Module, &Lesson),
    prev: Option<(&Module, &Lesson)>,
    next: Option<(&Module, &Lesson)>,
) -> u64 {
    let mut h = HashWriter::new();
    // The body is hashed as bytes: escaping it through `Debug` took most of the time.
    let mut rest = lesson.clone();
    rest.body.text = String::new();
    h.0.write(lesson.body.text.as_bytes());
    let _ = write!(
        h,
        "{:?}{:?}{}{}",
        ctx.course.config, rest, module.slug, module.title
    );
    for (side, near) in [("prev", prev), ("next", next)] {
        if let Some((m, l)) = near {
            let _ = write!(h, "{side}{}{}{}", m.slug, l.slug, l.title);
        }
    }
    for target in lesson.go_deeper.iter().filter_map(|g| g.target.as_ref()) {
        let title = ctx
            .course
            .lessons()
            .find(|(m, l)| m.slug == target.module && l.slug == target.lesson)
            .map(|(_, l)| l.title.as_str());
        let _ = write!(h, "{target:?}{title:?}");
    }
    let key = lesson_key(module, lesson);
    for simulation in &lesson.simulations {
        let _ = write!(h, "{:?}", ctx.charts.figure(&key, &simulation.id));
    }
    if let Some(body) = outline.lessons.get(index) {
        for link in &body.links {
            let _ = write!(h, "{:?}", outline.rewrite(module, lesson, &link.url));
        }
    }
    h.finish()
}

/// Hashes what is written to it, so a value's `Debug` form can be hashed without building
/// the string.
pub struct HashWriter(pub std::collections::hash_map::DefaultHasher);

impl HashWriter {
    pub fn new() -> Self {
        HashWriter(std::collections::hash_map::DefaultHasher::new())
    }

    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl Default for HashWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0.write_u8(0xff);
        Ok(())
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
        let first: Result<_, ()> = memo.page(1, || Ok(page("one")));
        assert_eq!(first.unwrap().bytes, b"one");
        let again: Result<_, ()> = memo.page(1, || Ok(page("other")));
        assert_eq!(again.unwrap().bytes, b"one", "same inputs, same page");
        memo.end_build();
        memo.end_build();
        let after: Result<_, ()> = memo.page(1, || Ok(page("fresh")));
        assert_eq!(after.unwrap().bytes, b"fresh", "unused entries are dropped");
        let docs = memo.search_part(7, Vec::new);
        assert!(Arc::ptr_eq(&docs, &memo.search_part(7, || unreachable!())));
    }
}
