//! What a build may take from earlier ones instead of making it again. The dev server
//! keeps a store between its rebuilds (`crate::rebuild` implements `Reuse`); a single
//! build has none. Everything is found by a hash of all it is made from, so what is
//! taken is byte for byte what would be made. This module knows nothing of how the store
//! keeps things; the site's other modules know nothing of the store.

use super::output::OutputFile;
use crate::content::Lesson;
use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A value kept between builds.
pub type Kept = Arc<dyn Any + Send + Sync>;

pub trait Reuse: Sync {
    /// A number that stays the same from one build to the next while `lesson` (its
    /// text, front matter and place) does not change, so keys need not hash the lesson.
    fn lesson_stamp(&self, lesson: &Lesson) -> u64;
    /// The value an earlier build kept under `key`.
    fn value(&self, key: u64) -> Option<Kept>;
    /// Keep `value` under `key` for later builds.
    fn keep(&self, key: u64, value: Kept);
    /// Whether the output folder holds, at `path`, the file made from inputs hashing to
    /// `key` by an earlier build.
    fn holds(&self, path: &Path, key: u64) -> bool;
    /// Note that this build made the file at `path` from inputs hashing to `key`.
    fn made(&self, path: &Path, key: u64);
}

/// `make()`'s value, or the one an earlier build made from inputs hashing to `key()`.
pub fn value<T: Send + Sync + 'static>(
    reuse: Option<&dyn Reuse>,
    key: impl FnOnce() -> u64,
    make: impl FnOnce() -> T,
) -> Arc<T> {
    let Some(reuse) = reuse else {
        return Arc::new(make());
    };
    let key = key();
    if let Some(kept) = reuse.value(key).and_then(|v| v.downcast::<T>().ok()) {
        return kept;
    }
    let made = Arc::new(make());
    reuse.keep(key, made.clone());
    made
}

/// An output file of a build: made anew, or left as the output folder holds it.
#[derive(Debug)]
pub enum Output {
    Made(OutputFile),
    /// Unchanged since an earlier build wrote it.
    Kept(PathBuf),
}

impl Output {
    pub fn path(&self) -> &Path {
        match self {
            Output::Made(file) => &file.path,
            Output::Kept(path) => path,
        }
    }
}

/// The file at `path` as `make` makes it from inputs hashing to `key()`, or `Kept` when
/// the output folder already holds exactly that.
pub fn file<E>(
    reuse: Option<&dyn Reuse>,
    path: PathBuf,
    key: impl FnOnce() -> u64,
    make: impl FnOnce() -> Result<OutputFile, E>,
) -> Result<Output, E> {
    let Some(reuse) = reuse else {
        return make().map(Output::Made);
    };
    let key = key();
    if reuse.holds(&path, key) {
        return Ok(Output::Kept(path));
    }
    let file = make()?;
    reuse.made(&file.path, key);
    Ok(Output::Made(file))
}
