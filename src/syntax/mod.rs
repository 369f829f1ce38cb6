//! The codec: typed commands and responses (the parser and encoder live beside [`types`]).

pub mod types;
