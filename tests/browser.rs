//! The learner's experience in a real browser: headless Chromium driven through
//! chromedriver (fantoccini), on the fixture course served from 127.0.0.1.
//!
//! One chromedriver, three short browser sessions (light, dark, scripts off). When
//! chromedriver or Chromium is missing the test fails if `CI` is set and otherwise prints a
//! loud notice and passes. axe-core comes from npm (see `axe_source`).
//! Set `CRESCU_SCREENSHOTS=<dir>` to save desktop and phone screenshots while it runs.

mod common;

use common::chromium::*;
use common::repo;
use fantoccini::{Client, Locator, key::Key};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LESSON: &str = "basics/first/index.html";

fn build_site(out: &Path) {
    crescu::build::build(&crescu::build::BuildOptions::new(
        repo().join("tests/fixtures/basic"),
        Some(out.to_path_buf()),
    ))
    .expect("fixture course builds");
}

async fn solved_xp(c: &Client, exercise: &str) -> Option<u64> {
    stored_progress(c).await["lessons"]["basics/first"]["solved"][exercise].as_u64()
}

async fn earned(c: &Client) -> String {
    text(c, "[data-earned]").await
}

async fn feedback(c: &Client, exercise: &str) -> (String, String) {
    let sel = format!("#exercise-{exercise} .feedback");
    let class = c
        .find(Locator::Css(&sel))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    (class, text(c, &sel).await)
}

async fn check(c: &Client, exercise: &str) {
    click(c, &format!("#exercise-{exercise} button.check")).await;
}

async fn choose(c: &Client, exercise: &str, value: &str) {
    click(
        c,
        &format!("#exercise-{exercise} input[name=choice][value=\"{value}\"]"),
    )
    .await;
}

async fn fresh_lesson(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/{LESSON}")).await;
    js(
        c,
        "window.__attempts = []; document.addEventListener('crescu:attempt', e => window.__attempts.push(e.detail)); return true",
    )
    .await;
}

