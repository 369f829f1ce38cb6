//! `imapd serve` end to end over loopback TCP: real clients (python imaplib, curl,
//! fetchmail), a raw client for the protocol edges (STARTTLS injection, LOGINDISABLED,
//! AUTHENTICATE), the limits (MAXPERIP, login timeout, garbage, failure delay), backpressure
//! through the TLS relay and, when run as root, the privilege drop. Every server gets fresh ports, a fresh certificate (rcgen)
//! and a temp directory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const BIN: &str = env!("CARGO_BIN_EXE_imapd");

struct Server {
    child: Child,
    plain: u16,
    tls: u16,
    dir: tempfile::TempDir,
    cert_der: Vec<u8>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `imapd serve` with a passwd-file (`passwd` lines, `{dir}` replaced), a config
    /// file and extra arguments.
    fn start(passwd: &str, config: &str, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        let d = dir.path().display().to_string();
        std::fs::write(dir.path().join("passwd"), passwd.replace("{dir}", &d)).unwrap();
        std::fs::write(dir.path().join("conf"), config).unwrap();
        let plain = free_port();
        let tls = free_port();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--config".into(),
            dir.path().join("conf").display().to_string(),
            "--listen".into(),
            format!("127.0.0.1:{plain}"),
            "--tls-listen".into(),
            format!("127.0.0.1:{tls}"),
            "--cert".into(),
            cert.display().to_string(),
            "--key".into(),
            key.display().to_string(),
            "--passwd-file".into(),
            dir.path().join("passwd").display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let s = Server {
            child,
            plain,
            tls,
            dir,
            cert_der: ck.cert.der().to_vec(),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", plain)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "server did not start: {}",
                s.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.cert_der.clone()))
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut c = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        c.alpn_protocols = vec![b"imap".to_vec()];
        Arc::new(c)
    }

    fn cert_path(&self) -> PathBuf {
        self.path().join("cert.pem")
    }
}

/// A line-oriented raw client over cleartext or TLS.
enum Raw {
    Plain(BufReader<TcpStream>),
    Tls(Box<BufReader<StreamOwned<ClientConnection, TcpStream>>>),
}

impl Raw {
    fn connect(port: u16) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Raw::Plain(BufReader::new(s))
    }

    fn connect_tls(server: &Server) -> Raw {
        Raw::connect_tls_to(server, server.tls)
    }

    fn connect_tls_to(server: &Server, port: u16) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let conn = ClientConnection::new(
            server.client_config(),
            ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        Raw::Tls(Box::new(BufReader::new(StreamOwned::new(conn, s))))
    }

    /// Upgrades after `OK Begin TLS`; any bytes already buffered in cleartext are a failure.
    fn start_tls(self, server: &Server) -> Raw {
        let Raw::Plain(r) = self else {
            panic!("already TLS")
        };
        assert!(
            r.buffer().is_empty(),
            "server sent cleartext after STARTTLS OK"
        );
        let s = r.into_inner();
        let conn = ClientConnection::new(
            server.client_config(),
            ServerName::try_from("localhost").unwrap(),
        )
        .unwrap();
        Raw::Tls(Box::new(BufReader::new(StreamOwned::new(conn, s))))
    }

    fn send(&mut self, bytes: &[u8]) {
        match self {
            Raw::Plain(r) => r.get_mut().write_all(bytes).unwrap(),
            Raw::Tls(r) => {
                r.get_mut().write_all(bytes).unwrap();
                r.get_mut().flush().unwrap();
            }
        }
    }

    /// One line, or "" at EOF.
    fn line(&mut self) -> String {
        let mut l = String::new();
        let _ = match self {
            Raw::Plain(r) => r.read_line(&mut l),
            Raw::Tls(r) => r.read_line(&mut l),
        };
        l
    }

    /// Exactly `n` octets (a literal's payload).
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut data = vec![0u8; n];
        match self {
            Raw::Plain(r) => r.read_exact(&mut data).unwrap(),
            Raw::Tls(r) => r.read_exact(&mut data).unwrap(),
        }
        data
    }

    /// Lines up to and including the one starting with `tag `.
    fn until(&mut self, tag: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let l = self.line();
            assert!(!l.is_empty(), "EOF while waiting for {tag}; got {out:?}");
            let done = l.starts_with(&format!("{tag} "));
            out.push(l);
            if done {
                return out;
            }
        }
    }
}

