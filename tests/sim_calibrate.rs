//! The calibration course (`calibration/`): scenarios measured on real CPython with
//! `crescu measure --root calibration`, whose measurement files are committed. No Python
//! runs here: the measurements are data. This checks that they stay usable: every
//! simulation of the course has a measurement of its current scenario (an edited
//! scenario without a new measurement fails), and the comparison with the simulator
//! (`crescu measure --root calibration --compare`) covers every figure a program can see.

use crescu::measure::{MeasureOptions, compare, comparison_table};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

fn options() -> MeasureOptions {
    MeasureOptions {
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("calibration"),
        lesson: None,
        sim: None,
        repeat: 1,
        python: None,
        python2: None,
        patience: Duration::ZERO,
        quiet_share: 1.0,
        progress: false,
    }
}

#[test]
fn every_calibration_simulation_has_a_current_measurement() {
    let course = crescu::content::load(&options().root, &Default::default())
        .expect("the calibration course loads")
        .0;
    let mut ids = BTreeSet::new();
    for (_, lesson) in course.lessons() {
        for sim in &lesson.simulations {
            ids.insert(sim.id.clone());
            let m = crescu::content::measured::current(&lesson.measured, &sim.id, &sim.scenario)
                .unwrap_or_else(|| panic!("`{}` has no measurement of its scenario: run `crescu measure --root calibration --sim {}`", sim.id, sim.id));
            assert_eq!(m.runs.len(), sim.scenario.runs.len(), "{}", sim.id);
            assert!(m.repeat >= 5, "{}: measured {} times", sim.id, m.repeat);
            assert!(
                m.load.busiest <= 0.15 && !m.load.busy,
                "{}: measured on a busy machine",
                sim.id
            );
            // Every run this machine kind (2 cores, CPython 3.11 and 2.7) can do was done.
            for run in &m.runs {
                assert!(
                    run.wall_ms.is_some(),
                    "{} / {}: {:?}",
                    sim.id,
                    run.label,
                    run.not_measurable
                );
            }
        }
    }
    let rows = compare(&options()).expect("the course simulates");
    let compared: BTreeSet<String> = rows.iter().map(|r| r.simulation.clone()).collect();
    assert_eq!(compared, ids, "{}", comparison_table(&rows));
    // Latency figures are compared wherever a thread made blocking calls.
    assert!(
        rows.iter().any(|r| r.figure.ends_with("latency p99")),
        "{}",
        comparison_table(&rows)
    );
}
