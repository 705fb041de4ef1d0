//! `imsmanifest.xml` for SCORM 1.2 and SCORM 2004 4th edition: one organization, one SCO
//! resource listing every file of the site, and items launching it for the whole course
//! or (per lesson) with `?lesson=module/lesson`, grouped by module.

use super::{LAUNCH_FILE, ScormOptions, ScormVersion};
use crate::content::Course;
use crate::html::escape;
use std::fmt::Write as _;

const HEAD_12: &str = r#"<manifest identifier="{ID}" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"#;

const HEAD_2004: &str = r#"<manifest identifier="{ID}" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>"#;

/// The manifest of a site whose files (paths with `/`, the manifest itself excluded)
/// are `files`.
pub fn manifest(course: &Course, options: ScormOptions, files: &[String]) -> String {
    let stem = crate::export::file_stem(course);
    let v12 = options.version == ScormVersion::V12;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&if v12 { HEAD_12 } else { HEAD_2004 }.replace("{ID}", &format!("crescu.{stem}")));
    let title = escape(&course.config.title);
    let _ = write!(
        out,
        "\n<organizations default=\"org\"><organization identifier=\"org\"><title>{title}</title>\n"
    );
    if options.per_lesson {
        for module in &course.modules {
            let _ = writeln!(
                out,
                "<item identifier=\"module.{}\"><title>{}</title>",
                module.slug,
                escape(&module.title)
            );
            for lesson in &module.lessons {
                let key = format!("{}/{}", module.slug, lesson.slug);
                let item = sco_item(
                    options.version,
                    &format!("lesson.{}.{}", module.slug, lesson.slug),
                    &escape(&lesson.title),
                    Some(&key),
                    course.config.mastery_score,
                );
                out.push_str(&item);
            }
            out.push_str("</item>\n");
        }
    } else {
        let item = sco_item(
            options.version,
            "course",
            &title,
            None,
            course.config.mastery_score,
        );
        out.push_str(&item);
    }
    out.push_str("</organization></organizations>\n<resources>\n");
    let kind = if v12 {
        "adlcp:scormtype"
    } else {
        "adlcp:scormType"
    };
    let _ = writeln!(
        out,
        "<resource identifier=\"sco\" type=\"webcontent\" {kind}=\"sco\" href=\"{LAUNCH_FILE}\">"
    );
    let mut sorted: Vec<&String> = files.iter().collect();
    sorted.sort();
    for file in sorted {
        let _ = writeln!(out, "<file href=\"{}\"/>", escape(&href(file)));
    }
    out.push_str("</resource>\n</resources>\n</manifest>\n");
    out
}

/// An item launching the SCO, with the mastery score where the version keeps it.
fn sco_item(
    version: ScormVersion,
    id: &str,
    title: &str,
    lesson: Option<&str>,
    mastery: Option<u8>,
) -> String {
    let parameters = lesson
        .map(|key| format!(" parameters=\"?lesson={}\"", escape(key)))
        .unwrap_or_default();
    let mastery = match (version, mastery) {
        (_, None) => String::new(),
        (ScormVersion::V12, Some(m)) => format!("<adlcp:masteryscore>{m}</adlcp:masteryscore>"),
        // The LMS judges the primary objective by cmi.score.scaled against this.
        (ScormVersion::V2004, Some(m)) => format!(
            "<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID=\"mastery\" satisfiedByMeasure=\"true\"><imsss:minNormalizedMeasure>{}</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives></imsss:sequencing>",
            f64::from(m) / 100.0
        ),
    };
    format!(
        "<item identifier=\"item.{id}\" identifierref=\"sco\"{parameters}><title>{title}</title>{mastery}</item>\n"
    )
}

/// A file path as a URI reference: everything but unreserved characters and `/`
/// percent-encoded (course assets may have spaces or non-ASCII names).
fn href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
        // A tiny tag scan is enough here: the integration tests parse manifests fully.
        xml.split('<')
            .skip(1)
            .filter(|t| !t.starts_with('/') && !t.starts_with('?'))
            .map(|t| {
                let t = t.split('>').next().unwrap().trim_end_matches('/');
                let mut parts = t.split(' ');
                let name = parts.next().unwrap().to_string();
                let attrs = parts
                    .filter_map(|a| a.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
                    .collect();
                (name, attrs)
            })
            .collect()
    }

    #[test]
    fn one_sco_lists_every_file_and_the_mastery_score() {
        let course = super::super::tests::course();
        let files = vec!["index.html".to_string(), "img/a b.png".to_string()];
        let v12 = ScormOptions {
            version: ScormVersion::V12,
            per_lesson: false,
        };
        let xml = manifest(&course, v12, &files);
        assert!(xml.contains("<schemaversion>1.2</schemaversion>"));
        assert!(xml.contains("<adlcp:masteryscore>80</adlcp:masteryscore>"));
        assert!(xml.contains("adlcp:scormtype=\"sco\" href=\"scorm.html\""));
        let hrefs: Vec<String> = parse(&xml)
            .into_iter()
            .filter(|(n, _)| n == "file")
            .map(|(_, a)| a[0].1.clone())
            .collect();
        assert_eq!(hrefs, ["img/a%20b.png", "index.html"]);
        let v2004 = ScormOptions {
            version: ScormVersion::V2004,
            per_lesson: true,
        };
        let xml = manifest(&course, v2004, &files);
        assert!(xml.contains("<schemaversion>2004 4th Edition</schemaversion>"));
        assert!(xml.contains("<imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>"));
        assert!(xml.contains("<item identifier=\"item.lesson.m.l\" identifierref=\"sco\" parameters=\"?lesson=m/l\"><title>L</title>"));
        assert!(xml.contains("<item identifier=\"module.m\"><title>M &amp; N</title>"));
    }
}
