//! Syntax highlighting of code blocks with syntect, as CSS classes (not inline styles) so
//! one stylesheet serves a light and a dark theme.

use crate::html::escape;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// First line of the on-disk cache file: the file format, the syntect version (from
/// Cargo.lock, see build.rs) and a fingerprint of this module's source. Blocks made by
/// other code (new syntax definitions, other markup) are thus never served.
fn cache_header() -> Vec<u8> {
    let code = include_str!("highlight.rs")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    format!(
        "crescu highlight cache 3, syntect {}, code {code:016x}\n",
        env!("CRESCU_SYNTECT_VERSION")
    )
    .into_bytes()
}

/// Highlighted blocks by (language token, code): the code itself is the key, so a cached
/// block can never stand in for different code.
type Blocks = HashMap<(String, String), String>;

/// Highlights code blocks, optionally through an on-disk cache of finished blocks.
pub struct Highlighter {
    /// Loaded on the first block that is not in the cache: loading the syntax
    /// definitions is the expensive part, and a warm cache never needs them.
    syntaxes: OnceLock<SyntaxSet>,
    cache: Mutex<Option<BlockCache>>,
}

/// The blocks of `<cache dir>/highlight/blocks.bin`. It stays open across the builds of
/// one dev-server session, whose later builds highlight only the lessons that changed.
struct BlockCache {
    file: PathBuf,
    /// Read from the file and not used yet; what is left at the end drops out.
    stored: Blocks,
    /// Used by this build (or session): what the file holds after it.
    used: Blocks,
    /// Blocks in the file as last read or written.
    on_disk: usize,
    /// A block was highlighted that the file does not hold.
    dirty: bool,
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

impl Highlighter {
    pub fn new() -> Self {
        Highlighter {
            syntaxes: OnceLock::new(),
            cache: Mutex::new(None),
        }
    }

