//! From the repetitions of one run to the figures a measurement file keeps: for each
//! figure its median and range over the repetitions. Pure.

use super::runner::{RawRun, RawThread};
use crate::content::measured::{Latency, MeasuredRun, MeasuredThread, Stat};

/// Three decimals: microseconds for millisecond figures; enough, and stable in text.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Median (mean of the middle two for an even count), min and max; `None` when empty.
pub fn stat(values: &[f64]) -> Option<Stat> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(Stat {
        median: round(median),
        min: round(v[0]),
        max: round(v[n - 1]),
    })
}

/// Nearest-rank percentile (as the simulator computes it), `q` in 0..=1.
fn percentile(samples: &[f64], q: f64) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = (q * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

/// The figures of run `label` over its repetitions (each the same program, so each
/// reports the same threads in the same order).
pub fn summarize(label: &str, reps: &[RawRun]) -> MeasuredRun {
    let walls: Vec<f64> = reps.iter().map(|r| r.wall_ms).collect();
    let Some(first) = reps.first() else {
        return MeasuredRun {
            label: label.to_string(),
            not_measurable: Some("no repetition finished".into()),
            ..MeasuredRun::default()
        };
    };
    let threads = (0..first.threads.len())
        .map(|i| {
            let same: Vec<&RawThread> = reps.iter().filter_map(|r| r.threads.get(i)).collect();
            thread_figures(same)
        })
        .collect();
    let of_runs = |f: &dyn Fn(&RawRun) -> Option<f64>| -> Option<Stat> {
        stat(&reps.iter().filter_map(f).collect::<Vec<f64>>())
    };
    let pooled = |r: &RawRun| -> Vec<f64> {
        r.threads
            .iter()
            .flat_map(|t| t.latencies_ms.iter().copied())
            .collect()
    };
    let latency = |q: f64| {
        of_runs(&|r: &RawRun| {
            let all = pooled(r);
            (!all.is_empty()).then(|| percentile(&all, q))
        })
    };
    MeasuredRun {
        label: label.to_string(),
        not_measurable: None,
        wall_ms: stat(&walls),
        cpu_ms: of_runs(&|r: &RawRun| r.threads.iter().map(|t| t.cpu_ms).sum::<Option<f64>>()),
        latency_ms: latency_triple(latency(0.5), latency(0.99), latency(1.0)),
        ops_per_s: of_runs(&|r: &RawRun| {
            let ops: u64 = r.threads.iter().map(|t| t.io_ops).sum();
            (ops > 0 && r.wall_ms > 0.0).then(|| ops as f64 / (r.wall_ms / 1000.0))
        }),
        threads,
    }
}

fn latency_triple(p50: Option<Stat>, p99: Option<Stat>, max: Option<Stat>) -> Option<Latency> {
    Some(Latency {
        p50: p50?,
        p99: p99?,
        max: max?,
    })
}

fn thread_figures(reps: Vec<&RawThread>) -> MeasuredThread {
    let of = |f: &dyn Fn(&RawThread) -> Option<f64>| -> Option<Stat> {
        let v: Vec<f64> = reps.iter().filter_map(|t| f(t)).collect();
        stat(&v)
    };
    let io_ops = reps.first().map_or(0, |t| t.io_ops);
    let latency = |q: f64| {
        of(&|t: &RawThread| (!t.latencies_ms.is_empty()).then(|| percentile(&t.latencies_ms, q)))
    };
    let latency_ms = latency_triple(latency(0.5), latency(0.99), latency(1.0));
    MeasuredThread {
        name: reps.first().map(|t| t.name.clone()).unwrap_or_default(),
        process: reps.first().map(|t| t.process.clone()).unwrap_or_default(),
        finish_ms: of(&|t: &RawThread| Some(t.finish_ms)).unwrap_or(Stat {
            median: 0.0,
            min: 0.0,
            max: 0.0,
        }),
        cpu_ms: of(&|t: &RawThread| t.cpu_ms),
        io_ops,
        ops_per_s: of(&|t: &RawThread| {
            (t.io_ops > 0 && t.finish_ms > 0.0).then(|| t.io_ops as f64 / (t.finish_ms / 1000.0))
        }),
        latency_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(finish: f64, lat: Vec<f64>, ops: u64) -> RawThread {
        RawThread {
            name: "T1".into(),
            process: "main".into(),
            finish_ms: finish,
            cpu_ms: Some(finish / 2.0),
            io_ops: ops,
            latencies_ms: lat,
        }
    }

    #[test]
    fn median_and_range() {
        let s = stat(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(stat(&[1.0, 2.0, 4.0, 9.0]).unwrap().median, 3.0);
        assert_eq!(stat(&[]), None);
        assert_eq!(stat(&[0.123_456_7]).unwrap().median, 0.123);
    }

    #[test]
    fn repetitions_are_summarised_per_thread() {
        let reps = vec![
            RawRun {
                wall_ms: 100.0,
                threads: vec![thread(100.0, vec![1.0, 2.0, 9.0], 3)],
            },
            RawRun {
                wall_ms: 120.0,
                threads: vec![thread(120.0, vec![1.0, 4.0, 5.0], 3)],
            },
            RawRun {
                wall_ms: 110.0,
                threads: vec![thread(110.0, vec![2.0, 2.0, 2.0], 3)],
            },
        ];
        let run = summarize("2 threads", &reps);
        assert_eq!(run.wall_ms.unwrap().median, 110.0);
        let t = &run.threads[0];
        assert_eq!((t.finish_ms.min, t.finish_ms.max), (100.0, 120.0));
        assert_eq!(t.cpu_ms.unwrap().median, 55.0);
        let lat = t.latency_ms.unwrap();
        // Per repetition p50 = 2, 4, 2 and max = 9, 5, 2.
        assert_eq!((lat.p50.median, lat.p50.max), (2.0, 4.0));
        assert_eq!((lat.max.median, lat.max.min, lat.max.max), (5.0, 2.0, 9.0));
        // 3 ops in 0.1 s = 30/s.
        assert_eq!(t.ops_per_s.unwrap().max, 30.0);
        // Run-level figures pool the threads: one thread here, so the same.
        assert_eq!(run.latency_ms.unwrap().p50.max, 4.0);
        assert_eq!(run.cpu_ms.unwrap().median, 55.0);
        assert_eq!(run.ops_per_s.unwrap().max, 30.0);
    }

    #[test]
    fn threads_without_io_have_no_latency_or_rate() {
        let reps = vec![RawRun {
            wall_ms: 5.0,
            threads: vec![thread(5.0, vec![], 0)],
        }];
        let t = &summarize("a", &reps).threads[0];
        assert!(t.latency_ms.is_none() && t.ops_per_s.is_none());
    }
}