const ALICE: &str = "alice:{PLAIN}secret::::{dir}/alice::\n";

fn b64(s: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn python_imaplib_starttls_and_imaps() {
    let s = Server::start(ALICE, "", &[]);
    let script = r#"
import imaplib, ssl, sys
plain, tls, cafile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
m = imaplib.IMAP4("127.0.0.1", plain)
assert "LOGINDISABLED" in m.capabilities and "STARTTLS" in m.capabilities, m.capabilities
m.starttls(ssl_context=ctx)
assert "AUTH=PLAIN" in m.capabilities, m.capabilities
m.login("alice", "secret")
m.select("INBOX")
typ, _ = m.append("INBOX", None, None, b"Subject: one\r\n\r\nfirst\r\n")
assert typ == "OK"
typ, data = m.fetch("1", "(BODY[HEADER.FIELDS (SUBJECT)])")
assert b"Subject: one" in data[0][1], data
m.logout()
ctx.check_hostname = False
s = imaplib.IMAP4_SSL("127.0.0.1", tls, ssl_context=ctx)
s.login("alice", "secret")
typ, data = s.select("INBOX")
assert data == [b"1"], data
s.logout()
print("python ok")
"#;
    let out = Command::new("python3")
        .args(["-c", script, &s.plain.to_string(), &s.tls.to_string()])
        .arg(s.cert_path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("python ok"),
        "stdout {} stderr {} log {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        s.log()
    );
}

#[test]
fn curl_imap_starttls_and_imaps_upload_list_fetch() {
    let s = Server::start(ALICE, "", &[]);
    let msg = s.path().join("msg.eml");
    std::fs::write(&msg, "Subject: via curl\r\n\r\nhello curl\r\n").unwrap();
    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "20", "--cacert"])
            .arg(s.cert_path())
            .args(["-u", "alice:secret"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "curl {args:?}: {} log {}",
            String::from_utf8_lossy(&out.stderr),
            s.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = format!("imap://localhost:{}/", s.plain);
    let tls = format!("imaps://localhost:{}/", s.tls);
    curl(&[
        "--ssl-reqd",
        "-T",
        msg.to_str().unwrap(),
        &format!("{plain}INBOX"),
    ]);
    let list = curl(&["--ssl-reqd", &plain]);
    assert!(list.contains("INBOX"), "{list}");
    let body = curl(&[&format!("{tls}INBOX;UID=1")]);
    assert!(body.contains("hello curl"), "{body}");
    let body = curl(&["--ssl-reqd", &format!("{plain}INBOX;UID=1;SECTION=TEXT")]);
    assert!(body.contains("hello curl"), "{body}");
}

#[test]
fn fetchmail_over_imaps_and_starttls() {
    if !have("fetchmail") {
        eprintln!("SKIPPED: fetchmail is not installed (scripts/test installs it)");
        return;
    }
    let s = Server::start(ALICE, "", &[]);
    let maildir = s.path().join("alice/Maildir");
    for (i, name) in ["1.a", "2.b"].iter().enumerate() {
        std::fs::create_dir_all(maildir.join("new")).unwrap();
        std::fs::create_dir_all(maildir.join("cur")).unwrap();
        std::fs::create_dir_all(maildir.join("tmp")).unwrap();
        std::fs::write(
            maildir.join("new").join(name),
            format!("From: a@b\nSubject: m{i}\n\nbody {i}\n"),
        )
        .unwrap();
    }
    for (port, ssl) in [(s.tls, "ssl"), (s.plain, "sslproto TLS1.2+")] {
        let out_file = s.path().join(format!("fetched-{port}"));
        let rc = s.path().join(format!("fetchmailrc-{port}"));
        std::fs::write(
            &rc,
            format!(
                "poll localhost service {port} protocol IMAP auth password\n  user alice password secret {ssl} sslcertfile {} sslcertck keep\n  mda \"cat >> {}\"\n",
                s.cert_path().display(),
                out_file.display()
            ),
        )
        .unwrap();
        let mut p = std::fs::metadata(&rc).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o600);
        std::fs::set_permissions(&rc, p).unwrap();
        let out = Command::new("fetchmail")
            .args(["-f"])
            .arg(&rc)
            .args(["--nodetach", "--all", "--pidfile"])
            .arg(s.path().join(format!("fm-{port}.pid")))
            .env("HOME", s.path())
            .env("FETCHMAILHOME", s.path())
            .output()
            .unwrap();
        let fetched = std::fs::read_to_string(&out_file).unwrap_or_default();
        assert!(
            fetched.contains("body 0") && fetched.contains("body 1"),
            "fetchmail {ssl}: {} {} log {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            s.log()
        );
    }
}

