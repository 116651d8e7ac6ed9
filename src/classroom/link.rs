//! Share links: a whole saved world in a URL fragment.
//!
//! `#world=1.<data>`: `1` is [`LINK_VERSION`] and `<data>` is the saved
//! world's JSON (the same fields as a "whole state" file, without the
//! revision), deflated in a zlib stream (`miniz_oxide`; its Adler-32
//! checksum finds a changed character) and written in URL-safe base64
//! without padding. The base scenario is not carried whole: a world on the
//! default scenario carries none, and an imported one carries only its
//! changes against the default (`scenario_patch`, see [`diff_values`]).
//! The journal is the changes the learner made, step by step.
//!
//! Reading a link checks, in order: the prefix and version, the length
//! ([`MAX_LINK_CHARS`]), the base64, the deflate stream (inflated to at
//! most [`MAX_SAVED_STATE_BYTES`]), the JSON, then the very reader a
//! "whole state" file goes through ([`SavedState::from_json`]: field paths,
//! limits) and the replay of every step ([`SavedState::restore`]). Any
//! failure is one message; nothing is half-applied.

use serde_json::{Map, Value};

use super::saved::SavedState;
use crate::sim::limits::MAX_SAVED_STATE_BYTES;

/// The link format this Hoplab writes and reads.
pub const LINK_VERSION: u32 = 1;

/// The fragment key a share link uses: `#world=…`.
pub const LINK_KEY: &str = "world=";

/// The longest fragment (after `#`) Hoplab writes or reads. Browsers keep
/// URLs of 2 MB, but chat tools, mail clients and LMS link fields cut or
/// refuse long ones well before; past this, Share offers the whole-state
/// download instead.
pub const MAX_LINK_CHARS: usize = 16 * 1024;

/// What a message about a link calls it.
const WHAT: &str = "share link";

/// Why a world cannot be written as a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// The link would be longer than [`MAX_LINK_CHARS`].
    TooLong { chars: usize },
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShareError::TooLong { chars } => write!(
                f,
                "this world needs a link of {chars} characters, more than the {MAX_LINK_CHARS} a link may have: download the whole state and share the file instead"
            ),
        }
    }
}

/// The fragment (without `#`) that carries `state`.
pub fn encode(state: &SavedState) -> Result<String, ShareError> {
    let json = serde_json::to_vec(&payload(state)).expect("a value serializes");
    let fragment = pack(&json);
    if fragment.len() > MAX_LINK_CHARS {
        return Err(ShareError::TooLong {
            chars: fragment.len(),
        });
    }
    Ok(fragment)
}

/// What a link carries, before it is packed: the saved world's JSON
/// without its revision, and its base scenario as changes against the
/// default (`scenario_patch`) whenever that patch rebuilds it exactly.
pub fn payload(state: &SavedState) -> Value {
    // Through the text the saved world already serializes to: one
    // `Serialize` per type in the wasm, not a second one into `Value`.
    let mut v = as_value(&state.to_json());
    let obj = v.as_object_mut().expect("a saved world is an object");
    obj.remove("revision");
    if let Some(scenario) = obj.remove("scenario") {
        let default = default_scenario_value();
        let patch = diff_values(&default, &scenario);
        let rebuilt = patch
            .as_ref()
            .map_or(Ok(default.clone()), |p| apply_patch(&default, p));
        match (patch, rebuilt) {
            (Some(p), Ok(r)) if r == scenario => {
                obj.insert("scenario_patch".into(), p);
            }
            // The default scenario itself: nothing to carry.
            (None, _) => {}
            _ => {
                obj.insert("scenario".into(), scenario);
            }
        }
    }
    v
}

/// A link's fragment (without `#`) for a payload's JSON bytes: a zlib
/// stream, then URL-safe base64, after the key and the version.
pub fn pack(json: &[u8]) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(json, 9);
    format!("{LINK_KEY}{LINK_VERSION}.{}", base64url(&packed))
}

