//! `sitemap.xml` and `robots.txt`, written only when the course knows its public address
//! (`base_url`): both need absolute URLs, which a site without one cannot know.

use super::output::OutputFile;
use crate::content::Course;
use crate::html::escape;
use std::path::PathBuf;

/// The public URL of the page at output path `path` (`a/b/index.html` -> `<base>/a/b/`).
pub fn canonical_url(base_url: &str, path: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let path = path.strip_suffix("index.html").unwrap_or(path);
    format!("{base}/{path}")
}

/// The sitemap and robots.txt, or nothing without a `base_url`.
pub fn files(course: &Course) -> Vec<OutputFile> {
    let Some(base) = course.config.base_url.as_deref() else {
        return Vec::new();
    };
    let mut pages = vec!["index.html".to_string()];
    for module in &course.modules {
        pages.push(format!("{}/index.html", module.slug));
        for lesson in &module.lessons {
            pages.push(format!("{}/{}/index.html", module.slug, lesson.slug));
        }
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in &pages {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            escape(&canonical_url(base, page))
        ));
    }
    xml.push_str("</urlset>\n");
    let robots = format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        canonical_url(base, "sitemap.xml")
    );
    vec![
        OutputFile {
            path: PathBuf::from("sitemap.xml"),
            bytes: xml.into_bytes(),
        },
        OutputFile {
            path: PathBuf::from("robots.txt"),
            bytes: robots.into_bytes(),
        },
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_urls_drop_index_html() {
        assert_eq!(
            super::canonical_url("https://x.org/c/", "a/b/index.html"),
            "https://x.org/c/a/b/"
        );
        assert_eq!(
            super::canonical_url("https://x.org", "index.html"),
            "https://x.org/"
        );
    }
}
