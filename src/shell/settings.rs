//! Settings, with Courier's variable names and meanings where they apply
//! (`shared/rfc/courier-imapd-config.txt`), read from a Courier-format file (`--config`, see
//! [`super::config_file`]) and from the environment, the environment winning (a login program
//! or an administrator's `VAR=value imapd …` overrides the file). Every name and what imapd
//! does with it is in [`KNOWN`] and `docs/configuration.md`.
//!
//! A name the file sets that is not in [`KNOWN`], a malformed value, or a value asking for
//! something imapd does not do is an error naming the file and line (or the environment
//! variable): a setting is never silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::core::config::IMPLEMENTED;
use crate::core::SessionConfig;
use crate::store::{LockOptions, MaildirOptions};

use super::config_file::{self, ConfigFileError};

/// What imapd does with a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Implemented with Courier's meaning (or the stated one, for imapd's own names).
    Implemented,
    /// Parsed and kept in [`NetworkSettings`] for the network front end; ignored by stdio.
    Network,
    /// Accepted and without effect in imapd (the reason is in the table).
    NoEffect,
    /// Only the value that switches the feature off is accepted; anything else is refused at
    /// startup as not supported.
    OffOnly,
}

/// A known setting: name, default, meaning, status (the source of `docs/configuration.md`).
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// The variable name.
    pub name: &'static str,
    /// The default when unset or empty.
    pub default: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// What imapd does with it.
    pub status: Status,
}

macro_rules! known {
    ($( $name:literal, $default:literal, $status:ident, $meaning:literal; )*) => {
        /// Every setting imapd knows, in the order of Courier's `imapd` file, then imapd's own.
        pub const KNOWN: &[Known] = &[$( Known {
            name: $name, default: $default, status: Status::$status, meaning: $meaning,
        }, )*];
    };
}

