//! The GIL simulator: a deterministic discrete-event model of CPython's global
//! interpreter lock on a multi-core machine. Pure library: it knows nothing of files,
//! YAML text, Markdown or HTML.
//!
//! - [`spec`]: the input types ([`Scenario`], [`Machine`], [`Interpreter`], [`RunSpec`]).
//! - [`validate()`]: every problem of a scenario, located by key path.
//! - [`run`]: simulate every run of a scenario.
//! - [`report`]: the JSON and text reports of results.

pub mod engine;
pub mod measure;
mod model;
pub mod report;
pub mod spec;
pub mod validate;

pub use measure::{Lane, RunResult, SimResult, Span, ThreadResult, ThreadState, percentile};
pub use report::{json_report, text_report};
pub use spec::{
    CExtStep, GilKind, Interpreter, InterpreterParams, IoStep, Machine, MachineParams, ProcessSpec,
    RepeatStep, RunSpec, Scenario, StartMethod, Step, ThreadSpec,
};
pub use validate::{Problem, RunEstimate, check_budget, estimate, validate};

/// Version of the simulator's behaviour; bump whenever results may change (it is part
/// of cache keys).
pub const VERSION: &str = "sim-1";

/// Limits on one run, checked by estimate before running and enforced while running.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub max_events: u64,
    pub max_simulated_s: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_events: 50_000_000,
            max_simulated_s: 600.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The scenario has problems; nothing was simulated.
    #[error("invalid simulation: {}", join(.0))]
    Invalid(Vec<Problem>),
    /// A run exceeded (or would exceed) the budget.
    #[error("run `{run}` is over the simulation budget: {message}")]
    Budget { run: String, message: String },
    /// A thread never finished (a bug in the model; reported rather than hanging).
    #[error("run `{run}`: thread `{thread}` never finished")]
    Stuck { run: String, thread: String },
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Simulates every run of `scenario`. Validates first (all problems, then the budget
/// estimate); the same scenario and seed always give the same result.
pub fn run(scenario: &Scenario, seed: u64, budget: &Budget) -> Result<SimResult, SimError> {
    let problems = validate(scenario);
    if !problems.is_empty() {
        return Err(SimError::Invalid(problems));
    }
    let over = check_budget(scenario, budget);
    if !over.is_empty() {
        return Err(SimError::Invalid(over));
    }
    let mut runs = Vec::with_capacity(scenario.runs.len());
    for (index, spec) in scenario.runs.iter().enumerate() {
        let (machine, interp) = scenario.resolved(index);
        let sim = model::Sim::new(spec, machine, interp, seed, index);
        runs.push(sim.run(&spec.label, budget)?);
    }
    Ok(SimResult { runs })
}
