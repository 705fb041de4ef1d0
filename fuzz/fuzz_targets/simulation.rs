//! Simulation spec parsing, validation and a run under a small budget.
#![no_main]

use crescu::content::lesson::parse_simulation_file;
use crescu::sim::{self, Budget};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(sims) = parse_simulation_file(Path::new("fuzz.yaml"), text) else {
        return;
    };
    // Small enough that every accepted input runs in milliseconds.
    let budget = Budget {
        max_events: 20_000,
        max_simulated_s: 2.0,
    };
    for s in &sims {
        if let Ok(result) = sim::run(&s.scenario, s.seed, &budget) {
            let _ = crescu::simulations::draw(s, &result);
        }
    }
});
