//! Connection limits of the listening process (Courier's MAXDAEMONS and MAXPERIP) and the
//! memory of failed logins per address that makes each further attempt wait longer.
//! Pure bookkeeping: the caller passes the time in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long failures from an address are remembered after the last one.
pub const FAILURE_MEMORY: Duration = Duration::from_secs(15 * 60);

/// The longest delay before answering a failed attempt.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Whether a new connection may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Serve it.
    Accept,
    /// MAXDAEMONS connections are being served.
    TooMany,
    /// MAXPERIP connections from this address are being served.
    TooManyFromAddress,
}

/// Connections being served and recent failures, per address.
#[derive(Debug, Default)]
pub struct Limits {
    max_total: usize,
    max_per_ip: usize,
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
    failures: HashMap<IpAddr, (u32, Instant)>,
}

/// An IPv4 address seen through an IPv6 socket counts as itself.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The delay before answering the `n`th recent failure from one address: `base`, doubling
/// with each further failure, at most [`MAX_DELAY`].
pub fn failure_delay(base: Duration, n: u32) -> Duration {
    if n == 0 {
        return Duration::ZERO;
    }
    let factor = 1u32 << (n - 1).min(16);
    base.saturating_mul(factor).min(MAX_DELAY)
}

impl Limits {
    /// Limits of `max_total` connections and `max_per_ip` per address (0 = no limit).
    pub fn new(max_total: usize, max_per_ip: usize) -> Self {
        Limits {
            max_total,
            max_per_ip,
            ..Limits::default()
        }
    }

    /// Connections being served.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Decides on a new connection from `ip`, counting it if accepted.
    pub fn admit(&mut self, ip: IpAddr) -> Admission {
        let ip = canonical(ip);
        if self.max_total > 0 && self.total >= self.max_total {
            return Admission::TooMany;
        }
        let n = self.per_ip.get(&ip).copied().unwrap_or(0);
        if self.max_per_ip > 0 && n >= self.max_per_ip {
            return Admission::TooManyFromAddress;
        }
        self.total += 1;
        self.per_ip.insert(ip, n + 1);
        Admission::Accept
    }

    /// A connection from `ip` ended after `failures` failed logins.
    pub fn release(&mut self, ip: IpAddr, failures: u32, now: Instant) {
        let ip = canonical(ip);
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
        if failures > 0 {
            let e = self.failures.entry(ip).or_insert((0, now));
            if now.duration_since(e.1) > FAILURE_MEMORY {
                e.0 = 0;
            }
            e.0 = e.0.saturating_add(failures);
            e.1 = now;
        }
    }

    /// Failures from `ip` still remembered (forgotten [`FAILURE_MEMORY`] after the last).
    pub fn recent_failures(&mut self, ip: IpAddr, now: Instant) -> u32 {
        let ip = canonical(ip);
        self.failures
            .retain(|_, (_, last)| now.duration_since(*last) <= FAILURE_MEMORY);
        self.failures.get(&ip).map_or(0, |e| e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn per_ip_and_total_limits() {
        let now = Instant::now();
        let mut l = Limits::new(3, 2);
        assert_eq!(l.admit(ip("10.0.0.1")), Admission::Accept);
        assert_eq!(l.admit(ip("::ffff:10.0.0.1")), Admission::Accept);
        assert_eq!(l.admit(ip("10.0.0.1")), Admission::TooManyFromAddress);
        assert_eq!(l.admit(ip("10.0.0.2")), Admission::Accept);
        assert_eq!(l.admit(ip("10.0.0.3")), Admission::TooMany);
        l.release(ip("10.0.0.1"), 0, now);
        assert_eq!(l.admit(ip("10.0.0.1")), Admission::Accept);
        assert_eq!(l.total(), 3);
    }

    #[test]
    fn unlimited_when_zero() {
        let mut l = Limits::new(0, 0);
        for _ in 0..100 {
            assert_eq!(l.admit(ip("::1")), Admission::Accept);
        }
    }

    #[test]
    fn failures_grow_the_delay_and_are_forgotten() {
        let t0 = Instant::now();
        let mut l = Limits::new(0, 0);
        let a = ip("192.0.2.1");
        l.admit(a);
        l.release(a, 2, t0);
        assert_eq!(l.recent_failures(a, t0), 2);
        let base = Duration::from_secs(2);
        assert_eq!(failure_delay(base, 1), Duration::from_secs(2));
        assert_eq!(failure_delay(base, 3), Duration::from_secs(8));
        assert_eq!(failure_delay(base, 40), MAX_DELAY);
        assert_eq!(failure_delay(base, 0), Duration::ZERO);
        let later = t0 + FAILURE_MEMORY + Duration::from_secs(1);
        assert_eq!(l.recent_failures(a, later), 0);
    }
}
