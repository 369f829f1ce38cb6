//! `imapd serve` options: the command line, and an optional `--config FILE` of Courier-style
//! `NAME=value` lines (the command line wins; list options add up). Unknown names in the
//! file that start with `IMAP_` are exported to the session processes (they are the stdio
//! server's settings, e.g. `IMAP_IDLE_TIMEOUT`); any other unknown name is an error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything `imapd serve` was told.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeOptions {
    /// `--listen`: cleartext IMAP with STARTTLS (RFC 3501 §6.2.1).
    pub listen: Vec<SocketAddr>,
    /// `--tls-listen`: implicit TLS (RFC 8314 §3.3, port 993).
    pub tls_listen: Vec<SocketAddr>,
    /// `--cert`: PEM certificate chain.
    pub cert: Option<PathBuf>,
    /// `--key`: PEM private key (default: the `--cert` file, as Courier's TLS_CERTFILE).
    pub key: Option<PathBuf>,
    /// `--passwd-file`: Dovecot passwd-file user database.
    pub passwd_file: Option<PathBuf>,
    /// `--checkpassword`: djb checkpassword program.
    pub checkpassword: Option<PathBuf>,
    /// `--allow-plaintext`: LOGIN/AUTHENTICATE without TLS.
    pub allow_plaintext: bool,
    /// `--proxy-protocol`: every connection starts with a HAProxy PROXY v1/v2 header.
    pub proxy_protocol: bool,
    /// `MAXDAEMONS`: connections served at once (Courier default 40; 0 = no limit).
    pub max_daemons: usize,
    /// `MAXPERIP`: connections from one address at once (Courier default 4; 0 = no limit).
    pub max_per_ip: usize,
    /// `LOGIN_TIMEOUT`: seconds to finish logging in (default 60).
    pub login_timeout: Duration,
    /// `AUTH_FAILURE_DELAY`: seconds before answering the first failed attempt from an address;
    /// doubles with each further failure from it within 15 minutes, up to 30 s (default 2).
    pub auth_failure_delay: Duration,
    /// `IMAP_*` variables from the config file, passed to the session processes.
    pub session_env: Vec<(String, String)>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: Vec::new(),
            tls_listen: Vec::new(),
            cert: None,
            key: None,
            passwd_file: None,
            checkpassword: None,
            allow_plaintext: false,
            proxy_protocol: false,
            max_daemons: 40,
            max_per_ip: 4,
            login_timeout: Duration::from_secs(60),
            auth_failure_delay: Duration::from_secs(2),
            session_env: Vec::new(),
        }
    }
}

/// The usage text.
pub const USAGE: &str =
    "usage: imapd serve [--config FILE] [--listen ADDR:PORT]... [--tls-listen ADDR:PORT]...
                   [--cert PEM --key PEM] [--passwd-file FILE] [--checkpassword PROGRAM]
                   [--allow-plaintext] [--proxy-protocol]

Serves IMAP over TCP: one process per connection; after login the session runs as the user.
  --listen ADDR:PORT      cleartext IMAP with STARTTLS (e.g. [::]:143)
  --tls-listen ADDR:PORT  implicit TLS (IMAPS, e.g. [::]:993)
  --cert PEM, --key PEM   certificate chain and private key (re-read for every connection;
                          SIGHUP checks them again)
  --passwd-file FILE      Dovecot passwd-file: user:{SCHEME}password:uid:gid:gecos:home:shell:extra
  --checkpassword PROG    djb checkpassword program (instead of --passwd-file)
  --allow-plaintext       allow LOGIN/AUTHENTICATE before TLS (default: LOGINDISABLED)
  --proxy-protocol        every listener expects a HAProxy PROXY v1/v2 header
  --config FILE           NAME=value lines: LISTEN, TLS_LISTEN, TLS_CERTFILE, TLS_KEYFILE,
                          PASSWD_FILE, CHECKPASSWORD, ALLOW_PLAINTEXT, PROXY_PROTOCOL, MAXDAEMONS,
                          MAXPERIP, LOGIN_TIMEOUT, AUTH_FAILURE_DELAY, IMAP_* (session settings)
Without --listen/--tls-listen, systemd socket activation (LISTEN_FDS) provides the sockets;
a socket named (FileDescriptorName=) imaps or *-tls speaks implicit TLS.";

fn addr(name: &str, v: &str) -> Result<SocketAddr, String> {
    v.parse()
        .map_err(|_| format!("{name}: {v:?} is not ADDR:PORT (IPv6 as [::1]:143)"))
}

fn seconds(name: &str, v: &str) -> Result<Duration, String> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{name}: {v:?} is not a number of seconds"))
}

fn count(name: &str, v: &str) -> Result<usize, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{name}: {v:?} is not a number"))
}

fn boolean(name: &str, v: &str) -> Result<bool, String> {
    match v.trim() {
        "1" | "yes" | "true" => Ok(true),
        "0" | "no" | "false" | "" => Ok(false),
        _ => Err(format!("{name}: {v:?} is not 0 or 1")),
    }
}

