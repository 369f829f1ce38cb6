//! `IMAP_EMPTYTRASH` (courier-imapd-config.txt): at session start and end, messages in the
//! listed folders whose ctime is older than the given number of days are deleted. Courier
//! goes by ctime, not mtime, because moving a message into Trash changes its ctime (and
//! INTERNALDATE, the mtime, stays the original delivery time). As in Courier, files are
//! simply unlinked; the UID database drops them at the next scan, as for any removal by
//! another process.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Purges each `(folder, days)` under the Maildir `root`; returns how many files were removed.
/// Folders that do not exist are skipped; errors on single files are skipped too (another
/// session may have removed them first).
pub fn empty(root: &Path, rules: &[(String, u32)], now: SystemTime) -> usize {
    let mut removed = 0;
    for (folder, days) in rules {
        let Some(cutoff) = now.checked_sub(Duration::from_secs(u64::from(*days) * 24 * 60 * 60))
        else {
            continue;
        };
        // Maildir++: folder `Trash` is the directory `.Trash` (maildirplusplus.txt).
        let dir = root.join(format!(".{folder}"));
        for sub in ["cur", "new"] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let Ok(meta) = e.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let ctime = std::os::unix::fs::MetadataExt::ctime(&meta);
                let ctime = SystemTime::UNIX_EPOCH + Duration::from_secs(ctime.max(0) as u64);
                if ctime < cutoff && std::fs::remove_file(e.path()).is_ok() {
                    removed += 1;
                }
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_what_is_old_enough_in_listed_folders() {
        let d = tempfile::tempdir().unwrap();
        for f in [".Trash/cur", ".Trash/new", ".Sent/cur", "cur"] {
            std::fs::create_dir_all(d.path().join(f)).unwrap();
            std::fs::write(d.path().join(f).join("1.M1P1.h:2,S"), "x").unwrap();
        }
        let rules = [("Trash".to_string(), 7)];
        let soon = SystemTime::now() + Duration::from_secs(3600);
        assert_eq!(empty(d.path(), &rules, soon), 0, "ctime is now: kept");
        let later = SystemTime::now() + Duration::from_secs(8 * 24 * 3600);
        assert_eq!(empty(d.path(), &rules, later), 2, "cur/ and new/ of .Trash");
        assert!(d.path().join(".Sent/cur/1.M1P1.h:2,S").exists());
        assert!(d.path().join("cur/1.M1P1.h:2,S").exists());
    }
}
