//! WAF match statements at work: the request components a rule inspects
//! (with their inspection limits), text transformations in order, string
//! match positional constraints, regex pattern sets, size constraints,
//! labels, and CAPTCHA/Challenge tokens. Fact sheet §6, §27.

use std::borrow::Cow;

use super::lb::HttpCtx;
use super::limits::{WAF_HEADER_LIMIT_BYTES, WAF_HEADER_LIMIT_ITEMS};
use super::scenario::{FieldToMatch, LabelScope, Oversize, Positional, SizeComparison, Transform};
use super::waf_regex::Regex;

/// The User-Agent Hoplab's browsers send when a request names none (an
/// empty `User-Agent` header means the request carries none at all).
pub const BROWSER_USER_AGENT: &str = "Mozilla/5.0 (Hoplab browser)";

/// The cookie that carries a CAPTCHA/Challenge token. Fact sheet §27.
pub const TOKEN_COOKIE: &str = "aws-waf-token";

/// The headers as WAF sees them: Host first, the browser's User-Agent
/// unless the request sets its own, then the request's headers.
pub(crate) fn waf_headers(ctx: &HttpCtx) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = vec![("host", ctx.host.as_str())];
    let own_ua = ctx
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"));
    if !own_ua {
        out.push(("user-agent", BROWSER_USER_AGENT));
    }
    for (k, v) in ctx.headers.iter() {
        if k.eq_ignore_ascii_case("user-agent") && v.trim().is_empty() {
            continue;
        }
        out.push((k.as_str(), v.as_str()));
    }
    out
}

/// The cookies of the request's `Cookie` headers, as (key, value).
pub(crate) fn cookies(ctx: &HttpCtx) -> Vec<(&str, &str)> {
    ctx.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|c| {
            let c = c.trim();
            if c.is_empty() {
                return None;
            }
            Some(c.split_once('=').unwrap_or((c, "")))
        })
        .collect()
}

/// One component as WAF inspects it: its values (each inspected on its
/// own; any match matches), its full size, whether it was past the
/// inspection limit, and whether the request has it at all.
pub(crate) struct Component<'a> {
    pub values: Vec<Cow<'a, [u8]>>,
    /// Bytes of the whole component (the body's full length).
    pub size: u64,
    /// `(size, limit)` when the component is past its inspection limit.
    pub oversize: Option<(u64, u64)>,
    pub absent: bool,
}

impl<'a> Component<'a> {
    fn one(v: &'a str) -> Self {
        Component {
            size: v.len() as u64,
            values: vec![Cow::Borrowed(v.as_bytes())],
            oversize: None,
            absent: false,
        }
    }
    fn absent() -> Self {
        Component {
            values: Vec::new(),
            size: 0,
            oversize: None,
            absent: true,
        }
    }

    /// Keys and values of headers or cookies, inspecting only the first
    /// 8 KB and 200 items. Fact sheet §27 "Oversize handling".
    fn items(items: Vec<(&'a str, &'a str)>, absent_when_empty: bool) -> Self {
        if absent_when_empty && items.is_empty() {
            return Component::absent();
        }
        let size: usize = items.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        let over = size > WAF_HEADER_LIMIT_BYTES || items.len() > WAF_HEADER_LIMIT_ITEMS;
        let mut values = Vec::new();
        let mut used = 0usize;
        for (i, (k, v)) in items.iter().enumerate() {
            used += k.len() + v.len() + 4;
            if i >= WAF_HEADER_LIMIT_ITEMS || used > WAF_HEADER_LIMIT_BYTES {
                break;
            }
            values.push(Cow::Borrowed(k.as_bytes()));
            values.push(Cow::Borrowed(v.as_bytes()));
        }
        Component {
            values,
            size: size as u64,
            oversize: over.then_some((size as u64, WAF_HEADER_LIMIT_BYTES as u64)),
            absent: false,
        }
    }
}

