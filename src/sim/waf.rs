//! AWS WAF: a web ACL's rules by priority, Allow and Block terminating,
//! Count going on, the default action when nothing terminated; rate-based
//! counters per rule and client address. Fact sheet §6, §27.
//!
//! One evaluation decides, recorded or not; the checks a learner reads are
//! built only when the walk records.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::Ipv4Addr;

use super::check::{Check, CheckKind, Decision, Leg, RuleRef};
use super::event::waf::{
    WafBodyLimit, WafDecider, WafInspected, WafOversizeSeen, WafSite, WafStatementKind,
    WafTokenCheck, WafTokenState,
};
use super::event::{Event, WafEvent};
use super::lb::HttpCtx;
use super::net::cidr_has;
use super::scenario::{
    full_label, immunity_s, Client, FieldToMatch, LabelScope, ManagedGroup, Transform, WafAction,
    WafRule, WafStatement, WebAcl,
};
use super::trace::{Code, Layer, Recorder, Step, Verdict};
use super::waf_match::{label_matches, read_token, run_component, ComponentFinding, Test, Token};
use super::world::{by_priority, World};

/// The request times a rate-based rule counted, per client address.
pub type RateWindow = BTreeMap<Ipv4Addr, VecDeque<u64>>;

/// WAF's runtime state: the request times each rate-based rule counted,
/// by web ACL id, then rule name, then client address.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WafState {
    pub hits: BTreeMap<String, BTreeMap<String, RateWindow>>,
}

impl WafState {
    /// Count one request from `ip` for a rate-based rule and return how many
    /// it has counted in the window (this one included).
    fn count(
        &mut self,
        acl: &WebAcl,
        rule: &WafRule,
        ip: Ipv4Addr,
        window_s: u32,
        now: u64,
    ) -> u32 {
        if !self.hits.contains_key(&acl.id) {
            self.hits.insert(acl.id.clone(), BTreeMap::new());
        }
        let rules = self.hits.get_mut(&acl.id).expect("inserted above");
        if !rules.contains_key(&rule.name) {
            rules.insert(rule.name.clone(), BTreeMap::new());
        }
        let hits = rules
            .get_mut(&rule.name)
            .expect("inserted above")
            .entry(ip)
            .or_default();
        let from = now.saturating_sub(window_s as u64 * 1000);
        while hits.front().is_some_and(|t| *t < from) {
            hits.pop_front();
        }
        hits.push_back(now);
        hits.len() as u32
    }
}

/// One request as a web ACL sees it.
pub(crate) struct WafRequest<'r> {
    /// The TCP peer (the viewer at CloudFront, the edge or viewer at an ALB).
    pub peer: Ipv4Addr,
    pub ctx: &'r HttpCtx,
    /// Body bytes inspected: 8 KB regional, 16 KB on CloudFront.
    /// Fact sheet §6 "Body inspection limit".
    pub body_limit: usize,
    /// The scenario's clients, to place an address in a country.
    pub clients: &'r [Client],
    /// The world clock, for rate-based windows.
    pub now_ms: u64,
}

/// What decided: a terminating rule, or the default action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decider<'a> {
    Rule(&'a WafRule),
    Default(WafAction),
}

impl Decider<'_> {
    /// The check's typed rule reference.
    pub(crate) fn rule_ref(self) -> RuleRef {
        match self {
            Decider::Rule(r) => RuleRef::WafRule {
                priority: r.priority,
                name: r.name.clone(),
            },
            Decider::Default(_) => RuleRef::WafDefault,
        }
    }
}

impl fmt::Display for Decider<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decider::Rule(r) => f.write_str(&r.name),
            Decider::Default(a) => write!(f, "the default action ({a:?})"),
        }
    }
}

/// A web ACL's verdict on one request.
pub(crate) struct WafVerdict<'a> {
    /// The request goes on (Allow or Count), or gets 403 (Block).
    pub allowed: bool,
    pub decider: Decider<'a>,
    /// The client address WAF evaluated.
    pub seen: Ipv4Addr,
    /// One check per rule looked at and the default (recorded walks only).
    pub checks: Vec<Check>,
    /// The decider as the event carries it (recorded walks only).
    pub recorded_decider: Option<WafDecider>,
    /// The answer when the request is stopped: 403 Block, 405 CAPTCHA,
    /// 202 Challenge. Fact sheet §6, §27.
    pub status: u16,
    /// Labels on the request at the end (full names). Fact sheet §27.
    pub labels: Vec<String>,
    /// Rules that matched without terminating (recorded walks only).
    pub counted: Vec<String>,
    /// Token checks of CAPTCHA and Challenge rules (recorded walks only).
    pub tokens: Vec<WafTokenCheck>,
    /// `(size, limit)` of a body past the inspection limit.
    pub body_past_limit: Option<(u64, u64)>,
}

