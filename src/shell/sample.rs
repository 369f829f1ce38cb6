//! `imapd --sample DIR`: writes a deterministic sample Maildir for client developers and
//! newcomers — the same bytes, names and times on every run (fixed dates, fixed unique
//! names, fixed UIDVALIDITY), so a client's cache or a test's expectations stay valid.
//!
//! Contents: Maildir++ folders `INBOX.Sent`, `Drafts`, `Trash`, `Archive`, `Archive.2023`,
//! `Lists`, `Lists.rust-users` and `Reçus` (non-ASCII name); about forty messages: plain
//! text, quoted-printable and base64 bodies, `multipart/alternative`, attachments (PDF, PNG
//! with an RFC 2231 non-ASCII file name), a forwarded `message/rfc822`, RFC 2047 encoded
//! names and subjects, an ISO-8859-1 body, `text/calendar`, a group address, threads (one
//! branching, on a mailing list) across INBOX and Sent; system flags and keywords
//! (`$Forwarded`, `$Label1`, `$Junk`, `work`); three unseen messages waiting in `new/`.
//! Message files use LF line ends and Courier's file formats (`courierimapuiddb`,
//! `courierimapkeywords/:list`, `courierimapsubscribed`), as the store writes them.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// 2024-03-01 09:00:00 UTC: the first message's date.
const BASE: u64 = 1_709_283_600;
/// UIDVALIDITY of the first folder; each further folder adds one.
const UIDVALIDITY: u32 = 709_283_600;

const SAM: &str = "Sam Sample <sam@example.com>";
const ALICE: &str = "Alice Martin <alice@example.org>";
const CHLOE: &str = "=?UTF-8?Q?Chlo=C3=A9_Dubois?= <chloe@example.fr>";
const LIST: &str = "rust-users@lists.example.org";

/// One message to write.
struct Msg {
    folder: &'static str,
    /// Waiting in `new/` (never seen by a client).
    new: bool,
    /// Maildir flag letters (D F R S T).
    flags: &'static str,
    keywords: &'static [&'static str],
    data: Vec<u8>,
}

/// The folders, in UIDVALIDITY order ("" is INBOX).
const FOLDERS: &[&str] = &[
    "",
    "Sent",
    "Drafts",
    "Trash",
    "Archive",
    "Archive.2023",
    "Lists",
    "Lists.rust-users",
    "Reçus",
];

/// Base64 (RFC 2045 §6.8), in lines of 76 characters.
fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push('\n');
        }
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An RFC 2047 `B` encoded word for UTF-8 text.
fn word(text: &str) -> String {
    format!("=?UTF-8?B?{}?=", base64(text.as_bytes()))
}

/// RFC 5322 date of message `n` (seconds after [`BASE`]), always `+0000`.
fn date(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        WD[(days % 7) as usize],
        d,
        MON[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Builds the messages; `n` numbers them, which fixes dates and Message-IDs.
struct Builder {
    n: u64,
    msgs: Vec<Msg>,
}

/// Headers and body of one message before its date and Message-ID are fixed.
struct Draft<'a> {
    from: &'a str,
    to: &'a str,
    subject: &'a str,
    /// Message numbers this replies to, oldest first (References; the last is In-Reply-To).
    refs: &'a [u64],
    extra: &'a str,
    /// Content headers + blank line + body, or just the body (then text/plain UTF-8).
    body: Vec<u8>,
    mime: bool,
}

impl Builder {
    fn secs(n: u64) -> u64 {
        BASE + n * 25_931
    }

    fn id(n: u64) -> String {
        format!("<sample.{n}@example.com>")
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        folder: &'static str,
        new: bool,
        flags: &'static str,
        keywords: &'static [&'static str],
        d: Draft<'_>,
    ) -> u64 {
        self.n += 1;
        let n = self.n;
        let mut h = String::new();
        let _ = writeln!(h, "Return-Path: <{}>", addr(d.from));
        let _ = writeln!(h, "Date: {}", date(Self::secs(n)));
        let _ = writeln!(h, "From: {}", d.from);
        if !d.to.is_empty() {
            let _ = writeln!(h, "To: {}", d.to);
        }
        if !d.subject.is_empty() {
            let _ = writeln!(h, "Subject: {}", d.subject);
        }
        let _ = writeln!(h, "Message-ID: {}", Self::id(n));
        if let Some(last) = d.refs.last() {
            let _ = writeln!(h, "In-Reply-To: {}", Self::id(*last));
            let refs: Vec<String> = d.refs.iter().map(|r| Self::id(*r)).collect();
            let _ = writeln!(h, "References: {}", refs.join("\n "));
        }
        h.push_str(d.extra);
        h.push_str("MIME-Version: 1.0\n");
        if !d.mime {
            h.push_str(
                "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n",
            );
        }
        let mut data = h.into_bytes();
        data.extend_from_slice(&d.body);
        if !data.ends_with(b"\n") {
            data.push(b'\n');
        }
        self.msgs.push(Msg {
            folder,
            new,
            flags,
            keywords,
            data,
        });
        n
    }
}

