//! A small, bounded regular-expression matcher for WAF regex pattern sets.
//! Fact sheet §27 "Regex pattern set".
//!
//! The subset: literal bytes, `.`, classes `[a-z]` and `[^...]`, escapes
//! `\d \D \w \W \s \S \t \n \r \xHH` and escaped metacharacters, anchors `^`
//! and `$`, groups `( )` and `(?: )` (they only group: nothing is
//! captured), alternation `|`, quantifiers `* + ?` and `{n}` `{n,}`
//! `{n,m}` (a trailing `?` for laziness is accepted: it does not change
//! whether a pattern matches), and a leading `(?i)` for case-insensitive
//! matching. What AWS refuses is refused here too: backreferences,
//! lookaround, atomic groups, possessive quantifiers, recursion,
//! conditionals, `\C`, `\R`, `\K`.
//!
//! Matching runs every thread in step over the input (a Thompson/Pike
//! simulation without captures), so time is at most input length x
//! program size: never exponential, whatever the pattern.

use std::fmt;

/// The largest compiled program (after counted repetitions are expanded).
const MAX_PROGRAM: usize = 2_000;

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Regex {
    prog: Vec<Inst>,
}

#[derive(Clone, Debug)]
enum Inst {
    /// Consume one byte in the set.
    Byte([u64; 4]),
    Split(usize, usize),
    Jmp(usize),
    /// `^`: at the start of the input.
    Start,
    /// `$`: at the end of the input.
    End,
    Match,
}

/// Why a pattern is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError(pub String);

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

enum Node {
    Set([u64; 4]),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

fn set_of(b: u8) -> [u64; 4] {
    let mut s = [0u64; 4];
    add(&mut s, b);
    s
}
fn add(s: &mut [u64; 4], b: u8) {
    s[(b >> 6) as usize] |= 1 << (b & 63);
}
fn has(s: &[u64; 4], b: u8) -> bool {
    s[(b >> 6) as usize] & (1 << (b & 63)) != 0
}
fn range(s: &mut [u64; 4], lo: u8, hi: u8) {
    for b in lo..=hi {
        add(s, b);
    }
}
fn negate(s: &mut [u64; 4]) {
    for w in s.iter_mut() {
        *w = !*w;
    }
}
fn fold_case(s: &mut [u64; 4]) {
    for b in b'a'..=b'z' {
        let u = b.to_ascii_uppercase();
        if has(s, b) || has(s, u) {
            add(s, b);
            add(s, u);
        }
    }
}

struct Parser<'p> {
    p: &'p [u8],
    i: usize,
    icase: bool,
    depth: u32,
}

