//! HTML text escaping, shared by every stage that writes markup.

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text);
    out
}

/// `escape`, appended to `out`.
pub fn escape_into(out: &mut String, text: &str) {
    let mut plain = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[plain..i]);
        out.push_str(entity);
        plain = i + 1;
    }
    out.push_str(&text[plain..]);
}

/// `value` as JSON appended to `out`, with every `<` in its strings written `\u003c`, so
/// that no text in it can close a `<script>` element or open a comment wherever it is
/// put. Written in one pass, without a copy of the JSON to replace in.
pub fn script_json_into(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    let mut json = serde_json::Serializer::with_formatter(out, InertInScript);
    // Serialising into memory fails only for maps with keys that are not strings.
    let _ = value.serialize(&mut json);
}

/// `script_json_into`, as a string.
pub fn script_json(value: &(impl serde::Serialize + ?Sized)) -> String {
    let mut out = Vec::new();
    script_json_into(&mut out, value);
    // serde_json writes UTF-8, and `\u003c` is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's compact output, with `<` escaped in strings (where alone it can stand).
struct InertInScript;

impl serde_json::ser::Formatter for InertInScript {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for (i, piece) in fragment.split('<').enumerate() {
            if i > 0 {
                writer.write_all(b"\\u003c")?;
            }
            writer.write_all(piece.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_json_escapes_only_less_than_in_strings() {
        let value = ("</script><b>\"q\"\n", vec![1, 2], "a<<b");
        let mut out = Vec::new();
        super::script_json_into(&mut out, &value);
        let expected = serde_json::to_string(&value)
            .unwrap()
            .replace('<', "\\u003c");
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        assert!(!expected.contains('<'));
    }

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(
            super::escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
