//! The pest parser generated from `grammar/imap.pest`.

/// The parser derived from `grammar/imap.pest`; see that file for the grammar's conventions.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/imap.pest"]
pub(crate) struct ImapParser;
