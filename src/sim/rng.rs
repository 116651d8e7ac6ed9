//! The world's one source of randomness: a seeded SplitMix64 generator.
//!
//! Real systems pick at random in many places (weighted DNS, kube-proxy,
//! ephemeral source ports, checker jitter). Hoplab makes every such pick
//! through this generator so that the same seed replays the same trace.

use serde::{Deserialize, Serialize};

/// How far one draw moves the generator's state.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The generator's state: how far two copies are apart is a multiple
    /// of one draw's step (the clock uses it to skip settled rounds).
    pub(crate) fn state(&self) -> u64 {
        self.state
    }

    /// Move on as `n` draws would, without drawing.
    pub fn skip(&mut self, n: u64) {
        self.state = self.state.wrapping_add(n.wrapping_mul(GAMMA));
    }

    /// Move the state by `delta`, a distance measured with [`Rng::state`].
    pub(crate) fn skip_state(&mut self, delta: u64) {
        self.state = self.state.wrapping_add(delta);
    }

    /// A value in `lo..=hi` (inclusive). `lo > hi` returns `lo`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// An index below `n` (`n` must be non-zero; zero gives 0).
    pub fn index(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn skipping_draws_lands_where_drawing_them_does() {
        let mut a = Rng::new(3);
        let mut b = Rng::new(3);
        for _ in 0..17 {
            a.next_u64();
        }
        b.skip(17);
        assert_eq!(a, b);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn range_stays_inside_its_bounds() {
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let v = r.range(1024, 65535);
            assert!((1024..=65535).contains(&v));
        }
        assert_eq!(r.range(5, 5), 5);
    }
}
