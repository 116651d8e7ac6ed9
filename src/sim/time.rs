//! Simulated time. The world clock is an integer count of milliseconds;
//! nothing in the engine reads the wall clock.

/// `mm:ss` below an hour, `h:mm:ss` above, as on the UI's clock.
pub fn fmt_clock(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Milliseconds (a configured latency) as the microseconds a trace counts in.
pub(crate) fn us(ms: u32) -> u64 {
    ms as u64 * 1000
}

pub const SECOND_MS: u64 = 1000;
pub const MINUTE_MS: u64 = 60 * SECOND_MS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_minutes_and_seconds() {
        assert_eq!(fmt_clock(0), "00:00");
        assert_eq!(fmt_clock(90_500), "01:30");
        assert_eq!(fmt_clock(3_661_000), "1:01:01");
    }
}
