//! A simulation's `explore:` key: one or two numeric parameters the reader may vary.
//! Every combination of their values is an ordinary scenario (a variant), built here from
//! the written one and validated like it, so mistakes are reported with file and line
//! before anything runs.
//!
//! A parameter names a number of the simulation by key path (`machine.cores`,
//! `interpreter.switch_interval_ms`, `runs[1].threads[0].work[0].io.wait_ms`), or the
//! number of copies of one thread or process of a run (`runs[1].threads[1].copies`: that
//! thread repeated N times, named `cpu1` ... `cpuN`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::located::FrontMatterLocator;
use crate::chart::explore::{Axis, default_variant, variant_count, variant_values};
use crate::chart::options::{ChartOptions, RunPoint};
use crate::diagnostics::Diagnostic;
use crate::keypath::{KeyPath, Segment};
use crate::sim::spec::Scenario;
use crate::yaml::{self, Node};

/// At most this many parameters per chart, and variants (combinations) per chart: each
/// variant is a simulation of its own and a drawing in the page.
pub const MAX_PARAMETERS: usize = 2;
pub const MAX_VARIANTS: usize = 64;

/// The parameters of an explorable chart and the scenario of each variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exploration {
    /// Key path and reader-facing axis of each parameter.
    pub params: Vec<(String, Axis)>,
    /// One scenario per combination of values, row-major (the last parameter fastest).
    pub variants: Vec<Scenario>,
}

impl Exploration {
    pub fn axes(&self) -> Vec<Axis> {
        self.params.iter().map(|(_, a)| a.clone()).collect()
    }

    /// The variant shown first.
    pub fn default_index(&self) -> usize {
        default_variant(&self.axes())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    key: String,
    label: String,
    #[serde(default)]
    unit: String,
    values: Vec<f64>,
    default: Option<f64>,
}

/// What a key path changes in the scenario.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    /// A number at this path; `whole` for counts.
    Number { path: Vec<Segment>, whole: bool },
    /// The item at `index` of the list at `list` (threads or processes), repeated.
    Copies { list: Vec<Segment>, index: usize },
}

const MACHINE_KEYS: &[(&str, bool)] = &[
    ("cores", true),
    ("wake_latency_us", false),
    ("context_switch_us", false),
    ("time_slice_ms", false),
    ("timer_slack_us", false),
    ("signal_us", false),
    ("parallel_slowdown", false),
    ("cache_refill_us", false),
    ("jitter", false),
    ("send_us", false),
    ("receive_us", false),
    ("idle_poll_us", false),
    ("poll_wake_us", false),
    ("requester_wins", false),
    ("deep_wake_us", false),
    ("deep_idle_ms", false),
];
const INTERPRETER_KEYS: &[(&str, bool)] = &[
    ("switch_interval_ms", false),
    ("eval_check_ns", false),
    ("check_interval_ticks", true),
    ("tick_ns", false),
    ("race_window_ns", false),
    ("racer_sleeps", false),
    ("ft_slowdown", false),
    ("thread_start_us", false),
    ("thread_exit_us", false),
    ("call_us", false),
];

const EXAMPLES: &str = "a number of the simulation by key path, such as `machine.cores`, \
    `interpreter.switch_interval_ms`, `runs[0].threads[1].work[0].cpu_ms` (also `io.count`, \
    `io.wait_ms`, `io.cpu_us`, `c_ext.ms`, `sleep_ms`, `repeat.times`, `start_ms`), or \
    `runs[0].threads[1].copies` for that many copies of a thread (or of a process)";

/// Parse `runs[1].threads[0].copies` into segments.
fn parse_path(text: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    for part in text.split('.') {
        let (name, mut rest) = match part.split_once('[') {
            Some((name, rest)) => (name, Some(rest)),
            None => (part, None),
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if name.is_empty() || !name.chars().all(valid) {
            return None;
        }
        out.push(Segment::Key(name.to_string()));
        while let Some(text) = rest {
            let (index, after) = text.split_once(']')?;
            out.push(Segment::Index(index.parse().ok()?));
            rest = match after {
                "" => None,
                a => Some(a.strip_prefix('[')?),
            };
        }
    }
    Some(out)
}

fn get<'v>(value: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Segment::Key(k) => v.get(k),
        Segment::Index(i) => v.get(i),
    })
}

