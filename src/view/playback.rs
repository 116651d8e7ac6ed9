//! The playback state machine behind the step / play / pause controls.
//! Pure Rust, tested natively; the UI keeps one `Playback` in a signal and
//! calls these methods.

/// How fast playback moves from hop to hop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Speed {
    Quarter,
    Half,
    #[default]
    Normal,
    Double,
    Quadruple,
}

impl Speed {
    pub const ALL: [Speed; 5] = [
        Speed::Quarter,
        Speed::Half,
        Speed::Normal,
        Speed::Double,
        Speed::Quadruple,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Speed::Quarter => "0.25×",
            Speed::Half => "0.5×",
            Speed::Normal => "1×",
            Speed::Double => "2×",
            Speed::Quadruple => "4×",
        }
    }

    /// A stable value for a `<select>` option.
    pub fn key(self) -> &'static str {
        match self {
            Speed::Quarter => "0.25",
            Speed::Half => "0.5",
            Speed::Normal => "1",
            Speed::Double => "2",
            Speed::Quadruple => "4",
        }
    }

    pub fn from_key(key: &str) -> Option<Speed> {
        Speed::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Wall-clock time one hop stays on screen while playing.
    pub fn hop_ms(self) -> u32 {
        match self {
            Speed::Quarter => 3200,
            Speed::Half => 1600,
            Speed::Normal => 800,
            Speed::Double => 400,
            Speed::Quadruple => 200,
        }
    }

    /// How long the packet marker takes to travel one link (a bit shorter
    /// than the hop, so it rests at its destination for a moment).
    pub fn travel_ms(self) -> u32 {
        self.hop_ms() * 3 / 5
    }
}

/// Where playback is in a trace of `len` hops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Playback {
    len: usize,
    index: usize,
    playing: bool,
    /// Playback has reached the last hop of this trace (played, stepped or
    /// jumped there): from then on the outcome is shown.
    reached_end: bool,
    pub speed: Speed,
}

impl Playback {
    /// Start a freshly sent trace at its first hop; play unless the
    /// learner asked for reduced motion (then they step).
    pub fn load(&mut self, len: usize, autoplay: bool) {
        self.len = len;
        self.index = 0;
        self.playing = autoplay && len > 1;
        self.reached_end = false;
        self.note_end();
    }

    fn note_end(&mut self) {
        if self.len > 0 && self.at_end() {
            self.reached_end = true;
        }
    }

    /// Whether the outcome may be shown: only once the packet got there, so
    /// the ending is not given away at hop 1. Stepping back afterwards keeps
    /// it shown.
    pub fn outcome_shown(&self) -> bool {
        self.reached_end
    }

    /// "Jump to outcome": go to the last hop, where the outcome is.
    pub fn jump_to_outcome(&mut self) {
        self.last();
    }

