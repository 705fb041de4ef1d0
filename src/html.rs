//! HTML text escaping, shared by every stage that writes markup.

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text);
    out
}

/// `escape`, appended to `out`.
pub fn escape_into(out: &mut String, text: &str) {
    let Ok(()) = escaped_pieces::<std::convert::Infallible>(text, |piece| {
        out.push_str(piece);
        Ok(())
    });
}

/// `escape` written to `out`, as Tera's `EscapeFn` for the theme's templates: the same
/// entities as Tera's own, written a run of text at a time where Tera's writes each byte
/// on its own (a tenth of a warm build's work).
pub fn escape_to_writer(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    escaped_pieces(text, |piece| out.write_all(piece.as_bytes()))
}

/// Hands `text` escaped to `write`, in order: each run of text that needs no escaping and
/// each entity.
fn escaped_pieces<E>(text: &str, mut write: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
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
        write(&text[plain..i])?;
        write(entity)?;
        plain = i + 1;
    }
    write(&text[plain..])
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
    fn templates_escape_as_tera_does() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let texts = [
            every_ascii.as_str(),
            "",
            "plain",
            "<a href=\"x\">Tom & 'Jerry'</a>",
            "&&<<>>\"\"''",
            "é → <ü> ' 日本 \u{1F600}&",
        ];
        for text in texts {
            let mut ours = Vec::new();
            super::escape_to_writer(text, &mut ours).unwrap();
            assert_eq!(ours, tera_escaped(text), "{text:?}");
            assert_eq!(
                super::escape(text).as_bytes(),
                tera_escaped(text),
                "{text:?}"
            );
        }
    }

    fn tera_escaped(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        tera::escape_html(text, &mut out).unwrap();
        out
    }

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