known! {
    "ADDRESS", "0", Network, "Address to listen on; 0 means all.";
    "PORT", "143", Network, "Ports to listen on, comma-separated, each optionally `ip.port`.";
    "MAXDAEMONS", "40", Network, "Most sessions served at once.";
    "MAXPERIP", "4", Network, "Most sessions from one IP address.";
    "PIDFILE", "", Network, "File holding the listener's process id.";
    "TCPDOPTS", "", Network, "couriertcpd options, kept as words for the front end.";
    "IMAPACCESSFILE", "", Network, "couriertcpd access file (per-IP rules).";
    "LOGGEROPTS", "", NoEffect, "courierlogger options; imapd logs to stderr, whoever collects it.";
    "DEFDOMAIN", "", Network, "Domain appended to a login name without one.";
    "IMAP_CAPABILITY", "(all implemented)", Implemented, "Capabilities to advertise; imapd advertises those it also implements, plus ENABLE and UTF8=ACCEPT, which Courier always appends.";
    "IMAP_KEYWORDS", "1", Implemented, "0 disables custom keywords (PERMANENTFLAGS has no `\\*`, STORE/APPEND of a keyword is refused); 1 and 2 enable them.";
    "IMAP_ACL", "1", NoEffect, "Advertise ACL (RFC 4314); imapd implements no ACL commands, so ACL is never advertised.";
    "SMAP_CAPABILITY", "", OffOnly, "Courier's experimental SMAP protocol; not implemented.";
    "IMAP_CAPABILITY_ORIG", "", NoEffect, "For Courier's webadmin only.";
    "IMAP_PROXY", "0", OffOnly, "Courier's login proxy; not implemented.";
    "PROXY_HOSTNAME", "", NoEffect, "Only used with IMAP_PROXY.";
    "IMAP_PROXY_FOREIGN", "0", OffOnly, "Proxying to non-Courier servers; not implemented.";
    "IMAP_IDLE_TIMEOUT", "60", Implemented, "Seconds between rescans while idling when inotify is unavailable or IMAP_ENHANCEDIDLE=0.";
    "IMAP_MAILBOX_SANITY_CHECK", "1", Implemented, "Refuse a Maildir not owned by the process's effective uid and gid.";
    "IMAP_CAPABILITY_TLS", "", Network, "Capabilities after STARTTLS.";
    "IMAP_CAPABILITY_TLS_ORIG", "", NoEffect, "For Courier's webadmin only.";
    "IMAP_DISABLETHREADSORT", "0", Implemented, "1: do not advertise SORT and THREAD, and refuse them (Courier's switch for slow servers).";
    "IMAP_CHECK_ALL_FOLDERS", "0", OffOnly, "Check every folder for new mail in LIST; not implemented (imapd marks no folder).";
    "IMAP_OBSOLETE_CLIENT", "0", OffOnly, "Send \\NoInferiors for \\HasNoChildren; not implemented.";
    "IMAP_UMASK", "(inherited)", Implemented, "Octal umask of the session process (Courier's startup script runs `umask`; imapd sets it itself).";
    "IMAP_ULIMITD", "(inherited)", Implemented, "Data segment limit in KiB (RLIMIT_DATA; Courier's startup script runs `ulimit -d`).";
    "IMAP_USELOCKS", "1", Implemented, "1: the NFS-safe dot-lock `tmp/courier.lock` around index updates; 0: none.";
    "IMAP_SHAREDINDEXFILE", "", NoEffect, "Index of Courier's shared folders; imapd has no shared folders.";
    "IMAP_ENHANCEDIDLE", "1", Implemented, "1: IDLE pushes changes at once (inotify); 0: IDLE rescans every IMAP_IDLE_TIMEOUT seconds.";
    "IMAP_TRASHFOLDERNAME", "Trash", Implemented, "The trash folder used by IMAP_EMPTYTRASH's bare-number form.";
    "IMAP_EMPTYTRASH", "", Implemented, "`folder:days,...` (or a bare number of days for the trash folder): at session start and end, delete messages whose ctime is older.";
    "IMAP_MOVE_EXPUNGE_TO_TRASH", "0", OffOnly, "Move expunged messages to Trash; not implemented.";
    "IMAP_LOG_DELETIONS", "0", OffOnly, "Log every deletion; not implemented.";
    "AUTH_MKHOMEDIR_SKEL", "", NoEffect, "Read by Courier's authentication library, not by imapd.";
    "IMAPDEBUGFILE", "", OffOnly, "Log a session's commands to a file; not implemented.";
    "OUTBOX", "", OffOnly, "Send mail by copying it to a folder; not implemented.";
    "SENDMAIL", "", NoEffect, "Only used with OUTBOX.";
    "HEADERFROM", "", NoEffect, "Only used with OUTBOX.";
    "IMAP_ID_FIELDS", "(unset)", Implemented, "When set (0-7), advertise the ID extension (RFC 2971); imapd's ID answer names the server only.";
    "OUTBOX_MULTIPLE_SEND", "", NoEffect, "Only used with OUTBOX.";
    "IMAPDSTART", "", NoEffect, "Read by Courier's init script.";
    "MAILDIRPATH", "Maildir", Network, "The Maildir under a user's home directory.";
    "IMAP_DISABLE_CAPABILITY", "", Implemented, "imapd's own: capabilities never advertised and refused as unknown (a named quirk switch).";
    "IMAP_AUTOLOGOUT", "1800", Implemented, "imapd's own: seconds without client input before `* BYE Disconnected for inactivity.` (RFC 3501 §5.4: at least 1800); any input counts, so a client that re-issues IDLE every 29 minutes (RFC 2177) stays.";
    "IMAP_IDLE_KEEPALIVE", "120", Implemented, "imapd's own: seconds between `* OK Still here` while idling (0: never), so NATs keep the connection.";
}

/// `AUTHSERVICE<port>=service` (Courier: per-port authentication service name).
const AUTHSERVICE: &str = "AUTHSERVICE";