    /// Forget the trace (the client changed, so it no longer matches the picture).
    pub fn clear(&mut self) {
        self.len = 0;
        self.index = 0;
        self.playing = false;
        self.reached_end = false;
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The current hop, 0-based; `None` when no trace is loaded.
    pub fn current(&self) -> Option<usize> {
        (self.len > 0).then_some(self.index)
    }
    pub fn playing(&self) -> bool {
        self.playing
    }
    pub fn at_start(&self) -> bool {
        self.index == 0
    }
    pub fn at_end(&self) -> bool {
        self.len == 0 || self.index + 1 >= self.len
    }

    /// Manual steps pause playback, like a debugger.
    pub fn step_forward(&mut self) {
        self.playing = false;
        if !self.at_end() {
            self.index += 1;
        }
        self.note_end();
    }
    pub fn step_back(&mut self) {
        self.playing = false;
        self.index = self.index.saturating_sub(1);
    }
    pub fn first(&mut self) {
        self.playing = false;
        self.index = 0;
    }
    pub fn last(&mut self) {
        self.playing = false;
        self.index = self.len.saturating_sub(1);
        self.note_end();
    }
    /// Jump to a hop (clicking a trace row). Out-of-range indexes are ignored.
    pub fn seek(&mut self, index: usize) {
        if index < self.len {
            self.playing = false;
            self.index = index;
            self.note_end();
        }
    }

    /// Play or pause. Playing from the last hop starts over.
    pub fn toggle(&mut self) {
        if self.len == 0 {
            return;
        }
        if self.playing {
            self.playing = false;
        } else {
            if self.at_end() {
                self.index = 0;
            }
            self.playing = self.len > 1;
        }
    }

    /// One timer tick while playing: move on, and stop at the last hop.
    pub fn tick(&mut self) {
        if !self.playing {
            return;
        }
        if !self.at_end() {
            self.index += 1;
        }
        if self.at_end() {
            self.playing = false;
        }
        self.note_end();
    }

    /// "hop 3 of 37" for the controls.
    pub fn position_text(&self) -> String {
        match self.current() {
            Some(i) => format!("hop {} of {}", i + 1, self.len),
            None => "no trace yet".into(),
        }
    }
}

/// The heading over a trace: `GET https://… from client-na at 00:10 · 37 hops`.
pub fn trace_heading(t: &crate::sim::Trace) -> String {
    format!(
        "{} {} from {} at {} · {} hops",
        t.method,
        t.url,
        t.client,
        crate::sim::time::fmt_clock(t.sent_at_ms),
        t.hops.len()
    )
}

/// One line of the clock's event log: `01:10 health-check: pod-a-1 failed`.
pub fn event_line(e: &crate::sim::world::WorldEvent) -> String {
    format!(
        "{} {}: {}",
        crate::sim::time::fmt_clock(e.at_ms),
        e.source,
        e.text
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(len: usize) -> Playback {
        let mut p = Playback::default();
        p.load(len, true);
        p
    }

    #[test]
    fn a_new_trace_starts_at_the_first_hop_and_plays() {
        let p = loaded(5);
        assert_eq!(p.current(), Some(0));
        assert!(p.playing());
        let mut q = Playback::default();
        q.load(5, false);
        assert!(!q.playing(), "reduced motion: the learner steps");
    }

    #[test]
    fn playing_ticks_forward_and_stops_at_the_last_hop() {
        let mut p = loaded(3);
        p.tick();
        assert_eq!(p.current(), Some(1));
        p.tick();
        assert_eq!(p.current(), Some(2));
        assert!(!p.playing());
        p.tick();
        assert_eq!(p.current(), Some(2));
    }

    #[test]
    fn stepping_pauses_and_stays_in_range() {
        let mut p = loaded(3);
        p.step_back();
        assert_eq!(p.current(), Some(0));
        assert!(!p.playing());
        p.step_forward();
        p.step_forward();
        p.step_forward();
        assert_eq!(p.current(), Some(2));
        p.first();
        assert_eq!(p.current(), Some(0));
        p.last();
        assert_eq!(p.current(), Some(2));
        p.seek(1);
        assert_eq!(p.current(), Some(1));
        p.seek(99);
        assert_eq!(p.current(), Some(1));
    }

    #[test]
    fn play_at_the_end_starts_over_and_toggle_pauses() {
        let mut p = loaded(3);
        p.last();
        p.toggle();
        assert!(p.playing());
        assert_eq!(p.current(), Some(0));
        p.toggle();
        assert!(!p.playing());
    }

    #[test]
    fn nothing_happens_without_a_trace() {
        let mut p = Playback::default();
        assert_eq!(p.current(), None);
        p.toggle();
        p.step_forward();
        p.tick();
        assert_eq!(p.current(), None);
        assert!(!p.playing());
        assert_eq!(p.position_text(), "no trace yet");
        let mut q = loaded(4);
        q.clear();
        assert!(q.is_empty());
    }

    #[test]
    fn the_outcome_is_shown_only_once_playback_reaches_the_last_hop() {
        let mut p = loaded(3);
        assert!(!p.outcome_shown(), "not at hop 1 of 3");
        p.tick();
        assert!(!p.outcome_shown());
        p.tick();
        assert!(p.outcome_shown(), "playing reached the last hop");
        p.step_back();
        assert!(p.outcome_shown(), "stepping back keeps it");
        p.load(3, true);
        assert!(!p.outcome_shown(), "a new trace hides it again");
    }

    #[test]
    fn without_autoplay_the_outcome_shows_when_the_learner_steps_to_the_end_or_jumps() {
        let mut p = Playback::default();
        p.load(4, false);
        p.step_forward();
        p.step_forward();
        assert!(!p.outcome_shown());
        p.step_forward();
        assert!(p.outcome_shown(), "stepped to the end");
        p.load(4, false);
        p.seek(2);
        assert!(!p.outcome_shown());
        p.jump_to_outcome();
        assert!(p.outcome_shown());
        assert_eq!(p.current(), Some(3));
        assert!(!p.playing());
        let mut one = Playback::default();
        one.load(1, false);
        assert!(one.outcome_shown(), "a one-hop trace is already at its end");
        one.clear();
        assert!(!one.outcome_shown());
    }

    #[test]
    fn a_one_hop_trace_does_not_play() {
        let p = loaded(1);
        assert!(!p.playing());
        assert!(p.at_end());
    }

    #[test]
    fn speeds_round_trip_through_their_keys_and_get_faster() {
        for s in Speed::ALL {
            assert_eq!(Speed::from_key(s.key()), Some(s));
            assert!(s.travel_ms() < s.hop_ms());
        }
        assert!(Speed::Double.hop_ms() < Speed::Normal.hop_ms());
        assert_eq!(Speed::from_key("9"), None);
    }

    #[test]
    fn a_trace_heading_names_the_request_the_client_the_time_and_the_hops() {
        use crate::sim::world::{DEFAULT_CLIENT, DEFAULT_URL};
        let mut w = crate::sim::World::default_world();
        w.advance(10_000);
        let t = w.send(&crate::sim::Request::get(DEFAULT_CLIENT, DEFAULT_URL));
        assert_eq!(
            trace_heading(&t),
            format!(
                "GET {DEFAULT_URL} from {DEFAULT_CLIENT} at 00:10 · {} hops",
                t.hops.len()
            )
        );
    }
}
