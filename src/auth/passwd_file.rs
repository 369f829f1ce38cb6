//! Dovecot's passwd-file format: one user a line,
//! `user:password:uid:gid:gecos:home:shell:extra_fields`, `#` comments, trailing fields
//! optional. The Maildir is `home/Maildir` unless an extra field `mail=PATH` (or Dovecot's
//! `userdb_mail=maildir:PATH`) names it; `~/` in it means the home directory.

use std::path::{Path, PathBuf};

use super::scheme::{self, DUMMY_HASH};
use super::{Account, Lookup};

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry<'a> {
    user: &'a str,
    password: &'a str,
    uid: Option<u32>,
    gid: Option<u32>,
    home: Option<&'a str>,
    mail: Option<&'a str>,
}

fn number(field: Option<&str>, what: &str, user: &str) -> Result<Option<u32>, String> {
    match field.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("passwd-file entry {user}: {what} {v:?} is not a number")),
    }
}

fn parse_line(line: &str) -> Result<Option<Entry<'_>>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() || line.trim_start().starts_with('#') {
        return Ok(None);
    }
    let mut f = line.splitn(8, ':');
    let user = f.next().unwrap_or("");
    // The password may itself hold ':' only inside `{SCHEME}` values that never do in
    // practice; Dovecot has the same limitation.
    let password = f.next().unwrap_or("");
    let uid = number(f.next(), "uid", user)?;
    let gid = number(f.next(), "gid", user)?;
    let _gecos = f.next();
    let home = f.next().filter(|h| !h.is_empty());
    let _shell = f.next();
    let extra = f.next().unwrap_or("");
    let mail = extra.split_whitespace().find_map(|kv| {
        kv.strip_prefix("userdb_mail=")
            .or_else(|| kv.strip_prefix("mail="))
    });
    Ok(Some(Entry {
        user,
        password,
        uid,
        gid,
        home,
        mail,
    }))
}

/// The Maildir of an entry: `mail=` (without a `maildir:` prefix or `:OPTIONS` suffix,
/// `~/` = home) or `home/Maildir`.
fn maildir(e: &Entry<'_>) -> Result<PathBuf, String> {
    if let Some(m) = e.mail {
        let m = m.strip_prefix("maildir:").unwrap_or(m);
        let m = m.split(':').next().unwrap_or(m);
        return match (m.strip_prefix("~/"), e.home) {
            (Some(rest), Some(home)) => Ok(Path::new(home).join(rest)),
            (Some(_), None) => Err(format!(
                "passwd-file entry {}: mail=~/… without home",
                e.user
            )),
            (None, _) => Ok(PathBuf::from(m)),
        };
    }
    match e.home {
        Some(home) => Ok(Path::new(home).join("Maildir")),
        None => Err(format!(
            "passwd-file entry {}: neither home nor mail= is set",
            e.user
        )),
    }
}

/// Checks `user`/`password` against the passwd-file text. Unknown users cost one dummy hash
/// check, so timing does not tell them from known users with a wrong password.
pub fn check(text: &str, user: &str, password: &[u8]) -> Lookup {
    let mut found = None;
    for line in text.lines() {
        match parse_line(line) {
            Ok(Some(e)) if e.user == user => {
                found = Some(e);
                break;
            }
            Ok(_) => {}
            // A malformed line of another user does not stop this one from logging in.
            Err(msg) if line.split(':').next() == Some(user) => return Lookup::Unavailable(msg),
            Err(_) => {}
        }
    }
    let Some(e) = found else {
        let _ = scheme::verify(password, DUMMY_HASH);
        return Lookup::Rejected;
    };
    match scheme::verify(password, e.password) {
        Ok(true) => {}
        // An empty password field never matches (a disabled account).
        Ok(false) | Err(scheme::SchemeError::Empty) => return Lookup::Rejected,
        Err(err) => return Lookup::Unavailable(format!("passwd-file entry {user}: {err}")),
    }
    match maildir(&e) {
        Ok(maildir) => Lookup::Accepted(Account {
            user: e.user.to_string(),
            uid: e.uid,
            gid: e.gid,
            home: e.home.map(PathBuf::from),
            maildir,
        }),
        Err(msg) => Lookup::Unavailable(msg),
    }
}

/// Reads the file and checks the credentials (the file is read at every login, so edits take
/// effect at once, as Dovecot's passwd-file does).
pub fn check_file(path: &Path, user: &str, password: &[u8]) -> Lookup {
    match std::fs::read_to_string(path) {
        Ok(text) => check(&text, user, password),
        Err(e) => Lookup::Unavailable(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# comment
alice:{PLAIN}pw1:1001:1001::/home/alice::
bob:{PLAIN}pw2:::Bob:/home/bob:/bin/false:userdb_mail=maildir:~/Mail/box:LAYOUT=fs quota=1G
carol:{PLAIN}pw3:1003:1003:::: mail=/srv/mail/carol
dave:{PLAIN}pw4
erin:{PLAIN}pw5:x:1::/home/erin
frank::1006:1006::/home/frank
";

    #[test]
    fn home_maildir_and_ids() {
        match check(FILE, "alice", b"pw1") {
            Lookup::Accepted(a) => {
                assert_eq!(a.uid, Some(1001));
                assert_eq!(a.gid, Some(1001));
                assert_eq!(a.maildir, PathBuf::from("/home/alice/Maildir"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mail_field_with_tilde_and_empty_ids() {
        match check(FILE, "bob", b"pw2") {
            Lookup::Accepted(a) => {
                assert_eq!((a.uid, a.gid), (None, None));
                assert_eq!(a.maildir, PathBuf::from("/home/bob/Mail/box"));
            }
            other => panic!("{other:?}"),
        }
        match check(FILE, "carol", b"pw3") {
            Lookup::Accepted(a) => assert_eq!(a.maildir, PathBuf::from("/srv/mail/carol")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_password_and_unknown_user_are_rejected_alike() {
        assert_eq!(check(FILE, "alice", b"nope"), Lookup::Rejected);
        assert_eq!(check(FILE, "zoe", b"pw1"), Lookup::Rejected);
        assert_eq!(check(FILE, "ALICE", b"pw1"), Lookup::Rejected);
    }

    #[test]
    fn unusable_entries_are_unavailable() {
        assert!(matches!(
            check(FILE, "dave", b"pw4"),
            Lookup::Unavailable(_)
        ));
        assert!(matches!(
            check(FILE, "erin", b"pw5"),
            Lookup::Unavailable(_)
        ));
        assert_eq!(check(FILE, "frank", b""), Lookup::Rejected);
        // A broken line does not lock out the others.
        assert!(matches!(check(FILE, "carol", b"pw3"), Lookup::Accepted(_)));
    }
}
