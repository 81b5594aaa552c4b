//! 查验记录: the verifications made of a holder's endorsed copy, as the
//! holder sees them. The verifier's address is kept in full for the audit,
//! but a holder is shown only its network (an IPv4 /24, an IPv6 /32: an
//! IPv6 /48 is often one household): enough to tell "my employer's office"
//! from "somewhere abroad", not to find a person.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::domain::verification::{Method, Outcome};

/// One verification of a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckEntry {
    pub at: crate::domain::instant::Instant,
    /// The way in: number + name, endorsement number or QR code, file upload.
    pub method: Method,
    /// What the verifier was told.
    pub outcome: Outcome,
    /// The verifier's network ([`coarse_origin`]); `None` when unknown.
    pub origin: Option<String>,
}

/// The network an address belongs to: `203.0.113.0/24` or `2001:db8::/32`.
/// An IPv4 address carried in IPv6 (mapped, or 6to4's `2002::/16`, whose
/// next 32 bits are the whole IPv4 address) is shown as IPv4; text that is
/// not an address gives `None`, never the text itself.
pub fn coarse_origin(addr: &str) -> Option<String> {
    let ip: IpAddr = addr.trim().parse().ok()?;
    let ip = match ip {
        IpAddr::V6(v6) if v6.segments()[0] == 0x2002 => {
            let s = v6.segments();
            IpAddr::V4(std::net::Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    Some(match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let network = std::net::Ipv6Addr::new(s[0], s[1], 0, 0, 0, 0, 0, 0);
            format!("{network}/32")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::coarse_origin;

    #[test]
    fn ipv4_keeps_its_24_bit_network() {
        assert_eq!(coarse_origin("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(coarse_origin("10.1.2.255").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(coarse_origin(" 127.0.0.1 ").as_deref(), Some("127.0.0.0/24"));
    }

    #[test]
    fn ipv6_keeps_its_32_bit_network() {
        assert_eq!(coarse_origin("2001:db8:1:2:3:4:5:6").as_deref(), Some("2001:db8::/32"));
        assert_eq!(coarse_origin("::1").as_deref(), Some("::/32"));
        // IPv4 carried in IPv6 (a dual-stack listener) is shown as IPv4.
        assert_eq!(coarse_origin("::ffff:198.51.100.9").as_deref(), Some("198.51.100.0/24"));
        // 6to4 carries the whole IPv4 address in its /48: shown as that address's /24.
        assert_eq!(coarse_origin("2002:cb00:714d::1").as_deref(), Some("203.0.113.0/24"));
        // NAT64 keeps its IPv4 in the last 32 bits, which a /32 never shows.
        assert_eq!(coarse_origin("64:ff9b::cb00:714d").as_deref(), Some("64:ff9b::/32"));
    }

    #[test]
    fn anything_else_shows_nothing() {
        for bad in ["", "unknown", "203.0.113.77:5000", "203.0.113", "<script>"] {
            assert_eq!(coarse_origin(bad), None, "{bad}");
        }
    }
}
