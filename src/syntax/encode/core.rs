//! Writers for the small shared values of RFC 3501 §9: sequence sets, flags, dates.

use super::string::Sink;
use crate::syntax::types::{Date, DateTime, Flag, FlagPerm, SeqNo, SequenceSet};

/// Writes a number in decimal (`number`, `nz-number`, `number64`).
pub(crate) fn write_num(out: &mut dyn Sink, n: impl Into<u64>) {
    // (digits from the right into a buffer on the stack: a FETCH of every message writes
    // several numbers per message, and `to_string` would allocate each)
    let mut n: u64 = n.into();
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put(&buf[at..]);
}

/// `seq-number = nz-number / "*"`.
fn write_seq_no(out: &mut dyn Sink, n: SeqNo) {
    match n {
        SeqNo::Value(v) => write_num(out, v.get()),
        SeqNo::Largest => out.put(b"*"),
    }
}

/// `sequence-set` (RFC 3501 §9) as `1:3,5,*`, or `$` (RFC 5182 §2.1). A range with equal
/// ends is written as one number.
pub(crate) fn write_sequence_set(out: &mut dyn Sink, set: &SequenceSet) {
    let ranges = match set {
        SequenceSet::Saved => return out.put(b"$"),
        SequenceSet::Ranges(ranges) => ranges,
    };
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        write_seq_no(out, r.start);
        if r.end != r.start {
            out.put(b":");
            write_seq_no(out, r.end);
        }
    }
}

/// `flag` / `flag-fetch` (§9): `\Seen`, `\Foo`, `$Label`.
pub(crate) fn write_flag(out: &mut dyn Sink, flag: &Flag) {
    out.put(flag.to_string().as_bytes());
}

/// `flag-list = "(" [flag *(SP flag)] ")"` (§9).
pub(crate) fn write_flag_list(out: &mut dyn Sink, flags: &[Flag]) {
    write_list(out, flags, write_flag);
}

/// `flag-perm = flag / "\*"` (§9).
pub(crate) fn write_flag_perm(out: &mut dyn Sink, flag: &FlagPerm) {
    match flag {
        FlagPerm::Flag(f) => write_flag(out, f),
        FlagPerm::Asterisk => out.put(b"\\*"),
    }
}

/// `date-text` (§9): `1-Feb-1994` (search keys).
pub(crate) fn write_date(out: &mut dyn Sink, date: &Date) {
    out.put(date.to_string().as_bytes());
}

/// `date-time` (§9): `"17-Jul-1996 02:44:25 -0700"`, a one-digit day zero-padded.
pub(crate) fn write_date_time(out: &mut dyn Sink, dt: &DateTime) {
    out.put(b"\"");
    out.put(dt.to_string().as_bytes());
    out.put(b"\"");
}

/// Writes items separated by SP (the `*(SP x)` of the ABNF).
pub(crate) fn write_spaced<T>(
    out: &mut dyn Sink,
    items: &[T],
    mut f: impl FnMut(&mut dyn Sink, &T),
) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.put(b" ");
        }
        f(out, item);
    }
}

/// Writes `"(" [x *(SP x)] ")"`.
pub(crate) fn write_list<T>(out: &mut dyn Sink, items: &[T], f: impl FnMut(&mut dyn Sink, &T)) {
    out.put(b"(");
    write_spaced(out, items, f);
    out.put(b")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX - 1, u64::MAX] {
            let mut out = Vec::new();
            write_num(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes(), "{n}");
        }
    }
}
