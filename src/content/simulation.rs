//! Simulations in lesson front matter (`simulations:`), validated into typed specs.
//!
//! The schema is the one `crescu sim` files use: the simulator's `machine`,
//! `interpreter` and `runs`, wrapped with an `id`, a `title`, an optional `seed` and the
//! `chart` to draw. Each run may also carry `x` and `series` for line charts.

use super::explore::{Exploration, chart_problems, parse_explore};
use super::located::FrontMatterLocator;
use crate::chart::options::{ChartKind, ChartOptions, RunPoint};
use crate::diagnostics::Diagnostic;
use crate::keypath::KeyPath;
use crate::sim::spec::{Interpreter, Machine, RunSpec, Scenario};
use crate::yaml::{self, Node};
use serde::Deserialize;
use std::collections::HashMap;

/// A simulation of a lesson, ready to run and chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    pub id: String,
    pub title: String,
    pub caption: Option<String>,
    pub seed: u64,
    pub chart: ChartOptions,
    /// Per run, aligned with `scenario.runs`.
    pub points: Vec<RunPoint>,
    /// The default variant when the simulation is explorable.
    pub scenario: Scenario,
    /// The parameters a reader may vary, and every variant's scenario.
    pub explore: Option<Exploration>,
    /// File line where the simulation starts.
    pub line: usize,
}

