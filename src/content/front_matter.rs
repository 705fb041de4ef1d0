//! Splitting a lesson file into its YAML front matter and Markdown body.

/// A file split at its `---` fences. Line numbers are 1-based lines of the file.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    pub yaml_first_line: usize,
    pub body: &'a str,
    pub body_first_line: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// The opening fence on line 1 has no closing fence.
    Unclosed,
}

/// Split `text` (already free of a byte-order mark and of `\r\n`) at its fences.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut offset = yaml_start;
    let mut line = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        if text[offset..end].trim_end() == "---" {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_first_line: 2,
                body: &text[body_start..],
                body_first_line: line + 1,
            });
        }
        offset = end + 1;
        line += 1;
    }
    Err(SplitError::Unclosed)
}

/// Text with a leading byte-order mark removed and Windows line endings made `\n`.
pub fn normalize(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_fences() {
        let s = split("---\ntitle: A\n---\nBody\n").unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_first_line, 4);
    }

    #[test]
    fn empty_front_matter_and_no_body() {
        let s = split("---\n---").unwrap();
        assert_eq!(s.yaml, "");
        assert_eq!(s.body, "");
    }

    #[test]
    fn reports_missing_and_unclosed() {
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("# Title\n"), Err(SplitError::Missing));
        assert_eq!(split("---\ntitle: A\n\nBody\n"), Err(SplitError::Unclosed));
    }

    #[test]
    fn normalizes_bom_and_crlf() {
        assert_eq!(normalize("\u{feff}---\r\na\r\n"), "---\na\n");
    }
}