/// Settings only the network front end uses (kept, parsed, here; stdio ignores them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSettings {
    /// `ADDRESS`: `None` for all addresses (Courier's `0`).
    pub address: Option<String>,
    /// `PORT`: (address, port) pairs; the address is `None` where `ADDRESS` applies.
    pub ports: Vec<(Option<String>, u16)>,
    /// `MAXDAEMONS`.
    pub max_daemons: u32,
    /// `MAXPERIP`.
    pub max_per_ip: u32,
    /// `PIDFILE`.
    pub pid_file: Option<PathBuf>,
    /// `TCPDOPTS`, split into words.
    pub tcpd_options: Vec<String>,
    /// `IMAPACCESSFILE`.
    pub access_file: Option<PathBuf>,
    /// `DEFDOMAIN`.
    pub default_domain: Option<String>,
    /// `IMAP_CAPABILITY_TLS`, split into words (`None`: unset).
    pub capability_tls: Option<Vec<String>>,
    /// `AUTHSERVICE<port>`: authentication service name by port.
    pub auth_service: BTreeMap<u16, String>,
    /// `MAILDIRPATH`.
    pub maildir_path: PathBuf,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            address: None,
            ports: vec![(None, 143)],
            max_daemons: 40,
            max_per_ip: 4,
            pid_file: None,
            tcpd_options: Vec::new(),
            access_file: None,
            default_domain: None,
            capability_tls: None,
            auth_service: BTreeMap::new(),
            maildir_path: PathBuf::from("Maildir"),
        }
    }
}

/// Everything a session process needs to know from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The core's configuration.
    pub session: SessionConfig,
    /// `IMAP_IDLE_TIMEOUT`: how often IDLE rescans without inotify.
    pub idle_poll: Duration,
    /// `IMAP_AUTOLOGOUT`: autologout after this long without a command (RFC 3501 §5.4).
    pub autologout: Duration,
    /// `IMAP_IDLE_KEEPALIVE`: `* OK Still here` this often while idling (`None`: never).
    pub idle_keepalive: Option<Duration>,
    /// `IMAP_ENHANCEDIDLE`: push changes at once with inotify (else poll).
    pub inotify: bool,
    /// `IMAP_USELOCKS`: the dot-lock.
    pub use_locks: bool,
    /// `IMAP_UMASK`.
    pub umask: Option<u32>,
    /// `IMAP_ULIMITD`, in KiB.
    pub ulimit_data_kib: Option<u64>,
    /// `IMAP_MAILBOX_SANITY_CHECK`.
    pub mailbox_sanity_check: bool,
    /// `IMAP_TRASHFOLDERNAME` (a Maildir++ folder name without the leading dot).
    pub trash_folder: String,
    /// `IMAP_EMPTYTRASH`: (folder, days) pairs.
    pub empty_trash: Vec<(String, u32)>,
    /// Settings for the network front end.
    pub network: NetworkSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session: SessionConfig::default(),
            idle_poll: Duration::from_secs(60),
            autologout: Duration::from_secs(30 * 60),
            idle_keepalive: Some(Duration::from_secs(120)),
            inotify: true,
            use_locks: true,
            umask: None,
            ulimit_data_kib: None,
            mailbox_sanity_check: true,
            trash_folder: "Trash".into(),
            empty_trash: Vec::new(),
            network: NetworkSettings::default(),
        }
    }
}

/// A setting that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// A bad value, with where it came from.
    #[error("{origin}: {name}: {problem}")]
    Value {
        /// `path:line` or `environment variable`.
        origin: String,
        /// The variable.
        name: String,
        /// What is wrong with its value.
        problem: String,
    },
    /// The configuration file could not be read or parsed.
    #[error("{0}")]
    File(#[from] ConfigFileError),
}

/// One value and where it came from.
struct Value {
    text: String,
    origin: String,
}

fn err(v: &Value, name: &str, problem: impl Into<String>) -> SettingError {
    SettingError::Value {
        origin: v.origin.clone(),
        name: name.into(),
        problem: problem.into(),
    }
}

