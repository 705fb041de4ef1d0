//! Explorable charts in headless Chromium, on the example course: the slider and the
//! segmented control, by mouse and by keyboard, change the visible chart, its table and
//! its description (announced politely) without moving the page; every bar shows its
//! value on hover and on keyboard focus; without JavaScript the default variant shows
//! with the key figures of the others; axe-core finds nothing serious; no request leaves
//! the page. Skips (loudly) like `browser.rs` when Chromium or chromedriver is missing.

mod common;

use common::chromium::*;
use common::repo;

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::{Client, Locator, key::Key};
use serde_json::{Value, json};
use std::sync::Arc;

const GIL: &str = "python-concurrency/the-gil/index.html";
const CONVOY: &str = "#chart-io-convoy-latency";

/// What the convoy chart shows: (visible variant's result, table text and SVG, the
/// figure's height, the live region's text).
/// The simulated median wait beside CPU-bound threads that a result sentence states, in
/// ms (the sentence says "beside CPU-bound threads 4.12 ms" or "... 950 µs").
fn beside_cpu_ms(result: &str) -> f64 {
    let after = result
        .split("beside CPU-bound threads ")
        .nth(1)
        .unwrap_or_else(|| panic!("no figure beside CPU-bound threads in: {result}"));
    let mut words = after.split_whitespace();
    let number: f64 = words.next().unwrap().replace(',', "").parse().unwrap();
    match words.next().unwrap().trim_end_matches([',', ';', '.']) {
        "µs" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        unit => panic!("unit {unit} in: {result}"),
    }
}

/// A waiting I/O thread pays about one switch interval (less when the reply came while
/// it waited for the lock, never much more with one CPU-bound thread).
fn about_one_interval(result: &str, interval_ms: f64) -> bool {
    let ms = beside_cpu_ms(result);
    ms > 0.6 * interval_ms && ms < 1.3 * interval_ms
}

async fn shown(c: &Client) -> (String, String, f64, String) {
    let v = js(
        c,
        &format!(
            "const f = document.querySelector('{CONVOY}');
             const on = [...f.querySelectorAll('.chart-variant')].filter(v => getComputedStyle(v).visibility === 'visible');
             if (on.length !== 1) return ['visible variants: ' + on.length, '', 0, ''];
             return [on[0].querySelector('.chart-result').textContent,
                     on[0].querySelector('table').textContent + '|svg|' + on[0].querySelector('svg').innerHTML,
                     f.getBoundingClientRect().height,
                     f.querySelector('.chart-live').textContent];"
        ),
    )
    .await;
    (
        v[0].as_str().unwrap().to_string(),
        v[1].as_str().unwrap().to_string(),
        v[2].as_f64().unwrap(),
        v[3].as_str().unwrap().to_string(),
    )
}

/// The result changed, the table with it, the live region names the new values and
/// result, and the figure kept its height.
async fn changed_from(c: &Client, before: &(String, String, f64, String), what: &str) -> String {
    let after = shown(c).await;
    assert_ne!(after.0, before.0, "{what}: the description changes");
    let parts = |t: &str| {
        t.split_once("|svg|")
            .map(|(a, b)| (a.to_string(), b.to_string()))
    };
    if let (Some((table_before, svg_before)), Some((table_after, svg_after))) =
        (parts(&before.1), parts(&after.1))
    {
        assert_ne!(table_after, table_before, "{what}: the table changes");
        assert_ne!(svg_after, svg_before, "{what}: the chart changes");
    }
    assert_eq!(after.2, before.2, "{what}: no layout jump");
    assert!(
        after.3.starts_with("Now showing: Switch interval ") && after.3.ends_with(&after.0),
        "{what}: the new values and description are announced: {}",
        after.3
    );
    after.0
}

async fn slider_output(c: &Client) -> Value {
    js(
        c,
        &format!(
            "const s = document.querySelector('{CONVOY} input[type=range]');
             return [s.value, s.getAttribute('aria-valuetext'), s.nextElementSibling.textContent];"
        ),
    )
    .await
}