    fn syntaxes(&self) -> &SyntaxSet {
        self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    /// Use the block cache under `cache_dir` (`None`: no cache) for the coming build.
    pub fn open_cache(&self, cache_dir: Option<&Path>) {
        let Ok(mut slot) = self.cache.lock() else {
            return;
        };
        let file = cache_dir.map(|dir| dir.join("highlight").join("blocks.bin"));
        if slot.as_ref().map(|c| &c.file) == file.as_ref() {
            return;
        }
        *slot = file.map(|file| {
            remove_torn_writes(&file);
            // A missing, old or damaged file only means starting empty. Read as a stream:
            // at 10,000 lessons of their own code the file is ~100 MB, and holding its
            // bytes beside the blocks decoded from them would double that.
            let stored = std::fs::File::open(&file)
                .ok()
                .and_then(|f| decode_blocks(std::io::BufReader::new(f)))
                .unwrap_or_default();
            BlockCache {
                file,
                on_disk: stored.len(),
                stored,
                used: Blocks::new(),
                dirty: false,
            }
        });
    }

    /// At the end of a build: write the blocks used back to the cache file if they
    /// differ from what it holds. A cache that cannot be written only costs time later.
    pub fn save_cache(&self) {
        let Ok(mut slot) = self.cache.lock() else {
            return;
        };
        let Some(cache) = slot.as_mut() else {
            return;
        };
        cache.stored = Blocks::new();
        if cache.dirty || cache.used.len() != cache.on_disk {
            let _ = write_atomically(&cache.file, |out| encode_blocks(&cache.used, out));
            cache.on_disk = cache.used.len();
            cache.dirty = false;
        }
    }

    /// A `<pre>` block for `code` in language `lang` (a fence token such as `python`).
    /// Unknown languages and plain blocks come out as escaped text.
    pub fn block(&self, code: &str, lang: Option<&str>) -> String {
        let lang = lang.map(str::trim).filter(|l| !l.is_empty());
        let key = (lang.unwrap_or_default().to_string(), code.to_string());
        if let Ok(mut slot) = self.cache.lock()
            && let Some(cache) = slot.as_mut()
        {
            if let Some(html) = cache.used.get(&key) {
                return html.clone();
            }
            if let Some(html) = cache.stored.remove(&key) {
                cache.used.insert(key, html.clone());
                return html;
            }
        } else {
            return self.highlight(code, lang);
        }
        let html = self.highlight(code, lang);
        if let Ok(mut slot) = self.cache.lock()
            && let Some(cache) = slot.as_mut()
        {
            cache.used.insert(key, html.clone());
            cache.dirty = true;
        }
        html
    }

    /// The name a reader knows a language by (`py` -> `Python`), or the token as written
    /// when no syntax has it.
    pub fn language_name(&self, lang: &str) -> String {
        match self.syntaxes().find_syntax_by_token(lang) {
            Some(syntax) => syntax.name.clone(),
            None => lang.to_string(),
        }
    }

    fn highlight(&self, code: &str, lang: Option<&str>) -> String {
        let syntax = lang.and_then(|l| self.syntaxes().find_syntax_by_token(l));
        let lang_attr = lang
            .map(|l| format!(" data-lang=\"{}\"", escape(l)))
            .unwrap_or_default();
        let inner = match syntax {
            Some(syntax) => {
                let mut generator = ClassedHTMLGenerator::new_with_class_style(
                    syntax,
                    self.syntaxes(),
                    CLASS_STYLE,
                );
                let mut ok = true;
                for line in LinesWithEndings::from(code) {
                    if generator
                        .parse_html_for_line_which_includes_newline(line)
                        .is_err()
                    {
                        ok = false;
                        break;
                    }
                }
                if ok {
                    generator.finalize()
                } else {
                    escape(code)
                }
            }
            None => escape(code),
        };
        format!("<pre class=\"code\" tabindex=\"0\"{lang_attr}><code>{inner}</code></pre>\n")
    }
}

/// The cache file: `cache_header()`, then for each block, sorted, its language, code and
/// HTML, each as a little-endian u32 length and UTF-8 bytes. Written as a stream, not
/// built in memory first (see `open_cache`).
fn encode_blocks(blocks: &Blocks, out: &mut impl Write) -> std::io::Result<()> {
    let mut sorted: Vec<_> = blocks.iter().collect();
    sorted.sort();
    out.write_all(&cache_header())?;
    for ((lang, code), html) in sorted {
        for field in [lang, code, html] {
            out.write_all(&(field.len() as u32).to_le_bytes())?;
            out.write_all(field.as_bytes())?;
        }
    }
    Ok(())
}

/// The blocks of a cache file, or `None` if it is of another format or damaged.
fn decode_blocks(mut input: impl Read) -> Option<Blocks> {
    let header = cache_header();
    let mut start = vec![0; header.len()];
    input.read_exact(&mut start).ok()?;
    if start != header {
        return None;
    }
    let mut blocks = Blocks::new();
    loop {
        let mut len = [0; 4];
        // A clean end comes before a record, never inside one.
        match input.read(&mut len[..1]) {
            Ok(0) => return Some(blocks),
            Ok(_) => input.read_exact(&mut len[1..]).ok()?,
            Err(_) => return None,
        }
        let lang = read_field(&mut input, len)?;
        let len = read_len(&mut input)?;
        let code = read_field(&mut input, len)?;
        let len = read_len(&mut input)?;
        let html = read_field(&mut input, len)?;
        blocks.insert((lang, code), html);
    }
}

fn read_len(input: &mut impl Read) -> Option<[u8; 4]> {
    let mut len = [0; 4];
    input.read_exact(&mut len).ok()?;
    Some(len)
}

/// A field of `len` (little-endian) bytes of UTF-8.
fn read_field(input: &mut impl Read, len: [u8; 4]) -> Option<String> {
    let mut bytes = vec![0; u32::from_le_bytes(len) as usize];
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
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    fill(&mut out)?;
    out.into_inner().map_err(|e| e.into_error())?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_and_escapes_unknown() {
        let h = Highlighter::new();
        let py = h.block("x = 1 < 2\n", Some("python"));
        assert!(py.contains("class=\"hl-"), "{py}");
        assert!(py.contains("&lt;"));
        let plain = h.block("<b>\n", Some("nosuchlang"));
        assert_eq!(
            plain,
            "<pre class=\"code\" tabindex=\"0\" data-lang=\"nosuchlang\"><code>&lt;b&gt;\n</code></pre>\n"
        );
    }

    #[test]
    fn cached_blocks_are_the_same_bytes_and_skip_syntect() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = [
            ("x = 1 < 2\n", Some("python")),
            ("fn main() {}\n", Some(" rust ")),
            ("<b>\n", None),
            ("plain\n", Some("nosuchlang")),
        ];
        let fresh = Highlighter::new();
        let expected: Vec<String> = blocks.iter().map(|(c, l)| fresh.block(c, *l)).collect();

        let cold = Highlighter::new();
        cold.open_cache(Some(dir.path()));
        let got: Vec<String> = blocks.iter().map(|(c, l)| cold.block(c, *l)).collect();
        assert_eq!(got, expected);
        cold.save_cache();
        let file = dir.path().join("highlight/blocks.bin");
        assert!(file.is_file());

        let warm = Highlighter::new();
        warm.open_cache(Some(dir.path()));
        let got: Vec<String> = blocks.iter().map(|(c, l)| warm.block(c, *l)).collect();
        assert_eq!(got, expected);
        assert!(
            warm.syntaxes.get().is_none(),
            "a warm cache never loads syntect"
        );
        // Only the blocks still used stay in the file.
        warm.block("x = 1 < 2\n", Some("python"));
        let again = Highlighter::new();
        again.open_cache(Some(dir.path()));
        again.block("x = 1 < 2\n", Some("python"));
        again.save_cache();
        let kept = decode_blocks(&std::fs::read(&file).unwrap()[..]).unwrap();
        assert_eq!(kept.len(), 1);

        // A damaged file is ignored, not trusted.
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() - 3);
        assert!(decode_blocks(&bytes[..]).is_none());
        std::fs::write(&file, &bytes).unwrap();
        let damaged = Highlighter::new();
        damaged.open_cache(Some(dir.path()));
        assert_eq!(damaged.block("x = 1 < 2\n", Some("python")), expected[0]);
    }
}
