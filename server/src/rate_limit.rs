//! Rate limit of the public verification routes, per client address (GCRA,
//! the `governor` crate): a burst, then a steady rate (configuration
//! `verify_burst`, `verify_per_minute`). Over the limit a request gets 429
//! with `Retry-After` and a message its caller can read: JSON for the API,
//! the server-function error for the WASM client, a page for a browser.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Paths that check certificates for the public. Holder pages are not
/// limited here (they need a login).
pub fn is_verification_path(path: &str) -> bool {
    const PREFIXES: &[&str] = &["/api/v1/verify/", "/v/", "/verify/"];
    const EXACT: &[&str] = &["/v", "/api/verify_certificate", "/api/verify_endorsement", "/api/verification_result"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

#[derive(Clone)]
pub struct VerifyLimiter(Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl VerifyLimiter {
    pub fn new(per_minute: u32, burst: u32) -> VerifyLimiter {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        let limiter = VerifyLimiter(Arc::new(RateLimiter::keyed(quota)));
        // Addresses that have been quiet long enough are forgotten.
        let forget = limiter.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                forget.0.retain_recent();
                forget.0.shrink_to_fit();
            }
        });
        limiter
    }

    /// `Err(wait)` when `ip` is over its limit.
    fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.0.check_key(&ip).map_err(|not_until| not_until.wait_time_from(self.0.clock().now()))
    }
}

pub async fn layer(State(limiter): State<VerifyLimiter>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !is_verification_path(path) {
        return next.run(request).await;
    }
    // Without connect info (in-process tests) every caller is one client.
    let ip = app::auth::client_addr::of_request(request.extensions()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let Err(wait) = limiter.check(client_key(ip)) else { return next.run(request).await };
    let seconds = wait.as_secs() + 1;
    // Not the path: a result page's address is its access token.
    tracing::warn!(%ip, route = path.split('/').nth(1).unwrap_or(""), "verification rate limit");
    let caller = crate::refusal::Caller::of(path, request.headers());
    crate::refusal::refuse(caller, crate::refusal::Why::RateLimited, seconds)
}

/// One budget per IPv4 address, and per IPv6 /64 (what one subscriber
/// usually gets), so that walking through a /64 buys nothing.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_verification_paths_are_limited() {
        for path in
            ["/v", "/v/JZ1", "/verify/file", "/verify/result/ab", "/api/v1/verify/file", "/api/verify_endorsement"]
        {
            assert!(is_verification_path(path), "{path}");
        }
        for path in ["/verify", "/vx", "/login", "/api/login", "/certificates/1/download", "/api/v1/other"] {
            assert!(!is_verification_path(path), "{path}");
        }
    }

    #[tokio::test]
    async fn a_burst_then_refusal_per_address() {
        // One a minute after the burst: the test cannot be slow enough to earn another.
        let limiter = VerifyLimiter::new(1, 3);
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!(wait <= Duration::from_secs(60), "{wait:?}");
        assert!(limiter.check(b).is_ok(), "another address has its own budget");
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(one), client_key(same));
        assert_ne!(client_key(one), client_key(other));
        let v4: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(client_key(v4), v4);
    }
}
