//! Reading a lesson file: TOML into the typed model with the field path of
//! any error, then the checks serde cannot make (ids, counts, references
//! to the lesson's world).

use super::model::*;
use super::refs::{require, WorldIds};
use super::LessonError;
use crate::sim::edit::Edit;
use crate::sim::script::{ScriptRequest, Step};
use crate::sim::World;

/// The longest `advance` a setup or solution may hold: the checker runs
/// every health check on the way, so a typo like `1000h` would take minutes.
pub const MAX_ADVANCE_MS: u64 = 24 * 3_600_000;

impl Lesson {
    /// Parse and validate a lesson file. Errors name the field path:
    /// `steps[1].goals[0].outcome.statuss: unknown field 'statuss' (did you
    /// mean 'status'?), expected one of status, code, decided_by, region,
    /// pod, no_response (line 40)`.
    pub fn from_toml(text: &str) -> Result<Lesson, LessonError> {
        parse_only(text)?.validated()
    }

    /// The checks serde cannot make, on a lesson just read.
    pub(crate) fn validated(self) -> Result<Lesson, LessonError> {
        let world = self.base_world()?;
        self.validate(&world)?;
        Ok(self)
    }

    /// The lesson's world before its setup: the default scenario with the
    /// setup's seed.
    pub fn base_world(&self) -> Result<World, LessonError> {
        Ok(World::default_seeded(self.setup.seed()))
    }

    /// Every goal of every step, counted at the top level.
    pub fn goal_count(&self) -> usize {
        self.steps.iter().map(|s| s.goals.len()).sum()
    }

