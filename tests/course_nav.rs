//! The course around the lesson, in headless Chromium: the syllabus sidebar and its
//! ticks, "Lesson n of m", shortcuts, "On this page", the header at desktop widths, the
//! phone's first screen, Continue, the completion moment, progress on the index, the
//! migration of a version 1 progress file, the favicon, and axe-core on the new pages.
//! Plus, without a browser: the `favicon:` key and the sidebar's size at 1,000 lessons.

mod common;

use common::chromium::*;
use common::repo;
use fantoccini::Client;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const START: &str = "threads/start/index.html";
const MORE: &str = "threads/more/index.html";
const FINISH: &str = "processes/finish/index.html";

fn build_nav_fixture(out: &Path) {
    crescu::build::build(&crescu::build::BuildOptions::new(
        repo().join("tests/fixtures/nav"),
        Some(out.to_path_buf()),
    ))
    .expect("the nav fixture builds");
}

async fn solve_t1(c: &Client) {
    click(c, "#exercise-t1 input[value=\"true\"]").await;
    click(c, "#exercise-t1 button.check").await;
}

/// Sidebar contents, aria-current, position, lazily listed modules, ticks and counts.
async fn sidebar_and_ticks(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/{START}")).await;
    assert_eq!(
        text(c, ".lesson-number").await,
        "LESSON 1 OF 2 · 1 OF 3 IN THE COURSE"
    );
    assert_eq!(
        text(c, "#syllabus a[aria-current=page]").await,
        "Start",
        "the current lesson is marked"
    );
    let listed = js(c, "return Array.from(document.querySelectorAll('#syllabus li[data-lesson]')).map(li => li.dataset.lesson)").await;
    assert_eq!(
        listed,
        json!(["threads/start", "threads/more"]),
        "only this module's lessons are in the page"
    );
    // The other module's lessons come from syllabus.js when it is opened.
    click(c, "[data-module=processes] .module-toggle").await;
    assert_eq!(
        text(c, "#syllabus-processes li a").await,
        "Finish",
        "the other module lists its lessons"
    );
    assert_eq!(
        js(c, "return document.querySelector('[data-module=processes] .module-toggle').getAttribute('aria-expanded')").await,
        json!("true")
    );
    assert_eq!(
        js(c, "return document.querySelector('[data-lesson=\"threads/start\"]').classList.contains('is-done')").await,
        json!(false)
    );
    solve_t1(c).await;
    assert_eq!(
        js(
            c,
            "return document.querySelector('#syllabus [data-lesson=\"threads/start\"] a').textContent"
        )
        .await,
        json!("Start (finished)"),
        "the tick is said as well as shown"
    );
    assert_eq!(
        text(c, "[data-module=threads] [data-module-count]").await,
        "1 of 2"
    );
    assert_eq!(
        text(c, "#syllabus .syllabus-course [data-course-count]").await,
        "1 of 3 lessons, 10 / 30 XP"
    );
    // The completion moment: XP, what unlocked, the next lesson.
    assert!(
        text(c, "#exercise-t1 .feedback")
            .await
            .contains("Lesson complete!")
    );
    let summary = text(c, "[data-complete-summary]").await;
    assert!(
        summary.starts_with("You earned 10 XP in this lesson."),
        "{summary}"
    );
    assert!(summary.contains("Unlocked"), "{summary}");
    assert_eq!(
        js(
            c,
            "return document.querySelector('[data-complete-next] a').getAttribute('href')"
        )
        .await,
        json!(format!("../../{MORE}"))
    );
    screenshot(c, "lesson-complete").await;
    // Ticks come from storage on other pages too.
    open(c, &format!("{origin}/{MORE}")).await;
    assert!(
        js(c, "return document.querySelector('[data-lesson=\"threads/start\"]').classList.contains('is-done')").await == json!(true)
    );
}

