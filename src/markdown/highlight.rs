//! Syntax highlighting of code blocks with syntect, as CSS classes (not inline styles) so
//! one stylesheet serves a light and a dark theme: one class per kind of token
//! (`hl-kw`, `hl-str`, `hl-com`, `hl-num`, `hl-fn`, `hl-bi`, and `hl-it` for italic),
//! see `spans`.

mod block_cache;
mod spans;

use crate::html::escape;
use block_cache::BlockCache;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use syntect::parsing::SyntaxSet;

/// Highlights code blocks, optionally through an on-disk cache of finished blocks.
pub struct Highlighter {
    /// Loaded on the first block that is not in the cache: loading the syntax
    /// definitions is the expensive part, and a warm cache never needs them.
    syntaxes: OnceLock<SyntaxSet>,
    cache: Mutex<Option<BlockCache>>,
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
        *slot = file.map(BlockCache::open);
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
        cache.save();
    }

    /// A code block for `code` in language `lang` (a fence token such as `python`): a
    /// frame labelled with the language's name around the highlighted `<pre>`. Unknown
    /// languages and plain blocks come out as escaped text. The copy button is added by
    /// crescu.js: without scripts there is no button that does nothing.
    pub fn block(&self, code: &str, lang: Option<&str>) -> String {
        let lang = lang.map(str::trim).filter(|l| !l.is_empty());
        let token = lang.unwrap_or_default();
        if let Ok(mut slot) = self.cache.lock()
            && let Some(cache) = slot.as_mut()
        {
            if let Some(html) = cache.get(token, code) {
                return html;
            }
        } else {
            return self.framed(code, lang);
        }
        let html = self.framed(code, lang);
        if let Ok(mut slot) = self.cache.lock()
            && let Some(cache) = slot.as_mut()
        {
            cache.insert(token, code, &html);
        }
        html
    }

    /// The block as `block` makes it, without the cache. The whole frame is what the
    /// cache keeps: the language's name is looked up in the syntax set, which a warm
    /// cache thus never loads.
    fn framed(&self, code: &str, lang: Option<&str>) -> String {
        let syntax = lang.and_then(|l| self.syntaxes().find_syntax_by_token(l));
        let (label, lang_attr) = match lang {
            Some(token) => {
                let name = syntax.map_or(token, |s| s.name.as_str());
                (
                    format!("<span class=\"code-lang\">{}</span>", escape(name)),
                    format!(" data-lang=\"{}\"", escape(token)),
                )
            }
            None => (String::new(), String::new()),
        };
        let inner = syntax
            .and_then(|syntax| spans::highlight(code, syntax, self.syntaxes()))
            .unwrap_or_else(|| escape(code));
        format!(
            "<div class=\"code-block\">{label}<pre class=\"code\" tabindex=\"0\"{lang_attr}><code>{inner}</code></pre>\n</div>\n"
        )
    }
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
            "<div class=\"code-block\"><span class=\"code-lang\">nosuchlang</span>\
             <pre class=\"code\" tabindex=\"0\" data-lang=\"nosuchlang\"><code>&lt;b&gt;\n</code></pre>\n</div>\n"
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
        // A damaged file is ignored, not trusted.
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&file, &bytes).unwrap();
        let damaged = Highlighter::new();
        damaged.open_cache(Some(dir.path()));
        assert_eq!(damaged.block("x = 1 < 2\n", Some("python")), expected[0]);
    }
}
