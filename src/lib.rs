//! crescu: a static course-site generator.
//!
//! Data flows one way: `content` (files -> validated model) -> `markdown` + `site`
//! (model -> HTML pages -> output folder). `sim` (the GIL simulator) feeds `chart` (SVG),
//! which the site embeds. No module reaches back up this chain.

pub mod content;
pub mod diagnostics;
pub mod html;
pub mod keypath;
pub mod markdown;
pub mod sim;
pub mod yaml;
