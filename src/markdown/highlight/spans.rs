//! Highlighted code as few spans as show it: syntect's scope stack is reduced to how a
//! token looks (the colour of its kind, italic in a comment), and each run of tokens
//! that look alike becomes one `<span class="hl-KIND">`. A span per scope, as syntect's
//! own HTML writer makes, was two thirds of a lesson page's bytes.
//!
//! The reduction is the one the default theme's stylesheet made of the old scope classes
//! (`.hl-keyword`, `.hl-entity.hl-name`, ...): the innermost scope any rule matched gave
//! the colour, and any comment around a token made it italic.

use crate::html::escape_into;
use std::sync::OnceLock;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// The colour a token takes from its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    String,
    Comment,
    Number,
    Function,
    Builtin,
}

impl Kind {
    /// The class a theme styles this kind by.
    pub fn class(self) -> &'static str {
        match self {
            Kind::Keyword => "hl-kw",
            Kind::String => "hl-str",
            Kind::Comment => "hl-com",
            Kind::Number => "hl-num",
            Kind::Function => "hl-fn",
            Kind::Builtin => "hl-bi",
        }
    }
}

/// How a run of text looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Look {
    pub kind: Option<Kind>,
    /// Inside a comment: italic whatever its colour.
    pub italic: bool,
}

/// The scope atoms (`keyword` of `keyword.control.python`) that decide a look.
struct Atoms {
    keyword: u16,
    storage: u16,
    string: u16,
    comment: u16,
    constant: u16,
    entity: u16,
    name: u16,
    support: u16,
}

fn atoms() -> &'static Atoms {
    static ATOMS: OnceLock<Atoms> = OnceLock::new();
    ATOMS.get_or_init(|| {
        // Scope names of one plain atom always parse.
        let atom = |name: &str| Scope::new(name).map_or(u16::MAX, |s| s.atom_at(0));
        Atoms {
            keyword: atom("keyword"),
            storage: atom("storage"),
            string: atom("string"),
            comment: atom("comment"),
            constant: atom("constant"),
            entity: atom("entity"),
            name: atom("name"),
            support: atom("support"),
        }
    })
}

fn has_atom(scope: Scope, atom: u16) -> bool {
    (0..scope.len() as usize).any(|i| scope.atom_at(i) == atom)
}

/// The kind one scope gives its text, if any. Where several apply, this is the order in
/// which the stylesheet's rules used to win: two classes before one, then the later rule.
fn scope_kind(scope: Scope, atoms: &Atoms) -> Option<Kind> {
    let has = |atom| has_atom(scope, atom);
    if has(atoms.entity) && has(atoms.name) {
        Some(Kind::Function)
    } else if has(atoms.support) {
        Some(Kind::Builtin)
    } else if has(atoms.constant) {
        Some(Kind::Number)
    } else if has(atoms.comment) {
        Some(Kind::Comment)
    } else if has(atoms.string) {
        Some(Kind::String)
    } else if has(atoms.keyword) || has(atoms.storage) {
        Some(Kind::Keyword)
    } else {
        None
    }
}

/// How text under `stack` (outermost scope first) looks.
pub fn look(stack: &[Scope]) -> Look {
    let atoms = atoms();
    Look {
        kind: stack.iter().rev().find_map(|&s| scope_kind(s, atoms)),
        italic: stack.iter().any(|&s| has_atom(s, atoms.comment)),
    }
}

/// HTML text with a span around each run of one look.
#[derive(Default)]
struct SpanWriter {
    html: String,
    /// The look of the span open now (no kind: none is open).
    open: Look,
}

impl SpanWriter {
    fn text(&mut self, text: &str, look: Look) {
        if text.is_empty() {
            return;
        }
        // Spaces look the same in any span, so they never open or close one.
        let blank = text.bytes().all(|b| b.is_ascii_whitespace());
        if look != self.open && !blank {
            self.close();
            if let Some(kind) = look.kind {
                self.html.push_str("<span class=\"");
                self.html.push_str(kind.class());
                if look.italic && kind != Kind::Comment {
                    self.html.push_str(" hl-it");
                }
                self.html.push_str("\">");
            }
            self.open = look;
        }
        escape_into(&mut self.html, text);
    }