async fn attempts(c: &Client) -> Vec<Value> {
    js(c, "return window.__attempts")
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// Each kind wrong, then right: feedback, why texts, missed choices, XP once, events.
async fn exercises_wrong_then_right(c: &Client, origin: &str) {
    fresh_lesson(c, origin).await;
    assert_eq!(earned(c).await, "0");
    assert!(
        c.find(Locator::Css("#exercise-tf button.check"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "the Check button is revealed by the script"
    );

    // True or false.
    check(c, "tf").await;
    assert!(feedback(c, "tf").await.1.contains("Choose an answer"));
    assert!(attempts(c).await.is_empty(), "an empty check is no attempt");
    choose(c, "tf", "false").await;
    check(c, "tf").await;
    let (class, msg) = feedback(c, "tf").await;
    assert!(
        class.contains("is-wrong") && msg.contains("Not quite"),
        "{class}: {msg}"
    );
    assert_eq!(earned(c).await, "0");
    assert_eq!(solved_xp(c, "tf").await, None);
    choose(c, "tf", "true").await;
    check(c, "tf").await;
    let (class, msg) = feedback(c, "tf").await;
    assert!(
        class.contains("is-correct") && msg.contains("+10 XP"),
        "{class}: {msg}"
    );
    assert!(
        msg.contains("They live in one process."),
        "explanation shown: {msg}"
    );
    assert_eq!(earned(c).await, "10");
    assert_eq!(solved_xp(c, "tf").await, Some(10));
    check(c, "tf").await;
    assert!(feedback(c, "tf").await.1.contains("already earned"));
    assert_eq!(earned(c).await, "10", "retrying does not farm XP");
    assert_eq!(
        attempts(c).await,
        vec![
            json!({"lesson": "basics/first", "exercise": "tf", "correct": false, "xp": 0}),
            json!({"lesson": "basics/first", "exercise": "tf", "correct": true, "xp": 10}),
            json!({"lesson": "basics/first", "exercise": "tf", "correct": true, "xp": 0}),
        ]
    );
    // Focus moved to the feedback on Check.
    assert_eq!(
        js(
            c,
            "return document.activeElement.closest('.feedback') !== null"
        )
        .await,
        json!(true)
    );
    // Try again clears the answer.
    click(c, "#exercise-tf [data-action=retry]").await;
    assert_eq!(feedback(c, "tf").await.1, "");
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('#exercise-tf input:checked').length"
        )
        .await,
        json!(0)
    );

    // Multiple choice with a `why` on the wrong option.
    choose(c, "pick", "0").await;
    check(c, "pick").await;
    let (class, msg) = feedback(c, "pick").await;
    assert!(class.contains("is-wrong"), "{class}");
    assert!(
        msg.contains("wants the one for processes"),
        "why shown: {msg}"
    );
    assert_eq!(
        js(c, "return document.querySelector('#exercise-pick .choice[data-index=\"0\"]').classList.contains('is-wrong')").await,
        json!(true)
    );
    choose(c, "pick", "1").await;
    check(c, "pick").await;
    assert!(feedback(c, "pick").await.0.contains("is-correct"));
    assert_eq!(earned(c).await, "20");

    // Select all that apply: one right and one missed, then one wrong, then right.
    choose(c, "all", "0").await;
    check(c, "all").await;
    let (class, msg) = feedback(c, "all").await;
    assert!(
        class.contains("is-wrong") && msg.contains("1 of 2") && msg.contains("1 missed"),
        "{msg}"
    );
    let marks = js(
        c,
        "return [...document.querySelectorAll('#exercise-all .choice')].map(l => l.className)",
    )
    .await;
    assert_eq!(
        marks,
        json!(["choice is-correct", "choice is-missed", "choice"])
    );
    choose(c, "all", "1").await;
    choose(c, "all", "2").await;
    check(c, "all").await;
    let (_, msg) = feedback(c, "all").await;
    assert!(msg.contains("2 of 2") && msg.contains("1 wrong"), "{msg}");
    screenshot(c, "lesson-wrong").await;
    choose(c, "all", "2").await;
    check(c, "all").await;
    assert!(feedback(c, "all").await.0.contains("is-correct"));
    assert_eq!(earned(c).await, "30");

    // Go deeper is still locked with one exercise left.
    assert_eq!(
        js(c, "const g = document.querySelector('.go-deeper'); return [g.classList.contains('is-locked'), g.querySelector('.lock-reason').hidden, g.querySelector('.go-deeper-list').inert]").await,
        json!([true, false, true])
    );
    assert!(
        text(c, ".lock-reason")
            .await
            .contains("Solve the 4 exercises above")
    );

    // Fill in the blank: one wrong blank, then case and spaces ignored; Enter submits.
    let blank = |n: u8| format!("#exercise-blank input[name=blank-{n}]");
    c.find(Locator::Css(&blank(0)))
        .await
        .unwrap()
        .send_keys("threading")
        .await
        .unwrap();
    c.find(Locator::Css(&blank(1)))
        .await
        .unwrap()
        .send_keys("cpu")
        .await
        .unwrap();
    check(c, "blank").await;
    let (class, msg) = feedback(c, "blank").await;
    assert!(
        class.contains("is-wrong") && msg.contains("1 blank of 2"),
        "{msg}"
    );
    assert_eq!(
        js(c, "return [...document.querySelectorAll('#exercise-blank input.blank')].map(i => i.className)").await,
        json!(["blank is-wrong", "blank is-correct"])
    );
    let first = c.find(Locator::Css(&blank(0))).await.unwrap();
    first.clear().await.unwrap();
    first.send_keys("  MultiProcessing ").await.unwrap();
    first.send_keys(&Key::Enter).await.unwrap();
    wait_until(c, "return document.querySelector('#exercise-blank .feedback').classList.contains('is-correct')", "Enter checks the blanks").await;
    assert_eq!(earned(c).await, "40");
    assert_eq!(solved_xp(c, "blank").await, Some(10));

    // Every exercise solved: go deeper unlocks at once.
    assert_eq!(
        js(c, "const g = document.querySelector('.go-deeper'); return [g.classList.contains('is-locked'), g.querySelector('.lock-reason').hidden, g.querySelector('.go-deeper-list').inert]").await,
        json!([false, true, false])
    );
    screenshot(c, "lesson-answered").await;
}

/// Reload: progress, solved marks and the unlocked follow-ups are kept; the index shows it.
async fn progress_kept_and_shown_on_index(c: &Client, origin: &str) {
    c.refresh().await.unwrap();
    wait_until(c, "return document.readyState === 'complete'", "reloaded").await;
    assert_eq!(earned(c).await, "40");
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('.exercise.is-solved').length"
        )
        .await,
        json!(4)
    );
    assert_eq!(
        js(
            c,
            "return document.querySelector('.go-deeper').classList.contains('is-locked')"
        )
        .await,
        json!(false)
    );
    open(c, &format!("{origin}/index.html")).await;
    let first = text(c, "[data-progress-for=\"basics/first\"]").await;
    assert!(
        first.contains("Complete") && first.contains("40 XP"),
        "{first}"
    );
    assert_eq!(text(c, "[data-course-xp]").await, "40 / 40 XP earned");
    assert_eq!(
        js(c, "return document.querySelector('.lesson-card[data-lesson=\"basics/first\"]').classList.contains('is-complete')").await,
        json!(true)
    );
    screenshot(c, "index").await;
    // The module page shows it too.
    open(c, &format!("{origin}/basics/index.html")).await;
    assert!(
        text(c, "[data-progress-for=\"basics/first\"]")
            .await
            .contains("Complete")
    );
    assert_eq!(text(c, "[data-course-xp]").await, "40 / 40 XP earned");
    screenshot(c, "module").await;
    // Reset one lesson, confirmed.
    click(
        c,
        "[data-progress-for=\"basics/first\"] button.reset-lesson",
    )
    .await;
    c.accept_alert().await.unwrap();
    assert_eq!(text(c, "[data-progress-for=\"basics/first\"]").await, "");
    assert!(stored_progress(c).await["lessons"]["basics/first"].is_null());
}

/// The lock's reason, and "Unlock anyway".
async fn go_deeper_unlock_anyway(c: &Client, origin: &str) {
    fresh_lesson(c, origin).await;
    assert!(
        text(c, ".lock-reason")
            .await
            .contains("Solve the 4 exercises")
    );
    click(c, ".go-deeper [data-action=unlock]").await;
    assert_eq!(
        js(c, "const g = document.querySelector('.go-deeper'); return [g.classList.contains('is-locked'), document.activeElement.getAttribute('href')]").await,
        json!([false, "../../basics/second/index.html"])
    );
}

