//! The interface text of built pages follows the course's `language:` and the theme's
//! overrides; a language without a table is refused.

mod common;

use common::{course_with, crescu, repo};
use std::path::Path;

const LESSON: &[u8] = b"---\ntitle: Erste Lektion\nsummary: s\nquiz:\n  - id: tf\n    type: true_false\n    prompt: Threads teilen sich den Speicher.\n    answer: true\n    explanation: Sie laufen in einem Prozess.\n---\n{{ exercise tf }}\n\n## Mehr\n\n> [!TIP]\n> Lies die Doku.\n";

fn german_course() -> tempfile::TempDir {
    let dir = course_with(&[("01-erste.md", LESSON)]);
    set_language(dir.path(), "de");
    dir
}

/// The course file of the course at `root`, with `language: code`.
fn set_language(root: &Path, code: &str) {
    std::fs::write(
        root.join("content/_index.md"),
        format!("---\ntitle: Kurs\nlanguage: {code}\n---\nWillkommen.\n"),
    )
    .unwrap();
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
    set_language(dir.path(), "tlh");
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("content/_index.md:3:1"), "{stderr}");
    assert!(
        stderr.contains("`tlh`") && stderr.contains("en, de"),
        "{stderr}"
    );
    assert!(!dir.path().join("output").exists(), "nothing written");
}

const HISTOGRAM_LESSON: &[u8] = "---
title: Wartezeiten
summary: s
simulations:
  - id: wartezeit
    title: Wartezeit nach jedem Aufruf
    chart: { kind: histogram }
    runs:
      - label: gemischt
        threads:
          - { name: EA, work: [ { io: { count: 20, wait_ms: 2, cpu_us: 10 } } ] }
          - { name: Rechner, work: [ { cpu_ms: 60 } ] }
---
{{ chart wartezeit }}
"
.as_bytes();

/// The charts of a page without their author-written titles and captions: only what
/// the chart drawing wrote itself (run labels aside).
fn chart_text(html: &str) -> Vec<String> {
    html.split("<figure class=\"chart ")
        .skip(1)
        .map(|f| {
            let figure = &f[..f.find("</figure>").unwrap()];
            let caption_end = figure.find("</figcaption>").unwrap();
            figure[caption_end..].to_string()
        })
        .collect()
}

/// The example course's lesson on the GIL (timeline, bars, lines, an explorable chart,
/// measurements beside the simulations) and a histogram, in a German course.
#[test]
fn german_charts_speak_german_with_decimal_commas() {
    let gil = repo().join("content/01-python-concurrency/02-the-gil");
    let lesson = std::fs::read(gil.with_extension("md")).unwrap();
    let measured = std::fs::read(gil.with_extension("measured.yaml")).unwrap();
    let mut files = vec![
        ("02-the-gil.md".to_string(), lesson),
        ("02-the-gil.measured.yaml".to_string(), measured),
        ("03-wartezeiten.md".to_string(), HISTOGRAM_LESSON.to_vec()),
    ];
    // The lessons its follow-ups name, as stubs.
    let linked: Vec<String> = String::from_utf8_lossy(&files[0].1)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("lesson: ").map(str::to_string))
        .collect();
    for (n, slug) in linked.iter().enumerate() {
        let stub = format!("---\ntitle: {slug}\nsummary: s\n---\nText.\n");
        files.push((format!("{}-{slug}.md", n + 10), stub.into_bytes()));
    }
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    let dir = course_with(&files);
    set_language(dir.path(), "de");
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let page = |slug: &str| {
        std::fs::read_to_string(dir.path().join(format!("output/module/{slug}/index.html")))
            .unwrap()
    };
    let mut charts = chart_text(&page("the-gil"));
    assert!(charts.len() >= 4, "{} charts", charts.len());
    charts.extend(chart_text(&page("wartezeiten")));
    let all = charts.concat();
    for german in [
        "<summary>Daten</summary>",
        "<summary>Kennzahlen für jeden Wert</summary>",
        " (angezeigt)</strong>",
        "Simuliert mit dem GIL-Modell von crescu",
        "; gemessen mit CPython 3.",
        "<th scope=\"col\">Laufzeit (ms)</th>",
        "die Zeitleiste ist nur simuliert",
        ">führt Python aus<",
        "Zeitleiste des Laufs „",
        ">Zeit (ms)<",
        "Laufzeit je Lauf",
        "(Referenz)",
        "Verhältnis zu „",
        "gemessen mit CPython (Median, Spanne)",
        "Aufrufe je Verzögerungsklasse (20 Aufrufe)",
        "E/A-Latenz des Threads „EA“ im Lauf „gemischt“",
        "<th scope=\"col\">Verzögerung</th><th scope=\"col\">Aufrufe</th>",
    ] {
        assert!(all.contains(german), "`{german}` missing from the charts");
    }
    for english in [
        ">Data<",
        "Key figures",
        "(shown)",
        "Simulated by",
        "measured on",
        ">running Python<",
        "waiting for the GIL",
        "Timeline of",
        "time (ms)",
        "changed hands",
        "per run",
        "wall time",
        "(baseline)",
        "ratio to",
        " against ",
        "goes from",
        "Calls per delay",
        "I/O latency of",
        "99th percentile",
        "log scale",
        "the first)",
        " as long",
        "under 1%",
    ] {
        assert!(!all.contains(english), "`{english}` left in a German chart");
    }
    let times = numbers_before(&all, &[" ms", " µs"]);
    assert!(times.iter().any(|n| n.contains(',')), "{times:?}");
    assert!(
        times.iter().all(|n| !n.contains('.')),
        "decimal points in German times: {times:?}"
    );
    let ratios = numbers_before(&all, &["x so "]);
    assert!(
        !ratios.is_empty() && ratios.iter().all(|n| !n.contains('.')),
        "{ratios:?}"
    );
}

/// The numbers (digits, `.` and `,`) written just before each of `units`.
fn numbers_before(text: &str, units: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for unit in units {
        for (at, _) in text.match_indices(unit) {
            let number: String = text[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if number.starts_with(|c: char| c.is_ascii_digit()) {
                found.push(number);
            }
        }
    }
    found
}

/// The chart cache is keyed by the words too: the same simulation built in English and
/// then in German is drawn again, not taken from the English cache entry.
#[test]
fn a_language_change_redraws_cached_charts() {
    let dir = course_with(&[("03-wartezeiten.md", HISTOGRAM_LESSON)]);
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let page = || {
        std::fs::read_to_string(dir.path().join("output/module/wartezeiten/index.html")).unwrap()
    };
    assert!(page().contains("<summary>Data</summary>"));
    set_language(dir.path(), "de");
    let (code, stderr) = build(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let german = page();
    assert!(
        german.contains("<summary>Daten</summary>"),
        "an English chart was reused"
    );
    assert!(!german.contains("<summary>Data</summary>"));
}