#[test]
fn cleartext_login_refused_before_starttls() {
    let s = Server::start(ALICE, "", &[]);
    let mut c = Raw::connect(s.plain);
    let greeting = c.line();
    assert!(
        greeting.starts_with("* OK [CAPABILITY IMAP4rev1"),
        "{greeting}"
    );
    assert!(
        greeting.contains("STARTTLS") && greeting.contains("LOGINDISABLED"),
        "{greeting}"
    );
    assert!(!greeting.contains("AUTH="), "{greeting}");
    c.send(b"a LOGIN alice secret\r\n");
    assert!(c
        .until("a")
        .last()
        .unwrap()
        .starts_with("a NO [PRIVACYREQUIRED]"));
    c.send(format!("b AUTHENTICATE PLAIN {}\r\n", b64(b"\0alice\0secret")).as_bytes());
    assert!(c
        .until("b")
        .last()
        .unwrap()
        .starts_with("b NO [PRIVACYREQUIRED]"));
    c.send(b"c SELECT INBOX\r\n");
    assert!(c.until("c").last().unwrap().starts_with("c BAD"));
    // --allow-plaintext lifts it.
    let s2 = Server::start(ALICE, "", &["--allow-plaintext"]);
    let mut c = Raw::connect(s2.plain);
    let greeting = c.line();
    assert!(
        greeting.contains("AUTH=PLAIN") && !greeting.contains("LOGINDISABLED"),
        "{greeting}"
    );
    c.send(b"a LOGIN alice secret\r\n");
    let r = c.until("a");
    assert!(
        r.last().unwrap().starts_with("a OK [CAPABILITY IMAP4rev1"),
        "{r:?}"
    );
}

#[test]
fn starttls_discards_pipelined_plaintext() {
    let s = Server::start(ALICE, "", &[]);
    let mut c = Raw::connect(s.plain);
    c.line();
    // The command-injection class (CVE-2011-0411 and kin): b must never run.
    c.send(b"a STARTTLS\r\nb CAPABILITY\r\n");
    let r = c.until("a");
    assert_eq!(r, vec!["a OK Begin TLS negotiation now\r\n".to_string()]);
    let mut c = c.start_tls(&s);
    c.send(b"c CAPABILITY\r\n");
    let r = c.until("c");
    assert!(r.iter().all(|l| !l.starts_with("b ")), "{r:?}");
    assert!(
        r[0].starts_with("* CAPABILITY")
            && r[0].contains("AUTH=PLAIN")
            && !r[0].contains("STARTTLS"),
        "{r:?}"
    );
    c.send(b"d STARTTLS\r\n");
    assert!(c.until("d").last().unwrap().starts_with("d BAD"));
    assert!(
        s.log()
            .contains("discarded 14 octets pipelined behind STARTTLS"),
        "{}",
        s.log()
    );
}