/// What `path` changes in `spec` (the scenario as JSON), or why it cannot.
fn resolve(path: &[Segment], spec: &Value) -> Result<Target, String> {
    let Some((Segment::Key(leaf), parent)) = path.split_last() else {
        return Err("a key path ends in a key name".to_string());
    };
    if leaf == "copies" {
        return resolve_copies(parent, spec);
    }
    let whole = match parent {
        [owner @ .., Segment::Key(k)] if k == "machine" || k == "interpreter" => {
            settings_number(owner, k, leaf, spec)?
        }
        _ => work_number(parent, leaf, spec)?,
    };
    Ok(Target::Number {
        path: path.to_vec(),
        whole,
    })
}

fn missing(parent: &[Segment]) -> String {
    format!(
        "the simulation has nothing at `{}`",
        KeyPath(parent.to_vec())
    )
}

/// `runs[N].threads[M].copies` or `...processes[M].copies`.
fn resolve_copies(parent: &[Segment], spec: &Value) -> Result<Target, String> {
    match parent {
        [list @ .., Segment::Key(k), Segment::Index(i)] if k == "threads" || k == "processes" => {
            let mut list = list.to_vec();
            list.push(Segment::Key(k.clone()));
            match get(spec, &list).and_then(Value::as_array) {
                Some(items) if *i < items.len() => Ok(Target::Copies { list, index: *i }),
                _ => Err(missing(parent)),
            }
        }
        _ => Err(
            "`copies` applies to one thread or process: `runs[N].threads[M].copies`".to_string(),
        ),
    }
}

/// A number of the simulation's or a run's `machine` or `interpreter` (which may be left
/// out); whether it is whole.
fn settings_number(owner: &[Segment], k: &str, leaf: &str, spec: &Value) -> Result<bool, String> {
    let table = if k == "machine" {
        MACHINE_KEYS
    } else {
        INTERPRETER_KEYS
    };
    let whole = table
        .iter()
        .find(|(name, _)| *name == leaf)
        .map(|(_, w)| *w);
    let whole = whole.ok_or_else(|| {
        let names = table.iter().map(|(name, _)| *name);
        match crate::diagnostics::suggest(leaf, names) {
            Some(near) => format!("`{k}` has no number `{leaf}`; did you mean `{near}`?"),
            None => format!("`{k}` has no number `{leaf}`"),
        }
    })?;
    let at_top_or_run = match owner {
        [] => true,
        [Segment::Key(r), Segment::Index(_)] => r == "runs",
        _ => false,
    };
    match get(spec, owner) {
        Some(Value::Object(_)) if at_top_or_run => Ok(whole),
        _ => Err(format!(
            "`{k}` belongs to the simulation or to one of its runs"
        )),
    }
}

/// A number of a step or a process, which must be written already; whether it is whole.
fn work_number(parent: &[Segment], leaf: &str, spec: &Value) -> Result<bool, String> {
    let whole = match (parent.last(), leaf) {
        (Some(Segment::Key(k)), "count") if k == "io" => true,
        (Some(Segment::Key(k)), "wait_ms" | "cpu_us") if k == "io" => false,
        (Some(Segment::Key(k)), "ms") if k == "c_ext" => false,
        (Some(Segment::Key(k)), "times") if k == "repeat" => true,
        (Some(Segment::Index(_)), "cpu_ms" | "sleep_ms" | "start_ms") => false,
        _ => return Err(format!("`{leaf}` is not a number crescu can vary here")),
    };
    let owner = get(spec, parent).ok_or_else(|| missing(parent))?;
    // A step keeps its kind: `cpu_ms` varies a `cpu_ms` step, not an `io` one.
    if matches!(leaf, "cpu_ms" | "sleep_ms") && owner.get(leaf).is_none() {
        return Err(format!(
            "the step at `{}` has no `{leaf}`",
            KeyPath(parent.to_vec())
        ));
    }
    let in_process =
        matches!(parent.iter().rev().nth(1), Some(Segment::Key(k)) if k == "processes");
    if leaf == "start_ms" && !in_process {
        return Err("`start_ms` belongs to a process".to_string());
    }
    if owner.is_object() {
        Ok(whole)
    } else {
        Err(missing(parent))
    }
}

