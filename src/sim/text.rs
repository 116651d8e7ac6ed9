//! Small helpers for the messages that quote what a learner typed.

/// The most characters of a typed value an error message quotes.
pub const MAX_QUOTED: usize = 80;

/// `s` as an error message quotes it: whole when it is at most
/// [`MAX_QUOTED`] characters, otherwise its first characters and `…`
/// (never cut inside a character).
pub fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED - 1) {
        Some((i, _)) if s[i..].chars().nth(1).is_some() => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_value_is_quoted_whole() {
        assert_eq!(clip("90s"), "90s");
        assert_eq!(clip(""), "");
        let exactly = "x".repeat(MAX_QUOTED);
        assert_eq!(clip(&exactly), exactly);
    }

    #[test]
    fn a_long_value_is_cut_to_eighty_characters_with_an_ellipsis() {
        let long = "é".repeat(500);
        let c = clip(&long);
        assert_eq!(c.chars().count(), MAX_QUOTED);
        assert!(c.ends_with('…'));
        assert!(c.starts_with("éé"));
        let one_over = "y".repeat(MAX_QUOTED + 1);
        assert_eq!(clip(&one_over), format!("{}…", "y".repeat(MAX_QUOTED - 1)));
    }
}