/// Continue: the last lesson visited while unfinished, else the first unfinished one;
/// the index's module and course progress; course complete.
async fn continue_and_index(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/{MORE}")).await;
    open(c, &format!("{origin}/index.html")).await;
    assert_eq!(
        text(c, ".continue-card").await,
        "Continue: More",
        "the unfinished lesson visited last"
    );
    assert_eq!(
        js(
            c,
            "return document.querySelector('#syllabus [data-continue] a').getAttribute('href')"
        )
        .await,
        json!(MORE)
    );
    open(c, &format!("{origin}/{START}")).await;
    solve_t1(c).await;
    open(c, &format!("{origin}/index.html")).await;
    assert_eq!(
        text(c, ".continue-card").await,
        "Continue: More",
        "the first unfinished lesson once the last one is finished"
    );
    assert_eq!(
        text(c, "[data-module-progress=threads]").await,
        "1 of 2 lessons, 10 / 30 XP"
    );
    assert_eq!(
        text(c, "[data-module-progress=processes]").await,
        "0 of 1 lesson, 0 / 0 XP"
    );
    // Solve the rest; the last solve is the course's completion.
    open(c, &format!("{origin}/{FINISH}")).await;
    open(c, &format!("{origin}/{MORE}")).await;
    click(c, "#exercise-m1 input[value=\"true\"]").await;
    click(c, "#exercise-m1 button.check").await;
    let blank = c
        .find(fantoccini::Locator::Css("#exercise-m2 input.blank"))
        .await
        .unwrap();
    blank.send_keys("multiprocessing\n").await.unwrap();
    wait_until(
        c,
        "return !document.querySelector('[data-lesson-complete]').hidden",
        "the completion moment shows",
    )
    .await;
    assert_eq!(text(c, "[data-complete-title]").await, "Course complete!");
    open(c, &format!("{origin}/index.html")).await;
    assert_eq!(
        text(c, ".continue-card").await,
        "✓ Course complete: 30 / 30 XP"
    );
}

/// `[` and `]` move between lessons, but not while typing in an answer box.
async fn shortcuts(c: &Client, origin: &str) {
    open(c, &format!("{origin}/{MORE}")).await;
    click(c, "#exercise-m2 input.blank").await;
    press(c, "]").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(c.current_url().await.unwrap().as_str().ends_with(MORE));
    assert_eq!(
        js(c, "return document.activeElement.value").await,
        json!("]"),
        "the key is typed into the box"
    );
    js(c, "document.activeElement.blur(); return true").await;
    press(c, "]").await;
    wait_until(
        c,
        &format!("return location.pathname.endsWith('{FINISH}')"),
        "] opens the next lesson",
    )
    .await;
    wait_until(c, "return document.readyState === 'complete'", "loaded").await;
    press(c, "[").await;
    wait_until(
        c,
        &format!("return location.pathname.endsWith('{MORE}')"),
        "[ opens the previous lesson",
    )
    .await;
}

/// "On this page": a rail on wide screens following the scroll, folded on narrow ones.
async fn table_of_contents(c: &Client, origin: &str) {
    c.set_window_size(1400, 900).await.unwrap();
    open(c, &format!("{origin}/{START}")).await;
    assert_eq!(
        js(c, "return document.querySelector('[data-toc]').open").await,
        json!(true)
    );
    assert_eq!(
        js(
            c,
            "return Array.from(document.querySelectorAll('.toc a')).map(a => a.textContent)"
        )
        .await,
        json!(["One", "Two", "Three"])
    );
    js(
        c,
        "document.getElementById('three').scrollIntoView(); return true",
    )
    .await;
    wait_until(
        c,
        "return document.querySelector('.toc a[aria-current]')?.textContent === 'Three'",
        "the section read is highlighted",
    )
    .await;
    c.set_window_size(800, 900).await.unwrap();
    open(c, &format!("{origin}/{START}")).await;
    assert_eq!(
        js(c, "return document.querySelector('[data-toc]').open").await,
        json!(false)
    );
    assert!(
        js(
            c,
            "return document.querySelector('.toc-details').getBoundingClientRect().height"
        )
        .await
        .as_f64()
        .unwrap()
            < 80.0,
        "folded on a narrow screen"
    );
    c.set_window_size(1200, 900).await.unwrap();
}

