//! The interface text of built pages follows the course's `language:` and the theme's
//! overrides; a language without a table is refused.

mod common;

use common::{course_with, crescu};
use std::path::Path;

const LESSON: &[u8] = b"---\ntitle: Erste Lektion\nsummary: s\nquiz:\n  - id: tf\n    type: true_false\n    prompt: Threads teilen sich den Speicher.\n    answer: true\n    explanation: Sie laufen in einem Prozess.\n---\n{{ exercise tf }}\n\n## Mehr\n\n> [!TIP]\n> Lies die Doku.\n";

fn german_course() -> tempfile::TempDir {
    let dir = course_with(&[("01-erste.md", LESSON)]);
    std::fs::write(
        dir.path().join("content/_index.md"),
        "---\ntitle: Kurs\nlanguage: de\n---\nWillkommen.\n",
    )
    .unwrap();
    dir
}

fn build(root: &Path) -> (i32, String) {
    let root = root.to_str().unwrap();
    let out = format!("{root}/output");
    let (code, _, stderr) = crescu(&["build", "--root", root, "--output", &out]);
    (code, stderr)
}

fn lesson_html(root: &Path) -> String {
    std::fs::read_to_string(root.join("output/module/erste/index.html")).unwrap()
}

#[test]
fn a_german_course_has_german_buttons_labels_and_script_strings() {
    let dir = german_course();
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let html = lesson_html(dir.path());
    for german in [
        "<html lang=\"de\"",
        ">Prüfen</button>",
        ">Noch einmal</button>",
        "<summary>Lösung anzeigen</summary>",
        "> Wahr</label>",
        "Richtig oder falsch</span>",
        "Zum Inhalt springen",
        "\"not_quite\":\"Nicht ganz.\"",
        "\"search_none\":\"Keine Treffer für „{query}“\"",
        "<strong>Lösung:</strong> Wahr</p>",
        "<p class=\"callout-title\">Tipp</p>",
        "aria-label=\"Link zu diesem Abschnitt\"",
    ] {
        assert!(html.contains(german), "{german} missing");
    }
    for english in [">Check</button>", "Show the answer", "Not quite."] {
        assert!(!html.contains(english), "{english} left in the German page");
    }
    assert!(
        !html.contains("\"review_"),
        "review strings stay on the review page"
    );
    let review = std::fs::read_to_string(dir.path().join("output/review/index.html")).unwrap();
    assert!(review.contains("\"review_nothing\":\"Gerade gibt es nichts zu wiederholen.\""));
    let index = std::fs::read_to_string(dir.path().join("output/search-index.js")).unwrap();
    assert!(
        index.contains("\"Richtig oder falsch\"") && !index.contains("True or false"),
        "search results name exercises in German: {index}"
    );
    let module = std::fs::read_to_string(dir.path().join("output/module/index.html")).unwrap();
    assert!(module.contains(">Lektion 1</span>") && module.contains("1 Aufgabe<"));
    let missing = std::fs::read_to_string(dir.path().join("output/404.html")).unwrap();
    assert!(missing.contains("<h1>Seite nicht gefunden</h1>"));
}

#[test]
fn a_theme_override_replaces_a_string_and_an_unknown_key_is_refused() {
    let dir = german_course();
    let i18n = dir.path().join("themes/default/i18n");
    std::fs::create_dir_all(&i18n).unwrap();
    std::fs::write(i18n.join("de.yaml"), "check: \"Abschicken\"\n").unwrap();
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let html = lesson_html(dir.path());
    assert!(html.contains(">Abschicken</button>") && html.contains(">Noch einmal</button>"));

    std::fs::write(
        i18n.join("de.yaml"),
        "check: \"Los\"\ntry_agian: \"Nochmal\"\n",
    )
    .unwrap();
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("themes/default/i18n/de.yaml:2:1"),
        "{stderr}"
    );
    assert!(stderr.contains("`try_again`"), "{stderr}");
}

#[test]
fn a_language_without_a_table_is_an_error_at_its_line() {
    let dir = german_course();
    std::fs::write(
        dir.path().join("content/_index.md"),
        "---\ntitle: Kurs\nlanguage: tlh\n---\nIntro.\n",
    )
    .unwrap();
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("content/_index.md:3:1"), "{stderr}");
    assert!(
        stderr.contains("`tlh`") && stderr.contains("en, de"),
        "{stderr}"
    );
    assert!(!dir.path().join("output").exists(), "nothing written");
}
