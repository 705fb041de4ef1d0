//! The interface text of a course's pages (buttons, labels, feedback) in the course's
//! `language:`: a built-in table per language, whose entries a theme may replace with
//! its own `themes/<name>/i18n/<language>.yaml`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::content::located::yaml_error_diagnostic;
use crate::diagnostics::{Diagnostic, Position};
use crate::keypath::KeyPath;

/// Built-in tables by language code; English is the first and the reference.
const BUILT_IN: &[(&str, &str)] = &[
    ("en", include_str!("../../themes/default/i18n/en.yaml")),
    ("de", include_str!("../../themes/default/i18n/de.yaml")),
];

/// Keys of this prefix are the strings the page scripts need, sent as one JSON blob.
const SCRIPT_PREFIX: &str = "js_";

/// Script strings (after `js_`) that only one template's pages use, with that template:
/// other pages leave them out of their blob.
const ONE_PAGE_ONLY: &[(&str, &str)] = &[("review_", "review.html")];

/// One language's interface text, by key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct UiStrings(BTreeMap<String, String>);

impl UiStrings {
    /// The table for `language`, with the entries of the theme's override file, if any,
    /// in place of the built-in ones. `config` is the file that names the language.
    pub fn load(
        root: &Path,
        theme: &str,
        language: &str,
        config: &Path,
    ) -> Result<UiStrings, Diagnostic> {
        let mut strings =
            Self::built_in(language).ok_or_else(|| unknown_language(root, config, language))?;
        let shown = Path::new("themes")
            .join(theme)
            .join("i18n")
            .join(format!("{language}.yaml"));
        let file = root.join(&shown);
        if file.is_file() {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Diagnostic::error(
                    "io",
                    &shown,
                    Position::default(),
                    format!("cannot read: {e}"),
                )
            })?;
            strings.override_with(&text, &shown)?;
        }
        Ok(strings)
    }

    /// The built-in table of `language`, if there is one.
    pub fn built_in(language: &str) -> Option<UiStrings> {
        let (_, text) = BUILT_IN.iter().find(|(code, _)| *code == language)?;
        // Built-in tables are checked by the unit tests below, so they parse.
        let table: BTreeMap<String, String> = serde_yaml::from_str(text).ok()?;
        Some(UiStrings(table))
    }

    /// Replace entries with those of the YAML mapping `text` (from `shown`); a key the
    /// table does not have is an error, since the templates would never show it.
    fn override_with(&mut self, text: &str, shown: &Path) -> Result<(), Diagnostic> {
        let (table, spans) = crate::yaml::parse::<BTreeMap<String, String>>(text)
            .map_err(|e| yaml_error_diagnostic(shown, e.position, &e))?;
        for (key, value) in table {
            match self.0.get_mut(&key) {
                Some(slot) => *slot = value,
                None => {
                    let at = spans.key_or_ancestor(&KeyPath::root().key(&key));
                    let known = self.0.keys().map(String::as_str);
                    let mut d = Diagnostic::error(
                        "unknown-string",
                        shown,
                        at,
                        format!("`{key}` is not a string of the theme's interface"),
                    )
                    .expected("a key of the default table (themes/default/i18n/en.yaml)");
                    if let Some(near) = crate::diagnostics::suggest(&key, known) {
                        d = d.help(format!("did you mean `{near}`?"), None);
                    }
                    d.attach_source(text);
                    return Err(d);
                }
            }
        }
        Ok(())
    }

    /// The strings the scripts of a page made from `template` need, as JSON safe inside a
    /// `<script>` element.
    pub fn script_json(&self, template: &str) -> String {
        let needed = |key: &str| {
            ONE_PAGE_ONLY
                .iter()
                .all(|(prefix, page)| !key.starts_with(prefix) || *page == template)
        };
        let scripts: BTreeMap<&str, &str> = self
            .0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(SCRIPT_PREFIX)?, v.as_str())))
            .filter(|(k, _)| needed(k))
            .collect();
        // `<` escaped, so no text can close the element or open a comment.
        crate::html::script_json(&scripts)
    }

    /// The words the Markdown renderer writes itself.
    pub fn markdown_words(&self) -> crate::markdown::Words {
        let english = crate::markdown::Words::default();
        let get = |key: &str, or: String| self.get(key).map_or(or, str::to_string);
        crate::markdown::Words {
            note: get("callout_note", english.note),
            tip: get("callout_tip", english.tip),
            warning: get("callout_warning", english.warning),
            section_link: get("section_link", english.section_link),
        }
    }

    /// The words charts write themselves (keys `chart_*`), English where the table has none.
    pub fn chart_words(&self) -> crate::chart::ChartWords {
        crate::chart::ChartWords::from_lookup(|key| self.get(key).map(str::to_string))
    }

    pub fn empty() -> UiStrings {
        UiStrings(BTreeMap::new())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// A `language:` without a table: an error at that line of the course file.
fn unknown_language(root: &Path, config: &Path, language: &str) -> Diagnostic {
    let text = std::fs::read_to_string(root.join(config)).unwrap_or_default();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("language:"))
        .map_or(1, |i| i + 1);
    let column = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find("language:"))
        .map_or(1, |c| c + 1);
    let codes: Vec<&str> = BUILT_IN.iter().map(|(code, _)| *code).collect();
    let mut d = Diagnostic::error(
        "unknown-language",
        config,
        Position::new(line, column),
        format!("there is no interface text for language `{language}`"),
    )
    .expected(format!("one of: {}", codes.join(", ")));
    d.attach_source(&text);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(t: &UiStrings) -> Vec<&str> {
        t.0.keys().map(String::as_str).collect()
    }

    #[test]
    fn every_built_in_table_has_exactly_the_english_keys() {
        let english = UiStrings::built_in("en").expect("en.yaml parses");
        for (code, text) in BUILT_IN {
            let table: BTreeMap<String, String> =
                serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{code}.yaml: {e}"));
            let table = UiStrings(table);
            assert_eq!(keys(&table), keys(&english), "keys of {code}.yaml");
            assert!(table.0.values().all(|v| !v.trim().is_empty()), "{code}");
        }
    }

    #[test]
    fn the_english_table_gives_charts_their_own_english_words() {
        let english = UiStrings::built_in("en").unwrap();
        for key in crate::chart::ChartWords::keys() {
            assert!(english.get(key).is_some(), "en.yaml lacks `{key}`");
        }
        assert_eq!(english.chart_words(), crate::chart::ChartWords::default());
        let german = UiStrings::built_in("de").unwrap().chart_words();
        assert_eq!(german.get("chart_data"), "Daten");
    }

    #[test]
    fn an_override_replaces_only_its_keys() {
        let mut de = UiStrings::built_in("de").unwrap();
        de.override_with("check: \"Abschicken\"\n", Path::new("o.yaml"))
            .unwrap();
        assert_eq!(de.get("check"), Some("Abschicken"));
        assert_eq!(de.get("try_again"), Some("Noch einmal"));
    }

    #[test]
    fn an_unknown_key_in_an_override_is_an_error_at_its_line() {
        let mut en = UiStrings::built_in("en").unwrap();
        let err = en
            .override_with("check: \"Go\"\nchek: \"Go\"\n", Path::new("o.yaml"))
            .unwrap_err();
        let text = err.render_text();
        assert!(text.contains("o.yaml:2:1"), "{text}");
        assert!(
            text.contains("`chek`") && text.contains("`check`"),
            "{text}"
        );
        assert_eq!(en.get("check"), Some("Go"));
    }

    #[test]
    fn script_strings_lose_their_prefix_and_cannot_close_the_script() {
        let mut en = UiStrings::built_in("en").unwrap();
        en.0.insert("js_correct".into(), "</script><b>".into());
        let json = en.script_json("lesson.html");
        assert!(
            json.contains("\"correct\":\"\\u003c/script>\\u003cb>\""),
            "{json}"
        );
        assert!(
            !json.contains("\"check\":"),
            "page strings stay out: {json}"
        );
    }

    #[test]
    fn review_strings_reach_the_review_page_only() {
        let en = UiStrings::built_in("en").unwrap();
        let review = en.script_json("review.html");
        let lesson = en.script_json("lesson.html");
        assert!(review.contains("\"review_due_label\":") && review.contains("\"correct\":"));
        assert!(!lesson.contains("\"review_") && lesson.contains("\"search_none\":"));
    }

    /// The `{name}` placeholders of a text, sorted.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn every_translation_keeps_the_english_placeholders() {
        let english = UiStrings::built_in("en").unwrap();
        for (code, _) in BUILT_IN {
            let table = UiStrings::built_in(code).unwrap();
            for (key, text) in &table.0 {
                let want = placeholders(english.get(key).unwrap_or_default());
                assert_eq!(placeholders(text), want, "{code}.yaml: {key}");
            }
        }
        assert_eq!(placeholders("{n} of {a}, {n}"), ["a", "n", "n"]);
    }

    #[test]
    fn a_language_without_a_table_is_an_error_naming_the_line() {
        let dir = std::env::temp_dir().join(format!("crescu-lang-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("content")).unwrap();
        std::fs::write(
            dir.join("content/_index.md"),
            "---\ntitle: T\nlanguage: xx\n---\n",
        )
        .unwrap();
        let err =
            UiStrings::load(&dir, "default", "xx", Path::new("content/_index.md")).unwrap_err();
        let text = err.render_text();
        std::fs::remove_dir_all(&dir).ok();
        assert!(text.contains("content/_index.md:3:1"), "{text}");
        assert!(
            text.contains("language: xx") && text.contains("en, de"),
            "{text}"
        );
    }
}