impl WafVerdict<'_> {
    /// The decider as the events carry it (recorded walks only).
    pub(crate) fn decider_event(&self) -> WafDecider {
        self.recorded_decider
            .clone()
            .expect("a recorded walk keeps the decider's event")
    }

    /// The verdict as a hop's event (recorded walks only).
    pub(crate) fn event(&self, acl: &WebAcl, at: WafSite) -> Event {
        Event::Waf(WafEvent::Decision {
            acl_id: acl.id.clone(),
            acl_name: acl.name.clone(),
            at,
            client: self.seen,
            allowed: self.allowed,
            decider: self.decider_event(),
            default_action: acl.default_action,
            labels: self.labels.clone(),
            counted: self.counted.clone(),
            tokens: self.tokens.clone(),
            status: (!self.allowed && self.status != 403).then_some(self.status),
            body_past_limit: self
                .body_past_limit
                .map(|(size, limit)| WafBodyLimit { size, limit }),
        })
    }

    /// The explanation code of a stopped request.
    pub(crate) fn code(&self) -> Code {
        if self.status == 403 {
            Code::WafRuleBlock
        } else {
            Code::WafInterstitial
        }
    }

    /// CAPTCHA or Challenge stopped the request: WAF's own answer as an
    /// event (recorded walks only). Fact sheet §27.
    pub(crate) fn interstitial(&self, acl: &WebAcl, ctx: &HttpCtx) -> Option<Event> {
        let Decider::Rule(r) = self.decider else {
            return None;
        };
        if self.allowed || self.status == 403 {
            return None;
        }
        let html = match ctx.header("accept") {
            Some(a) => a.to_ascii_lowercase().contains("text/html"),
            None => &*ctx.method == "GET",
        };
        Some(Event::Waf(WafEvent::Interstitial {
            acl_id: acl.id.clone(),
            rule: r.name.clone(),
            action: r.action,
            status: self.status,
            html,
        }))
    }

    /// The verdict as a hop at `(from, to)` (recorded walks only): the same
    /// hop wherever the web ACL runs, at CloudFront or on an ALB.
    pub(crate) fn step(&self, acl: &WebAcl, at: WafSite, (from, to): (&str, &str)) -> Step {
        let (verdict, code) = if self.allowed {
            (Verdict::Pass, Code::WafDefaultAllow)
        } else {
            (Verdict::Error, self.code())
        };
        Step::new(
            (from, to),
            Layer::Http,
            "-",
            self.event(acl, at),
            verdict,
            code,
        )
        .checks(self.checks.clone())
    }
}

