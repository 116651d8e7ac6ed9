//! The colour theme: the page follows the system's light or dark preference
//! until the learner picks one with the header's theme button; the choice is
//! remembered (localStorage, [`THEME_KEY`]) and pinned on `<html data-theme>`.

/// Where the learner's choice is kept in localStorage.
pub const THEME_KEY: &str = "hoplab.theme";

/// One of the two colour schemes (the CSS custom properties in
/// `style/main.css` hold both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    /// The value kept in localStorage and set on `<html data-theme>`.
    pub fn key(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// A stored choice; anything else (missing, edited by hand) means
    /// "follow the system".
    pub fn from_key(key: &str) -> Option<Theme> {
        match key.trim() {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The theme in effect: the learner's choice, else the system's.
    pub fn effective(stored: Option<Theme>, system_dark: bool) -> Theme {
        stored.unwrap_or(if system_dark {
            Theme::Dark
        } else {
            Theme::Light
        })
    }

    /// What the theme button switches to.
    pub fn other(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_choice_wins_over_the_system_and_anything_else_follows_the_system() {
        assert_eq!(
            Theme::effective(Theme::from_key("light"), true),
            Theme::Light
        );
        assert_eq!(
            Theme::effective(Theme::from_key("dark"), false),
            Theme::Dark
        );
        assert_eq!(Theme::effective(Theme::from_key(""), true), Theme::Dark);
        assert_eq!(
            Theme::effective(Theme::from_key("sepia"), false),
            Theme::Light
        );
    }

    #[test]
    fn the_button_switches_between_the_two_themes_and_keys_round_trip() {
        for t in [Theme::Light, Theme::Dark] {
            assert_eq!(Theme::from_key(t.key()), Some(t));
            assert_ne!(t.other(), t);
            assert_eq!(t.other().other(), t);
        }
    }
}