#[test]
fn authenticate_plain_sasl_ir_login_mechanism_and_pipelining() {
    let s = Server::start(ALICE, "", &[]);
    // SASL-IR (RFC 4959) over implicit TLS, with a command pipelined behind it.
    let mut c = Raw::connect_tls(&s);
    assert!(c.line().contains("SASL-IR"));
    c.send(
        format!(
            "a AUTHENTICATE PLAIN {}\r\nb SELECT INBOX\r\n",
            b64(b"\0alice\0secret")
        )
        .as_bytes(),
    );
    let r = c.until("a");
    assert!(r.last().unwrap().starts_with("a OK [CAPABILITY"), "{r:?}");
    assert!(
        r.last().unwrap().contains("AUTHENTICATE completed"),
        "{r:?}"
    );
    let r = c.until("b");
    assert!(r.last().unwrap().starts_with("b OK [READ-WRITE]"), "{r:?}");
    // PLAIN without initial response, and AUTHENTICATE LOGIN.
    let mut c = Raw::connect_tls(&s);
    c.line();
    c.send(b"a AUTHENTICATE PLAIN\r\n");
    assert_eq!(c.line(), "+ \r\n");
    c.send(format!("{}\r\n", b64(b"alice\0alice\0secret")).as_bytes());
    assert!(c.until("a").last().unwrap().starts_with("a OK"));
    let mut c = Raw::connect_tls(&s);
    c.line();
    c.send(b"a AUTHENTICATE LOGIN\r\n");
    assert_eq!(c.line(), format!("+ {}\r\n", b64(b"Username:")));
    c.send(format!("{}\r\n", b64(b"alice")).as_bytes());
    assert_eq!(c.line(), format!("+ {}\r\n", b64(b"Password:")));
    c.send(format!("{}\r\n", b64(b"secret")).as_bytes());
    assert!(c.until("a").last().unwrap().starts_with("a OK"));
    // Cancel, another user's authorization, unknown mechanism.
    let mut c = Raw::connect_tls(&s);
    c.line();
    c.send(b"a AUTHENTICATE PLAIN\r\n*\r\n");
    c.line();
    assert!(c.until("a").last().unwrap().starts_with("a BAD"));
    c.send(format!("b AUTHENTICATE PLAIN {}\r\n", b64(b"bob\0alice\0secret")).as_bytes());
    assert!(c
        .until("b")
        .last()
        .unwrap()
        .starts_with("b NO [AUTHORIZATIONFAILED]"));
    c.send(b"c AUTHENTICATE CRAM-MD5\r\n");
    assert!(c.until("c").last().unwrap().starts_with("c NO"));
}

#[test]
fn wrong_password_and_unknown_user_get_the_same_answer_with_growing_delay() {
    let s = Server::start(ALICE, "AUTH_FAILURE_DELAY=0.2\n", &[]);
    let mut c = Raw::connect_tls(&s);
    c.line();
    let t = Instant::now();
    c.send(b"a LOGIN alice wrong\r\n");
    let a = c.until("a");
    let first = t.elapsed();
    let t = Instant::now();
    c.send(b"b LOGIN nobody secret\r\n");
    let b = c.until("b");
    let second = t.elapsed();
    assert_eq!(
        a,
        vec!["a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"]
    );
    assert_eq!(
        b,
        vec!["b NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"]
    );
    assert!(first >= Duration::from_millis(200), "{first:?}");
    assert!(second >= Duration::from_millis(400), "{second:?}");
    c.send(b"c LOGIN alice wrong2\r\n");
    let r = c.until("c");
    assert!(r[0].starts_with("c NO [AUTHENTICATIONFAILED]"));
    assert_eq!(c.line(), "* BYE Too many authentication failures\r\n");
    assert_eq!(c.line(), "");
    wait_log(&s, "ERR: LOGIN FAILED, user=nobody, ip=[127.0.0.1]");
    assert!(
        !s.log().contains("wrong"),
        "a password reached the log: {}",
        s.log()
    );
    // The next connection from this address starts with the remembered failures: a longer delay.
    std::thread::sleep(Duration::from_millis(300));
    let mut c = Raw::connect_tls(&s);
    c.line();
    let t = Instant::now();
    c.send(b"a LOGIN alice wrong\r\n");
    c.until("a");
    assert!(
        t.elapsed() >= Duration::from_millis(1600),
        "{:?}",
        t.elapsed()
    );
    // And the right password still works.
    c.send(b"b LOGIN alice secret\r\n");
    assert!(c.until("b").last().unwrap().starts_with("b OK"));
}

