//! The keyboard shortcuts the `?` overlay lists, and which key opens it.

/// One shortcut: the keys as written on the overlay, and what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortcut {
    pub keys: &'static str,
    pub what: &'static str,
}

/// Every keyboard shortcut of the page, in the order the overlay lists them.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        keys: "Tab, Shift + Tab",
        what: "move between controls: the skip link, the request bar, the diagram's components in request order",
    },
    Shortcut {
        keys: "Enter or Space",
        what: "on a diagram component: open it in the inspector",
    },
    Shortcut {
        keys: "Escape",
        what: "close the inspector (focus returns to the component) or this list",
    },
    Shortcut {
        keys: "← →",
        what: "previous / next hop of the trace (outside text fields)",
    },
    Shortcut {
        keys: "+ − 0, arrows",
        what: "on the focused diagram: zoom in, zoom out, fit, pan",
    },
    Shortcut {
        keys: "?",
        what: "show this list of shortcuts (outside text fields)",
    },
];

/// Whether a key press (its `key`, with Ctrl, Alt or Meta held or not)
/// opens the shortcut list. `?` is Shift + / on most layouts, so Shift is
/// allowed.
pub fn opens_help(key: &str, modifier: bool) -> bool {
    key == "?" && !modifier
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_mark_opens_the_list_unless_a_modifier_is_held() {
        assert!(opens_help("?", false));
        assert!(!opens_help("?", true));
        assert!(!opens_help("/", false));
    }

    #[test]
    fn the_list_names_escape_the_arrows_and_the_question_mark() {
        for k in ["Escape", "← →", "?"] {
            assert!(SHORTCUTS.iter().any(|s| s.keys == k), "{k} missing");
        }
        assert!(SHORTCUTS.iter().all(|s| !s.what.is_empty()));
    }
}