/// Start, tick, reload (still running), pause, reset; the end is announced.
async fn focus_timer(c: &Client, origin: &str) {
    fresh_lesson(c, origin).await;
    assert_eq!(text(c, "[data-timer-display]").await, "25:00");
    click(c, "[data-timer=start]").await;
    wait_until(
        c,
        "return document.querySelector('[data-timer-display]').textContent < '25:00'",
        "the timer ticks",
    )
    .await;
    c.refresh().await.unwrap();
    wait_until(c, "return document.readyState === 'complete'", "reloaded").await;
    let shown = text(c, "[data-timer-display]").await;
    assert!(
        shown.as_str() < "25:00" && shown.as_str() > "24:00",
        "{shown}"
    );
    assert_eq!(
        js(c, "return [document.querySelector('[data-timer=start]').disabled, document.querySelector('[data-timer=pause]').disabled]").await,
        json!([true, false])
    );
    assert_eq!(
        text(c, ".timer-status").await,
        "",
        "the live region stays quiet while the timer runs"
    );
    // Still running after a visit to another page of the course.
    open(c, &format!("{origin}/index.html")).await;
    open(c, &format!("{origin}/{LESSON}")).await;
    wait_until(
        c,
        &format!("return document.querySelector('[data-timer-display]').textContent < '{shown}'"),
        "the timer runs on after a page change",
    )
    .await;
    click(c, "[data-timer=pause]").await;
    let paused = text(c, "[data-timer-display]").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(text(c, "[data-timer-display]").await, paused, "paused");
    assert_eq!(text(c, "[data-timer=start]").await, "Resume");
    click(c, "[data-timer=reset]").await;
    assert_eq!(text(c, "[data-timer-display]").await, "25:00");
    assert_eq!(
        js(
            c,
            "return localStorage.getItem(document.body.dataset.storageKey + ':timer')"
        )
        .await,
        Value::Null
    );
    // The end: announced in the live region and the title.
    js(c, "localStorage.setItem(document.body.dataset.storageKey + ':timer', JSON.stringify({end: Date.now() + 1500})); return true").await;
    c.refresh().await.unwrap();
    wait_until(
        c,
        "return document.title.startsWith('\u{23F0}')",
        "the title announces the end",
    )
    .await;
    assert_eq!(
        js(
            c,
            "return document.querySelector('.timer-status').textContent"
        )
        .await,
        json!("Focus time is over. Take a short break.")
    );
    assert_eq!(text(c, "[data-timer-display]").await, "00:00");
    click(c, "[data-timer=reset]").await;
    assert_eq!(c.title().await.unwrap(), "First lesson | Fixture");
}

