//! Brute-force protection: failed logins counted per user, atomically in the store.
//!
//! An attempt is counted *before* its password is checked, in a write transaction, and
//! uncounted when it succeeds. So however many guesses arrive at once, no more than the
//! threshold are ever checked before the user locks (the race of ZITADEL's
//! GHSA-7h8m-vrxx-vr4m cannot happen).

use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// A user's failed logins and lock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockState {
    /// Attempts counted since the last success.
    pub failures: u32,
    /// Unix milliseconds until which the user is locked; 0 when not locked.
    pub locked_until: i64,
}

impl LockState {
    /// Whether the user is locked at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until > now
    }

    /// Count one more attempt at `now`, or `None` when the user is locked. Reaching the
    /// threshold locks the user for the base delay, doubled for each failure past it, up
    /// to the cap.
    pub fn count_attempt(self, now: i64, settings: &Settings) -> Option<LockState> {
        if self.is_locked(now) {
            return None;
        }
        let failures = self.failures.saturating_add(1);
        let mut next = LockState { failures, locked_until: self.locked_until };
        if failures >= settings.lockout_threshold {
            let doublings = (failures - settings.lockout_threshold).min(32);
            let seconds =
                settings.lockout_base_seconds.saturating_mul(1 << doublings).min(settings.lockout_max_seconds);
            next.locked_until = now.saturating_add(i64::try_from(seconds * 1000).unwrap_or(i64::MAX));
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings { lockout_threshold: 3, lockout_base_seconds: 60, lockout_max_seconds: 200, ..Settings::default() }
    }

    #[test]
    fn locks_when_the_threshold_is_reached() {
        let mut state = LockState::default();
        for _ in 0..2 {
            state = state.count_attempt(0, &settings()).unwrap();
            assert!(!state.is_locked(0));
        }
        state = state.count_attempt(0, &settings()).unwrap();
        assert!(state.is_locked(59_999));
        assert!(!state.is_locked(60_000));
    }

    #[test]
    fn a_locked_user_gets_no_attempt() {
        let state = LockState { failures: 3, locked_until: 1000 };
        assert_eq!(state.count_attempt(999, &settings()), None);
    }

    #[test]
    fn each_failure_past_the_threshold_doubles_the_lock_up_to_the_cap() {
        let after_lock = LockState { failures: 3, locked_until: 60_000 };
        let second = after_lock.count_attempt(60_000, &settings()).unwrap();
        assert_eq!(second.locked_until, 60_000 + 120_000);
        let third = second.count_attempt(180_000, &settings()).unwrap();
        assert_eq!(third.locked_until, 180_000 + 200_000);
    }
}