/// The header stays on one row at desktop widths, even with a long breadcrumb.
async fn header_one_row(c: &Client, origin: &str) {
    for width in [1024, 1280, 1920] {
        c.set_window_size(width, 900).await.unwrap();
        open(c, &format!("{origin}/{START}")).await;
        let rows = js(
            c,
            "const tops = Array.from(document.querySelector('.header-row').children)
               .filter(el => el.offsetParent !== null)
               .map(el => { const r = el.getBoundingClientRect(); return Math.round(r.top + r.height / 2); });
             return [new Set(tops.map(t => Math.round(t / 20))).size, tops.length]",
        )
        .await;
        assert_eq!(rows[0], json!(1), "one row at {width} px: {rows}");
        assert!(
            rows[1].as_u64() >= Some(5),
            "brand, crumbs, search, timer, menu: {rows}"
        );
        let sidebar = js(
            c,
            "return document.getElementById('syllabus').getBoundingClientRect().width",
        )
        .await;
        assert!(
            sidebar.as_f64() > Some(200.0),
            "the sidebar shows at {width} px"
        );
    }
    c.set_window_size(1200, 900).await.unwrap();
}

/// On a wide screen the menu button hides the syllabus column, and the choice is kept.
async fn collapsible(c: &Client, origin: &str) {
    c.set_window_size(1280, 900).await.unwrap();
    open(c, &format!("{origin}/{START}")).await;
    let shown = "return getComputedStyle(document.getElementById('syllabus')).display !== 'none'";
    assert_eq!(js(c, shown).await, json!(true));
    click(c, ".syllabus-toggle").await;
    assert_eq!(js(c, shown).await, json!(false), "hidden by the button");
    assert_eq!(
        js(
            c,
            "return document.querySelector('.syllabus-toggle').getAttribute('aria-expanded')"
        )
        .await,
        json!("false")
    );
    open(c, &format!("{origin}/{MORE}")).await;
    assert_eq!(
        js(c, shown).await,
        json!(false),
        "still hidden on the next page"
    );
    click(c, ".syllabus-toggle").await;
    assert_eq!(js(c, shown).await, json!(true));
    c.set_window_size(1200, 900).await.unwrap();
}

/// From `file://` the other modules still fold open: syllabus.js is a script, not a fetch.
async fn from_file_urls(c: &Client, www: &Path) {
    open(c, &format!("file://{}", www.join(START).display())).await;
    click(c, "[data-module=processes] .module-toggle").await;
    assert_eq!(text(c, "#syllabus-processes li a").await, "Finish");
}

/// A page of a 60-module course lists 24 modules around its own; the script adds the
/// rest from syllabus.js, in order.
async fn many_modules(c: &Client, origin: &str) {
    let page = format!("{origin}/big/module-40/lesson-2/index.html");
    open(c, &page).await;
    let modules = "return Array.from(document.querySelectorAll('#syllabus .syllabus-module')).map(li => li.dataset.module)";
    let listed = js(c, modules).await;
    let want: Vec<String> = (1..=60).map(|m| format!("module-{m}")).collect();
    assert_eq!(listed, json!(want), "every module, in order");
    assert!(
        text(c, "#syllabus a[aria-current=page]")
            .await
            .starts_with("Lesson 2 of module 40,"),
        "the page's lesson is current"
    );
    assert_eq!(
        text(c, "[data-module=module-3] [data-module-count]").await,
        "0 of 2"
    );
    click(c, "[data-module=module-3] .module-toggle").await;
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('#syllabus-module-3 li').length"
        )
        .await,
        json!(2)
    );
}

/// On a 390x844 phone the title and first paragraph show without scrolling; the
/// syllabus is behind the menu button, which opens it, focuses it and closes on Escape.
async fn phone(c: &Client, origin: &str) {
    c.set_window_size(390, 844).await.unwrap();
    open(c, &format!("{origin}/{START}")).await;
    let (h1, p, inner) = (
        js(
            c,
            "return document.querySelector('h1').getBoundingClientRect().bottom",
        )
        .await,
        js(
            c,
            "return document.querySelector('.lesson-body p').getBoundingClientRect().bottom",
        )
        .await,
        js(c, "return innerHeight").await,
    );
    assert!(
        p.as_f64() <= inner.as_f64(),
        "first paragraph ends at {p} of {inner}"
    );
    assert!(h1.as_f64() < p.as_f64());
    assert_eq!(
        js(
            c,
            "return getComputedStyle(document.getElementById('syllabus')).display"
        )
        .await,
        json!("none")
    );
    click(c, ".syllabus-toggle").await;
    assert_eq!(
        js(
            c,
            "return document.getElementById('syllabus').contains(document.activeElement)"
        )
        .await,
        json!(true),
        "the focus moves into the open syllabus"
    );
    press(c, "\u{e00c}").await; // Escape
    assert_eq!(
        js(c, "return [getComputedStyle(document.getElementById('syllabus')).display, document.activeElement.className]").await,
        json!(["none", "syllabus-toggle"])
    );
    c.set_window_size(1200, 900).await.unwrap();
}

