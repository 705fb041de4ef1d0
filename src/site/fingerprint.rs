//! Hashes of what an output is made from, so a rebuild can tell whether it would come
//! out the same.

use std::hash::Hasher;

/// Hashes what is written to it, so a value's `Debug` form can be hashed without building
/// the string.
pub struct HashWriter(pub std::collections::hash_map::DefaultHasher);

impl HashWriter {
    pub fn new() -> Self {
        HashWriter(std::collections::hash_map::DefaultHasher::new())
    }

    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl Default for HashWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0.write_u8(0xff);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn pieces_are_kept_apart() {
        let hash = |parts: &[&str]| {
            let mut h = HashWriter::new();
            for p in parts {
                let _ = h.write_str(p);
            }
            h.finish()
        };
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
        assert_eq!(hash(&["ab", "c"]), hash(&["ab", "c"]));
    }
}