impl Simulation {
    /// Every scenario the simulation stands for: the variants of an explorable chart
    /// (default first is not implied; see [`Exploration::default_index`]), or its one
    /// scenario.
    pub fn scenarios(&self) -> &[Scenario] {
        match &self.explore {
            Some(e) => &e.variants,
            None => std::slice::from_ref(&self.scenario),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimulation {
    id: String,
    title: Option<String>,
    caption: Option<String>,
    seed: Option<u64>,
    chart: Option<Node>,
    #[serde(default)]
    machine: Machine,
    #[serde(default)]
    interpreter: Interpreter,
    #[serde(default)]
    runs: Vec<Node>,
    explore: Option<Node>,
}

/// A stable default seed per simulation id, so adding a simulation never changes the
/// results of the others (FNV-1a).
fn seed_for(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Validate a list of simulations. `base` is where the list sits (`simulations` in a
/// lesson, the root in a `crescu sim` file).
pub fn parse_simulations(
    nodes: &[Node],
    base: &KeyPath,
    loc: &FrontMatterLocator,
) -> (Vec<Simulation>, Vec<Diagnostic>) {
    let mut sims = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let at = base.index(i);
        if let Some(sim) = parse_simulation(node, &at, loc, &mut seen, &mut problems) {
            sims.push(sim);
        }
    }
    (sims, problems)
}

/// Ids seen so far in one list, with where each was first used.
type SeenIds = HashMap<String, crate::diagnostics::Position>;

/// One simulation at `at`, or `None` when it has problems (added to `problems`).
fn parse_simulation(
    node: &Node,
    at: &KeyPath,
    loc: &FrontMatterLocator,
    seen: &mut SeenIds,
    problems: &mut Vec<Diagnostic>,
) -> Option<Simulation> {
    let raw: RawSimulation = yaml::from_node(node, at, loc.spans)
        .map_err(|e| problems.push(loc.from_yaml_error(&e)))
        .ok()?;
    let errors_before = problems.len();
    let (runs, points) = parse_runs(&raw.runs, &at.key("runs"), loc, problems);
    if problems.len() > errors_before {
        return None;
    }
    let scenario = Scenario {
        machine: raw.machine,
        interpreter: raw.interpreter,
        runs,
    };
    let chart = parse_chart(raw.chart.as_ref(), &at.key("chart"), loc)
        .map_err(|d| problems.push(d))
        .ok()?;
    let invalid = scenario_problems(&scenario, &chart, &points);
    let scenario_is_valid = invalid.is_empty();
    for (rel, message) in invalid {
        problems.push(invalid_simulation(loc, at, &raw.id, rel, &message));
    }
    let explore = match &raw.explore {
        Some(node) if scenario_is_valid => {
            match parse_explore(node, &at.key("explore"), &scenario, loc) {
                Ok(e) => {
                    problems.extend(chart_problems(&e, &chart, &points, &at.key("explore"), loc));
                    Some(e)
                }
                Err(p) => {
                    problems.extend(p);
                    None
                }
            }
        }
        _ => None,
    };
    let scenario = match &explore {
        Some(e) => e.variants[e.default_index()].clone(),
        None => scenario,
    };
    let line = loc.value(at).line;
    check_id(&raw.id, at, loc, seen, problems);
    if problems.len() > errors_before {
        return None;
    }
    Some(Simulation {
        title: raw.title.unwrap_or_else(|| raw.id.clone()),
        seed: raw.seed.unwrap_or_else(|| seed_for(&raw.id)),
        id: raw.id,
        caption: raw.caption,
        chart,
        points,
        scenario,
        explore,
        line,
    })
}

/// The runs of a simulation, each with its chart point (`x` and `series`, which the
/// simulator does not know and so are taken off before it reads the run).
fn parse_runs(
    nodes: &[Node],
    at: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> (Vec<RunSpec>, Vec<RunPoint>) {
    let mut runs = Vec::new();
    let mut points = Vec::new();
    for (n, run_node) in nodes.iter().enumerate() {
        let run_at = at.index(n);
        let mut run_node = run_node.clone();
        let point = take_run_point(&mut run_node, &run_at, loc, problems);
        match yaml::from_node::<RunSpec>(&run_node, &run_at, loc.spans) {
            Ok(run) => {
                runs.push(run);
                points.push(point);
            }
            Err(e) => problems.push(loc.from_yaml_error(&e)),
        }
    }
    (runs, points)
}

/// A run's `x` and `series`, removed from `run_node`.
fn take_run_point(
    run_node: &mut Node,
    run_at: &KeyPath,
    loc: &FrontMatterLocator,
    problems: &mut Vec<Diagnostic>,
) -> RunPoint {
    let x = run_node.remove_key("x");
    let series = run_node.remove_key("series");
    let point = RunPoint {
        x: x.as_ref().and_then(Node::as_f64),
        series: series.as_ref().and_then(|s| s.as_str().map(str::to_string)),
    };
    let wrong_type = |key: &str, found: &Node, rule: &str| {
        loc.error_at(
            "wrong-type",
            &run_at.key(key),
            format!("`{key}` must be {rule}, found {}", found.describe()),
        )
        .expected(rule)
    };
    if let Some(x) = &x
        && point.x.is_none()
    {
        problems.push(wrong_type("x", x, "a number"));
    }
    if let Some(s) = &series
        && point.series.is_none()
    {
        problems.push(wrong_type("series", s, "text"));
    }
    point
}

/// The chart options at `at`. `chart: bars` is short for `chart: { kind: bars }`; each
/// form is read on its own so errors name the exact key.
fn parse_chart(
    node: Option<&Node>,
    at: &KeyPath,
    loc: &FrontMatterLocator,
) -> Result<ChartOptions, Diagnostic> {
    match node {
        None => Ok(ChartOptions::default()),
        Some(node) if node.as_str().is_some() => yaml::from_node::<ChartKind>(node, at, loc.spans)
            .map(|kind| ChartOptions {
                kind,
                ..ChartOptions::default()
            })
            .map_err(|e| loc.from_yaml_error(&e)),
        Some(node) => yaml::from_node::<ChartOptions>(node, at, loc.spans)
            .map_err(|e| loc.from_yaml_error(&e)),
    }
}

/// What the simulator and the chart reject, as (path under the simulation, message).
fn scenario_problems(
    scenario: &Scenario,
    chart: &ChartOptions,
    points: &[RunPoint],
) -> Vec<(KeyPath, String)> {
    let mut problems: Vec<(KeyPath, String)> = crate::sim::validate(scenario)
        .into_iter()
        .map(|p| (p.path, p.message))
        .collect();
    if problems.is_empty() {
        // Budget estimates assume valid parameters.
        problems.extend(
            crate::sim::check_budget(scenario, &crate::sim::Budget::default())
                .into_iter()
                .map(|p| (p.path, p.message)),
        );
    }
    problems.extend(
        crate::chart::validate(chart, points, scenario)
            .into_iter()
            .map(|p| (p.path, p.message)),
    );
    problems
}

/// A simulator or chart problem at `rel` under the simulation at `at`.
fn invalid_simulation(
    loc: &FrontMatterLocator,
    at: &KeyPath,
    id: &str,
    rel: KeyPath,
    message: &str,
) -> Diagnostic {
    let mut path = at.clone();
    path.0.extend(rel.0);
    // The simulator phrases its rules as "`key` must be <rule> (got x)".
    let rule = message
        .split_once("must be ")
        .map(|(_, r)| r.split(" (got").next().unwrap_or(r).to_string());
    loc.error_at(
        "invalid-simulation",
        &path,
        format!("simulation `{id}`: {message}"),
    )
    .expected(rule.unwrap_or_else(|| "a simulation the simulator can run".to_string()))
}

/// Ids name the chart in `{{ chart ID }}` and in its element id: each must follow the id
/// rule and be unique in its list.
fn check_id(
    id: &str,
    at: &KeyPath,
    loc: &FrontMatterLocator,
    seen: &mut SeenIds,
    problems: &mut Vec<Diagnostic>,
) {
    problems.extend(loc.invalid_id("simulation", id, &at.key("id")));
    if let Some(first) = seen.insert(id.to_string(), loc.value(&at.key("id"))) {
        problems.push(
            loc.error_at(
                "duplicate-id",
                &at.key("id"),
                format!("simulation id `{id}` is used twice"),
            )
            .related(first, "first used here")
            .expected("a unique id per lesson"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::content::lesson::parse_simulation_file;

    const RUN: &str =
        "  runs:\n    - label: one\n      threads: [ { name: main, work: [ { cpu_ms: 10 } ] } ]\n";

    #[test]
    fn ids_outside_the_rule_are_errors_at_the_id() {
        let ok = format!("- id: cpu_1\n{RUN}");
        assert_eq!(
            parse_simulation_file("s.yaml".as_ref(), &ok).unwrap()[0].id,
            "cpu_1"
        );
        let bad = format!("- id: cpu one\n{RUN}");
        let problems = parse_simulation_file("s.yaml".as_ref(), &bad).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].message, "simulation id `cpu one` contains ` `");
        assert_eq!(problems[0].position.line, 1);
        assert_eq!(problems[0].position.column, 7);
        assert_eq!(problems[0].source_line.as_deref(), Some("- id: cpu one"));
    }
}