/// A progress file of today's format (version 1) in storage is migrated on load: nothing
/// solved is lost, each solved exercise gets a dated attempt, and ticks show.
async fn migration(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/index.html")).await;
    js(
        c,
        r#"localStorage.setItem(document.body.dataset.storageKey + ':progress', JSON.stringify({
             format: "crescu-progress", version: 1, course: document.body.dataset.storageKey,
             lessons: { "threads/start": { solved: { t1: 10 }, visited: true, unlocked: true } } }));
           return true"#,
    )
    .await;
    open(c, &format!("{origin}/{MORE}")).await;
    let p = stored_progress(c).await;
    assert_eq!(p["version"], 2);
    assert_eq!(p["lessons"]["threads/start"]["solved"]["t1"], 10);
    assert_eq!(p["lessons"]["threads/start"]["unlocked"], true);
    assert_eq!(p["lessons"]["threads/start"]["attempts"]["t1"][0][1], 1);
    assert_eq!(p["last"], "threads/more");
    assert_eq!(
        js(c, "return document.querySelector('[data-lesson=\"threads/start\"]').classList.contains('is-done')").await,
        json!(true)
    );
}

/// The icon a page names is served (no 404 in the console).
async fn favicon(c: &Client, origin: &str) {
    for page in ["index.html", START, "threads/index.html"] {
        open(c, &format!("{origin}/{page}")).await;
        let status = c
            .execute_async(
                "const done = arguments[0]; fetch(document.querySelector('link[rel=icon]').href).then(r => done(r.status))",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(status, json!(200), "the favicon of {page}");
    }
}

/// Keyboard only: Tab to the exercise, answer, check, then Tab to the next lesson's
/// button in the completion moment and follow it.
async fn keyboard_path(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/{START}")).await;
    tab_to(c, "#exercise-t1 input[value=true]").await;
    press(c, " ").await;
    press(c, "\u{e007}").await; // Enter checks
    wait_until(
        c,
        "return !document.querySelector('[data-lesson-complete]').hidden",
        "the lesson is complete",
    )
    .await;
    tab_to(c, "[data-complete-next] a").await;
    press(c, "\u{e007}").await;
    wait_until(
        c,
        &format!("return location.pathname.endsWith('{MORE}')"),
        "Enter follows the next-lesson button",
    )
    .await;
    wait_until(c, "return document.readyState === 'complete'", "loaded").await;
    // A wrong answer here, then the review page from the sidebar, all by keyboard.
    tab_to(c, "#exercise-m1 input[value=true]").await;
    press(c, "\u{e015}").await; // Arrow down picks "False"
    press(c, "\u{e007}").await;
    wait_until(
        c,
        "return !document.querySelector('#syllabus [data-review-link]').hidden",
        "the review link shows",
    )
    .await;
    tab_to(c, "#syllabus [data-review-link] a").await;
    press(c, "\u{e007}").await;
    wait_until(
        c,
        "return location.pathname.endsWith('review/index.html') && document.readyState === 'complete'",
        "Enter opens the review page",
    )
    .await;
    tab_to(c, ".review-item[data-review-exercise=m1] input[value=true]").await;
    press(c, " ").await;
    press(c, "\u{e007}").await;
    wait_until(
        c,
        "return document.querySelector('.review-item[data-review-exercise=m1] .feedback').textContent.startsWith('Correct!')",
        "the review answer is checked",
    )
    .await;
}

/// Presses Tab until the element matching `css` has the focus.
async fn tab_to(c: &Client, css: &str) {
    let probe = format!("return document.activeElement.matches('{css}')");
    for _ in 0..80 {
        if js(c, &probe).await == json!(true) {
            return;
        }
        press(c, "\u{e004}").await;
    }
    panic!("Tab never reached {css}");
}

const DAY: u64 = 86_400_000;
const T0: u64 = 1_780_000_000_000;

/// Opens the review page with the clock at `now`; returns the exercises shown, in order.
async fn review_at(c: &Client, origin: &str, now: u64) -> Value {
    js(
        c,
        &format!("sessionStorage.setItem('now', '{now}'); return true"),
    )
    .await;
    open(c, &format!("{origin}/review/clock.html")).await;
    js(
        c,
        "return Array.from(document.querySelectorAll('.review-item')).filter(li => !li.hidden).map(li => li.dataset.lesson + '#' + li.dataset.reviewExercise)",
    )
    .await
}

/// Review with a mocked clock: wrong-and-unsolved first, then solved exercises as they
/// come due; answers move the schedule, keep XP, and award it once.
async fn review(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/index.html")).await;
    js(
        c,
        &format!(
            r#"localStorage.setItem(document.body.dataset.storageKey + ':progress', JSON.stringify({{
                 format: "crescu-progress", version: 2, course: document.body.dataset.storageKey,
                 lessons: {{
                   "threads/start": {{ solved: {{ t1: 10 }}, attempts: {{ t1: [[{T0}, 1]] }} }},
                   "threads/more": {{ solved: {{ m2: 20 }}, attempts: {{ m1: [[{T0}, 0]], m2: [[{T0}, 0], [{t}, 1]] }} }} }} }}));
               return true"#,
            t = T0 + 3_600_000
        ),
    )
    .await;
    assert_eq!(
        review_at(c, origin, T0 + 7_200_000).await,
        json!(["threads/more#m1"]),
        "two hours on, only the wrong one"
    );
    assert_eq!(
        text(c, "[data-review-status]").await,
        "1 exercise to review: 1 answered wrong and not solved yet, 0 due again."
    );
    assert_eq!(
        review_at(c, origin, T0 + 3 * DAY).await,
        json!(["threads/more#m1", "threads/start#t1", "threads/more#m2"]),
        "three days on, the solved ones are due too, oldest first"
    );
    // A right answer to a solved exercise: no XP again, a longer wait.
    click(
        c,
        ".review-item[data-review-exercise=t1] input[value=\"true\"]",
    )
    .await;
    click(c, ".review-item[data-review-exercise=t1] button.check").await;
    assert!(
        text(c, ".review-item[data-review-exercise=t1] .feedback")
            .await
            .contains("XP already earned")
    );
    assert_eq!(
        text(c, ".review-item[data-review-exercise=t1] [data-review-due]").await,
        "(next review in 2 days)"
    );
    let p = stored_progress(c).await;
    assert_eq!(p["lessons"]["threads/start"]["solved"]["t1"], 10);
    assert_eq!(
        p["lessons"]["threads/start"]["attempts"]["t1"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // A wrong answer takes nothing away; solving the unsolved one earns its XP once.
    c.find(fantoccini::Locator::Css(
        ".review-item[data-review-exercise=m2] input.blank",
    ))
    .await
    .unwrap()
    .send_keys("threading\n")
    .await
    .unwrap();
    wait_until(
        c,
        "return document.querySelector('.review-item[data-review-exercise=m2] .feedback').textContent !== ''",
        "the wrong answer is graded",
    )
    .await;
    let p = stored_progress(c).await;
    assert_eq!(
        p["lessons"]["threads/more"]["solved"]["m2"], 20,
        "XP kept after a wrong review"
    );
    click(
        c,
        ".review-item[data-review-exercise=m1] input[value=\"true\"]",
    )
    .await;
    click(c, ".review-item[data-review-exercise=m1] button.check").await;
    assert!(
        text(c, ".review-item[data-review-exercise=m1] .feedback")
            .await
            .contains("+10 XP")
    );
    assert_eq!(
        text(c, "[data-review-status]").await,
        "1 exercise to review: 0 answered wrong and not solved yet, 1 due again."
    );
    // Each links back to its lesson's section.
    assert_eq!(
        js(c, "return document.querySelector('.review-item[data-review-exercise=m1] .review-from a').getAttribute('href')").await,
        json!("../threads/more/index.html#exercise-m1")
    );
    screenshot(c, "review").await;
    // The sidebar links to review while something is due.
    assert_eq!(
        js(
            c,
            "return !document.querySelector('#syllabus [data-review-link]').hidden"
        )
        .await,
        json!(true)
    );
}

/// Printing opens every answer and explanation.
async fn print_shows_answers(c: &Client, origin: &str) {
    open_fresh(c, &format!("{origin}/{START}")).await;
    js(
        c,
        "window.dispatchEvent(new Event('beforeprint')); return true",
    )
    .await;
    assert_eq!(
        js(c, "return Array.from(document.querySelectorAll('details.answer')).every(d => d.open && !d.hidden)").await,
        json!(true)
    );
    js(
        c,
        "window.dispatchEvent(new Event('afterprint')); return true",
    )
    .await;
}

async fn accessible(c: &Client, origin: &str, axe: &str, mode: &str) {
    // Something to review, so the review page shows its exercises.
    open_fresh(c, &format!("{origin}/{MORE}")).await;
    click(c, "#exercise-m1 input[value=\"false\"]").await;
    click(c, "#exercise-m1 button.check").await;
    for page in [
        "index.html",
        "threads/index.html",
        START,
        "review/index.html",
    ] {
        open(c, &format!("{origin}/{page}")).await;
        for (width, label) in [(1280, "desktop"), (390, "phone")] {
            c.set_window_size(width, 900).await.unwrap();
            axe_check(c, axe, &format!("{mode}, {label}")).await;
        }
        if page == START {
            screenshot(c, &format!("nav-{mode}")).await;
        }
    }
    c.set_window_size(1200, 900).await.unwrap();
}

#[test]
fn the_course_around_the_lesson_in_headless_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let axe = axe_source().map(Arc::new);
    let tmp = tempfile::tempdir().unwrap();
    let www = tmp.path().join("www");
    build_nav_fixture(&www);
    // A course of 60 modules, whose pages list only 24 of them.
    let big = tmp.path().join("big");
    synthetic_course(&big, 60, 2);
    crescu::build::build(&crescu::build::BuildOptions::new(
        big.clone(),
        Some(www.join("big")),
    ))
    .expect("the 60-module course builds");
    // The review page with a clock the test sets (sessionStorage "now", epoch ms).
    let review_page = std::fs::read_to_string(www.join("review/index.html")).unwrap();
    let clocked = review_page.replacen(
        "<head>",
        "<head><script>const now = Number(sessionStorage.getItem('now')); if (now) Date.now = () => now;</script>",
        1,
    );
    std::fs::write(www.join("review/clock.html"), clocked).unwrap();
    let server = Server::start(www.clone());
    let origin = server.origin.clone();
    let rt = runtime();
    rt.block_on(async {
        let (o, a, w) = (origin.clone(), axe.clone(), www.clone());
        browser.in_session(Mode::Light, |c| async move {
            let c = &c;
            sidebar_and_ticks(c, &o).await;
            continue_and_index(c, &o).await;
            shortcuts(c, &o).await;
            table_of_contents(c, &o).await;
            header_one_row(c, &o).await;
            phone(c, &o).await;
            collapsible(c, &o).await;
            from_file_urls(c, &w).await;
            many_modules(c, &o).await;
            migration(c, &o).await;
            favicon(c, &o).await;
            keyboard_path(c, &o).await;
            review(c, &o).await;
            print_shows_answers(c, &o).await;
            if let Some(axe) = a {
                accessible(c, &o, &axe, "light").await;
            }
        })
        .await;
        let (o, a) = (origin.clone(), axe.clone());
        browser.in_session(Mode::Dark, |c| async move {
            if let Some(axe) = a {
                accessible(&c, &o, &axe, "dark").await;
            }
        })
        .await;
        let o = origin.clone();
        browser.in_session(Mode::NoScript, |c| async move {
            // Without scripts the syllabus is still there (without ticks): beside the
            // page on a wide screen, after it on a phone.
            open(&c, &format!("{o}/{START}")).await;
            assert_eq!(text(&c, "#syllabus a[aria-current=page]").await, "Start");
            let beside = js(&c, "return document.getElementById('syllabus').getBoundingClientRect().right <= document.querySelector('h1').getBoundingClientRect().left").await;
            assert_eq!(beside, json!(true));
            c.set_window_size(390, 844).await.unwrap();
            let order = js(&c, "return document.getElementById('syllabus').getBoundingClientRect().top > document.querySelector('.prev-next').getBoundingClientRect().bottom").await;
            assert_eq!(order, json!(true));
        })
        .await;
    });
    drop(server);
    drop(browser);
}

