//! What an author asks of a chart, as written under a simulation's `chart:` key.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// One lane per thread, coloured by state over time.
    #[default]
    Timeline,
    /// One bar per run of a measure (wall time by default), with speed-ups.
    Bars,
    /// A measure against each run's numeric `x`, one line per `series`.
    Lines,
    /// Distribution of a thread's I/O latencies.
    Histogram,
}

/// Full chart options. `chart: bars` is short for `chart: { kind: bars }`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartOptions {
    #[serde(default)]
    pub kind: ChartKind,
    /// Timeline and histogram: the run to show (its label); default the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Histogram: the thread whose I/O latencies to show, by name (or `process/name` when
    /// several processes have a thread of that name); default the first that did I/O.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Timeline: the window to draw, `[from, to]` in milliseconds (0 <= from < to); default
    /// the whole run. Drawn as asked, even past the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_ms: Option<[f64; 2]>,
    /// Bars and lines: the measure to plot (see [`Measure`]); default `wall_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// Bars: the run (label) speed-ups are relative to; default the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Lines: the name of the x axis ("threads", "switch interval (ms)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_label: Option<String>,
}

/// The chart key accepts a kind alone or the full options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChartSpec {
    Kind(ChartKind),
    Options(ChartOptions),
}

impl Default for ChartSpec {
    fn default() -> Self {
        ChartSpec::Kind(ChartKind::Timeline)
    }
}

impl ChartSpec {
    pub fn options(&self) -> ChartOptions {
        match self {
            ChartSpec::Kind(kind) => ChartOptions {
                kind: *kind,
                ..ChartOptions::default()
            },
            ChartSpec::Options(o) => o.clone(),
        }
    }
}

/// Measures a bars or lines chart can plot: run-level, or per thread summed / maxed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Wall time of the run.
    #[default]
    WallMs,
    /// Changes of GIL holder.
    GilSwitches,
    /// CPU time summed over threads.
    CpuMs,
    /// Time waiting for the GIL, summed over threads.
    GilWaitMs,
    /// Median latency from I/O completion to running Python again, over all threads.
    IoLatencyP50Ms,
    /// 99th percentile of that latency.
    IoLatencyP99Ms,
    /// Largest such latency.
    IoLatencyMaxMs,
    /// Blocking calls completed per second of wall time.
    IoOpsPerS,
}

/// Presentation data an author gives per run (`x:` and `series:` beside `label:`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunPoint {
    pub x: Option<f64>,
    pub series: Option<String>,
}
