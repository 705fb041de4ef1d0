//! Zip archives that are the same bytes for the same files: entries sorted by path, one
//! fixed timestamp (1980-01-01, zip's earliest) and fixed permissions, so two builds of
//! one course give identical packages.

use std::io::Write;
use zip::write::SimpleFileOptions;

/// A zip of `(path inside the archive, bytes)` entries; paths use `/`.
pub fn deterministic_zip(entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut sorted: Vec<&(String, Vec<u8>)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, bytes) in sorted {
        zip.start_file(path.as_str(), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(bytes)?;
    }
    let cursor = zip.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

/// A zip of every file under `dir`, by its path relative to `dir`.
pub fn zip_folder(dir: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut entries = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(dir)
            .map_err(std::io::Error::other)?;
        let name = relative.to_string_lossy().replace('\\', "/");
        entries.push((name, std::fs::read(entry.path())?));
    }
    deterministic_zip(&entries)
}

/// Write `bytes` to `path` through a temporary file beside it, so a reader (or a crash)
/// never sees half a file.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut tmp = tempfile_in(parent)?;
    tmp.1.write_all(bytes)?;
    tmp.1.sync_all()?;
    drop(tmp.1);
    std::fs::rename(&tmp.0, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp.0);
    })
}

/// A new file named `.crescu-tmp-<pid>-<n>` in `dir`.
fn tempfile_in(dir: &std::path::Path) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    for n in 0..1000u32 {
        let path = dir.join(format!(".crescu-tmp-{}-{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_entries_in_any_order_give_the_same_bytes() {
        let a = vec![
            ("b.txt".to_string(), b"B".to_vec()),
            ("a/x".into(), b"X".to_vec()),
        ];
        let mut b = a.clone();
        b.reverse();
        let (za, zb) = (
            deterministic_zip(&a).unwrap(),
            deterministic_zip(&b).unwrap(),
        );
        assert_eq!(za, zb);
        let mut read = zip::ZipArchive::new(std::io::Cursor::new(za)).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read.by_index(0).unwrap().name().unwrap(), "a/x");
    }
}
