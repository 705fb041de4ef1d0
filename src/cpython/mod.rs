//! Real CPython beside the simulator: a simulated run translated into a Python program
//! (`program`), run on a real interpreter on a quiet machine (`runner`), and its
//! repetitions summarised into the figures a measurement file keeps (`figures`).
//!
//! Knows the simulator's input types and the measurement file's types; nothing of
//! lessons, HTML or charts.

pub mod figures;
pub mod program;
pub mod runner;