/// Evaluate a web ACL: rules by priority; Allow and Block terminate, Count
/// goes on; CAPTCHA and Challenge go on with a valid token and stop the
/// request without one; labels a matching rule adds are seen by later
/// rules; the default action applies when nothing terminated. Counters
/// of rate-based rules are in `state`. Fact sheet §6, §27.
pub(crate) fn evaluate<'a>(
    acl: &'a WebAcl,
    state: &mut WafState,
    req: &WafRequest,
    rec: &Recorder,
) -> WafVerdict<'a> {
    let seen = client_address(acl, req.peer, req.ctx);
    let fields = Fields::of(req.ctx, req.body_limit);
    let mut path = rec.path();
    let mut event = None;
    let mut labels: Vec<String> = Vec::new();
    let mut counted = Vec::new();
    let mut tokens = Vec::new();
    for r in by_priority(&acl.rules, |r| r.priority) {
        let finding = inspect(r, acl, state, req, &fields, seen, &labels);
        let matched = finding.matched();
        let token = if matched && matches!(r.action, WafAction::Captcha | WafAction::Challenge) {
            Some(token_check(acl, r, req))
        } else {
            None
        };
        let token_ok = token
            .as_ref()
            .is_some_and(|t| t.state == WafTokenState::Valid);
        // A managed group under Block uses its rules' own actions (Block);
        // under Count every rule is overridden to Count.
        let terminating = matched
            && match r.action {
                WafAction::Count => false,
                WafAction::Captcha | WafAction::Challenge => !token_ok,
                WafAction::Allow | WafAction::Block => true,
            };
        let allowed = !terminating || r.action == WafAction::Allow;
        path.add(
            CheckKind::WafRule,
            None,
            Leg::Forward,
            Decision { allowed, at: None },
            |_| rule_check(r, &finding, seen, matched, terminating, &labels),
        );
        if let Some(t) = token.filter(|_| rec.records()) {
            tokens.push(t);
        }
        if matches!(r.statement, WafStatement::GeoMatch { .. }) {
            // Geo match labels every request it inspects. Fact sheet §27.
            for l in geo_labels(req, seen) {
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
        }
        if matched {
            // Labels are added when the rule finishes. Fact sheet §27.
            labels.extend(r.labels.iter().map(|l| full_label(acl, l)));
            if let (WafStatement::ManagedRuleGroup { group }, Finding::Managed(Some(rule))) =
                (&r.statement, &finding)
            {
                labels.push(super::waf_managed::managed_label(*group, rule));
            }
            if !terminating && rec.records() {
                counted.push(r.name.clone());
            }
        }
        if terminating {
            if rec.records() {
                event = Some(WafDecider::Rule {
                    priority: r.priority,
                    name: r.name.clone(),
                    statement: statement_kind(&r.statement),
                    action: r.action,
                    inspected: finding.inspected(seen, &r.statement, &labels),
                });
            }
            return WafVerdict {
                allowed: r.action == WafAction::Allow,
                decider: Decider::Rule(r),
                seen,
                checks: path.into_list(),
                recorded_decider: event,
                status: match r.action {
                    WafAction::Captcha => 405,
                    WafAction::Challenge => 202,
                    _ => 403,
                },
                labels,
                counted,
                tokens,
                body_past_limit: body_past_limit(req),
            };
        }
    }
    let allowed = acl.default_action != WafAction::Block;
    let decider = Decider::Default(acl.default_action);
    path.add(
        CheckKind::WafDefault,
        None,
        Leg::Forward,
        Decision { allowed, at: None },
        |_| {
            Check::other(
                CheckKind::WafDefault,
                &acl.name,
                "no terminating rule matched".into(),
                String::new(),
                allowed,
            )
            .rule(
                decider.rule_ref(),
                format!("default action {:?}", acl.default_action),
                allowed,
            )
        },
    );
    if rec.records() {
        event = Some(WafDecider::Default {
            action: acl.default_action,
        });
    }
    WafVerdict {
        allowed,
        decider,
        seen,
        checks: path.into_list(),
        recorded_decider: event,
        status: 403,
        labels,
        counted,
        tokens,
        body_past_limit: body_past_limit(req),
    }
}

/// The labels a geo match adds to every request it inspects:
/// `awswaf:clientip:geo:country:US` and, when known,
/// `awswaf:clientip:geo:region:US-NY`. Fact sheet §6, §27.
fn geo_labels(req: &WafRequest, seen: Ipv4Addr) -> Vec<String> {
    let Some(c) = req.clients.iter().find(|c| c.ip == seen) else {
        return Vec::new();
    };
    let cc = &c.geo.country;
    let mut out = vec![format!("awswaf:clientip:geo:country:{cc}")];
    if let Some(sub) = &c.geo.subdivision {
        out.push(format!("awswaf:clientip:geo:region:{cc}-{sub}"));
    }
    out
}

/// `(size, limit)` when the body is larger than what WAF inspects.
fn body_past_limit(req: &WafRequest) -> Option<(u64, u64)> {
    (req.ctx.body.len() > req.body_limit)
        .then_some((req.ctx.body.len() as u64, req.body_limit as u64))
}