fn number<T: std::str::FromStr>(v: &Value, name: &str, what: &str) -> Result<T, SettingError> {
    v.text
        .trim()
        .parse()
        .map_err(|_| err(v, name, format!("expected {what}, got {:?}", v.text)))
}

fn seconds(v: &Value, name: &str, min: u64) -> Result<Duration, SettingError> {
    let n: u64 = number(v, name, "a number of seconds")?;
    if n < min {
        return Err(err(v, name, format!("must be at least {min} seconds")));
    }
    Ok(Duration::from_secs(n))
}

fn flag(v: &Value, name: &str) -> Result<bool, SettingError> {
    match v.text.trim() {
        "0" => Ok(false),
        "1" => Ok(true),
        other => Err(err(v, name, format!("expected 0 or 1, got {other:?}"))),
    }
}

/// Only "off" (`0`; empty values never get here) is accepted for a feature imapd lacks.
fn off_only(v: &Value, name: &str) -> Result<(), SettingError> {
    let t = v.text.trim();
    if t == "0" {
        return Ok(());
    }
    Err(err(
        v,
        name,
        format!(
            "{t:?} asks for a feature imapd does not support; remove the setting or set it to 0"
        ),
    ))
}

fn path(v: &Value) -> Option<PathBuf> {
    (!v.text.trim().is_empty()).then(|| PathBuf::from(v.text.trim()))
}

/// `PORT`: `143` or `127.0.0.1.900,192.68.0.1.900` (Courier's `ip.port` form).
fn ports(v: &Value, name: &str) -> Result<Vec<(Option<String>, u16)>, SettingError> {
    let mut out = Vec::new();
    for item in v.text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (addr, port) = match item.rsplit_once('.') {
            Some((a, p)) => (Some(a.to_owned()), p),
            None => (None, item),
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| err(v, name, format!("bad port in {item:?}")))?;
        out.push((addr, port));
    }
    if out.is_empty() {
        return Err(err(v, name, "no port given"));
    }
    Ok(out)
}

/// `IMAP_EMPTYTRASH`: `Trash:7,Sent:30`, or a bare number of days for the trash folder
/// (both forms are Courier's, imapd.c `emptytrash`).
fn empty_trash(v: &Value, name: &str, trash: &str) -> Result<Vec<(String, u32)>, SettingError> {
    let t = v.text.trim();
    if !t.contains(':') && !t.contains(',') {
        let days: u32 = number(v, name, "folder:days,... or a number of days")?;
        return Ok(vec![(trash.to_owned(), days.max(1))]);
    }
    let mut out = Vec::new();
    for item in t.split(',').filter(|s| !s.is_empty()) {
        let Some((folder, days)) = item.rsplit_once(':') else {
            return Err(err(v, name, format!("expected folder:days, got {item:?}")));
        };
        let days: u32 = days
            .parse()
            .map_err(|_| err(v, name, format!("bad number of days in {item:?}")))?;
        if folder.is_empty() || folder.contains('/') || folder.starts_with('.') {
            return Err(err(v, name, format!("bad folder name in {item:?}")));
        }
        // Courier: a count of 0 or less means 1 day.
        out.push((folder.to_owned(), days.max(1)));
    }
    Ok(out)
}

