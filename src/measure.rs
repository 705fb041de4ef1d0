//! `crescu measure`: run a course's simulations on real CPython and write what it did
//! beside each lesson (`<lesson>.measured.yaml`), for the build to show next to the
//! simulation.
//!
//! Steps: load the course; choose the simulations and an interpreter for each run;
//! calibrate each interpreter; run every program `repeat` times, interleaving the
//! repetitions so that a slow minute of the machine spreads over all runs rather than
//! one; summarise; replace each lesson's file in one rename (an interrupted measure
//! leaves the previous files as they were).

use crate::chart::{ChartKind, ChartOptions, Measure};
use crate::content::measured::{
    self, LoadSeen, MachineSeen, MeasuredFile, MeasuredRun, MeasuredSimulation,
};
use crate::content::{Course, Lesson, LoadOptions};
use crate::cpython::figures;
use crate::cpython::program::{self, PythonFacts};
use crate::cpython::runner::{self, Quiet, RawRun, Scratch};
use crate::diagnostics::Diagnostics;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct MeasureOptions {
    pub root: PathBuf,
    /// Only this lesson (its slug, or `module/lesson`).
    pub lesson: Option<String>,
    /// Only the simulation with this id.
    pub sim: Option<String>,
    pub repeat: u32,
    /// The interpreter for every run that is not an old-GIL run.
    pub python: Option<PathBuf>,
    /// The interpreter for old-GIL runs.
    pub python2: Option<PathBuf>,
    /// Longest wait for a quiet machine before each repetition.
    pub patience: Duration,
    /// Share of all CPUs that other programs may use for the machine to count as quiet.
    pub quiet_share: f64,
    /// Show a progress bar.
    pub progress: bool,
}

#[derive(Debug)]
pub enum MeasureError {
    /// The course does not load.
    Course(Diagnostics),
    /// The command line asks for something that is not there (exit 2).
    Usage(String),
    Io(String),
}

/// What was measured, for the summary line.
#[derive(Debug, Default)]
pub struct MeasureSummary {
    pub files: Vec<PathBuf>,
    pub runs_measured: usize,
    /// (simulation id, run label, why).
    pub not_measurable: Vec<(String, String, String)>,
    pub pythons: Vec<String>,
    pub busy: bool,
}

/// An interpreter found and calibrated, or why there is none.
#[derive(Debug, Clone)]
enum Interpreter {
    Found(PathBuf, PythonFacts),
    Missing(String),
}

impl From<Result<(PathBuf, PythonFacts), String>> for Interpreter {
    fn from(r: Result<(PathBuf, PythonFacts), String>) -> Self {
        match r {
            Ok((path, facts)) => Interpreter::Found(path, facts),
            Err(why) => Interpreter::Missing(why),
        }
    }
}

impl Interpreter {
    fn facts(&self) -> Option<&PythonFacts> {
        match self {
            Interpreter::Found(_, f) => Some(f),
            Interpreter::Missing(_) => None,
        }
    }
}

/// One scenario to measure (a simulation, or one variant of an explorable one): where it
/// lives and its runs' programs.
struct Target<'a> {
    lesson: &'a Lesson,
    lesson_file: PathBuf,
    sim: &'a crate::content::simulation::Simulation,
    scenario: &'a crate::sim::Scenario,
    /// Per run: the interpreter (0 = Python 3, 1 = Python 2) and program, or why not.
    runs: Vec<Result<(usize, String), String>>,
}