/// A CAPTCHA or Challenge rule's look at the request's token: valid when
/// the matching solve is no older than the immunity time (world clock).
/// Fact sheet §27 "CAPTCHA and Challenge".
fn token_check(acl: &WebAcl, r: &WafRule, req: &WafRequest) -> WafTokenCheck {
    let immunity = immunity_s(acl, r);
    let now_s = req.now_ms / 1000;
    let solved = match read_token(req.ctx) {
        Token::None => Err(WafTokenState::Missing),
        Token::Invalid => Err(WafTokenState::Invalid),
        Token::Solved {
            captcha_s,
            challenge_s,
        } => match r.action {
            WafAction::Captcha => captcha_s,
            _ => challenge_s,
        }
        .filter(|at| *at <= now_s)
        .ok_or(WafTokenState::Invalid),
    };
    let (state, solved_at_s, age_s) = match solved {
        Err(state) => (state, None, None),
        Ok(at) => {
            let age = now_s - at;
            let state = if age <= immunity as u64 {
                WafTokenState::Valid
            } else {
                WafTokenState::Expired
            };
            (state, Some(at), Some(age))
        }
    };
    WafTokenCheck {
        rule: r.name.clone(),
        action: r.action,
        state,
        solved_at_s,
        age_s,
        immunity_s: immunity,
    }
}

/// The client address WAF evaluates: the first address of the forwarded-IP
/// header when the ACL reads one, otherwise the TCP peer. Fact sheet §6.
fn client_address(acl: &WebAcl, peer: Ipv4Addr, ctx: &HttpCtx) -> Ipv4Addr {
    let Some(h) = acl.forwarded_ip_header.as_deref() else {
        return peer;
    };
    let first = match ctx.header(h) {
        Some(v) => v.split(',').next().and_then(|f| f.trim().parse().ok()),
        None if h.eq_ignore_ascii_case("x-forwarded-for") => ctx.xff.first().copied(),
        None => None,
    };
    first.unwrap_or(peer)
}

fn statement_kind(s: &WafStatement) -> WafStatementKind {
    match s {
        WafStatement::IpSet { .. } => WafStatementKind::IpSet,
        WafStatement::SqlInjection => WafStatementKind::SqlInjection,
        WafStatement::Xss => WafStatementKind::Xss,
        WafStatement::GeoMatch { .. } => WafStatementKind::GeoMatch,
        WafStatement::RateBased { .. } => WafStatementKind::RateBased,
        WafStatement::ByteMatch { .. } => WafStatementKind::ByteMatch,
        WafStatement::RegexMatch { .. } => WafStatementKind::RegexMatch,
        WafStatement::SizeConstraint { .. } => WafStatementKind::SizeConstraint,
        WafStatement::LabelMatch { .. } => WafStatementKind::LabelMatch,
        WafStatement::ManagedRuleGroup { .. } => WafStatementKind::ManagedRuleGroup,
    }
}

/// The check for one rule (recorded walks only).
fn rule_check(
    r: &WafRule,
    finding: &Finding,
    seen: Ipv4Addr,
    matched: bool,
    terminating: bool,
    labels: &[String],
) -> Check {
    let allowed = !terminating || r.action == WafAction::Allow;
    let decided_by = if matched {
        format!(
            "match -> {:?}{}",
            r.action,
            match r.action {
                WafAction::Count => " (counted, evaluation goes on)",
                WafAction::Captcha | WafAction::Challenge if !terminating =>
                    " (valid token: counted, evaluation goes on)",
                WafAction::Captcha => " (no valid token: 405 and a puzzle)",
                WafAction::Challenge => " (no valid token: 202 and a challenge)",
                _ => "",
            }
        )
    } else {
        "no match".into()
    };
    let flow = finding
        .inspected(seen, &r.statement, labels)
        .render(statement_kind(&r.statement), matched);
    Check::other(
        CheckKind::WafRule,
        &format!("{} (priority {})", r.name, r.priority),
        flow,
        String::new(),
        allowed,
    )
    .rule(Decider::Rule(r).rule_ref(), decided_by, allowed)
    .matched(matched)
}

pub(crate) const SQLI_PATTERNS: [&str; 7] = [
    "' or ",
    "'or'",
    "union select",
    "--",
    "; drop",
    "1=1",
    "' and ",
];
pub(crate) const XSS_PATTERNS: [&str; 5] =
    ["<script", "javascript:", "onerror=", "onload=", "<iframe"];