/// `spec` with `value` put at `target`.
fn apply(spec: &mut Value, target: &Target, value: f64) {
    match target {
        Target::Number { path, whole } => {
            let Some((Segment::Key(leaf), parent)) = path.split_last() else {
                return;
            };
            let mut at = &mut *spec;
            for seg in parent {
                at = match seg {
                    Segment::Key(k) => {
                        let map = at.as_object_mut().expect("resolved path");
                        map.entry(k.clone())
                            .or_insert_with(|| Value::Object(Default::default()))
                    }
                    Segment::Index(i) => &mut at[*i],
                };
            }
            let number = if *whole {
                Value::from(value as u64)
            } else {
                Value::from(value)
            };
            at[leaf.as_str()] = number;
        }
        Target::Copies { list, index } => {
            let Some(Value::Array(items)) = list.iter().try_fold(&mut *spec, |v, seg| match seg {
                Segment::Key(k) => v.get_mut(k),
                Segment::Index(i) => v.get_mut(i),
            }) else {
                return;
            };
            let template = items.remove(*index);
            let copies = value as usize;
            for n in (1..=copies).rev() {
                let mut copy = template.clone();
                if copies > 1
                    && let Some(Value::String(name)) = copy.get_mut("name")
                {
                    name.push_str(&n.to_string());
                }
                items.insert(*index, copy);
            }
        }
    }
}

/// Copies change the indices after them, so they go last and from the deepest, highest
/// index down; plain numbers never move anything.
fn application_order(targets: &[Target]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by(|a, b| match (&targets[*a], &targets[*b]) {
        (Target::Number { .. }, Target::Copies { .. }) => std::cmp::Ordering::Less,
        (Target::Copies { .. }, Target::Number { .. }) => std::cmp::Ordering::Greater,
        (
            Target::Copies {
                list: la,
                index: ia,
            },
            Target::Copies {
                list: lb,
                index: ib,
            },
        ) => (lb, ib).cmp(&(la, ia)),
        _ => std::cmp::Ordering::Equal,
    });
    order
}

/// The scenario with `values[i]` put at `targets[i]`, or why the simulator refuses it.
fn variant(spec: &Value, targets: &[Target], values: &[f64]) -> Result<Scenario, Vec<String>> {
    let mut json = spec.clone();
    for i in application_order(targets) {
        apply(&mut json, &targets[i], values[i]);
    }
    let scenario: Scenario = serde_json::from_value(json).map_err(|e| vec![e.to_string()])?;
    let mut problems: Vec<String> = crate::sim::validate(&scenario)
        .into_iter()
        .map(|p| p.to_string())
        .collect();
    if problems.is_empty() {
        problems.extend(
            crate::sim::check_budget(&scenario, &crate::sim::Budget::default())
                .into_iter()
                .map(|p| p.to_string()),
        );
    }
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(problems)
    }
}

/// Validate `explore` (at `at`) against the written scenario and build every variant.
pub fn parse_explore(
    node: &Node,
    at: &KeyPath,
    base: &Scenario,
    loc: &FrontMatterLocator,
) -> Result<Exploration, Vec<Diagnostic>> {
    let raw: Vec<RawParam> =
        yaml::from_node(node, at, loc.spans).map_err(|e| vec![loc.from_yaml_error(&e)])?;
    let mut check = Checker {
        at,
        loc,
        spec: serde_json::to_value(base).unwrap_or(Value::Null),
        problems: Vec::new(),
    };
    if raw.is_empty() || raw.len() > MAX_PARAMETERS {
        check.error(
            at,
            format!("`explore` lists {} parameters", raw.len()),
            "one or two parameters",
        );
    }
    let mut targets = Vec::new();
    let mut axes = Vec::new();
    for (n, param) in raw.iter().enumerate() {
        let (target, axis) = check.param(n, param, &raw[..n]);
        targets.extend(target);
        axes.push(axis);
    }
    let count = variant_count(&axes);
    if count > MAX_VARIANTS {
        check.error(
            at,
            format!("`explore` makes {count} variants (every combination of the values)"),
            &format!("at most {MAX_VARIANTS} variants per chart"),
        );
    }
    if !check.problems.is_empty() {
        return Err(check.problems);
    }
    let variants = check.variants(&raw, &targets, &axes)?;
    Ok(Exploration {
        params: raw.into_iter().map(|p| p.key).zip(axes).collect(),
        variants,
    })
}