fn err<T>(m: impl Into<String>) -> Result<T, RegexError> {
    Err(RegexError(m.into()))
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    fn alt(&mut self) -> Result<Node, RegexError> {
        let mut arms = vec![self.concat()?];
        while self.peek() == Some(b'|') {
            self.i += 1;
            arms.push(self.concat()?);
        }
        Ok(if arms.len() == 1 {
            arms.pop().expect("one arm")
        } else {
            Node::Alt(arms)
        })
    }

    fn concat(&mut self) -> Result<Node, RegexError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == b'|' || c == b')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, RegexError> {
        let (min, max) = match self.peek() {
            Some(b'*') => (0, None),
            Some(b'+') => (1, None),
            Some(b'?') => (0, Some(1)),
            Some(b'{') => match self.counted()? {
                Some(q) => q,
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        self.i += 1;
        match self.peek() {
            Some(b'+') => return err("possessive quantifiers are not supported by AWS WAF"),
            Some(b'?') => self.i += 1,
            _ => {}
        }
        if matches!(self.peek(), Some(b'*' | b'+' | b'?' | b'{')) && self.counted_ahead() {
            return err("a quantifier cannot follow another quantifier");
        }
        if matches!(atom, Node::Start | Node::End) {
            return err("an anchor cannot be repeated");
        }
        Ok(Node::Repeat(Box::new(atom), min, max))
    }

    /// Whether the next `{` is a real counted quantifier (else a literal).
    fn counted_ahead(&self) -> bool {
        if self.peek() != Some(b'{') {
            return true;
        }
        let rest = &self.p[self.i + 1..];
        let end = rest.iter().position(|c| *c == b'}');
        end.is_some_and(|e| {
            let body = &rest[..e];
            !body.is_empty()
                && body[0].is_ascii_digit()
                && body.iter().all(|c| c.is_ascii_digit() || *c == b',')
        })
    }

    /// `{n}`, `{n,}`, `{n,m}`; None (and nothing consumed) when the brace
    /// is a literal.
    #[allow(clippy::type_complexity)]
    fn counted(&mut self) -> Result<Option<(u32, Option<u32>)>, RegexError> {
        if !self.counted_ahead() {
            return Ok(None);
        }
        let start = self.i + 1;
        let end = start
            + self.p[start..]
                .iter()
                .position(|c| *c == b'}')
                .expect("checked by counted_ahead");
        let body = std::str::from_utf8(&self.p[start..end]).unwrap_or("");
        let num = |t: &str| -> Result<u32, RegexError> {
            t.parse::<u32>()
                .ok()
                .filter(|n| *n <= 1000)
                .ok_or_else(|| RegexError(format!("repeat count '{t}' is over 1000")))
        };
        let q = match body.split_once(',') {
            None => {
                let n = num(body)?;
                (n, Some(n))
            }
            Some((a, "")) => (num(a)?, None),
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if b < a {
                    return err(format!("repeat {{{a},{b}}} has its bounds reversed"));
                }
                (a, Some(b))
            }
        };
        // Left on the '}', which the caller steps over as it does '*'.
        self.i = end;
        Ok(Some(q))
    }

    fn atom(&mut self) -> Result<Node, RegexError> {
        let c = self.peek().expect("concat checked");
        self.i += 1;
        Ok(match c {
            b'.' => {
                let mut s = [!0u64; 4];
                s[0] &= !(1 << b'\n');
                Node::Set(s)
            }
            b'^' => Node::Start,
            b'$' => Node::End,
            b'(' => {
                if self.peek() == Some(b'?') {
                    if self.p[self.i..].starts_with(b"?:") {
                        self.i += 2;
                    } else {
                        return err(
                            "only (?:...) groups and a leading (?i) are supported: no lookaround, atomic groups, recursion, conditionals or named groups (AWS WAF refuses them too)",
                        );
                    }
                }
                self.depth += 1;
                if self.depth > 50 {
                    return err("groups nest too deeply");
                }
                let inner = self.alt()?;
                self.depth -= 1;
                if self.peek() != Some(b')') {
                    return err("a '(' is not closed");
                }
                self.i += 1;
                inner
            }
            b')' => return err("a ')' has no '('"),
            b'*' | b'+' | b'?' => return err("a quantifier needs something before it"),
            b'[' => Node::Set(self.class()?),
            b'\\' => Node::Set(self.escape(false)?),
            b => {
                let mut s = set_of(b);
                if self.icase {
                    fold_case(&mut s);
                }
                Node::Set(s)
            }
        })
    }

    fn escape(&mut self, in_class: bool) -> Result<[u64; 4], RegexError> {
        let Some(c) = self.peek() else {
            return err("the pattern ends with a lone '\\'");
        };
        self.i += 1;
        let mut s = [0u64; 4];
        match c {
            b'd' | b'D' => range(&mut s, b'0', b'9'),
            b'w' | b'W' => {
                range(&mut s, b'a', b'z');
                range(&mut s, b'A', b'Z');
                range(&mut s, b'0', b'9');
                add(&mut s, b'_');
            }
            b's' | b'S' => {
                for b in [b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c] {
                    add(&mut s, b);
                }
            }
            b't' => add(&mut s, b'\t'),
            b'n' => add(&mut s, b'\n'),
            b'r' => add(&mut s, b'\r'),
            b'x' => {
                let hex = self.p.get(self.i..self.i + 2).unwrap_or(b"");
                let v = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(v) = v else {
                    return err("\\x needs two hex digits");
                };
                self.i += 2;
                add(&mut s, v);
            }
            b'1'..=b'9' => return err("backreferences are not supported by AWS WAF"),
            b'C' | b'R' | b'K' => {
                return err(format!("\\{} is not supported by AWS WAF", c as char))
            }
            b'b' | b'B' | b'A' | b'z' | b'Z' | b'G' if !in_class => {
                return err(format!(
                    "\\{} is outside Hoplab's regex subset (see README)",
                    c as char
                ))
            }
            c if c.is_ascii_alphanumeric() => {
                return err(format!(
                    "\\{} is outside Hoplab's regex subset (see README)",
                    c as char
                ))
            }
            c => add(&mut s, c),
        }
        if matches!(c, b'D' | b'W' | b'S') {
            negate(&mut s);
        }
        Ok(s)
    }

    fn class(&mut self) -> Result<[u64; 4], RegexError> {
        let mut s = [0u64; 4];
        let neg = self.peek() == Some(b'^');
        if neg {
            self.i += 1;
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return err("a '[' is not closed");
            };
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            self.i += 1;
            let lo = if c == b'\\' {
                let e = self.escape(true)?;
                if e.iter().map(|w| w.count_ones()).sum::<u32>() != 1 {
                    for (a, b) in s.iter_mut().zip(e) {
                        *a |= b;
                    }
                    continue;
                }
                (0..=255u8).find(|b| has(&e, *b)).expect("one byte")
            } else {
                c
            };
            if self.peek() == Some(b'-') && self.p.get(self.i + 1).is_some_and(|n| *n != b']') {
                self.i += 1;
                let hi = self.p[self.i];
                self.i += 1;
                let hi = if hi == b'\\' {
                    let e = self.escape(true)?;
                    match (0..=255u8).find(|b| has(&e, *b)) {
                        Some(b) if e.iter().map(|w| w.count_ones()).sum::<u32>() == 1 => b,
                        _ => return err("a class range must end in one character"),
                    }
                } else {
                    hi
                };
                if hi < lo {
                    return err(format!(
                        "class range {}-{} is reversed",
                        lo as char, hi as char
                    ));
                }
                range(&mut s, lo, hi);
            } else {
                add(&mut s, lo);
            }
        }
        if self.icase {
            fold_case(&mut s);
        }
        if neg {
            negate(&mut s);
        }
        Ok(s)
    }
}

