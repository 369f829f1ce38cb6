//! Session configuration the core needs: which capabilities to advertise and limits.
//! (The shell reads the environment and config files and fills this in.)

use crate::syntax::types::Atom;

use super::session::State;

/// Capabilities imapd implements, in the order they are advertised (RFC 3501 §7.2.1).
pub const IMPLEMENTED: &[&str] = &[
    "IMAP4rev1",
    "LITERAL+",
    "SASL-IR",
    "ID",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "UIDPLUS",
    "UNSELECT",
    "MOVE",
    "CHILDREN",
    "ESEARCH",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "QUOTA",
    "SEARCHRES",
    "SORT",
    "THREAD=ORDEREDSUBJECT",
    "THREAD=REFERENCES",
    "UTF8=ACCEPT",
];

/// Settings of one session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Capabilities advertised after authentication.
    pub capabilities: Vec<String>,
    /// Capabilities the administrator switched off (Courier's IMAP_CAPABILITY subset idea):
    /// never advertised and refused as if unknown.
    pub disabled: Vec<String>,
    /// The personal namespace prefix (Courier layout: `INBOX.`).
    pub namespace_prefix: String,
    /// Value sent in the ID response's "name" field.
    pub server_name: String,
    /// Custom keywords may be stored (Courier's IMAP_KEYWORDS; when false, PERMANENTFLAGS has
    /// no `\*` and STORE/APPEND of a new keyword is refused).
    pub keywords: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            capabilities: IMPLEMENTED.iter().map(|s| s.to_string()).collect(),
            disabled: Vec::new(),
            namespace_prefix: "INBOX.".into(),
            server_name: "imapd".into(),
            keywords: true,
        }
    }
}

impl SessionConfig {
    /// True if the capability is advertised.
    pub fn has(&self, cap: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cap))
            && !self.disabled.iter().any(|c| c.eq_ignore_ascii_case(cap))
    }

    /// The CAPABILITY list for a state: before authentication, AUTH= mechanisms would go here
    /// (network front end); SASL-IR only matters then.
    pub fn capabilities(&self, state: &State) -> Vec<Atom> {
        let pre_auth = matches!(state, State::NotAuthenticated);
        self.capabilities
            .iter()
            .filter(|c| self.has(c))
            .filter(|c| pre_auth || !c.eq_ignore_ascii_case("SASL-IR"))
            .filter_map(|c| Atom::new(c.clone()).ok())
            .collect()
    }
}
