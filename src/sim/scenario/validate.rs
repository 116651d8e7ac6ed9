//! Validation: a scenario that passes can be run; one that fails is
//! refused whole with the first problem named. The rules are AWS's limits
//! and quotas from the fact sheet.

use ipnet::Ipv4Net;
use std::collections::BTreeSet;

use super::*;
use crate::sim::limits::*;
use crate::sim::net::family::{count_by_family, Family};
use crate::sim::text::clip;
use crate::sim::trace::Direction;

impl Scenario {
    /// Check everything the engine relies on. A scenario that passes can be
    /// run; one that fails is refused whole with the first problem named.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.regions.is_empty() {
            return Err("scenario has no regions".to_string().into());
        }
        if self.clients.is_empty() {
            return Err("scenario has no clients".to_string().into());
        }
        let mut ids = BTreeSet::new();
        for c in &self.clients {
            if !ids.insert(c.id.clone()) {
                return Err(format!("client id '{}' is used twice", c.id).into());
            }
            if self.pop(&c.pop).is_none() {
                return Err(
                    format!("client '{}' names unknown CloudFront POP '{}'", c.id, c.pop).into(),
                );
            }
        }
        super::refs::validate_references(self)?;
        for r in &self.regions {
            validate_vpc(&r.vpc).map_err(|e| e.in_region(&r.id))?;
            super::refs::addresses(r).map_err(|e| format!("region {}: {e}", r.id))?;
            for n in &r.alb.nodes {
                host_in(
                    &r.vpc,
                    &n.subnet,
                    n.host,
                    &format!("ALB node in {}", n.subnet),
                )?;
            }
            super::nlb::validate_nlb(r)
                .map_err(|(nlb, problem)| ScenarioError::Nlb { nlb, problem })?;
            for p in &r.cluster.pods {
                host_in(&r.vpc, &p.subnet, p.host, &format!("pod {}", p.id))?;
                for g in &p.security_groups {
                    if r.vpc.sg(g).is_none() {
                        return Err(format!("pod {} names unknown security group {g}", p.id).into());
                    }
                }
            }
            r.cluster
                .validate_extras()
                .map_err(|e| format!("region {}: {e}", r.id))?;
            if r.cluster.app_dns_cache_s > MAX_APP_DNS_CACHE_S {
                return Err(format!(
                    "region {}: cluster.app_dns_cache_s {} is over {MAX_APP_DNS_CACHE_S} s (one day)",
                    r.id, r.cluster.app_dns_cache_s
                ).into());
            }
            for (i, d) in r.cluster.app_delays.iter().enumerate() {
                if !r.cluster.services.iter().any(|s| s.id == d.service) {
                    return Err(format!(
                        "region {}: cluster.app_delays names unknown Service '{}'",
                        r.id,
                        clip(&d.service)
                    )
                    .into());
                }
                if r.cluster.app_delays[..i]
                    .iter()
                    .any(|e| e.service == d.service)
                {
                    return Err(format!(
                        "region {}: cluster.app_delays lists Service {} twice",
                        r.id, d.service
                    )
                    .into());
                }
                if !APP_DELAY_MS.contains(&d.ms) {
                    return Err(format!(
                        "region {}: cluster.app_delays {} ms for {} is outside {}-{} ms",
                        r.id,
                        d.ms,
                        d.service,
                        APP_DELAY_MS.start(),
                        APP_DELAY_MS.end()
                    )
                    .into());
                }
            }
            for (i, d) in r.cluster.db_routes.iter().enumerate() {
                if !r.cluster.services.iter().any(|s| s.id == d.service) {
                    return Err(format!(
                        "region {}: cluster.db_routes names unknown Service '{}'",
                        r.id,
                        clip(&d.service)
                    )
                    .into());
                }
                if r.cluster.db_routes[..i]
                    .iter()
                    .any(|e| e.service == d.service)
                {
                    return Err(format!(
                        "region {}: cluster.db_routes lists Service {} twice",
                        r.id, d.service
                    )
                    .into());
                }
            }
            if !APP_KEEP_ALIVE_S.contains(&r.cluster.app_keep_alive_s) {
                return Err(format!(
                    "region {}: cluster.app_keep_alive_s {} is outside {}-{} s",
                    r.id,
                    r.cluster.app_keep_alive_s,
                    APP_KEEP_ALIVE_S.start(),
                    APP_KEEP_ALIVE_S.end()
                )
                .into());
            }
            if !DB_POOL_SIZE.contains(&r.cluster.db_pool_size) {
                return Err(format!(
                    "region {}: cluster.db_pool_size {} is outside {}-{}",
                    r.id,
                    r.cluster.db_pool_size,
                    DB_POOL_SIZE.start(),
                    DB_POOL_SIZE.end()
                )
                .into());
            }
            if !ALB_CLIENT_KEEPALIVE_S.contains(&r.alb.client_keepalive_s) {
                return Err(format!(
                    "{}: client keep-alive {} s is outside {}-{} s (fact sheet §26)",
                    r.alb.id,
                    r.alb.client_keepalive_s,
                    ALB_CLIENT_KEEPALIVE_S.start(),
                    ALB_CLIENT_KEEPALIVE_S.end()
                )
                .into());
            }
            if r.rds.replicas.len() > MAX_READ_REPLICAS {
                return Err(format!(
                    "region {}: {} read replicas is over the quota of {MAX_READ_REPLICAS} per database (fact sheet §15)",
                    r.id,
                    r.rds.replicas.len()
                )
                .into());
            }
            for i in r.rds.instances.iter().chain(&r.rds.replicas) {
                host_in(
                    &r.vpc,
                    &i.subnet,
                    i.host,
                    &format!("database instance {}", i.id),
                )?;
            }
            for g in r.alb.security_groups.iter().chain(&r.rds.security_groups) {
                if r.vpc.sg(g).is_none() {
                    return Err(format!("region {}: unknown security group {g}", r.id).into());
                }
            }
            for n in &r.vpc.nat_gateways {
                host_in(&r.vpc, &n.subnet, n.host, &format!("NAT gateway {}", n.id))?;
            }
            rds_azs(r)?;
            rds_public(r)?;
            if r.rds.instances.is_empty() {
                return Err(format!("region {}: the database has no instances", r.id).into());
            }
        }
        crate::sim::dnsconf::validate_dns(self)?;
        validate_cdn(&self.cdn)?;
        validate_web_acl(&self.waf)?;
        validate_body_limit(&self.waf, true)?;
        self.cdn.shield.validate("cdn.shield", true)?;
        for r in &self.regions {
            validate_alb(r).map_err(|e| format!("region {}: {e}", r.id))?;
        }
        Ok(())
    }
}

