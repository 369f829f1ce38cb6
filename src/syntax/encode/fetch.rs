//! FETCH items in both directions: attributes a client asks for (RFC 3501 §6.4.5 `fetch-att`,
//! RFC 3516 §4.2) and the `msg-att` values a server answers with (§7.4.2).

use super::body::{write_body, write_envelope};
use super::core::{write_date_time, write_flag, write_list, write_num};
use super::framing::is_one_list;
use super::string::{write_astring, write_body_data, write_nstring8, Sink};
use crate::syntax::types::{
    EncodedItem, FetchAtt, FetchItems, FetchValue, Partial, Section, SectionText,
};

/// `section = "[" [section-spec] "]"`, `section-spec = section-msgtext / (section-part
/// ["." section-text])`.
pub(crate) fn write_section(out: &mut dyn Sink, section: &Section) {
    out.put(b"[");
    write_part(out, &section.part);
    if let Some(text) = &section.text {
        if !section.part.is_empty() {
            out.put(b".");
        }
        match text {
            SectionText::Header => out.put(b"HEADER"),
            SectionText::HeaderFields(names) => {
                out.put(b"HEADER.FIELDS ");
                write_list(out, names, |out, n| write_astring(out, n));
            }
            SectionText::HeaderFieldsNot(names) => {
                out.put(b"HEADER.FIELDS.NOT ");
                write_list(out, names, |out, n| write_astring(out, n));
            }
            SectionText::Text => out.put(b"TEXT"),
            SectionText::Mime => out.put(b"MIME"),
        }
    }
    out.put(b"]");
}

/// `section-part = nz-number *("." nz-number)` (may be empty: the whole message).
fn write_part(out: &mut dyn Sink, part: &[u32]) {
    for (i, n) in part.iter().enumerate() {
        if i > 0 {
            out.put(b".");
        }
        write_num(out, *n);
    }
}

/// `section-binary = "[" [section-part] "]"` (RFC 3516 §4.2).
fn write_section_binary(out: &mut dyn Sink, part: &[u32]) {
    out.put(b"[");
    write_part(out, part);
    out.put(b"]");
}

/// `"<" number "." nz-number ">"` (§6.4.5 `fetch-att`).
fn write_partial(out: &mut dyn Sink, partial: Option<&Partial>) {
    if let Some(p) = partial {
        out.put(b"<");
        write_num(out, p.origin);
        out.put(b".");
        write_num(out, p.count);
        out.put(b">");
    }
}

/// `"<" number ">"`: the origin of a partial answer (§7.4.2 `BODY[<section>]<<origin>>`).
fn write_origin(out: &mut dyn Sink, origin: Option<u32>) {
    if let Some(o) = origin {
        out.put(b"<");
        write_num(out, o);
        out.put(b">");
    }
}

/// The argument of FETCH: `"ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP
/// fetch-att) ")"`. A list of one attribute is written without parentheses.
pub(crate) fn write_fetch_items(out: &mut dyn Sink, items: &FetchItems) {
    match items {
        FetchItems::All => out.put(b"ALL"),
        FetchItems::Fast => out.put(b"FAST"),
        FetchItems::Full => out.put(b"FULL"),
        FetchItems::List(atts) if atts.len() == 1 => write_fetch_att(out, &atts[0]),
        FetchItems::List(atts) => write_list(out, atts, write_fetch_att),
    }
}

