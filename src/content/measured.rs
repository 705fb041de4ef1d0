//! Measurement files: what `crescu measure` saw real CPython do for a lesson's
//! simulations, kept beside the lesson (`02-the-gil.md` -> `02-the-gil.measured.yaml`).
//!
//! The build never runs Python; it reads these files. Each entry is keyed by a hash of
//! the scenario it measured, so an edited simulation makes its measurement stale instead
//! of silently wrong.

use crate::content::simulation::Simulation;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::keypath::KeyPath;
use crate::sim::spec::Scenario;
use crate::yaml::{self, SpanMap};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use crate::measurement::{Latency, MeasuredRun, MeasuredThread, Stat};

/// Version of the file format; a file of another version is refused with the command
/// that rewrites it.
pub const FORMAT: u32 = 1;

/// The suffix replacing a lesson's `.md`.
pub const SUFFIX: &str = ".measured.yaml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredFile {
    pub format: u32,
    pub simulations: Vec<MeasuredSimulation>,
}

/// One simulation's measurement: where, when and on what it was made, and each run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredSimulation {
    pub id: String,
    /// [`scenario_key`] of the scenario measured.
    pub spec: String,
    /// Interpreter version and build, e.g. "3.11.7" or "3.13.0 free-threaded".
    pub python: String,
    /// Interpreter for the old-GIL runs, when some were measured on Python 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python2: Option<String>,
    pub machine: MachineSeen,
    /// UTC date, `YYYY-MM-DD`.
    pub date: String,
    pub load: LoadSeen,
    /// Repetitions of every run.
    pub repeat: u32,
    pub runs: Vec<MeasuredRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineSeen {
    pub cores: u32,
    pub cpu: String,
}

/// How busy the machine was: the one-minute load average before and after, and the
/// largest share of CPU that other programs used just before a repetition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSeen {
    pub before: f64,
    pub after: f64,
    pub busiest: f64,
    /// True when the machine never became quiet within the wait allowed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub busy: bool,
}

/// 64-bit FNV-1a: stable across platforms and crate versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// What a measurement is keyed by: the scenario alone. A new simulator version or seed
/// changes nothing the real interpreter does, so it does not make measurements stale.
pub fn scenario_key(scenario: &Scenario) -> String {
    let text = serde_json::to_string(scenario).unwrap_or_default();
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// The measurement file of the lesson at `lesson` (a `.md` path).
pub fn path_for(lesson: &Path) -> PathBuf {
    let name = lesson
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    lesson.with_file_name(format!("{name}{SUFFIX}"))
}

/// The command that rewrites the measurements of a lesson.
pub fn refresh_command(lesson_slug: &str) -> String {
    format!("crescu measure --lesson {lesson_slug}")
}

/// Parses a measurement file; `file` is the path shown in diagnostics.
pub fn parse(
    text: &str,
    file: &Path,
    lesson_slug: &str,
) -> Result<(MeasuredFile, SpanMap), Diagnostic> {
    let help = || {
        format!(
            "measurement files are written by `crescu measure`; run `{}` to write it again",
            refresh_command(lesson_slug)
        )
    };
    let (parsed, spans) = yaml::parse::<MeasuredFile>(text).map_err(|err| {
        let mut d = crate::content::located::yaml_error_diagnostic(file, err.position, &err)
            .help(help(), Some(refresh_command(lesson_slug)));
        d.attach_source(text);
        d
    })?;
    if parsed.format != FORMAT {
        let at = spans.value_or_ancestor(&KeyPath::root().key("format"));
        let mut d = Diagnostic::error(
            "measured-format",
            file,
            at,
            format!(
                "measurement format {} is not the one this crescu reads",
                parsed.format
            ),
        )
        .expected(format!("format: {FORMAT}"))
        .help(help(), Some(refresh_command(lesson_slug)));
        d.attach_source(text);
        return Err(d);
    }
    Ok((parsed, spans))
}

/// Warnings for entries that no longer match the lesson: a simulation that is gone, or
/// one whose scenario changed since it was measured (its measurement is then not used).
pub fn check(
    measured: &MeasuredFile,
    spans: &SpanMap,
    text: &str,
    file: &Path,
    lesson_slug: &str,
    simulations: &[Simulation],
) -> Diagnostics {
    let mut out = Diagnostics::default();
    for (i, entry) in measured.simulations.iter().enumerate() {
        let entry_path = KeyPath::root().key("simulations").index(i);
        let (code, at, message) = match simulations.iter().find(|s| s.id == entry.id) {
            None => (
                "measured-unknown",
                spans.value_or_ancestor(&entry_path.key("id")),
                format!("the lesson has no simulation `{}` any more", entry.id),
            ),
            Some(sim)
                if !sim
                    .scenarios()
                    .iter()
                    .any(|sc| scenario_key(sc) == entry.spec) =>
            {
                (
                    "measured-stale",
                    spans.value_or_ancestor(&entry_path.key("spec")),
                    format!(
                        "the measurement of `{}` is stale: the simulation changed since it was measured, so its chart shows the simulation only",
                        entry.id
                    ),
                )
            }
            Some(_) => continue,
        };
        let command = format!("{} --sim {}", refresh_command(lesson_slug), entry.id);
        let mut d = Diagnostic::warning(code, file, at, message)
            .help(format!("measure it again with `{command}`"), Some(command));
        d.attach_source(text);
        out.push(d);
    }
    out
}

/// The measurement of simulation `id` in `scenario` (one of its variants), if there is
/// one and it is up to date.
pub fn current<'a>(
    measured: &'a [MeasuredSimulation],
    id: &str,
    scenario: &Scenario,
) -> Option<&'a MeasuredSimulation> {
    let key = scenario_key(scenario);
    measured.iter().find(|m| m.id == id && m.spec == key)
}

/// Whether `entry` measured one of the scenarios of a simulation of `simulations`.
pub fn is_current(entry: &MeasuredSimulation, simulations: &[Simulation]) -> bool {
    simulations.iter().any(|s| {
        s.id == entry.id
            && s.scenarios()
                .iter()
                .any(|sc| scenario_key(sc) == entry.spec)
    })
}

/// The file's text: a comment saying where it comes from, then the YAML.
pub fn to_text(file: &MeasuredFile, lesson_slug: &str) -> String {
    let yaml = serde_yaml::to_string(file).unwrap_or_default();
    format!(
        "# Real CPython beside the simulator, written by `crescu measure`.\n\
         # Do not edit: run `{}` to measure again.\n{yaml}",
        refresh_command(lesson_slug)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_back_as_written() {
        let s = Stat {
            median: 53.898,
            min: 53.168,
            max: 54.628,
        };
        assert_eq!(s.to_string(), "53.898 (53.168 to 54.628)");
        assert_eq!("53.898 (53.168 to 54.628)".parse::<Stat>(), Ok(s));
        assert!("53.898".parse::<Stat>().is_err());
        assert!(
            "5 (6 to 7)"
                .parse::<Stat>()
                .unwrap_err()
                .contains("between")
        );
        assert!("NaN (1 to 2)".parse::<Stat>().is_err());
    }

    #[test]
    fn the_file_is_beside_the_lesson() {
        assert_eq!(
            path_for(Path::new("content/01-m/02-the-gil.md")),
            Path::new("content/01-m/02-the-gil.measured.yaml")
        );
    }
}
