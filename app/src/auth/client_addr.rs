//! The client's address. Directly connected, it is the peer's. Behind a
//! reverse proxy listed in `trusted_proxies`, it is read from
//! `X-Forwarded-For`, right to left, skipping only hops that are trusted
//! proxies themselves: a client cannot pose as another by sending the
//! header, since every hop left of the first untrusted one is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::{extract::ConnectInfo, http::HeaderMap};
use ipnet::IpNet;

/// The client address, worked out once per request (server middleware)
/// and read by throttles, audit entries and the verification log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client behind `peer` (the address that connected).
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let hops: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        if !is_trusted(&client) {
            break;
        }
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip,
            // A malformed hop: the last address we could believe stands.
            Err(_) => break,
        }
    }
    client
}

/// The client address of a request: the one resolved by the middleware,
/// else the peer's (requests built without it, as in some tests).
pub fn of_request(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ClientIp>()
        .map(|c| c.0)
        .or_else(|| extensions.get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(resolve(ip("203.0.113.7"), &headers(&["198.51.100.1"]), &[]), ip("203.0.113.7"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        // client → (spoofed entry) → proxy 10.0.0.2 → proxy 127.0.0.1 → us
        let h = headers(&["6.6.6.6, 198.51.100.23", "10.0.0.2"]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.23"));
        // Not from a trusted proxy: the header counts for nothing.
        assert_eq!(resolve(ip("203.0.113.7"), &h, &trusted), ip("203.0.113.7"));
        // No header, or only proxies: the left-most believable address.
        assert_eq!(resolve(ip("127.0.0.1"), &HeaderMap::new(), &trusted), ip("127.0.0.1"));
        assert_eq!(resolve(ip("127.0.0.1"), &headers(&["10.1.1.1"]), &trusted), ip("10.1.1.1"));
        // A malformed hop stops the walk at the last trusted address.
        assert_eq!(resolve(ip("127.0.0.1"), &headers(&["198.51.100.23, bogus"]), &trusted), ip("127.0.0.1"));
        assert_eq!(resolve(ip("127.0.0.1"), &headers(&[" 2001:db8::5 "]), &trusted), ip("2001:db8::5"));
    }
}
