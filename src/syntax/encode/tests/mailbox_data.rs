//! Exact bytes for mailbox data (RFC 3501 §7.2–7.3) and the extensions' responses
//! (RFC 5258, RFC 4731, RFC 5256, RFC 2342, RFC 2971, RFC 5161, RFC 2087).

use super::*;
use crate::syntax::types::*;

// --- Mailbox data (§7.2, §7.3) --------------------------------------------------------

#[test]
fn capability_flags_exists_recent_expunge_search() {
    let caps = ["IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"]
        .map(atom)
        .to_vec();
    assert_wire(
        Data::Capability(caps),
        b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n",
    );
    let flags = vec![
        Flag::Answered,
        Flag::Flagged,
        Flag::Deleted,
        Flag::Seen,
        Flag::Draft,
    ];
    assert_wire(
        Data::Flags(flags),
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
    );
    assert_wire(Data::Exists(18), b"* 18 EXISTS\r\n");
    assert_wire(Data::Recent(2), b"* 2 RECENT\r\n");
    assert_wire(Data::Expunge(44), b"* 44 EXPUNGE\r\n");
    assert_wire(Data::Search(vec![2, 84, 882]), b"* SEARCH 2 84 882\r\n");
    assert_wire(Data::Search(vec![]), b"* SEARCH\r\n");
    assert_wire(Data::Sort(vec![2, 84, 882]), b"* SORT 2 84 882\r\n");
}

fn list(attrs: &[&str], delimiter: Option<char>, name: &[u8]) -> ListData {
    ListData {
        attributes: attrs.iter().map(|a| a.to_string()).collect(),
        delimiter,
        mailbox: Mailbox::new(name),
        child_info: vec![],
        old_name: None,
    }
}

#[test]
fn list_names_take_the_shortest_form() {
    assert_wire(
        Data::List(list(&["\\Noselect"], Some('/'), b"")),
        b"* LIST (\\Noselect) \"/\" \"\"\r\n",
    );
    assert_wire(
        Data::List(list(&[], Some('.'), b"inbox")),
        b"* LIST () \".\" INBOX\r\n",
    );
    assert_wire(
        Data::List(list(&["\\HasNoChildren"], Some('.'), b"INBOX.Sent Items")),
        b"* LIST (\\HasNoChildren) \".\" \"INBOX.Sent Items\"\r\n",
    );
    assert_wire(
        Data::Lsub(list(&[], None, b"Nil")),
        b"* LSUB () NIL \"Nil\"\r\n",
    );
    assert_wire(
        Data::List(list(&[], Some('\\'), b"a\"b")),
        b"* LIST () \"\\\\\" {3}\r\na\"b\r\n",
    );
    assert_wire(
        Data::List(list(&[], Some('"'), "Entw\u{fc}rfe".as_bytes())),
        b"* LIST () \"\\\"\" {9}\r\nEntw\xc3\xbcrfe\r\n",
    );
    // Attributes that are not `\atom` cannot be written and are dropped.
    assert_wire(
        Data::List(list(&["Noselect", "\\Marked"], Some('/'), b"foo")),
        b"* LIST (\\Marked) \"/\" foo\r\n",
    );
}

#[test]
fn list_extended_items() {
    // RFC 5258 §5 example 9.
    let mut l = list(&[], Some('/'), b"Foo");
    l.child_info = vec!["SUBSCRIBED".into()];
    assert_wire(
        Data::List(l.clone()),
        b"* LIST () \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
    );
    l.old_name = Some(Mailbox::new(b"Bar".to_vec()));
    assert_wire(
        Data::List(l),
        b"* LIST () \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\") \"OLDNAME\" (Bar))\r\n",
    );
}

