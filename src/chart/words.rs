//! The words a chart writes itself (headings, state names, notes), in the course's
//! language. Charts know no language table: whoever draws them fills a [`ChartWords`]
//! from one; the default is English.

use std::collections::BTreeMap;

use super::svg::{self, Tick};
use crate::sim::ThreadState;

/// Every word of a chart by key, with its English text. `{name}` marks a value put in.
const ENGLISH: &[(&str, &str)] = &[
    // Between the whole and the fractional part of every number a chart prints.
    ("chart_decimal_separator", "."),
    ("chart_data", "Data"),
    ("chart_key_figures", "Key figures for every value"),
    ("chart_shown", " (shown)"),
    (
        "chart_simulated_by",
        "Simulated by crescu's GIL model ({model}), spec {spec}",
    ),
    (
        "chart_measured_on",
        "; measured on {python}, {cores} cores, {date} (median of {repeat} repetitions, load {load})",
    ),
    ("chart_python_and", "{one} and {two}"),
    (
        "chart_timeline_simulated_only",
        "; the timeline is simulated only: a program cannot see who holds the lock",
    ),
    ("chart_state_running_python", "running Python"),
    ("chart_state_waiting_gil", "waiting for the GIL"),
    ("chart_state_blocked", "blocked (I/O, sleep)"),
    ("chart_state_running_c", "running C without the GIL"),
    ("chart_state_runnable", "ready, no free core"),
    ("chart_state_starting", "starting"),
    ("chart_time_ms", "time (ms)"),
    (
        "chart_timeline_key",
        "the run took {time}; the GIL changed hands {switches} times",
    ),
    (
        "chart_timeline_desc",
        "Timeline of run “{run}” ({threads}{groups}), from {from} to {to} ms of its {wall} ms; each lane shows what one thread was doing.",
    ),
    ("chart_one_thread", "{n} thread"),
    ("chart_threads", "{n} threads"),
    ("chart_in_processes", " in {n} processes"),
    ("chart_in_interpreters", " in {n} interpreters"),
    ("chart_process", "process {name}"),
    ("chart_interpreter", "interpreter {name}"),
    ("chart_not_running", "not running in this window"),
    (
        "chart_timeline_switches",
        " The GIL changed hands {switches} times in the whole run.",
    ),
    (
        "chart_state_tip",
        "{lane}, {state}: {time} ({share} of the window)",
    ),
    ("chart_percent", "{p}%"),
    ("chart_under_1_percent", "under 1%"),
    ("chart_thread", "Thread"),
    ("chart_finished_at", "finished at (ms)"),
    ("chart_whole_run", "whole run"),
    (
        "chart_time_in_states",
        "time in each state, {from} to {to} ms",
    ),
    ("chart_run", "Run"),
    ("chart_series", "series"),
    ("chart_baseline", "{run} (baseline)"),
    ("chart_ratio_to", "ratio to “{baseline}”"),
    ("chart_real_value", " · real {value}"),
    ("chart_measured_tip", "{run}, measured on CPython: {value}"),
    ("chart_bars_note", "{what} per run."),
    (
        "chart_bars_note_ratios",
        "{what} per run, compared with the baseline (dashed marks); below 1.00x: {lower}.",
    ),
    (
        "chart_bars_note_measured",
        "{what} per run: bars simulated, diamonds measured on CPython (median; line: fastest to slowest repetition).",
    ),
    (
        "chart_bars_note_measured_ratios",
        "{what} per run: bars simulated, diamonds measured on CPython (median; line: fastest to slowest repetition), compared with the baseline (dashed marks); below 1.00x: {lower}.",
    ),
    (
        "chart_measured_median",
        " Measured on CPython (median): {values}.",
    ),
    (
        "chart_bars_desc",
        "{what} per run, compared with “{baseline}” ({value}):",
    ),
    (
        "chart_bars_desc_no_ratios",
        "{what} per run (no ratios: “{baseline}” was 0):",
    ),
    ("chart_measured_head", "measured on CPython: median (range)"),
    ("chart_simulated_series", "{name} (simulated)"),
    (
        "chart_measured_legend",
        "measured on CPython (median, range)",
    ),
    ("chart_measured_point", "measured on CPython {value}"),
    ("chart_runs", "runs"),
    ("chart_lines_desc", "{what} against {x}."),
    ("chart_series_named", " Series “{name}”"),
    ("chart_series_it", " It"),
    ("chart_times_first", " ({ratio} the first)"),
    (
        "chart_series_goes",
        "{name} goes from {from} at {x} = {x_from} to {to} at {x} = {x_to}{change}:",
    ),
    ("chart_series_one_point", "{name} has one point:"),
    (
        "chart_histogram_note",
        "Calls per delay bucket ({calls} calls). Log-scaled buckets in 1-2-5 steps.",
    ),
    (
        "chart_histogram_axis",
        "delay until running Python again (log scale)",
    ),
    (
        "chart_histogram_key",
        "median {p50}, 99th percentile {p99}, longest {max}",
    ),
    (
        "chart_histogram_desc",
        "I/O latency of thread “{thread}” in run “{run}”: for each of its {calls} blocking calls (I/O and sleeps), the delay from the call's completion until the thread ran Python again. Median {p50}, 99th percentile {p99}, longest {max}. Buckets are log-scaled in 1-2-5 steps; the fullest, {bucket}, holds {count} calls.",
    ),
    (
        "chart_histogram_measured",
        " Measured on CPython (median of the repetitions): median {p50} ms, 99th percentile {p99} ms, longest {max} ms.",
    ),
    ("chart_measured_row", "measured on CPython: {name}, ms"),
    ("chart_median", "median"),
    ("chart_p99", "99th percentile"),
    ("chart_longest", "longest"),
    ("chart_bucket", "{from} to {to}"),
    ("chart_one_call", "{bucket}: {n} call"),
    ("chart_calls_tip", "{bucket}: {n} calls"),
    ("chart_stat", "{median} ({min} to {max})"),
    ("chart_delay", "Delay"),
    ("chart_calls", "Calls"),
    ("chart_measure_wall", "wall time"),
    ("chart_measure_switches", "GIL switches"),
    ("chart_measure_cpu", "CPU time of all threads"),
    (
        "chart_measure_wait",
        "time spent waiting for the GIL, all threads",
    ),
    (
        "chart_measure_p50",
        "median delay from I/O completion to running Python",
    ),
    (
        "chart_measure_p99",
        "99th-percentile delay from I/O completion to running Python",
    ),
    (
        "chart_measure_max",
        "longest delay from I/O completion to running Python",
    ),
    ("chart_measure_ops", "blocking I/O calls per second"),
    ("chart_short_wall", "wall time"),
    ("chart_short_switches", "GIL switches"),
    ("chart_short_cpu", "CPU time"),
    ("chart_short_wait", "time waiting for the GIL"),
    ("chart_short_p50", "typical delay (median)"),
    ("chart_short_p99", "long delay (99th percentile)"),
    ("chart_short_max", "longest delay"),
    ("chart_short_ops", "I/O calls per second"),
    ("chart_as_much", "{ratio} as much"),
    ("chart_as_many", "{ratio} as many"),
    ("chart_as_long", "{ratio} as long"),
    ("chart_lower_time", "less time"),
    ("chart_lower_delay", "a shorter delay"),
    ("chart_lower_switches", "fewer switches"),
    ("chart_lower_calls", "fewer calls per second"),
];

