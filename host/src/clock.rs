//! `wasi:clocks/wall-clock` for the component: the host's clock, optionally shifted.
//!
//! The shift exists so that tests and drills can see tomorrow today (an expired token, a
//! membership past its date) without waiting; it is 0 in production.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wasmtime_wasi::HostWallClock;

/// The system clock moved by a fixed number of seconds.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    /// Seconds added to the system clock; negative moves it back.
    pub offset_seconds: i64,
}

impl HostWallClock for ShiftedClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let shift = Duration::from_secs(self.offset_seconds.unsigned_abs());
        if self.offset_seconds >= 0 { now.saturating_add(shift) } else { now.saturating_sub(shift) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_runs_ahead_by_its_offset() {
        let plain = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let ahead = ShiftedClock { offset_seconds: 3600 }.now();
        assert!(ahead >= plain + Duration::from_secs(3600));
        assert!(ahead < plain + Duration::from_secs(3660));
    }

    #[test]
    fn a_negative_offset_moves_the_clock_back() {
        let plain = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(ShiftedClock { offset_seconds: -60 }.now() < plain);
    }
}