/// Chart options that fit the written runs but not every variant (a histogram's `thread`
/// that `copies` renamed): one error at `explore` per distinct problem.
pub fn chart_problems(
    exploration: &Exploration,
    chart: &ChartOptions,
    points: &[RunPoint],
    at: &KeyPath,
    loc: &FrontMatterLocator,
) -> Vec<Diagnostic> {
    let messages: std::collections::BTreeSet<String> = exploration
        .variants
        .iter()
        .flat_map(|v| crate::chart::validate(chart, points, v))
        .map(|p| p.message)
        .collect();
    messages
        .into_iter()
        .map(|m| {
            Diagnostic::error(
                "invalid-explore",
                loc.file,
                loc.key(at),
                format!("in some variants, {m}"),
            )
            .expected("chart options that fit every variant")
        })
        .collect()
}

/// The problems found so far, and what they are checked against.
struct Checker<'a> {
    at: &'a KeyPath,
    loc: &'a FrontMatterLocator<'a>,
    /// The written scenario as JSON.
    spec: Value,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Problems of the whole list point at the `explore` key, the others at their value.
    fn diagnostic(&self, path: &KeyPath, message: String, expected: &str) -> Diagnostic {
        let position = if path == self.at {
            self.loc.key(path)
        } else {
            self.loc.value(path)
        };
        Diagnostic::error("invalid-explore", self.loc.file, position, message)
            .expected(expected.to_string())
    }

    fn error(&mut self, path: &KeyPath, message: String, expected: &str) {
        let d = self.diagnostic(path, message, expected);
        self.problems.push(d);
    }

    /// Parameter `n`: its target (when it and its values are valid) and its axis.
    fn param(
        &mut self,
        n: usize,
        param: &RawParam,
        earlier: &[RawParam],
    ) -> (Option<Target>, Axis) {
        let at = self.at.index(n);
        let before = self.problems.len();
        let target = parse_path(&param.key)
            .ok_or_else(|| format!("`{}` is not a key path", param.key))
            .and_then(|path| resolve(&path, &self.spec));
        let target = target
            .map_err(|why| {
                let message = format!("unknown key path `{}`: {why}", param.key);
                self.error(&at.key("key"), message, EXAMPLES);
            })
            .ok();
        if earlier.iter().any(|p| p.key == param.key) {
            let message = format!("`{}` is explored twice", param.key);
            self.error(
                &at.key("key"),
                message,
                "a different key path for each parameter",
            );
        }
        if param.label.trim().is_empty() {
            let message = "the label is empty".to_string();
            self.error(
                &at.key("label"),
                message,
                "words naming the parameter for the reader",
            );
        }
        let problems = check_values(param, &at, target.as_ref(), self.loc);
        self.problems.extend(problems);
        let default = param
            .default
            .map_or(Some(0), |d| param.values.iter().position(|v| *v == d));
        if default.is_none() {
            let message = format!(
                "the default {} is not among the values",
                crate::chart::plain(param.default.unwrap_or_default())
            );
            self.error(&at.key("default"), message, "one of the `values`");
        }
        let target =
            target.filter(|t| self.problems.len() == before && self.each_value(param, &at, t));
        let axis = Axis {
            label: param.label.clone(),
            unit: param.unit.clone(),
            values: param.values.clone(),
            default: default.unwrap_or(0),
        };
        (target, axis)
    }

    /// Each value alone (the other parameters at their defaults), with its own error;
    /// whether all passed.
    fn each_value(&mut self, param: &RawParam, at: &KeyPath, target: &Target) -> bool {
        let before = self.problems.len();
        for (k, v) in param.values.iter().enumerate() {
            if let Err(why) = variant(&self.spec, std::slice::from_ref(target), &[*v]) {
                let message = format!(
                    "with `{}` = {}: {}",
                    param.key,
                    crate::chart::plain(*v),
                    why.join("; ")
                );
                self.error(
                    &at.key("values").index(k),
                    message,
                    "values the simulator accepts",
                );
            }
        }
        self.problems.len() == before
    }

    /// Every combination's scenario, or the first the simulator refuses.
    fn variants(
        &self,
        raw: &[RawParam],
        targets: &[Target],
        axes: &[Axis],
    ) -> Result<Vec<Scenario>, Vec<Diagnostic>> {
        (0..variant_count(axes))
            .map(|k| {
                let values: Vec<f64> = axes
                    .iter()
                    .zip(variant_values(axes, k))
                    .map(|(a, i)| a.values[i])
                    .collect();
                variant(&self.spec, targets, &values).map_err(|why| {
                    let combination: Vec<String> = raw
                        .iter()
                        .zip(&values)
                        .map(|(p, v)| format!("`{}` = {}", p.key, crate::chart::plain(*v)))
                        .collect();
                    vec![self.diagnostic(
                        self.at,
                        format!("with {}: {}", combination.join(" and "), why.join("; ")),
                        "combinations of values the simulator accepts",
                    )]
                })
            })
            .collect()
    }
}

