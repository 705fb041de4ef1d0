//! Running generated programs on a real interpreter, and waiting for a quiet machine.

use super::program::{PythonFacts, calibration_program};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one thread of a measured program reported.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawThread {
    pub name: String,
    pub process: String,
    pub finish_ms: f64,
    /// `None` where the interpreter cannot tell a thread's CPU time (Python 2).
    pub cpu_ms: Option<f64>,
    pub io_ops: u64,
    pub latencies_ms: Vec<f64>,
}

/// What one execution of a measured program reported.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawRun {
    pub wall_ms: f64,
    pub threads: Vec<RawThread>,
}

/// A folder for the generated programs, removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new() -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("crescu-measure-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch { dir })
    }

    fn write(&self, name: &str, text: &str) -> Result<PathBuf, String> {
        let path = self.dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `python file` and returns its standard output, or what went wrong.
fn run_python(python: &Path, file: &Path, limit: Duration) -> Result<String, String> {
    let mut child = Command::new(python)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it ran longer than {} s and was stopped",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("Python failed ({}): {last}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs the calibration program on `python`.
pub fn probe(python: &Path, scratch: &Scratch) -> Result<PythonFacts, String> {
    let file = scratch.write("calibrate.py", &calibration_program())?;
    let out = run_python(python, &file, Duration::from_secs(120))?;
    let last = out.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("unexpected calibration output ({e}): {last}"))
}

/// Runs one generated program; `limit` bounds its wall time.
pub fn execute(
    python: &Path,
    program: &str,
    scratch: &Scratch,
    limit: Duration,
) -> Result<RawRun, String> {
    let file = scratch.write("run.py", program)?;
    let out = run_python(python, &file, limit)?;
    let last = out.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("unexpected output ({e}): {last}"))
}

/// Total and idle jiffies of all CPUs, from the first line of `/proc/stat`.
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total = fields.iter().sum();
    // idle + iowait
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    Some((total, idle))
}

/// The one-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Share of all CPUs busy (0..1) over `window`, measured while we do nothing.
fn busy_share(window: Duration) -> Option<f64> {
    let (t0, i0) = cpu_times()?;
    std::thread::sleep(window);
    let (t1, i1) = cpu_times()?;
    let total = t1.saturating_sub(t0);
    (total > 0).then(|| 1.0 - (i1.saturating_sub(i0)) as f64 / total as f64)
}

/// How quiet the machine was when a gate let a measurement through.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quiet {
    /// Largest share of CPU other programs used just before a measurement.
    pub busiest: f64,
    /// Whether some gate gave up waiting.
    pub waited_out: bool,
}

/// Waits until other programs use at most `max_busy` of the CPUs, for at most `patience`.
/// Gives up rather than blocking forever: the result says so and the file records it.
pub fn wait_for_quiet(max_busy: f64, patience: Duration, quiet: &mut Quiet) {
    let started = Instant::now();
    loop {
        let busy = busy_share(Duration::from_millis(250)).unwrap_or(0.0);
        if busy <= max_busy {
            quiet.busiest = quiet.busiest.max(busy);
            return;
        }
        if started.elapsed() >= patience {
            quiet.busiest = quiet.busiest.max(busy);
            quiet.waited_out = true;
            return;
        }
    }
}

/// The CPU model, from `/proc/cpuinfo`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