pub fn measure(opts: &MeasureOptions) -> Result<MeasureSummary, MeasureError> {
    let course = load_course(&opts.root)?;
    let chosen = choose(&course, opts)?;
    // Every scenario counts: a variant of an explorable chart may be the old GIL's.
    let needs_2 = chosen
        .iter()
        .flat_map(|(_, s)| s.scenarios())
        .any(|sc| (0..sc.runs.len()).any(|r| program::needs_python2(sc, r)));
    let scratch = Scratch::new().map_err(|e| MeasureError::Io(e.to_string()))?;
    let mut quiet = Quiet::default();
    let load_before = runner::load_average().unwrap_or(0.0);
    let python3 = find_python3(opts.python.as_deref())?;
    runner::wait_for_quiet(opts.quiet_share, opts.patience, &mut quiet);
    let facts3 = runner::probe(&python3, &scratch)
        .map_err(|e| MeasureError::Usage(format!("cannot use {}: {e}", python3.display())))?;
    let python2 = if needs_2 {
        find_python2(opts.python2.as_deref(), &scratch)
    } else {
        Err(String::new())
    };
    let pythons = [
        Interpreter::Found(python3.clone(), facts3),
        Interpreter::from(python2),
    ];
    let targets: Vec<Target> = chosen
        .into_iter()
        .flat_map(|(lesson, sim)| sim.scenarios().iter().map(move |sc| (lesson, sim, sc)))
        .map(|(lesson, sim, scenario)| plan(&opts.root, lesson, sim, scenario, &pythons))
        .collect();
    let raws = run_all(&targets, &pythons, opts, &scratch, &mut quiet);
    let load_after = runner::load_average().unwrap_or(0.0);
    let seen = Seen {
        python: pythons[0]
            .facts()
            .map(PythonFacts::describe)
            .unwrap_or_default(),
        python2: pythons[1].facts().map(PythonFacts::describe),
        cores: pythons[0].facts().map_or(0, |f| f.cpus),
        load: LoadSeen {
            before: round2(load_before),
            after: round2(load_after),
            busiest: round2(quiet.busiest),
            busy: quiet.waited_out,
        },
        repeat: opts.repeat,
    };
    let mut summary = MeasureSummary {
        pythons: std::iter::once(seen.python.clone())
            .chain(seen.python2.clone())
            .collect(),
        busy: quiet.waited_out,
        ..MeasureSummary::default()
    };
    write_files(&targets, raws, &seen, &mut summary)?;
    Ok(summary)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn load_course(root: &Path) -> Result<Course, MeasureError> {
    let options = LoadOptions {
        drafts: true,
        base_url: None,
    };
    crate::content::load(root, &options)
        .map(|(course, _warnings)| course)
        .map_err(MeasureError::Course)
}

/// The (lesson, simulation) pairs the options select, or what is not there.
fn choose<'a>(
    course: &'a Course,
    opts: &MeasureOptions,
) -> Result<Vec<(&'a Lesson, &'a crate::content::simulation::Simulation)>, MeasureError> {
    let lessons: Vec<(&str, &Lesson)> = course
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(move |l| (m.slug.as_str(), &**l)))
        .collect();
    let picked: Vec<&Lesson> = match &opts.lesson {
        None => lessons.iter().map(|(_, l)| *l).collect(),
        Some(want) => {
            let found: Vec<&Lesson> = lessons
                .iter()
                .filter(|(m, l)| &l.slug == want || format!("{m}/{}", l.slug) == *want)
                .map(|(_, l)| *l)
                .collect();
            if found.is_empty() {
                let names = lessons.iter().map(|(_, l)| l.slug.as_str());
                return Err(MeasureError::Usage(unknown("lesson", want, names)));
            }
            found
        }
    };
    let mut out = Vec::new();
    for lesson in picked {
        for sim in &lesson.simulations {
            if opts.sim.as_ref().is_none_or(|id| id == &sim.id) {
                out.push((lesson, sim));
            }
        }
    }
    if let (Some(id), true) = (&opts.sim, out.is_empty()) {
        let ids: Vec<&str> = lessons
            .iter()
            .flat_map(|(_, l)| l.simulations.iter().map(|s| s.id.as_str()))
            .collect();
        return Err(MeasureError::Usage(unknown(
            "simulation",
            id,
            ids.into_iter(),
        )));
    }
    Ok(out)
}

fn unknown<'a>(what: &str, name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = candidates.collect();
    match crate::diagnostics::suggest(name, all.iter().copied()) {
        Some(s) => format!("no {what} `{name}` in this course; did you mean `{s}`?"),
        None => format!(
            "no {what} `{name}` in this course (there are: {})",
            all.join(", ")
        ),
    }
}

