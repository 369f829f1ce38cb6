//! The pure core: protocol state machine, mailbox views and every command's semantics.
//!
//! No I/O happens here: no clock, no files, no sockets. The core reaches storage only through
//! the [`Store`] trait passed in, so with [`MemoryStore`] a session is a deterministic function
//! of its inputs — which is what the model checker drives.
//!
//! The drive loop (the shell does exactly this):
//!
//! ```
//! use imapd::core::{MemoryStore, Session, SessionConfig};
//! use imapd::syntax::types::{Command, CommandBody, Tag};
//!
//! let mut store = MemoryStore::new();
//! let mut session = Session::preauth(SessionConfig::default());
//! let _greeting = session.greeting();
//! // For every complete command the framer and parser produce:
//! let cmd = Command { tag: Tag::new("a1").unwrap(), body: CommandBody::Noop };
//! let responses = session.handle_command(cmd, &mut store);
//! assert!(!responses.is_empty()); // send them all, in order
//! // (the shell uses `handle_command_to` with a `Responder` that writes each one at once)
//! // While idling, feed `handle_store_changed` on change events and `handle_idle_line` on input.
//! ```

mod commands;
pub mod config;
pub mod flags;
pub mod login;
pub mod memory;
pub mod message_list;
pub mod names;
pub mod render;
pub mod sequence;
pub mod session;
pub mod sort;
pub mod store;
pub mod thread;
pub mod view;

pub use config::SessionConfig;
pub use flags::FlagSet;
pub use memory::MemoryStore;
pub use session::{Responder, Selected, Session, State};
pub use store::{Store, StoreError, Uid};
pub use view::{Cursor, MailboxView};
