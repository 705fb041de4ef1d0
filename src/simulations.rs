//! Build stage between content and site: run every simulation of the course and draw
//! its chart. Identical simulations run once; finished figures are cached on disk (keyed
//! by a hash of everything that shapes them) so unchanged simulations are not rerun.

use crate::chart::{self, ChartInput};
use crate::content::measured::MeasuredSimulation;
use crate::content::simulation::Simulation;
use crate::content::{Course, Lesson, Module};
use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::sim::{self, Budget, Scenario, SimResult};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Fingerprint of the simulator and chart sources (see build.rs): cached figures made by
/// other code are never reused.
const FIGURE_CODE: &str = env!("CRESCU_FIGURE_CODE_HASH");

/// Rendered figures by (lesson key `module/lesson`, simulation id). Lessons with the
/// same simulation share one figure.
#[derive(Debug, Default)]
pub struct ChartSet {
    pub figures: HashMap<(String, String), Arc<str>>,
    /// Simulations actually run in this build.
    pub ran: usize,
    /// Figures taken from the cache.
    pub cached: usize,
}

impl ChartSet {
    pub fn figure(&self, lesson_key: &str, id: &str) -> Option<&str> {
        self.figures
            .get(&(lesson_key.to_string(), id.to_string()))
            .map(|f| &**f)
    }
}

/// 64-bit FNV-1a: small, stable across platforms and crate versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Hash of what the simulator sees: the scenario, the seed and the simulator version
/// (of the default variant, for an explorable simulation).
pub fn spec_hash(sim: &Simulation) -> String {
    scenario_hash(&sim.scenario, sim.seed)
}

fn scenario_hash(scenario: &Scenario, seed: u64) -> String {
    let spec = serde_json::to_string(&(sim::VERSION, scenario, seed)).unwrap_or_default();
    format!("{:016x}", fnv1a(spec.as_bytes()))
}

/// Per scenario of `sim` (every variant of an explorable one), its up-to-date
/// measurement on a real interpreter among the lesson's, if any.
pub fn real_of<'a>(lesson: &'a Lesson, sim: &Simulation) -> Vec<Option<&'a MeasuredSimulation>> {
    sim.scenarios()
        .iter()
        .map(|sc| crate::content::measured::current(&lesson.measured, &sim.id, sc))
        .collect()
}

/// Hash of everything that shapes the figure, for the on-disk cache: the simulation and
/// the measurements shown beside it.
fn figure_hash(sim: &Simulation, real: &[Option<&MeasuredSimulation>]) -> String {
    let all = serde_json::to_string(&(
        FIGURE_CODE,
        spec_hash(sim),
        &sim.id,
        &sim.title,
        &sim.caption,
        &sim.chart,
        &sim.points,
        &sim.explore,
        real,
    ))
    .unwrap_or_default();
    format!("{:016x}", fnv1a(all.as_bytes()))
}

/// Where the numbers come from. Simulated, never "measured": the word is kept for runs of
/// a real interpreter.
fn provenance(sim: &Simulation, real: &[Option<&MeasuredSimulation>]) -> String {
    let mut out = format!(
        "Simulated by crescu's GIL model ({}), spec {}",
        sim::VERSION,
        &spec_hash(sim)[..8]
    );
    if let Some(m) = real.iter().flatten().next() {
        let python = match &m.python2 {
            Some(two) => format!("CPython {} and {two}", m.python),
            None => format!("CPython {}", m.python),
        };
        let _ = write!(
            out,
            "; measured on {python}, {} cores, {} (median of {} repetitions, load {})",
            m.machine.cores, m.date, m.repeat, m.load.before
        );
        if sim.chart.kind == chart::ChartKind::Timeline {
            out.push_str(
                "; the timeline is simulated only: a program cannot see who holds the lock",
            );
        }
    }
    out
}

/// The figure (HTML with inline SVG) of one simulation's result (the default variant's,
/// for an explorable simulation).
pub fn draw(sim: &Simulation, result: &SimResult) -> Result<String, String> {
    draw_variants(sim, &[], std::slice::from_ref(result))
}