/// The values list: 2 to 64 distinct finite numbers, whole where the target counts.
fn check_values(
    param: &RawParam,
    at: &KeyPath,
    target: Option<&Target>,
    loc: &FrontMatterLocator,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let values_at = at.key("values");
    let n = param.values.len();
    if !(2..=MAX_VARIANTS).contains(&n) {
        out.push(
            loc.error_at(
                "invalid-explore",
                &values_at,
                format!("`values` has {}", crate::diagnostics::plural(n, "value")),
            )
            .expected(format!(
                "2 to {MAX_VARIANTS} values for the reader to choose from"
            )),
        );
    }
    let whole = matches!(
        target,
        Some(Target::Copies { .. }) | Some(Target::Number { whole: true, .. })
    );
    for (k, v) in param.values.iter().enumerate() {
        let bad = if !v.is_finite() {
            Some("is not a finite number")
        } else if whole && (v.fract() != 0.0 || *v < 0.0 || *v > 1024.0) {
            Some("must be a whole number from 0 to 1024 here")
        } else if param.values[..k].contains(v) {
            Some("is listed twice")
        } else {
            None
        };
        if let Some(why) = bad {
            out.push(
                loc.error_at(
                    "invalid-explore",
                    &values_at.index(k),
                    format!("value {} {why}", crate::chart::plain(*v)),
                )
                .expected("distinct numbers the simulator accepts for this key"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "machine": {"cores": 2},
            "interpreter": {},
            "runs": [
                {"label": "a", "threads": [
                    {"name": "io", "work": [{"io": {"count": 3, "wait_ms": 1.0, "cpu_us": 0.0}}]},
                    {"name": "cpu", "work": [{"cpu_ms": 10.0}]}
                ]},
                {"label": "b", "processes": [
                    {"name": "P", "start": "fork", "threads": [{"name": "main", "work": [{"c_ext": {"ms": 2.0, "releases_gil": true}}]}]}
                ]}
            ]
        })
    }

    fn resolves(path: &str) -> Result<Target, String> {
        resolve(&parse_path(path).expect(path), &spec())
    }

    #[test]
    fn key_paths_parse() {
        assert_eq!(
            parse_path("runs[1].threads[0].copies").unwrap(),
            vec![
                Segment::Key("runs".into()),
                Segment::Index(1),
                Segment::Key("threads".into()),
                Segment::Index(0),
                Segment::Key("copies".into())
            ]
        );
        for bad in ["", "runs[", "runs[x]", "a..b", "runs]1[", "a b"] {
            assert!(parse_path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn numbers_and_copies_resolve_where_they_exist() {
        for ok in [
            "machine.cores",
            "interpreter.switch_interval_ms",
            "runs[0].machine.cores",
            "runs[1].interpreter.switch_interval_ms",
            "runs[0].threads[0].work[0].io.count",
            "runs[0].threads[0].work[0].io.wait_ms",
            "runs[0].threads[1].work[0].cpu_ms",
            "runs[1].processes[0].threads[0].work[0].c_ext.ms",
            "runs[1].processes[0].start_ms",
            "runs[0].threads[1].copies",
            "runs[1].processes[0].copies",
        ] {
            assert!(resolves(ok).is_ok(), "{ok}: {:?}", resolves(ok));
        }
        for bad in [
            "machine.coress",
            "interpreter.gil",
            "runs[5].machine.cores",
            "runs[0].threads[0].work[0].cpu_ms",
            "runs[0].threads[3].copies",
            "runs[0].label",
            "runs[0].threads.count",
            "runs[0].threads[0].name",
            "runs[0].threads[0].start_ms",
        ] {
            assert!(resolves(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn variants_apply_numbers_then_copies() {
        let targets = [
            resolves("runs[0].threads[1].copies").unwrap(),
            resolves("runs[0].threads[1].work[0].cpu_ms").unwrap(),
            resolves("machine.cores").unwrap(),
        ];
        let s = variant(&spec(), &targets, &[3.0, 25.0, 4.0]).unwrap();
        assert_eq!(s.machine.cores, Some(4));
        let threads = s.runs[0].threads.as_ref().unwrap();
        let names: Vec<&str> = threads.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["io", "cpu1", "cpu2", "cpu3"]);
        assert!(
            threads[1..]
                .iter()
                .all(|t| t.work == vec![crate::sim::Step::CpuMs(25.0)])
        );
        let err = variant(&spec(), &targets[2..], &[0.0]).unwrap_err();
        assert!(err[0].contains("`cores` must be at least 1"), "{err:?}");
    }

    fn explored(keys: &[(String, Vec<f64>)]) -> String {
        let list = if keys.is_empty() { " []" } else { "" };
        let mut text = format!("- id: s\n  chart: bars\n  explore:{list}\n");
        for (key, values) in keys {
            let values: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            text.push_str(&format!(
                "    - {{ key: \"{key}\", label: L, values: [{}] }}\n",
                values.join(", ")
            ));
        }
        text.push_str(
            "  runs:\n    - label: a\n      threads:\n        - { name: io, work: [ { io: { count: 2, wait_ms: 1 } } ] }\n        - { name: cpu, work: [ { cpu_ms: 5 } ] }\n",
        );
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Whatever the key paths and values, parsing never panics; it gives one valid
        /// scenario per combination, or located errors.
        #[test]
        fn explore_never_panics_and_locates_every_error(
            keys in prop::collection::vec(
                (
                    prop_oneof![
                        Just("machine.cores".to_string()),
                        Just("interpreter.switch_interval_ms".to_string()),
                        Just("runs[0].threads[1].copies".to_string()),
                        Just("runs[0].threads[0].work[0].io.count".to_string()),
                        Just("runs[0].threads[1].work[0].cpu_ms".to_string()),
                        "[a-z_\\[\\]0-9.]{0,24}",
                    ],
                    prop::collection::vec(
                        prop_oneof![Just(0.0), Just(1.0), Just(2.0), -3.0f64..300.0],
                        0..5,
                    ),
                ),
                0..4,
            )
        ) {
            let text = explored(&keys);
            match crate::content::lesson::parse_simulation_file("s.yaml".as_ref(), &text) {
                Ok(sims) => {
                    let e = sims[0].explore.as_ref().expect("explored");
                    let count: usize = keys.iter().map(|(_, v)| v.len()).product();
                    prop_assert_eq!(e.variants.len(), count);
                    for v in &e.variants {
                        prop_assert!(crate::sim::validate(v).is_empty());
                    }
                    prop_assert_eq!(&sims[0].scenario, &e.variants[e.default_index()]);
                }
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    for p in problems {
                        prop_assert!(p.position.line >= 1, "{:?}", p);
                    }
                }
            }
        }
    }
}