/// What one rule statement found, borrowed from the request and the ACL:
/// made on every request without allocating.
enum Finding<'f> {
    Address(Option<&'f ipnet::Ipv4Net>),
    Pattern(Option<(WafField<'f>, &'static str)>),
    Country {
        country: Option<&'f str>,
        matched: bool,
    },
    Rate {
        count: u32,
        limit: u32,
        window_s: u32,
    },
    Component(ComponentFinding),
    Label(Option<String>),
    Managed(Option<&'static str>),
}

impl Finding<'_> {
    fn matched(&self) -> bool {
        match self {
            Finding::Address(c) => c.is_some(),
            Finding::Pattern(p) => p.is_some(),
            Finding::Country { matched, .. } => *matched,
            Finding::Rate { count, limit, .. } => count > limit,
            Finding::Component(c) => c.matched,
            Finding::Label(l) => l.is_some(),
            Finding::Managed(m) => m.is_some(),
        }
    }

    /// The finding as the event and the check carry it.
    fn inspected(&self, ip: Ipv4Addr, statement: &WafStatement, labels: &[String]) -> WafInspected {
        match self {
            Finding::Component(c) => {
                let (field, transforms) = component_of(statement);
                WafInspected::Component {
                    field: field.map(|f| f.to_string()).unwrap_or_default(),
                    transforms: transforms.to_vec(),
                    value: c
                        .value
                        .as_ref()
                        .map(|v| crate::sim::text::clip(&String::from_utf8_lossy(v)).to_string()),
                    size: c.size,
                    oversize: c.oversize.map(|(size, limit, handling)| WafOversizeSeen {
                        size,
                        limit,
                        handling,
                    }),
                    absent: c.absent,
                }
            }
            Finding::Label(m) => {
                let (scope, key) = match statement {
                    WafStatement::LabelMatch { scope, key } => (*scope, key.clone()),
                    _ => (LabelScope::Label, String::new()),
                };
                WafInspected::Labels {
                    key,
                    scope,
                    labels: labels.to_vec(),
                    matched: m.clone(),
                }
            }
            Finding::Managed(m) => WafInspected::Managed {
                group: match statement {
                    WafStatement::ManagedRuleGroup { group } => *group,
                    _ => ManagedGroup::CommonRuleSet,
                },
                rule: m.map(str::to_string),
            },
            Finding::Address(c) => WafInspected::Address {
                ip,
                cidr: c.map(|c| c.to_string()),
            },
            Finding::Pattern(Some((field, p))) => WafInspected::Pattern {
                field: field.to_string(),
                matched: p.to_string(),
            },
            Finding::Pattern(None) => WafInspected::NoPattern,
            Finding::Country { country, .. } => WafInspected::Country {
                ip,
                country: country.map(str::to_string),
                listed: match statement {
                    WafStatement::GeoMatch { countries } => countries.clone(),
                    _ => Vec::new(),
                },
            },
            Finding::Rate {
                count,
                limit,
                window_s,
            } => WafInspected::Rate {
                ip,
                count: *count,
                limit: *limit,
                window_s: *window_s,
            },
        }
    }
}