/// A course with `modules` modules of `per_module` one-line lessons.
fn synthetic_course(root: &Path, modules: usize, per_module: usize) {
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("_index.md"), "---\ntitle: Big\n---\nIntro.\n").unwrap();
    for m in 1..=modules {
        let dir = content.join(format!("{m:02}-module-{m}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("_index.md"),
            format!("---\ntitle: Module {m}\n---\n"),
        )
        .unwrap();
        for l in 1..=per_module {
            std::fs::write(
                dir.join(format!("{l:03}-lesson-{l}.md")),
                format!("---\ntitle: Lesson {l} of module {m}, with a title of ordinary length\n---\nText.\n"),
            )
            .unwrap();
        }
    }
}

fn syllabus_bytes(page: &Path) -> usize {
    let html = std::fs::read_to_string(page).unwrap();
    let start = html.find("<nav class=\"syllabus\"").expect("a syllabus");
    let end = start + html[start..].find("</nav>").unwrap();
    end - start
}

/// At 1,000 lessons (20 modules of 50, like scripts/synth_course.py) the sidebar adds
/// less than 40 KB to a page: it lists every module, but only its own module's lessons.
#[test]
fn the_sidebar_of_a_thousand_lessons_stays_small() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_course(tmp.path(), 20, 50);
    let out = tmp.path().join("out");
    crescu::build::build(&crescu::build::BuildOptions::new(
        tmp.path().to_path_buf(),
        Some(out.clone()),
    ))
    .expect("the synthetic course builds");
    let lesson = syllabus_bytes(&out.join("module-7/lesson-20/index.html"));
    let index = syllabus_bytes(&out.join("index.html"));
    assert!(lesson < 40_000, "the sidebar of a lesson is {lesson} bytes");
    assert!(index < 40_000, "the sidebar of the index is {index} bytes");
    let all = std::fs::read_to_string(out.join("syllabus.js")).unwrap();
    assert_eq!(
        all.matches("Lesson 20 of module").count(),
        20,
        "syllabus.js lists every lesson"
    );
}

