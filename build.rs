//! Build script: fingerprints the simulator and chart sources, so the on-disk cache of
//! simulation figures is invalidated whenever either changes (not only when someone
//! remembers to bump a version number).

use std::path::Path;

fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn hash_dir(dir: &Path, mut hash: u64) -> u64 {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash = hash_dir(&path, hash);
        } else if path.extension().is_some_and(|e| e == "rs") {
            hash = fnv1a(hash, path.to_string_lossy().as_bytes());
            hash = fnv1a(hash, &std::fs::read(&path).unwrap_or_default());
        }
    }
    hash
}

fn main() {
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for dir in ["src/sim", "src/chart"] {
        println!("cargo:rerun-if-changed={dir}");
        hash = hash_dir(Path::new(dir), hash);
    }
    println!("cargo:rustc-env=CRESCU_FIGURE_CODE_HASH={hash:016x}");

    // The highlighted-code cache is keyed on the syntect version in use, so an upgrade
    // (new syntax definitions) never serves blocks highlighted by the old one.
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let syntect = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"syntect\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=CRESCU_SYNTECT_VERSION={syntect}");
}