/// Mouse on the slider's left end and on a segment; keys on both.
async fn controls_switch_variants(c: &Client, origin: &str) {
    open(c, &format!("{origin}/{GIL}")).await;
    let slider = c
        .find(Locator::Css(&format!("{CONVOY} input[type=range]")))
        .await
        .unwrap();
    assert!(
        slider.is_displayed().await.unwrap(),
        "the controls show with JS"
    );
    js(
        c,
        &format!("document.querySelector('{CONVOY}').scrollIntoView()"),
    )
    .await;
    let start = shown(c).await;
    assert!(
        about_one_interval(&start.0, 5.0),
        "default: 5 ms, one thread: {}",
        start.0
    );

    // Keyboard: ArrowRight steps from 5 ms to 20 ms.
    js(
        c,
        &format!("document.querySelector('{CONVOY} input[type=range]').focus()"),
    )
    .await;
    assert_eq!(slider_output(c).await, json!(["2", "5 ms", "5 ms"]));
    let before = shown(c).await;
    press(c, &Key::Right).await;
    let at_twenty = changed_from(c, &before, "ArrowRight on the slider").await;
    assert_eq!(slider_output(c).await, json!(["3", "20 ms", "20 ms"]));
    assert!(about_one_interval(&at_twenty, 20.0), "{at_twenty}");

    // Mouse: a click at the slider's left end picks the first value, 1 ms.
    let width = js(
        c,
        &format!("return document.querySelector('{CONVOY} input[type=range]').getBoundingClientRect().width"),
    )
    .await
    .as_f64()
    .unwrap();
    let before = shown(c).await;
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: slider.clone(),
            duration: None,
            x: -width / 2.0 + 2.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    c.perform_actions(mouse).await.unwrap();
    c.release_actions().await.unwrap();
    changed_from(c, &before, "a click on the slider").await;
    assert_eq!(slider_output(c).await, json!(["0", "1 ms", "1 ms"]));

    // The segmented control: a click on "2", then ArrowLeft back to "1".
    let before = shown(c).await;
    c.find(Locator::XPath(&format!(
        "//figure[@id='{}']//fieldset//label[normalize-space()='2']",
        &CONVOY[1..]
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let two = changed_from(c, &before, "a click on a segment").await;
    press(c, &Key::Left).await;
    changed_from(
        c,
        &(two, String::new(), before.2, String::new()),
        "ArrowLeft on the segments",
    )
    .await;
    let checked = js(
        c,
        &format!("return document.querySelector('{CONVOY} fieldset :checked').value"),
    )
    .await;
    assert_eq!(checked, json!("0"), "one CPU-bound thread again");
}

/// Hover a bar, then Tab onto the next: the tooltip names the exact value each time.
async fn tooltips(c: &Client, origin: &str) {
    open(c, &format!("{origin}/{GIL}")).await;
    let bar = format!("{CONVOY} .chart-variant:not([hidden]) g[aria-label]");
    js(
        c,
        &format!("document.querySelector('{CONVOY}').scrollIntoView()"),
    )
    .await;
    let target = c.find(Locator::Css(&bar)).await.unwrap();
    let rect = c.find(Locator::Css(&format!("{bar} rect"))).await.unwrap();
    // Near the bar's foot: its middle may lie under the measured marker, which has its
    // own tooltip.
    let height = js(
        c,
        &format!("return document.querySelector('{bar} rect').getBoundingClientRect().height"),
    )
    .await
    .as_f64()
    .unwrap();
    let mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: rect,
        duration: None,
        x: 0.0,
        y: (height / 2.0 - 2.0).max(0.0),
    });
    c.perform_actions(mouse).await.unwrap();
    let tip = "(t => t && !t.hidden && t.textContent)(document.querySelector('.chart-tip'))";
    let label = target.attr("aria-label").await.unwrap().unwrap();
    assert!(label.contains("I/O thread alone: "), "{label}");
    wait_until(
        c,
        &format!("return ({tip}) === {}", json!(label)),
        "the hover tooltip",
    )
    .await;
    c.release_actions().await.unwrap();

    // Keyboard: from the last segment, Tab reaches the first bar, then the next.
    js(
        c,
        &format!("document.querySelector('{CONVOY} fieldset :checked').focus()"),
    )
    .await;
    press(c, &Key::Tab).await;
    press(c, &Key::Tab).await;
    let focused = js(
        c,
        "return document.activeElement.getAttribute('aria-label')",
    )
    .await;
    let focused = focused.as_str().expect("a bar has the focus").to_string();
    assert!(focused.contains("beside CPU-bound threads: "), "{focused}");
    assert!(focused.contains("as long"), "{focused}");
    wait_until(
        c,
        &format!("return ({tip}) === {}", json!(focused)),
        "the focus tooltip",
    )
    .await;
    press(c, &Key::Escape).await;
    wait_until(
        c,
        "return document.querySelector('.chart-tip').hidden",
        "Escape hides it",
    )
    .await;
}

/// Every resource of the lesson comes from its own origin.
async fn nothing_leaves(c: &Client, origin: &str) {
    let names = js(
        c,
        "return performance.getEntriesByType('resource').map(e => e.name)",
    )
    .await;
    for n in names.as_array().unwrap() {
        let n = n.as_str().unwrap();
        assert!(
            n.starts_with(&format!("{origin}/")),
            "the page requested {n}"
        );
    }
}

/// Scripts off: each figure shows its default variant only, no controls, and the list
/// of every variant's key figures.
async fn without_javascript(c: &Client, origin: &str) {
    open(c, &format!("{origin}/{GIL}")).await;
    let v = js(
        c,
        "return [...document.querySelectorAll('figure[data-explore]')].map(f => [
           f.querySelector('.chart-controls').getBoundingClientRect().height,
           [...f.querySelectorAll('.chart-variant')].filter(v => getComputedStyle(v).visibility === 'visible').length,
           f.querySelectorAll('.chart-others li').length,
           f.querySelectorAll('.chart-variant').length,
           f.querySelector('.chart-variant:not([hidden]) .chart-result').textContent])",
    )
    .await;
    let figures = v.as_array().unwrap();
    assert_eq!(figures.len(), 4, "four explorable charts: {v}");
    for f in figures {
        assert_eq!(f[0], json!(0), "no controls without JS: {f}");
        assert_eq!(f[1], json!(1), "one variant shows: {f}");
        assert_eq!(f[2], f[3], "key figures of every variant: {f}");
    }
    let convoy = figures
        .iter()
        .find(|f| f[3] == json!(8))
        .expect("the convoy chart");
    assert!(
        about_one_interval(convoy[4].as_str().unwrap(), 5.0),
        "{convoy}"
    );
}

#[test]
fn explorable_charts_in_headless_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let axe = axe_source().map(Arc::new);
    let tmp = tempfile::tempdir().unwrap();
    let www = tmp.path().join("www");
    crescu::build::build(&crescu::build::BuildOptions::new(repo(), Some(www.clone())))
        .expect("the example course builds");
    let server = Server::start(www);
    let origin = server.origin.clone();
    let rt = runtime();
    rt.block_on(async {
        let o = origin.clone();
        browser
            .in_session(Mode::Light, |c| async move {
                let c = &c;
                controls_switch_variants(c, &o).await;
                tooltips(c, &o).await;
                nothing_leaves(c, &o).await;
                if let Some(axe) = axe {
                    // With the controls shown and a tooltip open.
                    axe_check(c, &axe, "explorable, light").await;
                    open(
                        c,
                        &format!("{o}/python-concurrency/c-extensions/index.html"),
                    )
                    .await;
                    axe_check(c, &axe, "explorable C chart").await;
                }
            })
            .await;
        let o = origin.clone();
        browser
            .in_session(Mode::NoScript, |c| async move {
                without_javascript(&c, &o).await;
            })
            .await;
    });
    drop(server);
    drop(browser);
}