impl Settings {
    /// Reads the settings from variables (given as a lookup so tests need no environment);
    /// the network-only names are not read from here (see [`Settings::load`]).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        Self::load(None, &get)
    }

    /// The store's options: the quota from `env` (`MAILDIRQUOTA`, set by authlib per user),
    /// the dot-lock (`IMAP_USELOCKS`), and inotify (`IMAP_ENHANCEDIDLE`: off, a changed
    /// folder is listed again instead of replaying its events).
    pub fn store_options(&self, env: impl Fn(&str) -> Option<String>) -> MaildirOptions {
        MaildirOptions {
            lock: LockOptions {
                dot_lock: self.use_locks,
                ..LockOptions::default()
            },
            list_always: !self.inotify,
            ..MaildirOptions::from_lookup(env)
        }
    }

    /// Reads the settings from the process environment only.
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads `config` (if any), then the environment `env`, which overrides the file.
    ///
    /// The network-only names (`ADDRESS`, `PORT`, …) come only from the file: in Courier they
    /// are read by the startup script, never by imapd from its environment, and generic names
    /// such as `PORT` are often set in an environment for unrelated reasons.
    pub fn load(
        config: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingError> {
        let mut values: BTreeMap<String, Value> = BTreeMap::new();
        if let Some(path) = config {
            for a in config_file::read(path, env)? {
                let origin = format!("{}:{}", path.display(), a.line);
                let known = KNOWN.iter().any(|k| k.name == a.name)
                    || a.name
                        .strip_prefix(AUTHSERVICE)
                        .is_some_and(|p| p.parse::<u16>().is_ok());
                if !known {
                    return Err(SettingError::Value {
                        origin,
                        name: a.name,
                        problem: "unknown setting (see docs/configuration.md for the list)".into(),
                    });
                }
                values.insert(
                    a.name,
                    Value {
                        text: a.value,
                        origin,
                    },
                );
            }
        }
        for k in KNOWN.iter().filter(|k| k.status != Status::Network) {
            if let Some(text) = env(k.name) {
                values.insert(
                    k.name.to_owned(),
                    Value {
                        text,
                        origin: "environment variable".into(),
                    },
                );
            }
        }
        // An empty value is the same as unset (Courier tests `p && *p`).
        values.retain(|_, v| !v.text.trim().is_empty());
        Self::from_values(&values)
    }

    fn from_values(values: &BTreeMap<String, Value>) -> Result<Self, SettingError> {
        let mut s = Settings::default();
        let get = |n: &str| values.get(n);
        for (name, v) in values {
            let Some(k) = KNOWN.iter().find(|k| k.name == name.as_str()) else {
                continue;
            };
            if k.status == Status::OffOnly {
                off_only(v, name)?;
            }
        }
        if let Some(v) = get("IMAP_IDLE_TIMEOUT") {
            s.idle_poll = seconds(v, "IMAP_IDLE_TIMEOUT", 1)?;
        }
        if let Some(v) = get("IMAP_AUTOLOGOUT") {
            // RFC 3501 §5.4: the autologout timer must be at least 30 minutes.
            s.autologout = seconds(v, "IMAP_AUTOLOGOUT", 30 * 60)?;
        }
        if let Some(v) = get("IMAP_IDLE_KEEPALIVE") {
            let d = seconds(v, "IMAP_IDLE_KEEPALIVE", 0)?;
            s.idle_keepalive = (!d.is_zero()).then_some(d);
        }
        if let Some(v) = get("IMAP_ENHANCEDIDLE") {
            s.inotify = flag(v, "IMAP_ENHANCEDIDLE")?;
        }
        if let Some(v) = get("IMAP_DISABLETHREADSORT") {
            if flag(v, "IMAP_DISABLETHREADSORT")? {
                s.session.disabled.extend(
                    ["SORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"].map(String::from),
                );
            }
        }
        if let Some(v) = get("IMAP_USELOCKS") {
            s.use_locks = flag(v, "IMAP_USELOCKS")?;
        }
        if let Some(v) = get("IMAP_MAILBOX_SANITY_CHECK") {
            s.mailbox_sanity_check = flag(v, "IMAP_MAILBOX_SANITY_CHECK")?;
        }
        if let Some(v) = get("IMAP_KEYWORDS") {
            s.session.keywords = match v.text.trim() {
                "0" => false,
                "1" | "2" => true,
                other => {
                    return Err(err(
                        v,
                        "IMAP_KEYWORDS",
                        format!("expected 0, 1 or 2, got {other:?}"),
                    ))
                }
            };
        }
        if let Some(v) = get("IMAP_UMASK") {
            let t = v.text.trim();
            let m = u32::from_str_radix(t, 8)
                .ok()
                .filter(|&m| m <= 0o777)
                .ok_or_else(|| {
                    err(
                        v,
                        "IMAP_UMASK",
                        format!("expected an octal mask such as 022, got {t:?}"),
                    )
                })?;
            s.umask = Some(m);
        }
        if let Some(v) = get("IMAP_ULIMITD") {
            let kib: u64 = number(v, "IMAP_ULIMITD", "a size in KiB")?;
            // Below a few MiB the process could not even map its own binary's data.
            if kib < 8 * 1024 {
                return Err(err(v, "IMAP_ULIMITD", "must be at least 8192 (KiB)"));
            }
            s.ulimit_data_kib = Some(kib);
        }
        if let Some(v) = get("IMAP_TRASHFOLDERNAME") {
            let t = v.text.trim();
            if t.contains('/') || t.starts_with('.') {
                return Err(err(
                    v,
                    "IMAP_TRASHFOLDERNAME",
                    format!("bad folder name {t:?}"),
                ));
            }
            s.trash_folder = t.to_owned();
        }
        if let Some(v) = get("IMAP_EMPTYTRASH") {
            s.empty_trash = empty_trash(v, "IMAP_EMPTYTRASH", &s.trash_folder)?;
        }
        s.session.capabilities = capabilities(get("IMAP_CAPABILITY"), get("IMAP_ID_FIELDS"))?;
        if let Some(v) = get("IMAP_DISABLE_CAPABILITY") {
            s.session.disabled = v.text.split_whitespace().map(str::to_owned).collect();
        }
        s.network = network(values)?;
        Ok(s)
    }
}