/// A course of many modules lists at most `LISTED_MODULES` of them in each page, around
/// the page's own, with a link to all of them.
#[test]
fn a_course_of_many_modules_lists_those_around_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_course(tmp.path(), 200, 1);
    let out = tmp.path().join("out");
    crescu::build::build(&crescu::build::BuildOptions::new(
        tmp.path().to_path_buf(),
        Some(out.clone()),
    ))
    .expect("the synthetic course builds");
    let page = std::fs::read_to_string(out.join("module-100/lesson-1/index.html")).unwrap();
    let listed = page.matches("<li class=\"syllabus-module").count();
    assert_eq!(listed, crescu::site::syllabus::LISTED_MODULES);
    assert!(page.contains("data-module=\"module-100\""));
    assert!(
        page.contains("data-module=\"module-88\"") && !page.contains("data-module=\"module-87\"")
    );
    assert!(page.contains("All 200 modules</a>"));
    assert!(syllabus_bytes(&out.join("module-100/lesson-1/index.html")) < 10_000);
}

/// `favicon:` names a course file, which pages link; a missing one is an error located
/// at the key.
#[test]
fn the_course_favicon_is_linked_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_course(tmp.path(), 1, 1);
    let index = tmp.path().join("content/_index.md");
    std::fs::write(&index, "---\ntitle: Big\nfavicon: icon.svg\n---\nIntro.\n").unwrap();
    let (code, _, err) = common::crescu_in(tmp.path(), &["build"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("content/_index.md:3:"), "{err}");
    assert!(err.contains("`favicon` names `icon.svg`"), "{err}");
    assert!(!tmp.path().join("output").exists(), "nothing half-written");
    std::fs::write(
        tmp.path().join("content/icon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let (code, _, err) = common::crescu_in(tmp.path(), &["build"]);
    assert_eq!(code, 0, "{err}");
    let page =
        std::fs::read_to_string(tmp.path().join("output/module-1/lesson-1/index.html")).unwrap();
    assert!(page.contains("<link rel=\"icon\" href=\"../../icon.svg\">"));
}

/// A module whose slug would be `review` is refused: the review page lives there.
#[test]
fn a_module_may_not_take_the_review_pages_place() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_course(tmp.path(), 1, 1);
    std::fs::rename(
        tmp.path().join("content/01-module-1"),
        tmp.path().join("content/01-review"),
    )
    .unwrap();
    let (code, _, err) = common::crescu_in(tmp.path(), &["build"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("content/01-review"), "{err}");
    assert!(err.contains("the slug `review`"), "{err}");
    assert!(!tmp.path().join("output").exists(), "nothing half-written");
}