/// The text of the dialog the page opened (waits for it up to 5 s).
async fn alert_text(c: &Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match c.get_alert_text().await {
            Ok(t) => return t,
            Err(e) if Instant::now() > deadline => panic!("no dialog opened: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Export downloads the progress; import restores it; malformed and foreign files are refused.
async fn export_import(c: &Client, origin: &str, tmp: &Path) {
    fresh_lesson(c, origin).await;
    choose(c, "tf", "true").await;
    check(c, "tf").await;
    assert_eq!(earned(c).await, "10");
    // Capture the download instead of saving it.
    js(c, "HTMLAnchorElement.prototype.click = function () { window.__download = {href: this.href, name: this.download}; }; return true").await;
    click(c, ".progress-menu > summary").await;
    click(c, "[data-action=export]").await;
    let exported = c
        .execute_async(
            "const done = arguments[0]; fetch(window.__download.href).then(r => r.text()).then(done)",
            vec![],
        )
        .await
        .unwrap();
    let name = js(c, "return window.__download.name").await;
    assert_eq!(name, json!("crescu-v1-fixture-course-progress.json"));
    let exported = exported.as_str().unwrap().to_string();
    let file: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(file["format"], "crescu-progress");
    assert_eq!(file["version"], 2);
    assert_eq!(file["lessons"]["basics/first"]["solved"]["tf"], 10);
    assert_eq!(
        file["last"], "basics/first",
        "export carries the new fields"
    );
    assert_eq!(
        file["lessons"]["basics/first"]["attempts"]["tf"][0][1], 1,
        "the dated attempt"
    );
    assert!(
        text(c, ".banner-status")
            .await
            .contains("Exported 1 exercise solved")
    );

    // Reset everything (confirmed), then import the file.
    click(c, "[data-action=reset-course]").await;
    c.accept_alert().await.unwrap();
    assert_eq!(earned(c).await, "0");
    assert_eq!(solved_xp(c, "tf").await, None);
    let import = |name: &str, body: &str| {
        let p = tmp.join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    let good = import("progress.json", &exported);
    let input = c
        .find(Locator::Css("input[data-action=import]"))
        .await
        .unwrap();
    input.send_keys(good.to_str().unwrap()).await.unwrap();
    wait_until(
        c,
        "return document.querySelector('.banner-status').textContent.startsWith('Imported')",
        "the import is done",
    )
    .await;
    assert_eq!(earned(c).await, "10");
    assert_eq!(solved_xp(c, "tf").await, Some(10));
    // Importing over existing progress asks first.
    choose(c, "pick", "1").await;
    check(c, "pick").await;
    assert_eq!(earned(c).await, "20");
    for accept in [false, true] {
        let input = c
            .find(Locator::Css("input[data-action=import]"))
            .await
            .unwrap();
        input.send_keys(good.to_str().unwrap()).await.unwrap();
        let asked = alert_text(c).await;
        assert!(asked.contains("2 exercises solved, 20 XP"), "{asked}");
        if accept {
            c.accept_alert().await.unwrap();
            wait_until(c, "return document.querySelector('.banner-status').textContent.startsWith('Imported')", "the import is done").await;
            assert_eq!(earned(c).await, "10");
        } else {
            c.dismiss_alert().await.unwrap();
            wait_until(c, "return document.querySelector('.banner-status').textContent.startsWith('Import cancelled')", "the import is cancelled").await;
            assert_eq!(earned(c).await, "20");
        }
    }
    let before = stored_progress(c).await;

    for (name, body, why) in [
        (
            "broken.json",
            "{\"format\": \"crescu-progress\", ",
            "not valid JSON",
        ),
        (
            "other.json",
            &exported.replace("crescu:v1:fixture-course", "crescu:v1:another"),
            "another course",
        ),
        (
            "bad.json",
            &exported.replace(": 10", ": -3"),
            "bad XP value",
        ),
        ("random.json", "[1, 2, 3]", "not a crescu progress file"),
    ] {
        let p = import(name, body);
        let input = c
            .find(Locator::Css("input[data-action=import]"))
            .await
            .unwrap();
        input.send_keys(p.to_str().unwrap()).await.unwrap();
        wait_until(c, "return document.querySelector('.banner-status').textContent.startsWith('Import refused')", "the import is refused").await;
        let msg = text(c, ".banner-status").await;
        assert!(
            msg.contains(why) && msg.contains("Nothing was changed"),
            "{name}: {msg}"
        );
        assert_eq!(stored_progress(c).await, before, "{name} changed nothing");
        assert_eq!(earned(c).await, "10");
        js(
            c,
            "document.querySelector('.banner-status').textContent = ''; return true",
        )
        .await;
    }
}

/// When the browser refuses storage (file://, privacy modes), the page still works for
/// the visit and says that progress will not be kept.
async fn storage_refused(c: &Client, origin: &str) {
    open(c, &format!("{origin}/basics/first/nostorage.html")).await;
    assert!(
        text(c, ".banner-status")
            .await
            .contains("does not let the page store progress"),
        "the learner is told"
    );
    choose(c, "tf", "true").await;
    check(c, "tf").await;
    assert!(feedback(c, "tf").await.1.contains("+10 XP"));
    assert_eq!(earned(c).await, "10");
    click(c, "[data-timer=start]").await;
    wait_until(
        c,
        "return document.querySelector('.focus-timer').classList.contains('is-running')",
        "the timer runs without storage",
    )
    .await;
}

/// Nothing is fetched from outside the page's own origin.
async fn no_foreign_requests(c: &Client, origin: &str) {
    for page in [LESSON, "index.html"] {
        open(c, &format!("{origin}/{page}")).await;
        let names = js(
            c,
            "return performance.getEntriesByType('resource').map(e => e.name)",
        )
        .await;
        let names: Vec<&str> = names
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            names.iter().any(|n| n.ends_with("/static/crescu.js")),
            "{names:?}"
        );
        for n in &names {
            assert!(n.starts_with(&format!("{origin}/")), "{page} requested {n}");
        }
    }
}

/// Dark mode follows `prefers-color-scheme`; the page still works there.
async fn dark_mode(c: &Client, origin: &str) {
    fresh_lesson(c, origin).await;
    assert_eq!(
        js(
            c,
            "return matchMedia('(prefers-color-scheme: dark)').matches"
        )
        .await,
        json!(true)
    );
    let bg = js(c, "return getComputedStyle(document.body).backgroundColor").await;
    assert_eq!(bg, json!("rgb(18, 19, 22)"), "the dark palette applies");
    choose(c, "tf", "false").await;
    check(c, "tf").await;
    choose(c, "all", "0").await;
    check(c, "all").await;
    choose(c, "pick", "1").await;
    check(c, "pick").await;
    screenshot(c, "lesson-dark").await;
    open(c, &format!("{origin}/index.html")).await;
    screenshot(c, "index-dark").await;
}

/// The accessibility check on the fixture lesson (with feedback showing), the course
/// index and the example course's GIL lesson.
async fn accessibility(c: &Client, origin: &str, course: &str, axe: &str, mode: &str) {
    fresh_lesson(c, origin).await;
    choose(c, "tf", "false").await;
    check(c, "tf").await;
    choose(c, "pick", "1").await;
    check(c, "pick").await;
    choose(c, "all", "0").await;
    check(c, "all").await;
    let blank = c
        .find(Locator::Css("#exercise-blank input.blank"))
        .await
        .unwrap();
    blank.send_keys("threading\n").await.unwrap();
    axe_check(c, axe, mode).await;
    for url in [
        format!("{origin}/index.html"),
        format!("{course}/index.html"),
        format!("{course}/python-concurrency/the-gil/index.html"),
    ] {
        open(c, &url).await;
        axe_check(c, axe, mode).await;
        if url.ends_with("the-gil/index.html") {
            screenshot(c, &format!("gil-{mode}")).await;
            // On a wide screen charts stop at 32rem, so their 14-unit text (viewBox 420
            // wide) stays near body size instead of growing with the column.
            let widths = js(c, "return [...document.querySelectorAll('figure.chart svg')].map(s => s.getBoundingClientRect().width).filter(w => w > 0)").await;
            let widths: Vec<f64> = widths
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|w| w.as_f64())
                .collect();
            assert!(!widths.is_empty(), "no chart on the GIL lesson");
            assert!(
                widths.iter().all(|&w| w > 300.0 && w <= 512.5),
                "chart widths at 1200 px: {widths:?}"
            );
            // At phone width too, where code blocks scroll sideways.
            c.set_window_size(390, 900).await.unwrap();
            axe_check(c, axe, &format!("{mode}, phone")).await;
            // Reflow (WCAG 1.4.10): nothing but code and tables scrolls sideways at 320 px.
            c.set_window_size(320, 900).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let widths = js(c, "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, innerWidth]").await;
            assert!(
                widths[2].as_u64() <= Some(330),
                "a 320 px viewport: {widths}"
            );
            assert!(
                widths[0].as_u64() <= widths[1].as_u64(),
                "the page scrolls sideways at 320 px: {widths}"
            );
            c.set_window_size(1200, 900).await.unwrap();
        }
    }
}

/// With scripts off the page stays complete: answers and explanations in `<details>`,
/// the follow-ups readable and linked, no dead controls shown.
async fn without_javascript(c: &Client, origin: &str) {
    open(c, &format!("{origin}/{LESSON}")).await;
    for (css, visible, what) in [
        (
            "#exercise-tf details.answer",
            true,
            "the answer fallback shows",
        ),
        (
            "#exercise-tf .exercise-actions",
            false,
            "no Check button without JS",
        ),
        (".focus-timer", false, "no timer without JS"),
        (".progress-menu", false, "no progress menu without JS"),
        (
            ".lock-reason",
            false,
            "follow-ups are not locked without JS",
        ),
        (".go-deeper-list a", true, "follow-ups are readable"),
    ] {
        let el = c.find(Locator::Css(css)).await.unwrap();
        assert_eq!(el.is_displayed().await.unwrap(), visible, "{what}");
    }
    click(c, "#exercise-tf details.answer summary").await;
    assert!(
        text(c, "#exercise-tf details.answer")
            .await
            .contains("They live in one process.")
    );
    assert_eq!(text(c, ".lesson-xp").await, "40 XP");
    screenshot(c, "lesson-noscript").await;
}

/// Keyboard only: Tab to an exercise, pick with Space, submit with Enter, focus is visible.
async fn keyboard_only(c: &Client, origin: &str) {
    fresh_lesson(c, origin).await;
    let mut found = false;
    for _ in 0..40 {
        press(c, &Key::Tab).await;
        if js(
            c,
            "return document.activeElement.matches('#exercise-tf input')",
        )
        .await
            == json!(true)
        {
            found = true;
            break;
        }
    }
    assert!(found, "Tab reaches the true-or-false exercise");
    assert_eq!(
        js(
            c,
            "return getComputedStyle(document.activeElement).outlineStyle"
        )
        .await,
        json!("solid"),
        "focus is visible"
    );
    press(c, " ").await;
    press(c, &Key::Enter).await;
    wait_until(
        c,
        "return document.querySelector('#exercise-tf .feedback').classList.contains('is-correct')",
        "Enter checks",
    )
    .await;
    assert_eq!(
        js(
            c,
            "return document.activeElement.matches('#exercise-tf .feedback')"
        )
        .await,
        json!(true),
        "focus moves to the feedback on Check"
    );
    assert_eq!(earned(c).await, "10");
    // The timer works from the keyboard too.
    js(
        c,
        "document.querySelector('[data-timer=start]').focus(); return true",
    )
    .await;
    press(c, &Key::Enter).await;
    wait_until(
        c,
        "return document.querySelector('.focus-timer').classList.contains('is-running')",
        "Enter starts the timer",
    )
    .await;
    assert_eq!(
        js(
            c,
            "return document.activeElement.getAttribute('data-timer')"
        )
        .await,
        json!("pause"),
        "focus moves from the disabled Start to Pause"
    );
    press(c, &Key::Enter).await;
    wait_until(
        c,
        "return !document.querySelector('.focus-timer').classList.contains('is-running')",
        "Enter pauses the timer",
    )
    .await;
}

/// The two tests here build the example course at once; its simulation cache is shared.
static EXAMPLE_BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn build_example_course(out: &Path) {
    let _one_at_a_time = EXAMPLE_BUILD.lock().unwrap_or_else(|e| e.into_inner());
    crescu::build::build(&crescu::build::BuildOptions::new(
        repo(),
        Some(out.to_path_buf()),
    ))
    .expect("the example course builds");
}

#[test]
fn learner_journey_in_headless_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let axe = axe_source().map(Arc::new);
    let tmp = tempfile::tempdir().unwrap();
    let www = tmp.path().join("www");
    build_site(&www.join("fixture"));
    // A copy of the lesson whose localStorage throws, as under some privacy settings.
    let lesson = www.join("fixture").join(LESSON);
    let html = std::fs::read_to_string(&lesson).unwrap().replacen(
        "<head>",
        "<head><script>Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } });</script>",
        1,
    );
    std::fs::write(lesson.with_file_name("nostorage.html"), html).unwrap();
    build_example_course(&www.join("course"));
    let server = Server::start(www);
    let fixture = format!("{}/fixture", server.origin);
    let course = format!("{}/course", server.origin);
    let rt = runtime();
    rt.block_on(async {
        let (origin, dir, c2, a) = (
            fixture.clone(),
            tmp.path().to_path_buf(),
            course.clone(),
            axe.clone(),
        );
        browser
            .in_session(Mode::Light, |c| async move {
                let c = &c;
                exercises_wrong_then_right(c, &origin).await;
                progress_kept_and_shown_on_index(c, &origin).await;
                go_deeper_unlock_anyway(c, &origin).await;
                focus_timer(c, &origin).await;
                export_import(c, &origin, &dir).await;
                storage_refused(c, &origin).await;
                no_foreign_requests(c, &origin).await;
                keyboard_only(c, &origin).await;
                if let Some(axe) = a {
                    accessibility(c, &origin, &c2, &axe, "light").await;
                }
            })
            .await;
        let (origin, c2, a) = (fixture.clone(), course.clone(), axe.clone());
        browser
            .in_session(Mode::Dark, |c| async move {
                dark_mode(&c, &origin).await;
                if let Some(axe) = a {
                    accessibility(&c, &origin, &c2, &axe, "dark").await;
                }
            })
            .await;
        let origin = fixture.clone();
        browser
            .in_session(Mode::NoScript, |c| async move {
                without_javascript(&c, &origin).await;
            })
            .await;
    });
    drop(server);
    drop(browser);
}

/// A test that panics with a session open leaves no Chromium or chromedriver running and
/// no profile behind.
#[test]
fn a_panicking_browser_test_leaves_nothing_behind() {
    let (sender, footprint) = std::sync::mpsc::channel();
    let test = std::thread::spawn(move || {
        let Some(browser) = Browser::start() else {
            return;
        };
        let rt = runtime();
        let c = rt.block_on(browser.session(Mode::Light));
        assert_eq!(rt.block_on(js(&c, "return 1 + 1")), json!(2));
        sender.send(browser.footprint()).unwrap();
        panic!("a failing step");
    });
    let outcome = test.join();
    let Ok((group, profiles)) = footprint.try_recv() else {
        return; // No browser here: skipped, as start() said.
    };
    assert!(outcome.is_err(), "the test thread panicked");
    assert!(
        std::fs::read_dir(&profiles).is_err(),
        "{profiles:?} removed"
    );
    assert!(!group_runs(group), "process group {group} still runs");
}

/// The page weight budget: the JS + CSS a lesson page loads stay under 60 KB together, and
/// the example course's GIL lesson stays under 150 KB of HTML.
#[test]
fn lesson_pages_stay_within_the_weight_budget() {
    let tmp = tempfile::tempdir().unwrap();
    build_site(&tmp.path().join("fixture"));
    build_example_course(&tmp.path().join("course"));
    for (page, html_limit) in [
        ("fixture/basics/first/index.html", 150_000),
        ("course/python-concurrency/the-gil/index.html", 150_000),
    ] {
        let path = tmp.path().join(page);
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(html.len() < html_limit, "{page} is {} bytes", html.len());
        let mut assets = 0;
        for attr in ["href=\"", "src=\""] {
            for piece in html.split(attr).skip(1) {
                let url = piece.split('"').next().unwrap();
                if url.ends_with(".css") || url.ends_with(".js") {
                    assert!(!url.contains("://"), "{page} loads {url} from elsewhere");
                    let file = path.parent().unwrap().join(url);
                    assets += std::fs::metadata(&file)
                        .unwrap_or_else(|e| panic!("{page}: {url}: {e}"))
                        .len();
                }
            }
        }
        assert!(assets > 0, "{page} loads its stylesheet and script");
        assert!(assets < 60_000, "{page} loads {assets} bytes of JS + CSS");
    }
}

/// Starts chromedriver, serves `www` and runs `steps` (given the origin) in one light
/// session. Skips like the journey when no browser is found.
fn in_served_session<F, Fut>(www: PathBuf, steps: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(browser) = Browser::start() else {
        return;
    };
    let server = Server::start(www);
    let origin = server.origin.clone();
    runtime().block_on(browser.in_session(Mode::Light, |c| steps(c, origin)));
}

/// The progress of a course in the stored format, from its `lessons` object.
fn progress_file(lessons: Value) -> String {
    json!({
        "format": "crescu-progress",
        "version": 1,
        "course": "crescu:v1:fixture-course",
        "lessons": lessons,
    })
    .to_string()
}

/// Imports the file at `path` through the banner's file input, accepting the question
/// whether to replace the progress there; returns the banner's message when it changed.
async fn import_file(c: &Client, path: &Path) -> String {
    js(
        c,
        "document.querySelector('.banner-status').textContent = ''; return true",
    )
    .await;
    let input = c
        .find(Locator::Css("input[data-action=import]"))
        .await
        .unwrap();
    input.send_keys(path.to_str().unwrap()).await.unwrap();
    alert_text(c).await;
    c.accept_alert().await.unwrap();
    wait_until(
        c,
        "return document.querySelector('.banner-status').textContent !== ''",
        "the import is done",
    )
    .await;
    text(c, ".banner-status").await
}

async fn solved_count(c: &Client) -> Value {
    js(
        c,
        "return document.querySelectorAll('.exercise.is-solved').length",
    )
    .await
}

/// Exercise ids and stored keys that are also names every JavaScript object inherits
/// (`constructor`, `toString`, `__proto__`) are plain keys: nothing shows solved that was
/// not solved, XP stays a number, and solving still counts.
#[test]
fn inherited_names_as_ids_and_stored_keys_are_plain_keys() {
    let tmp = tempfile::tempdir().unwrap();
    // The fixture course with `pick` and `all` renamed: ids the build accepts.
    let root = tmp.path().join("course");
    copy_fixture(&root, |_, text| {
        text.replace("id: pick", "id: constructor")
            .replace("id: all", "id: toString")
    });
    let www = tmp.path().join("www");
    crescu::build::build(&crescu::build::BuildOptions::new(root, Some(www.clone())))
        .expect("the renamed course builds");
    let hostile = tmp.path().join("hostile.json");
    std::fs::write(
        &hostile,
        progress_file(json!({
            "__proto__": { "solved": { "constructor": 10, "toString": 10 }, "unlocked": true },
            "constructor": { "solved": { "__proto__": 10 } },
            "toString": { "solved": {} },
            "basics/first": { "solved": { "toString": 10, "tf": 10 }, "visited": true },
            "basics/second": { "solved": { "__proto__": 5, "hasOwnProperty": 5 }, "visited": true },
        })),
    )
    .unwrap();
    in_served_session(www, |c, origin| async move {
        let c = &c;
        fresh_lesson(c, &origin).await;
        assert_eq!(solved_count(c).await, json!(0), "nothing is solved yet");
        assert_eq!(earned(c).await, "0");
        assert_eq!(
            text(c, "#exercise-constructor [data-exercise-status]").await,
            ""
        );

        // Stored by hand (serde keeps `__proto__` a plain key), beside real progress.
        let stored = progress_file(json!({
            "__proto__": { "solved": { "constructor": 10 }, "unlocked": true },
            "constructor": { "solved": { "toString": 10 } },
            "basics/first": { "solved": { "tf": 10 }, "visited": true },
            "basics/second": { "solved": { "__proto__": 5, "constructor": 5 }, "visited": true },
        }));
        c.execute(
            "localStorage.setItem(document.body.dataset.storageKey + ':progress', arguments[0]); return true",
            vec![json!(stored)],
        )
        .await
        .unwrap();
        c.refresh().await.unwrap();
        wait_until(c, "return document.readyState === 'complete'", "reloaded").await;
        assert_eq!(solved_count(c).await, json!(1), "only `tf` is solved");
        assert_eq!(earned(c).await, "10");
        assert_eq!(
            js(
                c,
                "return document.querySelector('.go-deeper').classList.contains('is-locked')"
            )
            .await,
            json!(true),
            "an `unlocked` under `__proto__` unlocks nothing"
        );

        // Solving `constructor` counts once and is kept.
        choose(c, "constructor", "1").await;
        check(c, "constructor").await;
        let (class, msg) = feedback(c, "constructor").await;
        assert!(
            class.contains("is-correct") && msg.contains("+10 XP"),
            "{msg}"
        );
        assert_eq!(earned(c).await, "20");
        assert_eq!(solved_xp(c, "constructor").await, Some(10));
        c.refresh().await.unwrap();
        wait_until(c, "return document.readyState === 'complete'", "reloaded").await;
        assert_eq!(solved_count(c).await, json!(2));
        assert_eq!(earned(c).await, "20");
        open(c, &format!("{origin}/index.html")).await;
        assert_eq!(text(c, "[data-course-xp]").await, "20 / 40 XP earned");
        let first = text(c, "[data-progress-for=\"basics/first\"]").await;
        assert!(first.starts_with("2 / 4 solved, 20 XP earned"), "{first}");

        // An imported file with such keys: only its real exercises show solved.
        open(c, &format!("{origin}/{LESSON}")).await;
        let msg = import_file(c, &hostile).await;
        assert!(msg.starts_with("Imported"), "{msg}");
        assert_eq!(solved_count(c).await, json!(2));
        assert_eq!(
            js(c, "return ['tf', 'toString'].every(id => document.getElementById('exercise-' + id).classList.contains('is-solved'))").await,
            json!(true)
        );
        assert_eq!(earned(c).await, "20");
    });
}

/// An import that the browser cannot store (over its quota) is reported as failed, the
/// previous progress stays, and later saves work again.
#[test]
fn an_import_over_the_storage_quota_fails_and_keeps_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let www = tmp.path().join("www");
    build_site(&www);
    // A valid file of 200,000 solved exercises: about 3 MB of JSON.
    let mut solved = serde_json::Map::new();
    for i in 0..200_000 {
        solved.insert(format!("exercise-{i}"), json!(1));
    }
    let big = tmp.path().join("big.json");
    std::fs::write(
        &big,
        progress_file(json!({ "basics/first": { "solved": solved } })),
    )
    .unwrap();
    in_served_session(www, |c, origin| async move {
        let c = &c;
        fresh_lesson(c, &origin).await;
        choose(c, "tf", "true").await;
        check(c, "tf").await;
        assert_eq!(earned(c).await, "10");
        let before = stored_progress(c).await;
        // A quota of `window.quota` characters, the same in every browser: larger values
        // are refused as a full storage refuses them.
        js(
            c,
            "window.quota = 1e6;
             const set = Storage.prototype.setItem;
             Storage.prototype.setItem = function (k, v) {
               if (String(v).length > window.quota) throw new DOMException('over the quota', 'QuotaExceededError');
               return set.call(this, k, v);
             };
             return true",
        )
        .await;
        let msg = import_file(c, &big).await;
        assert!(
            msg.starts_with("Import failed") && !msg.contains("Imported"),
            "{msg}"
        );
        assert_eq!(
            js(
                c,
                "return document.querySelector('.banner-status').classList.contains('is-bad')"
            )
            .await,
            json!(true),
            "shown as an error"
        );
        screenshot(c, "import-over-quota").await;
        assert_eq!(earned(c).await, "10", "the page shows the progress it had");
        assert_eq!(solved_count(c).await, json!(1));
        assert_eq!(
            stored_progress(c).await,
            before,
            "the stored progress is kept"
        );

        // Saving works again: the next solve is stored at once.
        choose(c, "pick", "1").await;
        check(c, "pick").await;
        assert_eq!(earned(c).await, "20");
        assert_eq!(solved_xp(c, "pick").await, Some(10));

        // A save the storage refuses is kept for the visit and said; the next one retries.
        js(c, "window.quota = 10; return true").await;
        let blank = c
            .find(Locator::Css("#exercise-blank input[name=blank-0]"))
            .await
            .unwrap();
        blank.send_keys("multiprocessing").await.unwrap();
        c.find(Locator::Css("#exercise-blank input[name=blank-1]"))
            .await
            .unwrap()
            .send_keys("cpu\n")
            .await
            .unwrap();
        wait_until(
            c,
            "return document.querySelector('#exercise-blank').classList.contains('is-solved')",
            "the blanks are solved",
        )
        .await;
        assert_eq!(earned(c).await, "30");
        assert_eq!(solved_xp(c, "blank").await, None, "not stored");
        assert!(
            text(c, ".banner-status")
                .await
                .contains("does not let the page store progress")
        );
        js(c, "window.quota = 1e6; return true").await;
        choose(c, "all", "0").await;
        choose(c, "all", "1").await;
        check(c, "all").await;
        assert_eq!(earned(c).await, "40");
        assert_eq!(solved_xp(c, "blank").await, Some(10), "stored on the retry");
        assert_eq!(
            text(c, ".banner-status").await,
            "Your progress is stored again."
        );
        c.refresh().await.unwrap();
        wait_until(c, "return document.readyState === 'complete'", "reloaded").await;
        assert_eq!(earned(c).await, "40");
        assert_eq!(solved_count(c).await, json!(4));
    });
}