/// The figure of a simulation from the results of all its scenarios (see [`scenarios`]).
fn draw_variants(
    sim: &Simulation,
    real: &[Option<&MeasuredSimulation>],
    results: &[SimResult],
) -> Result<String, String> {
    let prov = provenance(sim, real);
    let measured: Vec<Option<&[crate::measurement::MeasuredRun]>> =
        real.iter().map(|m| m.map(|m| m.runs.as_slice())).collect();
    let input = ChartInput {
        id: &sim.id,
        title: &sim.title,
        caption: sim.caption.as_deref(),
        options: &sim.chart,
        points: &sim.points,
        result: &results[0],
        provenance: &prov,
        measured: &measured,
    };
    match &sim.explore {
        Some(e) if results.len() > 1 => chart::render_explorable(&input, &e.axes(), results),
        _ => chart::render(&input),
    }
    .map_err(|e| e.to_string())
}

/// Run and draw every simulation of the course. `cache_dir` of `None` disables the cache.
pub fn run_all(course: &Course, cache_dir: Option<&Path>) -> Result<ChartSet, Diagnostics> {
    let wanted: Vec<(&Module, &Lesson, &Simulation)> = course
        .lessons()
        .flat_map(|(m, l)| l.simulations.iter().map(move |s| (m, l, s)))
        .collect();

    // One hash per simulation, for the budget, the cache and running each figure once.
    let reals: Vec<Vec<Option<&MeasuredSimulation>>> =
        wanted.iter().map(|(_, l, s)| real_of(l, s)).collect();
    let hashes: Vec<String> = wanted
        .iter()
        .zip(&reals)
        .map(|((_, _, s), real)| figure_hash(s, real))
        .collect();
    check_build_budget(
        wanted
            .iter()
            .zip(&hashes)
            .map(|(&(_, l, s), h)| (l, s, h.as_str())),
        course.config.simulation_budget,
    )?;
    if let Some(dir) = cache_dir {
        remove_torn_writes(&dir.join("charts"));
    }
    // Figures already in the cache. Identical simulations (same figure hash) are read,
    // drawn and held once: a course that repeats one simulation in 10,000 lessons holds
    // one figure, not 10,000 copies.
    let mut figures: HashMap<(String, String), Arc<str>> = HashMap::new();
    let mut by_figure: HashMap<String, Arc<str>> = HashMap::new();
    let mut missing = Vec::new();
    for ((&(m, l, s), hash), real) in wanted.iter().zip(hashes).zip(&reals) {
        let key = (format!("{}/{}", m.slug, l.slug), s.id.clone());
        let known = by_figure.get(&hash).cloned().or_else(|| {
            let html =
                cache_dir.and_then(|d| std::fs::read_to_string(cache_path(d, &hash)).ok())?;
            let html: Arc<str> = html.into();
            by_figure.insert(hash.clone(), html.clone());
            Some(html)
        });
        match known {
            Some(html) => {
                figures.insert(key, html);
            }
            None => missing.push((key, l, s, hash, real)),
        }
    }
    let cached = figures.len();

    let (index_of, results) = run_distinct(missing.iter().map(|m| m.2));

    // Each distinct figure is drawn once, in parallel.
    let mut to_draw: Vec<(&Simulation, &str, &[Option<&MeasuredSimulation>])> = Vec::new();
    let mut drawn_index: HashMap<&str, usize> = HashMap::new();
    for (_, _, s, hash, real) in &missing {
        if !drawn_index.contains_key(hash.as_str()) {
            drawn_index.insert(hash, to_draw.len());
            to_draw.push((s, hash, real));
        }
    }
    let drawn: Vec<Result<Arc<str>, String>> = to_draw
        .par_iter()
        .map(|&(s, _, real)| {
            let mine = s
                .scenarios()
                .iter()
                .map(
                    |scenario| match &results[index_of[&scenario_hash(scenario, s.seed)]] {
                        Ok(result) => Ok(result.clone()),
                        Err(e) => Err(e.to_string()),
                    },
                )
                .collect::<Result<Vec<SimResult>, String>>()?;
            draw_variants(s, real, &mine).map(Arc::from)
        })
        .collect();
    if let Some(dir) = cache_dir {
        for ((_, hash, _), figure) in to_draw.iter().zip(&drawn) {
            if let Ok(html) = figure {
                // A cache that cannot be written only costs time on the next build.
                let _ = write_cache(dir, hash, html);
            }
        }
    }

    // Every lesson whose simulation failed gets its own located error.
    let mut diags = Diagnostics::default();
    for (key, lesson, s, hash, _) in &missing {
        match &drawn[drawn_index[hash.as_str()]] {
            Ok(html) => {
                figures.insert(key.clone(), html.clone());
            }
            Err(msg) => diags.push(
                Diagnostic::error(
                    "simulation-failed",
                    &lesson.source,
                    Position::new(s.line, 0),
                    format!("simulation `{}`: {msg}", s.id),
                )
                .expected("a simulation the simulator can run within its budget"),
            ),
        }
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    Ok(ChartSet {
        figures,
        ran: results.len(),
        cached,
    })
}

/// Each distinct (scenario, seed) of `sims`, variants included, run once, in parallel:
/// the results in input order, and each scenario hash's index among them.
fn run_distinct<'s>(
    sims: impl Iterator<Item = &'s Simulation>,
) -> (
    HashMap<String, usize>,
    Vec<Result<SimResult, sim::SimError>>,
) {
    let mut distinct: Vec<(&Scenario, u64)> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for s in sims {
        for scenario in s.scenarios() {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                index_of.entry(scenario_hash(scenario, s.seed))
            {
                slot.insert(distinct.len());
                distinct.push((scenario, s.seed));
            }
        }
    }
    let results = distinct
        .par_iter()
        .map(|(scenario, seed)| sim::run(scenario, *seed, &Budget::default()))
        .collect();
    (index_of, results)
}

