//! What a simulation returns: per-run and per-thread measures and the timeline.

use serde::Serialize;

/// What a thread is doing during a span of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadState {
    /// Holds the GIL (or needs none) and runs on a core: Python, or C that keeps the GIL.
    RunningPython,
    /// Wants the GIL and does not have it (including the wake-up after being signalled).
    WaitingGil,
    /// In a blocking call (I/O or sleep), GIL released.
    Blocked,
    /// Runs C code on a core without the GIL.
    RunningC,
    /// Ready to run (holding the GIL if it needs it) but not on a core.
    Runnable,
    /// Its process (or the thread itself) is still starting.
    Starting,
}

/// A half-open interval `[start_ns, end_ns)` in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start_ns: u64,
    pub end_ns: u64,
    pub state: ThreadState,
}

/// One thread's timeline; adjacent spans always differ in state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lane {
    pub process: String,
    /// The subinterpreter of `process` the thread runs in; `None` for the main one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subinterpreter: Option<String>,
    pub thread: String,
    pub segments: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadResult {
    pub name: String,
    pub process: String,
    /// The subinterpreter of `process` the thread runs in; `None` for the main one.
    pub subinterpreter: Option<String>,
    /// Time on a core running this thread's Python or C work (includes slowdowns).
    pub cpu_ns: u64,
    /// Work done, in single-threaded nanoseconds of the spec (times `ft_slowdown` for
    /// Python in free-threaded builds).
    pub work_ns: u64,
    /// Time spent wanting the GIL without having it.
    pub gil_wait_ns: u64,
    pub acquisitions: u64,
    /// Times the thread dropped the GIL because another asked for it.
    pub forced_drops: u64,
    /// Blocking I/O calls made (`io` steps; sleeps are not counted).
    pub io_ops: u64,
    /// Per blocking call (I/O and sleep): from its completion to running Python again.
    pub io_latencies_ns: Vec<u64>,
    /// When the thread finished.
    pub end_ns: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    pub label: String,
    pub wall_ns: u64,
    /// Changes of GIL holder, summed over processes.
    pub gil_switches: u64,
    /// Events processed by the engine.
    pub events: u64,
    pub threads: Vec<ThreadResult>,
    pub timeline: Vec<Lane>,
    /// Per core: time spent running thread work.
    pub core_busy_ns: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimResult {
    pub runs: Vec<RunResult>,
}

/// Nearest-rank percentile of unsorted samples (`q` in 0..=1); 0 when empty.
pub fn percentile(samples: &[u64], q: f64) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl ThreadResult {
    /// (p50, p99, max) of the blocking-call latencies, in nanoseconds.
    pub fn latency_summary(&self) -> (u64, u64, u64) {
        let s = &self.io_latencies_ns;
        (
            percentile(s, 0.5),
            percentile(s, 0.99),
            s.iter().copied().max().unwrap_or(0),
        )
    }
}

impl Lane {
    /// Total time spent in `state`.
    pub fn time_in(&self, state: ThreadState) -> u64 {
        self.segments
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.end_ns - s.start_ns)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[7], 0.99), 7);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