/// Run one rule's statement against the request. Rate-based rules count
/// the request in `state` whether or not they match.
fn inspect<'f>(
    r: &'f WafRule,
    acl: &WebAcl,
    state: &mut WafState,
    req: &WafRequest<'f>,
    fields: &Fields<'f>,
    seen: Ipv4Addr,
    labels: &[String],
) -> Finding<'f> {
    let comp = |field, transforms: &[Transform], oversize, test| {
        Finding::Component(run_component(
            req.ctx,
            field,
            req.body_limit,
            transforms,
            oversize,
            test,
        ))
    };
    match &r.statement {
        WafStatement::ByteMatch {
            field,
            positional,
            search,
            transforms,
            oversize,
        } => comp(
            field,
            transforms,
            *oversize,
            Test::Bytes(search.as_bytes(), *positional),
        ),
        WafStatement::RegexMatch {
            field,
            patterns,
            transforms,
            oversize,
        } => {
            // Validation compiled every pattern; one that fails here
            // cannot match.
            let rs: Vec<_> = patterns
                .iter()
                .filter_map(|p| super::waf_regex::Regex::new(p).ok())
                .collect();
            comp(field, transforms, *oversize, Test::Regex(&rs))
        }
        WafStatement::SizeConstraint {
            field,
            comparison,
            size,
            transforms,
            oversize,
        } => comp(field, transforms, *oversize, Test::Size(*comparison, *size)),
        WafStatement::LabelMatch { scope, key } => {
            Finding::Label(label_matches(labels, *scope, key).map(str::to_string))
        }
        WafStatement::ManagedRuleGroup { group } => Finding::Managed(
            super::waf_managed::first_match(*group, req.ctx, seen, req.body_limit),
        ),
        WafStatement::IpSet { cidrs } => Finding::Address(cidrs.iter().find(|c| cidr_has(c, seen))),
        WafStatement::SqlInjection => Finding::Pattern(fields.find(&SQLI_PATTERNS)),
        WafStatement::Xss => Finding::Pattern(fields.find(&XSS_PATTERNS)),
        WafStatement::GeoMatch { countries } => {
            let country = req
                .clients
                .iter()
                .find(|c| c.ip == seen)
                .map(|c| c.geo.country.as_str());
            let matched =
                country.is_some_and(|cc| countries.iter().any(|x| x.eq_ignore_ascii_case(cc)));
            Finding::Country { country, matched }
        }
        WafStatement::RateBased { limit, window_s } => Finding::Rate {
            count: state.count(acl, r, seen, *window_s, req.now_ms),
            limit: *limit,
            window_s: *window_s,
        },
    }
}

/// The component and transformations of a component statement.
fn component_of(s: &WafStatement) -> (Option<&FieldToMatch>, &[Transform]) {
    match s {
        WafStatement::ByteMatch {
            field, transforms, ..
        }
        | WafStatement::RegexMatch {
            field, transforms, ..
        }
        | WafStatement::SizeConstraint {
            field, transforms, ..
        } => (Some(field), transforms),
        _ => (None, &[]),
    }
}

/// The request fields WAF scans: path, query, body (up to the limit) and
/// each header, normalized once per request.
struct Fields<'a> {
    fixed: [Scanned<'a>; 3],
    headers: Vec<Scanned<'a>>,
}

impl<'a> Fields<'a> {
    fn of(ctx: &'a HttpCtx, body_limit: usize) -> Self {
        let body = match ctx.body.char_indices().nth(body_limit) {
            Some((i, _)) => &ctx.body[..i],
            None => &*ctx.body,
        };
        Fields {
            fixed: [
                Scanned::new(WafField::Path, &ctx.path),
                Scanned::new(WafField::Query, &ctx.query),
                Scanned::new(WafField::Body, body),
            ],
            headers: ctx
                .headers
                .iter()
                .map(|(k, v)| Scanned::new(WafField::Header(k), v))
                .collect(),
        }
    }

    /// The first field holding one of the patterns, and the pattern.
    fn find(&self, pats: &[&'static str]) -> Option<(WafField<'a>, &'static str)> {
        self.fixed
            .iter()
            .chain(self.headers.iter())
            .find_map(|f| pats.iter().find(|p| f.contains(p)).map(|p| (f.field, *p)))
    }
}

/// Where in a request WAF found a pattern.
#[derive(Clone, Copy)]
enum WafField<'a> {
    Path,
    Query,
    Body,
    Header(&'a str),
}

impl fmt::Display for WafField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WafField::Path => f.write_str("URI path"),
            WafField::Query => f.write_str("query string"),
            WafField::Body => f.write_str("body"),
            WafField::Header(k) => write!(f, "header {k}"),
        }
    }
}

/// A field as WAF matches it (lower-cased, URL-decoded), with the set of
/// bytes it holds: a pattern with a byte the field lacks is skipped without
/// a search, which is nearly every pattern on a normal request.
struct Scanned<'a> {
    field: WafField<'a>,
    text: Cow<'a, str>,
    bytes: [u64; 4],
}

impl<'a> Scanned<'a> {
    fn new(field: WafField<'a>, raw: &'a str) -> Self {
        let text = normalize(raw);
        let mut bytes = [0u64; 4];
        for b in text.bytes() {
            bytes[(b >> 6) as usize] |= 1 << (b & 63);
        }
        Scanned { field, text, bytes }
    }

    fn contains(&self, pat: &str) -> bool {
        pat.bytes()
            .all(|b| self.bytes[(b >> 6) as usize] & (1 << (b & 63)) != 0)
            && contains_pattern(&self.text, pat)
    }
}