/// All distinct simulations of the build together (by figure hash) must fit `budget`
/// steps, estimated whether cached or not, so the answer does not depend on the cache:
/// many simulations each within its own budget must not keep a build busy for an hour.
fn check_build_budget<'a>(
    wanted: impl Iterator<Item = (&'a Lesson, &'a Simulation, &'a str)>,
    budget: f64,
) -> Result<(), Diagnostics> {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0.0;
    for (lesson, s, hash) in wanted {
        if !seen.insert(hash) {
            continue;
        }
        // Every variant of an explorable simulation is a simulation of its own.
        total += s
            .scenarios()
            .iter()
            .flat_map(sim::estimate)
            .map(|e| e.work)
            .sum::<f64>();
        if total > budget {
            return Err(Diagnostics(vec![
                Diagnostic::error(
                    "simulation-budget",
                    &lesson.source,
                    Position::new(s.line, 0),
                    format!(
                        "with simulation `{}`, the course's simulations need about {:.0} million steps, over the budget of {:.0} million for one build",
                        s.id,
                        total / 1e6,
                        budget / 1e6
                    ),
                )
                .expected("fewer or smaller simulations, or a higher `simulation_budget` (millions of steps) in content/_index.md"),
            ]));
        }
    }
    Ok(())
}

fn cache_path(dir: &Path, figure_hash: &str) -> PathBuf {
    dir.join("charts").join(format!("{figure_hash}.html"))
}

/// Temporary files of cache entries that a killed build never finished.
fn remove_torn_writes(charts: &Path) {
    for entry in std::fs::read_dir(charts).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().contains(".tmp-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Write through a temporary file and a rename, so a killed build never leaves a torn entry.
fn write_cache(dir: &Path, figure_hash: &str, html: &str) -> std::io::Result<()> {
    let path = cache_path(dir, figure_hash);
    std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, html)?;
    std::fs::rename(&tmp, &path)
}
