//! Content: the course on disk -> a validated, typed model.
//!
//! `load` walks `content/` (the only file reading); `lesson`, `quiz` and `front_matter`
//! are pure parsers that tests drive with strings.

pub mod changes;
pub mod explore;
pub mod front_matter;
pub mod lesson;
pub mod load;
pub mod located;
pub mod measured;
pub mod model;
pub mod quiz;
pub mod reuse;
pub mod simulation;
pub mod url;
mod walk;

pub use load::{LoadOptions, load};
pub use model::*;
