//! SCORM packages: the zip and its manifest, and the launch page driven end to end in
//! headless Chromium by an LMS runtime from npm (scorm-again) in a wrapper page that
//! frames the launch file, as an LMS does. Set `CRESCU_SCREENSHOTS=<dir>` to save what the
//! learner sees after answering.

mod common;

use common::chromium::{Browser, Mode, Server, js, runtime, wait_until};
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/lms")
}

/// `crescu build --scorm VERSION [extra]` of the fixture into `dir/out`; the package path.
fn build(dir: &Path, version: &str, extra: &[&str]) -> PathBuf {
    let package = build_course(&fixture(), dir, version, extra);
    assert_eq!(
        package,
        dir.join(format!("lms-fixture-scorm-{version}.zip")),
        "named after the course, beside the output folder"
    );
    package
}

/// `crescu build --scorm VERSION [extra]` of the course `root` into `dir/out`; the
/// package the build reported.
fn build_course(root: &Path, dir: &Path, version: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--scorm",
        version,
    ];
    args.extend(extra);
    let (code, _, err) = crescu(&args);
    assert_eq!(code, 0, "{err}");
    let reported = err
        .lines()
        .find_map(|l| l.strip_prefix("SCORM package: "))
        .unwrap_or_else(|| panic!("no package reported: {err}"));
    PathBuf::from(reported)
}

fn manifest_of(files: &[(String, Vec<u8>)]) -> String {
    let (_, bytes) = files
        .iter()
        .find(|(n, _)| n == "imsmanifest.xml")
        .expect("imsmanifest.xml at the root");
    String::from_utf8(bytes.clone()).unwrap()
}

#[test]
fn packages_are_byte_identical_and_list_every_file() {
    for (version, cp, schema) in [
        (
            "1.2",
            "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
            "1.2",
        ),
        (
            "2004",
            "http://www.imsglobal.org/xsd/imscp_v1p1",
            "2004 4th Edition",
        ),
    ] {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (za, zb) = (build(a.path(), version, &[]), build(b.path(), version, &[]));
        assert_eq!(
            std::fs::read(&za).unwrap(),
            std::fs::read(&zb).unwrap(),
            "{version}"
        );
        let files = zip_entries(&za);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "entries sorted");
        let xml = manifest_of(&files);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().namespace(), Some(cp), "{version}");
        let text_of = |tag: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name((cp, tag)))
                .and_then(|n| n.text())
                .map(str::to_string)
        };
        assert_eq!(text_of("schema").as_deref(), Some("ADL SCORM"));
        assert_eq!(text_of("schemaversion").as_deref(), Some(schema));
        let count = |tag: &str| {
            doc.descendants()
                .filter(|n| n.has_tag_name((cp, tag)))
                .count()
        };
        assert_eq!(count("organization"), 1);
        assert_eq!(count("resource"), 1);
        assert_eq!(count("item"), 1, "one SCO for the course by default");
        let listed: BTreeSet<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name((cp, "file")))
            .map(|n| n.attribute("href").unwrap())
            .collect();
        let packaged: BTreeSet<&str> = names
            .iter()
            .copied()
            .filter(|n| *n != "imsmanifest.xml")
            .collect();
        assert_eq!(
            listed, packaged,
            "{version}: every file of the site is listed"
        );
        assert!(packaged.contains("scorm.html") && packaged.contains("static/scorm.js"));
        let resource = doc
            .descendants()
            .find(|n| n.has_tag_name((cp, "resource")))
            .unwrap();
        assert_eq!(resource.attribute("href"), Some("scorm.html"));
        let mastery = if version == "1.2" {
            "<adlcp:masteryscore>60</adlcp:masteryscore>"
        } else {
            "<imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>"
        };
        assert!(xml.contains(mastery), "{xml}");
    }
}

#[test]
fn per_lesson_packages_have_one_item_per_lesson() {
    let dir = tempfile::tempdir().unwrap();
    let files = zip_entries(&build(dir.path(), "2004", &["--scorm-per-lesson"]));
    let xml = manifest_of(&files);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let launches: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("parameters"))
        .collect();
    assert_eq!(launches, ["?lesson=basics/kinds", "?lesson=more/last"]);
}