fn addr(a: &str) -> &str {
    a.rsplit_once('<')
        .map_or(a, |(_, r)| r.trim_end_matches('>'))
}

fn text(s: &str) -> Draft<'static> {
    Draft {
        from: "",
        to: "",
        subject: "",
        refs: &[],
        extra: "",
        body: s.as_bytes().to_vec(),
        mime: false,
    }
}

fn mime(s: impl Into<Vec<u8>>) -> Draft<'static> {
    Draft {
        mime: true,
        body: s.into(),
        ..text("")
    }
}

/// A small valid-looking PDF and a 1×1 PNG, fixed bytes.
fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, 0x49, 0x44,
        0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0, 0x05, 0, 0x01, 0xff, 0x89,
        0x99, 0x3d, 0x1d, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}

/// Every message of the sample, in arrival order.
fn messages() -> Vec<Msg> {
    let mut b = Builder {
        n: 0,
        msgs: Vec::new(),
    };
    let bob = format!("{} <bob@example.net>", word("Bob Müller"));
    let li = format!("{} <lilei@example.cn>", word("李雷"));

    // Thread 1: "Maildir migration plan" across INBOX, Sent and Archive.
    let t1 = b.add("", false, "RS", &["work"], Draft {
        from: ALICE, to: SAM, subject: "Maildir migration plan",
        ..text("Hi Sam,\n\nCan we move the team's mail from mbox to Maildir next week?\nI drafted the steps:\n\n  1. freeze deliveries\n  2. convert with mb2md\n  3. point imapd at ~/Maildir\n\nAlice\n")
    });
    let t2 = b.add("Sent", false, "S", &[], Draft {
        from: SAM, to: ALICE, subject: "Re: Maildir migration plan", refs: &[t1],
        ..text("Alice,\n\n> Can we move the team's mail from mbox to Maildir next week?\n\nYes. Tuesday works for me.\n\nSam\n")
    });
    let bob_cc = format!("{ALICE}, {SAM}");
    let t3 = b.add(
        "",
        false,
        "S",
        &[],
        Draft {
            from: &bob,
            to: &bob_cc,
            subject: "Re: Maildir migration plan",
            refs: &[t1, t2],
            ..text("Tuesday is fine, but please keep the old mbox files for a month.\n\nBob\n")
        },
    );
    // Thread 2: lunch, with a non-ASCII sender.
    let l1 = b.add("", false, "S", &[], Draft {
        from: CHLOE, to: SAM, subject: &format!("{} vendredi ?", word("Déjeuner")),
        ..mime("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\nSalut Sam,\n\nOn d=C3=A9jeune ensemble vendredi =C3=A0 midi ? Il y a un nouveau caf=C3=\n=A9 pr=C3=A8s de la gare.\n\nChlo=C3=A9\n")
    });
    let l2 = b.add(
        "Sent",
        false,
        "S",
        &[],
        Draft {
            from: SAM,
            to: CHLOE,
            subject: &format!("Re: {} vendredi ?", word("Déjeuner")),
            refs: &[l1],
            ..text("Avec plaisir ! À vendredi.\n")
        },
    );
    b.add(
        "",
        false,
        "S",
        &[],
        Draft {
            from: CHLOE,
            to: SAM,
            subject: &format!("Re: {} vendredi ?", word("Déjeuner")),
            refs: &[l1, l2],
            ..text("Parfait, je réserve pour deux.\n")
        },
    );
    // A newsletter: multipart/alternative.
    b.add("", false, "", &["$Label1"], Draft {
        from: "Example Weekly <news@example.org>", to: SAM, subject: "This week: IDLE, NOTIFY and you",
        extra: "List-Unsubscribe: <mailto:unsubscribe@example.org>\n",
        ..mime("Content-Type: multipart/alternative; boundary=\"alt-1\"\n\nThis is a multi-part message in MIME format.\n\n--alt-1\nContent-Type: text/plain; charset=us-ascii\n\nIDLE lets a client hear about new mail at once (RFC 2177).\n\n--alt-1\nContent-Type: text/html; charset=us-ascii\n\n<html><body><h1>This week</h1><p><b>IDLE</b> lets a client hear about new mail at once (RFC 2177).</p></body></html>\n\n--alt-1--\n")
    });
    // An invoice with a PDF attachment, flagged.
    b.add("", false, "FS", &["work"], Draft {
        from: "Billing <billing@example.net>", to: SAM, subject: "Invoice 2024-0042",
        ..mime(format!("Content-Type: multipart/mixed; boundary=\"mix-1\"\n\n--mix-1\nContent-Type: text/plain; charset=us-ascii\n\nPlease find attached invoice 2024-0042.\n\n--mix-1\nContent-Type: application/pdf; name=\"invoice-2024-0042.pdf\"\nContent-Disposition: attachment; filename=\"invoice-2024-0042.pdf\"\nContent-Transfer-Encoding: base64\n\n{}\n--mix-1--\n", base64(&pdf())))
    });
    // A photo with an RFC 2231 non-ASCII file name.
    b.add("", false, "S", &[], Draft {
        from: &li, to: SAM, subject: &word("照片 from the trip"),
        ..mime(format!("Content-Type: multipart/mixed; boundary=\"mix-2\"\n\n--mix-2\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n这是上周的照片。\n\n--mix-2\nContent-Type: image/png\nContent-Disposition: attachment; filename*=UTF-8''%E7%85%A7%E7%89%87.png\nContent-Transfer-Encoding: base64\n\n{}\n--mix-2--\n", base64(&png())))
    });
    // A forwarded message (message/rfc822), marked $Forwarded in Sent.
    let fwd_inner = format!("Date: {}\nFrom: {ALICE}\nTo: {SAM}\nSubject: Server room access\nMessage-ID: <inner.1@example.org>\n\nThe server room code changes on Monday.\n", date(BASE - 86_400));
    b.add("Sent", false, "S", &["$Forwarded"], Draft {
        from: SAM, to: &bob, subject: "Fwd: Server room access",
        ..mime(format!("Content-Type: multipart/mixed; boundary=\"fwd-1\"\n\n--fwd-1\nContent-Type: text/plain; charset=us-ascii\n\nFYI, see below.\n\n--fwd-1\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n{fwd_inner}\n--fwd-1--\n"))
    });
    // ISO-8859-1 body (raw 8-bit, not UTF-8).
    let mut latin = b"Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\nR\xe9sum\xe9 des r\xe9unions : voir le compte rendu ci-joint. \xc0 bient\xf4t.\n".to_vec();
    latin.extend_from_slice(b"-- \nC. D.\n");
    b.add(
        "",
        false,
        "RS",
        &[],
        Draft {
            from: CHLOE,
            to: SAM,
            subject: "=?ISO-8859-1?Q?R=E9sum=E9_des_r=E9unions?=",
            ..mime(latin)
        },
    );
    // A calendar invitation.
    b.add("", false, "", &[], Draft {
        from: ALICE, to: SAM, subject: "Invitation: migration dry run",
        ..mime("Content-Type: text/calendar; charset=UTF-8; method=REQUEST\n\nBEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//example//sample//EN\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:dry-run@example.org\nDTSTART:20240305T140000Z\nDTEND:20240305T150000Z\nSUMMARY:Migration dry run\nEND:VEVENT\nEND:VCALENDAR\n")
    });
    // Junk with a group address and no body text worth reading.
    b.add(
        "",
        false,
        "",
        &["$Junk"],
        Draft {
            from: "Prize Desk <winner@prizes.example>",
            to: "undisclosed-recipients:;",
            subject: "You have WON!!!",
            extra: "X-Spam-Flag: YES\n",
            ..text("Claim your prize today.\n")
        },
    );
    // No subject, long folded header, base64 text body.
    b.add("", false, "S", &[], Draft {
        from: &bob, to: SAM, subject: "",
        extra: "X-Long-Header: this header is long enough that it was folded by the sender\n onto a second line and even\n\ta third one with a tab\n",
        ..mime(format!("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n{}\n", base64("Grüße aus München! Nothing else to say.\n".as_bytes())))
    });
    // A long plain message (a few KiB).
    let mut long = String::from("Notes from the storage meeting.\n\n");
    for i in 1..=60 {
        let _ = writeln!(
            long,
            "{i:02}. Maildir keeps one file per message; a rename changes flags."
        );
    }
    b.add(
        "Archive",
        false,
        "S",
        &[],
        Draft {
            from: ALICE,
            to: SAM,
            subject: "Storage meeting notes",
            ..text(&long)
        },
    );
    // Mailing list thread, branching: r1 <- r2 <- r3, r1 <- r4 <- r5.
    let list_to = LIST;
    let lh = "List-Id: Rust users <rust-users.lists.example.org>\nList-Post: <mailto:rust-users@lists.example.org>\n";
    let r1 = b.add(
        "Lists.rust-users",
        false,
        "S",
        &[],
        Draft {
            from: &bob,
            to: list_to,
            subject: "[rust-users] poll() or epoll for one socket?",
            extra: lh,
            ..text("For a process that serves one connection, is epoll worth it?\n")
        },
    );
    let r2 = b.add("Lists.rust-users", false, "S", &[], Draft {
        from: ALICE, to: list_to, subject: "Re: [rust-users] poll() or epoll for one socket?", refs: &[r1], extra: lh,
        ..text("> is epoll worth it?\n\nNo: with two or three descriptors poll() is simpler and just as fast.\n")
    });
    b.add(
        "Lists.rust-users",
        false,
        "",
        &[],
        Draft {
            from: &li,
            to: list_to,
            subject: "Re: [rust-users] poll() or epoll for one socket?",
            refs: &[r1, r2],
            extra: lh,
            ..text("Agreed. We measured no difference below a hundred descriptors.\n")
        },
    );
    let r4 = b.add(
        "Lists.rust-users",
        false,
        "S",
        &[],
        Draft {
            from: CHLOE,
            to: list_to,
            subject: "Re: [rust-users] poll() or epoll for one socket?",
            refs: &[r1],
            extra: lh,
            ..text("It depends on what else you watch: inotify descriptors count too.\n")
        },
    );
    b.add(
        "Lists.rust-users",
        false,
        "",
        &[],
        Draft {
            from: &bob,
            to: list_to,
            subject: "Re: [rust-users] poll() or epoll for one socket?",
            refs: &[r1, r4],
            extra: lh,
            ..text("Good point, thanks.\n")
        },
    );
    b.add(
        "Lists",
        false,
        "S",
        &[],
        Draft {
            from: "Mailing list robot <rust-users-owner@lists.example.org>",
            to: SAM,
            subject: "Welcome to rust-users",
            ..text("You are now subscribed to rust-users.\n")
        },
    );
    // Archive, including last year's.
    for (i, s) in ["Q3 report", "Q4 report", "Holiday schedule"]
        .iter()
        .enumerate()
    {
        let folder = if i < 2 { "Archive.2023" } else { "Archive" };
        b.add(
            folder,
            false,
            "S",
            &[],
            Draft {
                from: ALICE,
                to: SAM,
                subject: s,
                ..text(&format!("{s}: see the shared drive.\n"))
            },
        );
    }
    // Drafts and Trash.
    b.add(
        "Drafts",
        false,
        "DS",
        &[],
        Draft {
            from: SAM,
            to: &bob,
            subject: "Re: Maildir migration plan",
            refs: &[t1, t3],
            ..text("Bob, we will keep the mbox files until April.\n\n(unfinished)\n")
        },
    );
    b.add(
        "Drafts",
        false,
        "D",
        &[],
        Draft {
            from: SAM,
            to: "",
            subject: "Ideas",
            ..text("- try mbsync\n- try offlineimap\n")
        },
    );
    b.add(
        "Trash",
        false,
        "S",
        &[],
        Draft {
            from: "Shop <shop@example.net>",
            to: SAM,
            subject: "Your basket is waiting",
            ..text("Come back!\n")
        },
    );
    b.add(
        "Trash",
        false,
        "ST",
        &[],
        Draft {
            from: "Shop <shop@example.net>",
            to: SAM,
            subject: "Last chance",
            ..text("Really, come back!\n")
        },
    );
    // A non-ASCII folder name.
    b.add(
        "Reçus",
        false,
        "S",
        &[],
        Draft {
            from: "Boulangerie <caisse@example.fr>",
            to: SAM,
            subject: &word("Reçu n° 1187"),
            ..text("Deux croissants : 2,40 €\n")
        },
    );
    // More INBOX traffic so sequence sets have something to chew on.
    for (i, s) in [
        "Build #101 passed",
        "Build #102 failed",
        "Build #103 passed",
    ]
    .iter()
    .enumerate()
    {
        b.add(
            "",
            false,
            if i == 1 { "FS" } else { "S" },
            &[],
            Draft {
                from: "CI <ci@example.com>",
                to: SAM,
                subject: s,
                ..text(&format!(
                    "{s}.\nLog: https://ci.example.com/build/{}\n",
                    101 + i
                ))
            },
        );
    }
    // Unseen arrivals waiting in new/.
    b.add(
        "",
        true,
        "",
        &[],
        Draft {
            from: ALICE,
            to: SAM,
            subject: "Re: Maildir migration plan",
            refs: &[t1, t2, t3],
            ..text("Bob: yes, we keep them. Moving on Tuesday then.\n")
        },
    );
    b.add(
        "",
        true,
        "",
        &[],
        Draft {
            from: CHLOE,
            to: SAM,
            subject: "Photos du week-end",
            ..text("Je les mets sur le partage ce soir.\n")
        },
    );
    b.add(
        "",
        true,
        "",
        &[],
        Draft {
            from: "CI <ci@example.com>",
            to: SAM,
            subject: "Build #104 passed",
            ..text("Build #104 passed.\n")
        },
    );
    b.msgs
}

