//! Maildir++ quota: the `maildirsize` file in the Maildir root, exactly as
//! `maildirplusplus.txt` ("Contents of maildirsize", "Calculating maildirsize", "Calculating
//! the quota for a Maildir++") and Courier 5.0.13 (peers.md §5) have it:
//!
//! ```text
//! 1000000S,100C              <- the quota definition: comma-separated <n>S (bytes), <n>C (count)
//!           17            1  <- "%12ld %12ld": bytes and messages, one line appended per change
//!          -11           -1
//! ```
//!
//! * Usage is the sum of all count lines. The file is recalculated from the folders (new/
//!   and cur/ of the root and of every folder except `.Trash`; sizes from `,S=` or stat) when
//!   it is missing, at least 5120 bytes long, names another quota than the one configured
//!   (`MAILDIRQUOTA`), or says "over quota" while it has more than one count line or is at
//!   least 15 minutes old.
//! * A recalculation writes `tmp/` and renames it over `maildirsize`, then stats the
//!   directories again: if one changed meanwhile, the file is removed (the next reader
//!   recalculates) and the computed totals are still used.
//! * Every writer — us, Courier's imapd, maildrop, deliverquota — appends one line per change,
//!   so deliveries by other agents are counted without any locking.
//! * Messages marked deleted (`T`) and the Trash folder do not count (README.maildirquota
//!   "Quotas and deleted messages", Courier's default): setting `\Deleted` appends a negative
//!   line, clearing it a positive one; expunging a deleted message changes nothing.

use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::{atomic, flags};

/// The file in the Maildir root.
pub const FILE: &str = "maildirsize";

/// The folder whose contents never count (maildirplusplus.txt).
pub const TRASH_DIR: &str = ".Trash";

/// A file this long or longer is recalculated (maildirplusplus.txt).
pub const MAX_SIZE: u64 = 5120;

/// An over-quota verdict from a file at least this old is rechecked by recalculation.
pub const STALE_AFTER: Duration = Duration::from_secs(15 * 60);

/// A quota definition (`10000000S,1000C`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuotaSpec {
    /// The definition as written (the first line of `maildirsize`).
    pub text: String,
    /// `S`: total bytes of all messages.
    pub bytes: Option<u64>,
    /// `C`: number of messages.
    pub messages: Option<u64>,
}

impl QuotaSpec {
    /// Parses a definition; members of other types are ignored (only S and C are defined).
    /// `None` if it sets no limit at all.
    pub fn parse(text: &str) -> Option<QuotaSpec> {
        let text = text.trim();
        let mut spec = QuotaSpec {
            text: text.to_owned(),
            ..QuotaSpec::default()
        };
        for member in text.split(',') {
            let member = member.trim();
            let Some(kind) = member.chars().last() else {
                continue;
            };
            let Ok(n) = member[..member.len() - kind.len_utf8()].parse::<u64>() else {
                continue;
            };
            match kind {
                'S' => spec.bytes = Some(n),
                'C' => spec.messages = Some(n),
                _ => {}
            }
        }
        (spec.bytes.is_some() || spec.messages.is_some()).then_some(spec)
    }
}

/// Bytes and messages counted against the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Total bytes (stored size, `,S=`).
    pub bytes: i64,
    /// Number of messages.
    pub messages: i64,
}

impl Usage {
    /// True if adding `extra` would exceed `spec` (Courier: a limit is exceeded when the
    /// total goes above it).
    pub fn exceeds(&self, extra: Usage, spec: &QuotaSpec) -> bool {
        let over = |used: i64, add: i64, limit: Option<u64>| {
            limit.is_some_and(|l| used.saturating_add(add) > i64::try_from(l).unwrap_or(i64::MAX))
        };
        over(self.bytes, extra.bytes, spec.bytes)
            || over(self.messages, extra.messages, spec.messages)
    }
}

/// What `maildirsize` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeFile {
    /// The quota definition line.
    pub spec: String,
    /// The sum of the count lines.
    pub usage: Usage,
    /// How many count lines there are.
    pub lines: usize,
}

/// Parses the file's text; count lines that are not two integers are skipped.
pub fn parse(text: &str) -> SizeFile {
    let mut lines = text.lines();
    let spec = lines.next().unwrap_or("").trim().to_owned();
    let mut usage = Usage::default();
    let mut n = 0;
    for line in lines {
        let mut f = line.split_whitespace();
        if let (Some(b), Some(c), None) = (f.next(), f.next(), f.next()) {
            if let (Ok(b), Ok(c)) = (b.parse::<i64>(), c.parse::<i64>()) {
                usage.bytes = usage.bytes.saturating_add(b);
                usage.messages = usage.messages.saturating_add(c);
                n += 1;
            }
        }
    }
    SizeFile {
        spec,
        usage,
        lines: n,
    }
}

/// One count line: `%12ld %12ld\n`, as Courier writes it (peers.md §5).
pub fn line(delta: Usage) -> String {
    format!("{:12} {:12}\n", delta.bytes, delta.messages)
}

