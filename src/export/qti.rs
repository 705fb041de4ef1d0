//! QTI 2.1: an IMS content package (zip) holding one `assessmentItem` per exercise and
//! one `assessmentTest` whose sections are the course's modules and lessons.
//!
//! QTI says everything crescu's exercises say: per-choice feedback and the explanation
//! as modal feedback, all-or-nothing "select all that apply", every accepted answer of
//! every blank with its case sensitivity.

use super::{Bank, BankFile, Placed, file_stem, inline_html};
use crate::content::quiz::split_blanks;
use crate::content::{Choice, Course, ExerciseKind};
use crate::html::escape;
use crate::markdown::Renderer;
use std::fmt::Write as _;

const QTI_NS: &str = "http://www.imsglobal.org/xsd/imsqti_v2p1";
const QTI_XSD: &str = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd";
const CP_NS: &str = "http://www.imsglobal.org/xsd/imscp_v1p1";
const CP_XSD: &str = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd";

pub fn bank(course: &Course, md: &Renderer) -> Bank {
    let mut warnings = Vec::new();
    let items: Vec<(Placed, String)> = super::placed(course)
        .map(|p| {
            let xml = item(&p, md);
            if xml.contains(STRUCK) {
                warnings.push(p.warning(
                    "export-strikethrough",
                    "QTI has no strikethrough: struck text is a span of class `strikethrough`, shown struck only where the LMS styles that class",
                ));
            }
            (p, xml)
        })
        .collect();
    let mut entries: Vec<(String, Vec<u8>)> = items
        .iter()
        .map(|(p, xml)| (item_path(p), xml.clone().into_bytes()))
        .collect();
    let placed: Vec<&Placed> = items.iter().map(|(p, _)| p).collect();
    entries.push(("test.xml".into(), test(course, &placed).into_bytes()));
    entries.push((
        "imsmanifest.xml".into(),
        manifest(course, &placed).into_bytes(),
    ));
    let bytes =
        crate::archive::deterministic_zip(&entries).expect("zipping into memory does not fail");
    Bank {
        files: vec![BankFile {
            path: format!("{}-qti21.zip", file_stem(course)),
            bytes,
        }],
        warnings,
        questions: items.len(),
    }
}

/// A QTI identifier (an XML NCName) from the exercise's place: `crescu.module.lesson.id`.
pub fn identifier(p: &Placed) -> String {
    // Slugs and ids are letters, digits, `-` and `_`: NCName characters once prefixed.
    format!(
        "crescu.{}.{}.{}",
        p.module.slug, p.lesson.slug, p.exercise.id
    )
}

fn item_path(p: &Placed) -> String {
    format!("items/{}.xml", p.key())
}

/// The class strikethrough text gets, QTI's XHTML having no `<del>`.
const STRUCK: &str = "<span class=\"strikethrough\">";

/// Inline HTML in QTI's XHTML subset.
fn qti_html(md: &Renderer, text: &str) -> String {
    inline_html(md, text)
        .replace("<del>", STRUCK)
        .replace("</del>", "</span>")
}

/// The parts of an item that differ between exercise kinds.
#[derive(Default)]
struct ItemParts {
    declarations: String,
    body: String,
    processing: String,
    feedback: String,
}