/// Whether a location hash (with or without `#`) is a share link.
pub fn is_link(hash: &str) -> bool {
    hash.strip_prefix('#').unwrap_or(hash).starts_with(LINK_KEY)
}

/// Read a share link's fragment (with or without `#`) back into a saved
/// world, checked as a "whole state" file is. The message says what is
/// wrong with the link.
pub fn decode(hash: &str) -> Result<SavedState, String> {
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    if fragment.len() > MAX_LINK_CHARS {
        return Err(format!(
            "{WHAT}: {} characters is more than the {MAX_LINK_CHARS} a link may have",
            fragment.len()
        ));
    }
    let body = fragment
        .strip_prefix(LINK_KEY)
        .ok_or_else(|| format!("{WHAT}: it does not start with #{LINK_KEY}"))?;
    let (version, data) = body.split_once('.').ok_or_else(|| {
        format!("{WHAT}: no version (a link reads #{LINK_KEY}{LINK_VERSION}.…); it may have been cut short")
    })?;
    match version.parse::<u64>() {
        Ok(v) if v == u64::from(LINK_VERSION) => {}
        Ok(v) => {
            return Err(format!(
                "{WHAT}: version {v} is not one this Hoplab reads (it reads version {LINK_VERSION})"
            ))
        }
        Err(_) => {
            return Err(format!(
                "{WHAT}: '{}' is not a version number",
                crate::sim::text::clip(version)
            ))
        }
    }
    let packed = unbase64url(data).map_err(|e| format!("{WHAT}: {e}"))?;
    let json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(
        &packed,
        MAX_SAVED_STATE_BYTES as usize,
    )
    .map_err(|e| {
        if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput {
            format!("{WHAT}: it unpacks to more than {MAX_SAVED_STATE_BYTES} bytes")
        } else {
            format!("{WHAT}: its data is damaged or cut short (it does not unpack, or its checksum does not match)")
        }
    })?;
    let mut v: Value = serde_json::from_slice(&json)
        .map_err(|e| format!("{WHAT}: its data is not a saved world ({e})"))?;
    let obj = v
        .as_object_mut()
        .ok_or_else(|| format!("{WHAT}: its data is not a saved world"))?;
    if let Some(patch) = obj.remove("scenario_patch") {
        if obj.contains_key("scenario") {
            return Err(format!(
                "{WHAT}: it carries both a scenario and a scenario_patch"
            ));
        }
        let scenario = apply_patch(&default_scenario_value(), &patch)
            .map_err(|e| format!("{WHAT} field scenario_patch: {e}"))?;
        obj.insert("scenario".into(), scenario);
    }
    let text = serde_json::to_string(&v).expect("a value serializes");
    SavedState::from_json(&text).map_err(|e| e.replacen("saved world", WHAT, 1))
}

fn default_scenario_value() -> Value {
    as_value(
        &serde_json::to_string(&crate::sim::defaults::default_scenario())
            .expect("scenario serializes"),
    )
}

fn as_value(json: &str) -> Value {
    serde_json::from_str(json).expect("JSON this Hoplab wrote reads back")
}

/// What turns `a` into `b`, or `None` when they are equal. Objects are
/// patched key by key (a key `b` lacks is `null`, as in a JSON merge
/// patch, RFC 7386); an array of the same length is patched element by
/// element as an object keyed by index; anything else is replaced whole.
/// [`encode`] checks that [`apply_patch`] rebuilds `b` exactly (a `null`
/// that `b` holds cannot be told from a removal) and otherwise carries the
/// whole scenario.
pub fn diff_values(a: &Value, b: &Value) -> Option<Value> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = Map::new();
            for (k, va) in x {
                match y.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(vb) => {
                        if let Some(d) = diff_values(va, vb) {
                            out.insert(k.clone(), d);
                        }
                    }
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.insert(k.clone(), vb.clone());
                }
            }
            Some(Value::Object(out))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let out: Map<String, Value> = x
                .iter()
                .zip(y)
                .enumerate()
                .filter_map(|(i, (va, vb))| diff_values(va, vb).map(|d| (i.to_string(), d)))
                .collect();
            Some(Value::Object(out))
        }
        _ => Some(b.clone()),
    }
}

