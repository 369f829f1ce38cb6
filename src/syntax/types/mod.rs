//! Typed commands and responses: the values the parser produces and the encoder consumes.
//!
//! One file per topic: [`core`] (tags, atoms, flags, sequence sets, dates), [`command`],
//! [`fetch`], [`search`], [`response`], [`body`] (ENVELOPE and BODYSTRUCTURE).

pub mod body;
pub mod command;
pub mod core;
pub mod fetch;
pub mod response;
pub mod search;

pub use self::body::*;
pub use self::command::*;
pub use self::core::*;
pub use self::fetch::*;
pub use self::response::*;
pub use self::search::*;
