//! The GIL simulator (placeholder until the simulator lands).