/// The `assessmentItem` of one exercise.
fn item(p: &Placed, md: &Renderer) -> String {
    let ex = p.exercise;
    let html = |text: &str| qti_html(md, text);
    let mut parts = match &ex.kind {
        ExerciseKind::MultipleChoice {
            options,
            correct,
            select_all,
        } => choice_parts(&html(&ex.prompt), options, correct, *select_all, &html),
        ExerciseKind::TrueFalse { answer } => {
            let mut parts = ItemParts::default();
            let right = if *answer { "TRUE" } else { "FALSE" };
            choice_declaration(&mut parts.declarations, &[right.to_string()], false);
            parts.body = format!(
                "<choiceInteraction responseIdentifier=\"RESPONSE\" shuffle=\"false\" maxChoices=\"1\"><prompt>{}</prompt><simpleChoice identifier=\"TRUE\">True</simpleChoice><simpleChoice identifier=\"FALSE\">False</simpleChoice></choiceInteraction>",
                html(&ex.prompt)
            );
            parts
        }
        ExerciseKind::FillBlank {
            blanks,
            case_sensitive,
        } => blank_parts(&ex.prompt, blanks, *case_sensitive, &html),
    };
    parts.processing = match &ex.kind {
        ExerciseKind::FillBlank { blanks, .. } => all_blanks_right(blanks.len(), ex.xp),
        _ => match_correct(ex.xp),
    };
    let explained = ex.explanation.as_deref().map(html);
    if let Some(explanation) = &explained {
        modal(&mut parts.feedback, "EXPLANATION", explanation);
    }
    // Shown after a response: the feedback of the picked choices, then the explanation.
    let picked = match ex.kind {
        ExerciseKind::FillBlank { .. } => "",
        _ => "<variable identifier=\"RESPONSE\"/>",
    };
    let explanation = if explained.is_some() {
        "<baseValue baseType=\"identifier\">EXPLANATION</baseValue>"
    } else {
        ""
    };
    let shown = if picked.is_empty() && explanation.is_empty() {
        String::new()
    } else {
        format!(
            "<setOutcomeValue identifier=\"FEEDBACK\"><multiple>{picked}{explanation}</multiple></setOutcomeValue>"
        )
    };
    let ItemParts {
        declarations,
        body,
        processing,
        feedback,
    } = parts;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<assessmentItem xmlns=\"{QTI_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{QTI_NS} {QTI_XSD}\" identifier=\"{}\" title=\"{}\" adaptive=\"false\" timeDependent=\"false\">\n{declarations}<outcomeDeclaration identifier=\"SCORE\" cardinality=\"single\" baseType=\"float\"><defaultValue><value>0</value></defaultValue></outcomeDeclaration>\n<outcomeDeclaration identifier=\"MAXSCORE\" cardinality=\"single\" baseType=\"float\"><defaultValue><value>{}</value></defaultValue></outcomeDeclaration>\n<outcomeDeclaration identifier=\"FEEDBACK\" cardinality=\"multiple\" baseType=\"identifier\"/>\n<itemBody>{body}</itemBody>\n<responseProcessing>{processing}{shown}</responseProcessing>\n{feedback}</assessmentItem>\n",
        identifier(p),
        escape(&p.key()),
        ex.xp
    )
}

/// A choice interaction: one choice per option, each option's `why` as its feedback.
fn choice_parts(
    prompt: &str,
    options: &[Choice],
    correct: &[usize],
    select_all: bool,
    html: &dyn Fn(&str) -> String,
) -> ItemParts {
    let mut parts = ItemParts::default();
    let ids: Vec<String> = correct.iter().map(|i| format!("C{i}")).collect();
    choice_declaration(&mut parts.declarations, &ids, select_all);
    let _ = write!(
        parts.body,
        "<choiceInteraction responseIdentifier=\"RESPONSE\" shuffle=\"false\" maxChoices=\"{}\"><prompt>{prompt}</prompt>",
        if select_all { 0 } else { 1 },
    );
    for (i, Choice { text, why }) in options.iter().enumerate() {
        let _ = write!(
            parts.body,
            "<simpleChoice identifier=\"C{i}\">{}</simpleChoice>",
            html(text)
        );
        if let Some(why) = why {
            modal(&mut parts.feedback, &format!("C{i}"), &html(why));
        }
    }
    parts.body.push_str("</choiceInteraction>");
    parts
}

/// The prompt as a paragraph with a text entry in place of each blank.
fn blank_parts(
    prompt: &str,
    blanks: &[Vec<String>],
    case_sensitive: bool,
    html: &dyn Fn(&str) -> String,
) -> ItemParts {
    let mut parts = ItemParts::default();
    parts.body.push_str("<p>");
    for (i, piece) in split_blanks(prompt).iter().enumerate() {
        parts.body.push_str(&html(piece));
        if let Some(accepted) = blanks.get(i) {
            blank_declaration(&mut parts.declarations, i, accepted, case_sensitive);
            let longest = accepted.iter().map(|a| a.chars().count()).max();
            let _ = write!(
                parts.body,
                " <textEntryInteraction responseIdentifier=\"BLANK{i}\" expectedLength=\"{}\"/> ",
                longest.unwrap_or(10).max(5)
            );
        }
    }
    parts.body.push_str("</p>");
    parts
}

fn choice_declaration(out: &mut String, correct: &[String], multiple: bool) {
    let values: String = correct
        .iter()
        .map(|id| format!("<value>{id}</value>"))
        .collect();
    let _ = writeln!(
        out,
        "<responseDeclaration identifier=\"RESPONSE\" cardinality=\"{}\" baseType=\"identifier\"><correctResponse>{values}</correctResponse></responseDeclaration>",
        if multiple { "multiple" } else { "single" }
    );
}

/// A blank: its first answer as the correct response, every accepted answer mapped to 1.
fn blank_declaration(out: &mut String, index: usize, accepted: &[String], case_sensitive: bool) {
    let entries: String = accepted
        .iter()
        .map(|a| {
            format!(
                "<mapEntry mapKey=\"{}\" mappedValue=\"1\" caseSensitive=\"{case_sensitive}\"/>",
                escape(a.trim())
            )
        })
        .collect();
    let first = accepted.first().map_or("", |a| a.trim());
    let _ = writeln!(
        out,
        "<responseDeclaration identifier=\"BLANK{index}\" cardinality=\"single\" baseType=\"string\"><correctResponse><value>{}</value></correctResponse><mapping defaultValue=\"0\">{entries}</mapping></responseDeclaration>",
        escape(first)
    );
}

