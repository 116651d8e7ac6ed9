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

/// A JSON text read as a `T`, the one way Hoplab reads JSON it is given (a
/// scenario, a saved world, a share link, a script, a lesson bundle, a
/// settings form): on error, the field path (`regions[0].vpc.cidr`, empty
/// at the top level) and serde's error.
///
/// The path is read back from the text at the error's position
/// ([`json_path_at`]) rather than tracked while deserializing: tracking
/// wraps every field's deserializer, about 170 KB of the page's
/// WebAssembly.
pub fn read_json<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<T, (String, serde_json::Error)> {
    serde_json::from_str(text).map_err(|e| (json_path_at(text, &e), e))
}

/// The path to the value serde_json was reading when it stopped with `e`:
/// object keys joined by `.`, array elements as `[i]`, as in
/// `regions[0].vpc.subnets[1].cidr`; empty at the top level.
///
/// The text is walked up to the error's position. A key just read names
/// the value the error is about (an unknown field, a value of the wrong
/// kind). An error serde_json did not raise itself (a `try_from`, a tagged
/// enum's variant) is placed where the enclosing object or array stops
/// being read, on its closing `}` or `]` or past the `,` after the value:
/// when the walk ends there, the error is about the value before it, except
/// "missing field", about the object itself.
pub fn json_path_at(text: &str, e: &serde_json::Error) -> String {
    enum Frame {
        Object { key: Option<String>, in_value: bool },
        Array { index: usize, started: bool },
    }
    let end = offset_of(text, e.line(), e.column()).min(text.len());
    let bytes = &text.as_bytes()[..end];
    let mut stack: Vec<Frame> = Vec::new();
    // The path of the value before the `}`, `]` or `,` just read.
    let mut closed: Option<String> = None;
    let mut i = 0;
    // A value begins: the array it is in has an element.
    fn begin(stack: &mut [Frame]) {
        if let Some(Frame::Array { started, .. }) = stack.last_mut() {
            *started = true;
        }
    }
    fn path_of(stack: &[Frame]) -> String {
        let mut path = String::new();
        for f in stack {
            match f {
                Frame::Object { key: Some(k), .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                Frame::Array {
                    index,
                    started: true,
                } => path.push_str(&format!("[{index}]")),
                _ => {}
            }
        }
        path
    }
    while i < bytes.len() {
        if !bytes[i].is_ascii_whitespace() {
            closed = None;
        }
        match bytes[i] {
            b'{' => {
                begin(&mut stack);
                stack.push(Frame::Object {
                    key: None,
                    in_value: false,
                });
            }
            b'[' => {
                begin(&mut stack);
                stack.push(Frame::Array {
                    index: 0,
                    started: false,
                });
            }
            b'}' | b']' => {
                closed = Some(path_of(&stack));
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { in_value, .. }) = stack.last_mut() {
                    *in_value = true;
                }
            }
            b',' => {
                closed = Some(path_of(&stack));
                match stack.last_mut() {
                    Some(Frame::Object { key, in_value }) => {
                        *key = None;
                        *in_value = false;
                    }
                    Some(Frame::Array { index, started }) => {
                        *index += 1;
                        *started = false;
                    }
                    None => {}
                }
            }
            b'"' => {
                let from = i + 1;
                let mut j = from;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let raw = text.get(from..j.min(bytes.len())).unwrap_or("");
                match stack.last_mut() {
                    Some(Frame::Object {
                        key,
                        in_value: false,
                    }) => {
                        *key = Some(
                            serde_json::from_str::<String>(&format!("\"{raw}\""))
                                .unwrap_or_else(|_| raw.to_string()),
                        );
                    }
                    _ => begin(&mut stack),
                }
                i = j;
            }
            b if b.is_ascii_whitespace() => {}
            _ => begin(&mut stack),
        }
        i += 1;
    }
    if e.to_string().starts_with("missing field") {
        if let Some(Frame::Object { key, .. }) = stack.last_mut() {
            *key = None;
        }
    } else if let Some(inner) = closed {
        return inner;
    }
    path_of(&stack)
}

/// Compact JSON (as serde_json writes it) indented as
/// `serde_json::to_string_pretty` would: two spaces a level, `": "`
/// between a key and its value, `[]` and `{}` for empty ones.
pub fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// The byte offset of serde_json's error position: `line` counts from 1,
/// `column` is the bytes read on that line.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    if line <= 1 {
        return column;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(at, _)| at + 1 + column)
}

