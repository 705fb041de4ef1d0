//! The on-disk cache of highlighted blocks. Only an index (a hash of language and code ->
//! where the block lies) is held in memory; a block's HTML is read from the file when a
//! page needs it. At 10,000 lessons of their own code the blocks take ~180 MB, which a
//! build cannot afford to hold beside everything else.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// First line of the cache file: the file format, the syntect version (from Cargo.lock,
/// see build.rs) and a fingerprint of the code making and storing blocks. Blocks made by
/// other code (new syntax definitions, other markup) are thus never served.
fn cache_header() -> Vec<u8> {
    let code = [
        include_str!("../highlight.rs"),
        include_str!("block_cache.rs"),
        include_str!("spans.rs"),
    ]
    .iter()
    .flat_map(|source| source.bytes())
    .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!(
        "crescu highlight cache 4, syntect {}, code {code:016x}\n",
        env!("CRESCU_SYNTECT_VERSION")
    )
    .into_bytes()
}

/// Which file a block lies in: the cache file as opened, or the blocks highlighted since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Saved,
    New,
}

/// Where one block lies. A record is its language, code and HTML, each as a
/// little-endian u32 length and UTF-8 bytes.
#[derive(Clone, Copy, Debug)]
struct Record {
    source: Source,
    offset: u64,
    lang_len: u32,
    code_len: u32,
    html_len: u32,
}

impl Record {
    fn len(&self) -> u64 {
        12 + u64::from(self.lang_len) + u64::from(self.code_len) + u64::from(self.html_len)
    }
}

/// Records by the hash of their language and code. The hash only finds a record: the
/// language and code read back are compared, so a block never stands in for other code.
type Index = HashMap<u64, Record>;

fn key_hash(lang: &str, code: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (lang, code).hash(&mut hasher);
    hasher.finish()
}

/// The blocks of `<cache dir>/highlight/blocks.bin`. It stays open across the builds of
/// one dev-server session, whose later builds highlight only the lessons that changed.
pub(super) struct BlockCache {
    pub(super) file: PathBuf,
    saved: Option<File>,
    /// Blocks highlighted since the file was written, appended to a temporary file
    /// beside it that only `save` turns into the cache.
    new: Option<(PathBuf, File)>,
    /// In the saved file and not used yet: what is left at `save` drops out.
    unused: Index,
    /// Used by this build (or session): what the file holds after `save`.
    used: Index,
    /// Blocks in the file as last read or written.
    on_disk: usize,
    /// A block was highlighted that the file does not hold.
    dirty: bool,
}

impl BlockCache {
    /// The cache in `file`. A missing, old or damaged file only means starting empty.
    pub(super) fn open(file: PathBuf) -> Self {
        remove_torn_writes(&file);
        let (saved, unused) = File::open(&file)
            .ok()
            .and_then(|f| scan(&f).map(|index| (Some(f), index)))
            .unwrap_or_default();
        BlockCache {
            file,
            saved,
            new: None,
            on_disk: unused.len(),
            unused,
            used: Index::new(),
            dirty: false,
        }
    }

    /// The HTML cached for `code` in language token `lang`, if any.
    pub(super) fn get(&mut self, lang: &str, code: &str) -> Option<String> {
        let hash = key_hash(lang, code);
        let record = match self.used.get(&hash) {
            Some(record) => *record,
            None => {
                let record = self.unused.remove(&hash)?;
                self.used.insert(hash, record);
                record
            }
        };
        let html = self
            .read(record)
            .and_then(|bytes| html_of(&bytes, lang, code));
        if html.is_none() {
            // Unreadable, or another block with the same hash: the caller highlights
            // afresh and `insert` takes this place.
            self.used.remove(&hash);
        }
        html
    }

    /// Keep `html`, just highlighted for `code` in `lang`. A block that cannot be
    /// written is only highlighted again next time.
    pub(super) fn insert(&mut self, lang: &str, code: &str, html: &str) {
        if let Some(record) = self.append(lang, code, html) {
            self.used.insert(key_hash(lang, code), record);
            self.dirty = true;
        }
    }

    /// At the end of a build: write the blocks used to a new cache file, renamed over
    /// the old one, if they differ from what it holds. Blocks not used drop out.
    pub(super) fn save(&mut self) {
        self.unused.clear();
        if !self.dirty && self.used.len() == self.on_disk {
            return;
        }
        let mut order: Vec<(u64, Record)> = self.used.iter().map(|(h, r)| (*h, *r)).collect();
        order.sort_by_key(|(hash, _)| *hash);
        let mut index = Index::new();
        let file = self.file.clone();
        let written = write_atomically(&file, |out| {
            let header = cache_header();
            out.write_all(&header)?;
            let mut offset = header.len() as u64;
            for (hash, record) in order {
                // A block that cannot be read back is left out, not fatal.
                let Some(bytes) = self.read(record) else {
                    continue;
                };
                out.write_all(&bytes)?;
                let source = Source::Saved;
                index.insert(
                    hash,
                    Record {
                        source,
                        offset,
                        ..record
                    },
                );
                offset += bytes.len() as u64;
            }
            Ok(())
        });
        if written.is_err() {
            return;
        }
        self.saved = File::open(&self.file).ok();
        self.used = if self.saved.is_some() {
            index
        } else {
            Index::new()
        };
        self.on_disk = self.used.len();
        self.dirty = false;
        self.remove_new();
    }