#[test]
fn maxperip_refuses_with_bye_and_keeps_serving() {
    let s = Server::start(ALICE, "MAXPERIP=2\n", &[]);
    // The start-up probe's connection must be reaped first.
    std::thread::sleep(Duration::from_millis(300));
    let mut a = Raw::connect(s.plain);
    let mut b = Raw::connect(s.plain);
    assert!(a.line().starts_with("* OK"));
    assert!(b.line().starts_with("* OK"));
    let mut c = Raw::connect(s.plain);
    assert_eq!(c.line(), "* BYE Too many connections from your address\r\n");
    assert_eq!(c.line(), "");
    assert!(
        s.log()
            .contains("Maximum connection limit reached for ip=[127.0.0.1] (MAXPERIP=2)"),
        "{}",
        s.log()
    );
    a.send(b"x LOGOUT\r\n");
    a.until("x");
    drop(a);
    let start = Instant::now();
    loop {
        let mut d = Raw::connect(s.plain);
        if d.line().starts_with("* OK") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "slot never freed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn silent_client_gets_login_timeout() {
    let s = Server::start(ALICE, "LOGIN_TIMEOUT=1\n", &[]);
    let mut c = Raw::connect(s.plain);
    c.line();
    let t = Instant::now();
    assert_eq!(c.line(), "* BYE Login timed out\r\n");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(c.line(), "");
    // A TLS client that never handshakes is cut off too.
    let t = Instant::now();
    let mut raw = TcpStream::connect(("127.0.0.1", s.tls)).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(raw.read(&mut buf).unwrap_or(0), 0);
    assert!(t.elapsed() < Duration::from_secs(5));
    wait_log(&s, "ERR: login timeout, ip=[127.0.0.1]");
}

#[test]
fn ten_megabytes_of_garbage_get_a_bye_and_the_listener_keeps_serving() {
    let s = Server::start(ALICE, "", &[]);
    let mut c = TcpStream::connect(("127.0.0.1", s.plain)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let reader = {
        let mut r = c.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = r.read_to_end(&mut all);
            all
        })
    };
    let mut x: u32 = 1;
    let mut chunk = vec![0u8; 64 * 1024];
    for _ in 0..160 {
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        if c.write_all(&chunk).is_err() {
            break; // the server closed: expected
        }
    }
    let _ = c.shutdown(std::net::Shutdown::Write);
    let out = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert!(out.contains("* BYE"), "{out}");
    assert!(
        out.contains("* BYE Too much input before authentication")
            || out.contains("* BYE Too many invalid commands"),
        "{out}"
    );
    let mut d = Raw::connect_tls(&s);
    assert!(d.line().starts_with("* OK"));
    d.send(b"a LOGIN alice secret\r\n");
    assert!(d.until("a").last().unwrap().starts_with("a OK"));
}

#[test]
fn passwd_subcommand_hash_logs_in() {
    let mut hashes = Vec::new();
    for scheme in ["SHA512-CRYPT", "ARGON2ID"] {
        let mut p = Command::new(BIN)
            .args(["passwd", "--scheme", scheme])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        p.stdin.take().unwrap().write_all(b"s3cret pass\n").unwrap();
        let out = p.wait_with_output().unwrap();
        let h = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert!(h.starts_with(&format!("{{{scheme}}}$")), "{h}");
        hashes.push(h);
    }
    let passwd = format!(
        "u1:{}::::{{dir}}/u1::\nu2:{}::::{{dir}}/u2::\n",
        hashes[0], hashes[1]
    );
    let s = Server::start(&passwd, "", &[]);
    for user in ["u1", "u2"] {
        let mut c = Raw::connect_tls(&s);
        c.line();
        c.send(format!("a LOGIN {user} \"s3cret pass\"\r\n").as_bytes());
        assert!(
            c.until("a").last().unwrap().starts_with("a OK"),
            "{}",
            s.log()
        );
    }
}

#[test]
fn checkpassword_program() {
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("checkpw");
    std::fs::write(
        &prog,
        format!(
            "#!/bin/sh\n{{ read user; read pass; }} <<EOF\n$(tr '\\0' '\\n' <&3)\nEOF\n[ \"$user\" = carol ] && [ \"$pass\" = pw ] || exit 1\nHOME={}/carol; export HOME\nexec \"$@\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let mut p = std::fs::metadata(&prog).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o755);
    std::fs::set_permissions(&prog, p).unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let plain = free_port();
    let _child = Kill(
        Command::new(BIN)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{plain}"),
                "--allow-plaintext",
                "--checkpassword",
            ])
            .arg(&prog)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", plain)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut c = Raw::connect(plain);
    c.line();
    c.send(b"a LOGIN carol nope\r\n");
    assert!(c
        .until("a")
        .last()
        .unwrap()
        .starts_with("a NO [AUTHENTICATIONFAILED]"));
    c.send(b"b LOGIN carol pw\r\nc SELECT INBOX\r\n");
    assert!(c.until("b").last().unwrap().starts_with("b OK"));
    assert!(c.until("c").last().unwrap().starts_with("c OK"));
    assert!(dir.path().join("carol/Maildir/cur").is_dir());
}

fn proc_status_ids(pid: u32) -> Option<(u32, u32)> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u32> {
        st.lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("Uid:")?, field("Gid:")?))
}