#[test]
fn plain_builds_carry_no_scorm_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let options = crescu::build::BuildOptions {
        use_cache: false,
        ..crescu::build::BuildOptions::new(fixture(), Some(out.clone()))
    };
    crescu::build::build(&options).unwrap();
    assert!(!out.join("scorm.html").exists());
    assert!(!out.join("static/scorm.js").exists());
    assert!(!out.join("imsmanifest.xml").exists());
    let page = std::fs::read_to_string(out.join("basics/kinds/index.html")).unwrap();
    assert!(!page.contains("scorm.js"));
    let zips: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "zip"))
        .collect();
    assert!(zips.is_empty(), "{zips:?}");
}

/// The wrapper page: an LMS runtime (scorm-again) exposing the API to a frame that loads
/// the package's launch file, counting the calls the SCO makes.
const WRAPPER: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><script src="scorm-again.js"></script></head>
<body><iframe id="sco" style="width:1200px;height:800px"></iframe>
<script>
var V = new URLSearchParams(location.search).get("v");
window.calls = { init: 0, finish: 0, commit: 0, set: 0 };
function launch(start) {
  var api = V === "1.2" ? new Scorm12API({ logLevel: 5 }) : new Scorm2004API({ logLevel: 5 });
  if (start) api.loadFromJSON(start);
  var names = V === "1.2" ? ["LMSInitialize", "LMSFinish", "LMSCommit", "LMSSetValue"]
                          : ["Initialize", "Terminate", "Commit", "SetValue"];
  ["init", "finish", "commit", "set"].forEach((k, i) => {
    var f = api[names[i]].bind(api);
    api[names[i]] = (...a) => { calls[k]++; return f(...a); };
  });
  window.api = api;
  if (V === "1.2") window.API = api; else window.API_1484_11 = api;
  document.getElementById("sco").src = "pkg/scorm.html" + (new URLSearchParams(location.search).get("q") || "");
}
// A data-model value, write-only ones (1.2's interactions) read from the runtime's JSON.
function read(path) {
  try { return api.getCMIValue(path); } catch (e) {
    return path.split(".").reduce((o, k) => o[k], api.renderCMIToJSONObject());
  }
}
function course() { return document.getElementById("sco").contentDocument.getElementById("crescu-course").contentWindow; }
launch(null);
</script></body></html>"#;

/// The course page inside the launch page inside the wrapper.
const PAGE: &str = "var w = course(); var d = w.document;";

async fn answer(c: &fantoccini::Client, exercise: &str, values: &[&str]) {
    let script = format!(
        "{PAGE} var ex = d.getElementById('exercise-{exercise}');
         var retry = ex.querySelector('[data-action=retry]'); if (!retry.hidden) retry.click();
         var values = {values};
         var blanks = ex.querySelectorAll('input.blank');
         if (blanks.length) blanks.forEach((b, i) => {{ b.value = values[i]; }});
         else ex.querySelectorAll('input[name=choice]').forEach(i => {{ i.checked = values.includes(i.value); }});
         ex.querySelector('button.check').click();
         return ex.querySelector('.feedback').className;",
        values = json!(values)
    );
    js(c, &script).await;
}

/// Reads `element` from the current API's data model.
async fn cmi(c: &fantoccini::Client, element: &str) -> Value {
    js(c, &format!("return read({});", json!(element))).await
}

async fn in_lesson(c: &fantoccini::Client, key: &str) {
    wait_until(
        c,
        &format!(
            "try {{ {PAGE} return w.location.pathname.endsWith('/{key}/index.html') && d.readyState === 'complete' && !d.querySelector('.exercise-actions').hidden; }} catch (e) {{ return false; }}"
        ),
        &format!("the lesson {key} is shown with its script"),
    )
    .await;
}

