//! Markdown body rendering with shortcodes, callouts and highlighted code.
#![no_main]

use crescu::markdown::Renderer;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    // Loading syntect's syntaxes takes far longer than one input.
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let renderer = RENDERER.get_or_init(Renderer::new);
    let _ = renderer.body(text, 1);
    let _ = renderer.inline(text);
});