/// serde_json's message without its ` at line L column C` tail (for JSON
/// Hoplab wrote itself, such as a form's values, whose position means
/// nothing to a learner).
pub fn without_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    match msg.strip_suffix(&tail) {
        Some(m) => m.to_string(),
        None => msg,
    }
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

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Subnet {
        id: String,
        cidr: ipnet::Ipv4Net,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Vpc {
        name: String,
        subnets: Vec<Subnet>,
        #[serde(default)]
        tags: std::collections::BTreeMap<String, u16>,
    }

    fn path_of(text: &str) -> String {
        let (path, _) = read_json::<Vec<Vpc>>(text).expect_err("the text is refused");
        path
    }

    #[test]
    fn a_bad_value_is_named_by_its_keys_and_indexes() {
        let text = r#"[{"name":"a","subnets":[]},{"name":"b","subnets":[{"id":"s1","cidr":"10.0.0.0/24"},{"id":"s2","cidr":"10.0.0.0/33"}]}]"#;
        assert_eq!(path_of(text), "[1].subnets[1].cidr");
        let pretty = "[\n  {\n    \"name\": \"a\",\n    \"subnets\": [\n      {\"id\": \"s1\", \"cidr\": 7}\n    ]\n  }\n]";
        assert_eq!(path_of(pretty), "[0].subnets[0].cidr");
        assert_eq!(
            path_of(r#"[{"name":"a","subnets":[],"tags":{"team":70000}}]"#),
            "[0].tags.team"
        );
    }

    #[test]
    fn an_unknown_field_is_named_with_the_object_it_is_in() {
        assert_eq!(
            path_of(r#"[{"name":"a","subnets":[{"id":"s","cidr":"10.0.0.0/24","cidrr":1}]}]"#),
            "[0].subnets[0].cidrr"
        );
        let (_, e) = read_json::<Vec<Vpc>>(r#"[{"nmae":"a"}]"#).unwrap_err();
        assert!(e.to_string().starts_with("unknown field `nmae`"), "{e}");
    }

    #[test]
    fn a_missing_field_is_named_by_the_object_that_lacks_it() {
        assert_eq!(
            path_of(r#"[{"name":"a","subnets":[{"id":"s"}]}]"#),
            "[0].subnets[0]"
        );
        assert_eq!(path_of("[{\"subnets\": []\n}]"), "[0]");
        assert_eq!(path_of(r#"{"name":"a"}"#), "");
    }

    #[test]
    fn keys_with_escapes_read_as_written_and_text_after_the_value_is_refused() {
        assert_eq!(
            path_of(r#"[{"name":"a","subnets":[],"tags":{"t\"q":-1}}]"#),
            "[0].tags.t\"q"
        );
        let (path, e) = read_json::<Vec<Vpc>>(r#"[] x"#).unwrap_err();
        assert_eq!(path, "");
        assert!(e.to_string().contains("trailing characters"), "{e}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(try_from = "u8")]
    struct Even(#[allow(dead_code)] u8);

    impl TryFrom<u8> for Even {
        type Error = &'static str;
        fn try_from(n: u8) -> Result<Even, &'static str> {
            if n % 2 == 0 {
                Ok(Even(n))
            } else {
                Err("odd")
            }
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Holder {
        first: Vec<Even>,
        last: Even,
    }

    #[test]
    fn an_error_raised_after_a_value_is_read_names_that_value() {
        let path = |t: &str| read_json::<Vec<Holder>>(t).unwrap_err().0;
        assert_eq!(path(r#"[{"first":[2,3,4],"last":2}]"#), "[0].first[1]");
        assert_eq!(path(r#"[{"first":[2,4,3],"last":2}]"#), "[0].first[2]");
        assert_eq!(path(r#"[{"first":[], "last": 3 }]"#), "[0].last");
        assert_eq!(path(r#"[{"first":[],"last":3}]"#), "[0].last");
    }

    #[test]
    fn compact_json_is_indented_as_serde_json_pretty_prints_it() {
        let s = crate::sim::defaults::default_scenario();
        let compact = serde_json::to_string(&s).unwrap();
        assert_eq!(
            pretty_json(&compact),
            serde_json::to_string_pretty(&s).unwrap()
        );
        let odd =
            serde_json::json!({"a": [], "b": {}, "c": "x\\\"{[,:]}\"y", "d": [1, {"e": null}]});
        assert_eq!(
            pretty_json(&serde_json::to_string(&odd).unwrap()),
            serde_json::to_string_pretty(&odd).unwrap()
        );
    }

    #[test]
    fn a_form_error_reads_without_its_position() {
        let (_, e) = read_json::<Vec<Vpc>>(r#"[{"name":1}]"#).unwrap_err();
        assert!(e.to_string().contains(" at line 1 column"));
        assert_eq!(
            without_position(&e),
            "invalid type: integer `1`, expected a string"
        );
    }

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
