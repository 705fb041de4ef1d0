//! The calibration course (`calibration/`): scenarios measured on real CPython with
//! `crescu measure --root calibration`, whose measurement files are committed. The
//! simulator must agree with them: every simulated figure within 20% of the measured
//! median, or inside the measured range where the repetitions spread wider. No Python
//! runs here; the measurements are data.

use crescu::measure::{MeasureOptions, compare, comparison_table};
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
fn the_simulator_agrees_with_the_measured_calibration_set() {
    let rows = compare(&options()).expect("the calibration course loads and simulates");
    // Every simulation of the course is measured (a stale file would drop its rows).
    let simulations: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.simulation.as_str()).collect();
    for id in [
        "cpu-threads",
        "cpu-processes",
        "io-convoy-5ms",
        "sleepers",
        "hashing-5ms",
        "sleep-beside-cpu",
    ] {
        assert!(
            simulations.contains(id),
            "no current measurement of `{id}`:\n{}",
            comparison_table(&rows)
        );
    }
    let off: Vec<_> = rows.iter().filter(|r| !r.agrees()).collect();
    assert!(
        off.is_empty(),
        "{} of {} figures disagree:\n{}",
        off.len(),
        rows.len(),
        comparison_table(&rows)
    );
}
