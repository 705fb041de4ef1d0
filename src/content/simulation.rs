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
    let mut seen: HashMap<String, crate::diagnostics::Position> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let at = base.index(i);
        let raw: RawSimulation = match yaml::from_node(node, &at, loc.spans) {
            Ok(r) => r,
            Err(e) => {
                problems.push(loc.from_yaml_error(&e));
                continue;
            }
        };
        let errors_before = problems.len();
        let mut runs = Vec::new();
        let mut points = Vec::new();
        for (n, run_node) in raw.runs.iter().enumerate() {
            let run_at = at.key("runs").index(n);
            let mut run_node = run_node.clone();
            let x = run_node.remove_key("x");
            let series = run_node.remove_key("series");
            let point = RunPoint {
                x: x.as_ref().and_then(Node::as_f64),
                series: series.as_ref().and_then(|s| s.as_str().map(str::to_string)),
            };
            if let Some(x) = &x
                && point.x.is_none()
            {
                problems.push(
                    loc.error_at(
                        "wrong-type",
                        &run_at.key("x"),
                        format!("`x` must be a number, found {}", x.describe()),
                    )
                    .expected("a number"),
                );
            }
            if let Some(s) = &series
                && point.series.is_none()
            {
                problems.push(
                    loc.error_at(
                        "wrong-type",
                        &run_at.key("series"),
                        format!("`series` must be text, found {}", s.describe()),
                    )
                    .expected("text"),
                );
            }
            match yaml::from_node::<RunSpec>(&run_node, &run_at, loc.spans) {
                Ok(run) => {
                    runs.push(run);
                    points.push(point);
                }
                Err(e) => problems.push(loc.from_yaml_error(&e)),
            }
        }
        if problems.len() > errors_before {
            continue;
        }
        let scenario = Scenario {
            machine: raw.machine,
            interpreter: raw.interpreter,
            runs,
        };
        let chart = match &raw.chart {
            None => ChartOptions::default(),
            // `chart: bars` is short for `chart: { kind: bars }`; each form is read on its
            // own so errors name the exact key.
            Some(node) if node.as_str().is_some() => {
                match yaml::from_node::<ChartKind>(node, &at.key("chart"), loc.spans) {
                    Ok(kind) => ChartOptions {
                        kind,
                        ..ChartOptions::default()
                    },
                    Err(e) => {
                        problems.push(loc.from_yaml_error(&e));
                        continue;
                    }
                }
            }
            Some(node) => {
                match yaml::from_node::<ChartOptions>(node, &at.key("chart"), loc.spans) {
                    Ok(options) => options,
                    Err(e) => {
                        problems.push(loc.from_yaml_error(&e));
                        continue;
                    }
                }
            }
        };
        let mut sim_problems: Vec<(KeyPath, String)> = crate::sim::validate(&scenario)
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect();
        if sim_problems.is_empty() {
            // Budget estimates assume valid parameters.
            sim_problems.extend(
                crate::sim::check_budget(&scenario, &crate::sim::Budget::default())
                    .into_iter()
                    .map(|p| (p.path, p.message)),
            );
        }
        sim_problems.extend(
            crate::chart::validate(&chart, &points, &scenario)
                .into_iter()
                .map(|p| (p.path, p.message)),
        );
        let sim_problems_found = !sim_problems.is_empty();
        for (rel, message) in sim_problems {
            let mut path = at.clone();
            path.0.extend(rel.0);
            // The simulator phrases its rules as "`key` must be <rule> (got x)".
            let rule = message
                .split_once("must be ")
                .map(|(_, r)| r.split(" (got").next().unwrap_or(r).to_string());
            problems.push(
                loc.error_at(
                    "invalid-simulation",
                    &path,
                    format!("simulation `{}`: {message}", raw.id),
                )
                .expected(rule.unwrap_or_else(|| "a simulation the simulator can run".to_string())),
            );
        }
        let mut scenario = scenario;
        let explore = match (&raw.explore, sim_problems_found) {
            (Some(node), false) => match parse_explore(node, &at.key("explore"), &scenario, loc) {
                Ok(e) => {
                    problems.extend(chart_problems(&e, &chart, &points, &at.key("explore"), loc));
                    scenario = e.variants[e.default_index()].clone();
                    Some(e)
                }
                Err(p) => {
                    problems.extend(p);
                    None
                }
            },
            _ => None,
        };
        let line = loc.value(&at).line;
        // Ids name the chart in `{{ chart ID }}` and in its element id.
        problems.extend(loc.invalid_id("simulation", &raw.id, &at.key("id")));
        if let Some(first) = seen.insert(raw.id.clone(), loc.value(&at.key("id"))) {
            problems.push(
                loc.error_at(
                    "duplicate-id",
                    &at.key("id"),
                    format!("simulation id `{}` is used twice", raw.id),
                )
                .related(first, "first used here")
                .expected("a unique id per lesson"),
            );
        }
        if problems.len() > errors_before {
            continue;
        }
        sims.push(Simulation {
            title: raw.title.unwrap_or_else(|| raw.id.clone()),
            seed: raw.seed.unwrap_or_else(|| seed_for(&raw.id)),
            id: raw.id,
            caption: raw.caption,
            chart,
            points,
            scenario,
            explore,
            line,
        });
    }
    (sims, problems)
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