    fn validate(&self, world: &World) -> Result<(), LessonError> {
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(LessonError::at(
                "id",
                format!(
                    "'{}' is not a lesson id: use lowercase letters, digits and '-'",
                    self.id
                ),
            ));
        }
        for (f, v) in [("title", &self.title), ("summary", &self.summary)] {
            if v.trim().is_empty() {
                return Err(LessonError::at(f, "must not be empty"));
            }
        }
        if self.steps.is_empty() || self.steps.len() > MAX_LESSON_STEPS {
            return Err(LessonError::at(
                "steps",
                format!(
                    "a lesson has 1 to {MAX_LESSON_STEPS} steps, this one has {}",
                    self.steps.len()
                ),
            ));
        }
        let ids = WorldIds::of(world);
        for (i, s) in self.setup.steps.iter().enumerate() {
            validate_script_step(s, &format!("setup.steps[{i}]"), &ids, world)?;
        }
        for (i, step) in self.steps.iter().enumerate() {
            let p = format!("steps[{i}]");
            if step.text.trim().is_empty() {
                return Err(LessonError::at(format!("{p}.text"), "must not be empty"));
            }
            if step.hints.is_empty() {
                return Err(LessonError::at(
                    format!("{p}.hints"),
                    "give at least one hint",
                ));
            }
            if step.goals.is_empty() {
                return Err(LessonError::at(
                    format!("{p}.goals"),
                    "give at least one goal",
                ));
            }
            for (j, g) in step.goals.iter().enumerate() {
                g.validate(&format!("{p}.goals[{j}]"), &ids, world)?;
            }
            for (k, s) in step.solution.iter().enumerate() {
                validate_script_step(s, &format!("{p}.solution[{k}]"), &ids, world)?;
            }
            if let Some(pr) = &step.predict {
                if pr.choices.len() < 2 {
                    return Err(LessonError::at(
                        format!("{p}.predict.choices"),
                        "give at least two choices",
                    ));
                }
                let texts = pr.choice_texts();
                for (c, t) in texts.iter().enumerate() {
                    if texts[..c].contains(t) {
                        return Err(LessonError::at(
                            format!("{p}.predict.choices[{c}]"),
                            format!("'{t}' is listed twice"),
                        ));
                    }
                }
                if let Some(r) = &pr.probe {
                    validate_request(r, &format!("{p}.predict.probe"), &ids)?;
                } else if !step.solution.iter().any(|s| matches!(s, Step::Request(_))) {
                    return Err(LessonError::at(
                        format!("{p}.predict"),
                        "no request to answer it with: give a probe, or a request in the solution",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// TOML into the typed model, without the checks against the world.
pub(crate) fn parse_only(text: &str) -> Result<Lesson, LessonError> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error("", &e, text))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        toml_error(&path, e.inner(), text)
    })
}

fn toml_error(path: &str, e: &toml::de::Error, text: &str) -> LessonError {
    let mut msg = plain_message(&crate::sim::text::tidy_serde_message(e.message()));
    if let Some(span) = e.span() {
        let upto = &text.as_bytes()[..span.start.min(text.len())];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        msg.push_str(&format!(" (line {line})"));
    }
    LessonError::at(crate::sim::text::clip_message(path), msg)
}

/// serde writes names in backticks (`` unknown field `x`, expected one of
/// `a`, `b` ``); a teacher reads `unknown field 'x', expected one of a, b`.
fn plain_message(m: &str) -> String {
    let m = m.trim();
    if m.contains("untagged enum Choice") {
        return "expected a string or a whole number".into();
    }
    let mut out = String::with_capacity(m.len());
    let mut parts = m.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        // The first name (the unknown one) and a suggestion are quoted.
        if i == 0 || (i == 2 && out.ends_with("did you mean ")) {
            out.push('\'');
            out.push_str(part);
            out.push('\'');
        } else {
            out.push_str(part);
        }
    }
    out
}

fn validate_request(r: &ScriptRequest, path: &str, ids: &WorldIds) -> Result<(), LessonError> {
    require("client", &r.client, &ids.clients)
        .map_err(|m| LessonError::at(format!("{path}.client"), m))
}

fn validate_script_step(
    s: &Step,
    path: &str,
    ids: &WorldIds,
    world: &World,
) -> Result<(), LessonError> {
    match s {
        Step::Request(r) => validate_request(r, &format!("{path}.request"), ids),
        // A dig changes caches only; run it on a copy to check its fields.
        Step::Dig(d) => world
            .clone()
            .dig(d)
            .map(|_| ())
            .map_err(|m| LessonError::at(format!("{path}.dig"), m)),
        Step::Reach(spec) => world
            .reach_asked(spec)
            .map(|_| ())
            .map_err(|m| LessonError::at(format!("{path}.reach"), m)),
        Step::Burst(b) => {
            for (i, c) in b.clients.iter().enumerate() {
                require("client", c, &ids.clients)
                    .map_err(|m| LessonError::at(format!("{path}.burst.clients[{i}]"), m))?;
            }
            Ok(())
        }
        Step::Advance(d) => match d.to_ms() {
            Ok(ms) if ms > MAX_ADVANCE_MS => Err(LessonError::at(
                format!("{path}.advance"),
                "a lesson moves the clock at most 24h in one step",
            )),
            Ok(_) => Ok(()),
            Err(m) => Err(LessonError::at(format!("{path}.advance"), m)),
        },
        Step::Fault(f) | Step::Repair(f) => {
            let key = if matches!(s, Step::Fault(_)) {
                "fault"
            } else {
                "repair"
            };
            world
                .check_fault(f)
                .map_err(|m| LessonError::at(format!("{path}.{key}"), m))
        }
        Step::Edit(e) => {
            let p = format!("{path}.edit");
            match e {
                // The traffic edits name their parts in the edit itself;
                // an unknown one is refused when the step runs.
                Edit::AddWafRule { .. }
                | Edit::RemoveWafRule { .. }
                | Edit::SetWafRulePriority { .. }
                | Edit::SetWafRateLimit { .. }
                | Edit::AddWafIpSetEntry { .. }
                | Edit::RemoveWafIpSetEntry { .. }
                | Edit::AddListenerRule { .. }
                | Edit::ChangeListenerRule { .. }
                | Edit::RemoveListenerRule { .. }
                | Edit::SetTargetGroup { .. }
                | Edit::AddIngressPath { .. }
                | Edit::RemoveIngressPath { .. }
                | Edit::AddCacheBehavior { .. }
                | Edit::ChangeCacheBehavior { .. }
                | Edit::RemoveCacheBehavior { .. }
                | Edit::SetShield { .. } => Ok(()),
                Edit::AddNaclRule { nacl, .. } | Edit::RemoveNaclRule { nacl, .. } => {
                    require("network ACL", nacl, &ids.nacls)
                        .map_err(|m| LessonError::at(format!("{p}.nacl"), m))
                }
                Edit::AddSgRule { sg, .. } | Edit::RemoveSgRule { sg, .. } => {
                    require("security group", sg, &ids.sgs)
                        .map_err(|m| LessonError::at(format!("{p}.sg"), m))
                }
                Edit::SetSubnetCidr { subnet, .. } => require("subnet", subnet, &ids.subnets)
                    .map_err(|m| LessonError::at(format!("{p}.subnet"), m)),
                // Route tables, Route 53, scale and target groups: checked
                // when the step runs.
                Edit::AddRoute { .. }
                | Edit::RemoveRoute { .. }
                | Edit::AssociateRouteTable { .. }
                | Edit::AddVpcCidr { .. }
                | Edit::RemoveVpcCidr { .. }
                | Edit::SetMainRouteTable { .. }
                | Edit::DisassociateRouteTable { .. }
                | Edit::CreateNacl { .. }
                | Edit::DeleteNacl { .. }
                | Edit::AssociateNacl { .. }
                | Edit::DisassociateNacl { .. }
                | Edit::CreatePeering { .. }
                | Edit::AcceptPeering { .. }
                | Edit::DeletePeering { .. }
                | Edit::SetPeeringDns { .. }
                | Edit::CreateGatewayEndpoint { .. }
                | Edit::CreateInterfaceEndpoint { .. }
                | Edit::DeleteEndpoint { .. }
                | Edit::CreateRecord { .. }
                | Edit::ChangeRecord { .. }
                | Edit::DeleteRecord { .. }
                | Edit::CreateHealthCheck { .. }
                | Edit::ChangeHealthCheck { .. }
                | Edit::DeleteHealthCheck { .. }
                | Edit::SetHealthCheck { .. }
                | Edit::SetTargetGroupHealth { .. }
                | Edit::ScalePods { .. }
                | Edit::ScaleNodes { .. }
                | Edit::CreateRouteTable { .. }
                | Edit::DeleteRouteTable { .. }
                | Edit::CreateTargetGroup { .. }
                | Edit::DeleteTargetGroup { .. }
                | Edit::SetIpAddressType { .. } => Ok(()),
                Edit::AddWafMatchRule { .. }
                | Edit::AddWafLabelRule { .. }
                | Edit::AddWafManagedGroup { .. }
                | Edit::SetWafRuleAction { .. }
                | Edit::SetWafRuleLabels { .. }
                | Edit::SetWafDefaultAction { .. }
                | Edit::SetWafTokenImmunity { .. }
                | Edit::SetWafBodyLimit { .. } => Ok(()),
                Edit::SetClientTls { .. }
                | Edit::SetAlbIdleTimeout { .. }
                | Edit::SetListenerTlsPolicy { .. }
                | Edit::SetAppKeepAlive { .. }
                | Edit::SetOriginKeepAlive { .. }
                | Edit::SetAppDelay { .. }
                | Edit::SetDeregistrationDelay { .. }
                | Edit::SetSlowStart { .. }
                | Edit::SetClientKeepalive { .. }
                | Edit::SetDbPool { .. } => Ok(()),
                Edit::SetClientIpv6 { .. } => Ok(()),
                Edit::AddInstance { subnet, .. } => require("subnet", subnet, &ids.subnets)
                    .map_err(|m| LessonError::at(format!("{path}.edit.subnet"), m)),
                Edit::RemoveInstance { .. }
                | Edit::SetInstance { .. }
                | Edit::CreateSecurityGroup { .. }
                | Edit::AssignVpcIpv6 { .. }
                | Edit::AssignSubnetIpv6 { .. }
                | Edit::CreateEgressOnlyIgw { .. }
                | Edit::DeleteEgressOnlyIgw { .. } => Ok(()),
                Edit::SetIngressAnnotation { .. }
                | Edit::SetTrafficPolicy { .. }
                | Edit::SetProbe { .. }
                | Edit::SetHpa { .. } => Ok(()),
                // IngressGroup edits: checked when the step runs.
                Edit::AddIngress { .. } | Edit::RemoveIngress { .. } => Ok(()),
                // The database edits: checked when the step runs.
                Edit::SetDbDeployment { .. }
                | Edit::AddDbReader { .. }
                | Edit::RemoveDbReader { .. }
                | Edit::SetDbRouting { .. }
                | Edit::SetDbPublic { .. } => Ok(()),
                // The NLB edits: checked when the step runs.
                Edit::AddNlb { .. }
                | Edit::RemoveNlb { .. }
                | Edit::AddNlbListener { .. }
                | Edit::RemoveNlbListener { .. }
                | Edit::SetNlb { .. }
                | Edit::SetNlbIdleTimeout { .. }
                | Edit::SetNlbTargetGroup { .. } => Ok(()),
            }
        }
        Step::Invalidate(_) | Step::Inspect | Step::Diff => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticked_names_read_as_quotes_and_plain_lists() {
        assert_eq!(
            plain_message("unknown field `statuss`, expected one of `status`, `code`"),
            "unknown field 'statuss', expected one of status, code"
        );
        assert_eq!(
            plain_message("missing field `hints`"),
            "missing field 'hints'"
        );
        assert_eq!(plain_message("invalid type"), "invalid type");
    }
}
