//! Corpus and property tests for the message layer.