/// Processes descended from `pid` (children and grandchildren).
fn descendants(pid: u32) -> Vec<u32> {
    let mut all = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(st) = std::fs::read_to_string(format!("/proc/{child}/status")) else {
                continue;
            };
            let ppid = st
                .lines()
                .find(|l| l.starts_with("PPid:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u32>().ok());
            if ppid == Some(p) {
                all.push(child);
                frontier.push(child);
            }
        }
    }
    all
}

#[test]
fn sessions_run_as_the_user_and_cannot_reach_other_maildirs() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("SKIPPED: the privilege drop needs root (CI runs as root)");
        return;
    }
    let passwd = "\
bob:{PLAIN}pw:60101:60101::{dir}/bob::
eve:{PLAIN}pw:60102:60102::{dir}/eve::mail={dir}/bob/Maildir
";
    let s = Server::start(passwd, "", &[]);
    // The temp dir is 0700 root; let the users traverse it, and give each a private home.
    let mut p = std::fs::metadata(s.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o711);
    std::fs::set_permissions(s.path(), p).unwrap();
    for (user, id) in [("bob", 60101), ("eve", 60102)] {
        let home = s.path().join(user);
        std::fs::create_dir(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(id), Some(id)).unwrap();
        let mut p = std::fs::metadata(&home).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o700);
        std::fs::set_permissions(&home, p).unwrap();
    }
    // bob over STARTTLS: relay (root) + session (bob).
    let mut c = Raw::connect(s.plain);
    c.line();
    c.send(b"a STARTTLS\r\n");
    c.until("a");
    let mut c = c.start_tls(&s);
    c.send(b"b LOGIN bob pw\r\nc SELECT INBOX\r\n");
    assert!(
        c.until("b").last().unwrap().starts_with("b OK"),
        "{}",
        s.log()
    );
    assert!(c.until("c").last().unwrap().starts_with("c OK"));
    let ids: Vec<(u32, u32)> = descendants(s.child.id())
        .into_iter()
        .filter_map(proc_status_ids)
        .collect();
    assert!(ids.contains(&(60101, 60101)), "{ids:?}");
    assert!(
        ids.contains(&(0, 0)),
        "the TLS relay stays privileged: {ids:?}"
    );
    let md = std::fs::metadata(s.path().join("bob/Maildir/cur")).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&md), 60101);
    // eve's entry points at bob's Maildir: the kernel says no.
    let mut e = Raw::connect_tls(&s);
    e.line();
    e.send(b"a LOGIN eve pw\r\n");
    let r = e.until("a");
    assert!(r.last().unwrap().starts_with("a NO [UNAVAILABLE]"), "{r:?}");
    // The session writes its log line just after the NO: wait for it, don't race it.
    wait_log(&s, "cannot open Maildir");
    // Supplementary groups are dropped too.
    let session = descendants(s.child.id())
        .into_iter()
        .find(|p| proc_status_ids(*p) == Some((60101, 60101)))
        .unwrap();
    let st = std::fs::read_to_string(format!("/proc/{session}/status")).unwrap();
    let groups = st.lines().find(|l| l.starts_with("Groups:")).unwrap();
    assert_eq!(groups.trim(), "Groups:", "{groups}");
    c.send(b"z LOGOUT\r\n");
    c.until("z");
}

