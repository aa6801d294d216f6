//! Click's `TokenBucket` (include/click/tokenbucket.hh, jiffy parameters): a rate in tokens
//! per second and a capacity, refilled once per jiffy (one millisecond, Click's userlevel
//! `CLICK_HZ`), with tokens kept as 32-bit fractions of the capacity so that rates such as
//! 10 per second come out with Click's rounding.

use crate::packet::Timestamp;

const MAX_TOKENS: u32 = u32::MAX;
/// Jiffies per second.
const FREQUENCY: u64 = 1000;
const NANOS_PER_JIFFY: u64 = 1_000_000;

/// A token bucket rate limiter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenBucket {
    tokens_per_tick: u32,
    scale: u32,
    /// Jiffies to fill from empty; `u32::MAX` for an idle (zero) rate.
    until_full: u32,
    tokens: u32,
    /// The jiffy of the last refill; 0 at first, so the first refill fills the bucket.
    time_point: u64,
}

impl TokenBucket {
    /// A bucket of `rate` tokens per second holding at most `capacity`, empty, never filled
    /// (so the first refill fills it).
    pub(crate) fn new(rate: u32, capacity: u32) -> Self {
        let mut tb = TokenBucket {
            tokens_per_tick: 0,
            scale: 1,
            until_full: MAX_TOKENS,
            tokens: 0,
            time_point: 0,
        };
        tb.assign(rate, capacity);
        tb
    }

    /// Sets the rate and capacity (Click's `assign`); a zero rate or capacity is idle.
    pub(crate) fn assign(&mut self, mut rate: u32, mut capacity: u32) {
        if capacity == 0 {
            rate = 0;
            capacity = MAX_TOKENS;
        }
        if rate != 0 {
            // Keeps tokens per tick within 32 bits.
            let min_capacity = ((u64::from(rate) - 1) / FREQUENCY + 1) as u32;
            capacity = capacity.max(min_capacity);
        }
        self.scale = MAX_TOKENS / capacity;
        let per_tick = u64::from(rate) * u64::from(self.scale) / FREQUENCY;
        if rate != 0 {
            self.tokens_per_tick = u32::try_from(per_tick).unwrap_or(MAX_TOKENS).max(1);
            self.until_full = (MAX_TOKENS - 1) / self.tokens_per_tick + 1;
        } else {
            self.tokens_per_tick = 0;
            self.until_full = MAX_TOKENS;
        }
    }

    /// Sets the rate and capacity keeping the number of tokens (Click's `assign_adjust`).
    pub(crate) fn assign_adjust(&mut self, rate: u32, capacity: u32) {
        let old_scale = self.scale;
        self.assign(rate, capacity);
        if old_scale != self.scale {
            let t = u64::from(self.tokens) * u64::from(self.scale) / u64::from(old_scale);
            self.tokens = u32::try_from(t).unwrap_or(MAX_TOKENS);
        }
    }

    /// The rate in tokens per second, as Click computes it back from its fixed point.
    pub(crate) fn rate(&self) -> u32 {
        let tpt = u64::from(self.tokens_per_tick);
        let r = (tpt * FREQUENCY + tpt / 2) / u64::from(self.scale);
        u32::try_from(r).unwrap_or(MAX_TOKENS)
    }

    /// `t` tokens as a fraction of capacity, or `None` if more than the bucket holds.
    fn fraction(&self, t: u32) -> Option<u32> {
        u32::try_from(u64::from(t) * u64::from(self.scale)).ok()
    }

    /// Sets the bucket to hold `t` tokens (at most its capacity).
    pub(crate) fn set(&mut self, t: u32) {
        self.tokens = self.fraction(t).unwrap_or(MAX_TOKENS);
    }

    /// True if the bucket holds at least `t` tokens.
    pub(crate) fn contains(&self, t: u32) -> bool {
        self.fraction(t).is_some_and(|f| f <= self.tokens)
    }

    /// Removes `t` tokens (emptying the bucket if it holds fewer).
    pub(crate) fn remove(&mut self, t: u32) {
        let f = self.fraction(t).unwrap_or(MAX_TOKENS);
        self.tokens = self.tokens.saturating_sub(f);
    }

    /// Adds the tokens earned since the last refill, up to `now`'s jiffy.
    pub(crate) fn refill(&mut self, now: Timestamp) {
        let jiffy = now.as_nanos() / NANOS_PER_JIFFY;
        let diff = jiffy.saturating_sub(self.time_point);
        if diff >= u64::from(self.until_full) {
            self.tokens = MAX_TOKENS;
        } else if diff > 0 {
            let add = diff * u64::from(self.tokens_per_tick);
            self.tokens = u32::try_from(u64::from(self.tokens) + add).unwrap_or(MAX_TOKENS);
        }
        self.time_point = jiffy;
    }

    /// When the bucket will hold `t` tokens if nothing is removed, given the time `now`
    /// (`now` itself if it already does), or `None` if it never will.
    pub(crate) fn when_contains(&self, t: u32, now: Timestamp) -> Option<Timestamp> {
        let f = self.fraction(t)?;
        if f <= self.tokens {
            return Some(now);
        }
        if self.tokens_per_tick == 0 {
            return None;
        }
        let ticks = u64::from(f - self.tokens - 1) / u64::from(self.tokens_per_tick) + 1;
        // The refill counts whole jiffies: wake at the start of the jiffy that has them.
        let jiffy = now.as_nanos() / NANOS_PER_JIFFY + ticks;
        Some(Timestamp(jiffy.saturating_mul(NANOS_PER_JIFFY)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::SIMULATED_EPOCH;

    fn ms(n: u64) -> Timestamp {
        Timestamp(T0.as_nanos() + n * NANOS_PER_JIFFY)
    }

    #[test]
    fn starts_full_then_refills_at_the_rate() {
        let mut tb = TokenBucket::new(10, 2);
        assert_eq!(tb.rate(), 10);
        assert!(!tb.contains(1));
        tb.refill(T0);
        assert!(tb.contains(2) && !tb.contains(3));
        tb.remove(1);
        tb.remove(1);
        assert!(!tb.contains(1));
        // One token per 100 ms.
        // Click's fixed point loses a little: the token is whole after 101 jiffies.
        assert_eq!(tb.when_contains(1, T0), Some(ms(101)));
        tb.refill(ms(100));
        assert!(!tb.contains(1));
        tb.refill(ms(101));
        assert!(tb.contains(1));
        tb.set(0);
        assert!(!tb.contains(1));
        tb.set(1);
        assert!(tb.contains(1) && !tb.contains(2));
    }

    #[test]
    fn idle_and_huge_rates() {
        let mut tb = TokenBucket::new(0, 5);
        tb.refill(T0);
        // The first refill fills even an idle bucket (its epoch starts at 0), then nothing.
        tb.set(0);
        tb.refill(ms(10_000));
        assert!(!tb.contains(1));
        assert_eq!(tb.when_contains(1, T0), None);
        let mut fast = TokenBucket::new(u32::MAX, 1);
        fast.refill(T0);
        assert!(fast.contains(1));
        assert!(fast.rate() > 4_000_000_000);
        fast.assign_adjust(1000, 2);
        assert_eq!(fast.rate(), 1000);
    }
}