/// `base` with `patch` (from [`diff_values`]) applied. A patch that does
/// not fit its base (an index past an array's end) is refused.
pub fn apply_patch(base: &Value, patch: &Value) -> Result<Value, String> {
    match (base, patch) {
        (Value::Object(x), Value::Object(p)) => {
            let mut out = x.clone();
            for (k, d) in p {
                if d.is_null() {
                    out.remove(k);
                } else {
                    let next = match x.get(k) {
                        Some(old) => apply_patch(old, d).map_err(|e| format!("{k}.{e}"))?,
                        None => d.clone(),
                    };
                    out.insert(k.clone(), next);
                }
            }
            Ok(Value::Object(out))
        }
        (Value::Array(x), Value::Object(p)) => {
            let mut out = x.clone();
            for (k, d) in p {
                let i = k
                    .parse::<usize>()
                    .ok()
                    .filter(|i| *i < x.len())
                    .ok_or_else(|| {
                        format!(
                            "[{}]: no such element (the list has {})",
                            crate::sim::text::clip(k),
                            x.len()
                        )
                    })?;
                out[i] = apply_patch(&x[i], d).map_err(|e| format!("[{i}].{e}"))?;
            }
            Ok(Value::Array(out))
        }
        _ => Ok(patch.clone()),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 (RFC 4648 §5) without padding.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The bytes of URL-safe base64 without padding (trailing `=` tolerated).
pub fn unbase64url(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return Err("its data is cut short (a base64 text cannot have this length)".into());
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let d = B64.iter().position(|b| b == c).ok_or_else(|| {
                format!(
                    "'{}' cannot appear in its data (letters, digits, - and _ only)",
                    char::from(*c).escape_default()
                )
            })?;
            n |= (d as u32) << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // The bits past the last byte are zero when a writer made them.
        if n & (0xff_ffff >> (8 * bytes)) != 0 {
            return Err("its data is damaged or cut short (its last character does not end on a whole byte)".into());
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length_and_byte() {
        for len in 0..70usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let text = base64url(&bytes);
            assert!(text.bytes().all(|b| B64.contains(&b)), "{text}");
            assert_eq!(unbase64url(&text).unwrap(), bytes, "length {len}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unbase64url(&base64url(&all)).unwrap(), all);
        // RFC 4648 §10's vectors, in the URL-safe alphabet without padding.
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn base64url_refuses_foreign_characters_and_impossible_lengths() {
        assert!(unbase64url("Zm9v+mFy").unwrap_err().contains("'+'"));
        assert!(unbase64url("Zm9vY").unwrap_err().contains("cut short"));
    }

    #[test]
    fn a_patch_rebuilds_the_value_it_was_made_from() {
        let a = serde_json::json!({"x": 1, "list": [1, {"y": 2}, 3], "gone": true, "short": [1]});
        let b = serde_json::json!({"x": 2, "list": [1, {"y": 5}, 3], "new": "n", "short": [1, 2]});
        let p = diff_values(&a, &b).unwrap();
        assert_eq!(apply_patch(&a, &p).unwrap(), b);
        assert_eq!(p["list"], serde_json::json!({"1": {"y": 5}}));
        assert_eq!(p["gone"], Value::Null);
        assert!(diff_values(&a, &a).is_none());
    }

    #[test]
    fn a_patch_that_does_not_fit_its_base_is_refused() {
        let a = serde_json::json!({"list": [1, 2]});
        let err = apply_patch(&a, &serde_json::json!({"list": {"7": 3}})).unwrap_err();
        assert_eq!(err, "list.[7]: no such element (the list has 2)");
    }
}
