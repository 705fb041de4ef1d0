//! Helpers shared by the integration tests: fixture courses in temporary folders.
#![allow(dead_code)]

pub mod chromium;

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/bad-input`, the malformed lessons every build must reject cleanly.
pub fn bad_input_dir() -> PathBuf {
    repo().join("../shared/bad-input")
}

/// A course root in a temp dir with a course index, one module and the given lessons
/// (file name, bytes), plus a second lesson `other` that go-deeper links may target.
pub fn course_with(lessons: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let module = content.join("01-module");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        content.join("_index.md"),
        "---\ntitle: Test course\n---\nIntro.\n",
    )
    .unwrap();
    std::fs::write(
        module.join("_index.md"),
        "---\ntitle: Module\nsummary: s\n---\n",
    )
    .unwrap();
    for (name, bytes) in lessons {
        std::fs::write(module.join(name), bytes).unwrap();
    }
    std::fs::write(
        module.join("99-other.md"),
        "---\ntitle: Other\nsummary: s\n---\nBody.\n",
    )
    .unwrap();
    dir
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Run the `crescu` binary; returns (exit code, stdout, stderr).
pub fn crescu(args: &[&str]) -> (i32, String, String) {
    crescu_in(&std::env::current_dir().unwrap(), args)
}

/// `crescu` started in the folder `cwd`, as a tool run from elsewhere would.
pub fn crescu_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crescu"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether the tests run on CI, which installs Chromium, chromedriver and npm: what
/// would be skipped elsewhere fails there.
pub fn on_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// A notice on the real stderr, which the test harness does not capture, so it shows even
/// when the test passes.
pub fn loud(msg: &str) {
    use std::io::Write;
    let bar = "!".repeat(78);
    let _ = writeln!(std::io::stderr(), "\n{bar}\n!! {msg}\n{bar}\n");
}

/// The `node_modules` folder holding `package@version` from npm: installed once under
/// Cargo's target temp dir. `None` (with a loud notice) when npm is missing or fails,
/// which fails the test instead when `CI` is set.
pub fn npm_package(package: &str, version: &str) -> Option<PathBuf> {
    // Tests of one binary run in parallel: one installs while the others wait, so none
    // reads a package.json that npm is still writing.
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("npm-{package}"));
    let modules = prefix.join("node_modules");
    if modules.join(package).join("package.json").is_file() {
        return Some(modules);
    }
    std::fs::create_dir_all(&prefix).unwrap();
    let status = std::process::Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("{package}@{version}"))
        .stdout(std::process::Stdio::null())
        .status();
    if modules.join(package).join("package.json").is_file() {
        return Some(modules);
    }
    let msg = format!("{package}@{version} from npm is not available ({status:?})");
    if on_ci() {
        panic!("{msg}");
    }
    loud(&format!("SKIPPED: {msg}"));
    None
}

/// Every entry of a zip file: (name, bytes), in the archive's order.
pub fn zip_entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut entry = z.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().to_string(), bytes)
        })
        .collect()
}