impl ServeOptions {
    /// Applies one `NAME=value` setting from the config file.
    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        match name {
            "LISTEN" => {
                for a in value.split_whitespace() {
                    self.listen.push(addr(name, a)?);
                }
            }
            "TLS_LISTEN" => {
                for a in value.split_whitespace() {
                    self.tls_listen.push(addr(name, a)?);
                }
            }
            "TLS_CERTFILE" => self.cert = Some(PathBuf::from(value)),
            "TLS_KEYFILE" => self.key = Some(PathBuf::from(value)),
            "PASSWD_FILE" => self.passwd_file = Some(PathBuf::from(value)),
            "CHECKPASSWORD" => self.checkpassword = Some(PathBuf::from(value)),
            "ALLOW_PLAINTEXT" => self.allow_plaintext = boolean(name, value)?,
            "PROXY_PROTOCOL" => self.proxy_protocol = boolean(name, value)?,
            "MAXDAEMONS" => self.max_daemons = count(name, value)?,
            "MAXPERIP" => self.max_per_ip = count(name, value)?,
            "LOGIN_TIMEOUT" => self.login_timeout = seconds(name, value)?,
            "AUTH_FAILURE_DELAY" => self.auth_failure_delay = seconds(name, value)?,
            n if n.starts_with("IMAP_") => {
                self.session_env.push((n.to_string(), value.to_string()));
            }
            n => return Err(format!("unknown setting {n}")),
        }
        Ok(())
    }

    /// Parses a config file's text: `NAME=value`, optional double or single quotes, `#`
    /// comments and blank lines.
    pub fn apply_config(&mut self, text: &str) -> Result<(), String> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                return Err(format!("line {}: expected NAME=value", i + 1));
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            self.set(name.trim(), value)
                .map_err(|e| format!("line {}: {e}", i + 1))?;
        }
        Ok(())
    }

    /// Parses the arguments after `serve`; `--config` files are read as they appear, so later
    /// flags override them.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = ServeOptions::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |flag: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match a.as_str() {
                "--config" => {
                    let path = value(a)?;
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("--config {path}: {e}"))?;
                    o.apply_config(&text)
                        .map_err(|e| format!("--config {path}: {e}"))?;
                }
                "--listen" => o.listen.push(addr(a, &value(a)?)?),
                "--tls-listen" => o.tls_listen.push(addr(a, &value(a)?)?),
                "--cert" => o.cert = Some(PathBuf::from(value(a)?)),
                "--key" => o.key = Some(PathBuf::from(value(a)?)),
                "--passwd-file" => o.passwd_file = Some(PathBuf::from(value(a)?)),
                "--checkpassword" => o.checkpassword = Some(PathBuf::from(value(a)?)),
                "--allow-plaintext" => o.allow_plaintext = true,
                "--proxy-protocol" => o.proxy_protocol = true,
                other => return Err(format!("unknown option {other}")),
            }
        }
        if o.passwd_file.is_some() && o.checkpassword.is_some() {
            return Err("give either --passwd-file or --checkpassword, not both".into());
        }
        if o.passwd_file.is_none() && o.checkpassword.is_none() {
            return Err(
                "no user database: give --passwd-file FILE or --checkpassword PROGRAM".into(),
            );
        }
        if o.key.is_some() && o.cert.is_none() {
            return Err("--key needs --cert".into());
        }
        Ok(o)
    }

    /// The private key file: `--key`, else the certificate file itself.
    pub fn key_file(&self) -> Option<&PathBuf> {
        self.key.as_ref().or(self.cert.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn command_line() {
        let o = ServeOptions::parse(&s(&[
            "--listen",
            "[::1]:1143",
            "--tls-listen",
            "127.0.0.1:1993",
            "--cert",
            "c.pem",
            "--passwd-file",
            "p",
            "--allow-plaintext",
        ]))
        .unwrap();
        assert_eq!(o.listen, vec!["[::1]:1143".parse().unwrap()]);
        assert_eq!(o.tls_listen.len(), 1);
        assert_eq!(o.key_file(), Some(&PathBuf::from("c.pem")));
        assert!(o.allow_plaintext);
        assert_eq!((o.max_daemons, o.max_per_ip), (40, 4));
    }

    #[test]
    fn config_text() {
        let mut o = ServeOptions::default();
        o.apply_config("# c\nMAXDAEMONS=100\nMAXPERIP=\"0\"\nLOGIN_TIMEOUT=1.5\nLISTEN=127.0.0.1:143 [::1]:143\nIMAP_IDLE_TIMEOUT=5\n")
            .unwrap();
        assert_eq!(o.max_daemons, 100);
        assert_eq!(o.max_per_ip, 0);
        assert_eq!(o.login_timeout, Duration::from_millis(1500));
        assert_eq!(o.listen.len(), 2);
        assert_eq!(
            o.session_env,
            vec![("IMAP_IDLE_TIMEOUT".into(), "5".into())]
        );
        assert!(o.apply_config("BOGUS=1").is_err());
        assert!(o.apply_config("MAXPERIP=x").is_err());
    }

    #[test]
    fn errors() {
        assert!(ServeOptions::parse(&s(&["--listen", "nope", "--passwd-file", "p"])).is_err());
        assert!(ServeOptions::parse(&s(&["--listen", "127.0.0.1:1"])).is_err());
        assert!(ServeOptions::parse(&s(&["--bogus"])).is_err());
    }
}
