//! Process limits from the configuration: `IMAP_UMASK` and `IMAP_ULIMITD`. Courier's startup
//! script applies them with the shell's `umask` and `ulimit -d` before starting the server
//! (courier-imapd-config.txt); imapd applies them itself, so they hold however it is started.

use rustix::fs::Mode;
use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

use super::settings::Settings;

/// Applies the umask and the data segment limit, if configured.
pub fn apply(settings: &Settings) -> Result<(), String> {
    if let Some(mask) = settings.umask {
        rustix::process::umask(Mode::from_bits_truncate(mask));
    }
    if let Some(kib) = settings.ulimit_data_kib {
        let bytes = kib.saturating_mul(1024);
        // As `ulimit -d`, both limits; never above a lower existing hard limit (an
        // unprivileged process cannot raise it).
        let hard = getrlimit(Resource::Data).maximum;
        let bytes = hard.map_or(bytes, |h| h.min(bytes));
        let limit = Rlimit {
            current: Some(bytes),
            maximum: Some(bytes),
        };
        setrlimit(Resource::Data, limit)
            .map_err(|e| format!("IMAP_ULIMITD={kib}: cannot set the data segment limit: {e}"))?;
    }
    Ok(())
}
