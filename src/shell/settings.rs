//! Settings read from the environment, with Courier's variable names where they apply
//! (`../shared/rfc/courier-imapd-config.txt`).

use std::time::Duration;

use crate::core::SessionConfig;

/// Everything a session process needs to know from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The core's configuration.
    pub session: SessionConfig,
    /// `IMAP_IDLE_TIMEOUT`: how often IDLE rescans when inotify is unavailable (seconds,
    /// default 60, as Courier).
    pub idle_poll: Duration,
    /// Autologout after this long without a command (RFC 3501 §5.4: at least 30 minutes).
    pub autologout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session: SessionConfig::default(),
            idle_poll: Duration::from_secs(60),
            autologout: Duration::from_secs(30 * 60),
        }
    }
}

/// A setting that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct SettingError {
    /// The variable.
    pub name: String,
    /// What is wrong with its value.
    pub problem: String,
}

fn seconds(name: &str, value: &str, min: u64) -> Result<Duration, SettingError> {
    let n: u64 = value.trim().parse().map_err(|_| SettingError {
        name: name.into(),
        problem: format!("expected a number of seconds, got {value:?}"),
    })?;
    if n < min {
        return Err(SettingError {
            name: name.into(),
            problem: format!("must be at least {min} seconds"),
        });
    }
    Ok(Duration::from_secs(n))
}

impl Settings {
    /// Reads the settings from variables (given as a lookup so tests need no environment).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let mut s = Settings::default();
        if let Some(v) = get("IMAP_IDLE_TIMEOUT") {
            s.idle_poll = seconds("IMAP_IDLE_TIMEOUT", &v, 1)?;
        }
        if let Some(v) = get("IMAP_AUTOLOGOUT") {
            // RFC 3501 §5.4: the autologout timer must be at least 30 minutes.
            s.autologout = seconds("IMAP_AUTOLOGOUT", &v, 30 * 60)?;
        }
        if let Some(v) = get("IMAP_CAPABILITY") {
            // Courier lists what to advertise; imapd advertises the intersection with what it
            // implements, so an old Courier config never claims something imapd lacks.
            let wanted: Vec<&str> = v.split_whitespace().collect();
            let implemented = s.session.capabilities.clone();
            s.session.capabilities = implemented
                .into_iter()
                .filter(|c| c == "IMAP4rev1" || wanted.iter().any(|w| w.eq_ignore_ascii_case(c)))
                .collect();
        }
        if let Some(v) = get("IMAP_DISABLE_CAPABILITY") {
            s.session.disabled = v.split_whitespace().map(str::to_owned).collect();
        }
        Ok(s)
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}
