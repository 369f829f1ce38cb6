//! `Date:` header parsing (RFC 5322 §3.3, with the obsolete forms of §4.3) for SENTBEFORE /
//! SENTON / SENTSINCE (RFC 3501 §6.4.4: the date as written, "disregarding time and
//! timezone") and SORT DATE (RFC 5256 §3: the instant, in UTC).

use crate::syntax::types::Date;

/// A parsed Date: header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentDate {
    /// The calendar date as written (local to the sender).
    pub date: Date,
    /// Seconds since 1970-01-01T00:00:00Z.
    pub timestamp: i64,
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil` algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn month(word: &str) -> Option<u8> {
    let w = word.get(..3)?.to_ascii_lowercase();
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    M.iter().position(|m| *m == w).map(|i| i as u8 + 1)
}

/// Zone offset in minutes east of UTC: `+hhmm`/`-hhmm` or an obsolete name (§4.3);
/// unknown names (military zones are unreliable, §4.3) count as UTC.
fn zone(word: &str) -> i64 {
    let sign = match word.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => {
            return match word.to_ascii_uppercase().as_str() {
                "EDT" => -4 * 60,
                "EST" | "CDT" => -5 * 60,
                "CST" | "MDT" => -6 * 60,
                "MST" | "PDT" => -7 * 60,
                "PST" => -8 * 60,
                _ => 0,
            }
        }
    };
    let digits = &word[1..];
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let n: i64 = digits.parse().unwrap_or(0);
    sign * (n / 100 * 60 + n % 100)
}

/// Parses a Date: value; `None` if no day, month and year can be found.
pub fn parse(raw: &[u8]) -> Option<SentDate> {
    let text = String::from_utf8_lossy(raw);
    // drop comments, split on whitespace and commas
    let mut clean = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            ',' => clean.push(' '),
            c => clean.push(c),
        }
    }
    let mut words = clean.split_whitespace().peekable();
    // optional day-of-week
    if words
        .peek()
        .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
    {
        words.next();
    }
    let day: u8 = words.next()?.parse().ok()?;
    let mon = month(words.next()?)?;
    let year_word = words.next()?;
    let mut year: u16 = year_word.parse().ok()?;
    // obs-year (RFC 5322 §4.3): two digits < 50 are 20xx, other two or three digits + 1900
    if year_word.len() < 4 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let date = Date::new(year, mon, day).ok()?;
    let (mut h, mut m, mut s) = (0i64, 0i64, 0i64);
    let mut off = 0;
    if let Some(time) = words.next() {
        let mut t = time
            .split(':')
            .map(|x| x.parse::<i64>().ok().filter(|v| (0..100).contains(v)));
        h = t.next().flatten().unwrap_or(0);
        m = t.next().flatten().unwrap_or(0);
        s = t.next().flatten().unwrap_or(0);
        off = words.next().map_or(0, zone);
    }
    let days = days_from_civil(year.into(), mon.into(), day.into());
    Some(SentDate {
        date,
        timestamp: days * 86_400 + h * 3600 + m * 60 + s - off * 60,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = parse(b"Fri, 21 Nov 1997 09:55:06 -0600").unwrap();
        assert_eq!(d.date, Date::new(1997, 11, 21).unwrap());
        assert_eq!(d.timestamp, 880_127_706);
        let d = parse(b"1 Jan 70 00:00 +0000 (UTC)").unwrap();
        assert_eq!(d.date, Date::new(1970, 1, 1).unwrap());
        assert_eq!(d.timestamp, 0);
        assert_eq!(parse(b"21 Nov 97 09:55:06 GMT").unwrap().date.year, 1997);
        assert!(parse(b"yesterday").is_none());
        assert_eq!(
            parse(b"1 Jan 2000 99999999999999999:1:1 +9999")
                .unwrap()
                .date
                .day,
            1
        );
        assert!(parse(b"31 Feb 2020").is_none());
    }
}