/// An explorable chart for the first lesson of the German fixture: two switch intervals.
const GERMAN_CHART: &str = "simulations:
  - id: wechsel
    title: Zwei Threads im Wechsel
    chart: { kind: timeline, window_ms: [0, 20] }
    explore:
      - key: interpreter.switch_interval_ms
        label: Umschaltintervall
        unit: ms
        values: [1, 5]
        default: 5
    runs:
      - label: zwei Threads
        threads:
          - { name: a, work: [ { cpu_ms: 20 } ] }
          - { name: b, work: [ { cpu_ms: 20 } ] }
---
# Start here

{{ chart wechsel }}
";

/// A course in German speaks German everywhere the scripts write: exercise feedback, the
/// code copy button, the reset question, search results and a chart's announcement. The
/// scripts (search.js and explore.js load later) read their strings from the page.
#[test]
fn a_german_page_speaks_german_in_every_script() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("course");
    copy_fixture(&root, |rel, text| {
        if rel == Path::new("_index.md") {
            text.replacen("---\n", "---\nlanguage: de\n", 1)
        } else if rel.ends_with("01-first.md") {
            text.replacen("---\n# Start here\n", GERMAN_CHART, 1)
        } else {
            text
        }
    });
    let www = tmp.path().join("www");
    crescu::build::build(&crescu::build::BuildOptions::new(root, Some(www.clone())))
        .expect("the German course builds");
    in_served_session(www, |c, origin| async move {
        fresh_lesson(&c, &origin).await;
        check(&c, "tf").await;
        assert!(
            feedback(&c, "tf")
                .await
                .1
                .contains("Bitte zuerst eine Antwort")
        );
        choose(&c, "tf", "false").await;
        check(&c, "tf").await;
        let (class, msg) = feedback(&c, "tf").await;
        assert!(
            class.contains("is-wrong")
                && msg.contains("Nicht ganz.")
                && msg.contains("Ändere deine Antwort"),
            "{class}: {msg}"
        );
        assert!(!msg.contains("Not quite"), "{msg}");
        assert_eq!(
            js(&c, "return getComputedStyle(document.querySelector('#exercise-tf .choice.is-wrong'), '::after').content").await,
            json!("\"\u{2717} Falsch\""),
            "the wrong choice is marked in German"
        );
        assert_eq!(text(&c, ".code-copy").await, "Kopieren");
        assert!(
            text(&c, ".lock-reason")
                .await
                .starts_with("Löse die 4 Aufgaben oben")
        );
        german_chart_announcement(&c).await;
        screenshot(&c, "de-lesson").await;
        german_reset_question(&c).await;
        german_search(&c).await;
    });
}