/// A program on PATH, as `which` finds it.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn find_python3(given: Option<&Path>) -> Result<PathBuf, MeasureError> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    on_path("python3").ok_or_else(|| {
        MeasureError::Usage(
            "no `python3` on PATH: install CPython 3, or name one with `--python PATH`".into(),
        )
    })
}

/// Where a CPython 2.7 may be: the one given, else `python2.7`/`python2` on PATH (which
/// may be pyenv shims that refuse to run), then pyenv's newest 2.7.
fn python2_candidates(given: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = given {
        return vec![p.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = ["python2.7", "python2"]
        .iter()
        .filter_map(|n| on_path(n))
        .collect();
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(Ok(entries)) = root.map(|r| std::fs::read_dir(r.join("versions"))) {
        let mut versions: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("2.7"))
            })
            .map(|v| v.join("bin/python"))
            .filter(|p| p.is_file())
            .collect();
        versions.sort();
        out.extend(versions.into_iter().rev());
    }
    out
}

/// The first candidate that runs and is a Python 2, with its facts.
fn find_python2(given: Option<&Path>, scratch: &Scratch) -> Result<(PathBuf, PythonFacts), String> {
    let mut tried = Vec::new();
    for candidate in python2_candidates(given) {
        match runner::probe(&candidate, scratch) {
            Ok(facts) if facts.major() == 2 => return Ok((candidate, facts)),
            Ok(facts) => tried.push(format!(
                "{} is Python {}",
                candidate.display(),
                facts.version
            )),
            Err(e) => tried.push(format!("{}: {e}", candidate.display())),
        }
    }
    Err(if tried.is_empty() {
        "the old GIL needs a CPython 2.7 and none was found: pass `--python2 PATH`".into()
    } else {
        format!("the old GIL needs a CPython 2.7: {}", tried.join("; "))
    })
}

fn plan<'a>(
    root: &Path,
    lesson: &'a Lesson,
    sim: &'a crate::content::simulation::Simulation,
    scenario: &'a crate::sim::Scenario,
    pythons: &[Interpreter],
) -> Target<'a> {
    let runs = (0..scenario.runs.len())
        .map(|r| {
            let which = usize::from(program::needs_python2(scenario, r));
            match &pythons[which] {
                Interpreter::Found(_, facts) => {
                    program::program(scenario, r, facts).map(|text| (which, text))
                }
                Interpreter::Missing(why) => Err(why.clone()),
            }
        })
        .collect();
    Target {
        lesson,
        lesson_file: root.join(&lesson.source),
        sim,
        scenario,
        runs,
    }
}

