//! What a real interpreter was seen to do in one run of a scenario: plain data shared by
//! the command that measures it (`measure`), the files that keep it (`content::measured`)
//! and the charts that show it beside the simulation (`chart`).

use serde::{Deserialize, Serialize};

/// Median and range over the repetitions, written `median (min to max)` so that a file
/// stays short enough to read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} to {})", self.median, self.min, self.max)
    }
}

impl std::str::FromStr for Stat {
    type Err = String;

    fn from_str(s: &str) -> Result<Stat, String> {
        let bad = || format!("`{s}` is not a figure of the form `median (min to max)`");
        let (median, range) = s.trim().split_once(" (").ok_or_else(bad)?;
        let (min, max) = range
            .strip_suffix(')')
            .and_then(|r| r.split_once(" to "))
            .ok_or_else(bad)?;
        let num = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(bad)
        };
        let stat = Stat {
            median: num(median)?,
            min: num(min)?,
            max: num(max)?,
        };
        if stat.min <= stat.median && stat.median <= stat.max {
            Ok(stat)
        } else {
            Err(format!(
                "`{s}`: the median must lie between the smallest and the largest value"
            ))
        }
    }
}

impl Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Stat, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredRun {
    pub label: String,
    /// Why the run could not be measured here; then no figures follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_measurable: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<Stat>,
    /// CPU time of all threads together (not on Python 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<Stat>,
    /// Latencies of every thread's blocking calls and sleeps, pooled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Latency>,
    /// Blocking I/O calls of all threads per second of wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops_per_s: Option<Stat>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<MeasuredThread>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredThread {
    pub name: String,
    pub process: String,
    /// When the thread finished, from the start of the run.
    pub finish_ms: Stat,
    /// CPU time of the thread (not on Python 2, which cannot tell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<Stat>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub io_ops: u64,
    /// Blocking I/O calls per second of the thread's life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops_per_s: Option<Stat>,
    /// How late the thread ran again after each blocking call or sleep completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Latency>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    pub p50: Stat,
    pub p99: Stat,
    pub max: Stat,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
