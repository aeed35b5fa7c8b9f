//! The agent console (being built).
fn main() {}