/// Every measurable run `repeat` times, rounds interleaved; per target and run, the
/// repetitions that finished, or the error that stopped one.
fn run_all(
    targets: &[Target],
    pythons: &[Interpreter],
    opts: &MeasureOptions,
    scratch: &Scratch,
    quiet: &mut Quiet,
) -> Vec<Vec<Result<Vec<RawRun>, String>>> {
    let mut raws: Vec<Vec<Result<Vec<RawRun>, String>>> = targets
        .iter()
        .map(|t| t.runs.iter().map(|_| Ok(Vec::new())).collect())
        .collect();
    let jobs: Vec<(usize, usize)> = targets
        .iter()
        .enumerate()
        .flat_map(|(t, target)| {
            target
                .runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.is_ok())
                .map(move |(r, _)| (t, r))
        })
        .collect();
    let bar = progress_bar(opts.progress, jobs.len() as u64 * u64::from(opts.repeat));
    for _ in 0..opts.repeat {
        runner::wait_for_quiet(opts.quiet_share, opts.patience, quiet);
        for &(t, r) in &jobs {
            let Ok((which, text)) = &targets[t].runs[r] else {
                continue;
            };
            bar.set_message(format!(
                "{} / {}",
                targets[t].sim.id, targets[t].scenario.runs[r].label
            ));
            if let Ok(done) = &mut raws[t][r] {
                let Interpreter::Found(python, _) = &pythons[*which] else {
                    continue;
                };
                match runner::execute(python, text, scratch, Duration::from_secs(600)) {
                    Ok(raw) => done.push(raw),
                    Err(e) => raws[t][r] = Err(e),
                }
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    raws
}

fn progress_bar(show: bool, len: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "measuring [{bar:30}] {pos}/{len} runs, {eta} left: {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// What every entry of this measure records about where it was made.
struct Seen {
    python: String,
    python2: Option<String>,
    cores: u32,
    load: LoadSeen,
    repeat: u32,
}

fn write_files(
    targets: &[Target],
    raws: Vec<Vec<Result<Vec<RawRun>, String>>>,
    seen: &Seen,
    summary: &mut MeasureSummary,
) -> Result<(), MeasureError> {
    let cpu = runner::cpu_model();
    let date = today();
    // Entries grouped by lesson file, in course order.
    let mut by_file: Vec<(PathBuf, &Lesson, Vec<MeasuredSimulation>)> = Vec::new();
    for (target, raw) in targets.iter().zip(raws) {
        let runs: Vec<MeasuredRun> = target
            .scenario
            .runs
            .iter()
            .zip(target.runs.iter().zip(raw))
            .map(|(spec, (planned, reps))| {
                let why = match (planned, reps) {
                    (Err(why), _) => why.clone(),
                    (_, Err(why)) => why,
                    (Ok(_), Ok(reps)) => {
                        summary.runs_measured += 1;
                        return figures::summarize(&spec.label, &reps);
                    }
                };
                summary.not_measurable.push((
                    target.sim.id.clone(),
                    spec.label.clone(),
                    why.clone(),
                ));
                MeasuredRun {
                    label: spec.label.clone(),
                    not_measurable: Some(why),
                    ..MeasuredRun::default()
                }
            })
            .collect();
        let uses_2 = target.runs.iter().any(|r| matches!(r, Ok((1, _))));
        let entry = MeasuredSimulation {
            id: target.sim.id.clone(),
            spec: measured::scenario_key(target.scenario),
            python: seen.python.clone(),
            python2: if uses_2 { seen.python2.clone() } else { None },
            machine: MachineSeen {
                cores: seen.cores,
                cpu: cpu.clone(),
            },
            date: date.clone(),
            load: seen.load.clone(),
            repeat: seen.repeat,
            runs,
        };
        match by_file
            .iter_mut()
            .find(|(f, _, _)| *f == target.lesson_file)
        {
            Some((_, _, entries)) => entries.push(entry),
            None => by_file.push((target.lesson_file.clone(), target.lesson, vec![entry])),
        }
    }
    for (lesson_file, lesson, fresh) in by_file {
        let path = measured::path_for(&lesson_file);
        let file = merged(&path, lesson, fresh);
        write_atomically(&path, &measured::to_text(&file, &lesson.slug))
            .map_err(|e| MeasureError::Io(format!("cannot write {}: {e}", path.display())))?;
        summary.files.push(path);
    }
    Ok(())
}

/// The lesson's file after this measure: one entry per scenario of each simulation (every
/// variant of an explorable one), fresh entries replacing older ones, older entries of
/// scenarios this measure skipped kept while the lesson still has them; in the lesson's
/// order.
fn merged(path: &Path, lesson: &Lesson, fresh: Vec<MeasuredSimulation>) -> MeasuredFile {
    let old: Vec<MeasuredSimulation> = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| measured::parse(&text, path, &lesson.slug).ok())
        .map(|(f, _)| f.simulations)
        .unwrap_or_default();
    let simulations = lesson
        .simulations
        .iter()
        .flat_map(|s| {
            s.scenarios()
                .iter()
                .map(move |sc| (s, measured::scenario_key(sc)))
        })
        .filter_map(|(s, key)| {
            let same = |m: &&MeasuredSimulation| m.id == s.id && m.spec == key;
            fresh
                .iter()
                .find(same)
                .or_else(|| old.iter().find(same))
                .cloned()
        })
        .collect();
    MeasuredFile {
        format: measured::FORMAT,
        simulations,
    }
}

/// Writes `text` to a hidden temporary beside `path`, then renames it over `path`: a
/// reader (or an interrupted measure) sees the old file or the new one, never half.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Today's UTC date as `YYYY-MM-DD` (civil-from-days, proleptic Gregorian).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// One figure of a run, simulated and measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub simulation: String,
    pub run: String,
    /// "wall", or "<thread> p50 latency" and the like.
    pub figure: String,
    pub simulated_ms: f64,
    pub measured: measured::Stat,
    /// The chart draws this figure (a reader sees it beside the simulation).
    pub drawn: bool,
}

impl Comparison {
    /// Within 20% of the measured median, or inside the measured range where the
    /// repetitions spread wider than that.
    pub fn agrees(&self) -> bool {
        let m = self.measured;
        let close = (self.simulated_ms - m.median).abs() <= 0.2 * m.median.abs().max(1e-9);
        close || (m.min..=m.max).contains(&self.simulated_ms)
    }
}

/// Every figure the course's measurement files hold next to what the simulator says,
/// for the simulations `opts` selects. Like with like: a measured figure is the median
/// of its repetitions, so the simulated one is the median of as many runs, each with
/// its own seed (the first is the chart's). A figure from a handful of samples (the
/// median of six round trips, the slowest of five sleeps) otherwise depends on one
/// seed's luck.
pub fn compare(opts: &MeasureOptions) -> Result<Vec<Comparison>, MeasureError> {
    let course = load_course(&opts.root)?;
    let chosen = choose(&course, opts)?;
    let mut out = Vec::new();
    for (lesson, sim) in chosen {
        for scenario in sim.scenarios() {
            let Some(m) = measured::current(&lesson.measured, &sim.id, scenario) else {
                continue;
            };
            let results = (0..u64::from(m.repeat.max(1)))
                .map(|k| {
                    crate::sim::run(
                        scenario,
                        sim.seed.wrapping_add(k),
                        &crate::sim::Budget::default(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| MeasureError::Usage(format!("simulation `{}`: {e}", sim.id)))?;
            for (i, real) in m.runs.iter().enumerate() {
                let simulated: Vec<&crate::sim::RunResult> =
                    results.iter().filter_map(|r| r.runs.get(i)).collect();
                let drawn = Drawn::of(&sim.chart, i, real);
                out.extend(compare_run(&sim.id, &simulated, real, &drawn));
            }
        }
    }
    Ok(out)
}

/// The median of nanosecond figures in milliseconds, summarised as measured ones are.
fn median_ms(ns: impl Iterator<Item = u64>) -> f64 {
    let ms: Vec<f64> = ns.map(|n| n as f64 / 1e6).collect();
    figures::stat(&ms).map_or(0.0, |s| s.median)
}

/// What a chart draws of one run's measurement: bars and lines one measure of every
/// run, a histogram one thread's latency percentiles of one run, a timeline nothing a
/// program can measure.
#[derive(Debug, Default, PartialEq)]
struct Drawn {
    measure: Option<Measure>,
    /// The histogram's thread, by name (or `process/name`), when this is its run.
    latencies_of: Option<String>,
}

impl Drawn {
    fn of(chart: &ChartOptions, run_index: usize, real: &MeasuredRun) -> Drawn {
        match chart.kind {
            ChartKind::Bars | ChartKind::Lines => Drawn {
                measure: Some(chart.measure.unwrap_or_default()),
                latencies_of: None,
            },
            ChartKind::Histogram => {
                let this_run = match &chart.run {
                    Some(label) => *label == real.label,
                    None => run_index == 0,
                };
                let first_io = || {
                    (real.threads.iter())
                        .find(|t| t.latency_ms.is_some())
                        .map(|t| t.name.clone())
                };
                Drawn {
                    measure: None,
                    latencies_of: this_run
                        .then(|| chart.thread.clone().or_else(first_io))
                        .flatten(),
                }
            }
            ChartKind::Timeline => Drawn::default(),
        }
    }

    /// Whether the chart draws this thread's latency percentile `measure`.
    fn thread_latency(
        &self,
        thread: &measured::MeasuredThread,
        only_one: bool,
        measure: Measure,
    ) -> bool {
        let named = (self.latencies_of.as_deref())
            .is_some_and(|want| crate::chart::names_thread(want, &thread.process, &thread.name));
        // A run's latency over all threads is this thread's when it is the only one.
        named || (only_one && self.measure == Some(measure))
    }
}

fn compare_run(
    id: &str,
    simulated: &[&crate::sim::RunResult],
    real: &MeasuredRun,
    drawn: &Drawn,
) -> Vec<Comparison> {
    let row =
        |figure: String, simulated_ms: f64, measured: measured::Stat, drawn: bool| Comparison {
            simulation: id.to_string(),
            run: real.label.clone(),
            figure,
            simulated_ms,
            measured,
            drawn,
        };
    let mut out = Vec::new();
    if let Some(wall) = real.wall_ms {
        let walls = simulated.iter().map(|r| r.wall_ns);
        let shown = drawn.measure == Some(Measure::WallMs);
        out.push(row("wall".into(), median_ms(walls), wall, shown));
    }
    let with_latency = real
        .threads
        .iter()
        .filter(|t| t.latency_ms.is_some())
        .count();
    for thread in &real.threads {
        let Some(lat) = thread.latency_ms else {
            continue;
        };
        let summaries: Vec<(u64, u64, u64)> = (simulated.iter())
            .filter_map(|r| {
                (r.threads.iter()).find(|t| t.name == thread.name && t.process == thread.process)
            })
            .map(|t| t.latency_summary())
            .collect();
        if summaries.is_empty() {
            continue;
        }
        let p50 = median_ms(summaries.iter().map(|s| s.0));
        let p99 = median_ms(summaries.iter().map(|s| s.1));
        let only_one = with_latency == 1;
        let (p50_drawn, p99_drawn) = (
            drawn.thread_latency(thread, only_one, Measure::IoLatencyP50Ms),
            drawn.thread_latency(thread, only_one, Measure::IoLatencyP99Ms),
        );
        out.push(row(
            format!("{} latency p50", thread.name),
            p50,
            lat.p50,
            p50_drawn,
        ));
        out.push(row(
            format!("{} latency p99", thread.name),
            p99,
            lat.p99,
            p99_drawn,
        ));
    }
    // A measure the rows above do not hold (CPU time, a rate, a latency over several
    // threads): the chart's own figure, as it draws it.
    if let Some(measure) = drawn.measure
        && !out.iter().any(|r| r.drawn)
        && let Some(real_stat) = measure.measured(real)
    {
        let values: Vec<f64> = simulated.iter().map(|r| measure.of(r)).collect();
        let median = figures::stat(&values).map_or(0.0, |s| s.median);
        // As an author writes it under `measure:`.
        let key = serde_json::to_value(measure)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let figure = format!("{key} of the run");
        out.push(row(figure, median, real_stat, true));
    }
    out
}

/// The comparison as a Markdown table, with a count of the figures that agree.
pub fn comparison_table(rows: &[Comparison]) -> String {
    use std::fmt::Write as _;
    let mut t = String::from(
        "| simulation | run | figure | simulated ms, median of seeds | measured ms, median (min to max) | simulated / measured | agrees | drawn in the chart |\n|---|---|---|---:|---:|---:|:---:|:---:|\n",
    );
    for r in rows {
        let ratio = if r.measured.median > 0.0 {
            format!("{:.2}", r.simulated_ms / r.measured.median)
        } else {
            "-".into()
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.3} | {} | {ratio} | {} | {} |",
            r.simulation,
            r.run,
            r.figure,
            r.simulated_ms,
            r.measured,
            if r.agrees() { "yes" } else { "**no**" },
            if r.drawn { "yes" } else { "" }
        );
    }
    let agree = rows.iter().filter(|r| r.agrees()).count();
    let drawn: Vec<&Comparison> = rows.iter().filter(|r| r.drawn).collect();
    let drawn_agree = drawn.iter().filter(|r| r.agrees()).count();
    let _ = writeln!(
        t,
        "\n{agree} of {} figures agree (within 20% of the median, or inside the measured range); \
         of the {} the charts draw, {drawn_agree} agree.",
        rows.len(),
        drawn.len()
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(simulated_ms: f64, median: f64, min: f64, max: f64) -> Comparison {
        Comparison {
            simulation: "s".into(),
            run: "r".into(),
            figure: "wall".into(),
            simulated_ms,
            measured: measured::Stat { median, min, max },
            drawn: false,
        }
    }

    #[test]
    fn agreement_is_twenty_percent_or_the_measured_range() {
        assert!(row(119.0, 100.0, 99.0, 101.0).agrees());
        assert!(!row(121.0, 100.0, 99.0, 101.0).agrees());
        assert!(row(150.0, 100.0, 90.0, 160.0).agrees());
        assert!(!row(50.0, 100.0, 90.0, 160.0).agrees());
        let drawn = Comparison {
            drawn: true,
            ..row(50.0, 100.0, 90.0, 160.0)
        };
        let table = comparison_table(&[row(119.0, 100.0, 99.0, 101.0), drawn]);
        assert!(
            table.contains("| s | r | wall | 119.000 | 100 (99 to 101) | 1.19 | yes |  |"),
            "{table}"
        );
        assert!(
            table.contains("| s | r | wall | 50.000 | 100 (90 to 160) | 0.50 | **no** | yes |"),
            "{table}"
        );
        assert!(
            table.contains("1 of 2 figures agree")
                && table.contains("of the 1 the charts draw, 0 agree"),
            "{table}"
        );
    }

    #[test]
    fn simulated_figures_are_medians_over_seeds_like_the_measured_ones() {
        let scenario: crate::sim::Scenario = serde_json::from_value(serde_json::json!({
            "runs": [{"label": "r", "threads": [
                {"name": "io", "work": [{"io": {"count": 5, "wait_ms": 1, "cpu_us": 10}}]},
                {"name": "cpu", "work": [{"cpu_ms": 30}]}
            ]}]
        }))
        .unwrap();
        let budget = crate::sim::Budget::default();
        let results: Vec<crate::sim::SimResult> = (0..5)
            .map(|seed| crate::sim::run(&scenario, seed, &budget).unwrap())
            .collect();
        let runs: Vec<&crate::sim::RunResult> = results.iter().map(|r| &r.runs[0]).collect();
        let stat = |median| measured::Stat {
            median,
            min: median,
            max: median,
        };
        let real = MeasuredRun {
            label: "r".into(),
            wall_ms: Some(stat(30.0)),
            threads: vec![measured::MeasuredThread {
                name: "io".into(),
                process: crate::sim::spec::MAIN_PROCESS.into(),
                finish_ms: stat(30.0),
                cpu_ms: None,
                io_ops: 5,
                ops_per_s: None,
                latency_ms: Some(measured::Latency {
                    p50: stat(1.0),
                    p99: stat(1.0),
                    max: stat(1.0),
                }),
            }],
            ..MeasuredRun::default()
        };
        let rows = compare_run("s", &runs, &real, &Drawn::default());
        let figures: Vec<&str> = rows.iter().map(|r| r.figure.as_str()).collect();
        assert_eq!(figures, ["wall", "io latency p50", "io latency p99"]);
        assert!(
            rows.iter().all(|r| !r.drawn),
            "a timeline draws no measured figure"
        );
        let mut walls: Vec<u64> = runs.iter().map(|r| r.wall_ns).collect();
        walls.sort_unstable();
        assert_eq!(rows[0].simulated_ms, median_ms([walls[2]].into_iter()));
        let mut p50s: Vec<u64> = (runs.iter())
            .map(|r| r.threads[0].latency_summary().0)
            .collect();
        p50s.sort_unstable();
        assert_eq!(rows[1].simulated_ms, median_ms([p50s[2]].into_iter()));
        // Seeds differ: the I/O thread's latencies depend on the jitter.
        assert!(
            p50s[0] != p50s[4] || walls[0] != walls[4],
            "{p50s:?} {walls:?}"
        );
        assert_eq!(
            median_ms([4_000_000, 1_000_000, 3_000_000, 2_000_000].into_iter()),
            2.5
        );
        assert_eq!(median_ms(std::iter::empty()), 0.0);
    }

    fn chart(yaml: &str) -> ChartOptions {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn the_rows_a_chart_draws_are_marked_and_its_own_measure_is_added() {
        let scenario: crate::sim::Scenario = serde_json::from_value(serde_json::json!({
            "runs": [{"label": "r", "threads": [
                {"name": "a", "work": [{"io": {"count": 3, "wait_ms": 1, "cpu_us": 10}}]},
                {"name": "b", "work": [{"io": {"count": 3, "wait_ms": 1, "cpu_us": 10}}]},
                {"name": "cpu", "work": [{"cpu_ms": 5}]}
            ]}]
        }))
        .unwrap();
        let result = crate::sim::run(&scenario, 1, &crate::sim::Budget::default()).unwrap();
        let runs = [&result.runs[0]];
        let stat = |median| measured::Stat {
            median,
            min: median,
            max: median,
        };
        let latency = Some(measured::Latency {
            p50: stat(0.1),
            p99: stat(0.2),
            max: stat(0.2),
        });
        let thread = |name: &str, latency_ms| measured::MeasuredThread {
            name: name.into(),
            process: crate::sim::spec::MAIN_PROCESS.into(),
            finish_ms: stat(5.0),
            cpu_ms: None,
            io_ops: 3,
            ops_per_s: None,
            latency_ms,
        };
        let real = MeasuredRun {
            label: "r".into(),
            wall_ms: Some(stat(6.0)),
            latency_ms: latency,
            threads: vec![thread("a", latency), thread("b", latency)],
            ..MeasuredRun::default()
        };
        let drawn_figures = |yaml: &str| -> Vec<String> {
            let drawn = Drawn::of(&chart(yaml), 0, &real);
            (compare_run("s", &runs, &real, &drawn).into_iter())
                .filter(|r| r.drawn)
                .map(|r| r.figure)
                .collect()
        };
        assert_eq!(drawn_figures("kind: bars"), ["wall"]);
        assert_eq!(drawn_figures("kind: lines"), ["wall"]);
        assert!(drawn_figures("kind: timeline").is_empty());
        // Two threads did I/O: the run's median over both is a figure of its own.
        assert_eq!(
            drawn_figures("{ kind: bars, measure: io_latency_p50_ms }"),
            ["io_latency_p50_ms of the run"]
        );
        assert_eq!(
            drawn_figures("{ kind: histogram, thread: b }"),
            ["b latency p50", "b latency p99"]
        );
        assert_eq!(
            drawn_figures("{ kind: histogram }"),
            ["a latency p50", "a latency p99"]
        );
        assert!(drawn_figures("{ kind: histogram, run: other }").is_empty());
        // A measure a program cannot see draws no measured figure.
        assert!(drawn_figures("{ kind: bars, measure: gil_switches }").is_empty());
        // With one I/O thread the run's latency is that thread's: its row is marked.
        let one = MeasuredRun {
            threads: vec![thread("a", latency)],
            ..real.clone()
        };
        let drawn = Drawn::of(
            &chart("{ kind: bars, measure: io_latency_p99_ms }"),
            0,
            &one,
        );
        let rows = compare_run("s", &runs, &one, &drawn);
        let marked: Vec<&str> = (rows.iter().filter(|r| r.drawn))
            .map(|r| r.figure.as_str())
            .collect();
        assert_eq!(marked, ["a latency p99"]);
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn dates_from_days_since_1970() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_789), "2026-12-02");
    }
}
