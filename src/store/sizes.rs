//! `imapd.sizes`: the RFC822.SIZE of message files whose names carry no `,W=` hint, so a
//! session opening a folder need not read every message to count its line ends (Maildir
//! files hold LF; RFC 3501 §2.3.4 sizes count CRLF). Courier's and most MTAs' file names
//! have `,S=` (the size on disk) at best.
//!
//! An optimisation only, never the source of truth:
//! * An entry is used only while the file still has the recorded size and mtime, and only if
//!   its RFC822.SIZE is possible for that file (between its size and twice its size: each LF
//!   may become CRLF); anything else is computed again from the file.
//! * Text, one `base bytes mtime_ns rfc822_size` line per message; a line that does not
//!   parse or does not end in a newline (a torn write) is ignored. A truncated number always
//!   fails the range check above.
//! * Written whole (write-temp, fsync, rename) after a scan computed new sizes; entries of
//!   files no longer in the folder are dropped then. Two writers racing lose nothing but
//!   cache entries.
//! * The name has no leading dot, so it is never a Maildir++ folder (maildirplusplus.txt).

use std::io;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::atomic;

/// The file's name inside a folder directory.
pub const FILE_NAME: &str = "imapd.sizes";

/// First line of the file (the digit is the layout version).
const HEADER: &str = "imapd-sizes 1\n";

/// Largest file read (a bigger one is ignored and rewritten).
const MAX_FILE: u64 = 256 << 20;

/// What is known of one file: its size and mtime when measured, and its RFC822.SIZE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// Size on disk in bytes.
    pub bytes: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// RFC822.SIZE (CRLF octets).
    pub rfc822_size: u64,
}

impl Measured {
    /// True if the recorded RFC822.SIZE can belong to a file of this size.
    fn plausible(&self) -> bool {
        self.rfc822_size >= self.bytes && self.rfc822_size <= self.bytes.saturating_mul(2)
    }
}

/// Sizes by base name.
pub type Sizes = FxHashMap<String, Measured>;

/// Reads the folder's sizes file; missing, unreadable or foreign files give an empty map.
pub fn load(folder: &Path) -> Sizes {
    let mut out = Sizes::default();
    let path = folder.join(FILE_NAME);
    if std::fs::metadata(&path).map_or(true, |m| m.len() > MAX_FILE) {
        return out;
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        return out;
    };
    let Some(body) = text.strip_prefix(HEADER) else {
        return out;
    };
    for line in body.split_inclusive('\n') {
        let Some(line) = line.strip_suffix('\n') else {
            break; // torn last line
        };
        let mut f = line.split(' ');
        let (Some(base), Some(bytes), Some(mtime), Some(size), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let (Ok(bytes), Ok(mtime_ns), Ok(rfc822_size)) =
            (bytes.parse(), mtime.parse(), size.parse())
        else {
            continue;
        };
        let m = Measured {
            bytes,
            mtime_ns,
            rfc822_size,
        };
        if !base.is_empty() && m.plausible() {
            out.insert(base.to_owned(), m);
        }
    }
    out
}

/// The RFC822.SIZE recorded for `base`, if the file still is what was measured.
pub fn lookup(sizes: &Sizes, base: &str, bytes: u64, mtime_ns: i128) -> Option<u64> {
    sizes
        .get(base)
        .filter(|m| m.bytes == bytes && m.mtime_ns == mtime_ns)
        .map(|m| m.rfc822_size)
}

/// Replaces the folder's sizes file with `entries` (best effort: the caller logs failures).
pub fn store<'a>(
    folder: &Path,
    entries: impl Iterator<Item = (&'a str, Measured)>,
) -> io::Result<()> {
    let mut text = String::from(HEADER);
    for (base, m) in entries {
        // Names with spaces or newlines cannot be written in this format (none in Maildir).
        if base.contains([' ', '\n']) || !m.plausible() {
            continue;
        }
        text.push_str(&format!(
            "{base} {} {} {}\n",
            m.bytes, m.mtime_ns, m.rfc822_size
        ));
    }
    atomic::replace(
        &folder.join("tmp"),
        "imapsizes_",
        &folder.join(FILE_NAME),
        text.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("tmp")).unwrap();
        d
    }

    #[test]
    fn round_trip_and_identity_check() {
        let d = folder();
        let m = Measured {
            bytes: 100,
            mtime_ns: 1_700_000_000_123_456_789,
            rfc822_size: 110,
        };
        store(d.path(), [("1.M1P1.h,S=100", m)].into_iter()).unwrap();
        let s = load(d.path());
        assert_eq!(lookup(&s, "1.M1P1.h,S=100", 100, m.mtime_ns), Some(110));
        // Another size or mtime: the file changed, the entry does not apply.
        assert_eq!(lookup(&s, "1.M1P1.h,S=100", 101, m.mtime_ns), None);
        assert_eq!(lookup(&s, "1.M1P1.h,S=100", 100, m.mtime_ns + 1), None);
        assert_eq!(lookup(&s, "other", 100, m.mtime_ns), None);
    }

    #[test]
    fn damaged_lines_are_ignored() {
        let d = folder();
        let text = format!(
            "{HEADER}a 100 5 150\nb 100 5 99\nc 100 5 201\nd 100 x 150\ne 100 5 150 9\nf 100 5 1"
        );
        std::fs::write(d.path().join(FILE_NAME), text).unwrap();
        let s = load(d.path());
        // Only `a` is whole and plausible (b, c out of range; d, e malformed; f torn).
        assert_eq!(s.len(), 1);
        assert_eq!(lookup(&s, "a", 100, 5), Some(150));
        // A foreign header: nothing is trusted.
        std::fs::write(d.path().join(FILE_NAME), "imapd-sizes 9\na 100 5 150\n").unwrap();
        assert!(load(d.path()).is_empty());
    }
}