/// Substring search tuned for short fields and short patterns.
fn contains_pattern(hay: &str, pat: &str) -> bool {
    let (h, p) = (hay.as_bytes(), pat.as_bytes());
    let Some((&first, rest)) = p.split_first() else {
        return true;
    };
    if h.len() < p.len() {
        return false;
    }
    (0..=h.len() - p.len()).any(|i| h[i] == first && &h[i + 1..i + p.len()] == rest)
}

/// Lower-case and URL-decode a field for pattern matching, without
/// copying when there is nothing to change.
fn normalize(s: &str) -> Cow<'_, str> {
    if s.bytes()
        .any(|b| b == b'%' || b == b'+' || b.is_ascii_uppercase())
    {
        Cow::Owned(url_decode(s))
    } else {
        Cow::Borrowed(s)
    }
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
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
    String::from_utf8_lossy(&out).to_ascii_lowercase()
}

impl World {
    /// Ask a web ACL about a request, with this world's WAF counters,
    /// clients and clock.
    pub(crate) fn waf_check<'a>(
        &mut self,
        acl: &'a WebAcl,
        peer: Ipv4Addr,
        ctx: &HttpCtx,
        body_limit: usize,
        rec: &Recorder,
    ) -> WafVerdict<'a> {
        let sc = std::sync::Arc::clone(&self.scenario);
        let req = WafRequest {
            peer,
            ctx,
            body_limit,
            clients: &sc.clients,
            now_ms: self.clock_ms,
        };
        evaluate(acl, &mut self.waf, &req, rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::defaults::default_scenario;
    use std::rc::Rc;

    fn request(path: &str) -> HttpCtx {
        HttpCtx {
            method: Rc::from("GET"),
            host: "healthcareapp.com".into(),
            path: Rc::from(path),
            query: Rc::from(""),
            headers: Rc::from(Vec::new()),
            body: Rc::from(""),
            xff: Vec::new(),
            client: None,
            client_timeout_s: None,
            revalidate: false,
            plain_http: false,
            port: None,
            http_flood: false,
            unpooled: false,
            concurrent: false,
        }
    }

    /// Evaluate with a recorder that keeps hops and with one that keeps
    /// nothing, each on its own fresh counters.
    fn both_ways(acl: &WebAcl, path: &str) -> [(bool, String, usize); 2] {
        let ctx = request(path);
        let sc = default_scenario();
        [Recorder::full(), Recorder::off()].map(|rec| {
            let req = WafRequest {
                peer: Ipv4Addr::new(203, 0, 113, 10),
                ctx: &ctx,
                body_limit: 16 * 1024,
                clients: &sc.clients,
                now_ms: 0,
            };
            let v = evaluate(acl, &mut WafState::default(), &req, &rec);
            (v.allowed, v.decider.to_string(), v.checks.len())
        })
    }

    #[test]
    fn a_default_action_of_count_decides_the_same_recorded_or_not() {
        // §6: the default action applies when no terminating rule matched;
        // Count lets the request on. One evaluation decides either way: an
        // unrecorded walk once said "(Allow)" where the trace said "(Count)".
        let mut acl = default_scenario().waf;
        acl.default_action = WafAction::Count;
        let [recorded, unrecorded] = both_ways(&acl, "/api/appointments");
        assert_eq!(recorded.0, unrecorded.0);
        assert_eq!(recorded.1, unrecorded.1);
        assert_eq!(unrecorded.1, "the default action (Count)");
        assert!(recorded.0);
        assert_eq!(
            recorded.2,
            acl.rules.len() + 1,
            "a check per rule and the default"
        );
        assert_eq!(unrecorded.2, 0, "no check is built when nothing records");
    }

    #[test]
    fn a_blocking_rule_decides_the_same_recorded_or_not() {
        // §6: Block terminates evaluation at the first matching rule by priority.
        let acl = default_scenario().waf;
        let [recorded, unrecorded] = both_ways(&acl, "/x/<script>alert(1)</script>");
        assert_eq!(recorded, (false, "CrossSiteScripting".into(), 3));
        assert_eq!(
            (unrecorded.0, unrecorded.1.as_str()),
            (false, "CrossSiteScripting")
        );
    }
}