/// Choosing another switch interval announces the values now shown in German.
async fn german_chart_announcement(c: &Client) {
    click(c, "#chart-wechsel .chart-seg label:first-of-type").await;
    wait_until(
        c,
        "return document.querySelector('#chart-wechsel .chart-live').textContent !== ''",
        "the chart announces the new variant",
    )
    .await;
    let said = text(c, "#chart-wechsel .chart-live").await;
    assert!(
        said.starts_with("Jetzt zu sehen: Umschaltintervall 1 ms. "),
        "{said}"
    );
}

/// "Reset all progress" asks in German; declining keeps the progress.
async fn german_reset_question(c: &Client) {
    js(
        c,
        "window.__asked = []; window.confirm = m => { window.__asked.push(m); return false; }; return true",
    )
    .await;
    click(c, ".progress-menu summary").await;
    click(c, "[data-action=reset-course]").await;
    let asked = js(c, "return window.__asked").await;
    assert_eq!(
        asked,
        json!([
            "Deinen gesamten Fortschritt und alle XP in diesem Kurs zurücksetzen? Das lässt sich nicht rückgängig machen."
        ])
    );
    assert!(
        stored_progress(c).await["lessons"]["basics/first"]["attempts"]["tf"].is_array(),
        "declined: the progress stays"
    );
    click(c, ".progress-menu summary").await;
}