/// A Multi-AZ database keeps its standby in another Availability Zone
/// than its primary; a Multi-AZ DB cluster is a writer and two readable
/// standbys in three AZs; Aurora has a writer and up to 15 replicas, in
/// any AZs. Fact sheet §15, §29.
fn rds_azs(r: &Region) -> Result<(), String> {
    let az = |i: &DbInstance| r.vpc.subnet(&i.subnet).map(|s| s.az.as_str());
    let n = r.rds.instances.len();
    let (what, max) = match r.rds.deployment {
        DbDeployment::MultiAzInstance => {
            ("a primary and at most one standby", MULTI_AZ_INSTANCE_MAX)
        }
        DbDeployment::MultiAzCluster => (
            "a writer and two readable standbys",
            MULTI_AZ_CLUSTER_INSTANCES,
        ),
        DbDeployment::Aurora => (
            "a writer and at most 15 Aurora Replicas",
            1 + MAX_AURORA_REPLICAS,
        ),
    };
    let min = match r.rds.deployment {
        DbDeployment::MultiAzCluster => MULTI_AZ_CLUSTER_INSTANCES,
        _ => 1,
    };
    if n > max || n < min {
        return Err(format!(
            "region {}: database {} has {n} instances, but a {} has {what} (fact sheet §29)",
            r.id,
            r.rds.id,
            r.rds.deployment.label()
        ));
    }
    if r.rds.deployment == DbDeployment::Aurora {
        return Ok(());
    }
    let mut seen = BTreeSet::new();
    for i in &r.rds.instances {
        if let Some(a) = az(i) {
            if !seen.insert(a) {
                return Err(format!(
                    "region {}: database {} has two instances in {a}: a Multi-AZ standby is in another Availability Zone than its primary (fact sheet §15)",
                    r.id, r.rds.id
                ));
            }
        }
    }
    Ok(())
}

