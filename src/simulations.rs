//! Build stage between content and site: run every simulation of the course and draw
//! its chart. Identical simulations run once; finished figures are cached on disk (keyed
//! by a hash of everything that shapes them) so unchanged simulations are not rerun.

use crate::chart::{self, ChartInput, ChartWords};
use crate::content::measured::MeasuredSimulation;
use crate::content::simulation::Simulation;
use crate::content::{Course, Lesson};
use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::sim::{self, Budget, Scenario, SimResult};
use rayon::prelude::*;
use std::collections::HashMap;
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

/// Hash of everything that shapes the figure, for the on-disk cache: the simulation, the
/// measurements shown beside it and the words it is written in.
fn figure_hash(
    sim: &Simulation,
    real: &[Option<&MeasuredSimulation>],
    words: &ChartWords,
) -> String {
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
        words,
    ))
    .unwrap_or_default();
    format!("{:016x}", fnv1a(all.as_bytes()))
}

/// Where the numbers come from. Simulated, never "measured": the word is kept for runs of
/// a real interpreter.
fn provenance(
    sim: &Simulation,
    real: &[Option<&MeasuredSimulation>],
    words: &ChartWords,
) -> String {
    let mut out = words.fill(
        "chart_simulated_by",
        &[("model", sim::VERSION), ("spec", &spec_hash(sim)[..8])],
    );
    if let Some(m) = real.iter().flatten().next() {
        let one = format!("CPython {}", m.python);
        let python = match &m.python2 {
            Some(two) => words.fill("chart_python_and", &[("one", &one), ("two", two)]),
            None => one,
        };
        out.push_str(&words.fill(
            "chart_measured_on",
            &[
                ("python", &python),
                ("cores", &m.machine.cores.to_string()),
                ("date", &m.date),
                ("repeat", &m.repeat.to_string()),
                ("load", &words.number(m.load.before.to_string())),
            ],
        ));
        if sim.chart.kind == chart::ChartKind::Timeline {
            out.push_str(words.get("chart_timeline_simulated_only"));
        }
    }
    out
}

/// The figure (HTML with inline SVG) of one simulation's result (the default variant's,
/// for an explorable simulation).
pub fn draw(sim: &Simulation, result: &SimResult) -> Result<String, String> {
    let words = ChartWords::default();
    draw_variants(sim, &[], std::slice::from_ref(result), &words)
}

/// The figure of a simulation from the results of all its scenarios (see [`scenarios`]).
fn draw_variants(
    sim: &Simulation,
    real: &[Option<&MeasuredSimulation>],
    results: &[SimResult],
    words: &ChartWords,
) -> Result<String, String> {
    let prov = provenance(sim, real, words);
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
        words,
    };
    match &sim.explore {
        Some(e) if results.len() > 1 => chart::render_explorable(&input, &e.axes(), results),
        _ => chart::render(&input),
    }
    .map_err(|e| e.to_string())
}

/// One simulation of one lesson, with what decides its figure.
struct Wanted<'a> {
    /// (lesson key `module/lesson`, simulation id).
    key: (String, String),
    lesson: &'a Lesson,
    sim: &'a Simulation,
    real: Vec<Option<&'a MeasuredSimulation>>,
    /// One hash per simulation, for the budget, the cache and drawing each figure once.
    hash: String,
}

/// Run and draw every simulation of the course in `words`. `cache_dir` of `None` disables
/// the cache.
pub fn run_all(
    course: &Course,
    cache_dir: Option<&Path>,
    words: &ChartWords,
) -> Result<ChartSet, Diagnostics> {
    let wanted = wanted_simulations(course, words);
    check_build_budget(
        wanted.iter().map(|w| (w.lesson, w.sim, w.hash.as_str())),
        course.config.simulation_budget,
    )?;
    if let Some(dir) = cache_dir {
        remove_torn_writes(&dir.join("charts"));
    }
    let (mut figures, missing) = take_cached(wanted, cache_dir);
    let cached = figures.len();
    let runs = run_distinct(missing.iter().map(|w| w.sim));
    let drawn = draw_distinct(&missing, &runs, cache_dir, words);
    add_drawn(&mut figures, &missing, &drawn)?;
    Ok(ChartSet {
        figures,
        ran: runs.results.len(),
        cached,
    })
}

