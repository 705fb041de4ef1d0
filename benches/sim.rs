//! Simulator speed: events per second on a switch-heavy scenario, and the wall time to
//! simulate 10 s of two CPU-bound threads plus an I/O thread under the old GIL.
//!
//! Run: `cargo bench --bench sim -- --quick` (targets: >= 10 M events/s, < 50 ms).

use std::hint::black_box;
use std::time::Duration;

use crescu::sim::{self, Budget, GilKind, Interpreter, RunSpec, Scenario, Step, ThreadSpec};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn thread(name: &str, work: Vec<Step>) -> ThreadSpec {
    ThreadSpec {
        name: name.to_string(),
        work,
    }
}

fn scenario(gil: GilKind, interval_ms: f64, threads: Vec<ThreadSpec>) -> Scenario {
    Scenario {
        interpreter: Interpreter {
            gil: Some(gil),
            switch_interval_ms: Some(interval_ms),
            ..Interpreter::default()
        },
        runs: vec![RunSpec {
            label: "bench".to_string(),
            interpreter: None,
            machine: None,
            threads: Some(threads),
            processes: None,
            interpreters: None,
        }],
        ..Scenario::default()
    }
}

/// 10 s of CPU work in two threads plus 10,000 I/O operations, old GIL.
fn old_gil_ten_seconds() -> Scenario {
    let io = Step::Io(sim::IoStep {
        count: 10_000,
        wait_ms: 0.5,
        cpu_us: 10.0,
    });
    scenario(
        GilKind::Old,
        5.0,
        vec![
            thread("cpu1", vec![Step::CpuMs(5000.0)]),
            thread("cpu2", vec![Step::CpuMs(5000.0)]),
            thread("io", vec![io]),
        ],
    )
}

/// Four CPU threads at a 1 µs switch interval: a hand-off every few tens of µs.
fn switch_storm() -> Scenario {
    scenario(
        GilKind::New,
        0.001,
        (1..=4)
            .map(|i| thread(&format!("T{i}"), vec![Step::CpuMs(250.0)]))
            .collect(),
    )
}

fn benches(c: &mut Criterion) {
    let budget = Budget::default();

    let storm = switch_storm();
    let events = sim::run(&storm, 1, &budget).expect("runs").runs[0].events;
    let mut group = c.benchmark_group("events");
    group.throughput(Throughput::Elements(events));
    group.bench_function("new_gil_1us_4_threads", |b| {
        b.iter(|| sim::run(black_box(&storm), 1, &budget).expect("runs"))
    });
    group.finish();

    let old = old_gil_ten_seconds();
    let mut group = c.benchmark_group("scenario");
    group.bench_function("old_gil_10s_2cpu_1io", |b| {
        b.iter(|| sim::run(black_box(&old), 1, &budget).expect("runs"))
    });
    group.finish();
}

criterion_group! {
    name = sim_benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(sim_benches);
