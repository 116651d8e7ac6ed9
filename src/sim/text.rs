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

/// The longest error message a file's reader passes on: anything a clip
/// missed (a value in a form no rule quotes) is cut here.
pub const MAX_MESSAGE: usize = 1_000;

/// A serde error message as Hoplab passes it on, for scenario, script and
/// lesson files alike: an unknown field or variant gets a "did you mean"
/// suggestion from the names serde lists as expected (`` unknown field
/// `stickyness_s` (did you mean `stickiness_s`?), expected one of ... ``),
/// and every quoted value is clipped to [`MAX_QUOTED`] characters.
pub fn tidy_serde_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len().min(MAX_MESSAGE));
    let mut rest = msg;
    for kind in ["unknown field `", "unknown variant `"] {
        let Some(at) = rest.find(kind) else { continue };
        let start = at + kind.len();
        let Some(len) = rest[start..].find("`, ") else {
            continue;
        };
        let wrong = &rest[start..start + len];
        let after = &rest[start + len + 1..];
        out.push_str(&rest[..start]);
        out.push_str(&clip(wrong));
        out.push('`');
        if let Some(best) = did_you_mean(wrong, expected_names(after)) {
            out.push_str(&format!(" (did you mean `{best}`?)"));
        }
        rest = after;
        break;
    }
    out.push_str(rest);
    clip_message(&out)
}

/// The names in serde's "expected `a`", "expected `a` or `b`" or
/// "expected one of `a`, `b`, `c`" tail.
fn expected_names(tail: &str) -> Vec<&str> {
    let Some(at) = tail.find("expected ") else {
        return Vec::new();
    };
    let list = &tail[at..];
    // Names sit between backticks: odd pieces of the split.
    list.split('`').skip(1).step_by(2).collect()
}

/// A file's parse error: `{what} field {path}: {message}` (`{what}: {message}`
/// at the top level), the message tidied by [`tidy_serde_message`].
pub fn field_error(what: &str, path: &str, msg: &str) -> String {
    let msg = tidy_serde_message(msg);
    if path.is_empty() || path == "." {
        format!("{what}: {msg}")
    } else {
        format!("{what} field {}: {msg}", clip_message(path))
    }
}

/// The expected name closest to `wrong` by edit distance, when it is close
/// enough to be a typo: at most 2 edits, or a third of the name's length
/// (a different case counts as no edit).
pub fn did_you_mean<'a>(wrong: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong = wrong.to_ascii_lowercase();
    if wrong.is_empty() || wrong.chars().count() > 64 {
        return None;
    }
    names
        .into_iter()
        .filter(|n| n.chars().count() <= 64)
        .map(|n| (edit_distance(&wrong, &n.to_ascii_lowercase()), n))
        .filter(|(d, n)| *d <= 2.max(n.chars().count() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * w + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let sub = d[(i - 1) * w + j - 1] + usize::from(a[i - 1] != b[j - 1]);
                let mut best = sub.min(d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * w + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * w + b.len()]
}

/// A message with every word longer than [`MAX_QUOTED`] characters clipped
/// (a value quoted whole by a library's message), and the whole cut at
/// [`MAX_MESSAGE`] characters.
pub fn clip_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len().min(MAX_MESSAGE + 4));
    let mut word = String::new();
    let flush = |out: &mut String, word: &mut String| {
        out.push_str(&clip(word));
        word.clear();
    };
    for c in msg.chars() {
        if c.is_whitespace() {
            flush(&mut out, &mut word);
            out.push(if c == '\n' { '\n' } else { ' ' });
        } else {
            word.push(c);
        }
        if out.len() > MAX_MESSAGE * 4 {
            break;
        }
    }
    flush(&mut out, &mut word);
    match out.char_indices().nth(MAX_MESSAGE) {
        Some((i, _)) => format!("{}…", &out[..i]),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_field_gets_the_closest_expected_name() {
        let m = "unknown field `stickyness_s`, expected one of `id`, `port`, `stickiness_s`, `algorithm` at line 3 column 9";
        assert_eq!(
            tidy_serde_message(m),
            "unknown field `stickyness_s` (did you mean `stickiness_s`?), expected one of `id`, `port`, `stickiness_s`, `algorithm` at line 3 column 9"
        );
        let m = "unknown variant `pod_dwn`, expected `pod_down` or `az_down`";
        assert!(tidy_serde_message(m).contains("(did you mean `pod_down`?)"));
        let m = "unknown field `evaluate_target_healt`, expected `evaluate_target_health`";
        assert!(tidy_serde_message(m).contains("did you mean `evaluate_target_health`"));
    }

    #[test]
    fn a_name_far_from_every_expected_one_gets_no_suggestion() {
        let m = "unknown field `banana`, expected one of `id`, `port`";
        assert_eq!(tidy_serde_message(m), m);
        assert_eq!(did_you_mean("x", ["id"]), Some("id"));
        assert_eq!(did_you_mean("zzzzzz", ["id", "port"]), None);
        assert_eq!(did_you_mean("TTL_S", ["ttl_s"]), Some("ttl_s"));
        assert_eq!(edit_distance("stickyness", "stickiness"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn a_huge_unknown_name_or_value_is_quoted_in_eighty_characters() {
        let long = "q".repeat(1_000_000);
        let m = format!("unknown field `{long}`, expected one of `id`, `port` at line 1 column 9");
        let t = tidy_serde_message(&m);
        assert!(t.len() < 400, "{t}");
        assert!(t.contains('…') && t.ends_with("at line 1 column 9"), "{t}");
        let m = format!("invalid type: string \"{long}\", expected u16");
        let t = tidy_serde_message(&m);
        assert!(t.len() < 200 && t.ends_with("expected u16"), "{t}");
        let spaced = "ab ".repeat(100_000);
        assert!(clip_message(&spaced).chars().count() <= MAX_MESSAGE + 1);
    }

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
