//! HAProxy's PROXY protocol, versions 1 (text) and 2 (binary)
//! (<https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt>): the proxy sends one header
//! naming the real client before any other byte. Reads exactly the header, never more, so the
//! IMAP or TLS bytes after it stay in the socket.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The v2 signature (§2.2).
const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// A header that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// Neither signature.
    #[error("connection does not start with a PROXY protocol header")]
    NoHeader,
    /// A malformed header.
    #[error("malformed PROXY header: {0}")]
    Malformed(&'static str),
    /// The socket failed or timed out.
    #[error("reading the PROXY header: {0}")]
    Io(String),
}

/// Parses a complete v1 line (without CRLF): `PROXY TCP4|TCP6 src dst sport dport` or
/// `PROXY UNKNOWN …`. `Ok(None)` = UNKNOWN (use the socket's own address).
pub fn parse_v1(line: &str) -> Result<Option<SocketAddr>, ProxyError> {
    let mut f = line.split(' ');
    if f.next() != Some("PROXY") {
        return Err(ProxyError::NoHeader);
    }
    match f.next() {
        Some("UNKNOWN") => Ok(None),
        Some(fam @ ("TCP4" | "TCP6")) => {
            let src: IpAddr = f
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or(ProxyError::Malformed("source address"))?;
            let _dst: IpAddr = f
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or(ProxyError::Malformed("destination address"))?;
            let sport: u16 = f
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or(ProxyError::Malformed("source port"))?;
            let _dport: u16 = f
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or(ProxyError::Malformed("destination port"))?;
            if f.next().is_some() || (fam == "TCP4") != src.is_ipv4() {
                return Err(ProxyError::Malformed("v1 fields"));
            }
            Ok(Some(SocketAddr::new(src, sport)))
        }
        _ => Err(ProxyError::Malformed("v1 protocol")),
    }
}

/// Parses the v2 header after the signature: `ver_cmd`, `fam`, and the address block.
/// `Ok(None)` = LOCAL command or an unspecified family.
pub fn parse_v2(ver_cmd: u8, fam: u8, block: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    if ver_cmd >> 4 != 2 {
        return Err(ProxyError::Malformed("v2 version"));
    }
    match ver_cmd & 0x0f {
        0 => return Ok(None), // LOCAL: health check from the proxy itself.
        1 => {}
        _ => return Err(ProxyError::Malformed("v2 command")),
    }
    match fam {
        // TCP over IPv4: src(4) dst(4) sport(2) dport(2)
        0x11 if block.len() >= 12 => {
            let ip = Ipv4Addr::new(block[0], block[1], block[2], block[3]);
            let port = u16::from_be_bytes([block[8], block[9]]);
            Ok(Some(SocketAddr::new(IpAddr::V4(ip), port)))
        }
        // TCP over IPv6: src(16) dst(16) sport(2) dport(2)
        0x21 if block.len() >= 36 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&block[..16]);
            let port = u16::from_be_bytes([block[32], block[33]]);
            Ok(Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(a)), port)))
        }
        0x11 | 0x21 => Err(ProxyError::Malformed("v2 address block too short")),
        _ => Ok(None),
    }
}

/// Reads one header from `r` (which should have a read timeout). Returns the client's address,
/// or `None` when the proxy says to use the connection's own.
pub fn read_header(r: &mut impl Read) -> Result<Option<SocketAddr>, ProxyError> {
    let io = |e: std::io::Error| ProxyError::Io(e.to_string());
    let mut head = [0u8; 16];
    r.read_exact(&mut head[..8]).map_err(io)?;
    if head[..8] == V2_SIGNATURE[..8] {
        r.read_exact(&mut head[8..16]).map_err(io)?;
        if head[..12] != V2_SIGNATURE {
            return Err(ProxyError::NoHeader);
        }
        let len = usize::from(u16::from_be_bytes([head[14], head[15]]));
        let mut block = vec![0u8; len];
        r.read_exact(&mut block).map_err(io)?;
        return parse_v2(head[12], head[13], &block);
    }
    if &head[..6] != b"PROXY " {
        return Err(ProxyError::NoHeader);
    }
    // v1: at most 107 octets including CRLF (§2.1).
    let mut line = head[..8].to_vec();
    while !line.ends_with(b"\r\n") {
        if line.len() >= 107 {
            return Err(ProxyError::Malformed("v1 line longer than 107 octets"));
        }
        let mut b = [0u8; 1];
        r.read_exact(&mut b).map_err(io)?;
        line.push(b[0]);
    }
    let text = std::str::from_utf8(&line[..line.len() - 2])
        .map_err(|_| ProxyError::Malformed("v1 not ASCII"))?;
    parse_v1(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_tcp4_tcp6_unknown() {
        let mut r: &[u8] = b"PROXY TCP4 192.0.2.7 10.0.0.1 51000 143\r\nA1 NOOP";
        assert_eq!(
            read_header(&mut r).unwrap(),
            Some("192.0.2.7:51000".parse().unwrap())
        );
        assert_eq!(r, b"A1 NOOP");
        let mut r: &[u8] = b"PROXY TCP6 2001:db8::1 ::1 4000 993\r\n";
        assert_eq!(
            read_header(&mut r).unwrap(),
            Some("[2001:db8::1]:4000".parse().unwrap())
        );
        let mut r: &[u8] = b"PROXY UNKNOWN\r\n";
        assert_eq!(read_header(&mut r).unwrap(), None);
    }

    #[test]
    fn v1_rejects() {
        let mut r: &[u8] = b"PROXY TCP4 2001:db8::1 ::1 1 2\r\n";
        assert!(read_header(&mut r).is_err());
        let mut r: &[u8] = b"a LOGIN x y\r\n";
        assert_eq!(read_header(&mut r), Err(ProxyError::NoHeader));
        let long = format!("PROXY TCP4 {}\r\n", "1".repeat(200));
        let mut r = long.as_bytes();
        assert!(read_header(&mut r).is_err());
    }

    #[test]
    fn v2_tcp4_and_local() {
        let mut h = V2_SIGNATURE.to_vec();
        h.extend([
            0x21, 0x11, 0, 12, 198, 51, 100, 9, 10, 0, 0, 1, 0x1f, 0x90, 0, 143,
        ]);
        h.extend(b"rest");
        let mut r: &[u8] = &h;
        assert_eq!(
            read_header(&mut r).unwrap(),
            Some("198.51.100.9:8080".parse().unwrap())
        );
        assert_eq!(r, b"rest");
        let mut h = V2_SIGNATURE.to_vec();
        h.extend([0x20, 0x00, 0, 0]);
        let mut r: &[u8] = &h;
        assert_eq!(read_header(&mut r).unwrap(), None);
    }
}
