//! Numbers as the UI writes them. Integer arithmetic where it can: the
//! browser download carries no float formatting code for these.

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.66` as `66 %`, `0.048` as `4.8 %`.
pub fn percent(ratio: f64) -> String {
    let tenths = (ratio * 1000.0).round() as u64;
    if tenths.is_multiple_of(10) {
        format!("{} %", tenths / 10)
    } else {
        format!("{}.{} %", tenths / 10, tenths % 10)
    }
}

/// Milliseconds to a tenth: `1234.56` as `1,234.6 ms`.
pub fn millis(ms: f64) -> String {
    let tenths = (ms * 10.0).round() as usize;
    format!("{}.{} ms", thousands(tenths / 10), tenths % 10)
}

/// A bar's width in CSS percent, to a hundredth: `0.5` as `50.00`.
pub fn percent_width(part: f64) -> String {
    let h = (part * 10_000.0).round() as u64;
    format!("{}.{:02}", h / 100, h % 100)
}

/// `n` as a part of `of` (0 when `of` is 0).
pub fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

/// `1 pod`, `4 pods`.
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// What an invalidation did: `Invalidated /static/* at every edge: 2 cached
/// copies removed; the next request for them is a miss.`
pub fn invalidated(path: &str, removed: usize) -> String {
    let copies = match removed {
        0 => "no cached copy matched".to_string(),
        1 => "1 cached copy removed".to_string(),
        n => format!("{n} cached copies removed"),
    };
    format!("Invalidated {path} at every edge: {copies}; the next request for it is a miss.")
}

/// A diagram coordinate for an SVG attribute, to a tenth.
pub fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// The same text with its first letter in upper case.
pub fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_invalidation_says_how_many_copies_it_removed() {
        assert_eq!(
            super::invalidated("/static/*", 2),
            "Invalidated /static/* at every edge: 2 cached copies removed; the next request for it is a miss."
        );
        assert!(super::invalidated("/x", 1).contains("1 cached copy removed"));
        assert!(super::invalidated("/x", 0).contains("no cached copy matched"));
    }

    use super::*;

    #[test]
    fn thousands_are_grouped_by_commas() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn percents_show_a_tenth_only_when_there_is_one() {
        assert_eq!(percent(0.66), "66 %");
        assert_eq!(percent(0.048), "4.8 %");
        assert_eq!(percent(1.0), "100 %");
        assert_eq!(percent(0.0), "0 %");
    }

    #[test]
    fn milliseconds_keep_one_decimal_and_group_thousands() {
        assert_eq!(millis(12.34), "12.3 ms");
        assert_eq!(millis(1234.56), "1,234.6 ms");
        assert_eq!(millis(0.0), "0.0 ms");
    }

    #[test]
    fn bar_widths_are_css_percent_to_a_hundredth() {
        assert_eq!(percent_width(0.5), "50.00");
        assert_eq!(percent_width(1.0 / 3.0), "33.33");
        assert_eq!(percent_width(share(3, 0)), "0.00");
    }

    #[test]
    fn small_words_agree_with_their_number() {
        assert_eq!(plural(1, "pod"), "1 pod");
        assert_eq!(plural(4, "pod"), "4 pods");
        assert_eq!(capitalized("half took"), "Half took");
        assert_eq!(capitalized(""), "");
        assert_eq!(coord(12.345), "12.3");
    }
}