/// The advertised capabilities: Courier's IMAP_CAPABILITY list (plus ENABLE and
/// UTF8=ACCEPT, which Courier always appends, and ID when IMAP_ID_FIELDS is set), limited to
/// what imapd implements, so an old Courier config never claims something imapd lacks.
fn capabilities(cap: Option<&Value>, id: Option<&Value>) -> Result<Vec<String>, SettingError> {
    let mut id_on = false;
    if let Some(v) = id {
        let n: u8 = number(v, "IMAP_ID_FIELDS", "a number from 0 to 7")?;
        if n > 7 {
            return Err(err(v, "IMAP_ID_FIELDS", "must be from 0 to 7"));
        }
        id_on = true;
    }
    let Some(v) = cap else {
        return Ok(IMPLEMENTED.iter().map(|s| s.to_string()).collect());
    };
    let mut wanted: Vec<&str> = v.text.split_whitespace().collect();
    wanted.extend(["ENABLE", "UTF8=ACCEPT"]);
    if id_on {
        wanted.push("ID");
    }
    Ok(IMPLEMENTED
        .iter()
        .filter(|c| **c == "IMAP4rev1" || wanted.iter().any(|w| w.eq_ignore_ascii_case(c)))
        .map(|s| s.to_string())
        .collect())
}