/// Extract a component from the request. `body_limit` is the web ACL's
/// body inspection limit in bytes. Fact sheet §27 "Request components".
pub(crate) fn component<'a>(
    ctx: &'a HttpCtx,
    field: &FieldToMatch,
    body_limit: usize,
) -> Component<'a> {
    match field {
        FieldToMatch::Method => Component::one(&ctx.method),
        FieldToMatch::UriPath => Component::one(&ctx.path),
        FieldToMatch::QueryString => Component::one(&ctx.query),
        FieldToMatch::SingleQueryArgument { name } => {
            let values: Vec<Cow<[u8]>> = ctx
                .query
                .split('&')
                .filter_map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    k.eq_ignore_ascii_case(name.trim())
                        .then_some(Cow::Borrowed(v.as_bytes()))
                })
                .collect();
            if values.is_empty() {
                Component::absent()
            } else {
                Component {
                    size: values.iter().map(|v| v.len() as u64).sum(),
                    values,
                    oversize: None,
                    absent: false,
                }
            }
        }
        FieldToMatch::SingleHeader { name } => {
            let hs = waf_headers(ctx);
            match hs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name.trim())) {
                Some((_, v)) => Component::one(v),
                None => Component::absent(),
            }
        }
        FieldToMatch::AllHeaders => Component::items(waf_headers(ctx), false),
        FieldToMatch::Cookies => Component::items(cookies(ctx), true),
        FieldToMatch::Body => {
            let b = ctx.body.as_bytes();
            let over = b.len() > body_limit;
            Component {
                values: vec![Cow::Borrowed(&b[..b.len().min(body_limit)])],
                size: b.len() as u64,
                oversize: over.then_some((b.len() as u64, body_limit as u64)),
                absent: false,
            }
        }
    }
}

// ------------------------------------------------ text transformations

/// Apply the transformations in order. Fact sheet §27 "Text transformations".
pub fn transform<'a>(value: Cow<'a, [u8]>, ts: &[Transform]) -> Cow<'a, [u8]> {
    let mut v = value;
    for t in ts {
        v = match t {
            Transform::None => v,
            Transform::Lowercase => {
                if v.iter().any(u8::is_ascii_uppercase) {
                    Cow::Owned(v.to_ascii_lowercase())
                } else {
                    v
                }
            }
            Transform::UrlDecode => Cow::Owned(url_decode(&v)),
            Transform::HtmlEntityDecode => Cow::Owned(html_decode(&v)),
            Transform::CompressWhiteSpace => Cow::Owned(compress_ws(&v)),
            Transform::CmdLine => Cow::Owned(cmd_line(&v)),
            Transform::Base64Decode => match base64_decode(&v) {
                Some(d) => Cow::Owned(d),
                None => v,
            },
            Transform::RemoveNulls => {
                if v.contains(&0) {
                    Cow::Owned(v.iter().copied().filter(|b| *b != 0).collect())
                } else {
                    v
                }
            }
        };
    }
    v
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `%HH` to its byte and `+` to a space; a `%` without two hex digits stays.
fn url_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn push_char(out: &mut Vec<u8>, c: u32) {
    match char::from_u32(c) {
        Some(ch) if c >= 0x80 => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
        Some(_) => out.push(c as u8),
        None => {}
    }
}

/// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&nbsp;`, `&#NN;` and `&#xHH;`.
fn html_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&' {
            let end = s[i..].iter().take(12).position(|b| *b == b';');
            if let Some(e) = end {
                let name = &s[i + 1..i + e];
                let decoded = match name {
                    b"lt" => Some(u32::from(b'<')),
                    b"gt" => Some(u32::from(b'>')),
                    b"amp" => Some(u32::from(b'&')),
                    b"quot" => Some(u32::from(b'"')),
                    b"apos" => Some(u32::from(b'\'')),
                    b"nbsp" => Some(160),
                    [b'#', b'x' | b'X', h @ ..] if !h.is_empty() => std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u32::from_str_radix(h, 16).ok()),
                    [b'#', d @ ..] if !d.is_empty() => {
                        std::str::from_utf8(d).ok().and_then(|d| d.parse().ok())
                    }
                    _ => None,
                };
                if let Some(c) = decoded {
                    push_char(&mut out, c);
                    i += e + 1;
                    continue;
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// `\f \t \n \r \v` and NBSP become spaces; runs of spaces become one.
fn compress_ws(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (space, step) = match s[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0 => (true, 1),
            0xc2 if s.get(i + 1) == Some(&0xa0) => (true, 2),
            _ => (false, 1),
        };
        if space {
            if out.last() != Some(&b' ') {
                out.push(b' ');
            }
        } else {
            out.push(s[i]);
        }
        i += step;
    }
    out
}