/// A publicly accessible database has a public IP on every instance and
/// replica, and a private one has none; public IPs are public (outside
/// RFC 1918 and the VPC) and used once. Fact sheet §29.
fn rds_public(r: &Region) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for i in r.rds.all_instances() {
        match (r.rds.publicly_accessible, i.public_ip) {
            (true, None) => {
                return Err(format!(
                    "region {}: database {} is publicly accessible but instance {} has no public_ip (fact sheet §29)",
                    r.id, r.rds.id, i.id
                ))
            }
            (false, Some(ip)) => {
                return Err(format!(
                    "region {}: instance {} has public_ip {ip} but database {} is not publicly accessible (fact sheet §29)",
                    r.id, i.id, r.rds.id
                ))
            }
            (_, Some(ip)) if ip.is_private() || ip.is_loopback() || ip.is_unspecified() || r.vpc.cidr.contains(&ip) => {
                return Err(format!(
                    "region {}: instance {}'s public_ip {ip} is not a public address (fact sheet §10)",
                    r.id, i.id
                ))
            }
            (_, Some(ip)) if !seen.insert(ip) => {
                return Err(format!(
                    "region {}: public_ip {ip} is used by two database instances",
                    r.id
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn host_in(vpc: &Vpc, subnet: &str, host: u32, what: &str) -> Result<(), String> {
    let s = vpc
        .subnet(subnet)
        .ok_or_else(|| format!("{what} is in unknown subnet {subnet}"))?;
    if s.host(host).is_none() {
        return Err(host_outside(s, host, what));
    }
    Ok(())
}

/// A component's address is its host number counted from the start of its
/// subnet, so a smaller or moved block can leave it outside. Names the
/// subnet first, says where the host number lands and which addresses the
/// block has: `subnet-public-a1 (10.0.0.16/28) has addresses 10.0.0.16 to
/// 10.0.0.31 …: NAT gateway nat-a1 is host number 20 of its subnet, 10.0.0.36
/// here, outside the block`.
fn host_outside(s: &crate::sim::net::Subnet, host: u32, what: &str) -> String {
    let start = u32::from(s.cidr.network());
    let size = 1u64 << (32 - u32::from(s.cidr.prefix_len()));
    let ip = |n: u64| std::net::Ipv4Addr::from((u64::from(start) + n).min(u32::MAX as u64) as u32);
    let lands = if u64::from(start) + u64::from(host) <= u32::MAX as u64 {
        format!("{}", ip(u64::from(host)))
    } else {
        "past the last IPv4 address".to_string()
    };
    format!(
        "{} ({}) has addresses {} to {} ({} usable): {what} is host number {host} of its subnet (counted from the subnet's first address), which here would be {lands}, outside the block",
        s.id,
        s.cidr,
        ip(0),
        ip(size - 1),
        s.usable()
    )
}

pub use crate::sim::limits::{MAX_LISTENER_RULES, MAX_NACL_RULES, MAX_SG_RULES};

/// A rule table's rules of each IP version against its per-direction
/// quota, which counts IPv4 and IPv6 rules separately. Fact sheet §11, §12.
fn within_quota(
    (table, direction): (&str, Direction),
    (v4, v6): (usize, usize),
    max: usize,
    note: &'static str,
) -> Result<(), QuotaExceeded> {
    for (family, count) in [(Family::Ipv4, v4), (Family::Ipv6, v6)] {
        if count > max {
            return Err(QuotaExceeded {
                table: table.to_string(),
                direction,
                count,
                max,
                note,
                family,
            });
        }
    }
    Ok(())
}

/// VPC rules from fact sheet §10 and §12.
pub fn validate_vpc(vpc: &Vpc) -> Result<(), ScenarioError> {
    validate_block(&vpc.cidr, "VPC")?;
    validate_subnets(vpc)?;
    validate_nacls(vpc)?;
    validate_security_groups(vpc)
}

/// Subnets: valid blocks inside the VPC, no overlap, known route table and
/// network ACL. Fact sheet §10.
fn validate_subnets(vpc: &Vpc) -> Result<(), String> {
    for (i, s) in vpc.subnets.iter().enumerate() {
        validate_block(&s.cidr, &format!("subnet {}", s.id))?;
        if vpc.block_of(&s.cidr).is_none() {
            let blocks: Vec<String> = vpc.blocks().map(|b| b.to_string()).collect();
            return Err(format!(
                "subnet {} ({}) is not inside the VPC CIDR {}",
                s.id,
                s.cidr,
                blocks.join(" or ")
            ));
        }
        for o in &vpc.subnets[..i] {
            if o.cidr.contains(&s.cidr.network()) || s.cidr.contains(&o.cidr.network()) {
                return Err(format!(
                    "subnet {} ({}) overlaps subnet {} ({})",
                    s.id, s.cidr, o.id, o.cidr
                ));
            }
        }
        if let Some(t) = &s.route_table {
            if vpc.route_table(t).is_none() {
                return Err(format!("subnet {} uses unknown route table {t}", s.id));
            }
        } else if vpc.route_table_of(s).is_none() {
            return Err(format!(
                "subnet {} has no route table and {} has no main route table (fact sheet §10)",
                s.id, vpc.id
            ));
        }
        if vpc.nacl(&s.nacl).is_none() {
            return Err(format!(
                "subnet {} uses unknown network ACL {}",
                s.id, s.nacl
            ));
        }
    }
    Ok(())
}

/// Network ACLs: the rule quota, numbers 1-32766 used once, forward port
/// ranges. Fact sheet §12.
fn validate_nacls(vpc: &Vpc) -> Result<(), ScenarioError> {
    for n in &vpc.nacls {
        for dir in [Direction::Inbound, Direction::Outbound] {
            within_quota(
                (&n.id, dir),
                count_by_family(n.rules(dir).iter().map(|r| Some(&r.cidr))),
                MAX_NACL_RULES,
                "AWS raises it to 40 on request; fact sheet §12",
            )?;
            let mut seen = BTreeSet::new();
            for r in n.rules(dir) {
                if !NACL_RULE_NUMBERS.contains(&r.number) {
                    return Err(format!(
                        "{} {}: rule number {} is outside 1-32766",
                        n.id,
                        dir.as_str(),
                        r.number
                    )
                    .into());
                }
                if !seen.insert(r.number) {
                    return Err(format!(
                        "{} {}: rule number {} is used twice",
                        n.id,
                        dir.as_str(),
                        r.number
                    )
                    .into());
                }
                if r.ports.from > r.ports.to {
                    return Err(format!(
                        "{} {}: rule {} has a backwards port range",
                        n.id,
                        dir.as_str(),
                        r.number
                    )
                    .into());
                }
            }
        }
    }
    Ok(())
}

/// Security groups: the rule quota, known peer groups, forward port ranges.
/// Fact sheet §11.
fn validate_security_groups(vpc: &Vpc) -> Result<(), ScenarioError> {
    for g in &vpc.security_groups {
        for dir in [Direction::Inbound, Direction::Outbound] {
            within_quota(
                (&g.id, dir),
                count_by_family(g.rules(dir).iter().map(|r| match &r.peer {
                    Peer::Cidr(c) => Some(c),
                    Peer::Sg(_) => None,
                })),
                MAX_SG_RULES,
                "fact sheet §11",
            )?;
            for r in g.rules(dir) {
                if let Peer::Sg(id) = &r.peer {
                    if vpc.sg(id).is_none() {
                        return Err(format!(
                            "{} {} names unknown security group {id}",
                            g.id,
                            dir.as_str()
                        )
                        .into());
                    }
                }
                if r.ports.from > r.ports.to {
                    return Err(format!(
                        "{} {}: a rule has a backwards port range",
                        g.id,
                        dir.as_str()
                    )
                    .into());
                }
            }
        }
    }
    Ok(())
}

/// A VPC or subnet block must be between /16 and /28. Fact sheet §10.
pub fn validate_block(cidr: &Ipv4Net, what: &str) -> Result<(), String> {
    let p = cidr.prefix_len();
    if !VPC_PREFIX.contains(&p) {
        return Err(format!(
            "{what} block {cidr} is a /{p}: AWS allows blocks from /16 (65,536 addresses) to /28 (16 addresses)"
        ));
    }
    let link_local: Ipv4Net = "169.254.0.0/16".parse().expect("constant");
    if link_local.contains(&cidr.network()) {
        return Err(format!(
            "{what} block {cidr} is link-local (169.254.0.0/16), which AWS does not allow"
        ));
    }
    Ok(())
}

/// CloudFront rules from fact sheet §5.
pub fn validate_cdn(cf: &Distribution) -> Result<(), String> {
    if !CF_CONNECTION_ATTEMPTS.contains(&cf.connection_attempts) {
        return Err(format!(
            "cdn.connection_attempts {} is outside 1-3",
            cf.connection_attempts
        ));
    }
    if !CF_CONNECTION_TIMEOUT_S.contains(&cf.connection_timeout_s) {
        return Err(format!(
            "cdn.connection_timeout_s {} is outside 1-10 s",
            cf.connection_timeout_s
        ));
    }
    if !CF_RESPONSE_TIMEOUT_S.contains(&cf.origin_response_timeout_s) {
        return Err(format!(
            "cdn.origin_response_timeout_s {} is outside 1-60 s",
            cf.origin_response_timeout_s
        ));
    }
    if !CF_ORIGIN_KEEP_ALIVE_S.contains(&cf.origin_keep_alive_s) {
        return Err(format!(
            "cdn.origin_keep_alive_s {} is outside 1-60 s (fact sheet §26)",
            cf.origin_keep_alive_s
        ));
    }
    if cf.pops.is_empty() {
        return Err("cdn.pops: the distribution needs at least one edge location".into());
    }
    let target_ok = |id: &str| {
        cf.origins.iter().any(|o| o.id == id) || cf.origin_groups.iter().any(|g| g.id == id)
    };
    for (i, b) in cf.behaviors.iter().enumerate() {
        if b.path_pattern.chars().count() > CF_MAX_PATH_PATTERN {
            return Err(format!(
                "cdn.behaviors[{i}].path_pattern is longer than 255 characters"
            ));
        }
        if b.path_pattern == "*" && i + 1 != cf.behaviors.len() {
            return Err(format!(
                "cdn.behaviors[{i}]: the default behaviour '*' must be the last one"
            ));
        }
        if !target_ok(&b.origin) {
            return Err(format!(
                "cdn.behaviors[{i}].origin names unknown origin or origin group '{}'",
                b.origin
            ));
        }
        if b.min_ttl_s > b.max_ttl_s || b.default_ttl_s > b.max_ttl_s.max(b.min_ttl_s) {
            return Err(format!(
                "cdn.behaviors[{i}]: TTLs must satisfy minimum <= maximum and default <= maximum (got {}/{}/{})",
                b.min_ttl_s, b.default_ttl_s, b.max_ttl_s
            ));
        }
    }
    if cf.behaviors.last().map(|b| b.path_pattern.as_str()) != Some("*") {
        return Err("cdn.behaviors: the last behaviour must be the default '*'".into());
    }
    for g in &cf.origin_groups {
        for o in [&g.primary, &g.secondary] {
            if !cf.origins.iter().any(|x| &x.id == o) {
                return Err(format!(
                    "cdn.origin_groups '{}' names unknown origin '{o}'",
                    g.id
                ));
            }
        }
        if let Some(c) = g
            .failover_codes
            .iter()
            .find(|c| !crate::sim::edge::FAILOVER_CODES.contains(c))
        {
            return Err(format!(
                "cdn.origin_groups '{}': status {c} cannot trigger failover (allowed: 400, 403, 404, 416, 500, 502, 503, 504)",
                g.id
            ));
        }
    }
    Ok(())
}

/// WAF rules from fact sheet §6.
pub fn validate_web_acl(acl: &WebAcl) -> Result<(), String> {
    let rate_rules = acl
        .rules
        .iter()
        .filter(|r| matches!(r.statement, WafStatement::RateBased { .. }))
        .count();
    if rate_rules > WAF_MAX_RATE_RULES {
        return Err(format!(
            "web ACL {}: {rate_rules} rate-based rules is over the quota of {WAF_MAX_RATE_RULES} per web ACL (fact sheet §27)",
            clip(&acl.name)
        ));
    }
    let mut seen = BTreeSet::new();
    for r in &acl.rules {
        if !seen.insert(r.priority) {
            return Err(format!(
                "web ACL {}: priority {} is used twice (priorities are unique)",
                acl.name, r.priority
            ));
        }
        match &r.statement {
            WafStatement::RateBased { limit, window_s } => {
                if !WAF_RATE_WINDOWS_S.contains(window_s) {
                    return Err(format!(
                        "WAF rule {}: window {window_s} s is not one of 60, 120, 300, 600",
                        r.name
                    ));
                }
                if *limit < WAF_MIN_RATE_LIMIT {
                    return Err(format!(
                        "WAF rule {}: rate limit {limit} is below the minimum of 10",
                        r.name
                    ));
                }
                if r.action == WafAction::Allow {
                    return Err(format!(
                        "WAF rule {}: a rate-based rule cannot Allow",
                        r.name
                    ));
                }
            }
            WafStatement::IpSet { cidrs } => {
                if cidrs.len() > WAF_MAX_IP_SET_ENTRIES {
                    return Err(format!(
                        "WAF rule {}: {} IP set entries is over the quota of {WAF_MAX_IP_SET_ENTRIES} (fact sheet §6)",
                        clip(&r.name),
                        cidrs.len()
                    ));
                }
                if let Some(c) = cidrs.iter().find(|c| c.prefix_len() == 0) {
                    return Err(format!(
                        "WAF rule {}: IP set entry {c} is not allowed (any prefix except /0)",
                        r.name
                    ));
                }
            }
            _ => {}
        }
    }
    validate_waf_statements(acl)
}

/// ALB and target-group rules from fact sheet §8.
pub fn validate_alb(r: &Region) -> Result<(), String> {
    let alb = &r.alb;
    if alb.nodes.len() < ALB_MIN_AZS {
        return Err(format!(
            "{} must be in at least two Availability Zone subnets (fact sheet §8)",
            alb.id
        ));
    }
    alb_subnets(r)?;
    if !ALB_IDLE_TIMEOUT_RANGE_S.contains(&alb.idle_timeout_s) {
        return Err(format!(
            "{}: idle_timeout_s {} is outside 1-4,000 s (fact sheet §8)",
            alb.id, alb.idle_timeout_s
        ));
    }
    for tg in &alb.target_groups {
        if !tg.cross_zone && tg.stickiness_s.is_some() {
            return Err(format!(
                "{}: target group {} has stickiness with cross-zone load balancing off, which the ALB does not allow (fact sheet §8)",
                alb.id, tg.id
            ));
        }
    }
    validate_listener(alb)?;
    validate_target_groups(r)?;
    validate_cluster(r)?;
    if let Some(acl) = &alb.web_acl {
        validate_web_acl(acl)?;
        validate_body_limit(acl, false)?;
    }
    alb.shield
        .validate(&format!("{}.shield", alb.id), alb.web_acl.is_some())?;
    Ok(())
}

/// The ALB's subnets: one per Availability Zone, each at least a /27.
/// Fact sheet §8.
fn alb_subnets(r: &Region) -> Result<(), String> {
    let alb = &r.alb;
    let mut azs = BTreeSet::new();
    for n in &alb.nodes {
        let Some(s) = r.vpc.subnet(&n.subnet) else {
            continue; // named by host_in
        };
        if !azs.insert(s.az.as_str()) {
            return Err(format!(
                "{}: two of its subnets are in {}: an ALB takes one subnet per Availability Zone (fact sheet §8)",
                alb.id, s.az
            ));
        }
        if s.cidr.prefix_len() > ALB_MAX_SUBNET_PREFIX {
            return Err(format!(
                "{}: subnet {} ({}) is smaller than the /{ALB_MAX_SUBNET_PREFIX} an ALB subnet needs (fact sheet §8)",
                alb.id, s.id, s.cidr
            ));
        }
    }
    Ok(())
}

/// The HTTPS listener: a default certificate, the rule quota, unique
/// priorities 1-50000, actions and conditions AWS accepts. Fact sheet §8.
fn validate_listener(alb: &Alb) -> Result<(), String> {
    if alb.listener.certificate_domains.is_empty() {
        return Err(format!(
            "{}.listener.certificate_domains is empty: an HTTPS listener needs a default certificate (fact sheet §8)",
            alb.id
        ));
    }
    if alb.listener.certificate_domains.len() > MAX_CERTIFICATES {
        return Err(format!(
            "{}: {} certificates is over the quota of 25 per listener besides the default (fact sheet §8)",
            alb.id,
            alb.listener.certificate_domains.len()
        ));
    }
    if alb.listener.port == 0 {
        return Err(format!(
            "{}.listener.port 0 is not a port: listeners use ports 1-65535 (fact sheet §8)",
            alb.id
        ));
    }
    if !fixed_response_status_ok(alb.listener.default_status) {
        return Err(format!(
            "{}.listener.default_status {} is not a status the ALB can answer with: a fixed response is 2XX, 4XX or 5XX (fact sheet §8)",
            alb.id, alb.listener.default_status
        ));
    }
    if alb.listener.rules.len() > MAX_LISTENER_RULES {
        return Err(format!(
            "{}: {} listener rules is over the quota of {MAX_LISTENER_RULES} (the default rule not counted; fact sheet §8)",
            alb.id,
            alb.listener.rules.len()
        ));
    }
    let mut prios = BTreeSet::new();
    for rule in &alb.listener.rules {
        if !LISTENER_PRIORITIES.contains(&rule.priority) {
            return Err(format!(
                "{}: listener rule priority {} is outside 1-50000",
                alb.id, rule.priority
            ));
        }
        if !prios.insert(rule.priority) {
            return Err(format!(
                "{}: listener rule priority {} is used twice",
                alb.id, rule.priority
            ));
        }
        validate_rule_action(alb, rule)?;
        super::conditions::validate_conditions(rule)
            .map_err(|e| format!("{}: rule {}: {e}", alb.id, rule.priority))?;
    }
    Ok(())
}

/// A listener rule's action: known target groups, 1-5 weighted groups with
/// weights 0-999, a redirect that changes something (never to HTTP), a
/// fixed response that is not 3XX. Fact sheet §8.
fn validate_rule_action(alb: &Alb, rule: &ListenerRule) -> Result<(), String> {
    let tg_ok = |id: &str| alb.target_groups.iter().any(|t| t.id == id);
    match &rule.action {
        AlbAction::Forward { target_group } if !tg_ok(target_group) => {
            return Err(format!(
                "{}: rule {} forwards to unknown target group {target_group}",
                alb.id, rule.priority
            ));
        }
        AlbAction::WeightedForward { groups } => {
            if groups.is_empty() || groups.len() > MAX_FORWARD_GROUPS {
                return Err(format!(
                    "{}: rule {} needs 1 to {MAX_FORWARD_GROUPS} target groups (fact sheet §8)",
                    alb.id, rule.priority
                ));
            }
            for g in groups {
                if !tg_ok(&g.target_group) {
                    return Err(format!(
                        "{}: rule {} forwards to unknown target group {}",
                        alb.id, rule.priority, g.target_group
                    ));
                }
                if !FORWARD_WEIGHTS.contains(&g.weight) {
                    return Err(format!(
                        "{}: rule {} weight {} is outside 0-999",
                        alb.id, rule.priority, g.weight
                    ));
                }
            }
        }
        AlbAction::Redirect {
            status,
            protocol,
            host,
            port,
            path,
        } => {
            if !REDIRECT_STATUSES.contains(status) {
                return Err(format!(
                    "{}: rule {} redirect status must be 301 or 302",
                    alb.id, rule.priority
                ));
            }
            if protocol.is_none() && host.is_none() && port.is_none() && path.is_none() {
                return Err(format!(
                    "{}: rule {} redirect must change the protocol, host, port or path",
                    alb.id, rule.priority
                ));
            }
            if protocol
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("http"))
            {
                return Err(format!(
                    "{}: rule {} cannot redirect HTTPS to HTTP",
                    alb.id, rule.priority
                ));
            }
        }
        AlbAction::FixedResponse { status, .. } if !fixed_response_status_ok(*status) => {
            return Err(format!(
                "{}: rule {} fixed response status {status} is not allowed: it must be 2XX, 4XX or 5XX (fact sheet §8)",
                alb.id, rule.priority
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Target groups: deregistration delay, NodePort, health-check interval
/// and thresholds, stickiness duration, a known Service. Fact sheet §8.
fn validate_target_groups(r: &Region) -> Result<(), String> {
    for a in &r.cluster.app_answers {
        if !a.path.starts_with('/') || a.path.contains(char::is_whitespace) {
            return Err(format!(
                "{}: app_answers path '{}' must start with / and have no spaces",
                r.cluster.name, a.path
            ));
        }
        if !(200..=599).contains(&a.status) {
            return Err(format!(
                "{}: app_answers status {} for {} is outside 200-599",
                r.cluster.name, a.status, a.path
            ));
        }
    }
    for tg in &r.alb.target_groups {
        if !DEREGISTRATION_DELAY_S.contains(&tg.deregistration_delay_s) {
            return Err(format!(
                "target group {}: deregistration delay {} s is outside 0-3600",
                tg.id, tg.deregistration_delay_s
            ));
        }
        if tg.slow_start_s != 0 && !SLOW_START_S.contains(&tg.slow_start_s) {
            return Err(format!(
                "target group {}: slow start {} s is outside {}-{} (0 turns it off; fact sheet §8)",
                tg.id,
                tg.slow_start_s,
                SLOW_START_S.start(),
                SLOW_START_S.end()
            ));
        }
        if tg.slow_start_s != 0 && tg.algorithm == Algorithm::LeastOutstandingRequests {
            return Err(format!(
                "target group {}: slow start cannot be combined with least outstanding requests (fact sheet §8)",
                tg.id
            ));
        }
        if !NODE_PORTS.contains(&tg.node_port) && tg.target_type == TargetType::Instance {
            return Err(format!(
                "target group {}: NodePort {} is outside 30000-32767",
                tg.id, tg.node_port
            ));
        }
        if !HEALTH_INTERVAL_S.contains(&tg.health_interval_s) {
            return Err(format!(
                "target group {}: health check interval {} s is outside 5-300",
                tg.id, tg.health_interval_s
            ));
        }
        if !HEALTH_TIMEOUT_S.contains(&tg.health_timeout_s) {
            return Err(format!(
                "target group {}: health check timeout {} s is outside 2-120 (fact sheet §8)",
                tg.id, tg.health_timeout_s
            ));
        }
        if !HEALTH_THRESHOLDS.contains(&tg.healthy_threshold)
            || !HEALTH_THRESHOLDS.contains(&tg.unhealthy_threshold)
        {
            return Err(format!(
                "target group {}: health thresholds must be 2-10",
                tg.id
            ));
        }
        if let Err(e) = super::alb::parse_matcher(&tg.matcher) {
            return Err(format!("target group {}: {e}", tg.id));
        }
        if tg.health_port == Some(0) {
            return Err(format!(
                "target group {}: health check port 0 is outside 1-65535",
                tg.id
            ));
        }
        if let Some(d) = tg.stickiness_s {
            if !STICKINESS_S.contains(&d) {
                return Err(format!(
                    "target group {}: stickiness duration {d} s is outside 1 s - 7 days",
                    tg.id
                ));
            }
        }
        if tg.bound() && !r.cluster.services.iter().any(|s| s.id == tg.service) {
            return Err(format!(
                "target group {} names unknown Service {}",
                tg.id, tg.service
            ));
        }
    }
    Ok(())
}

/// The cluster: pods on known nodes, nodes that fit their subnets, Ingress
/// paths that start with / and hold no wildcard. Fact sheet §13.
fn validate_cluster(r: &Region) -> Result<(), String> {
    for p in &r.cluster.pods {
        if let Some(n) = &p.node {
            if !r.cluster.nodes.iter().any(|x| &x.id == n) {
                return Err(format!("pod {} runs on unknown node {n}", p.id));
            }
        }
    }
    for n in &r.cluster.nodes {
        let s = r
            .vpc
            .subnet(&n.subnet)
            .ok_or_else(|| format!("node {} is in unknown subnet {}", n.id, n.subnet))?;
        if s.host(n.host).is_none() {
            return Err(format!(
                "node {} host number {} does not fit in {} ({})",
                n.id, n.host, s.id, s.cidr
            ));
        }
    }
    for ip in r.cluster.ingresses().flat_map(|i| &i.rules) {
        if !ip.path.starts_with('/') {
            return Err(format!("Ingress path '{}' must start with /", ip.path));
        }
        if ip.path.contains('*') {
            return Err(format!(
                "Ingress path '{}': wildcards are not allowed in Exact or Prefix paths",
                ip.path
            ));
        }
    }
    Ok(())
}