/// The words of a chart, looked up by key (see [`ENGLISH`] for the keys).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChartWords {
    words: BTreeMap<&'static str, String>,
}

impl Default for ChartWords {
    fn default() -> Self {
        ChartWords::from_lookup(|_| None)
    }
}

impl ChartWords {
    /// The words `lookup` gives by key, English where it gives none.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ChartWords {
        let words = ENGLISH
            .iter()
            .map(|(key, english)| (*key, lookup(key).unwrap_or_else(|| english.to_string())))
            .collect();
        ChartWords { words }
    }

    /// Every key, for checking a language table has them all.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        ENGLISH.iter().map(|(key, _)| *key)
    }

    /// The text of `key` (empty for a key that is not in [`ENGLISH`]).
    pub fn get(&self, key: &str) -> &str {
        self.words.get(key).map_or("", String::as_str)
    }

    /// The text of `key` with each `{name}` replaced by its value, in one pass (so a
    /// value holding braces is never read as a placeholder); unknown names stay as they are.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut rest = self.get(key);
        let mut out = String::with_capacity(rest.len());
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                let (_, value) = values.iter().find(|(n, _)| *n == name)?;
                Some((value, close))
            });
            match value {
                Some((value, close)) => {
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A number formatted by [`svg`] (digits, sign, one `.`, a unit) with the language's
    /// decimal separator.
    pub fn number(&self, formatted: String) -> String {
        match self.get("chart_decimal_separator") {
            "." | "" => formatted,
            separator => formatted.replace('.', separator),
        }
    }

    /// [`svg::value`] in this language.
    pub fn value(&self, v: f64) -> String {
        self.number(svg::value(v))
    }

    /// [`svg::plain`] in this language.
    pub fn plain(&self, v: f64) -> String {
        self.number(svg::plain(v))
    }

    /// [`svg::ratio`] in this language.
    pub fn ratio(&self, r: f64) -> String {
        self.number(svg::ratio(r))
    }

    /// [`svg::duration`] in this language.
    pub fn duration(&self, ns: f64) -> String {
        self.number(svg::duration(ns))
    }

    /// Axis ticks with their labels in this language.
    pub fn ticks(&self, ticks: Vec<Tick>) -> Vec<Tick> {
        ticks
            .into_iter()
            .map(|t| Tick {
                label: self.number(t.label),
                ..t
            })
            .collect()
    }

    /// Words for a state, as a legend and a sentence use them.
    pub fn state(&self, state: ThreadState) -> &str {
        self.get(match state {
            ThreadState::RunningPython => "chart_state_running_python",
            ThreadState::WaitingGil => "chart_state_waiting_gil",
            ThreadState::Blocked => "chart_state_blocked",
            ThreadState::RunningC => "chart_state_running_c",
            ThreadState::Runnable => "chart_state_runnable",
            ThreadState::Starting => "chart_state_starting",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_by_default_and_filled_in() {
        let words = ChartWords::default();
        assert_eq!(words.get("chart_data"), "Data");
        assert_eq!(
            words.fill("chart_baseline", &[("run", "one thread")]),
            "one thread (baseline)"
        );
        assert_eq!(words.state(ThreadState::Starting), "starting");
        let braces = words.fill("chart_baseline", &[("run", "{run} {x")]);
        assert_eq!(braces, "{run} {x (baseline)");
    }

    #[test]
    fn a_lookup_replaces_only_what_it_gives() {
        let words = ChartWords::from_lookup(|k| (k == "chart_data").then(|| "Daten".into()));
        assert_eq!(words.get("chart_data"), "Daten");
        assert_eq!(words.get("chart_run"), "Run");
        assert_ne!(words, ChartWords::default());
    }

    #[test]
    fn numbers_take_the_decimal_separator_of_the_language() {
        let english = ChartWords::default();
        assert_eq!(english.duration(1_250_000.0), "1.25 ms");
        let german =
            ChartWords::from_lookup(|k| (k == "chart_decimal_separator").then(|| ",".to_string()));
        assert_eq!(german.duration(1_250_000.0), "1,25 ms");
        assert_eq!(german.ratio(0.5), english.ratio(0.5).replace('.', ","));
        assert_eq!(german.value(1031.0), english.value(1031.0));
    }

    #[test]
    fn keys_are_unique() {
        let keys: std::collections::BTreeSet<_> = ChartWords::keys().collect();
        assert_eq!(keys.len(), ENGLISH.len());
    }
}