fn network(values: &BTreeMap<String, Value>) -> Result<NetworkSettings, SettingError> {
    let mut n = NetworkSettings::default();
    let get = |k: &str| values.get(k);
    if let Some(v) = get("ADDRESS") {
        let t = v.text.trim();
        n.address = (t != "0").then(|| t.to_owned());
    }
    if let Some(v) = get("PORT") {
        n.ports = ports(v, "PORT")?;
    }
    if let Some(v) = get("MAXDAEMONS") {
        n.max_daemons = number(v, "MAXDAEMONS", "a number of sessions")?;
    }
    if let Some(v) = get("MAXPERIP") {
        n.max_per_ip = number(v, "MAXPERIP", "a number of sessions")?;
    }
    n.pid_file = get("PIDFILE").and_then(path);
    n.access_file = get("IMAPACCESSFILE").and_then(path);
    if let Some(v) = get("TCPDOPTS") {
        n.tcpd_options = v.text.split_whitespace().map(str::to_owned).collect();
    }
    n.default_domain = get("DEFDOMAIN").map(|v| v.text.trim().to_owned());
    n.capability_tls =
        get("IMAP_CAPABILITY_TLS").map(|v| v.text.split_whitespace().map(str::to_owned).collect());
    if let Some(p) = get("MAILDIRPATH").and_then(path) {
        n.maildir_path = p;
    }
    for (name, v) in values {
        if let Some(port) = name.strip_prefix(AUTHSERVICE).and_then(|p| p.parse().ok()) {
            n.auth_service.insert(port, v.text.trim().to_owned());
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_advertise_everything_implemented() {
        let s = Settings::from_lookup(env(&[])).unwrap();
        assert_eq!(s.session.capabilities.len(), IMPLEMENTED.len());
        assert!(s.use_locks && s.inotify && s.session.keywords);
    }

    #[test]
    fn courier_capability_list_is_intersected_and_extended() {
        let s = Settings::from_lookup(env(&[(
            "IMAP_CAPABILITY",
            "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=REFERENCES SORT QUOTA IDLE",
        )]))
        .unwrap();
        assert_eq!(
            s.session.capabilities,
            [
                "IMAP4rev1",
                "ENABLE",
                "IDLE",
                "NAMESPACE",
                "UIDPLUS",
                "CHILDREN",
                "QUOTA",
                "SORT",
                "THREAD=REFERENCES",
                "UTF8=ACCEPT"
            ]
        );
    }

    #[test]
    fn disablethreadsort_hides_sort_and_thread() {
        let s = Settings::from_lookup(env(&[("IMAP_DISABLETHREADSORT", "1")])).unwrap();
        assert!(!s.session.has("SORT"));
        assert!(!s.session.has("THREAD=REFERENCES"));
        assert!(s.session.has("IDLE"));
    }

    #[test]
    fn values_are_checked() {
        let bad = |k, v| {
            Settings::from_lookup(env(&[(k, v)]))
                .unwrap_err()
                .to_string()
        };
        assert!(bad("IMAP_UMASK", "9").contains("octal"));
        assert!(bad("IMAP_USELOCKS", "yes").contains("expected 0 or 1"));
        assert!(bad("IMAP_AUTOLOGOUT", "60").contains("at least 1800"));
        assert!(bad("IMAP_MOVE_EXPUNGE_TO_TRASH", "1").contains("does not support"));
        assert!(bad("IMAP_EMPTYTRASH", "Trash:x").contains("days"));
        assert!(bad("IMAP_KEYWORDS", "3").starts_with("environment variable: IMAP_KEYWORDS"));
        let ok = Settings::from_lookup(env(&[
            ("IMAP_EMPTYTRASH", "Trash:7,Sent:30"),
            ("IMAP_UMASK", "027"),
            ("IMAP_KEYWORDS", "0"),
            ("IMAP_MOVE_EXPUNGE_TO_TRASH", "0"),
            ("PORT", "not read from the environment"),
        ]))
        .unwrap();
        assert_eq!(ok.empty_trash, [("Trash".into(), 7), ("Sent".into(), 30)]);
        assert_eq!(ok.umask, Some(0o027));
        assert!(!ok.session.keywords);
        let bare = Settings::from_lookup(env(&[
            ("IMAP_TRASHFOLDERNAME", "Deleted Items"),
            ("IMAP_EMPTYTRASH", "3"),
        ]))
        .unwrap();
        assert_eq!(bare.empty_trash, [("Deleted Items".into(), 3)]);
    }
}

#[cfg(test)]
mod docs_tests {
    /// docs/configuration.md lists every known setting.
    #[test]
    fn every_setting_is_documented() {
        let doc = include_str!("../../docs/configuration.md");
        for k in super::KNOWN {
            assert!(
                doc.contains(&format!("| `{}` |", k.name)),
                "{} missing from docs/configuration.md",
                k.name
            );
        }
    }
}