/// With `CRESCU_SCREENSHOTS=<dir>`, the wrapper and the course in it as `<dir>/<name>.png`.
async fn screenshot(c: &fantoccini::Client, name: &str) {
    if let Some(dir) = std::env::var_os("CRESCU_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// Shows the lesson `key` in the launch page's frame, and waits for its script.
async fn go(c: &fantoccini::Client, key: &str) {
    // A URL from the wrapper's script resolves against the wrapper: made absolute here.
    js(
        c,
        &format!(
            "{PAGE} w.location.href = new URL('/pkg/{key}/index.html', w.location.href).href;"
        ),
    )
    .await;
    in_lesson(c, key).await;
}

/// With `mastery_score: 60`: everything answered below it is "failed", and enough right
/// answers later make it "passed".
async fn fail_then_pass(c: &fantoccini::Client, origin: &str) {
    c.goto(&format!("{origin}/wrapper.html?v=1.2"))
        .await
        .unwrap();
    wait_until(c, "return calls.init === 1", "the SCO initialised").await;
    let status = async || cmi(c, "cmi.core.lesson_status").await;
    go(c, "basics/kinds").await;
    answer(c, "pick", &["0"]).await;
    answer(c, "builtins", &["2"]).await;
    answer(c, "share", &["false"]).await;
    answer(c, "exact", &["gil"]).await;
    answer(c, "two-blanks", &["threading", "io"]).await;
    assert_eq!(
        status().await,
        json!("incomplete"),
        "a lesson is still unseen"
    );
    go(c, "more/last").await;
    answer(c, "asyncio-threads", &["false"]).await;
    assert_eq!(status().await, json!("failed"), "all answered, 0 of 50 XP");
    answer(c, "asyncio-threads", &["true"]).await;
    assert_eq!(status().await, json!("failed"), "15 of 50 XP");
    go(c, "basics/kinds").await;
    answer(c, "pick", &["1"]).await;
    answer(c, "builtins", &["0", "1"]).await;
    assert_eq!(status().await, json!("passed"), "35 of 50 XP");
    assert_eq!(cmi(c, "cmi.core.score.raw").await, json!("70"));
}

/// A per-lesson SCO reports its own lesson only.
async fn one_lesson(c: &fantoccini::Client, origin: &str) {
    c.goto(&format!(
        "{origin}/wrapper.html?v=2004&q=%3Flesson%3Dmore%2Flast"
    ))
    .await
    .unwrap();
    wait_until(c, "return calls.init === 1", "the SCO initialised").await;
    in_lesson(c, "more/last").await;
    answer(c, "asyncio-threads", &["true"]).await;
    assert_eq!(cmi(c, "cmi.score.scaled").await, json!("1"));
    assert_eq!(cmi(c, "cmi.completion_status").await, json!("completed"));
    assert_eq!(cmi(c, "cmi.success_status").await, json!("passed"));
}

/// Launch, answer wrong then right, close, relaunch: progress, score, status, few commits.
async fn session_round_trip(c: &fantoccini::Client, origin: &str, version: &str) {
    let v12 = version == "1.2";
    let status = |n: &str| {
        if v12 {
            format!("cmi.core.{n}")
        } else {
            format!("cmi.{n}")
        }
    };
    c.goto(&format!("{origin}/wrapper.html?v={version}"))
        .await
        .unwrap();
    wait_until(c, "return calls.init === 1", "the SCO initialised").await;
    wait_until(
        c,
        &format!("try {{ {PAGE} return w.location.pathname.endsWith('/pkg/index.html') && d.readyState === 'complete'; }} catch (e) {{ return false; }}"),
        "the course index is shown in the launch page",
    )
    .await;
    // A URL from the wrapper's script resolves against the wrapper: made absolute here.
    js(
        c,
        &format!(
            "{PAGE} w.location.href = new URL('basics/kinds/index.html', w.location.href).href;"
        ),
    )
    .await;
    in_lesson(c, "basics/kinds").await;
    answer(c, "pick", &["0"]).await;
    answer(c, "pick", &["1"]).await;
    let raw = if v12 {
        "cmi.core.score.raw"
    } else {
        "cmi.score.raw"
    };
    assert_eq!(cmi(c, raw).await, json!("20"), "10 of 50 XP");
    let lesson_status = if v12 {
        cmi(c, "cmi.core.lesson_status").await
    } else {
        cmi(c, "cmi.completion_status").await
    };
    assert_eq!(lesson_status, json!("incomplete"));
    assert_eq!(cmi(c, "cmi.interactions._count").await, json!(2));
    let wrong = if v12 { "wrong" } else { "incorrect" };
    assert_eq!(cmi(c, "cmi.interactions.0.result").await, json!(wrong));
    assert_eq!(cmi(c, "cmi.interactions.1.result").await, json!("correct"));
    assert_eq!(
        cmi(c, "cmi.interactions.1.id").await,
        json!("basics/kinds/pick")
    );
    assert_eq!(cmi(c, "cmi.interactions.1.type").await, json!("choice"));
    screenshot(c, &format!("scorm-{version}-answered")).await;
    let clicks_commits = js(c, "return calls.commit;").await;
    assert!(
        clicks_commits.as_u64().unwrap() <= 1,
        "no commit per click: {clicks_commits}"
    );
    // Close the SCO, as an LMS does when the learner leaves.
    js(c, "document.getElementById('sco').src = 'about:blank';").await;
    wait_until(
        c,
        "return calls.finish === 1",
        "the SCO terminated on unload",
    )
    .await;
    let calls = js(c, "return calls;").await;
    let commits = calls["commit"].as_u64().unwrap();
    assert!(
        (1..=2).contains(&commits),
        "a commit on hide, at most one before: {calls}"
    );
    let suspend = cmi(c, "cmi.suspend_data").await;
    let suspend = suspend.as_str().unwrap().to_string();
    assert!(suspend.starts_with("1.") && suspend.len() < 40, "{suspend}");
    assert_eq!(cmi(c, &status("exit")).await, json!("suspend"));
    let time = cmi(c, &status("session_time")).await;
    assert!(time.as_str().is_some_and(|t| !t.is_empty()), "{time}");
    // Relaunch with what the LMS kept: the learner is back in the lesson, progress restored.
    let kept = if v12 {
        json!({ "suspend_data": suspend, "core": { "lesson_location": cmi(c, "cmi.core.lesson_location").await } })
    } else {
        json!({ "suspend_data": suspend, "location": cmi(c, "cmi.location").await })
    };
    js(c, &format!("launch({kept}); return true;")).await;
    wait_until(c, "return calls.init === 2", "the SCO initialised again").await;
    in_lesson(c, "basics/kinds").await;
    let solved = js(
        c,
        &format!(
            "{PAGE} return d.getElementById('exercise-pick').classList.contains('is-solved');"
        ),
    )
    .await;
    let banner = js(
        c,
        &format!("{PAGE} return d.querySelector('.progress-where').textContent;"),
    )
    .await;
    assert_eq!(
        banner,
        json!("Your progress and XP are saved by your learning platform.")
    );
    assert_eq!(solved, json!(true), "progress restored from suspend_data");
    answer(c, "share", &["true"]).await;
    answer(c, "builtins", &["0", "1"]).await;
    answer(c, "exact", &["GIL"]).await;
    assert_eq!(cmi(c, raw).await, json!("60"), "30 of 50 XP");
    if v12 {
        assert_eq!(cmi(c, "cmi.core.lesson_status").await, json!("passed"));
        assert_eq!(
            cmi(c, "cmi.interactions.1.student_response").await,
            json!("0,1")
        );
    } else {
        assert_eq!(cmi(c, "cmi.success_status").await, json!("passed"));
        assert_eq!(cmi(c, "cmi.completion_status").await, json!("incomplete"));
        assert_eq!(cmi(c, "cmi.score.scaled").await, json!("0.6"));
        // This session's interactions: share, builtins, exact.
        let responses = [
            cmi(c, "cmi.interactions.0.learner_response").await,
            cmi(c, "cmi.interactions.1.learner_response").await,
            cmi(c, "cmi.interactions.2.learner_response").await,
        ];
        assert_eq!(
            responses,
            [json!("true"), json!("choice-0[,]choice-1"), json!("GIL")]
        );
    }
}

/// Chromium, a folder served over HTTP holding scorm-again and the wrapper page, and the
/// package under test unpacked in its `pkg/`, as an LMS unpacks it.
struct MockLms {
    browser: Browser,
    site: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

impl MockLms {
    /// `None` (the test then skips, or fails on CI) without npm or Chromium.
    fn start() -> Option<MockLms> {
        let modules = npm_package("scorm-again", "3.4.3")?;
        let browser = Browser::start()?;
        let site = tempfile::tempdir().unwrap();
        std::fs::copy(
            modules.join("scorm-again/dist/scorm-again.js"),
            site.path().join("scorm-again.js"),
        )
        .unwrap();
        std::fs::write(site.path().join("wrapper.html"), WRAPPER).unwrap();
        let rt = runtime();
        Some(MockLms { browser, site, rt })
    }

    /// Unpack `package` as the course under test, replacing the previous one.
    fn install(&self, package: &Path) {
        let pkg = self.site.path().join("pkg");
        let _ = std::fs::remove_dir_all(&pkg);
        for (name, bytes) in zip_entries(package) {
            let path = pkg.join(&name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    /// Runs `steps` in a new browser session, given the server's origin.
    fn session<T>(&self, steps: impl AsyncFnOnce(&fantoccini::Client, &str) -> T) -> T {
        let server = Server::start(self.site.path());
        self.rt.block_on(async {
            let c = self.browser.session(Mode::Light).await;
            let out = steps(&c, &server.origin).await;
            c.close().await.unwrap();
            out
        })
    }
}

#[test]
fn launch_page_tracks_a_learner_through_scorm_again() {
    let Some(lms) = MockLms::start() else {
        return;
    };
    for version in ["1.2", "2004"] {
        let build_dir = tempfile::tempdir().unwrap();
        lms.install(&build(build_dir.path(), version, &[]));
        lms.session(async |c, origin| session_round_trip(c, origin, version).await);
    }
}

/// Progress with every exercise solved or not and every lesson visited and unlocked or
/// not at random (from `seed`) survives suspend_data: saved in one session, read back
/// by the pages in the next.
async fn random_progress_round_trips(c: &fantoccini::Client, origin: &str) {
    c.goto(&format!("{origin}/wrapper.html?v=1.2"))
        .await
        .unwrap();
    for seed in 1..=12u32 {
        wait_until(
            c,
            "return calls.init === calls.finish + 1",
            "a session started",
        )
        .await;
        wait_until(
            c,
            "try { return !!document.getElementById('sco').contentWindow.crescuScorm.active; } catch (e) { return false; }",
            "the launch page is ready",
        )
        .await;
        let script = format!(
            "var seed = {seed}; var rnd = () => {{ seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % 4; }};
            var sco = document.getElementById('sco').contentWindow;
            var course = JSON.parse(sco.document.getElementById('crescu-scorm').textContent);
            var lessons = {{}};
            course.lessons.forEach(l => {{
              var p = {{ solved: {{}} }};
              l.exercises.forEach(e => {{ if (rnd() < 2) p.solved[e[0]] = e[1]; }});
              if (rnd() < 2) p.visited = true;
              if (rnd() < 2) p.unlocked = true;
              if (Object.keys(p.solved).length || p.visited || p.unlocked) lessons[l.key] = p;
            }});
            sco.crescuScorm.saved(JSON.stringify({{ format: 'crescu-progress', version: 1, course: course.storage_key, lessons: lessons }}));
            return [lessons, read('cmi.suspend_data')];"
        );
        let saved = js(c, &script).await;
        let relaunch = "var old = calls.finish; document.getElementById('sco').src = 'about:blank';
             return old;";
        let old = js(c, relaunch).await.as_u64().unwrap();
        wait_until(
            c,
            &format!("return calls.finish === {}", old + 1),
            "the session ended",
        )
        .await;
        js(
            c,
            &format!(
                "launch({}); return true;",
                json!({ "suspend_data": saved[1] })
            ),
        )
        .await;
        wait_until(c, "try { return !!document.getElementById('sco').contentWindow.crescuScorm.active; } catch (e) { return false; }", "the launch page is ready again").await;
        let restored = js(
            c,
            "return JSON.parse(document.getElementById('sco').contentWindow.crescuScorm.load()).lessons;",
        )
        .await;
        assert_eq!(restored, saved[0], "seed {seed}: suspend_data {}", saved[1]);
    }
}

#[test]
fn status_follows_the_mastery_score_and_per_lesson_scos_report_their_lesson() {
    let Some(lms) = MockLms::start() else {
        return;
    };
    let build_dir = tempfile::tempdir().unwrap();
    lms.install(&build(build_dir.path(), "1.2", &[]));
    lms.session(fail_then_pass);
    lms.session(random_progress_round_trips);
    let build_dir = tempfile::tempdir().unwrap();
    lms.install(&build(build_dir.path(), "2004", &["--scorm-per-lesson"]));
    lms.session(one_lesson);
}

#[test]
fn mastery_score_above_100_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content/01-m");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        dir.path().join("content/_index.md"),
        "---\ntitle: C\nmastery_score: 120\n---\n",
    )
    .unwrap();
    std::fs::write(content.join("_index.md"), "---\ntitle: M\n---\n").unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = crescu(&[
        "build",
        "--root",
        dir.path().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--scorm",
        "1.2",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("content/_index.md:3:"), "{err}");
    assert!(err.contains("a whole number from 0 to 100"), "{err}");
    assert!(!out.exists(), "nothing written");
    assert!(!dir.path().join("c-scorm-1.2.zip").exists());
}

#[test]
fn launch_page_without_an_lms_opens_the_plain_course() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "1.2", &[]);
    let server = Server::start(dir.path().join("out"));
    let rt = runtime();
    rt.block_on(async {
        let c = browser.session(Mode::Light).await;
        c.goto(&format!("{}/scorm.html", server.origin)).await.unwrap();
        wait_until(
            &c,
            "return location.pathname === '/index.html' && document.readyState === 'complete'",
            "the launch page handed over to the course index",
        )
        .await;
        c.goto(&format!("{}/basics/kinds/index.html", server.origin)).await.unwrap();
        wait_until(&c, "return document.readyState === 'complete' && !document.querySelector('.exercise-actions').hidden", "the lesson's script ran").await;
        let script = "var ex = document.getElementById('exercise-pick');
            ex.querySelector('input[value=\"1\"]').checked = true; ex.querySelector('button.check').click();
            return [ex.querySelector('.feedback').className, localStorage.getItem(document.body.dataset.storageKey + ':progress')];";
        let got = js(&c, script).await;
        assert_eq!(got[0], json!("feedback is-correct"));
        assert!(got[1].as_str().unwrap().contains("\"pick\":10"), "{got}");
        c.close().await.unwrap();
    });
}

/// A course root with `lessons` lessons of three exercises each, in one module.
fn big_course(dir: &Path, lessons: usize) {
    let module = dir.join("content/01-m");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(dir.join("content/_index.md"), "---\ntitle: Big\n---\n").unwrap();
    std::fs::write(module.join("_index.md"), "---\ntitle: M\n---\n").unwrap();
    for i in 0..lessons {
        let quiz: String = (0..3)
            .map(|j| {
                format!(
                    "  - id: exercise-{j}\n    type: true_false\n    prompt: Statement {j}.\n    answer: true\n    explanation: Because.\n"
                )
            })
            .collect();
        std::fs::write(
            module.join(format!("{i:04}-lesson-{i}.md")),
            format!("---\ntitle: Lesson {i}\nsummary: s\nquiz:\n{quiz}---\nBody.\n"),
        )
        .unwrap();
    }
}

/// The length of `cmi.suspend_data` once every lesson of the package is visited and
/// unlocked and every exercise solved: the most progress a learner can have.
async fn full_suspend_data(c: &fantoccini::Client, origin: &str) -> usize {
    c.goto(&format!("{origin}/wrapper.html?v=1.2"))
        .await
        .unwrap();
    wait_until(c, "return calls.init === 1", "the SCO initialised").await;
    let script = "var sco = document.getElementById('sco').contentWindow;
        var course = JSON.parse(sco.document.getElementById('crescu-scorm').textContent);
        var lessons = {};
        course.lessons.forEach(l => {
          var solved = {}; l.exercises.forEach(e => { solved[e[0]] = e[1]; });
          lessons[l.key] = { solved: solved, visited: true, unlocked: true };
        });
        sco.crescuScorm.saved(JSON.stringify({ format: 'crescu-progress', version: 1, course: course.storage_key, lessons: lessons }));
        return read('cmi.suspend_data').length;";
    js(c, script).await.as_u64().unwrap() as usize
}

/// The sizes recorded in BENCHMARKS.md:
/// `cargo test --test scorm suspend_data -- --nocapture`.
#[test]
fn suspend_data_fits_scorm_12_and_never_exceeds_it() {
    let Some(lms) = MockLms::start() else {
        return;
    };
    let courses = tempfile::tempdir().unwrap();
    let (hundred, seven_hundred) = (courses.path().join("100"), courses.path().join("700"));
    big_course(&hundred, 100);
    big_course(&seven_hundred, 700);
    for (name, root, expected) in [
        ("example course", repo(), None),
        ("100 lessons x 3 exercises", hundred, Some(1 + 100 * 7)),
        ("700 lessons x 3 exercises", seven_hundred, None),
    ] {
        let build_dir = tempfile::tempdir().unwrap();
        lms.install(&build_course(&root, build_dir.path(), "1.2", &[]));
        let size = lms.session(full_suspend_data);
        eprintln!("suspend_data, everything solved: {name}: {size} characters");
        assert!(size <= 4096, "{name}: {size}");
        if let Some(expected) = expected {
            assert_eq!(size, expected, "{name}: every lesson kept");
        }
        if name.starts_with("700") {
            assert!(size > 4096 - 7, "{name}: filled up to the limit, {size}");
        }
    }
}