struct Compiler {
    prog: Vec<Inst>,
}

impl Compiler {
    fn push(&mut self, i: Inst) -> Result<usize, RegexError> {
        if self.prog.len() >= MAX_PROGRAM {
            return err("the pattern is too large once its repetitions are expanded");
        }
        self.prog.push(i);
        Ok(self.prog.len() - 1)
    }

    fn node(&mut self, n: &Node) -> Result<(), RegexError> {
        match n {
            Node::Set(s) => {
                self.push(Inst::Byte(*s))?;
            }
            Node::Start => {
                self.push(Inst::Start)?;
            }
            Node::End => {
                self.push(Inst::End)?;
            }
            Node::Concat(items) => {
                for i in items {
                    self.node(i)?;
                }
            }
            Node::Alt(arms) => {
                let mut jumps = Vec::new();
                for (k, arm) in arms.iter().enumerate() {
                    if k + 1 < arms.len() {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.node(arm)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, next);
                    } else {
                        self.node(arm)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat(body, min, max) => {
                for _ in 0..*min {
                    self.node(body)?;
                }
                match max {
                    None => {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.node(body)?;
                        self.push(Inst::Jmp(split))?;
                        let end = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, end);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.push(Inst::Split(0, 0))?);
                            self.node(body)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.prog[s] = Inst::Split(s + 1, end);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Regex {
    /// Compile a pattern of the subset, or say why not.
    pub fn new(pattern: &str) -> Result<Regex, RegexError> {
        let (icase, body) = match pattern.strip_prefix("(?i)") {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let mut p = Parser {
            p: body.as_bytes(),
            i: 0,
            icase,
            depth: 0,
        };
        let ast = p.alt()?;
        if p.i < p.p.len() {
            return err("a ')' has no '('");
        }
        let mut c = Compiler { prog: Vec::new() };
        c.node(&ast)?;
        c.push(Inst::Match)?;
        Ok(Regex { prog: c.prog })
    }

    /// Whether the pattern matches anywhere in `hay`.
    pub fn is_match(&self, hay: &[u8]) -> bool {
        let n = self.prog.len();
        let mut clist: Vec<usize> = Vec::with_capacity(n);
        let mut nlist: Vec<usize> = Vec::with_capacity(n);
        let mut seen = vec![usize::MAX; n];
        let mut stack = Vec::new();
        for pos in 0..=hay.len() {
            // A new thread starts at every position (unanchored search).
            if self.add(&mut clist, &mut seen, &mut stack, 0, pos, hay.len()) {
                return true;
            }
            let Some(&b) = hay.get(pos) else {
                break;
            };
            nlist.clear();
            for &pc in &clist {
                if let Inst::Byte(s) = &self.prog[pc] {
                    if has(s, b)
                        && self.add(
                            &mut nlist,
                            &mut seen,
                            &mut stack,
                            pc + 1,
                            pos + 1,
                            hay.len(),
                        )
                    {
                        return true;
                    }
                }
            }
            std::mem::swap(&mut clist, &mut nlist);
        }
        false
    }

    /// Follow the epsilon moves from `pc` at `pos`; true on reaching Match.
    /// `seen[pc] == pos` marks a state already in this step's list.
    fn add(
        &self,
        list: &mut Vec<usize>,
        seen: &mut [usize],
        stack: &mut Vec<usize>,
        pc: usize,
        pos: usize,
        len: usize,
    ) -> bool {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if seen[pc] == pos {
                continue;
            }
            seen[pc] = pos;
            match &self.prog[pc] {
                Inst::Byte(_) => list.push(pc),
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Jmp(a) => stack.push(*a),
                Inst::Start => {
                    if pos == 0 {
                        stack.push(pc + 1);
                    }
                }
                Inst::End => {
                    if pos == len {
                        stack.push(pc + 1);
                    }
                }
                Inst::Match => {
                    stack.clear();
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(p).unwrap().is_match(s.as_bytes())
    }

    #[test]
    fn the_subset_matches_as_pcre_would() {
        // §27 "Regex pattern set": a set matches if any pattern matches.
        assert!(m("^/admin", "/admin/x"));
        assert!(!m("^/admin", "/x/admin"));
        assert!(m("\\.(php|asp)$", "/index.php"));
        assert!(!m("\\.(php|asp)$", "/index.php5"));
        assert!(m("(?i)union\\s+select", "1 UNION   SeLeCt 2"));
        assert!(m("[0-9]{3}-[0-9]{4}", "call 555-1234"));
        assert!(!m("^a{2,3}$", "aaaa"));
        assert!(m("^a{2,3}$", "aaa"));
        assert!(m("[^a-z]", "abc1"));
        assert!(m("a.c", "abc"));
        assert!(m("x*", ""));
        assert!(m("\\x41", "A"));
    }

    #[test]
    fn what_aws_refuses_is_refused() {
        // §27: no backreferences, lookaround, atomic groups, possessive, \C \R \K.
        for p in [
            "(a)\\1", "(?=a)", "(?>a)", "a++", "\\K", "\\C", "\\R", "(?<n>a)", "(", "[a", "a{3,1}",
        ] {
            assert!(Regex::new(p).is_err(), "{p}");
        }
    }

    #[test]
    fn a_catastrophic_pattern_still_runs_in_linear_time() {
        // (a+)+b on a long run of a's is exponential for backtracking engines.
        let r = Regex::new("(a+)+b").unwrap();
        let hay = "a".repeat(20_000);
        assert!(!r.is_match(hay.as_bytes()));
        assert!(
            Regex::new("(a{1000}){1000}").is_err(),
            "too large is refused"
        );
    }
}
