//! Common YAML mistakes of authors writing prose, recognised from the source line.
//!
//! The parsers only say what went wrong for YAML ("mapping values are not allowed");
//! these pure functions say what the author meant and rewrite the line so it reads that
//! way. They look at one line of text at a time, so they are tested with strings.

/// A recognised mistake, with the offending line rewritten as the author meant it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trap {
    /// Unquoted text that YAML reads as something else; `fixed` is the line quoted and
    /// `column` (1-based) is where the trouble starts: the `:`, the `#` or the indicator.
    NeedsQuotes {
        why: QuoteReason,
        column: usize,
        fixed: String,
    },
    /// A tab in the indentation, at 1-based `column`; `fixed` indents with spaces.
    Tab { column: usize, fixed: String },
    /// `yes`, `no`, `on`, `off`...: a boolean for YAML 1.1 readers, text for crescu.
    Yaml11Bool {
        word: String,
        means: bool,
        fixed: String,
    },
}

/// Why unquoted text did not read as the text written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuoteReason {
    /// A `: ` inside the text makes it a key and a value.
    Colon,
    /// A ` #` starts a comment: the text was cut before it. Holds what was cut.
    Comment(String),
    /// The text starts with a character YAML reserves (`*`, `&`, `!`, `@`, ...).
    Indicator(char),
}

/// Characters that cannot start plain text in YAML; what they mean there.
pub const INDICATORS: [(char, &str); 8] = [
    ('*', "an alias (a reference to an `&anchor`)"),
    ('&', "an anchor (a name for the value that follows)"),
    ('!', "a tag (a type for the value that follows)"),
    ('@', "reserved"),
    ('`', "reserved"),
    ('%', "a directive"),
    ('>', "a folded block of text on the following lines"),
    ('|', "a literal block of text on the following lines"),
];

/// 1-based column of byte offset `at` of `line`.
fn column_of(line: &str, at: usize) -> usize {
    line[..at].chars().count() + 1
}

/// What a leading indicator character means in YAML, if `c` is one.
pub fn indicator_meaning(c: char) -> Option<&'static str> {
    INDICATORS.iter().find(|(i, _)| *i == c).map(|(_, m)| *m)
}

/// Byte offset where the value of a `key: value` or `- value` line starts, if the line
/// has a value (a line `key:` that opens a block has none).
pub fn value_start(line: &str) -> Option<usize> {
    let mut i = line.len() - line.trim_start().len();
    loop {
        let rest = &line[i..];
        if let Some(after) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("-\t")) {
            i = line.len() - after.trim_start().len();
            continue;
        }
        // A simple key: the keys of crescu's front matter are words.
        let key_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if key_len > 0
            && let Some(after) = rest[key_len..].strip_prefix(':')
            && (after.is_empty() || after.starts_with([' ', '\t']))
        {
            i = line.len() - after.trim_start().len();
            continue;
        }
        break;
    }
    (i < line.trim_end().len()).then_some(i)
}