#[test]
fn status_data() {
    let r = Data::Status {
        mailbox: Mailbox::new(b"blurdybloop".to_vec()),
        items: vec![(StatusAtt::Messages, 231), (StatusAtt::UidNext, 44292)],
    };
    assert_wire(r, b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n");
}

#[test]
fn esearch() {
    // RFC 4731 §3.1 examples.
    let es = |t: &str, uid, items| Data::ESearch {
        tag: Some(tag(t)),
        uid,
        items,
    };
    assert_wire(
        es(
            "A282",
            false,
            vec![ESearchItem::Min(2), ESearchItem::Count(3)],
        ),
        b"* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n",
    );
    assert_wire(
        es(
            "A283",
            false,
            vec![ESearchItem::All(set(&[(2, 2), (10, 11)]))],
        ),
        b"* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n",
    );
    assert_wire(
        es(
            "A285",
            true,
            vec![ESearchItem::Min(7), ESearchItem::Max(3800)],
        ),
        b"* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n",
    );
    let bare = Data::ESearch {
        tag: None,
        uid: false,
        items: vec![],
    };
    assert_wire(bare, b"* ESEARCH\r\n");
}

fn node(m: u32, children: Vec<ThreadNode>) -> ThreadNode {
    ThreadNode {
        message: Some(m),
        children,
    }
}

fn dummy(children: Vec<ThreadNode>) -> ThreadNode {
    ThreadNode {
        message: None,
        children,
    }
}

#[test]
fn thread_rfc5256_examples() {
    // RFC 5256 §4: `(2)(3 6 (4 23)(44 7 96))`.
    let threads = vec![
        node(2, vec![]),
        node(
            3,
            vec![node(
                6,
                vec![
                    node(4, vec![node(23, vec![])]),
                    node(44, vec![node(7, vec![node(96, vec![])])]),
                ],
            )],
        ),
    ];
    assert_wire(
        Data::Thread(threads),
        b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n",
    );
    // `((3)(5))`: siblings under a parent that is not there.
    let threads = vec![dummy(vec![node(3, vec![]), node(5, vec![])])];
    assert_wire(Data::Thread(threads), b"* THREAD ((3)(5))\r\n");
    assert_wire(Data::Thread(vec![]), b"* THREAD\r\n");
}

#[test]
fn thread_dummies_are_pruned() {
    // A dummy with one child is that child; a dummy with none is nothing.
    let threads = vec![
        dummy(vec![]),
        dummy(vec![node(1, vec![dummy(vec![node(2, vec![])])])]),
        node(3, vec![dummy(vec![]), node(4, vec![])]),
    ];
    assert_wire(Data::Thread(threads), b"* THREAD (1 2)(3 4)\r\n");
}

#[test]
fn namespace_id_enabled_quota() {
    // RFC 2342 §5 example 5.1, with Courier's `INBOX.`.
    let ns = |p: &str, d| {
        Some(vec![NamespaceDesc {
            prefix: p.as_bytes().to_vec(),
            delimiter: d,
        }])
    };
    let r = Data::Namespace {
        personal: ns("INBOX.", Some('.')),
        other: None,
        shared: Some(vec![]),
    };
    assert_wire(r, b"* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n");
    let r = Data::Namespace {
        personal: ns("", Some('\\')),
        other: ns("~", None),
        shared: None,
    };
    assert_wire(r, b"* NAMESPACE ((\"\" \"\\\\\")) ((\"~\" NIL)) NIL\r\n");
    // RFC 2971 §3.3.
    let id = vec![
        (b"name".to_vec(), s("Cyrus")),
        (b"version".to_vec(), s("1.5")),
        (
            b"support-url".to_vec(),
            s("mailto:cyrus-bugs+@andrew.cmu.edu"),
        ),
        (b"date".to_vec(), None),
    ];
    assert_wire(
        Data::Id(Some(id)),
        b"* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"support-url\" \"mailto:cyrus-bugs+@andrew.cmu.edu\" \"date\" NIL)\r\n",
    );
    assert_wire(Data::Id(None), b"* ID NIL\r\n");
    // RFC 5161 §3.2.
    assert_wire(
        Data::Enabled(vec![atom("X-GOOD-IDEA")]),
        b"* ENABLED X-GOOD-IDEA\r\n",
    );
    assert_wire(Data::Enabled(vec![]), b"* ENABLED\r\n");
    // RFC 2087 §5.
    let r = Data::Quota {
        root: Vec::new(),
        resources: vec![(atom("STORAGE"), 10, 512)],
    };
    assert_wire(r, b"* QUOTA \"\" (STORAGE 10 512)\r\n");
    let r = Data::QuotaRoot {
        mailbox: Mailbox::new(b"INBOX".to_vec()),
        roots: vec![Vec::new()],
    };
    assert_wire(r, b"* QUOTAROOT INBOX \"\"\r\n");
}
