//! The stores the harness runs over: one shared MemoryStore, or a real Maildir in a temporary
//! directory with one `MaildirStore` handle per session (as separate processes would have)
//! plus one for the "other process" (MTA deliveries, external flag changes and expunges).

use imapd::core::{MemoryStore, Store};
use imapd::store::{MaildirOptions, MaildirStore};

pub enum Backend {
    Memory(MemoryStore),
    Maildir(Box<Maildir>),
}

/// A Maildir in a temporary directory and the handles on it.
pub struct Maildir {
    // Kept alive for the run; removed on drop.
    _dir: tempfile::TempDir,
    sessions: Vec<MaildirStore>,
    other: MaildirStore,
}

impl Backend {
    pub fn memory() -> Backend {
        Backend::Memory(MemoryStore::new())
    }

    pub fn maildir(n: usize) -> Backend {
        let dir = tempfile::tempdir().expect("tempdir");
        let open = || MaildirStore::open(dir.path(), MaildirOptions::default()).expect("open");
        let other = open();
        let sessions = (0..n).map(|_| open()).collect();
        Backend::Maildir(Box::new(Maildir {
            _dir: dir,
            sessions,
            other,
        }))
    }

    /// The store session `sid` talks to.
    pub fn session(&mut self, sid: usize) -> &mut dyn Store {
        match self {
            Backend::Memory(m) => m,
            Backend::Maildir(m) => &mut m.sessions[sid],
        }
    }

    /// The store of "another process".
    pub fn other(&mut self) -> &mut dyn Store {
        match self {
            Backend::Memory(m) => m,
            Backend::Maildir(m) => &mut m.other,
        }
    }

    /// An MTA delivery; returns the UID the message got. In a Maildir the UID is assigned by
    /// the next scan, so the other process scans at once (without claiming \Recent).
    pub fn deliver(&mut self, mailbox: &str, data: &[u8]) -> Result<u32, String> {
        match self {
            Backend::Memory(m) => m.deliver(mailbox, data).map_err(|e| e.to_string()),
            Backend::Maildir(m) => {
                let other = &mut m.other;
                other.deliver(mailbox, data).map_err(|e| e.to_string())?;
                let snap = other.snapshot(mailbox, false).map_err(|e| e.to_string())?;
                snap.messages
                    .last()
                    .map(|m| m.uid)
                    .ok_or_else(|| "delivered message not found".to_string())
            }
        }
    }
}