/// AWS's CMD_LINE: delete `\ " ' ^`, delete spaces before `/` and `(`,
/// turn `,` and `;` into spaces, collapse whitespace, lowercase.
fn cmd_line(s: &[u8]) -> Vec<u8> {
    let kept: Vec<u8> = s
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\\' | b'"' | b'\'' | b'^'))
        .map(|b| if matches!(b, b',' | b';') { b' ' } else { b })
        .collect();
    let spaced = compress_ws(&kept);
    let mut out: Vec<u8> = Vec::with_capacity(spaced.len());
    for b in spaced {
        if matches!(b, b'/' | b'(') {
            while out.last() == Some(&b' ') {
                out.pop();
            }
        }
        out.push(b.to_ascii_lowercase());
    }
    out
}

/// Strict Base64 (standard or URL-safe alphabet, padding optional); None
/// when the value is not Base64, and the value is then left as it was.
fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s: &[u8] = {
        let mut end = s.len();
        while end > 0 && s[end - 1] == b'=' {
            end -= 1;
        }
        &s[..end]
    };
    if s.is_empty() || s.len() % 4 == 1 {
        return None;
    }
    let val = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (k, b) in chunk.iter().enumerate() {
            n |= val(*b)? << (18 - 6 * k);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    Some(out)
}

// ------------------------------------------------ matching

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `needle` sits in `hay` as the positional constraint says.
/// Fact sheet §27: CONTAINS_WORD wants non-word bytes (or the ends) on
/// both sides.
pub fn positional_match(hay: &[u8], needle: &[u8], pos: Positional) -> bool {
    match pos {
        Positional::Exactly => hay == needle,
        Positional::StartsWith => hay.starts_with(needle),
        Positional::EndsWith => hay.ends_with(needle),
        Positional::Contains => needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle),
        Positional::ContainsWord => {
            if needle.is_empty() || hay.len() < needle.len() {
                return false;
            }
            (0..=hay.len() - needle.len()).any(|i| {
                &hay[i..i + needle.len()] == needle
                    && (i == 0 || !is_word(hay[i - 1]))
                    && hay.get(i + needle.len()).is_none_or(|b| !is_word(*b))
            })
        }
    }
}

/// What a component statement decided, and the value that matched.
pub(crate) struct ComponentFinding {
    pub matched: bool,
    pub size: u64,
    pub oversize: Option<(u64, u64, Oversize)>,
    pub absent: bool,
    /// The transformed value that matched (or the first inspected).
    pub value: Option<Vec<u8>>,
}

/// The test a component statement applies to each transformed value.
pub(crate) enum Test<'s> {
    Bytes(&'s [u8], Positional),
    Regex(&'s [Regex]),
    Size(SizeComparison, u64),
}

/// Run a component statement: oversize handling first (Match or No
/// match decide without inspecting), then each value, transformed, tested.
/// Fact sheet §27.
pub(crate) fn run_component(
    ctx: &HttpCtx,
    field: &FieldToMatch,
    body_limit: usize,
    transforms: &[Transform],
    oversize: Oversize,
    test: Test,
) -> ComponentFinding {
    let c = component(ctx, field, body_limit);
    let over = c.oversize.map(|(s, l)| (s, l, oversize));
    let done = |matched: bool, value: Option<Vec<u8>>| ComponentFinding {
        matched,
        size: c.size,
        oversize: over,
        absent: c.absent,
        value,
    };
    if c.absent {
        return done(false, None);
    }
    if c.oversize.is_some() {
        match oversize {
            Oversize::Match => return done(true, None),
            Oversize::NoMatch => return done(false, None),
            Oversize::Continue => {}
        }
    }
    let mut first = None;
    for v in &c.values {
        let t = transform(Cow::Borrowed(v), transforms);
        let hit = match &test {
            Test::Bytes(needle, pos) => positional_match(&t, needle, *pos),
            Test::Regex(rs) => rs.iter().any(|r| r.is_match(&t)),
            Test::Size(cmp, limit) => {
                // The body's size is its full length; other components
                // their transformed length. Fact sheet §27.
                let size = if matches!(field, FieldToMatch::Body) && transforms.is_empty() {
                    c.size
                } else {
                    t.len() as u64
                };
                cmp.holds(size, *limit)
            }
        };
        if hit {
            return done(true, Some(t.into_owned()));
        }
        if first.is_none() {
            first = Some(t.into_owned());
        }
    }
    done(false, first)
}

/// Whether a label match statement finds its key among the labels.
/// `Label`: a label equal to the key, or ending in `:key`. `Namespace`:
/// a label in that namespace (starting with it, or holding it after a
/// `:`). Fact sheet §27 "Labels".
pub fn label_matches<'l>(labels: &'l [String], scope: LabelScope, key: &str) -> Option<&'l str> {
    let key = key.trim();
    labels
        .iter()
        .find(|l| match scope {
            LabelScope::Label => l.as_str() == key || l.ends_with(&format!(":{key}")),
            LabelScope::Namespace => {
                let ns = key.trim_end_matches(':');
                l.starts_with(&format!("{ns}:")) || l.contains(&format!(":{ns}:"))
            }
        })
        .map(String::as_str)
}

