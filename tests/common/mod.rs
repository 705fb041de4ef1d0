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

/// chromedriver on a free port, killed when dropped (also when an assertion fails).
pub struct Chromedriver {
    child: std::process::Child,
    pub port: u16,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver, started and listening, and the Chromium it is to drive; `None` with a
/// notice when either is not on PATH (a failure when `CI` is set: CI installs both).
pub fn chromedriver() -> Option<(Chromedriver, PathBuf)> {
    let on_path = |names: &[&str]| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    };
    let chrome = on_path(&["chromium", "chromium-browser", "google-chrome"]);
    let (Some(driver), Some(chrome)) = (on_path(&["chromedriver"]), chrome) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver or Chromium missing on CI"
        );
        eprintln!("SKIPPED: chromedriver or Chromium not on PATH; this browser test cannot run");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let quiet = std::process::Stdio::null;
    let child = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(quiet())
        .stderr(quiet())
        .spawn()
        .expect("chromedriver starts");
    let driver = Chromedriver { child, port };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "chromedriver did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Some((driver, chrome))
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
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    use std::io::Write;
    let bar = "!".repeat(78);
    let _ = writeln!(std::io::stderr(), "\n{bar}\n!! SKIPPED: {msg}\n{bar}\n");
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