/// The results list and the empty answer of the search box, in German.
async fn german_search(c: &Client) {
    click(c, "[data-search] input").await;
    search_until(c, "Threads", "ul").await;
    let label = js(
        c,
        "return document.querySelector('[data-search-results] ul').getAttribute('aria-label')",
    )
    .await;
    let label = label.as_str().unwrap();
    let count = label.split(' ').next().unwrap();
    assert!(
        count.parse::<u32>().is_ok_and(|n| n > 0)
            && label.ends_with(" Treffer für \u{201e}Threads\u{201c}"),
        "{label}"
    );
    screenshot(c, "de-search").await;
    search_until(c, "Zebrafink", "p[role=status]").await;
    assert_eq!(
        text(c, "[data-search-results] p[role=status]").await,
        "Keine Treffer für \u{201e}Zebrafink\u{201c}"
    );
}

/// Types `query` into the emptied search box and waits until its results hold `shown`.
async fn search_until(c: &Client, query: &str, shown: &str) {
    let input = c.find(Locator::Css("[data-search] input")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(query).await.unwrap();
    wait_until(
        c,
        &format!("return !!document.querySelector('[data-search-results] {shown}')"),
        &format!("`{shown}` in the results for {query}"),
    )
    .await;
}

/// The basic fixture course copied to `root`, each file's text passed through `edit`
/// with its path under `content/`.
fn copy_fixture(root: &Path, edit: impl Fn(&Path, String) -> String) {
    let src = repo().join("tests/fixtures/basic/content");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        let to = root.join("content").join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(&to, edit(rel, text)).unwrap();
        }
    }
}