    fn append(&mut self, lang: &str, code: &str, html: &str) -> Option<Record> {
        if self.new.is_none() {
            let path = self
                .file
                .with_extension(format!("tmp-{}-new", std::process::id()));
            std::fs::create_dir_all(path.parent()?).ok()?;
            let file = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .ok()?;
            self.new = Some((path, file));
        }
        let (_, file) = self.new.as_mut()?;
        let offset = file.seek(SeekFrom::End(0)).ok()?;
        let mut bytes = Vec::with_capacity(12 + lang.len() + code.len() + html.len());
        for field in [lang, code, html] {
            bytes.extend_from_slice(&u32::try_from(field.len()).ok()?.to_le_bytes());
            bytes.extend_from_slice(field.as_bytes());
        }
        file.write_all(&bytes).ok()?;
        Some(Record {
            source: Source::New,
            offset,
            lang_len: lang.len() as u32,
            code_len: code.len() as u32,
            html_len: html.len() as u32,
        })
    }

    /// The bytes of one record.
    fn read(&mut self, record: Record) -> Option<Vec<u8>> {
        let file = match record.source {
            Source::Saved => self.saved.as_mut()?,
            Source::New => &mut self.new.as_mut()?.1,
        };
        file.seek(SeekFrom::Start(record.offset)).ok()?;
        let mut bytes = vec![0; usize::try_from(record.len()).ok()?];
        file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    fn remove_new(&mut self) {
        if let Some((path, _)) = self.new.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for BlockCache {
    fn drop(&mut self) {
        self.remove_new();
    }
}

/// The HTML of a record's bytes if its language and code are `lang` and `code`.
fn html_of(bytes: &[u8], lang: &str, code: &str) -> Option<String> {
    let mut rest = bytes;
    let mut fields = [&[][..]; 3];
    for field in &mut fields {
        let (len, tail) = rest.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        (*field, rest) = tail.split_at_checked(len)?;
    }
    let [stored_lang, stored_code, html] = fields;
    if !rest.is_empty() || stored_lang != lang.as_bytes() || stored_code != code.as_bytes() {
        return None;
    }
    String::from_utf8(html.to_vec()).ok()
}

/// The index of a cache file, reading its languages and code and skipping its HTML, or
/// `None` if the file is of another format or damaged (torn, or lengths past its end).
fn scan(file: &File) -> Option<Index> {
    let file_len = file.metadata().ok()?.len();
    let mut input = BufReader::new(file);
    let header = cache_header();
    let mut start = vec![0; header.len()];
    input.read_exact(&mut start).ok()?;
    if start != header {
        return None;
    }
    let mut offset = header.len() as u64;
    let mut index = Index::new();
    loop {
        let mut len = [0; 4];
        // A clean end comes before a record, never inside one.
        match input.read(&mut len[..1]) {
            Ok(0) => return (offset == file_len).then_some(index),
            Ok(_) => input.read_exact(&mut len[1..]).ok()?,
            Err(_) => return None,
        }
        let lang_len = u32::from_le_bytes(len);
        let lang = read_text(&mut input, lang_len, file_len - offset)?;
        let code_len = read_len(&mut input)?;
        let code = read_text(&mut input, code_len, file_len - offset)?;
        let html_len = read_len(&mut input)?;
        let source = Source::Saved;
        let record = Record {
            source,
            offset,
            lang_len,
            code_len,
            html_len,
        };
        offset += record.len();
        if offset > file_len {
            return None;
        }
        input.seek_relative(i64::from(html_len)).ok()?;
        index.insert(key_hash(&lang, &code), record);
    }
}

fn read_len(input: &mut impl Read) -> Option<u32> {
    let mut len = [0; 4];
    input.read_exact(&mut len).ok()?;
    Some(u32::from_le_bytes(len))
}

/// `len` bytes of UTF-8, refused if longer than what is left of the file (`left`), so
/// that a damaged length cannot ask for gigabytes.
fn read_text(input: &mut impl Read, len: u32, left: u64) -> Option<String> {
    if u64::from(len) > left {
        return None;
    }
    let mut bytes = vec![0; len as usize];
    input.read_exact(&mut bytes).ok()?;
    String::from_utf8(bytes).ok()
}

/// Temporary files of writes that a killed build never finished.
fn remove_torn_writes(file: &Path) {
    let (Some(dir), Some(stem)) = (file.parent(), file.file_stem()) else {
        return;
    };
    let prefix = format!("{}.tmp-", stem.to_string_lossy());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Write through a temporary file and a rename, so a killed build never leaves a torn file.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut out = std::io::BufWriter::new(File::create(&tmp)?);
    let filled = fill(&mut out).and_then(|()| out.flush());
    drop(out);
    if let Err(error) = filled {
        let _ = std::fs::remove_file(&tmp);
        return Err(error);
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCKS: [(&str, &str, &str); 3] = [
        ("python", "x = 1\n", "<pre>python x</pre>\n"),
        ("rust", "fn main() {}\n", "<pre>rust main</pre>\n"),
        ("", "<b>\n", "<pre>&lt;b&gt;</pre>\n"),
    ];

    fn saved_cache(dir: &Path) -> PathBuf {
        let file = dir.join("highlight").join("blocks.bin");
        let mut cache = BlockCache::open(file.clone());
        for (lang, code, html) in BLOCKS {
            assert_eq!(cache.get(lang, code), None);
            cache.insert(lang, code, html);
            assert_eq!(cache.get(lang, code).as_deref(), Some(html));
        }
        cache.save();
        file
    }

    fn index_of(file: &Path) -> Option<Index> {
        scan(&File::open(file).unwrap())
    }

    #[test]
    fn blocks_are_read_back_from_the_file_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let file = saved_cache(dir.path());
        assert_eq!(index_of(&file).unwrap().len(), BLOCKS.len());
        let mut cache = BlockCache::open(file);
        assert_eq!(cache.unused.len(), BLOCKS.len());
        for (lang, code, html) in BLOCKS {
            assert_eq!(cache.get(lang, code).as_deref(), Some(html));
        }
        // Same language, other code; other language, same code: never served.
        assert_eq!(cache.get("python", "x = 2\n"), None);
        assert_eq!(cache.get("py", "x = 1\n"), None);
        // Nothing new and everything used: the file is not rewritten.
        let before = std::fs::metadata(&cache.file).unwrap().modified().unwrap();
        cache.save();
        let after = std::fs::metadata(&cache.file).unwrap().modified().unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn save_drops_blocks_not_used_and_keeps_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let file = saved_cache(dir.path());
        let mut cache = BlockCache::open(file.clone());
        let (lang, code, html) = BLOCKS[0];
        assert_eq!(cache.get(lang, code).as_deref(), Some(html));
        cache.insert("c", "int x;\n", "<pre>c</pre>\n");
        cache.save();
        assert_eq!(index_of(&file).unwrap().len(), 2);
        // The session goes on from the new file.
        assert_eq!(cache.get(lang, code).as_deref(), Some(html));
        assert_eq!(
            cache.get("c", "int x;\n").as_deref(),
            Some("<pre>c</pre>\n")
        );
        drop(cache);

        let mut reopened = BlockCache::open(file.clone());
        assert_eq!(reopened.get(lang, code).as_deref(), Some(html));
        assert_eq!(reopened.get("rust", "fn main() {}\n"), None);
        // No temporary file is left beside the cache.
        let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["blocks.bin"]);
    }

    #[test]
    fn truncated_or_garbage_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = saved_cache(dir.path());
        let whole = std::fs::read(&file).unwrap();
        let header = cache_header().len();
        let mut huge_length = whole.clone();
        huge_length[header..header + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        for bytes in [b"garbage".to_vec(), Vec::new(), huge_length] {
            std::fs::write(&file, &bytes).unwrap();
            assert!(index_of(&file).is_none());
            let mut cache = BlockCache::open(file.clone());
            assert_eq!(cache.get(BLOCKS[0].0, BLOCKS[0].1), None);
        }
        // Cut anywhere: ignored, except between two records, where what is left is a
        // smaller cache whose blocks are still right.
        let mut kept_some = 0;
        for len in 0..whole.len() {
            std::fs::write(&file, &whole[..len]).unwrap();
            let Some(index) = index_of(&file) else {
                continue;
            };
            kept_some += 1;
            assert!(index.len() < BLOCKS.len());
            let mut cache = BlockCache::open(file.clone());
            for (lang, code, html) in BLOCKS {
                let found = cache.get(lang, code);
                assert!(found.is_none() || found.as_deref() == Some(html));
            }
        }
        assert_eq!(
            kept_some,
            BLOCKS.len(),
            "the header and the two cuts between records"
        );
    }

    #[test]
    fn a_record_that_reads_back_wrong_is_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let file = saved_cache(dir.path());
        let mut cache = BlockCache::open(file.clone());
        // Made invalid UTF-8 after the index was read: highlighted afresh, not served.
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 2;
        bytes[last] = 0xff;
        std::fs::write(&file, &bytes).unwrap();
        let found: Vec<_> = BLOCKS.iter().map(|(l, c, _)| cache.get(l, c)).collect();
        assert_eq!(found.iter().filter(|html| html.is_none()).count(), 1);
        let (lang, code, html) = BLOCKS
            .iter()
            .zip(&found)
            .find(|(_, f)| f.is_none())
            .unwrap()
            .0;
        cache.insert(lang, code, html);
        assert_eq!(cache.get(lang, code).as_deref(), Some(*html));
    }
}
