//! The per-address burst limiter in front of every public POST and the login.
//!
//! The flood rule judges comments by what the database holds; this counts
//! requests, whatever they carry and whatever their verdict, so a robot
//! cannot outrun the database with spam, guesses or link clicks. It lives in
//! the memory of each instance (several instances each allow the burst), and
//! counts IPv6 clients by their /64, the block one subscriber is given.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Requests per address per minute, refilled evenly, with the whole minute's
/// worth available at once; `None` when turned off.
pub struct BurstLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

impl BurstLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request from `ip`; `Err` holds the seconds to wait when the
    /// address has used its burst. A request whose address is unknown is not
    /// counted: there is nothing to count it against.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        let (Some(limiter), Some(ip)) = (&self.limiter, ip) else {
            return Ok(());
        };
        limiter.check_key(&group(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Drops the addresses whose burst has refilled, so a sweep of many
    /// addresses does not keep their entries for ever.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The key an address counts against: IPv4 as it is, IPv6 by its /64.
fn group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn a_burst_is_allowed_then_the_address_waits() {
        let limiter = BurstLimiter::new(3);
        for _ in 0..3 {
            assert_eq!(limiter.check(ip("192.0.2.1")), Ok(()));
        }
        let wait = limiter.check(ip("192.0.2.1")).expect_err("limited");
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limiter.check(ip("192.0.2.2")), Ok(()));
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_block() {
        let limiter = BurstLimiter::new(2);
        assert_eq!(limiter.check(ip("2001:db8:1:2::1")), Ok(()));
        assert_eq!(limiter.check(ip("2001:db8:1:2:ffff::9")), Ok(()));
        assert!(limiter.check(ip("2001:db8:1:2:abcd::1")).is_err());
        assert_eq!(limiter.check(ip("2001:db8:1:3::1")), Ok(()));
        assert_eq!(
            group("::ffff:192.0.2.7".parse().expect("ip")),
            ip("192.0.2.7").expect("ip")
        );
    }

    #[test]
    fn zero_turns_it_off_and_unknown_addresses_pass() {
        let off = BurstLimiter::new(0);
        for _ in 0..100 {
            assert_eq!(off.check(ip("192.0.2.1")), Ok(()));
        }
        let on = BurstLimiter::new(1);
        assert_eq!(on.check(None), Ok(()));
        assert_eq!(on.check(None), Ok(()));
    }
}