/// `text` as one quoted YAML scalar: double quotes unless the text needs escapes there,
/// then single quotes (where only `'` itself is doubled).
pub fn quote(text: &str) -> String {
    if !text.contains(['"', '\\']) {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// The line with its value quoted, or `None` when it has no value or it is quoted.
pub fn quote_line(line: &str) -> Option<String> {
    let start = value_start(line)?;
    let value = line[start..].trim_end();
    if value.starts_with(['"', '\'']) {
        return None;
    }
    Some(format!("{}{}", &line[..start], quote(value)))
}

/// The value of the line if it starts with a YAML indicator, with the line quoted.
pub fn leading_indicator(line: &str) -> Option<Trap> {
    let start = value_start(line)?;
    let c = line[start..].chars().next()?;
    indicator_meaning(c)?;
    Some(Trap::NeedsQuotes {
        why: QuoteReason::Indicator(c),
        column: column_of(line, start),
        fixed: quote_line(line)?,
    })
}

/// The line quoted if its unquoted value holds `: ` (or ends with `:`), which YAML reads
/// as a key and a value.
pub fn colon_in_text(line: &str) -> Option<Trap> {
    let start = value_start(line)?;
    let value = line[start..].trim_end();
    if value.starts_with(['"', '\'', '{', '[']) || !(value.contains(": ") || value.ends_with(':')) {
        return None;
    }
    let colon = value.find(": ").unwrap_or(value.len() - 1);
    Some(Trap::NeedsQuotes {
        why: QuoteReason::Colon,
        column: column_of(line, start + colon),
        fixed: quote_line(line)?,
    })
}

/// A tab in the indentation of `line`; `previous` is the nearest non-blank line above,
/// whose indentation tells how deep this line should be.
pub fn tab_indent(line: &str, previous: Option<&str>) -> Option<Trap> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let column = indent.find('\t')? + 1;
    let content = line.trim_start();
    let width = match previous {
        None => 0,
        Some(prev) => {
            let prev_content = prev.trim_start();
            let prev_indent = prev.len() - prev_content.len();
            let opens_block = prev_content.trim_end().ends_with(':');
            let inside_item = prev_content.starts_with("- ") && !content.starts_with("- ");
            // Spaces as the previous line has them; tabs there would be wrong too.
            let prev_width = prev[..prev_indent].replace('\t', "  ").len();
            if opens_block || inside_item {
                prev_width + 2
            } else {
                prev_width
            }
        }
    };
    Some(Trap::Tab {
        column,
        fixed: format!("{}{content}", " ".repeat(width)),
    })
}

/// The YAML 1.1 booleans that YAML 1.2 (and so crescu) reads as text.
pub fn yaml11_bool(word: &str) -> Option<bool> {
    match word {
        "yes" | "Yes" | "YES" | "y" | "Y" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "n" | "N" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// The line with a YAML 1.1 boolean value replaced by `true` or `false`.
pub fn yaml11_bool_line(line: &str) -> Option<Trap> {
    let start = value_start(line)?;
    let word = line[start..].trim_end();
    let means = yaml11_bool(word)?;
    Some(Trap::Yaml11Bool {
        word: word.to_string(),
        means,
        fixed: format!("{}{means}", &line[..start]),
    })
}

/// Whether `text` would be read as the plain text it is (not null, a boolean or a
/// number) by a YAML 1.2 core-schema reader.
fn reads_as_text(text: &str) -> bool {
    !matches!(
        serde_yaml::from_str::<serde_yaml::Value>(text),
        Ok(serde_yaml::Value::Null | serde_yaml::Value::Bool(_) | serde_yaml::Value::Number(_))
    )
}

/// A plain text `value` starting at byte `start` of `line` that a ` #` comment cut
/// short: the line quoted whole, and what was cut.
pub fn comment_cut(line: &str, start: usize, value: &str) -> Option<Trap> {
    let after = line.get(start..)?.strip_prefix(value)?;
    let comment = after.trim_start();
    if !comment.starts_with('#') || after.len() == comment.len() || !reads_as_text(value) {
        return None;
    }
    let whole = line[start..].trim_end();
    let hash = line.len() - comment.len();
    Some(Trap::NeedsQuotes {
        why: QuoteReason::Comment(comment.trim_end().to_string()),
        column: column_of(line, hash),
        fixed: format!("{}{}", &line[..start], quote(whole)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(trap: Option<Trap>) -> (QuoteReason, String) {
        match trap {
            Some(Trap::NeedsQuotes { why, fixed, .. }) => (why, fixed),
            t => panic!("{t:?}"),
        }
    }

    #[test]
    fn finds_the_value_after_keys_and_dashes() {
        assert_eq!(value_start("summary: A b"), Some(9));
        assert_eq!(value_start("  - Git has: x"), Some(4));
        assert_eq!(value_start("  - id: q"), Some(8));
        assert_eq!(value_start("takeaways:"), None);
        assert_eq!(value_start("- "), None);
    }

    #[test]
    fn quotes_with_the_quotes_the_text_allows() {
        assert_eq!(quote("a: b"), "\"a: b\"");
        assert_eq!(quote("say \"hi\": it's"), "'say \"hi\": it''s'");
        assert_eq!(quote(r"C:\ drive: x"), r"'C:\ drive: x'");
    }

    #[test]
    fn colon_in_a_list_item_is_quoted() {
        let (why, fixed) = quoted(colon_in_text(
            "  - Git has **three areas**: the working tree",
        ));
        assert_eq!(why, QuoteReason::Colon);
        assert_eq!(fixed, "  - \"Git has **three areas**: the working tree\"");
        let at = colon_in_text("  - Git has **three areas**: the working tree");
        assert!(matches!(at, Some(Trap::NeedsQuotes { column: 28, .. })));
    }

    #[test]
    fn colon_in_a_summary_is_quoted() {
        let (_, fixed) = quoted(colon_in_text("summary: A branch is a file: it holds"));
        assert_eq!(fixed, "summary: \"A branch is a file: it holds\"");
        assert_eq!(colon_in_text("summary: \"A: b\""), None);
        assert_eq!(colon_in_text("summary: no colon here"), None);
    }

    #[test]
    fn tab_column_and_spaces() {
        assert_eq!(
            tab_indent("\t- two", Some("  - one")),
            Some(Trap::Tab {
                column: 1,
                fixed: "  - two".into()
            })
        );
        assert_eq!(
            tab_indent("  \tanswer: true", Some("  - id: q")),
            Some(Trap::Tab {
                column: 3,
                fixed: "    answer: true".into()
            })
        );
        assert_eq!(
            tab_indent("\t- one", Some("takeaways:")),
            Some(Trap::Tab {
                column: 1,
                fixed: "  - one".into()
            })
        );
        assert_eq!(tab_indent("a: b\tc", None), None);
    }

    #[test]
    fn yes_and_no_become_true_and_false() {
        assert_eq!(
            yaml11_bool_line("    answer: yes"),
            Some(Trap::Yaml11Bool {
                word: "yes".into(),
                means: true,
                fixed: "    answer: true".into()
            })
        );
        for (word, means) in [("no", false), ("on", true), ("off", false), ("Y", true)] {
            assert_eq!(yaml11_bool(word), Some(means), "{word}");
        }
        assert_eq!(yaml11_bool_line("draft: maybe"), None);
    }

    #[test]
    fn comment_that_cuts_text_is_found() {
        let line = "summary: Pick #1 reason to branch";
        let (why, fixed) = quoted(comment_cut(line, 9, "Pick"));
        assert_eq!(why, QuoteReason::Comment("#1 reason to branch".into()));
        assert_eq!(fixed, "summary: \"Pick #1 reason to branch\"");
        let at = comment_cut(line, 9, "Pick");
        assert!(matches!(at, Some(Trap::NeedsQuotes { column: 15, .. })));
        // A number with a comment is what comments are for.
        assert_eq!(comment_cut("xp: 20 # bonus", 4, "20"), None);
        // `#` inside a word is text.
        assert_eq!(comment_cut("title: C# basics", 7, "C# basics"), None);
    }

    fn indicator(line: &str, c: char, fixed: &str) {
        let trap = leading_indicator(line);
        let start = value_start(line).unwrap() + 1;
        assert!(matches!(trap, Some(Trap::NeedsQuotes { column, .. }) if column == start));
        let (why, got) = quoted(trap);
        assert_eq!(why, QuoteReason::Indicator(c), "{line}");
        assert_eq!(got, fixed, "{line}");
    }

    #[test]
    fn leading_star_is_quoted() {
        indicator("summary: *bold* words", '*', "summary: \"*bold* words\"");
    }

    #[test]
    fn leading_ampersand_is_quoted() {
        indicator("  - &co things", '&', "  - \"&co things\"");
    }

    #[test]
    fn leading_bang_is_quoted() {
        indicator("summary: !important", '!', "summary: \"!important\"");
    }

    #[test]
    fn leading_at_is_quoted() {
        indicator("summary: @mention", '@', "summary: \"@mention\"");
    }

    #[test]
    fn leading_backtick_is_quoted() {
        indicator(
            "summary: `git log` shows",
            '`',
            "summary: \"`git log` shows\"",
        );
    }

    #[test]
    fn leading_percent_is_quoted() {
        indicator("summary: %50 faster", '%', "summary: \"%50 faster\"");
    }

    #[test]
    fn leading_greater_than_is_quoted() {
        indicator("summary: > 5 cores", '>', "summary: \"> 5 cores\"");
    }

    #[test]
    fn leading_pipe_is_quoted() {
        indicator("summary: | pipes", '|', "summary: \"| pipes\"");
        assert_eq!(leading_indicator("summary: plain"), None);
    }
}
