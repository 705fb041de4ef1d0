//! Build progress on a terminal: a spinner naming the current stage, shown only when
//! stderr is a TTY so logs and CI output stay clean.

use crate::build::Stage;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub struct BuildProgress {
    bar: Option<ProgressBar>,
}

impl BuildProgress {
    pub fn start() -> Self {
        if !std::io::stderr().is_terminal() {
            return BuildProgress { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        BuildProgress { bar: Some(bar) }
    }

    pub fn stage(&self, stage: Stage) {
        if let Some(bar) = &self.bar {
            bar.set_message(match stage {
                Stage::Load => "loading the course",
                Stage::Render => "rendering pages",
                Stage::Write => "writing the site",
            });
        }
    }

    /// Clear the spinner so the summary line stands alone.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
