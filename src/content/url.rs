//! Which addresses text from front matter may link to. Front matter is data (a pull
//! request can carry it), so it must never produce a live script: only `http`, `https`,
//! `mailto` and relative addresses pass. The scheme is read the way a browser reads it:
//! case-insensitive, with tabs and newlines anywhere and leading spaces or control
//! characters ignored, and character references decoded.

use pulldown_cmark::{Event, Parser, Tag};

const ALLOWED: [&str; 3] = ["http", "https", "mailto"];

/// The scheme a browser would see in `url`, lowercased; `None` for a relative address.
pub fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (head, _) = cleaned.split_once(':')?;
    let mut chars = head.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_is_letter && rest_ok).then(|| head.to_ascii_lowercase())
}

/// `Ok` for an address front matter may link to; otherwise why not.
pub fn check_link(url: &str) -> Result<(), String> {
    for form in [url.to_string(), decode_references(url)] {
        if let Some(s) = scheme(&form)
            && !ALLOWED.contains(&s.as_str())
        {
            return Err(format!(
                "links to `{s}:` addresses are not allowed here (only http, https, mailto and relative links)"
            ));
        }
    }
    Ok(())
}

/// `Ok` for a site address: absolute `http` or `https`.
pub fn check_base_url(url: &str) -> Result<(), String> {
    match scheme(url).as_deref() {
        Some("http" | "https") if url.trim() == url && !url.contains(['"', '<', '>', ' ']) => {
            Ok(())
        }
        _ => Err(format!("`{url}` is not an http or https address")),
    }
}

/// The destinations of every link and image in inline Markdown `text`, as the renderer
/// sees them (references and escapes resolved).
pub fn markdown_links(text: &str) -> Vec<String> {
    Parser::new(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// The first link of Markdown `text` that front matter may not carry, and why.
pub fn first_unsafe_link(text: &str) -> Option<(String, String)> {
    // Cheap test first: most texts have no link at all.
    if !text.contains(['[', '<']) {
        return None;
    }
    markdown_links(text)
        .into_iter()
        .find_map(|url| check_link(&url).err().map(|why| (url, why)))
}

/// `url` with HTML character references (`&colon;`, `&#58;`, `&#x3A;`, ...) decoded, as
/// a browser decodes them in an attribute.
fn decode_references(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| reference(&rest[1..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    match name {
        "colon" => Some(':'),
        "Tab" => Some('\t'),
        "NewLine" => Some('\n'),
        "sol" => Some('/'),
        "amp" => Some('&'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_refused_in_every_spelling() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "javascript&colon;alert(1)",
            "javascript&#58;alert(1)",
            "javascript&#x3A;alert(1)",
            "&#106;avascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "DATA:text/html;base64,PHNjcmlwdD4=",
            "file:///etc/passwd",
        ] {
            assert!(check_link(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn web_mail_and_relative_addresses_pass() {
        for good in [
            "https://example.org/a?b=c:d",
            "HTTP://example.org",
            "mailto:teacher@example.org",
            "../other/",
            "#section",
            "/abs/path",
            "//cdn.example.org/x",
            "notes.html?t=1:2",
            "a/b:c",
        ] {
            assert!(check_link(good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn markdown_links_are_found_however_written() {
        let cases = [
            ("See [here](javascript:alert(1)).", true),
            ("See <javascript:alert(1)>.", true),
            ("See [here][x].\n\n[x]: javascript:alert(1)", true),
            ("See [here](javascript&colon;alert(1)).", true),
            ("See [here](java\\script:alert(1)).", false),
            ("![img](data:image/svg+xml,<svg>)", true),
            ("See [the docs](https://docs.python.org).", false),
            ("Plain text: with a colon", false),
        ];
        for (text, unsafe_link) in cases {
            assert_eq!(first_unsafe_link(text).is_some(), unsafe_link, "{text:?}");
        }
    }

    #[test]
    fn a_site_address_is_http() {
        assert!(check_base_url("https://example.org/course").is_ok());
        for bad in [
            "javascript:alert(1)//",
            "example.org",
            "/course",
            "https://x\" onload=\"y",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}
