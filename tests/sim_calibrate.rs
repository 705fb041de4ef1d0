//! Smoke test of the calibration inputs: every simulation of scripts/calibrate.yaml runs,
//! and scripts/calibrate.py has a real program for each of its runs.

use crescu::sim::{self, Budget, Scenario};

#[test]
fn calibration_scenarios_run_and_have_programs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let yaml = std::fs::read_to_string(format!("{root}/scripts/calibrate.yaml")).unwrap();
    let script = std::fs::read_to_string(format!("{root}/scripts/calibrate.py")).unwrap();
    let docs: Vec<serde_yaml::Mapping> = serde_yaml::from_str(&yaml).unwrap();
    assert!(!docs.is_empty());
    for mut doc in docs {
        let id = doc
            .remove("id")
            .and_then(|v| v.as_str().map(String::from))
            .unwrap();
        doc.remove("title");
        let scenario: Scenario = serde_yaml::from_value(serde_yaml::Value::Mapping(doc)).unwrap();
        let result = sim::run(&scenario, 1, &Budget::default()).unwrap();
        for run in &result.runs {
            let key = format!("(\"{id}\", \"{}\")", run.label);
            assert!(
                script.contains(&key),
                "calibrate.py has no program for {key}"
            );
        }
    }
}
