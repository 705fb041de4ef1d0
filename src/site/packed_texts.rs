//! Texts kept deflated between the dev server's rebuilds: the search documents' texts
//! are needed again only when a text script holding them is made again (a lesson in it
//! changed, or documents before it came or went), and as they are they took some 45 MB
//! at 10,000 lessons.

use std::io::{Read as _, Write as _};

/// Texts deflated together, each found again by where it ends.
#[derive(Debug, Default)]
pub struct PackedTexts {
    deflated: Vec<u8>,
    /// Where each text ends in the texts one after another, in bytes.
    ends: Vec<u32>,
}

impl PackedTexts {
    pub fn pack<'a>(texts: impl IntoIterator<Item = &'a str>) -> PackedTexts {
        let level = flate2::Compression::fast();
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), level);
        let (mut ends, mut len) = (Vec::new(), 0);
        for text in texts {
            // Writing into memory cannot fail.
            let _ = encoder.write_all(text.as_bytes());
            len += text.len();
            ends.push(len as u32);
        }
        let mut deflated = encoder.finish().unwrap_or_default();
        deflated.shrink_to_fit();
        ends.shrink_to_fit();
        PackedTexts { deflated, ends }
    }

    /// The texts, in order.
    pub fn unpack(&self) -> Vec<String> {
        let mut all = String::new();
        flate2::read::DeflateDecoder::new(&self.deflated[..])
            .read_to_string(&mut all)
            .expect("texts deflated in memory inflate again");
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        let texts = starts.zip(&self.ends);
        // Each text was whole UTF-8, so each end is a character boundary.
        texts
            .map(|(start, &end)| all[start as usize..end as usize].to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_as_they_went_in() {
        let texts = [
            "",
            "The GIL.",
            "Straße “quoted” — ✓",
            "",
            &"long ".repeat(500),
        ];
        let packed = PackedTexts::pack(texts.iter().copied());
        assert_eq!(packed.unpack(), texts);
        assert!(
            packed.deflated.len() < 400,
            "{} bytes",
            packed.deflated.len()
        );
        assert!(PackedTexts::pack([]).unpack().is_empty());
    }
}