/// Reads `maildirsize` into a 5120-byte buffer: `None` if it is missing or fills the buffer
/// (then it must be recalculated), with its modification time.
fn read_small(root: &Path) -> io::Result<Option<(SizeFile, SystemTime)>> {
    let mut f = match std::fs::File::open(root.join(FILE)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mtime = f.metadata()?.modified()?;
    let mut buf = Vec::with_capacity(MAX_SIZE as usize);
    (&mut f).take(MAX_SIZE).read_to_end(&mut buf)?;
    if buf.len() as u64 >= MAX_SIZE {
        return Ok(None);
    }
    Ok(Some((parse(&String::from_utf8_lossy(&buf)), mtime)))
}

/// The quota definition in an existing `maildirsize` (used when `MAILDIRQUOTA` is unset).
pub fn spec_on_disk(root: &Path) -> io::Result<Option<QuotaSpec>> {
    match std::fs::File::open(root.join(FILE)) {
        Ok(f) => {
            let mut first = String::new();
            io::BufRead::read_line(&mut io::BufReader::new(f), &mut first)?;
            Ok(QuotaSpec::parse(&first))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The directories whose messages count: `new/` and `cur/` of the root and of every
/// Maildir++ folder except Trash.
fn counted_dirs(root: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut folders = vec![root.to_path_buf()];
    for e in std::fs::read_dir(root)? {
        let e = e?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            && name != "."
            && name != ".."
            && name != TRASH_DIR
            && e.file_type().is_ok_and(|t| t.is_dir())
        {
            folders.push(e.path());
        }
    }
    let mut out = Vec::new();
    for f in folders {
        out.push(f.join("new"));
        out.push(f.join("cur"));
    }
    Ok(out)
}

fn latest_mtime(dirs: &[std::path::PathBuf]) -> SystemTime {
    dirs.iter()
        .filter_map(|d| std::fs::metadata(d).and_then(|m| m.modified()).ok())
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The size a message file counts for: `,S=` or, for names without it, a stat (a file gone
/// meanwhile counts nothing).
pub fn file_size(dir: &Path, name: &str) -> Option<u64> {
    let base = flags::split(name).0;
    match flags::size_hint(base, 'S') {
        Some(s) => Some(s),
        None => std::fs::metadata(dir.join(name)).ok().map(|m| m.len()),
    }
}

/// Counts the Maildir from scratch (maildirplusplus.txt "Calculating maildirsize").
pub fn count(root: &Path) -> io::Result<(Usage, SystemTime, Vec<std::path::PathBuf>)> {
    let dirs = counted_dirs(root)?;
    let stamp = latest_mtime(&dirs);
    let mut usage = Usage::default();
    for d in &dirs {
        let entries = match std::fs::read_dir(d) {
            Ok(e) => e,
            // A folder deleted meanwhile.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for e in entries {
            let name = e?.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || flags::letters(&name).contains('T') {
                continue;
            }
            if let Some(size) = file_size(d, &name) {
                usage.bytes += i64::try_from(size).unwrap_or(i64::MAX);
                usage.messages += 1;
            }
        }
    }
    Ok((usage, stamp, dirs))
}

/// Recalculates `maildirsize` for `spec` and returns the totals (even if the file had to be
/// removed because the Maildir changed while it was counted).
pub fn recalculate(root: &Path, spec: &QuotaSpec) -> io::Result<Usage> {
    let (usage, stamp, dirs) = count(root)?;
    let text = format!("{}\n{}", spec.text, line(usage));
    atomic::replace(
        &root.join("tmp"),
        "quota",
        &root.join(FILE),
        text.as_bytes(),
    )?;
    if latest_mtime(&dirs) > stamp {
        let _ = std::fs::remove_file(root.join(FILE));
    }
    Ok(usage)
}

/// The current usage for `spec` by the reading procedure of maildirplusplus.txt
/// ("Calculating the quota for a Maildir++").
pub fn usage(root: &Path, spec: &QuotaSpec) -> io::Result<Usage> {
    match read_small(root)? {
        Some((file, mtime)) if file.spec == spec.text => {
            let over = file.usage.exceeds(Usage::default(), spec);
            let old = SystemTime::now()
                .duration_since(mtime)
                .is_ok_and(|age| age >= STALE_AFTER);
            if over && (file.lines > 1 || old) {
                recalculate(root, spec)
            } else {
                Ok(file.usage)
            }
        }
        // Missing, too long, or written for another quota.
        _ => recalculate(root, spec),
    }
}

/// Appends one count line, if `maildirsize` exists ("If a file descriptor to maildirsize
/// was opened for us": a missing file is recalculated by the next reader anyway).
pub fn add(root: &Path, delta: Usage) -> io::Result<()> {
    if delta == Usage::default() {
        return Ok(());
    }
    let f = std::fs::OpenOptions::new()
        .append(true)
        .open(root.join(FILE));
    match f {
        // One write(2) of one line under O_APPEND: concurrent writers' lines do not mix.
        Ok(mut f) => f.write_all(line(delta).as_bytes()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s = QuotaSpec::parse("1000000S,100C").unwrap();
        assert_eq!((s.bytes, s.messages), (Some(1_000_000), Some(100)));
        assert_eq!(s.text, "1000000S,100C");
        assert_eq!(QuotaSpec::parse("5000S").unwrap().messages, None);
        assert_eq!(QuotaSpec::parse("").map(|_| ()), None);
        assert_eq!(QuotaSpec::parse("12X").map(|_| ()), None);
    }

    /// The file Courier 5.0.13 wrote (peers.md §5).
    #[test]
    fn parses_courier_file() {
        let f = parse("1000000S,100C\n          17            1\n          11            1\n");
        assert_eq!(f.spec, "1000000S,100C");
        assert_eq!(
            f.usage,
            Usage {
                bytes: 28,
                messages: 2
            }
        );
        assert_eq!(f.lines, 2);
        assert_eq!(
            line(Usage {
                bytes: 17,
                messages: 1
            }),
            "          17            1\n"
        );
        assert_eq!(
            line(Usage {
                bytes: -11,
                messages: -1
            }),
            "         -11           -1\n"
        );
    }

    #[test]
    fn exceeds_only_above_the_limit() {
        let spec = QuotaSpec::parse("100S,2C").unwrap();
        let u = Usage {
            bytes: 90,
            messages: 1,
        };
        assert!(!u.exceeds(
            Usage {
                bytes: 10,
                messages: 1
            },
            &spec
        ));
        assert!(u.exceeds(
            Usage {
                bytes: 11,
                messages: 1
            },
            &spec
        ));
        assert!(u.exceeds(
            Usage {
                bytes: 1,
                messages: 2
            },
            &spec
        ));
    }

    fn maildir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for sub in [
            "tmp",
            "new",
            "cur",
            ".A/cur",
            ".A/new",
            ".Trash/cur",
            ".Trash/new",
        ] {
            std::fs::create_dir_all(d.path().join(sub)).unwrap();
        }
        d
    }

    #[test]
    fn recalculates_from_names_and_stat() {
        let d = maildir();
        let p = d.path();
        std::fs::write(p.join("new/1.M1P1.h,S=100"), "").unwrap();
        std::fs::write(p.join("cur/2.M1P1.h,S=50:2,S"), "").unwrap();
        std::fs::write(p.join("cur/3.M1P1.h"), "12345").unwrap();
        // Deleted and Trash messages do not count.
        std::fs::write(p.join("cur/4.M1P1.h,S=999:2,ST"), "").unwrap();
        std::fs::write(p.join(".Trash/cur/5.M1P1.h,S=999:2,"), "").unwrap();
        std::fs::write(p.join(".A/cur/6.M1P1.h,S=7:2,"), "").unwrap();
        let spec = QuotaSpec::parse("1000S").unwrap();
        let u = usage(p, &spec).unwrap();
        assert_eq!(
            u,
            Usage {
                bytes: 162,
                messages: 4
            }
        );
        assert_eq!(
            std::fs::read_to_string(p.join(FILE)).unwrap(),
            "1000S\n         162            4\n"
        );
        // Appended lines (ours or another agent's) are summed.
        add(
            p,
            Usage {
                bytes: 10,
                messages: 1,
            },
        )
        .unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(p.join(FILE))
            .unwrap();
        f.write_all(b"20 1\n").unwrap();
        assert_eq!(
            usage(p, &spec).unwrap(),
            Usage {
                bytes: 192,
                messages: 6
            }
        );
        // Another quota definition, or a file of 5120 bytes, forces a recalculation.
        let other = QuotaSpec::parse("2000S").unwrap();
        assert_eq!(
            usage(p, &other).unwrap(),
            Usage {
                bytes: 162,
                messages: 4
            }
        );
        let mut long = String::from("2000S\n");
        while long.len() < MAX_SIZE as usize {
            long.push_str("           0            0\n");
        }
        std::fs::write(p.join(FILE), long).unwrap();
        assert_eq!(
            usage(p, &other).unwrap(),
            Usage {
                bytes: 162,
                messages: 4
            }
        );
        assert!(std::fs::metadata(p.join(FILE)).unwrap().len() < 100);
    }

    #[test]
    fn over_quota_is_rechecked_by_recalculation() {
        let d = maildir();
        let p = d.path();
        let spec = QuotaSpec::parse("100S").unwrap();
        // Two lines claim 150 bytes, but the Maildir is empty: over quota ⇒ recount.
        std::fs::write(p.join(FILE), "100S\n 100 1\n 50 1\n").unwrap();
        assert_eq!(usage(p, &spec).unwrap(), Usage::default());
        // One fresh line saying "over" is believed.
        std::fs::write(p.join(FILE), "100S\n 150 1\n").unwrap();
        assert_eq!(usage(p, &spec).unwrap().bytes, 150);
        // A missing file is not created by add().
        std::fs::remove_file(p.join(FILE)).unwrap();
        add(
            p,
            Usage {
                bytes: 1,
                messages: 1,
            },
        )
        .unwrap();
        assert!(!p.join(FILE).exists());
    }
}
