//! Password schemes in Dovecot's notation: `{SCHEME}value`, or a bare crypt string
//! (`$6$…`, `$2y$…`, `$argon2id$…`). Every comparison is constant-time.

use argon2::{Argon2, PasswordVerifier as _};
use sha_crypt::{PasswordHasher as _, ShaCrypt};
use subtle::ConstantTimeEq;

/// Why a stored password cannot be checked (a database error, never the client's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    /// The `{SCHEME}` is not one imapd implements.
    #[error("unsupported password scheme {0}")]
    Unsupported(String),
    /// The stored hash is malformed.
    #[error("malformed {0} hash")]
    Malformed(&'static str),
    /// The entry has no password (an empty field never matches).
    #[error("empty password field")]
    Empty,
}

/// The schemes `imapd passwd` can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashScheme {
    /// `{SHA512-CRYPT}$6$…` (Dovecot's and glibc's default).
    Sha512Crypt,
    /// `{ARGON2ID}$argon2id$…` (memory-hard; slower to check).
    Argon2id,
}

/// A hash the database holds, with the scheme resolved.
enum Stored<'a> {
    Plain(&'a [u8]),
    ShaCrypt(&'a str),
    Bcrypt(&'a str),
    Argon2(&'a str),
}

fn classify(stored: &str) -> Result<Stored<'_>, SchemeError> {
    let (scheme, value) = match stored.strip_prefix('{').and_then(|r| r.split_once('}')) {
        Some((s, v)) => (Some(s.to_ascii_uppercase()), v),
        None => (None, stored),
    };
    if value.is_empty() {
        return Err(SchemeError::Empty);
    }
    fn by_prefix(v: &str) -> Result<Stored<'_>, SchemeError> {
        if v.starts_with("$6$") || v.starts_with("$5$") {
            Ok(Stored::ShaCrypt(v))
        } else if v.starts_with("$2y$") || v.starts_with("$2b$") || v.starts_with("$2a$") {
            Ok(Stored::Bcrypt(v))
        } else if v.starts_with("$argon2id$") || v.starts_with("$argon2i$") {
            Ok(Stored::Argon2(v))
        } else {
            Err(SchemeError::Unsupported(
                "CRYPT (DES/MD5 or unknown prefix)".into(),
            ))
        }
    }
    match scheme.as_deref() {
        None | Some("CRYPT") => by_prefix(value),
        Some("PLAIN" | "CLEARTEXT" | "CLEAR") => Ok(Stored::Plain(value.as_bytes())),
        Some("SHA512-CRYPT" | "SHA256-CRYPT") => match by_prefix(value)? {
            s @ Stored::ShaCrypt(_) => Ok(s),
            _ => Err(SchemeError::Malformed("SHA-CRYPT")),
        },
        Some("BLF-CRYPT") => match by_prefix(value)? {
            s @ Stored::Bcrypt(_) => Ok(s),
            _ => Err(SchemeError::Malformed("BLF-CRYPT")),
        },
        Some("ARGON2ID" | "ARGON2I") => match by_prefix(value)? {
            s @ Stored::Argon2(_) => Ok(s),
            _ => Err(SchemeError::Malformed("ARGON2")),
        },
        Some(other) => Err(SchemeError::Unsupported(other.to_string())),
    }
}

/// Checks `password` against a stored `{SCHEME}value`: `Ok(true)` on a match, `Ok(false)` on a
/// mismatch, `Err` when the stored value cannot be used at all.
pub fn verify(password: &[u8], stored: &str) -> Result<bool, SchemeError> {
    match classify(stored)? {
        Stored::Plain(p) => Ok(bool::from(p.ct_eq(password))),
        Stored::ShaCrypt(h) => match ShaCrypt::default().verify_password(password, h) {
            Ok(()) => Ok(true),
            Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(_) => Err(SchemeError::Malformed("SHA-CRYPT")),
        },
        // bcrypt compares in constant time internally.
        Stored::Bcrypt(h) => {
            bcrypt::verify(password, h).map_err(|_| SchemeError::Malformed("BLF-CRYPT"))
        }
        Stored::Argon2(h) => match Argon2::default().verify_password(password, h) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(_) => Err(SchemeError::Malformed("ARGON2")),
        },
    }
}

/// A SHA512-CRYPT hash that matches nothing useful, checked for unknown users so that an
/// unknown name costs as much time as a wrong password (no user enumeration by timing).
pub const DUMMY_HASH: &str = "{SHA512-CRYPT}$6$imapdDummySalt$9SuiAYY.lNTtVNTenm.sJYRhxHF/LgyX8atHFM.lg.WJmjM2IUnfek1ApSKgbj05O5GJADDna00Z6CSlREdL91";

/// Hashes a password for the database, with a fresh random salt.
pub fn hash(password: &[u8], scheme: HashScheme) -> Result<String, String> {
    match scheme {
        HashScheme::Sha512Crypt => ShaCrypt::SHA512
            .hash_password(password)
            .map(|h| format!("{{SHA512-CRYPT}}{h}"))
            .map_err(|e| e.to_string()),
        HashScheme::Argon2id => {
            use argon2::PasswordHasher as _;
            Argon2::default()
                .hash_password(password)
                .map(|h| format!("{{ARGON2ID}}{h}"))
                .map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_matches_exactly() {
        assert_eq!(verify(b"secret", "{PLAIN}secret"), Ok(true));
        assert_eq!(verify(b"secre", "{PLAIN}secret"), Ok(false));
        assert_eq!(verify(b"secret", "{plain}secret"), Ok(true));
    }

    #[test]
    fn sha512_crypt_known_vector() {
        // glibc crypt(3) test vector (Drepper's specification, "Hello world!").
        let h = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
        assert_eq!(verify(b"Hello world!", h), Ok(true));
        assert_eq!(verify(b"Hello world", h), Ok(false));
        assert_eq!(
            verify(b"Hello world!", &format!("{{SHA512-CRYPT}}{h}")),
            Ok(true)
        );
    }

    #[test]
    fn generated_hashes_verify() {
        for scheme in [HashScheme::Sha512Crypt, HashScheme::Argon2id] {
            let h = hash(b"pw", scheme).unwrap();
            assert_eq!(verify(b"pw", &h), Ok(true), "{h}");
            assert_eq!(verify(b"px", &h), Ok(false), "{h}");
        }
    }

    #[test]
    fn bcrypt_verifies() {
        let h = bcrypt::hash("pw", 4).unwrap();
        assert_eq!(verify(b"pw", &format!("{{BLF-CRYPT}}{h}")), Ok(true));
        assert_eq!(verify(b"pw", &h), Ok(true));
        assert_eq!(verify(b"no", &h), Ok(false));
    }

    #[test]
    fn unusable_entries_are_errors() {
        assert_eq!(verify(b"x", ""), Err(SchemeError::Empty));
        assert!(matches!(
            verify(b"x", "{MD5}abc"),
            Err(SchemeError::Unsupported(_))
        ));
        assert!(matches!(
            verify(b"x", "abcdefgh"),
            Err(SchemeError::Unsupported(_))
        ));
        assert!(verify(b"x", "{SHA512-CRYPT}$6$broken").is_err());
        assert_eq!(verify(b"x", DUMMY_HASH), Ok(false));
        assert_eq!(verify(b"dummy-never-used", DUMMY_HASH), Ok(true));
    }
}