// ------------------------------------------------ tokens

/// The token a request carries, as WAF reads it: the world time (seconds)
/// of its last solved CAPTCHA and Challenge. Value forms: `120` (both at
/// 120 s), `captcha-120`, `challenge-90`, or both joined by `.`.
/// Fact sheet §27 "Token".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    None,
    Invalid,
    Solved {
        captcha_s: Option<u64>,
        challenge_s: Option<u64>,
    },
}

pub(crate) fn read_token(ctx: &HttpCtx) -> Token {
    let Some((_, v)) = cookies(ctx).into_iter().find(|(k, _)| *k == TOKEN_COOKIE) else {
        return Token::None;
    };
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Token::Solved {
            captcha_s: Some(s),
            challenge_s: Some(s),
        };
    }
    let (mut captcha_s, mut challenge_s) = (None, None);
    for part in v.split('.') {
        let slot = if let Some(n) = part.strip_prefix("captcha-") {
            (&mut captcha_s, n)
        } else if let Some(n) = part.strip_prefix("challenge-") {
            (&mut challenge_s, n)
        } else {
            return Token::Invalid;
        };
        match slot.1.parse::<u64>() {
            Ok(n) => *slot.0 = Some(n),
            Err(_) => return Token::Invalid,
        }
    }
    Token::Solved {
        captcha_s,
        challenge_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str, ts: &[Transform]) -> String {
        String::from_utf8_lossy(&transform(Cow::Borrowed(s.as_bytes()), ts)).into_owned()
    }

    #[test]
    fn transformations_apply_in_the_listed_order() {
        // §27: applied in order before inspection.
        use Transform::*;
        assert_eq!(t("%3CScRiPt%3E", &[UrlDecode, Lowercase]), "<script>");
        assert_eq!(t("%3CScRiPt%3E", &[Lowercase, UrlDecode]), "<script>");
        assert_eq!(t("%253C", &[UrlDecode]), "%3C");
        assert_eq!(t("&lt;b&gt;&#65;&#x42;", &[HtmlEntityDecode]), "<b>AB");
        assert_eq!(t("a \t\n  b", &[CompressWhiteSpace]), "a b");
        assert_eq!(t("C^a\"t /e'tc\\/pa;ss", &[CmdLine]), "cat/etc/pa ss");
        assert_eq!(t("PHNjcmlwdD4=", &[Base64Decode]), "<script>");
        assert_eq!(t("not base64!", &[Base64Decode]), "not base64!");
        assert_eq!(t("a\0b", &[RemoveNulls]), "ab");
        assert_eq!(t("ÀB", &[Lowercase]), "Àb", "LOWERCASE maps A-Z only");
    }

    #[test]
    fn contains_word_needs_non_word_neighbours() {
        // §27: `BadBot;`, `;BadBot`, `-BadBot;` match; `BadBots` does not.
        let w = |h: &str| positional_match(h.as_bytes(), b"BadBot", Positional::ContainsWord);
        assert!(w("BadBot"));
        assert!(w("BadBot;"));
        assert!(w(";BadBot"));
        assert!(w("-BadBot;"));
        assert!(!w("BadBots"));
        assert!(!w("xBadBot"));
        assert!(positional_match(
            b"xBadBots",
            b"BadBot",
            Positional::Contains
        ));
    }

    #[test]
    fn a_token_reads_as_solve_times() {
        let ctx = |c: &str| HttpCtx {
            headers: vec![("cookie".to_string(), c.to_string())].into(),
            ..Default::default()
        };
        assert_eq!(read_token(&ctx("a=1")), Token::None);
        assert_eq!(
            read_token(&ctx("a=1; aws-waf-token=captcha-5.challenge-7")),
            Token::Solved {
                captcha_s: Some(5),
                challenge_s: Some(7)
            }
        );
        assert_eq!(read_token(&ctx("aws-waf-token=zzz")), Token::Invalid);
    }
}