/// SCORE = the exercise's XP when the response is exactly the correct one.
fn match_correct(xp: u32) -> String {
    format!(
        "<responseCondition><responseIf><match><variable identifier=\"RESPONSE\"/><correct identifier=\"RESPONSE\"/></match><setOutcomeValue identifier=\"SCORE\"><baseValue baseType=\"float\">{xp}</baseValue></setOutcomeValue></responseIf></responseCondition>"
    )
}

/// SCORE = the exercise's XP when every blank holds one of its accepted answers.
fn all_blanks_right(blanks: usize, xp: u32) -> String {
    let tests: String = (0..blanks)
        .map(|i| format!("<gte><mapResponse identifier=\"BLANK{i}\"/><baseValue baseType=\"float\">1</baseValue></gte>"))
        .collect();
    format!(
        "<responseCondition><responseIf><and>{tests}</and><setOutcomeValue identifier=\"SCORE\"><baseValue baseType=\"float\">{xp}</baseValue></setOutcomeValue></responseIf></responseCondition>"
    )
}

fn modal(out: &mut String, identifier: &str, html: &str) {
    let _ = writeln!(
        out,
        "<modalFeedback outcomeIdentifier=\"FEEDBACK\" identifier=\"{identifier}\" showHide=\"show\">{html}</modalFeedback>"
    );
}

/// The test: one section per module holding one section per lesson.
fn test(course: &Course, placed: &[&Placed]) -> String {
    let mut sections = String::new();
    let mut open: Option<(&str, &str)> = None;
    for p in placed {
        let (m, l) = (p.module.slug.as_str(), p.lesson.slug.as_str());
        if open.map(|o| o.0) != Some(m) {
            if open.is_some() {
                sections.push_str("</assessmentSection></assessmentSection>\n");
            }
            let _ = write!(
                sections,
                "<assessmentSection identifier=\"module.{m}\" title=\"{}\" visible=\"true\">",
                escape(&p.module.title)
            );
        } else if open.map(|o| o.1) != Some(l) {
            sections.push_str("</assessmentSection>\n");
        }
        if open != Some((m, l)) {
            let _ = write!(
                sections,
                "<assessmentSection identifier=\"lesson.{m}.{l}\" title=\"{}\" visible=\"true\">",
                escape(&p.lesson.title)
            );
        }
        open = Some((m, l));
        let _ = write!(
            sections,
            "<assessmentItemRef identifier=\"{}\" href=\"{}\"/>",
            identifier(p),
            escape(&item_path(p))
        );
    }
    if open.is_some() {
        sections.push_str("</assessmentSection></assessmentSection>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<assessmentTest xmlns=\"{QTI_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{QTI_NS} {QTI_XSD}\" identifier=\"crescu.{}\" title=\"{}\">\n<testPart identifier=\"part\" navigationMode=\"nonlinear\" submissionMode=\"individual\">\n{sections}</testPart>\n</assessmentTest>\n",
        file_stem(course),
        escape(&course.config.title)
    )
}

/// The content package's manifest: every item, and the test depending on them all.
fn manifest(course: &Course, placed: &[&Placed]) -> String {
    let mut resources = String::new();
    let mut dependencies = String::new();
    for p in placed {
        let (id, path) = (identifier(p), escape(&item_path(p)));
        let _ = writeln!(
            resources,
            "<resource identifier=\"{id}\" type=\"imsqti_item_xmlv2p1\" href=\"{path}\"><file href=\"{path}\"/></resource>"
        );
        let _ = write!(dependencies, "<dependency identifierref=\"{id}\"/>");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"{CP_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{CP_NS} {CP_XSD}\" identifier=\"crescu.{stem}.qti21\">\n<metadata><schema>QTIv2.1 Package</schema><schemaversion>1.0.0</schemaversion></metadata>\n<organizations/>\n<resources>\n<resource identifier=\"crescu.{stem}\" type=\"imsqti_test_xmlv2p1\" href=\"test.xml\"><file href=\"test.xml\"/>{dependencies}</resource>\n{resources}</resources>\n</manifest>\n",
        stem = file_stem(course),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strikethrough_becomes_a_span_qti_allows() {
        let md = Renderer::new();
        assert_eq!(
            qti_html(&md, "a ~~b~~ *c*"),
            "a <span class=\"strikethrough\">b</span> <em>c</em>"
        );
    }
}
