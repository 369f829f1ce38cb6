//! Test support for model checking the pure core (design.md "How it is checked"; style
//! principles 9 and 10): an op alphabet, a naive reference model, a client-side belief
//! reconstructor, a harness driving N sessions in-process, and a transcript renderer.
//! Each test crate uses part of it.
#![allow(dead_code)]

pub mod backend;
pub mod client;
pub mod gen;
pub mod ops;
pub mod reference;
pub mod render;
pub mod world;