/// Writes a file and sets its mtime (INTERNALDATE, for message files).
fn write(path: &Path, data: &[u8], mtime: u64) -> io::Result<()> {
    fs::write(path, data)?;
    let f = fs::File::options().write(true).open(path)?;
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime))
}

/// Writes the sample Maildir into `dir`, which must not exist or be empty.
pub fn write_sample(dir: &Path) -> io::Result<usize> {
    if dir.exists() && fs::read_dir(dir)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not empty", dir.display()),
        ));
    }
    let msgs = messages();
    // The newest date; directories and bookkeeping files get it as their mtime.
    let end = Builder::secs(msgs.len() as u64 + 1);
    for (fi, folder) in FOLDERS.iter().enumerate() {
        let fdir = if folder.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(format!(".{folder}"))
        };
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(fdir.join(sub))?;
        }
        if !folder.is_empty() {
            write(&fdir.join("maildirfolder"), b"", end)?;
        }
        let mut uiddb = Vec::new();
        let mut kw_names: Vec<&str> = Vec::new();
        let mut kw_lines = String::new();
        let in_folder = msgs.iter().enumerate().filter(|(_, m)| m.folder == *folder);
        for (n, m) in in_folder {
            let secs = Builder::secs(n as u64 + 1) + 30;
            let crlf = m.data.len() + m.data.iter().filter(|&&c| c == b'\n').count();
            let base = format!(
                "{secs}.M{:06}P4242.sample,S={},W={crlf}",
                n + 1,
                m.data.len()
            );
            let path = if m.new {
                fdir.join("new").join(&base)
            } else {
                uiddb.push(base.clone());
                fdir.join("cur").join(format!("{base}:2,{}", m.flags))
            };
            write(&path, &m.data, secs)?;
            if !m.keywords.is_empty() {
                let idx: Vec<String> = m
                    .keywords
                    .iter()
                    .map(|k| {
                        let i = kw_names.iter().position(|x| x == k).unwrap_or_else(|| {
                            kw_names.push(k);
                            kw_names.len() - 1
                        });
                        i.to_string()
                    })
                    .collect();
                let _ = writeln!(kw_lines, "{base}:{}", idx.join(" "));
            }
        }
        // courierimapuiddb: version 1, UIDVALIDITY, next UID, then UID and base name.
        let mut db = format!("1 {} {}\n", UIDVALIDITY + fi as u32, uiddb.len() + 1);
        for (i, base) in uiddb.iter().enumerate() {
            let _ = writeln!(db, "{} {base}", i + 1);
        }
        write(&fdir.join("courierimapuiddb"), db.as_bytes(), end)?;
        let kdir = fdir.join("courierimapkeywords");
        fs::create_dir_all(&kdir)?;
        if !kw_names.is_empty() {
            let list = format!("{}\n\n{kw_lines}", kw_names.join("\n"));
            write(&kdir.join(":list"), list.as_bytes(), end)?;
        }
    }
    let subscribed: Vec<String> = FOLDERS
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| format!("INBOX.{f}\n"))
        .collect();
    write(
        &dir.join("courierimapsubscribed"),
        subscribed.concat().as_bytes(),
        end,
    )?;
    Ok(msgs.len())
}

/// `imapd --sample DIR`.
pub fn run(dir: &Path) -> ExitCode {
    match write_sample(dir) {
        Ok(n) => {
            eprintln!(
                "imapd: wrote a sample Maildir with {n} messages in {} folders to {}",
                FOLDERS.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("imapd: --sample {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_base64_are_right() {
        assert_eq!(date(BASE), "Fri, 01 Mar 2024 09:00:00 +0000");
        assert_eq!(date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }
}
