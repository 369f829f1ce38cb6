//! INTERNALDATE ↔ file modification time.
//!
//! Maildir keeps no arrival date except the file's mtime, which is what Courier reports as
//! INTERNALDATE. We report it in UTC (`+0000`): the process needs no time zone database and
//! the instant is exact; RFC 3501 §2.3.3 lets the server choose the zone. APPEND's date is
//! stored as the mtime, so its instant (not its zone) survives.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::syntax::types::{Date, DateTime};

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (civil calendar
/// arithmetic on 400-year eras of 146 097 days).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01 (inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A UTC [`DateTime`] for seconds since the epoch (clamped to years 1970..=9999).
pub fn from_unix(secs: i64) -> DateTime {
    let secs = secs.clamp(0, 253_402_300_799);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let date = Date::new(y as u16, m, d).expect("civil_from_days yields valid dates");
    DateTime::new(
        date,
        (rem / 3600) as u8,
        (rem / 60 % 60) as u8,
        (rem % 60) as u8,
        0,
    )
    .expect("in range")
}

/// Seconds since the epoch for a [`DateTime`] (its zone applied).
pub fn to_unix(dt: &DateTime) -> i64 {
    let days = days_from_civil(i64::from(dt.date.year), dt.date.month, dt.date.day);
    days * 86_400 + i64::from(dt.hour) * 3600 + i64::from(dt.minute) * 60 + i64::from(dt.second)
        - i64::from(dt.zone_minutes) * 60
}

/// The mtime to give a file for INTERNALDATE `dt` (times before 1970 become the epoch).
pub fn to_system_time(dt: &DateTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(to_unix(dt).max(0) as u64)
}

/// The INTERNALDATE for a file's mtime.
pub fn from_system_time(t: SystemTime) -> DateTime {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(_) => 0,
    };
    from_unix(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(from_unix(0).to_string(), "01-Jan-1970 00:00:00 +0000");
        assert_eq!(
            from_unix(951_782_400).to_string(),
            "29-Feb-2000 00:00:00 +0000"
        );
        assert_eq!(
            from_unix(1_136_214_245).to_string(),
            "02-Jan-2006 15:04:05 +0000"
        );
    }

    #[test]
    fn round_trips_with_zone() {
        let d = DateTime::new(Date::new(2006, 1, 2).unwrap(), 8, 4, 5, -7 * 60).unwrap();
        assert_eq!(to_unix(&d), 1_136_214_245);
        for s in [
            0i64,
            59,
            86_399,
            86_400,
            951_868_799,
            4_102_444_800,
            1_795_693_322,
        ] {
            assert_eq!(to_unix(&from_unix(s)), s);
        }
    }
}
