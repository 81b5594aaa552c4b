//! Throttling of what can be guessed or flooded (GCRA, the `governor`
//! crate): logins per username and per address (holders and staff alike),
//! registrations per address, and endorsement applications per holder
//! (the quota caps copies; this caps the work a script can queue). Over the limit a request is refused with
//! the seconds to wait (`AppError::RateLimited`) and the refusal is audited.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Settings;

pub struct Throttle {
    login_by_name: DefaultKeyedRateLimiter<String>,
    login_by_addr: DefaultKeyedRateLimiter<IpAddr>,
    registration_by_addr: DefaultKeyedRateLimiter<IpAddr>,
    applications_by_holder: DefaultKeyedRateLimiter<i64>,
}

/// The login throttle's key of a staff username: staff and holders may share
/// a username without sharing a budget.
pub fn staff_login_key(username: &str) -> String {
    format!("staff:{username}")
}

fn per_minute(n: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(n)
}

impl Throttle {
    pub fn new(settings: &Settings) -> Throttle {
        let n = settings.login_per_minute;
        Throttle {
            login_by_name: RateLimiter::keyed(per_minute(n)),
            // An office or a campus shares one address: a larger budget.
            login_by_addr: RateLimiter::keyed(per_minute(n.saturating_mul(6))),
            registration_by_addr: RateLimiter::keyed(per_minute(settings.registrations_per_minute)),
            applications_by_holder: RateLimiter::keyed(per_minute(settings.applications_per_minute)),
        }
    }

    /// `Err(seconds to wait)` when this username or this address tried too often.
    pub fn login(&self, username: &str, addr: Option<IpAddr>) -> Result<(), u64> {
        let ip = addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let by_addr = self.login_by_addr.check_key(&ip).map_err(|t| wait(&t, self.login_by_addr.clock().now()));
        let by_name = self
            .login_by_name
            .check_key(&username.to_lowercase())
            .map_err(|t| wait(&t, self.login_by_name.clock().now()));
        by_addr.and(by_name)
    }

    pub fn registration(&self, addr: Option<IpAddr>) -> Result<(), u64> {
        let ip = addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        self.registration_by_addr.check_key(&ip).map_err(|t| wait(&t, self.registration_by_addr.clock().now()))
    }

    /// An endorsement application or retry by this holder.
    pub fn application(&self, holder_id: i64) -> Result<(), u64> {
        self.applications_by_holder
            .check_key(&holder_id)
            .map_err(|t| wait(&t, self.applications_by_holder.clock().now()))
    }

    /// Forgets keys that have been quiet long enough.
    pub fn forget_quiet(&self) {
        self.login_by_name.retain_recent();
        self.login_by_addr.retain_recent();
        self.registration_by_addr.retain_recent();
        self.applications_by_holder.retain_recent();
    }
}

fn wait(not_until: &governor::NotUntil<governor::clock::QuantaInstant>, now: governor::clock::QuantaInstant) -> u64 {
    not_until.wait_time_from(now).as_secs() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_gets_its_tries_then_waits_and_others_are_not_affected() {
        let settings = Settings { login_per_minute: 3, ..Settings::default() };
        let t = Throttle::new(&settings);
        let addr = Some("10.0.0.1".parse().unwrap());
        for _ in 0..3 {
            assert!(t.login("ZhangSan", addr).is_ok());
        }
        let wait = t.login("zhangsan", addr).unwrap_err();
        assert!((1..=21).contains(&wait), "{wait}");
        assert!(t.login("lisi", addr).is_ok(), "another username");
    }

    #[test]
    fn applications_are_counted_per_holder() {
        let t = Throttle::new(&Settings { applications_per_minute: 2, ..Settings::default() });
        assert!(t.application(1).is_ok() && t.application(1).is_ok());
        assert!(t.application(1).is_err());
        assert!(t.application(2).is_ok(), "another holder");
    }
}
