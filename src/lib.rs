//! crescu: a static course-site generator.
//!
//! Data flows one way: `content` (files -> validated model) -> `markdown` + `site`
//! (model -> HTML pages -> output folder). `sim` (the GIL simulator) feeds `chart` (SVG),
//! which the site embeds. No module reaches back up this chain.

// Diagnostics are returned by value on the cold error path; boxing them would only add
// noise to every signature.
#![allow(clippy::result_large_err)]

pub mod archive;
pub mod build;
pub mod chart;
pub mod cli;
pub mod content;
pub mod cpython;
pub mod diagnostics;
pub mod export;
pub mod file_stamp;
pub mod html;
pub mod keypath;
pub mod markdown;
pub mod measure;
pub mod measurement;
pub mod progress;
pub mod rebuild;
pub mod scaffold;
pub mod scorm;
pub mod serve;
pub mod sim;
pub mod simulations;
pub mod site;
pub mod yaml;