    fn close(&mut self) {
        if self.open.kind.is_some() {
            self.html.push_str("</span>");
        }
        self.open = Look::default();
    }
}

/// `code` highlighted as `syntax`, or `None` if syntect fails on it.
pub fn highlight(code: &str, syntax: &SyntaxReference, syntaxes: &SyntaxSet) -> Option<String> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut writer = SpanWriter {
        html: String::with_capacity(code.len() * 2),
        ..SpanWriter::default()
    };
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, syntaxes).ok()?;
        let mut at = 0;
        for (i, op) in &ops {
            if *i > at {
                writer.text(&line[at..*i], look(stack.as_slice()));
                at = *i;
            }
            stack.apply(op).ok()?;
        }
        writer.text(&line[at..], look(stack.as_slice()));
    }
    writer.close();
    Some(writer.html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntect::html::{ClassStyle, ClassedHTMLGenerator};

    /// Code in the languages courses use most, with comments, strings, numbers,
    /// definitions and builtins.
    const SAMPLES: &[(&str, &str)] = &[
        (
            "python",
            "import threading  # the module\n\ndef count(n: int) -> None:\n    \"\"\"Count down.\"\"\"\n    while n > 0:\n        n -= 1  # TODO: faster\n    print(f\"done {n!r}\", len([1, 2.5, 0x1f]), None, True)\n\nclass Worker(threading.Thread):\n    pass\n",
        ),
        (
            "rust",
            "use std::sync::{Arc, Mutex};\n/// Doc comment with `code`.\nfn main() {\n    let c = Arc::new(Mutex::new(0u64)); // shared\n    let s = r#\"raw \"str\"\"#;\n    println!(\"{}: {}\", s, *c.lock().unwrap() + 1);\n}\n",
        ),
        (
            "c",
            "#include <Python.h>\n/* a block\n   comment */\nstatic PyObject *spam(PyObject *self, PyObject *args) {\n    const char *s = \"x\\n\";\n    Py_BEGIN_ALLOW_THREADS\n    return PyLong_FromLong(42);\n}\n",
        ),
        (
            "js",
            "// line\nconst f = async (x) => { await fetch(`/a/${x}`); return /re+/g.test('s') ? 1e3 : null; };\n",
        ),
        ("sh", "for f in *.md; do echo \"$f\" # print\ndone\n"),
        ("yaml", "key: value # note\nlist: [1, 'two', true]\n"),
        ("html", "<p class=\"x\">a &amp; b<!-- c --></p>\n"),
    ];

    /// A stylesheet rule: the classes it selects, the colour it sets, whether italic.
    type Rule = (&'static [&'static str], Option<&'static str>, bool);

    /// (colour, italic) of each character of `html`, with `rules` applied as a browser
    /// applies a stylesheet: each element takes the colour of the most specific (then
    /// the last) rule matching its classes, else its parent's; the same for italic.
    fn computed_styles(html: &str, rules: &[Rule]) -> Vec<(char, &'static str, bool)> {
        let mut out = Vec::new();
        let mut stack: Vec<(&'static str, bool)> = vec![("plain", false)];
        let mut rest = html;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("<span class=\"") {
                let end = after.find("\">").unwrap();
                let classes: Vec<&str> = after[..end].split(' ').collect();
                let (mut colour, mut italic) = *stack.last().unwrap();
                let mut best_colour = None;
                let mut best_italic = None;
                for (order, (selector, rule_colour, rule_italic)) in rules.iter().enumerate() {
                    if !selector.iter().all(|c| classes.contains(c)) {
                        continue;
                    }
                    let rank = (selector.len(), order);
                    if let Some(c) = rule_colour
                        && best_colour.is_none_or(|(r, _)| rank > r)
                    {
                        best_colour = Some((rank, *c));
                    }
                    if *rule_italic && best_italic.is_none_or(|r| rank > r) {
                        best_italic = Some(rank);
                    }
                }
                if let Some((_, c)) = best_colour {
                    colour = c;
                }
                italic |= best_italic.is_some();
                stack.push((colour, italic));
                rest = &after[end + 2..];
            } else if let Some(after) = rest.strip_prefix("</span>") {
                stack.pop();
                rest = after;
            } else {
                let (colour, italic) = *stack.last().unwrap();
                let (c, len) = decode_char(rest);
                out.push((c, colour, italic));
                rest = &rest[len..];
            }
        }
        out
    }

    fn decode_char(s: &str) -> (char, usize) {
        for (entity, c) in [
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&amp;", '&'),
            ("&quot;", '"'),
            ("&#39;", '\''),
        ] {
            if s.starts_with(entity) {
                return (c, entity.len());
            }
        }
        let c = s.chars().next().unwrap();
        (c, c.len_utf8())
    }

    /// The default theme's rules for syntect's scope classes, as they stood.
    const SCOPE_RULES: &[Rule] = &[
        (&["hl-keyword"], Some("kw"), false),
        (&["hl-storage"], Some("kw"), false),
        (&["hl-string"], Some("str"), false),
        (&["hl-comment"], Some("com"), true),
        (&["hl-constant"], Some("num"), false),
        (&["hl-entity", "hl-name"], Some("fn"), false),
        (&["hl-support"], Some("bi"), false),
    ];

    /// The default theme's rules for the kinds.
    const KIND_RULES: &[Rule] = &[
        (&["hl-kw"], Some("kw"), false),
        (&["hl-str"], Some("str"), false),
        (&["hl-com"], Some("com"), true),
        (&["hl-num"], Some("num"), false),
        (&["hl-fn"], Some("fn"), false),
        (&["hl-bi"], Some("bi"), false),
        (&["hl-it"], None, true),
    ];

    fn by_scopes(code: &str, syntax: &SyntaxReference, syntaxes: &SyntaxSet) -> String {
        let style = ClassStyle::SpacedPrefixed { prefix: "hl-" };
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes, style);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .unwrap();
        }
        generator.finalize()
    }

    #[test]
    fn kinds_look_as_the_scope_classes_did() {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        for (token, code) in SAMPLES {
            let syntax = syntaxes.find_syntax_by_token(token).unwrap();
            let old = computed_styles(&by_scopes(code, syntax, &syntaxes), SCOPE_RULES);
            let html = highlight(code, syntax, &syntaxes).unwrap();
            let new = computed_styles(&html, KIND_RULES);
            let text: String = new.iter().map(|(c, _, _)| c).collect();
            assert_eq!(text, *code, "{token}: the text is kept");
            assert_eq!(old.len(), new.len());
            for (i, (was, now)) in old.iter().zip(&new).enumerate() {
                if !was.0.is_whitespace() {
                    assert_eq!(was, now, "{token}, character {i} of {html}");
                }
            }
            assert!(
                old.iter().any(|(_, colour, _)| *colour != "plain"),
                "{token}: the sample has highlighted tokens"
            );
        }
    }

    #[test]
    fn runs_that_look_alike_share_one_span() {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let python = syntaxes.find_syntax_by_token("python").unwrap();
        let html = highlight("x = 1  # one\n# two\n", python, &syntaxes).unwrap();
        assert_eq!(
            html,
            "x <span class=\"hl-kw\">= </span><span class=\"hl-num\">1  </span>\
             <span class=\"hl-com\"># one\n# two\n</span>",
            "spaces join the span before them; two comment lines are one span"
        );
        let html = highlight("a < b\n", python, &syntaxes).unwrap();
        assert!(html.contains("&lt;"), "{html}");
    }
}