/// `fetch-att` (RFC 3501 §9, RFC 3516 §4.2).
fn write_fetch_att(out: &mut dyn Sink, att: &FetchAtt) {
    match att {
        FetchAtt::Envelope => out.put(b"ENVELOPE"),
        FetchAtt::Flags => out.put(b"FLAGS"),
        FetchAtt::InternalDate => out.put(b"INTERNALDATE"),
        FetchAtt::Rfc822 => out.put(b"RFC822"),
        FetchAtt::Rfc822Header => out.put(b"RFC822.HEADER"),
        FetchAtt::Rfc822Size => out.put(b"RFC822.SIZE"),
        FetchAtt::Rfc822Text => out.put(b"RFC822.TEXT"),
        FetchAtt::Body => out.put(b"BODY"),
        FetchAtt::BodyStructure => out.put(b"BODYSTRUCTURE"),
        FetchAtt::Uid => out.put(b"UID"),
        FetchAtt::BodySection {
            peek,
            section,
            partial,
        } => {
            out.put(if *peek { b"BODY.PEEK" } else { b"BODY" });
            write_section(out, section);
            write_partial(out, partial.as_ref());
        }
        FetchAtt::Binary {
            peek,
            part,
            partial,
        } => {
            out.put(if *peek { b"BINARY.PEEK" } else { b"BINARY" });
            write_section_binary(out, part);
            write_partial(out, partial.as_ref());
        }
        FetchAtt::BinarySize { part } => {
            out.put(b"BINARY.SIZE");
            write_section_binary(out, part);
        }
    }
}

/// `msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP ...) ")"` (§9), items in order.
pub(crate) fn write_msg_att(out: &mut dyn Sink, items: &[FetchValue]) {
    write_list(out, items, write_fetch_value);
}

/// One `msg-att-dynamic` / `msg-att-static` item (§7.4.2, RFC 3516 §4.2).
fn write_fetch_value(out: &mut dyn Sink, value: &FetchValue) {
    match value {
        FetchValue::Flags(flags) => {
            out.put(b"FLAGS ");
            write_list(out, flags, write_flag);
        }
        FetchValue::Uid(uid) => {
            out.put(b"UID ");
            write_num(out, *uid);
        }
        FetchValue::InternalDate(dt) => {
            out.put(b"INTERNALDATE ");
            write_date_time(out, dt);
        }
        FetchValue::Rfc822Size(n) => {
            out.put(b"RFC822.SIZE ");
            write_num(out, *n);
        }
        FetchValue::Envelope(env) => {
            out.put(b"ENVELOPE ");
            write_envelope(out, env);
        }
        FetchValue::Body(body) => {
            out.put(b"BODY ");
            write_body(out, body, false);
        }
        FetchValue::BodyStructure(body) => {
            out.put(b"BODYSTRUCTURE ");
            write_body(out, body, true);
        }
        FetchValue::Encoded { item, text } => {
            debug_assert!(is_one_list(text), "checked when read back");
            out.put(match item {
                EncodedItem::Envelope => b"ENVELOPE ",
                EncodedItem::Body => b"BODY ",
                EncodedItem::BodyStructure => b"BODYSTRUCTURE ",
            });
            out.put(text);
        }
        FetchValue::BodySection {
            section,
            origin,
            data,
        } => {
            out.put(b"BODY");
            write_section(out, section);
            write_origin(out, *origin);
            out.put(b" ");
            write_body_data(out, data.as_deref());
        }
        FetchValue::Rfc822(data) => write_named_nstring(out, b"RFC822 ", data),
        FetchValue::Rfc822Header(data) => write_named_nstring(out, b"RFC822.HEADER ", data),
        FetchValue::Rfc822Text(data) => write_named_nstring(out, b"RFC822.TEXT ", data),
        FetchValue::Binary { part, origin, data } => {
            // §4.2 shows `BINARY<section-binary>[<<number>>]`; the ABNF omits the origin.
            out.put(b"BINARY");
            write_section_binary(out, part);
            write_origin(out, *origin);
            out.put(b" ");
            write_nstring8(out, data.as_deref());
        }
        FetchValue::BinarySize { part, size } => {
            out.put(b"BINARY.SIZE");
            write_section_binary(out, part);
            out.put(b" ");
            write_num(out, *size);
        }
    }
}

/// `name SP nstring`.
fn write_named_nstring(out: &mut dyn Sink, name: &[u8], data: &Option<Vec<u8>>) {
    out.put(name);
    write_body_data(out, data.as_deref());
}
