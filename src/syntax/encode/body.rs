//! ENVELOPE and BODYSTRUCTURE (RFC 3501 §7.4.2 and §9 `envelope`, `body`).
//!
//! Every string here is an `nstring` or `string`: quoted or literal, never an atom.

use super::core::{write_list, write_num};
use super::string::{write_nstring, write_string, Sink};
use crate::syntax::types::{
    Address, BodyFields, BodyStructure, Disposition, Envelope, MultiPartExt, SinglePartExt,
    SinglePartSpecific,
};

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
/// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`.
pub(crate) fn write_envelope(out: &mut dyn Sink, env: &Envelope) {
    out.put(b"(");
    write_nstring(out, env.date.as_deref());
    out.put(b" ");
    write_nstring(out, env.subject.as_deref());
    for list in [
        &env.from,
        &env.sender,
        &env.reply_to,
        &env.to,
        &env.cc,
        &env.bcc,
    ] {
        out.put(b" ");
        write_addresses(out, list);
    }
    out.put(b" ");
    write_nstring(out, env.in_reply_to.as_deref());
    out.put(b" ");
    write_nstring(out, env.message_id.as_deref());
    out.put(b")");
}

/// `env-from = "(" 1*address ")" / nil` (and the other address lists): empty is NIL.
/// Addresses follow each other without a separator.
fn write_addresses(out: &mut dyn Sink, list: &[Address]) {
    if list.is_empty() {
        return out.put(b"NIL");
    }
    out.put(b"(");
    for a in list {
        write_address(out, a);
    }
    out.put(b")");
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`. Group start and
/// end markers (§7.4.2) are ordinary addresses with NIL fields.
fn write_address(out: &mut dyn Sink, a: &Address) {
    let fields = [&a.name, &a.adl, &a.mailbox, &a.host];
    write_list(out, &fields, |out, f| write_nstring(out, f.as_deref()));
}

/// `body = "(" (body-type-1part / body-type-mpart) ")"`. With `extensible` false (the
/// `BODY` fetch item) extension data is left out, as §9 `body-ext-1part` requires.
pub(crate) fn write_body(out: &mut dyn Sink, body: &BodyStructure, extensible: bool) {
    out.put(b"(");
    match body {
        BodyStructure::Single {
            fields,
            specific,
            ext,
        } => {
            write_body_fields(out, fields);
            match specific {
                SinglePartSpecific::Basic => {}
                SinglePartSpecific::Text { lines } => {
                    out.put(b" ");
                    write_num(out, *lines);
                }
                SinglePartSpecific::Message {
                    envelope,
                    body,
                    lines,
                } => {
                    out.put(b" ");
                    write_envelope(out, envelope);
                    out.put(b" ");
                    write_body(out, body, extensible);
                    out.put(b" ");
                    write_num(out, *lines);
                }
            }
            if let (true, Some(ext)) = (extensible, ext) {
                out.put(b" ");
                write_ext_1part(out, ext);
            }
        }
        BodyStructure::Multi {
            parts,
            subtype,
            ext,
        } => {
            // `1*body SP media-subtype`: parts are not separated.
            for part in parts {
                write_body(out, part, extensible);
            }
            out.put(b" ");
            write_string(out, subtype);
            if let (true, Some(ext)) = (extensible, ext) {
                out.put(b" ");
                write_ext_mpart(out, ext);
            }
        }
    }
    out.put(b")");
}

/// The media type (`media-basic` / `media-text` / `media-message`) and `body-fields =
/// body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets`.
fn write_body_fields(out: &mut dyn Sink, f: &BodyFields) {
    write_string(out, &f.media_type);
    out.put(b" ");
    write_string(out, &f.subtype);
    out.put(b" ");
    write_params(out, &f.params);
    out.put(b" ");
    write_nstring(out, f.id.as_deref());
    out.put(b" ");
    write_nstring(out, f.description.as_deref());
    out.put(b" ");
    write_string(out, &f.encoding);
    out.put(b" ");
    write_num(out, f.octets);
}

/// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`: empty is NIL.
fn write_params(out: &mut dyn Sink, params: &[(Vec<u8>, Vec<u8>)]) {
    if params.is_empty() {
        return out.put(b"NIL");
    }
    write_list(out, params, |out, (k, v)| {
        write_string(out, k);
        out.put(b" ");
        write_string(out, v);
    });
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`.
fn write_disposition(out: &mut dyn Sink, d: Option<&Disposition>) {
    let Some(d) = d else {
        return out.put(b"NIL");
    };
    out.put(b"(");
    write_string(out, &d.kind);
    out.put(b" ");
    write_params(out, &d.params);
    out.put(b")");
}

/// `body-fld-lang = nstring / "(" string *(SP string) ")"`: none is NIL, one a string,
/// more a list.
fn write_language(out: &mut dyn Sink, langs: &[Vec<u8>]) {
    match langs {
        [] => out.put(b"NIL"),
        [one] => write_string(out, one),
        many => write_list(out, many, |out, l| write_string(out, l)),
    }
}

/// `SP body-fld-dsp SP body-fld-lang SP body-fld-loc`: the tail both extension kinds share.
fn write_ext_tail(
    out: &mut dyn Sink,
    dsp: Option<&Disposition>,
    lang: &[Vec<u8>],
    loc: Option<&[u8]>,
) {
    out.put(b" ");
    write_disposition(out, dsp);
    out.put(b" ");
    write_language(out, lang);
    out.put(b" ");
    write_nstring(out, loc);
}

/// `body-ext-1part`: imapd writes all four fields, md5 dsp lang loc.
fn write_ext_1part(out: &mut dyn Sink, ext: &SinglePartExt) {
    write_nstring(out, ext.md5.as_deref());
    write_ext_tail(
        out,
        ext.disposition.as_ref(),
        &ext.language,
        ext.location.as_deref(),
    );
}

/// `body-ext-mpart`: params dsp lang loc.
fn write_ext_mpart(out: &mut dyn Sink, ext: &MultiPartExt) {
    write_params(out, &ext.params);
    write_ext_tail(
        out,
        ext.disposition.as_ref(),
        &ext.language,
        ext.location.as_deref(),
    );
}
