//! The world clock's realtime mode (like Packet Tracer's): paused, or
//! running at ×1, ×10 or ×60. The UI wakes every [`TICK_MS`] of wall time
//! and lets [`ClockRate::step_ms`] of simulated time pass; this module says
//! how much, what the buttons read and what is announced.

/// Wall-clock milliseconds between two steps of a running clock.
pub const TICK_MS: u64 = 250;

/// How fast a running clock moves against wall time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockRate {
    /// Simulated time passes as fast as real time.
    X1,
    /// Ten simulated seconds per second.
    X10,
    /// One simulated minute per second.
    X60,
}

impl ClockRate {
    pub const ALL: [ClockRate; 3] = [ClockRate::X1, ClockRate::X10, ClockRate::X60];

    /// Simulated seconds per wall second.
    pub fn factor(self) -> u64 {
        match self {
            ClockRate::X1 => 1,
            ClockRate::X10 => 10,
            ClockRate::X60 => 60,
        }
    }

    /// What the button reads.
    pub fn label(self) -> &'static str {
        match self {
            ClockRate::X1 => "×1",
            ClockRate::X10 => "×10",
            ClockRate::X60 => "×60",
        }
    }

    /// A stable value for the rate picker's options.
    pub fn key(self) -> &'static str {
        match self {
            ClockRate::X1 => "1",
            ClockRate::X10 => "10",
            ClockRate::X60 => "60",
        }
    }

    pub fn from_key(key: &str) -> Option<ClockRate> {
        ClockRate::ALL.into_iter().find(|r| r.key() == key)
    }

    /// What the rate's option says in full.
    pub fn describe(self) -> &'static str {
        match self {
            ClockRate::X1 => "run the clock in real time",
            ClockRate::X10 => "run the clock at 10 simulated seconds per second",
            ClockRate::X60 => "run the clock at one simulated minute per second",
        }
    }

    /// Simulated milliseconds to let pass after `wall_ms` of wall time.
    pub fn step_ms(self, wall_ms: u64) -> u64 {
        wall_ms.saturating_mul(self.factor())
    }
}

/// The run / pause button: a paused clock starts at the `chosen` rate, a
/// running one pauses.
pub fn toggle(running: Option<ClockRate>, chosen: ClockRate) -> Option<ClockRate> {
    match running {
        Some(_) => None,
        None => Some(chosen),
    }
}

/// Choosing a rate: a running clock switches to it at once, a paused one
/// stays paused (and starts at it next time).
pub fn choose(running: Option<ClockRate>, rate: ClockRate) -> Option<ClockRate> {
    running.map(|_| rate)
}

/// The sentence announced when the clock starts, changes rate or stops.
pub fn announcement(running: Option<ClockRate>) -> String {
    match running {
        None => "Clock paused.".to_string(),
        Some(r) => format!(
            "Clock running at {}: {} simulated second{} per second.",
            r.label(),
            r.factor(),
            if r.factor() == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tick_lets_the_rate_times_the_wall_time_pass() {
        assert_eq!(ClockRate::X1.step_ms(TICK_MS), 250);
        assert_eq!(ClockRate::X10.step_ms(TICK_MS), 2_500);
        assert_eq!(ClockRate::X60.step_ms(TICK_MS), 15_000);
        // One wall second at ×60 is one simulated minute.
        assert_eq!(ClockRate::X60.step_ms(1_000), 60_000);
        assert_eq!(ClockRate::X60.step_ms(u64::MAX), u64::MAX);
    }

    #[test]
    fn run_starts_at_the_chosen_rate_and_pauses_a_running_clock() {
        assert_eq!(toggle(None, ClockRate::X10), Some(ClockRate::X10));
        assert_eq!(toggle(Some(ClockRate::X60), ClockRate::X60), None);
        assert_eq!(toggle(Some(ClockRate::X1), ClockRate::X60), None);
    }

    #[test]
    fn choosing_a_rate_switches_a_running_clock_and_leaves_a_paused_one_paused() {
        assert_eq!(
            choose(Some(ClockRate::X10), ClockRate::X60),
            Some(ClockRate::X60)
        );
        assert_eq!(choose(None, ClockRate::X60), None);
    }

    #[test]
    fn rates_round_trip_through_their_keys() {
        for r in ClockRate::ALL {
            assert_eq!(ClockRate::from_key(r.key()), Some(r));
        }
        assert_eq!(ClockRate::from_key("7"), None);
    }

    #[test]
    fn the_announcement_says_the_rate_or_that_the_clock_is_paused() {
        assert_eq!(announcement(None), "Clock paused.");
        assert_eq!(
            announcement(Some(ClockRate::X60)),
            "Clock running at ×60: 60 simulated seconds per second."
        );
        assert_eq!(
            announcement(Some(ClockRate::X1)),
            "Clock running at ×1: 1 simulated second per second."
        );
    }

    #[test]
    fn rate_keys_are_distinct_and_labels_start_with_times() {
        let keys: Vec<_> = ClockRate::ALL.iter().map(|r| r.key()).collect();
        assert_eq!(keys, ["1", "10", "60"]);
        assert!(ClockRate::ALL.iter().all(|r| r.label().starts_with('×')));
    }
}
