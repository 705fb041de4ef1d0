//! `crescu export`: the GIFT bank read back by an independent parser (gift-pegjs from
//! npm), the QTI 2.1 package checked for what an importer relies on.
//!
//! No registry package ships the IMS QTI 2.1 XSD, so the QTI checks are written here:
//! well-formed XML in the right namespaces, a manifest listing exactly the package's
//! files, element order as the schema requires, declared responses for every
//! interaction, correct responses and feedback naming real choices, identifiers that are
//! XML names, and only the XHTML elements QTI allows inside items.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn fixture() -> std::path::PathBuf {
    repo().join("tests/fixtures/lms")
}

/// `crescu export` of `root` into a new folder: (exit code, stderr, the folder).
fn export(root: &Path, format: &str) -> (i32, String, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = crescu(&[
        "export",
        "--root",
        root.to_str().unwrap(),
        "--format",
        format,
        "--output",
        out.path().to_str().unwrap(),
    ]);
    (code, err, out)
}

/// The GIFT text parsed by gift-pegjs, as JSON; `None` when npm is not at hand.
fn parse_gift(file: &Path) -> Option<Vec<Value>> {
    let modules = npm_package("gift-pegjs", "1.0.2")?;
    let script = "const fs = require('fs'); const { parse } = require('gift-pegjs'); \
                  process.stdout.write(JSON.stringify(parse(fs.readFileSync(process.argv[1], 'utf8'))));";
    let out = std::process::Command::new("node")
        .env("NODE_PATH", &modules)
        .args(["-e", script])
        .arg(file)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "gift-pegjs refused the bank: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn by_title<'a>(items: &'a [Value], title: &str) -> &'a Value {
    items
        .iter()
        .find(|q| q["title"] == title)
        .unwrap_or_else(|| panic!("no question {title} in {items:#?}"))
}

