//! How wrong passwords slow a guesser down and then lock them out: a pure
//! judgement over what the database recorded, so every instance agrees.

use chrono::{NaiveDateTime, TimeDelta};

/// What was recorded about one key (an account or an IP address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub failures: i32,
    pub last_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// Whether a login attempt may be checked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Allow,
    /// Too soon after the last failure: try again in so many seconds.
    SlowDown(i64),
    /// Locked after too many failures, for so many more seconds.
    Locked(i64),
}

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Failures that cost nothing: people mistype.
    pub free: i32,
    /// Failures (within the window) that lock the key.
    pub lock_after: i32,
    pub lock_for: TimeDelta,
    /// Failures older than this are forgotten.
    pub window: TimeDelta,
}

const LONGEST_WAIT_SECONDS: i64 = 60;

impl Policy {
    /// For one account: three free tries, then waits of 1, 2, 4… seconds, then a lock.
    pub fn account(lock_after: u32) -> Policy {
        Policy {
            free: 3,
            lock_after: i32::try_from(lock_after).unwrap_or(i32::MAX).max(1),
            lock_for: TimeDelta::minutes(15),
            window: TimeDelta::minutes(15),
        }
    }

    /// For one address, which may hold several honest moderators behind one NAT.
    pub fn ip(lock_after: u32) -> Policy {
        let account = Policy::account(lock_after);
        Policy {
            free: account.free * 3,
            lock_after: account.lock_after.saturating_mul(3),
            ..account
        }
    }

    pub fn judge(&self, record: Option<&Record>, now: NaiveDateTime) -> Admission {
        let Some(record) = record else {
            return Admission::Allow;
        };
        if let Some(until) = record.locked_until
            && until > now
        {
            return Admission::Locked(seconds_until(now, until));
        }
        if self.forgotten(record, now) || record.failures < self.free {
            return Admission::Allow;
        }
        let extra = u32::try_from(record.failures - self.free)
            .unwrap_or(0)
            .min(6);
        let wait = (1_i64 << extra).min(LONGEST_WAIT_SECONDS);
        let earliest = record.last_failure_at + TimeDelta::seconds(wait);
        if earliest > now {
            Admission::SlowDown(seconds_until(now, earliest))
        } else {
            Admission::Allow
        }
    }

    /// The record after one more wrong password.
    pub fn after_failure(&self, record: Option<&Record>, now: NaiveDateTime) -> Record {
        let failures = match record {
            Some(record) if !self.forgotten(record, now) => record.failures.saturating_add(1),
            _ => 1,
        };
        Record {
            failures,
            last_failure_at: now,
            locked_until: (failures >= self.lock_after).then(|| now + self.lock_for),
        }
    }

    /// The record once an attempt counted in advance turns out to have had
    /// the right password: that one failure is taken back (and the lock it may
    /// have set with it); `None` when nothing is left to remember.
    pub fn refund(&self, record: &Record) -> Option<Record> {
        let failures = record.failures - 1;
        (failures > 0).then(|| Record {
            failures,
            last_failure_at: record.last_failure_at,
            locked_until: record.locked_until.filter(|_| failures >= self.lock_after),
        })
    }

    fn forgotten(&self, record: &Record, now: NaiveDateTime) -> bool {
        let lock_over = record.locked_until.is_some_and(|until| until <= now);
        lock_over || now - record.last_failure_at > self.window
    }
}

fn seconds_until(now: NaiveDateTime, then: NaiveDateTime) -> i64 {
    let millis = (then - now).num_milliseconds();
    (millis + 999) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    fn fail(policy: &Policy, times: u32, start: i64) -> Option<Record> {
        (0..times).fold(None, |record, i| {
            Some(policy.after_failure(record.as_ref(), at(start + i64::from(i) * 100)))
        })
    }

    #[test]
    fn three_mistakes_are_free_then_each_try_waits_longer() {
        let policy = Policy::account(10);
        let record = fail(&policy, 3, 0);
        let last = 200;
        assert_eq!(
            policy.judge(record.as_ref(), at(last)),
            Admission::SlowDown(1)
        );
        assert_eq!(
            policy.judge(record.as_ref(), at(last + 1)),
            Admission::Allow
        );
        let record = Some(policy.after_failure(record.as_ref(), at(last + 1)));
        assert_eq!(
            policy.judge(record.as_ref(), at(last + 1)),
            Admission::SlowDown(2)
        );
        let two = fail(&policy, 2, 0);
        assert_eq!(policy.judge(two.as_ref(), at(100)), Admission::Allow);
    }

    #[test]
    fn enough_failures_lock_for_fifteen_minutes_then_all_is_forgotten() {
        let policy = Policy::account(4);
        let record = fail(&policy, 4, 0);
        assert_eq!(
            policy.judge(record.as_ref(), at(300)),
            Admission::Locked(900)
        );
        assert_eq!(
            policy.judge(record.as_ref(), at(300 + 900)),
            Admission::Allow
        );
        let next = policy.after_failure(record.as_ref(), at(300 + 900));
        assert_eq!(next.failures, 1);
    }

    #[test]
    fn a_refund_takes_back_one_failure_and_the_lock_it_set() {
        let policy = Policy::account(4);
        let four = fail(&policy, 4, 0).expect("record");
        assert!(four.locked_until.is_some());
        let three = policy.refund(&four).expect("three left");
        assert_eq!(three.failures, 3);
        assert_eq!(three.locked_until, None);
        let one = fail(&policy, 1, 0).expect("record");
        assert_eq!(policy.refund(&one), None);
    }

    #[test]
    fn an_address_gets_three_times_the_room_of_an_account() {
        let policy = Policy::ip(4);
        assert_eq!(policy.free, 9);
        assert_eq!(policy.lock_after, 12);
        let record = fail(&policy, 11, 0);
        assert!(record.is_some_and(|r| r.locked_until.is_none()));
    }
}