fn wanted_simulations<'c>(course: &'c Course, words: &ChartWords) -> Vec<Wanted<'c>> {
    course
        .lessons()
        .flat_map(|(module, lesson)| {
            lesson.simulations.iter().map(move |sim| {
                let real = real_of(lesson, sim);
                Wanted {
                    key: (format!("{}/{}", module.slug, lesson.slug), sim.id.clone()),
                    hash: figure_hash(sim, &real, words),
                    lesson,
                    sim,
                    real,
                }
            })
        })
        .collect()
}

type Figures = HashMap<(String, String), Arc<str>>;

/// The figures already in the cache, and the simulations still to draw. Identical
/// simulations (same figure hash) are read and held once: a course that repeats one
/// simulation in 10,000 lessons holds one figure, not 10,000 copies.
fn take_cached<'a>(
    wanted: Vec<Wanted<'a>>,
    cache_dir: Option<&Path>,
) -> (Figures, Vec<Wanted<'a>>) {
    let mut figures = Figures::new();
    let mut by_figure: HashMap<String, Arc<str>> = HashMap::new();
    let mut missing = Vec::new();
    for w in wanted {
        let known = by_figure.get(&w.hash).cloned().or_else(|| {
            let html =
                cache_dir.and_then(|d| std::fs::read_to_string(cache_path(d, &w.hash)).ok())?;
            let html: Arc<str> = html.into();
            by_figure.insert(w.hash.clone(), html.clone());
            Some(html)
        });
        match known {
            Some(html) => {
                figures.insert(w.key, html);
            }
            None => missing.push(w),
        }
    }
    (figures, missing)
}

/// Each distinct figure among `missing` drawn once, in parallel, by figure hash; the new
/// figures are written to the cache.
fn draw_distinct<'w>(
    missing: &'w [Wanted],
    runs: &Runs,
    cache_dir: Option<&Path>,
    words: &ChartWords,
) -> HashMap<&'w str, Result<Arc<str>, String>> {
    let mut seen = std::collections::HashSet::new();
    let to_draw: Vec<&Wanted> = missing
        .iter()
        .filter(|w| seen.insert(w.hash.as_str()))
        .collect();
    let drawn: Vec<Result<Arc<str>, String>> = to_draw
        .par_iter()
        .map(|w| {
            let results = runs.of(w.sim)?;
            draw_variants(w.sim, &w.real, &results, words).map(Arc::from)
        })
        .collect();
    if let Some(dir) = cache_dir {
        for (w, figure) in to_draw.iter().zip(&drawn) {
            if let Ok(html) = figure {
                // A cache that cannot be written only costs time on the next build.
                let _ = write_cache(dir, &w.hash, html);
            }
        }
    }
    to_draw.iter().map(|w| w.hash.as_str()).zip(drawn).collect()
}

/// The drawn figures into `figures`; every lesson whose simulation failed gets its own
/// located error.
fn add_drawn(
    figures: &mut Figures,
    missing: &[Wanted],
    drawn: &HashMap<&str, Result<Arc<str>, String>>,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    for w in missing {
        match &drawn[w.hash.as_str()] {
            Ok(html) => {
                figures.insert(w.key.clone(), html.clone());
            }
            Err(msg) => diags.push(
                Diagnostic::error(
                    "simulation-failed",
                    &w.lesson.source,
                    Position::new(w.sim.line, 0),
                    format!("simulation `{}`: {msg}", w.sim.id),
                )
                .expected("a simulation the simulator can run within its budget"),
            ),
        }
    }
    if diags.has_errors() {
        diags.sort();
        return Err(diags);
    }
    Ok(())
}

/// The results of each distinct (scenario, seed) of a build.
struct Runs {
    /// Each scenario hash's index in `results`.
    index_of: HashMap<String, usize>,
    results: Vec<Result<SimResult, sim::SimError>>,
}

impl Runs {
    /// The results of every scenario of `sim` (its variants, for an explorable one).
    fn of(&self, sim: &Simulation) -> Result<Vec<SimResult>, String> {
        sim.scenarios()
            .iter()
            .map(|scenario| {
                match &self.results[self.index_of[&scenario_hash(scenario, sim.seed)]] {
                    Ok(result) => Ok(result.clone()),
                    Err(e) => Err(e.to_string()),
                }
            })
            .collect()
    }
}

/// Each distinct (scenario, seed) of `sims`, variants included, run once, in parallel.
fn run_distinct<'s>(sims: impl Iterator<Item = &'s Simulation>) -> Runs {
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
    Runs { index_of, results }
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
