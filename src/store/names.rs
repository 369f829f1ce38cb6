//! IMAP mailbox names ↔ Maildir++ folder directory names.
//!
//! Maildir++ (`maildirplusplus.txt`): `INBOX` is the Maildir itself and `INBOX.A.B` is the
//! directory `.A.B` directly inside it; Courier keeps names in UTF-8 on disk (peers.md §5).
//! This module is the only place a client-chosen name turns into a path component, so it
//! enforces design invariant 6: whatever a client sends, the result is one directory name
//! inside the Maildir — never `/`, never `.`/`..`, never an empty level.

use crate::core::store::StoreError;

/// The longest folder directory name we create or open, in bytes (Linux `NAME_MAX`).
pub const MAX_DIR_NAME: usize = 255;

/// The most hierarchy levels below INBOX a name may have.
pub const MAX_DEPTH: usize = 32;

/// Where a mailbox lives relative to the Maildir root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderDir {
    /// `INBOX`: the Maildir root itself.
    Inbox,
    /// Another folder: the single directory name (e.g. `.A.B`) inside the root.
    Sub(String),
}

fn invalid(why: &str) -> StoreError {
    StoreError::InvalidName(why.to_owned())
}

/// Maps a full IMAP name to its folder directory, rejecting every name that could reach
/// outside the Maildir or that Courier would not accept.
pub fn to_dir(name: &str) -> Result<FolderDir, StoreError> {
    if name == "INBOX" {
        return Ok(FolderDir::Inbox);
    }
    // Courier's namespace is `INBOX.`; other names are refused there too (peers.md §7.1).
    let rest = name
        .strip_prefix("INBOX.")
        .ok_or_else(|| invalid("names must be INBOX or start with INBOX."))?;
    let mut depth = 0;
    for component in rest.split('.') {
        depth += 1;
        // An empty level (`INBOX..x`, trailing `.`) would give `.x..y`-style names that
        // other Maildir++ readers parse differently.
        if component.is_empty() {
            return Err(invalid("empty hierarchy level"));
        }
    }
    if depth > MAX_DEPTH {
        return Err(invalid("too many hierarchy levels"));
    }
    for c in rest.chars() {
        match c {
            // A path separator would leave the folder's directory (peers.md §5: Courier
            // rejects `/` as well).
            '/' => return Err(invalid("'/' is not allowed")),
            // LIST wildcards (RFC 3501 §6.3.8): a name containing them cannot be listed
            // unambiguously.
            '*' | '%' => return Err(invalid("'*' and '%' are not allowed")),
            c if c.is_control() => return Err(invalid("control character")),
            _ => {}
        }
    }
    let dir = format!(".{rest}");
    if dir.len() > MAX_DIR_NAME {
        return Err(invalid("name too long"));
    }
    Ok(FolderDir::Sub(dir))
}

/// Maps a directory entry of the Maildir root back to an IMAP name, or `None` if the entry
/// is not a folder a client could have created (e.g. `.`, `..`, `.A..B`).
pub fn from_dir(dir: &str) -> Option<String> {
    let rest = dir.strip_prefix('.')?;
    let name = format!("INBOX.{rest}");
    match to_dir(&name) {
        Ok(FolderDir::Sub(d)) if d == dir => Some(name),
        _ => None,
    }
}

/// The path of a folder directory below the root, for use with `Path::join`.
pub fn rel_path(dir: &FolderDir) -> &str {
    match dir {
        FolderDir::Inbox => ".",
        FolderDir::Sub(d) => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_good_names() {
        assert_eq!(to_dir("INBOX").unwrap(), FolderDir::Inbox);
        assert_eq!(to_dir("INBOX.A").unwrap(), FolderDir::Sub(".A".into()));
        assert_eq!(to_dir("INBOX.A.B").unwrap(), FolderDir::Sub(".A.B".into()));
        // peers.md §5: UTF-8 on disk, ':' and space allowed.
        assert_eq!(
            to_dir("INBOX.café").unwrap(),
            FolderDir::Sub(".café".into())
        );
        assert_eq!(
            to_dir("INBOX.a:b c").unwrap(),
            FolderDir::Sub(".a:b c".into())
        );
        assert_eq!(from_dir(".A.B").as_deref(), Some("INBOX.A.B"));
        assert_eq!(from_dir(".café").as_deref(), Some("INBOX.café"));
    }

    /// Hostile names: none may map to anything but one safe directory name (invariant 6).
    #[test]
    fn rejects_hostile_names() {
        let long = format!("INBOX.{}", "a".repeat(255));
        let deep = format!("INBOX{}", ".a".repeat(MAX_DEPTH + 1));
        let hostile: Vec<&str> = vec![
            "",
            ".",
            "..",
            "/",
            "INBOX.",
            "INBOX..",
            "INBOX...",
            "INBOX..x",
            "INBOX.x.",
            "INBOX.x..y",
            "INBOX./",
            "INBOX./etc",
            "INBOX.a/b",
            "INBOX.../../etc/passwd",
            "INBOX.a/../../b",
            "INBOX/..",
            "INBOX/../x",
            "../INBOX",
            "/etc/passwd",
            "inbox.A",
            "Inbox",
            "INBOXA",
            "Sent",
            ".A",
            "..A",
            "INBOX.a\0b",
            "INBOX.a\nb",
            "INBOX.a\rb",
            "INBOX.\t",
            "INBOX.a\u{7f}",
            "INBOX.a\u{85}b",
            "INBOX.*",
            "INBOX.a%",
            "INBOX.%",
            " INBOX",
            "INBOX .a",
            &long,
            &deep,
        ];
        assert!(hostile.len() >= 30);
        for name in hostile {
            assert!(
                matches!(to_dir(name), Err(StoreError::InvalidName(_))),
                "accepted hostile name {name:?}"
            );
        }
    }

    #[test]
    fn every_accepted_name_is_one_component() {
        for name in [
            "INBOX.a b",
            "INBOX.~",
            "INBOX.$x",
            "INBOX.a\\b",
            "INBOX.tmp",
            "INBOX.cur",
        ] {
            match to_dir(name).unwrap() {
                FolderDir::Sub(d) => {
                    assert!(d.starts_with('.') && !d.contains('/') && d != "." && d != "..");
                    assert_eq!(from_dir(&d).as_deref(), Some(name));
                }
                FolderDir::Inbox => panic!(),
            }
        }
    }

    #[test]
    fn ignores_foreign_dirs() {
        for d in [".", "..", ".A..B", ".A.", "..x", "cur", ".a\nb", ".#x*"] {
            assert_eq!(from_dir(d), None, "{d:?}");
        }
    }
}