#[test]
fn gift_bank_reads_back_with_an_independent_parser() {
    let (code, err, out) = export(&fixture(), "gift");
    assert_eq!(code, 0, "{err}");
    // What GIFT cannot say is a warning at the exercise, with file and line.
    for (id, line, what) in [
        ("builtins", 15, "its share of the mark"),
        ("exact", 28, "ignore case"),
        ("two-blanks", 35, "left out of the GIFT bank"),
    ] {
        let at = format!("content/01-basics/01-kinds.md:{line}");
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("exercise `{id}`")) && l.contains(what)),
            "{id}: {err}"
        );
        assert!(err.contains(&at), "{at}: {err}");
    }
    assert!(err.contains("exported 5 questions"), "{err}");
    let file = out.path().join("lms-fixture.gift.txt");
    let Some(items) = parse_gift(&file) else {
        return;
    };
    let categories: Vec<&str> = items
        .iter()
        .filter(|i| i["type"] == "Category")
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        [
            "LMS Fixture/Basics // first steps/Every kind: a tour",
            "LMS Fixture/More/The last lesson"
        ]
    );
    let pick = by_title(&items, "basics/kinds/pick");
    assert_eq!(pick["type"], "MC");
    assert_eq!(pick["stem"]["format"], "html");
    assert_eq!(
        pick["stem"]["text"],
        "Which module starts <em>processes</em>?"
    );
    let choices = pick["choices"].as_array().unwrap();
    assert_eq!(choices[0]["isCorrect"], false);
    assert_eq!(choices[1]["isCorrect"], true);
    // GIFT's special characters survive escaping.
    assert_eq!(
        choices[0]["feedback"]["text"],
        "It starts threads; <code>a = b</code> {braces} # and ~tilde: all kept."
    );
    assert_eq!(
        pick["globalFeedback"]["text"],
        "The <code>multiprocessing</code> module starts processes."
    );
    let builtins = by_title(&items, "basics/kinds/builtins");
    let weights: Vec<&Value> = builtins["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["weight"])
        .collect();
    assert_eq!(weights, [50, 50, -100]);
    let share = by_title(&items, "basics/kinds/share");
    assert_eq!(
        (&share["type"], &share["isTrue"]),
        (&"TF".into(), &true.into())
    );
    let exact = by_title(&items, "basics/kinds/exact");
    assert_eq!(exact["type"], "Short");
    let answers: Vec<&Value> = exact["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["text"]["text"])
        .collect();
    assert_eq!(answers, ["GIL", "Global Interpreter Lock"]);
    assert!(
        !items
            .iter()
            .any(|q| q["title"] == "basics/kinds/two-blanks"),
        "left out, as warned"
    );
    assert_eq!(items.iter().filter(|q| q["type"] != "Category").count(), 5);
}

#[test]
fn example_course_gift_bank_parses() {
    let (code, err, out) = export(&repo(), "gift");
    assert_eq!(code, 0, "{err}");
    let Some(items) = parse_gift(&out.path().join("python-concurrency.gift.txt")) else {
        return;
    };
    let questions = items.iter().filter(|q| q["type"] != "Category").count();
    assert!(
        err.contains(&format!("exported {questions} questions")),
        "{err}"
    );
    assert!(questions >= 20, "{questions}");
}

#[test]
fn banks_are_the_same_bytes_twice() {
    for (format, file) in [
        ("gift", "lms-fixture.gift.txt"),
        ("qti21", "lms-fixture-qti21.zip"),
    ] {
        let (_, _, a) = export(&fixture(), format);
        let (_, _, b) = export(&fixture(), format);
        assert_eq!(
            std::fs::read(a.path().join(file)).unwrap(),
            std::fs::read(b.path().join(file)).unwrap(),
            "{format}"
        );
    }
}

#[test]
fn export_of_a_broken_course_fails_and_writes_nothing() {
    let dir = course_with(&[("01-bad.md", b"---\ntitle: [unclosed\n---\n")]);
    let (code, err, out) = export(dir.path(), "qti21");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("01-bad.md:3:1"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

/// Every file of a zip: (name, text).
fn unzip(file: &Path) -> Vec<(String, String)> {
    zip_entries(file)
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
        .collect()
}

const QTI: &str = "http://www.imsglobal.org/xsd/imsqti_v2p1";

/// QTI 2.1 elements that may appear inside an item body or feedback, and the XHTML
/// subset QTI allows there (no `del`, `s`, `script`, `style`, ...).
const ALLOWED_IN_CONTENT: &[&str] = &[
    "prompt",
    "simpleChoice",
    "choiceInteraction",
    "textEntryInteraction",
    "p",
    "a",
    "abbr",
    "b",
    "br",
    "cite",
    "code",
    "dfn",
    "em",
    "i",
    "kbd",
    "q",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "tt",
    "var",
    "img",
    "div",
    "pre",
    "ul",
    "ol",
    "li",
];

/// An identifier QTI accepts: an XML NCName (here: ASCII or letters, no colon).
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn check_item(name: &str, xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "assessmentItem", "{name}");
    assert_eq!(root.tag_name().namespace(), Some(QTI), "{name}");
    let id = root.attribute("identifier").unwrap().to_string();
    assert!(is_ncname(&id), "{name}: identifier {id}");
    for a in ["title", "adaptive", "timeDependent"] {
        assert!(root.attribute(a).is_some(), "{name}: {a}");
    }
    // Children in the order of the schema's sequence.
    let order = [
        "responseDeclaration",
        "outcomeDeclaration",
        "itemBody",
        "responseProcessing",
        "modalFeedback",
    ];
    let ranks: Vec<usize> = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            order
                .iter()
                .position(|o| *o == n.tag_name().name())
                .unwrap_or_else(|| panic!("{name}: unexpected {:?}", n.tag_name()))
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{name}: {ranks:?}");
    let declared: BTreeSet<&str> = root
        .children()
        .filter(|n| n.has_tag_name((QTI, "responseDeclaration")))
        .map(|n| n.attribute("identifier").unwrap())
        .collect();
    let body = root
        .children()
        .find(|n| n.has_tag_name((QTI, "itemBody")))
        .unwrap();
    let mut used = BTreeSet::new();
    for n in body.descendants().filter(|n| n.is_element()).skip(1) {
        let tag = n.tag_name().name();
        assert!(
            ALLOWED_IN_CONTENT.contains(&tag),
            "{name}: <{tag}> in itemBody"
        );
        if let Some(r) = n.attribute("responseIdentifier") {
            used.insert(r);
        }
    }
    assert_eq!(
        declared, used,
        "{name}: declared responses and interactions"
    );
    let choices: BTreeSet<&str> = body
        .descendants()
        .filter(|n| n.has_tag_name((QTI, "simpleChoice")))
        .map(|n| n.attribute("identifier").unwrap())
        .collect();
    for value in root
        .descendants()
        .filter(|n| n.has_tag_name((QTI, "correctResponse")))
        .filter(|n| n.parent().unwrap().attribute("baseType") == Some("identifier"))
        .flat_map(|n| n.children().filter(|c| c.is_element()))
    {
        assert!(choices.contains(value.text().unwrap()), "{name}: {value:?}");
    }
    for fb in root
        .children()
        .filter(|n| n.has_tag_name((QTI, "modalFeedback")))
    {
        let id = fb.attribute("identifier").unwrap();
        assert!(
            id == "EXPLANATION" || choices.contains(id),
            "{name}: feedback for {id}"
        );
        for n in fb.descendants().filter(|n| n.is_element()).skip(1) {
            let tag = n.tag_name().name();
            assert!(
                ALLOWED_IN_CONTENT.contains(&tag),
                "{name}: <{tag}> in feedback"
            );
        }
    }
    id
}

#[test]
fn qti_package_holds_every_exercise_in_the_shape_importers_expect() {
    let (code, err, out) = export(&fixture(), "qti21");
    assert_eq!(code, 0, "{err}");
    // QTI says it all but strikethrough.
    let warned: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("warning[export"))
        .collect();
    assert_eq!(warned.len(), 1, "{err}");
    assert!(
        warned[0].starts_with("warning[export-strikethrough]: exercise `share`"),
        "{err}"
    );
    let files = unzip(&out.path().join("lms-fixture-qti21.zip"));
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let text = |n: &str| &files.iter().find(|(f, _)| f == n).unwrap().1;
    let manifest = roxmltree::Document::parse(text("imsmanifest.xml")).unwrap();
    let cp = "http://www.imsglobal.org/xsd/imscp_v1p1";
    assert_eq!(manifest.root_element().tag_name().namespace(), Some(cp));
    let listed: BTreeSet<&str> = manifest
        .descendants()
        .filter(|n| n.has_tag_name((cp, "file")))
        .map(|n| n.attribute("href").unwrap())
        .collect();
    let mut packaged = names.clone();
    packaged.remove("imsmanifest.xml");
    assert_eq!(
        listed, packaged,
        "the manifest lists exactly the package's files"
    );
    let mut items = Vec::new();
    for (name, xml) in files.iter().filter(|(n, _)| n.starts_with("items/")) {
        let id = check_item(name, xml);
        items.push((name.clone(), id, xml.clone()));
    }
    assert_eq!(items.len(), 6, "every exercise, the two-blank one too");
    let ids: BTreeSet<&String> = items.iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids.len(), items.len(), "identifiers are unique");
    let item = |n: &str| &items.iter().find(|(f, _, _)| f == n).unwrap().2;
    let exact = item("items/basics/kinds/exact.xml");
    assert!(exact.contains("mapKey=\"GIL\" mappedValue=\"1\" caseSensitive=\"true\""));
    assert!(exact.contains("mapKey=\"Global Interpreter Lock\""));
    let two = item("items/basics/kinds/two-blanks.xml");
    assert_eq!(two.matches("<textEntryInteraction").count(), 2);
    assert!(two.contains("caseSensitive=\"false\""));
    let builtins = item("items/basics/kinds/builtins.xml");
    assert!(builtins.contains("cardinality=\"multiple\""));
    assert!(
        builtins.contains("<correctResponse><value>C0</value><value>C1</value></correctResponse>")
    );
    let share = item("items/basics/kinds/share.xml");
    assert!(share.contains("<span class=\"strikethrough\">separate processes</span>"));
    let pick = item("items/basics/kinds/pick.xml");
    assert!(pick.contains("<modalFeedback outcomeIdentifier=\"FEEDBACK\" identifier=\"C0\""));
    assert!(pick.contains("<code>a = b</code> {braces} # and ~tilde: all kept."));
    // The test: a section per module holding a section per lesson, every item once.
    let test = roxmltree::Document::parse(text("test.xml")).unwrap();
    let sections: Vec<&str> = test
        .descendants()
        .filter(|n| n.has_tag_name((QTI, "assessmentSection")))
        .map(|n| n.attribute("title").unwrap())
        .collect();
    assert_eq!(
        sections,
        [
            "Basics / first steps",
            "Every kind: a tour",
            "More",
            "The last lesson"
        ]
    );
    let refs: BTreeSet<&str> = test
        .descendants()
        .filter(|n| n.has_tag_name((QTI, "assessmentItemRef")))
        .map(|n| n.attribute("href").unwrap())
        .collect();
    let item_files: BTreeSet<&str> = items.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(refs, item_files);
}

#[test]
fn example_course_qti_package_passes_the_item_checks() {
    let (code, err, out) = export(&repo(), "qti21");
    assert_eq!(code, 0, "{err}");
    let files = unzip(&out.path().join("python-concurrency-qti21.zip"));
    let items = files.iter().filter(|(n, _)| n.starts_with("items/"));
    assert!(items.clone().count() >= 20);
    for (name, xml) in items {
        check_item(name, xml);
    }
}