fn wait_log(s: &Server, needle: &str) {
    let start = Instant::now();
    while !s.log().contains(needle) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no {needle:?} in log: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn proxy_protocol_header_gives_the_client_address() {
    let s = Server::start(
        ALICE,
        "AUTH_FAILURE_DELAY=0\n",
        &["--proxy-protocol", "--allow-plaintext"],
    );
    let mut c = Raw::connect(s.plain);
    c.send(b"PROXY TCP4 192.0.2.9 127.0.0.1 5555 143\r\n");
    assert!(c.line().starts_with("* OK"));
    c.send(b"a LOGIN alice wrong\r\n");
    c.until("a");
    wait_log(&s, "LOGIN FAILED, user=alice, ip=[192.0.2.9]");
    // A connection without the header is dropped and logged.
    let mut c = Raw::connect(s.plain);
    c.send(b"a LOGIN alice secret\r\n");
    assert_eq!(c.line(), "");
    wait_log(&s, "does not start with a PROXY protocol header");
}

#[test]
fn sighup_checks_the_certificate_again() {
    let s = Server::start(ALICE, "", &[]);
    let hup = || {
        Command::new("kill")
            .args(["-HUP", &s.child.id().to_string()])
            .status()
            .unwrap()
    };
    hup();
    wait_log(&s, "INFO: SIGHUP: certificate and user database checked");
    std::fs::write(s.cert_path(), "not a certificate").unwrap();
    hup();
    wait_log(&s, "ERR: SIGHUP: certificate");
}

#[test]
fn tls_listener_without_certificate_is_a_startup_error() {
    let out = Command::new(BIN)
        .args([
            "serve",
            "--tls-listen",
            &format!("127.0.0.1:{}", free_port()),
            "--passwd-file",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has no certificate: give --cert and --key"),
        "{err}"
    );
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user database"));
}

#[test]
fn systemd_socket_activation_with_an_imaps_socket() {
    if !have("systemd-socket-activate") {
        eprintln!("SKIPPED: systemd-socket-activate is not installed");
        return;
    }
    let s = Server::start(ALICE, "", &[]); // for the certificate and passwd-file
    let port = free_port();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _sa = Kill(
        Command::new("systemd-socket-activate")
            .args([
                "-l",
                &format!("127.0.0.1:{port}"),
                "--fdname=imaps",
                BIN,
                "serve",
                "--cert",
            ])
            .arg(s.cert_path())
            .arg("--key")
            .arg(s.path().join("key.pem"))
            .arg("--passwd-file")
            .arg(s.path().join("passwd"))
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    let mut c = loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break Raw::connect_tls_to(&s, port);
        }
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(c.line().starts_with("* OK [CAPABILITY IMAP4rev1"));
    c.send(b"a LOGIN alice secret\r\n");
    assert!(c.until("a").last().unwrap().starts_with("a OK"));
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    st.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn a_tls_client_that_stops_reading_holds_the_session_back() {
    // 160 messages of 256 KiB (40 MiB): the session streams them through the TLS relay.
    const COUNT: usize = 160;
    const SIZE: usize = 256 * 1024;
    let message = |i: usize| {
        let mut m = format!("Subject: m{i}\r\n\r\n").into_bytes();
        let line = format!("{:076}\r\n", i);
        while m.len() + line.len() <= SIZE {
            m.extend_from_slice(line.as_bytes());
        }
        m.resize(SIZE - 2, b'.');
        m.extend_from_slice(b"\r\n");
        m
    };
    let s = Server::start(ALICE, "", &[]);
    let md = s.path().join("alice/Maildir");
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    for i in 0..COUNT {
        let name = format!("{}.M{i}P1.net:2,S", 1_700_000_000 + i);
        std::fs::write(md.join("cur").join(name), message(i)).unwrap();
    }
    let mut c = Raw::connect_tls(&s);
    c.line();
    c.send(b"a LOGIN alice secret\r\nb SELECT INBOX\r\n");
    assert!(
        c.until("a").last().unwrap().starts_with("a OK"),
        "{}",
        s.log()
    );
    assert!(c.until("b").last().unwrap().starts_with("b OK"));
    c.send(b"f FETCH 1:* BODY.PEEK[]\r\n");
    // The client reads nothing: the relay stops reading the session once its TLS output is
    // pending, and the session must then wait, not buffer the mailbox. Measured (debug):
    // relay 8 MiB, session 8 MiB; the session peaked at 88 MiB when it collected each
    // command's responses before writing (c50da0d).
    std::thread::sleep(Duration::from_millis(1500));
    let procs = descendants(s.child.id());
    assert!(procs.len() >= 2, "relay and session: {procs:?}");
    for p in procs {
        let hwm = vm_hwm_kib(p).unwrap_or(0);
        assert!(hwm < 32 * 1024, "process {p} peaked at {hwm} KiB");
    }
    // Then it reads everything, intact.
    for i in 0..COUNT {
        let head = c.line();
        assert_eq!(head, format!("* {} FETCH (BODY[] {{{SIZE}}}\r\n", i + 1));
        assert!(c.bytes(SIZE) == message(i), "message {} differs", i + 1);
        assert_eq!(c.line(), ")\r\n");
    }
    assert_eq!(c.line(), "f OK FETCH completed\r\n");
    c.send(b"z LOGOUT\r\n");
    c.until("z");
}
