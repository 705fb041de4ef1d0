//! The author workflow around a build: `check --format json`, `new`, link checking, the
//! search index, sitemap and canonical links, and a site that works from `/`, from a
//! sub-path and from `file://`.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn check_json_lines_carry_every_warning_with_location() {
    let lesson = b"---\ntitle: Pictures\nquiz:\n  - id: q\n    type: true_false\n    prompt: Is it?\n    answer: true\n---\nIntro.\n\n![](diagram.png)\n";
    let course = course_with(&[("01-pictures.md", lesson)]);
    std::fs::write(course.path().join("content/01-module/diagram.png"), b"png").unwrap();
    let (code, stdout, stderr) =
        crescu(&["check", "--root", arg(course.path()), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let lines = json_lines(&stdout);
    for line in &lines {
        for key in ["file", "line", "column", "severity", "code", "message"] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
    }
    let find = |code: &str| {
        lines
            .iter()
            .find(|l| l["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {stdout}"))
    };
    let alt = find("image-without-alt");
    assert_eq!(alt["severity"], "warning");
    assert_eq!(alt["course_file"], "content/01-module/01-pictures.md");
    assert_eq!(
        (alt["line"].as_u64(), alt["column"].as_u64()),
        (Some(11), Some(1))
    );
    assert_eq!(find("no-summary")["severity"], "warning");
    assert_eq!(find("no-explanation")["severity"], "warning");
}

#[test]
fn new_course_builds_as_is_and_new_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("my-course");
    let (code, _, stderr) = crescu(&["new", arg(&root)]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = crescu(&["check", "--root", arg(&root)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "the skeleton is clean: {stderr}"
    );
    let (code, _, stderr) = crescu(&["build", "--root", arg(&root)]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(root.join("output/getting-started/first-lesson/index.html"))
        .unwrap();
    for kind in [
        "Multiple choice",
        "True or false",
        "Fill in the blank",
        "(select all that apply)",
    ] {
        assert!(page.contains(kind), "the lesson shows {kind}");
    }
    let second =
        std::fs::read_to_string(root.join("output/getting-started/charts-and-tables/index.html"))
            .unwrap();
    assert!(
        second.contains("<svg") && second.contains("<table"),
        "a chart and a table"
    );
    assert!(
        page.contains("charts-and-tables/"),
        "the go-deeper link resolves"
    );
    let ignored = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    assert!(ignored.contains(".crescu-cache/") && ignored.contains("/output/"));
    let index = std::fs::read_to_string(root.join("output/index.html")).unwrap();
    assert!(
        index.contains("<h1>My course</h1>"),
        "title from the folder name"
    );

    let (code, _, stderr) = crescu(&["new", arg(&root)]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not empty"), "{stderr}");
    let before = snapshot_tree(&root.join("content"));
    assert!(!before.is_empty());
}

const LINKING: &str = "---
title: Linking
summary: s
quiz:
  - id: pick
    type: true_false
    prompt: p
    answer: true
    explanation: e
---
## Here we go

[source path](99-other.md), [with anchor](02-target.md#deep-dive),
[output URL](../target/), [file URL](../target/index.html#deep-dive),
[same page](#here-we-go), [exercise](#exercise-pick), [web](https://example.org/x),
![a picture](pic.png) [module](_index.md) [course](../_index.md)
";

const TARGET: &str = "---\ntitle: Target\nsummary: s\n---\n## Deep dive\n\nText.\n";

#[test]
fn valid_links_build_and_source_paths_become_relative_urls() {
    let course = course_with(&[
        ("01-linking.md", LINKING.as_bytes()),
        ("02-target.md", TARGET.as_bytes()),
    ]);
    std::fs::write(course.path().join("content/01-module/pic.png"), b"png").unwrap();
    let out = course.path().join("output");
    let (code, _, stderr) = crescu(&["build", "--root", arg(course.path())]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(out.join("module/linking/index.html")).unwrap();
    for href in [
        "href=\"../other/index.html\"",
        "href=\"../target/index.html#deep-dive\"",
        "href=\"../target/index.html\"",
        "href=\"#here-we-go\"",
        "href=\"#exercise-pick\"",
        "href=\"https://example.org/x\"",
        "src=\"../pic.png\"",
        "href=\"../index.html\"",
        "href=\"../../index.html\"",
    ] {
        assert!(page.contains(href), "missing {href}");
    }
}

#[test]
fn broken_links_fail_the_build_with_file_and_line() {
    let lesson = "---
title: Broken
summary: s
---
Fine line.

[gone](03-missing.md)

[bad anchor](02-target.md#deep-div) and [bad local](#nope)

[no page](../nowhere/) ![missing](missing.png) [root](/module/target/)
";
    let course = course_with(&[
        ("01-broken.md", lesson.as_bytes()),
        ("02-target.md", TARGET.as_bytes()),
    ]);
    let (code, stdout, _) = crescu(&["check", "--root", arg(course.path()), "--format", "json"]);
    assert_eq!(code, 1);
    let errors: Vec<(u64, u64, String)> = json_lines(&stdout)
        .iter()
        .filter(|l| l["code"] == "broken-link")
        .map(|l| {
            assert_eq!(l["course_file"], "content/01-module/01-broken.md");
            assert_eq!(l["severity"], "error");
            (
                l["line"].as_u64().unwrap(),
                l["column"].as_u64().unwrap(),
                l["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at: Vec<(u64, u64)> = errors.iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(
        at,
        [(7, 1), (9, 1), (9, 41), (11, 1), (11, 24), (11, 48)],
        "{errors:?}"
    );
    assert!(errors[0].2.contains("03-missing.md"));
    assert!(errors[1].2.contains("#deep-div") && errors[1].2.contains("did you mean `#deep-dive`"));
    assert!(errors[5].2.contains("sub-path"));

    // The text report shows the offending line, and nothing is written.
    let out = course.path().join("output");
    let (code, _, stderr) = crescu(&["build", "--root", arg(course.path())]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--> content/01-module/01-broken.md:7:1"),
        "{stderr}"
    );
    assert!(stderr.contains("7 | [gone](03-missing.md)"), "{stderr}");
    assert!(!out.exists());
}

/// The search index as the browser sees it: the JSON assigned in search-index.js.
fn read_index(out: &Path) -> serde_json::Value {
    let js = std::fs::read_to_string(out.join("search-index.js")).unwrap();
    let json = js
        .strip_prefix("window.CRESCU_SEARCH=")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("a script assigning one global");
    serde_json::from_str(json).unwrap()
}

/// The prefix match search.js runs (without its ranking): docs holding a term starting
/// with every word. Postings hold `doc * 4 + field`.
fn query(index: &serde_json::Value, q: &str) -> Vec<String> {
    let terms: Vec<&str> = index["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut hits: Option<BTreeSet<u64>> = None;
    for word in q
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let start = terms.partition_point(|t| *t < word);
        let docs: BTreeSet<u64> = (start..terms.len())
            .take_while(|&i| terms[i].starts_with(word))
            .flat_map(|i| {
                index["postings"][i]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap() >> 2)
            })
            .collect();
        hits = Some(match hits {
            None => docs,
            Some(h) => h.intersection(&docs).copied().collect(),
        });
    }
    hits.unwrap_or_default()
        .into_iter()
        .map(|d| index["docs"][d as usize][0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_index_finds_titles_headings_and_text_by_prefix() {
    let course = course_with(&[
        ("01-linking.md", LINKING.as_bytes()),
        ("pic.png", b"png".as_slice()),
        ("02-target.md", "---\ntitle: Target practice\nsummary: s\n---\n## Deep dive\n\nConvoy effects appear here.\n\n## Elsewhere\n\nNothing.\n".as_bytes()),
    ]);
    let (code, _, stderr) = crescu(&["build", "--root", arg(course.path())]);
    assert_eq!(code, 0, "{stderr}");
    let out = course.path().join("output");
    let index = read_index(&out);
    let terms: Vec<&str> = index["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        terms.windows(2).all(|w| w[0] < w[1]),
        "terms sorted and unique"
    );
    assert!(!terms.contains(&"the"), "stop words left out");
    // A word of the text, by prefix, leads to its heading.
    assert_eq!(
        query(&index, "conv"),
        ["module/target/index.html#deep-dive"]
    );
    // Title words lead to the lesson itself; every word must match.
    assert_eq!(query(&index, "target pract"), ["module/target/index.html"]);
    assert_eq!(
        query(&index, "deep"),
        ["module/target/index.html#deep-dive"]
    );
    assert!(query(&index, "convoy nothing").is_empty());
    let doc = &index["docs"][0];
    assert_eq!(doc.as_array().unwrap().len(), 3, "[url, lesson, heading]");

    // Every page names the search script, which crescu.js loads when the reader first
    // goes to the box; the index loads on demand after it.
    let page = std::fs::read_to_string(out.join("module/target/index.html")).unwrap();
    assert!(page.contains("data-script=\"../../static/search.js\""));
    assert!(!page.contains("<script src=\"../../static/search.js\""));
    assert!(
        page.contains("data-search data-script=\"../../static/search.js\" hidden"),
        "hidden until the script runs"
    );
    assert!(!page.contains("search-index.js"));
}

/// Search must stay a small addition to every lesson page's scripts and styles: one file
/// of at most 12 KiB, loaded with the index (which grows with the course) only when the
/// search box is used, and the JS and CSS a page loads within 60 KB in all.
#[test]
fn search_adds_little_to_a_lesson_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let (code, _, stderr) = crescu(&["build", "--root", arg(&repo()), "--output", arg(&out)]);
    assert_eq!(code, 0, "{stderr}");
    let search_js = std::fs::metadata(out.join("static/search.js"))
        .unwrap()
        .len();
    assert!(search_js <= 12 * 1024, "search.js is {search_js} bytes");
    for page in lesson_pages(&out) {
        let html = std::fs::read_to_string(&page).unwrap();
        assert_eq!(html.matches("static/search.js\"").count(), 1);
        assert!(!html.contains("search-index.js"));
        // The scripts and styles a page loads stay within issue 13's budget of 60 KB
        // (search.js and the chart and video scripts load later, when used).
        let total: u64 = attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
            .filter(|url| url.ends_with(".css") || url.ends_with(".js"))
            .map(|url| {
                std::fs::metadata(page.parent().unwrap().join(url))
                    .unwrap()
                    .len()
            })
            .sum();
        assert!(
            total < 60_000,
            "{}: {total} bytes of JS and CSS",
            page.display()
        );
    }
}

#[test]
fn sitemap_robots_and_canonical_links_only_with_a_base_url() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/basic");
    let plain = dir.path().join("plain");
    // --no-cache: nothing is written into the fixture's folder.
    let (code, _, stderr) = crescu(&[
        "build",
        "--no-cache",
        "--root",
        arg(&fixture),
        "--output",
        arg(&plain),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!plain.join("sitemap.xml").exists() && !plain.join("robots.txt").exists());
    let page = std::fs::read_to_string(plain.join("basics/first/index.html")).unwrap();
    assert!(!page.contains("rel=\"canonical\"") && !page.contains("og:url"));

    let hosted = dir.path().join("hosted");
    let (code, _, stderr) = crescu(&[
        "build",
        "--no-cache",
        "--root",
        arg(&fixture),
        "--output",
        arg(&hosted),
        "--base-url",
        "https://example.org/courses/basics/",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let sitemap = std::fs::read_to_string(hosted.join("sitemap.xml")).unwrap();
    for loc in [
        "<loc>https://example.org/courses/basics/</loc>",
        "<loc>https://example.org/courses/basics/basics/</loc>",
        "<loc>https://example.org/courses/basics/basics/first/</loc>",
        "<loc>https://example.org/courses/basics/basics/second/</loc>",
    ] {
        assert!(sitemap.contains(loc), "{loc} in {sitemap}");
    }
    assert_eq!(sitemap.matches("<url>").count(), 4);
    let robots = std::fs::read_to_string(hosted.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://example.org/courses/basics/sitemap.xml"));
    let page = std::fs::read_to_string(hosted.join("basics/first/index.html")).unwrap();
    assert!(page.contains(
        "<link rel=\"canonical\" href=\"https://example.org/courses/basics/basics/first/\">"
    ));
    assert!(page.contains(
        "<meta property=\"og:url\" content=\"https://example.org/courses/basics/basics/first/\">"
    ));
    assert!(page.contains("<meta property=\"og:description\" content=\"Every exercise kind.\">"));
    // Apart from those absolute addresses, the pages are the same as without a base URL.
    let without = |p: &str| {
        p.lines()
            .filter(|l| !l.trim().is_empty() && !l.contains("canonical") && !l.contains("og:url"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let plain_page = std::fs::read_to_string(plain.join("basics/first/index.html")).unwrap();
    assert_eq!(without(&page), without(&plain_page));
}

// ---- sub-path hosting -------------------------------------------------------------

fn lesson_pages(out: &Path) -> Vec<PathBuf> {
    html_pages(out)
        .into_iter()
        .filter(|p| p.strip_prefix(out).unwrap().components().count() == 3)
        .collect()
}

/// Every HTML page but the 404 page, whose links are absolute on purpose (hosts serve it
/// at any depth).
fn html_pages(out: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "html") && !p.ends_with("404.html"))
        .collect()
}

fn attribute_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.split(needle.as_str())
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&"))
        .collect()
}

/// Links a browser would follow or load from a page: skip external ones and in-page
/// fragments.
fn internal_links(html: &str) -> Vec<String> {
    attribute_values(html, "href")
        .into_iter()
        .chain(attribute_values(html, "src"))
        .filter(|u| !u.contains("://") && !u.starts_with("mailto:") && !u.starts_with('#'))
        .collect()
}

/// Resolve `link` against the URL path `base` of the page holding it, as a browser does.
fn resolve(base: &str, link: &str) -> String {
    let link = link.split(['#', '?']).next().unwrap();
    assert!(!link.starts_with('/'), "root-relative link {link}");
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for seg in link.split('/') {
        match seg {
            "." => {}
            ".." => assert!(parts.pop().is_some(), "{link} climbs out of {base}"),
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// A static server for `dir` mounted under `prefix`, answering GET with 200 or 404.
fn serve_under(dir: PathBuf, prefix: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let file = path
                .strip_prefix(prefix)
                .filter(|rest| !rest.contains(".."))
                .map(|rest| {
                    let p = dir.join(rest);
                    if p.is_dir() { p.join("index.html") } else { p }
                });
            let response: Vec<u8> = match file.and_then(|f| std::fs::read(f).ok()) {
                Some(bytes) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        bytes.len()
                    )
                    .into_bytes();
                    r.extend(bytes);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    port
}

fn http_status(port: u16, path: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = BufReader::new(stream).read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn built_site_works_from_root_from_a_sub_path_and_from_files() {
    let course = course_with(&[
        ("01-linking.md", LINKING.as_bytes()),
        ("02-target.md", TARGET.as_bytes()),
    ]);
    std::fs::write(course.path().join("content/01-module/pic.png"), b"png").unwrap();
    let out = course.path().join("output");
    let (code, _, stderr) = crescu(&[
        "build",
        "--root",
        arg(course.path()),
        "--base-url",
        "https://example.org/sub/path",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let pages = html_pages(&out);
    assert!(pages.len() >= 5);
    let mut checked = 0;
    for prefix in ["/", "/sub/path/"] {
        let port = serve_under(out.clone(), prefix);
        for page in &pages {
            let rel = page
                .strip_prefix(&out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let html = std::fs::read_to_string(page).unwrap();
            // The same page reached through its folder URL, as hosts link to it.
            let folder_url = format!("{prefix}{}", rel.strip_suffix("index.html").unwrap());
            assert_eq!(http_status(port, &folder_url), 200, "{folder_url}");
            for link in internal_links(&html) {
                let url = resolve(&folder_url, &link);
                assert!(url.starts_with(prefix), "{link} on {rel} leaves {prefix}");
                assert_eq!(
                    http_status(port, &url),
                    200,
                    "{link} on {rel} under {prefix}"
                );
                checked += 1;
            }
        }
    }
    // file://: no server turns a folder into its index.html, so every link must name a file.
    for page in &pages {
        let rel = page
            .strip_prefix(&out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let html = std::fs::read_to_string(page).unwrap();
        for link in internal_links(&html) {
            let target = out.join(resolve(&rel, &link));
            assert!(
                target.is_file(),
                "{link} on {rel} is not a file from file://"
            );
        }
    }
    assert!(checked > 20, "only {checked} links checked");
}

#[test]
fn links_in_course_and_module_introductions_are_checked_and_rewritten() {
    let course = course_with(&[("02-target.md", TARGET.as_bytes())]);
    let content = course.path().join("content");
    std::fs::write(
        content.join("_index.md"),
        "---\ntitle: Test course\n---\nStart with [the target](01-module/02-target.md#deep-dive).\n",
    )
    .unwrap();
    std::fs::write(
        content.join("01-module/_index.md"),
        "---\ntitle: Module\nsummary: s\n---\nSee [target](02-target.md) and [the course](../_index.md#module-module).\n",
    )
    .unwrap();
    let (code, _, stderr) = crescu(&["build", "--root", arg(course.path())]);
    assert_eq!(code, 0, "{stderr}");
    let out = course.path().join("output");
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"module/target/index.html#deep-dive\""),
        "{index}"
    );
    let module = std::fs::read_to_string(out.join("module/index.html")).unwrap();
    assert!(module.contains("href=\"target/index.html\""));
    assert!(module.contains("href=\"../index.html#module-module\""));

    std::fs::write(
        content.join("01-module/_index.md"),
        "---\ntitle: Module\nsummary: s\n---\nIntro.\n\nSee [gone](03-gone.md).\n",
    )
    .unwrap();
    let (code, stdout, _) = crescu(&["check", "--root", arg(course.path()), "--format", "json"]);
    assert_eq!(code, 1);
    let broken = json_lines(&stdout)
        .into_iter()
        .find(|l| l["code"] == "broken-link")
        .expect("a broken-link error");
    assert_eq!(broken["course_file"], "content/01-module/_index.md");
    assert_eq!(
        (broken["line"].as_u64(), broken["column"].as_u64()),
        (Some(7), Some(5))
    );
}

/// The README's quick start, followed literally: `crescu new my-course`, `cd my-course`,
/// `crescu serve` (here on a free port) serves the new course.
#[test]
fn the_quick_start_serves_a_course() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["new", "my-course"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_crescu"))
        .args(["serve", "--port", "0"])
        .current_dir(dir.path().join("my-course"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("My course") && page.contains("Your first lesson"));
}
