//! Edits a learner makes in the inspector. Values arrive as typed text and
//! are parsed and validated here; an edit is applied to a copy of the
//! scenario, the whole copy is validated, and only then swapped in. A
//! refused edit changes nothing.

use serde::{Deserialize, Serialize};

use super::net::*;
use super::scenario::{validate_block, QuotaExceeded, Scenario, ScenarioError};
use super::trace::Direction;
use super::world::World;

mod alb;
mod app;
mod cdn;
mod conn;
mod db;
mod dns;
mod dualstack;
mod eyeballs;
mod health;
mod ingress;
mod instance;
mod ipv6;
mod k8s;
mod nlb;
mod routes;
mod scale;
mod shield;
mod vpc_more;
mod waf;
mod waf_match;

pub use dns::{record_value_text, routing_text};
pub use k8s::ANNOTATIONS;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum Edit {
    // ---- Traffic: WAF (fact sheet §6, §27). All numbers are typed text.
    /// Add a rule to a web ACL. `statement` is `ip_set`, `geo_match`,
    /// `rate_based`, `sql_injection` or `xss`; `values` holds an IP set's
    /// CIDRs or a geo match's country codes (commas or spaces between);
    /// `limit` and `window_s` (default 300) a rate-based rule's.
    AddWafRule {
        web_acl: String,
        priority: String,
        name: String,
        statement: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        values: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        limit: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        window_s: String,
        action: String,
    },
    RemoveWafRule {
        web_acl: String,
        name: String,
    },
    /// Move a rule: priorities are unique per web ACL, lowest first.
    SetWafRulePriority {
        web_acl: String,
        name: String,
        priority: String,
    },
    /// A rate-based rule's limit per window (at least 10; fact sheet §6).
    SetWafRateLimit {
        web_acl: String,
        name: String,
        limit: String,
    },
    AddWafIpSetEntry {
        web_acl: String,
        name: String,
        cidr: String,
    },
    RemoveWafIpSetEntry {
        web_acl: String,
        name: String,
        cidr: String,
    },
    // ---- Traffic: ALB listener rules and target groups (fact sheet §8).
    /// Add a listener rule. Conditions: `host`, `path`, `method` (values
    /// separated by commas) and `header` (`Name: v1, v2`); empty is no
    /// condition. `action` is `forward` (`target`: a target group),
    /// `redirect` (`target`: `/path` or `https://host/path`, `status` 301
    /// or 302) or `fixed_response` (`status`, `body`).
    AddListenerRule {
        alb: String,
        priority: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        host: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        path: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        method: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        header: String,
        action: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        target: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        status: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        body: String,
    },
    /// Replace the rule now at priority `rule` (its priority, conditions and
    /// action; fields as for `add_listener_rule`).
    ChangeListenerRule {
        alb: String,
        rule: String,
        priority: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        host: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        path: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        method: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        header: String,
        action: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        target: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        status: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        body: String,
    },
    /// Delete the rule at `priority`; `default` (the default rule) is refused.
    RemoveListenerRule {
        alb: String,
        priority: String,
    },
    /// A target group's algorithm, stickiness (`off` or seconds) and health check.
    SetTargetGroup {
        target_group: String,
        algorithm: String,
        stickiness_s: String,
        health_path: String,
        health_interval_s: String,
        healthy_threshold: String,
        unhealthy_threshold: String,
    },
    // ---- Traffic: Ingress (fact sheet §13, §14).
    /// Add a path to an Ingress; the load balancer controller rewrites the
    /// listener rules it owns from the new Ingress.
    AddIngressPath {
        ingress: String,
        path: String,
        path_type: String,
        service: String,
        port: String,
    },
    RemoveIngressPath {
        ingress: String,
        path: String,
        path_type: String,
    },
    /// Add an Ingress with no paths to a region's cluster, optionally in an
    /// IngressGroup (`group_name`, `group_order` -1000..1000). With the
    /// first Ingress's group name it joins the ALB's group; otherwise it
    /// would get an ALB of its own, not modelled. Fact sheet §28.
    AddIngress {
        region: String,
        id: String,
        name: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        group_name: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        group_order: String,
    },
    /// Remove an Ingress (never the cluster's first); the controller
    /// drops its rules. Fact sheet §28.
    RemoveIngress {
        ingress: String,
    },
    // ---- Traffic: CloudFront cache behaviours (fact sheet §5).
    /// Add a behaviour just before the default `*`. `allowed_methods` is
    /// `GET,HEAD`, `GET,HEAD,OPTIONS` or all seven (`all`).
    AddCacheBehavior {
        path_pattern: String,
        origin: String,
        min_ttl_s: String,
        default_ttl_s: String,
        max_ttl_s: String,
        allowed_methods: String,
    },
    /// Change the behaviour whose pattern is `behavior` (the default `*`
    /// keeps its pattern).
    ChangeCacheBehavior {
        behavior: String,
        path_pattern: String,
        origin: String,
        min_ttl_s: String,
        default_ttl_s: String,
        max_ttl_s: String,
        allowed_methods: String,
    },
    /// Delete a behaviour; the default `*` is refused.
    RemoveCacheBehavior {
        path_pattern: String,
    },
    /// Add a numbered rule to a network ACL. All fields are typed text.
    AddNaclRule {
        nacl: String,
        direction: Direction,
        number: String,
        protocol: String,
        ports: String,
        cidr: String,
        action: String,
    },
    RemoveNaclRule {
        nacl: String,
        direction: Direction,
        number: u16,
    },
    /// Add an allow rule to a security group. `peer` is a CIDR or a group id.
    AddSgRule {
        sg: String,
        direction: Direction,
        protocol: String,
        ports: String,
        peer: String,
        /// `allow` when given: a security group has no deny rules, and
        /// `deny` is refused ([`EditError::SgAllowOnly`]). Fact sheet §11.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<String>,
    },
    /// Remove the rule at `index` (0-based, in list order).
    RemoveSgRule {
        sg: String,
        direction: Direction,
        index: usize,
    },
    SetSubnetCidr {
        subnet: String,
        cidr: String,
    },
    /// Add a route to a route table: a destination CIDR and a target
    /// (`igw-…` or `nat-…` of the table's own VPC). Fact sheet §10.
    AddRoute {
        route_table: String,
        destination: String,
        target: String,
    },
    /// Delete the route for `destination`; the `local` route cannot be
    /// deleted. Fact sheet §10.
    RemoveRoute {
        route_table: String,
        destination: String,
    },
    /// Associate a subnet with another route table of its VPC.
    AssociateRouteTable {
        subnet: String,
        route_table: String,
    },
    /// Create a record in the hosted zone. `value` is `A 192.0.2.1, …`,
    /// `AAAA …`, `CNAME name`, `TXT …`, `alias cloudfront`, `alias alb
    /// REGION` or `alias record NAME`; `ttl_s` is empty for an alias;
    /// `routing` is `simple`, `weighted N`, `latency REGION`, `failover
    /// primary|secondary`, `geolocation default|continent XX|country XX
    /// [subdivision YY]`, `geoproximity REGION|LAT,LON [bias N]`,
    /// `multivalue` or `ip-based COLLECTION LOCATION`; `health_check` is a
    /// health check id or empty. Fact sheet §1-§3.
    CreateRecord {
        name: String,
        value: String,
        #[serde(default)]
        ttl_s: String,
        routing: String,
        #[serde(default)]
        health_check: String,
        #[serde(default)]
        evaluate_target_health: bool,
    },
    /// Replace the record at `index` (0-based, in the zone's list), which
    /// must be named `name`, with these settings (as in `create_record`).
    ChangeRecord {
        index: usize,
        name: String,
        value: String,
        #[serde(default)]
        ttl_s: String,
        routing: String,
        #[serde(default)]
        health_check: String,
        #[serde(default)]
        evaluate_target_health: bool,
    },
    /// Delete the record at `index`, which must be named `name`.
    DeleteRecord {
        index: usize,
        name: String,
    },
    /// Create a Route 53 health check on a region's ALB. Fact sheet §4.
    CreateHealthCheck {
        id: String,
        region: String,
        path: String,
        interval_s: String,
        failure_threshold: String,
    },
    /// Change a health check's path and failure threshold. Its request
    /// interval cannot change after creation (fact sheet §4): an
    /// `interval_s` other than the current one is refused.
    ChangeHealthCheck {
        id: String,
        path: String,
        #[serde(default)]
        interval_s: String,
        failure_threshold: String,
    },
    /// Delete a health check no record or calculated check uses.
    DeleteHealthCheck {
        id: String,
    },
    /// Set the number of pods of an application (a Deployment's replicas)
    /// in a region. New pods go on the worker nodes with the fewest of
    /// them, with the first free address of the node's subnet.
    ScalePods {
        region: String,
        app: String,
        replicas: String,
    },
    /// Set the number of worker nodes in a region's cluster.
    ScaleNodes {
        region: String,
        count: String,
    },
    /// Create a route table in a VPC. It starts with the VPC's `local`
    /// route only, as AWS creates it. Fact sheet §10.
    CreateRouteTable {
        id: String,
        vpc: String,
    },
    /// Delete a route table no subnet is associated with. (The scenario
    /// associates every subnet explicitly and models no main table.)
    /// Fact sheet §10.
    DeleteRouteTable {
        id: String,
    },
    /// Create a target group on a load balancer. `target_type` is `ip` or
    /// `instance` (then `port` is the nodes' NodePort, 30000-32767); the
    /// health-check fields are optional (empty: AWS's defaults `/`, 30 s,
    /// 5 and 2) and take the ranges `set_target_group` takes. No Service
    /// is bound to it, so it has no registered targets. Fact sheet §8.
    CreateTargetGroup {
        id: String,
        alb: String,
        port: String,
        target_type: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_path: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_interval_s: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        healthy_threshold: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        unhealthy_threshold: String,
    },
    /// Delete a target group no listener rule forwards to. Fact sheet §8.
    DeleteTargetGroup {
        id: String,
    },
    /// Dual stack: `component` is `cloudfront` (IPv6 on or off) or a load
    /// balancer's id; `ip_address_type` is `ipv4` or `dualstack`.
    /// Fact sheet §23.
    SetIpAddressType {
        component: String,
        ip_address_type: String,
    },
    // ---- Traffic: WAF match statements, labels, tokens (fact sheet §6, §27).
    /// Add a string match (`byte_match`: `search` at `positional`),
    /// regex pattern set (`regex_match`: `patterns`, one per line) or size
    /// constraint (`size_constraint`: `comparison` and `size`) rule on
    /// `field` (`method`, `uri_path`, `query_string`, `query_argument:NAME`,
    /// `header:NAME`, `all_headers`, `body`, `cookies`) after `transforms`
    /// (in order, commas between), with `oversize` handling (`continue`,
    /// `match`, `no_match`), the `labels` it adds and, for a CAPTCHA or
    /// Challenge action, its `immunity_s`.
    AddWafMatchRule {
        web_acl: String,
        priority: String,
        name: String,
        statement: String,
        field: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        search: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        positional: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        patterns: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        comparison: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        size: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        transforms: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        oversize: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        labels: String,
        action: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        immunity_s: String,
    },
    /// Add a label match rule: `scope` `label` or `namespace`, `key` the
    /// label or namespace an earlier rule added.
    AddWafLabelRule {
        web_acl: String,
        priority: String,
        name: String,
        scope: String,
        key: String,
        action: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        labels: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        immunity_s: String,
    },
    /// Add an AWS managed rule group (`common`, `known_bad_inputs`,
    /// `ip_reputation`, `sqli`, or its AWS name); `action` `block` (the
    /// group's own actions) or `count` (every rule overridden to Count).
    AddWafManagedGroup {
        web_acl: String,
        priority: String,
        name: String,
        group: String,
        action: String,
    },
    /// Change a rule's action (`allow`, `block`, `count`, `captcha`,
    /// `challenge`) and, for CAPTCHA or Challenge, its own `immunity_s`
    /// (empty: the web ACL's).
    SetWafRuleAction {
        web_acl: String,
        name: String,
        action: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        immunity_s: String,
    },
    /// Replace the labels a rule adds when it matches (empty: none).
    SetWafRuleLabels {
        web_acl: String,
        name: String,
        #[serde(default)]
        labels: String,
    },
    /// The web ACL's default action: `allow` or `block`. Fact sheet §6.
    SetWafDefaultAction {
        web_acl: String,
        action: String,
    },
    /// The web ACL's CAPTCHA and Challenge immunity times in seconds
    /// (empty: 300). Fact sheet §27.
    SetWafTokenImmunity {
        web_acl: String,
        #[serde(default)]
        captcha_s: String,
        #[serde(default)]
        challenge_s: String,
    },
    /// A CloudFront web ACL's body inspection limit: 16, 32, 48 or 64 KB
    /// (a regional one takes 8 only). Fact sheet §6, §27.
    SetWafBodyLimit {
        web_acl: String,
        kb: String,
    },
    /// Set a resource's AWS Shield protection: `resource` is the
    /// distribution's id or an ALB's; `tier` `standard` or `advanced`;
    /// `automatic_l7_mitigation` `on` or `off` (empty: off), Advanced only
    /// and, on an ALB, with a web ACL. Fact sheet §7.
    SetShield {
        resource: String,
        tier: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        automatic_l7_mitigation: String,
    },
    /// Set a Route 53 health check's probe: `type` (HTTP, HTTPS, TCP,
    /// HTTP_STR_MATCH, HTTPS_STR_MATCH), `search_string` (`-` clears),
    /// `endpoint` (an IPv4 address or a domain name; `alb` or `-`: the
    /// check's region's ALB), `port`, `checker_regions` (a list, or
    /// `default`), `inverted` and `disabled` (true/false), `children`
    /// (health check ids: the check becomes calculated; `-`: it probes
    /// again) and `rule` (`all`, `any` or `at_least N`). An empty field
    /// keeps the current value. Fact sheet §4.
    SetHealthCheck {
        id: String,
        #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
        check_type: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        search_string: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        endpoint: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        port: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        checker_regions: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        inverted: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        disabled: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        children: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        rule: String,
    },
    /// Set a target group's health check: `health_protocol` (HTTP or
    /// HTTPS), `health_port` (`traffic-port` or 1-65535), `matcher`
    /// (`200`, `200,302`, `200-299`; codes 200-499), `health_timeout_s`
    /// (2-120), `health_path`, `health_interval_s` (5-300),
    /// `healthy_threshold` and `unhealthy_threshold` (2-10). An empty field
    /// keeps the current value. Fact sheet §8.
    SetTargetGroupHealth {
        target_group: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_protocol: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_port: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        matcher: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_timeout_s: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_path: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_interval_s: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        healthy_threshold: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        unhealthy_threshold: String,
    },
    /// A browser's newest TLS version (`1.2` or `1.3`) and whether it
    /// offers 0-RTT early data when it resumes (TLS 1.3 only). Fact sheet
    /// §16, §26.
    SetClientTls {
        client: String,
        max_version: String,
        #[serde(default)]
        early_data: bool,
    },
    /// A load balancer's connection idle timeout, 1-4,000 s. Fact sheet §8.
    SetAlbIdleTimeout {
        alb: String,
        seconds: String,
    },
    /// The HTTPS listener's security policy, by its AWS name. Fact sheet §8.
    SetListenerTlsPolicy {
        alb: String,
        policy: String,
    },
    /// How long the application in a region keeps an idle connection open
    /// (its server's keep-alive timeout), 1-3,600 s. Fact sheet §26.
    SetAppKeepAlive {
        region: String,
        seconds: String,
    },
    /// CloudFront's keep-alive timeout to custom origins, 1-60 s.
    /// Fact sheet §26.
    SetOriginKeepAlive {
        seconds: String,
    },
    /// The extra time, in milliseconds (0-120,000), the application behind
    /// a Service (by id) works on a request before it answers; 0 removes
    /// it. Fact sheet §16.
    SetAppDelay {
        service: String,
        ms: String,
    },
    /// A browser's IPv6 (`mode`): `off` (IPv4 only, asks for A alone),
    /// `on` (dual stack: asks for AAAA and A, connects over IPv6 first) or
    /// `broken` (tries IPv6 first, which does not work, then IPv4 after
    /// 250 ms). Fact sheet §23.
    SetClientIpv6 {
        client: String,
        mode: String,
    },
    // ---- EC2 instances (fact sheet §24) and security groups (§11).
    /// Launch an instance in a subnet: `security_groups` (commas between,
    /// at least one), `public_ip` `none` (default), `auto` or an Elastic IP
    /// address, `os` `linux` (default) or `windows`; it takes the subnet's
    /// first free address.
    AddInstance {
        id: String,
        subnet: String,
        security_groups: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        name: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        public_ip: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        os: String,
    },
    /// Terminate an instance.
    RemoveInstance {
        instance: String,
    },
    /// Change an instance: its public address (`none`, `auto` or an
    /// Elastic IP), its security groups, its source/destination check
    /// (`on` / `off`). Empty fields stay as they are.
    SetInstance {
        instance: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        public_ip: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        security_groups: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        source_dest_check: String,
        /// `on`: an IPv6 address from its subnet's /64; `off`: none.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        ipv6: String,
    },
    // ---- IPv6 in a VPC (fact sheet §23).
    /// Associate an Amazon-provided IPv6 /56 with a VPC; its `local` route
    /// goes into every route table.
    AssignVpcIpv6 {
        vpc: String,
    },
    /// Give a subnet a /64 of its VPC's /56: `block` 0-255, empty for the
    /// next free one, `none` to take it away.
    AssignSubnetIpv6 {
        subnet: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        block: String,
    },
    /// Create an egress-only internet gateway `eigw-…` in a VPC.
    CreateEgressOnlyIgw {
        vpc: String,
        id: String,
    },
    /// Delete an egress-only internet gateway (refused while a route
    /// leads to it).
    DeleteEgressOnlyIgw {
        id: String,
    },
    /// Create a security group in a VPC: no inbound rule, one outbound
    /// rule allowing all traffic (fact sheet §11).
    CreateSecurityGroup {
        vpc: String,
        id: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        name: String,
    },
    /// A target group's deregistration delay, 0-3,600 s: how long a
    /// deregistered target drains before the ALB closes its connections.
    /// Fact sheet §8, §26.
    SetDeregistrationDelay {
        target_group: String,
        seconds: String,
    },
    /// A target group's slow start, 30-900 s, or `0` / `off`. Fact sheet
    /// §8, §26.
    SetSlowStart {
        target_group: String,
        seconds: String,
    },
    /// An ALB's HTTP client keep-alive duration, 60-604,800 s (every ALB's
    /// when `alb` is empty). Fact sheet §26.
    SetClientKeepalive {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        alb: String,
        seconds: String,
    },
    /// The application's database connection pool per pod, 0-100 (every
    /// region's when `region` is empty; 0 keeps no connection). Fact sheet
    /// §15, §26.
    SetDbPool {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        region: String,
        size: String,
    },
    // ---- The rest of the VPC (fact sheet §10, §12, §21, §22).
    /// Add a secondary IPv4 block to a VPC (its `local` route goes into
    /// every route table).
    AddVpcCidr {
        vpc: String,
        cidr: String,
    },
    /// Remove a secondary block no subnet uses (never the primary).
    RemoveVpcCidr {
        vpc: String,
        cidr: String,
    },
    /// Make a route table the VPC's main one.
    SetMainRouteTable {
        route_table: String,
    },
    /// Drop a subnet's explicit association: it uses the main table.
    DisassociateRouteTable {
        subnet: String,
    },
    /// A custom network ACL: only the `*` deny rules.
    CreateNacl {
        id: String,
        vpc: String,
    },
    /// Delete a network ACL no subnet uses (never the default one).
    DeleteNacl {
        id: String,
    },
    AssociateNacl {
        subnet: String,
        nacl: String,
    },
    /// A subnet back on the VPC's default network ACL.
    DisassociateNacl {
        subnet: String,
    },
    /// Request a peering connection (`failed` when the blocks overlap).
    CreatePeering {
        id: String,
        requester_vpc: String,
        accepter_vpc: String,
    },
    AcceptPeering {
        id: String,
    },
    /// Delete a peering: its routes stay, as blackholes.
    DeletePeering {
        id: String,
    },
    /// DNS resolution over an active peering, per side: `on`, `off`, or
    /// empty to keep it.
    SetPeeringDns {
        id: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        requester: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        accepter: String,
    },
    /// An S3 gateway endpoint for route tables (commas or spaces).
    CreateGatewayEndpoint {
        id: String,
        vpc: String,
        route_tables: String,
    },
    /// An interface endpoint: a service name, subnets (one per AZ),
    /// security groups (none = the VPC's default one), private DNS
    /// `on` (default) or `off`.
    CreateInterfaceEndpoint {
        id: String,
        vpc: String,
        service: String,
        subnets: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        security_groups: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        private_dns: String,
    },
    /// Delete a gateway endpoint (with its routes) or an interface endpoint.
    DeleteEndpoint {
        id: String,
    },
    // ---- Kubernetes (fact sheet §13, §14, §28).
    /// Set one `alb.ingress.kubernetes.io/*` annotation of an Ingress (by
    /// id; the prefix may be left out): `target-type` (ip, instance),
    /// `group.name`, `group.order` (-1000..1000), `healthcheck-path`,
    /// `healthcheck-port` (a port or traffic-port),
    /// `healthcheck-interval-seconds`, `healthcheck-timeout-seconds`,
    /// `healthy-threshold-count`, `unhealthy-threshold-count`,
    /// `success-codes`; an empty value removes it. The load balancer
    /// controller then rewrites the target groups and rules it owns.
    SetIngressAnnotation {
        ingress: String,
        annotation: String,
        #[serde(default)]
        value: String,
    },
    /// A Service's (by id) `externalTrafficPolicy`: `Cluster` or `Local`.
    SetTrafficPolicy {
        service: String,
        policy: String,
    },
    /// An application's `readiness` or `liveness` probe timings (every
    /// region's pods of that app when `region` is empty): initialDelaySeconds
    /// 0-3600, periodSeconds and timeoutSeconds 1-3600, thresholds 1-100
    /// (a liveness probe's successThreshold is 1). The defaults (0, 10, 1,
    /// 1, 3) remove the entry.
    SetProbe {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        region: String,
        app: String,
        probe: String,
        initial_delay_s: String,
        period_s: String,
        timeout_s: String,
        success_threshold: String,
        failure_threshold: String,
    },
    /// A HorizontalPodAutoscaler on an application in a region: `mode`
    /// `on`, `off` (kept, not acting) or `remove`; min and max replicas
    /// (1-50), the target CPU utilization in percent, the pods' CPU request
    /// in millicores (empty or `none`: no request, so no action).
    SetHpa {
        region: String,
        app: String,
        mode: String,
        #[serde(default)]
        min: String,
        #[serde(default)]
        max: String,
        #[serde(default)]
        target_cpu: String,
        #[serde(default)]
        cpu_request: String,
    },
    /// A region's database deployment: `multi_az_instance`,
    /// `multi_az_cluster` (new instances fill three AZs) or `aurora`.
    /// Fact sheet §15, §29.
    SetDbDeployment {
        region: String,
        deployment: String,
    },
    /// A reader in `subnet`: an Aurora Replica, or a Multi-AZ DB
    /// instance's read replica. Fact sheet §15, §29.
    AddDbReader {
        region: String,
        subnet: String,
    },
    /// Remove an Aurora Replica or a read replica (by instance id).
    RemoveDbReader {
        region: String,
        instance: String,
    },
    /// Where the application behind a Service (by id) sends its database
    /// work: `writer`, `reads_to_reader` or `all_to_reader`. Fact sheet §29.
    SetDbRouting {
        service: String,
        route: String,
    },
    /// A region's database "publicly accessible" flag; on gives every
    /// instance a public IP. Fact sheet §29.
    SetDbPublic {
        region: String,
        publicly_accessible: bool,
    },
    // ---- Network Load Balancer (fact sheet §9, §26).
    /// Add region `region`'s Network Load Balancer beside its ALB: a node
    /// per AZ in the public subnets, no security groups, cross-zone off, a
    /// TCP listener on 443 passing TLS through to the Service's pods.
    AddNlb {
        region: String,
    },
    /// Remove a Network Load Balancer.
    RemoveNlb {
        nlb: String,
    },
    /// Add a listener: `protocol` TCP, TLS, UDP or TCP_UDP, `port`
    /// 1-65535, the `target_group` it forwards to, and for TLS the
    /// `certificate` domains (commas between).
    AddNlbListener {
        nlb: String,
        protocol: String,
        port: String,
        target_group: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        certificate: String,
    },
    /// Remove the listener on `port`.
    RemoveNlbListener {
        nlb: String,
        port: String,
    },
    /// Cross-zone load balancing (`on` / `off`) and the security groups
    /// (ids, commas between; `-` for none); an empty field keeps its value.
    SetNlb {
        nlb: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        cross_zone: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        security_groups: String,
    },
    /// A TCP listener's idle timeout: 60-6,000 s, `default` for 350 s.
    SetNlbIdleTimeout {
        nlb: String,
        port: String,
        seconds: String,
    },
    /// An NLB target group's settings; an empty field keeps its value:
    /// `target_type` (`ip` / `instance`), `preserve_client_ip` (`on`,
    /// `off`, `default`), `port`, `protocol`, `health_protocol` (TCP, HTTP,
    /// HTTPS), `health_path`, `health_interval_s` (5-300),
    /// `healthy_threshold` and `unhealthy_threshold` (2-10).
    SetNlbTargetGroup {
        target_group: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        target_type: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        preserve_client_ip: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        port: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        protocol: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_protocol: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_path: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        health_interval_s: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        healthy_threshold: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        unhealthy_threshold: String,
    },
}

/// The kind of VPC part an edit names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VpcPart {
    WebAcl,
    WafRule,
    IpSetEntry,
    LoadBalancer,
    ListenerRule,
    TargetGroup,
    Ingress,
    IngressPath,
    Service,
    CacheBehavior,
    Origin,
    NetworkAcl,
    SecurityGroup,
    Subnet,
    RouteTable,
    /// An internet or NAT gateway, as a route's target.
    Gateway,
    Region,
    HealthCheck,
    /// An application (the pods of one Deployment) in a region.
    App,
    Vpc,
    /// A browser (a scenario's client).
    Client,
    /// A VPC peering connection. Fact sheet §21.
    Peering,
    /// A gateway or interface endpoint. Fact sheet §22.
    Endpoint,
    /// An EC2 instance.
    Instance,
}

impl std::fmt::Display for VpcPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VpcPart::WebAcl => "web ACL",
            VpcPart::WafRule => "WAF rule",
            VpcPart::IpSetEntry => "IP set entry",
            VpcPart::LoadBalancer => "load balancer",
            VpcPart::ListenerRule => "listener rule",
            VpcPart::TargetGroup => "target group",
            VpcPart::Ingress => "Ingress",
            VpcPart::IngressPath => "Ingress path",
            VpcPart::Service => "Service",
            VpcPart::CacheBehavior => "cache behaviour",
            VpcPart::Origin => "origin or origin group",
            VpcPart::NetworkAcl => "network ACL",
            VpcPart::SecurityGroup => "security group",
            VpcPart::Subnet => "subnet",
            VpcPart::RouteTable => "route table",
            VpcPart::Gateway => "internet or NAT gateway",
            VpcPart::Region => "region",
            VpcPart::HealthCheck => "health check",
            VpcPart::App => "application",
            VpcPart::Vpc => "VPC",
            VpcPart::Client => "client",
            VpcPart::Peering => "peering connection",
            VpcPart::Endpoint => "VPC endpoint",
            VpcPart::Instance => "instance",
        })
    }
}

/// Why an edit was refused. The message (`to_string()`) is what the
/// inspector shows next to the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    /// A WAF rule or listener rule priority is already used by another rule
    /// of the same web ACL or listener (`owner`). Fact sheet §6, §8.
    PriorityTaken {
        part: VpcPart,
        owner: String,
        priority: u32,
        by: String,
    },
    /// A rule name, IP set entry, Ingress path or cache behaviour pattern
    /// that is already there.
    Exists { part: VpcPart, id: String },
    /// A number outside the range AWS accepts for it.
    OutOfRange {
        what: &'static str,
        value: u64,
        min: u64,
        max: u64,
        section: u8,
    },
    /// A rate-based rule's limit under AWS's minimum. Fact sheet §6.
    RateLimitTooLow { rule: String, limit: u64 },
    /// The edit needs a rule of another statement kind (an IP set, a
    /// rate-based rule).
    WrongStatement { rule: String, want: &'static str },
    /// The listener's default rule or the distribution's default
    /// behaviour `*`: it cannot be deleted, and what `why` says.
    DefaultKept { part: VpcPart, why: &'static str },
    /// A behaviour's TTLs out of order: minimum <= default <= maximum.
    /// Fact sheet §5.
    TtlOrder { min: u32, default: u32, max: u32 },
    /// A typed value does not parse: a rule number, protocol, port range,
    /// CIDR or action, with the reason and the expected form.
    Parse(String),
    /// The edit names a network ACL, security group or subnet the scenario
    /// does not have.
    Unknown { part: VpcPart, id: String },
    /// A security group rule's peer group is not in the group's VPC.
    PeerNotInVpc { peer: String, vpc: String },
    /// The network ACL already has a rule with this number in this direction.
    NaclRuleTaken {
        nacl: String,
        direction: Direction,
        number: u16,
    },
    /// The network ACL has no rule with this number in this direction.
    NoNaclRule {
        nacl: String,
        direction: Direction,
        number: u16,
    },
    /// A security group rule asked to deny: groups allow only. Fact sheet §11.
    SgAllowOnly { sg: String },
    /// The security group already has the same rule in this direction.
    SgRuleExists { sg: String, direction: Direction },
    /// The security group has no rule at this position (1-based).
    NoSgRule {
        sg: String,
        direction: Direction,
        position: usize,
    },
    /// The edited scenario would be over a rule quota. Fact sheet §11, §12.
    Quota {
        region: Option<String>,
        quota: QuotaExceeded,
    },
    /// The edited scenario would not be valid (a subnet block too small for
    /// its hosts, outside the VPC, overlapping another...).
    Invalid(String),
    /// A route table, or a route's gateway, belongs to another VPC than
    /// the subnet or table it is used with. Fact sheet §10.
    NotInVpc {
        part: VpcPart,
        id: String,
        vpc: String,
    },
    /// The route table already has a route for this destination.
    RouteExists {
        route_table: String,
        destination: String,
    },
    /// The route table has no route for this destination.
    NoRoute {
        route_table: String,
        destination: String,
    },
    /// The `local` route cannot be deleted. Fact sheet §10.
    LocalRoute {
        route_table: String,
        destination: String,
    },
    /// The hosted zone has no record at this index with this name.
    NoRecord { index: usize, name: String },
    /// A health check with this id already exists.
    HealthCheckExists { id: String },
    /// A health check's request interval cannot change after creation.
    /// Fact sheet §4.
    IntervalFixed {
        health_check: String,
        interval_s: u32,
    },
    /// A health check still used by a record (or a calculated check).
    HealthCheckInUse { health_check: String, user: String },
    /// Scaling nodes down would remove a node that still runs pods.
    NodeHasPods { node: String, pods: Vec<String> },
    /// A route table that subnets are still associated with cannot be
    /// deleted. Fact sheet §10.
    RouteTableInUse {
        route_table: String,
        subnets: Vec<String>,
    },
    /// A target group a listener rule still forwards to cannot be deleted
    /// (`rule`: the rule's priority, or `default`). Fact sheet §8.
    TargetGroupInUse {
        target_group: String,
        alb: String,
        rule: String,
    },
    /// A Network Load Balancer configured as AWS refuses. Fact sheet §9.
    Nlb {
        nlb: String,
        problem: crate::sim::scenario::NlbProblem,
    },
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::PriorityTaken {
                part,
                owner,
                priority,
                by,
            } => write!(
                f,
                "{owner}: priority {priority} is already used by {part} {by}: priorities are unique (fact sheet {}); move that rule first or pick another number",
                if *part == VpcPart::WafRule { "§6" } else { "§8" }
            ),
            EditError::Exists { part, id } => {
                write!(f, "{part} {} already exists", crate::sim::text::clip(id))
            }
            EditError::OutOfRange {
                what,
                value,
                min,
                max,
                section,
            } => write!(
                f,
                "{what} {value} is outside {min}-{max} (fact sheet §{section})"
            ),
            EditError::RateLimitTooLow { rule, limit } => write!(
                f,
                "{rule}: a rate limit of {limit} is below AWS's minimum of {} requests per window (100 before 2024; fact sheet §6)",
                crate::sim::limits::WAF_MIN_RATE_LIMIT
            ),
            EditError::WrongStatement { rule, want } => {
                write!(f, "{} is not {want}", crate::sim::text::clip(rule))
            }
            EditError::DefaultKept { part, why } => write!(f, "the default {part} {why}"),
            EditError::TtlOrder { min, default, max } => write!(
                f,
                "TTLs must satisfy minimum <= default <= maximum (got {min} / {default} / {max}; fact sheet §5)"
            ),
            EditError::Parse(m) | EditError::Invalid(m) => f.write_str(m),
            EditError::Unknown { part, id } => {
                write!(f, "no {part} {}", crate::sim::text::clip(id))
            }
            EditError::PeerNotInVpc { peer, vpc } => {
                let peer = crate::sim::text::clip(peer);
                write!(f, "no security group {peer} in {vpc}")
            }
            EditError::NaclRuleTaken {
                nacl,
                direction,
                number,
            } => write!(
                f,
                "{nacl} already has {} rule {number}: rule numbers are unique per direction; delete it first or pick another number",
                direction.as_str()
            ),
            EditError::NoNaclRule {
                nacl,
                direction,
                number,
            } => write!(f, "{nacl} has no {} rule {number}", direction.as_str()),
            EditError::SgAllowOnly { sg } => {
                write!(f, "{sg}: {}", crate::sim::limits::SG_ALLOW_ONLY)
            }
            EditError::SgRuleExists { sg, direction } => {
                write!(f, "{sg} already has this {} rule", direction.as_str())
            }
            EditError::NoSgRule {
                sg,
                direction,
                position,
            } => write!(f, "{sg} has no {} rule {position}", direction.as_str()),
            EditError::Quota { region, quota } => ScenarioError::Quota {
                region: region.clone(),
                quota: quota.clone(),
            }
            .fmt(f),
            EditError::NotInVpc { part, id, vpc } => write!(
                f,
                "{part} {} is not in {vpc}: a subnet uses a route table of its own VPC, and a route leads to a gateway of its table's VPC (fact sheet §10)",
                crate::sim::text::clip(id)
            ),
            EditError::RouteExists {
                route_table,
                destination,
            } => write!(
                f,
                "{route_table} already has a route for {destination}: one route per destination; delete it first"
            ),
            EditError::NoRoute {
                route_table,
                destination,
            } => write!(f, "{route_table} has no route for {}", crate::sim::text::clip(destination)),
            EditError::LocalRoute {
                route_table,
                destination,
            } => write!(
                f,
                "{route_table}: the local route {destination} cannot be deleted: every route table keeps a local route for each VPC CIDR (fact sheet §10)"
            ),
            EditError::NoRecord { index, name } => write!(
                f,
                "the hosted zone has no record {} named {}",
                *index as u128 + 1,
                crate::sim::text::clip(name)
            ),
            EditError::HealthCheckExists { id } => {
                write!(f, "health check {} already exists", crate::sim::text::clip(id))
            }
            EditError::IntervalFixed {
                health_check,
                interval_s,
            } => write!(
                f,
                "health check {health_check}: the request interval ({interval_s} s) cannot be changed after creation; create a new check instead (fact sheet §4)"
            ),
            EditError::HealthCheckInUse { health_check, user } => write!(
                f,
                "health check {health_check} is still used by {user}: change that first"
            ),
            EditError::NodeHasPods { node, pods } => write!(
                f,
                "node {node} still runs {}: scale the pods down first",
                pods.join(", ")
            ),
            EditError::RouteTableInUse {
                route_table,
                subnets,
            } => write!(
                f,
                "{route_table} is still associated with {}: every subnet uses exactly one route table, so associate {} with another table first (fact sheet §10)",
                subnets.join(", "),
                if subnets.len() == 1 { "it" } else { "them" }
            ),
            EditError::TargetGroupInUse {
                target_group,
                alb,
                rule,
            } => write!(
                f,
                "target group {target_group} is still used by {alb} listener rule {rule}: change or delete that rule first (fact sheet §8)"
            ),
            EditError::Nlb { nlb, problem } => write!(f, "{nlb}: {problem}"),
        }
    }
}

impl From<ScenarioError> for EditError {
    fn from(e: ScenarioError) -> Self {
        match e {
            ScenarioError::Quota { region, quota } => EditError::Quota { region, quota },
            ScenarioError::Invalid(m) => EditError::Invalid(crate::sim::text::clip_message(&m)),
            ScenarioError::Nlb { nlb, problem } => EditError::Nlb { nlb, problem },
        }
    }
}

impl Edit {
    /// The edit the benchmarks time, a typical learner's change: deny
    /// HTTPS from the New York browser's /24 at the public NACL of region A.
    pub fn benchmark_sample() -> Edit {
        Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: "90".into(),
            protocol: "tcp".into(),
            ports: "443".into(),
            cidr: "203.0.113.0/24".into(),
            action: "deny".into(),
        }
    }

    /// When AWS would store a typed CIDR differently (host bits set), what
    /// it stores, said out loud: `stored as 10.0.20.0/24 (typed
    /// 10.0.20.5/24: AWS normalises …)`. `None` when stored as typed or
    /// when the edit has no CIDR to normalise.
    pub fn normalised_note(&self) -> Option<String> {
        let Edit::SetSubnetCidr { cidr, .. } = self else {
            return None;
        };
        let n = parse_cidr(cidr).ok()?;
        (n.to_string() != cidr.trim()).then(|| {
            format!(
                "stored as {n} (typed {}: {})",
                crate::sim::text::clip(cidr.trim()),
                crate::sim::scenario::NORMALISED
            )
        })
    }

    /// A one-line description for the edit history.
    pub fn describe(&self) -> String {
        match self {
            Edit::AddWafRule { .. }
            | Edit::RemoveWafRule { .. }
            | Edit::SetWafRulePriority { .. }
            | Edit::SetWafRateLimit { .. }
            | Edit::AddWafIpSetEntry { .. }
            | Edit::RemoveWafIpSetEntry { .. } => waf::describe(self),
            Edit::AddListenerRule { .. }
            | Edit::ChangeListenerRule { .. }
            | Edit::RemoveListenerRule { .. }
            | Edit::SetTargetGroup { .. }
            | Edit::CreateTargetGroup { .. }
            | Edit::DeleteTargetGroup { .. } => alb::describe(self),
            Edit::AddIngressPath { .. }
            | Edit::RemoveIngressPath { .. }
            | Edit::AddIngress { .. }
            | Edit::RemoveIngress { .. } => ingress::describe(self),
            Edit::AddCacheBehavior { .. }
            | Edit::ChangeCacheBehavior { .. }
            | Edit::RemoveCacheBehavior { .. } => cdn::describe(self),
            Edit::AddNaclRule {
                nacl,
                direction,
                number,
                protocol,
                ports,
                cidr,
                action,
            } => format!(
                "{nacl} {}: add rule {number} {action} {protocol} {ports} {cidr}",
                direction.as_str()
            ),
            Edit::RemoveNaclRule {
                nacl,
                direction,
                number,
            } => {
                format!("{nacl} {}: delete rule {number}", direction.as_str())
            }
            Edit::AddSgRule {
                sg,
                direction,
                protocol,
                ports,
                peer,
                ..
            } => {
                format!(
                    "{sg} {}: allow {protocol} {ports} {peer}",
                    direction.as_str()
                )
            }
            Edit::RemoveSgRule {
                sg,
                direction,
                index,
            } => {
                // u128: an index of usize::MAX is shown, not wrapped to 0.
                let position = *index as u128 + 1;
                format!("{sg} {}: delete rule {position}", direction.as_str())
            }
            Edit::SetSubnetCidr { subnet, cidr } => match parse_cidr(cidr) {
                Ok(n) if n.to_string() != cidr.trim() => format!(
                    "{subnet}: CIDR {n} (typed {}: {})",
                    crate::sim::text::clip(cidr.trim()),
                    crate::sim::scenario::NORMALISED
                ),
                _ => format!("{subnet}: CIDR {}", crate::sim::text::clip(cidr)),
            },
            Edit::AddRoute { .. }
            | Edit::RemoveRoute { .. }
            | Edit::AssociateRouteTable { .. }
            | Edit::CreateRouteTable { .. }
            | Edit::DeleteRouteTable { .. } => routes::describe(self),
            Edit::CreateRecord { .. }
            | Edit::ChangeRecord { .. }
            | Edit::DeleteRecord { .. }
            | Edit::CreateHealthCheck { .. }
            | Edit::ChangeHealthCheck { .. }
            | Edit::DeleteHealthCheck { .. } => dns::describe(self),
            Edit::SetHealthCheck { .. } | Edit::SetTargetGroupHealth { .. } => {
                health::describe(self)
            }
            Edit::ScalePods { .. } | Edit::ScaleNodes { .. } => scale::describe(self),
            Edit::SetIpAddressType { .. } => dualstack::describe(self),
            Edit::AddWafMatchRule { .. }
            | Edit::AddWafLabelRule { .. }
            | Edit::AddWafManagedGroup { .. }
            | Edit::SetWafRuleAction { .. }
            | Edit::SetWafRuleLabels { .. }
            | Edit::SetWafDefaultAction { .. }
            | Edit::SetWafTokenImmunity { .. }
            | Edit::SetWafBodyLimit { .. } => waf_match::describe(self),
            Edit::SetShield { .. } => shield::describe(self),
            Edit::SetClientTls { .. }
            | Edit::SetAlbIdleTimeout { .. }
            | Edit::SetListenerTlsPolicy { .. }
            | Edit::SetAppKeepAlive { .. }
            | Edit::SetOriginKeepAlive { .. }
            | Edit::SetDeregistrationDelay { .. }
            | Edit::SetSlowStart { .. }
            | Edit::SetClientKeepalive { .. }
            | Edit::SetDbPool { .. } => conn::describe(self),
            Edit::SetAppDelay { .. } => app::describe(self),
            Edit::SetIngressAnnotation { .. }
            | Edit::SetTrafficPolicy { .. }
            | Edit::SetProbe { .. }
            | Edit::SetHpa { .. } => k8s::describe(self),
            Edit::SetDbDeployment { .. }
            | Edit::AddDbReader { .. }
            | Edit::RemoveDbReader { .. }
            | Edit::SetDbRouting { .. }
            | Edit::SetDbPublic { .. } => db::describe(self),
            Edit::SetClientIpv6 { .. } => eyeballs::describe(self),
            Edit::AddVpcCidr { .. }
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
            | Edit::DeleteEndpoint { .. } => vpc_more::describe(self),
            Edit::AddInstance { .. }
            | Edit::RemoveInstance { .. }
            | Edit::SetInstance { .. }
            | Edit::CreateSecurityGroup { .. } => instance::describe(self),
            Edit::AssignVpcIpv6 { .. }
            | Edit::AssignSubnetIpv6 { .. }
            | Edit::CreateEgressOnlyIgw { .. }
            | Edit::DeleteEgressOnlyIgw { .. } => ipv6::describe(self),
            Edit::AddNlb { .. }
            | Edit::RemoveNlb { .. }
            | Edit::AddNlbListener { .. }
            | Edit::RemoveNlbListener { .. }
            | Edit::SetNlb { .. }
            | Edit::SetNlbIdleTimeout { .. }
            | Edit::SetNlbTargetGroup { .. } => nlb::describe(self),
        }
    }

    fn apply_to(&self, s: &mut Scenario) -> Result<(), EditError> {
        match self {
            Edit::AddWafRule { .. }
            | Edit::RemoveWafRule { .. }
            | Edit::SetWafRulePriority { .. }
            | Edit::SetWafRateLimit { .. }
            | Edit::AddWafIpSetEntry { .. }
            | Edit::RemoveWafIpSetEntry { .. } => waf::apply(self, s),
            Edit::AddListenerRule { .. }
            | Edit::ChangeListenerRule { .. }
            | Edit::RemoveListenerRule { .. }
            | Edit::SetTargetGroup { .. }
            | Edit::CreateTargetGroup { .. }
            | Edit::DeleteTargetGroup { .. } => alb::apply(self, s),
            Edit::AddIngressPath { .. }
            | Edit::RemoveIngressPath { .. }
            | Edit::AddIngress { .. }
            | Edit::RemoveIngress { .. } => ingress::apply(self, s),
            Edit::AddCacheBehavior { .. }
            | Edit::ChangeCacheBehavior { .. }
            | Edit::RemoveCacheBehavior { .. } => cdn::apply(self, s),
            Edit::AddNaclRule {
                nacl,
                direction,
                number,
                protocol,
                ports,
                cidr,
                action,
            } => {
                let rule = NaclRule {
                    number: parse_rule_number(number).map_err(EditError::Parse)?,
                    protocol: parse_protocol(protocol).map_err(EditError::Parse)?,
                    ports: parse_ports(ports).map_err(EditError::Parse)?,
                    cidr: parse_rule_cidr(cidr).map_err(EditError::Parse)?,
                    action: parse_action(action).map_err(EditError::Parse)?,
                };
                add_nacl_rule(s, nacl, *direction, rule)
            }
            Edit::RemoveNaclRule {
                nacl,
                direction,
                number,
            } => remove_nacl_rule(s, nacl, *direction, *number),
            Edit::AddSgRule {
                sg,
                direction,
                protocol,
                ports,
                peer,
                action,
            } => {
                if let Some(a) = action {
                    if parse_action(a).map_err(EditError::Parse)? == RuleAction::Deny {
                        return Err(EditError::SgAllowOnly { sg: sg.clone() });
                    }
                }
                let protocol = parse_protocol(protocol).map_err(EditError::Parse)?;
                let ports = if protocol == Protocol::All {
                    PortRange::ALL
                } else {
                    parse_ports(ports).map_err(EditError::Parse)?
                };
                let rule = SgRule {
                    protocol,
                    ports,
                    peer: parse_peer(s, sg, peer)?,
                    description: "added by learner".into(),
                };
                add_sg_rule(s, sg, *direction, rule)
            }
            Edit::RemoveSgRule {
                sg,
                direction,
                index,
            } => remove_sg_rule(s, sg, *direction, *index),
            Edit::SetSubnetCidr { subnet, cidr } => set_subnet_cidr(s, subnet, cidr),
            Edit::AddRoute { .. }
            | Edit::RemoveRoute { .. }
            | Edit::AssociateRouteTable { .. }
            | Edit::CreateRouteTable { .. }
            | Edit::DeleteRouteTable { .. } => routes::apply(self, s),
            Edit::CreateRecord { .. }
            | Edit::ChangeRecord { .. }
            | Edit::DeleteRecord { .. }
            | Edit::CreateHealthCheck { .. }
            | Edit::ChangeHealthCheck { .. }
            | Edit::DeleteHealthCheck { .. } => dns::apply(self, s),
            Edit::SetHealthCheck { .. } | Edit::SetTargetGroupHealth { .. } => {
                health::apply(self, s)
            }
            Edit::ScalePods { .. } | Edit::ScaleNodes { .. } => scale::apply(self, s),
            Edit::SetIpAddressType { .. } => dualstack::apply(self, s),
            Edit::AddWafMatchRule { .. }
            | Edit::AddWafLabelRule { .. }
            | Edit::AddWafManagedGroup { .. }
            | Edit::SetWafRuleAction { .. }
            | Edit::SetWafRuleLabels { .. }
            | Edit::SetWafDefaultAction { .. }
            | Edit::SetWafTokenImmunity { .. }
            | Edit::SetWafBodyLimit { .. } => waf_match::apply(self, s),
            Edit::SetShield { .. } => shield::apply(self, s),
            Edit::SetClientTls { .. }
            | Edit::SetAlbIdleTimeout { .. }
            | Edit::SetListenerTlsPolicy { .. }
            | Edit::SetAppKeepAlive { .. }
            | Edit::SetOriginKeepAlive { .. }
            | Edit::SetDeregistrationDelay { .. }
            | Edit::SetSlowStart { .. }
            | Edit::SetClientKeepalive { .. }
            | Edit::SetDbPool { .. } => conn::apply(self, s),
            Edit::SetAppDelay { .. } => app::apply(self, s),
            Edit::SetIngressAnnotation { .. }
            | Edit::SetTrafficPolicy { .. }
            | Edit::SetProbe { .. }
            | Edit::SetHpa { .. } => k8s::apply(self, s),
            Edit::SetDbDeployment { .. }
            | Edit::AddDbReader { .. }
            | Edit::RemoveDbReader { .. }
            | Edit::SetDbRouting { .. }
            | Edit::SetDbPublic { .. } => db::apply(self, s),
            Edit::SetClientIpv6 { .. } => eyeballs::apply(self, s),
            Edit::AddVpcCidr { .. }
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
            | Edit::DeleteEndpoint { .. } => vpc_more::apply(self, s),
            Edit::AddInstance { .. }
            | Edit::RemoveInstance { .. }
            | Edit::SetInstance { .. }
            | Edit::CreateSecurityGroup { .. } => instance::apply(self, s),
            Edit::AssignVpcIpv6 { .. }
            | Edit::AssignSubnetIpv6 { .. }
            | Edit::CreateEgressOnlyIgw { .. }
            | Edit::DeleteEgressOnlyIgw { .. } => ipv6::apply(self, s),
            Edit::AddNlb { .. }
            | Edit::RemoveNlb { .. }
            | Edit::AddNlbListener { .. }
            | Edit::RemoveNlbListener { .. }
            | Edit::SetNlb { .. }
            | Edit::SetNlbIdleTimeout { .. }
            | Edit::SetNlbTargetGroup { .. } => nlb::apply(self, s),
        }
    }
}

/// Add a NACL rule; its number must be free in that direction.
fn add_nacl_rule(
    s: &mut Scenario,
    nacl: &str,
    direction: Direction,
    rule: NaclRule,
) -> Result<(), EditError> {
    let n = find_nacl(s, nacl)?;
    let rules = n.rules_mut(direction);
    if rules.iter().any(|r| r.number == rule.number) {
        return Err(EditError::NaclRuleTaken {
            nacl: nacl.to_string(),
            direction,
            number: rule.number,
        });
    }
    rules.push(rule);
    rules.sort_by_key(|r| r.number);
    Ok(())
}

fn remove_nacl_rule(
    s: &mut Scenario,
    nacl: &str,
    direction: Direction,
    number: u16,
) -> Result<(), EditError> {
    let n = find_nacl(s, nacl)?;
    let rules = n.rules_mut(direction);
    let before = rules.len();
    rules.retain(|r| r.number != number);
    if rules.len() == before {
        return Err(EditError::NoNaclRule {
            nacl: nacl.to_string(),
            direction,
            number,
        });
    }
    Ok(())
}

/// A security group rule's peer: a group in the same VPC as `sg`, or a CIDR.
fn parse_peer(s: &Scenario, sg: &str, peer: &str) -> Result<Peer, EditError> {
    let p = peer.trim();
    if p.starts_with("sg-") {
        let region = s
            .region_of_vpc_item(sg)
            .ok_or_else(|| unknown(VpcPart::SecurityGroup, sg))?;
        let elsewhere = s.regions.iter().find(|r| r.vpc.sg(p).is_some());
        if let (None, Some(other)) = (region.vpc.sg(p), elsewhere) {
            let peered = s
                .peerings
                .iter()
                .any(|x| x.is_active() && x.joins(&region.vpc.id) && x.joins(&other.vpc.id));
            if peered && other.id != region.id {
                return Err(EditError::Invalid(format!(
                    "{sg}: {p} is in {}, peered across Regions ({} and {}): a security group rule cannot reference a group over an inter-Region peering; use the peer's CIDR {} instead (fact sheet §21)",
                    other.vpc.id, region.id, other.id, other.vpc.cidr
                )));
            }
        }
        if region.vpc.sg(p).is_none() {
            return Err(EditError::PeerNotInVpc {
                peer: p.to_string(),
                vpc: region.vpc.id.clone(),
            });
        }
        Ok(Peer::Sg(p.to_string()))
    } else {
        Ok(Peer::Cidr(parse_rule_cidr(p).map_err(EditError::Parse)?))
    }
}

/// Add a security group rule unless the same rule is already there.
fn add_sg_rule(
    s: &mut Scenario,
    sg: &str,
    direction: Direction,
    rule: SgRule,
) -> Result<(), EditError> {
    let g = find_sg(s, sg)?;
    if g.rules(direction)
        .iter()
        .any(|r| r.protocol == rule.protocol && r.ports == rule.ports && r.peer == rule.peer)
    {
        return Err(EditError::SgRuleExists {
            sg: sg.to_string(),
            direction,
        });
    }
    g.rules_mut(direction).push(rule);
    Ok(())
}

fn remove_sg_rule(
    s: &mut Scenario,
    sg: &str,
    direction: Direction,
    index: usize,
) -> Result<(), EditError> {
    let g = find_sg(s, sg)?;
    let position = index.checked_add(1).ok_or_else(|| {
        EditError::Parse(format!(
            "rule index {index} is too large: the index is a rule's place in the list, from 0"
        ))
    })?;
    let rules = g.rules_mut(direction);
    if index >= rules.len() {
        return Err(EditError::NoSgRule {
            sg: sg.to_string(),
            direction,
            position,
        });
    }
    rules.remove(index);
    Ok(())
}

fn set_subnet_cidr(s: &mut Scenario, subnet: &str, cidr: &str) -> Result<(), EditError> {
    let c = parse_cidr(cidr).map_err(EditError::Parse)?;
    validate_block(&c, &format!("subnet {subnet}")).map_err(EditError::Invalid)?;
    let vpc = s
        .regions
        .iter_mut()
        .map(|r| &mut r.vpc)
        .find(|v| v.subnets.iter().any(|x| x.id == subnet))
        .ok_or_else(|| unknown(VpcPart::Subnet, subnet))?;
    // Validation names overlapping subnets in list order; the learner
    // edited this one, so it comes first.
    let clash = vpc.subnets.iter().find(|o| {
        o.id != subnet && (o.cidr.contains(&c.network()) || c.contains(&o.cidr.network()))
    });
    if let Some(o) = clash {
        return Err(EditError::Invalid(format!(
            "subnet {subnet} ({c}) overlaps subnet {} ({}): subnets of one VPC cannot share addresses",
            o.id, o.cidr
        )));
    }
    if let Some(sub) = vpc.subnets.iter_mut().find(|x| x.id == subnet) {
        sub.cidr = c;
    }
    Ok(())
}

fn unknown(part: VpcPart, id: &str) -> EditError {
    EditError::Unknown {
        part,
        id: id.to_string(),
    }
}

fn find_nacl<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut Nacl, EditError> {
    s.regions
        .iter_mut()
        .flat_map(|r| r.vpc.nacls.iter_mut())
        .find(|n| n.id == id)
        .ok_or_else(|| unknown(VpcPart::NetworkAcl, id))
}

fn find_sg<'a>(s: &'a mut Scenario, id: &str) -> Result<&'a mut SecurityGroup, EditError> {
    s.regions
        .iter_mut()
        .flat_map(|r| r.vpc.security_groups.iter_mut())
        .find(|g| g.id == id)
        .ok_or_else(|| unknown(VpcPart::SecurityGroup, id))
}

impl World {
    /// Validate and apply an edit. On error the world is untouched.
    pub fn apply_edit(&mut self, edit: &Edit) -> Result<(), EditError> {
        let mut s = self.scenario().clone();
        edit.apply_to(&mut s)?;
        // The load balancer controller follows an Ingress or a Service
        // (fact sheet §14, §28; `sim::lbc`).
        if k8s::touches_ingress(edit) {
            s.reconcile_ingresses();
        }
        s.validate()?;
        self.replace_scenario(s);
        if let Edit::RemoveNlb { nlb } = edit {
            // Its connections go with it. Fact sheet §26.
            self.conn.close_nlb(nlb);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_rule(number: &str, ports: &str, cidr: &str) -> Edit {
        Edit::AddNaclRule {
            nacl: "acl-public-a".into(),
            direction: Direction::Inbound,
            number: number.into(),
            protocol: "tcp".into(),
            ports: ports.into(),
            cidr: cidr.into(),
            action: "deny".into(),
        }
    }

    #[test]
    fn rules_past_the_nacl_and_security_group_quotas_are_refused() {
        // Fact sheet §12: 20 NACL rules per direction; §11: 60 SG rules per direction.
        use crate::sim::scenario::{MAX_NACL_RULES, MAX_SG_RULES};
        let mut w = World::default_world();
        let have = w.scenario().regions[0]
            .vpc
            .nacl("acl-public-a")
            .unwrap()
            .inbound
            .len();
        for n in have..MAX_NACL_RULES {
            w.apply_edit(&add_rule(&(n + 1).to_string(), "22", "198.51.100.0/24"))
                .unwrap();
        }
        let before = w.clone();
        let err = w
            .apply_edit(&add_rule("1000", "22", "198.51.100.0/24"))
            .unwrap_err();
        let EditError::Quota { region, quota } = &err else {
            panic!("{err:?} should be a quota error");
        };
        assert_eq!(region.as_deref(), Some("us-east-1"));
        assert_eq!(
            (quota.table.as_str(), quota.count, quota.max),
            ("acl-public-a", MAX_NACL_RULES + 1, 20)
        );
        // The message the inspector shows names the region, the table and the quota.
        assert_eq!(
            err.to_string(),
            "region us-east-1: acl-public-a inbound: 21 IPv4 rules is over the quota of 20 per direction and IP version (AWS raises it to 40 on request; fact sheet §12)"
        );
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
        let sg_rule = |port: usize| Edit::AddSgRule {
            sg: "sg-alb-a".into(),
            direction: Direction::Inbound,
            protocol: "tcp".into(),
            ports: port.to_string(),
            peer: "198.51.100.0/24".into(),
            action: None,
        };
        let have = w.scenario().regions[0]
            .vpc
            .sg("sg-alb-a")
            .unwrap()
            .inbound
            .len();
        for i in have..MAX_SG_RULES {
            w.apply_edit(&sg_rule(2000 + i)).unwrap();
        }
        let err = w.apply_edit(&sg_rule(3000)).unwrap_err();
        assert!(
            matches!(&err, EditError::Quota { quota, .. }
                if quota.table == "sg-alb-a" && quota.max == MAX_SG_RULES && quota.direction == Direction::Inbound),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("quota of 60 per direction"),
            "{err}"
        );
    }

    #[test]
    fn invalid_edits_are_refused_with_a_reason_and_change_nothing() {
        let mut w = World::default_world();
        let before = w.clone();
        let cases = [
            (add_rule("100", "443", "0.0.0.0/0"), "already has"),
            (add_rule("90", "99999", "0.0.0.0/0"), "out of range"),
            (add_rule("90", "443", "10.0.0.300/24"), "not an IPv4 CIDR"),
            (add_rule("0", "443", "0.0.0.0/0"), "1 to 32766"),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "10.9.0.0/24".into(),
                },
                "not inside the VPC",
            ),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "10.0.11.0/24".into(),
                },
                "overlaps",
            ),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "10.0.10.0/29".into(),
                },
                "/29",
            ),
            (
                Edit::SetSubnetCidr {
                    subnet: "subnet-app-a1".into(),
                    cidr: "banana".into(),
                },
                "no prefix",
            ),
            (
                Edit::RemoveNaclRule {
                    nacl: "acl-public-a".into(),
                    direction: Direction::Inbound,
                    number: 7,
                },
                "no inbound rule 7",
            ),
            (
                Edit::RemoveSgRule {
                    sg: "sg-alb-a".into(),
                    direction: Direction::Inbound,
                    index: 9,
                },
                "no inbound rule 10",
            ),
            (
                add_rule("90", "-1", "0.0.0.0/0"),
                "'-1' is not a port number: a port cannot be negative",
            ),
            (
                Edit::RemoveSgRule {
                    sg: "sg-alb-a".into(),
                    direction: Direction::Inbound,
                    index: usize::MAX,
                },
                "is too large",
            ),
        ];
        for (edit, want) in cases {
            let err = w
                .apply_edit(&edit)
                .expect_err(&format!("{edit:?} should fail"));
            assert!(
                err.to_string().contains(want),
                "{edit:?}: '{err}' should mention '{want}'"
            );
            assert_eq!(w, before, "a refused edit must leave the world unchanged");
        }
    }

    #[test]
    fn a_refused_edit_says_what_kind_of_problem_it_is() {
        let mut w = World::default_world();
        let mut refuse = |e: Edit| w.apply_edit(&e).expect_err("refused");
        assert!(matches!(
            refuse(add_rule("90", "99999", "0.0.0.0/0")),
            EditError::Parse(_)
        ));
        assert_eq!(
            refuse(add_rule("100", "443", "0.0.0.0/0")),
            EditError::NaclRuleTaken {
                nacl: "acl-public-a".into(),
                direction: Direction::Inbound,
                number: 100
            }
        );
        assert_eq!(
            refuse(Edit::RemoveSgRule {
                sg: "sg-alb-a".into(),
                direction: Direction::Inbound,
                index: 9,
            }),
            EditError::NoSgRule {
                sg: "sg-alb-a".into(),
                direction: Direction::Inbound,
                position: 10
            }
        );
        let huge = Edit::RemoveSgRule {
            sg: "sg-alb-a".into(),
            direction: Direction::Inbound,
            index: usize::MAX,
        };
        assert_eq!(
            refuse(huge.clone()),
            EditError::Parse(format!(
                "rule index {} is too large: the index is a rule's place in the list, from 0",
                usize::MAX
            ))
        );
        assert_eq!(
            huge.describe(),
            format!("sg-alb-a inbound: delete rule {}", usize::MAX as u128 + 1)
        );
        let e = refuse(Edit::AddSgRule {
            sg: "sg-alb-a".into(),
            direction: Direction::Outbound,
            protocol: "tcp".into(),
            ports: "8080".into(),
            peer: "sg-app-b".into(),
            action: None,
        });
        assert_eq!(
            e,
            EditError::PeerNotInVpc {
                peer: "sg-app-b".into(),
                vpc: "vpc-a".into()
            }
        );
        assert_eq!(e.to_string(), "no security group sg-app-b in vpc-a");
        let e = refuse(Edit::RemoveNaclRule {
            nacl: "acl-nope".into(),
            direction: Direction::Inbound,
            number: 100,
        });
        assert_eq!(
            e,
            EditError::Unknown {
                part: VpcPart::NetworkAcl,
                id: "acl-nope".into()
            }
        );
        assert_eq!(e.to_string(), "no network ACL acl-nope");
        assert!(matches!(
            refuse(Edit::SetSubnetCidr {
                subnet: "subnet-app-a1".into(),
                cidr: "10.9.0.0/24".into(),
            }),
            EditError::Invalid(_)
        ));
    }

    #[test]
    fn a_subnet_cidr_that_still_holds_its_hosts_is_accepted() {
        let mut w = World::default_world();
        w.apply_edit(&Edit::SetSubnetCidr {
            subnet: "subnet-app-a1".into(),
            cidr: "10.0.12.0/26".into(),
        })
        .unwrap();
        let r = &w.scenario().regions[0];
        assert_eq!(
            r.vpc.subnet("subnet-app-a1").unwrap().cidr.to_string(),
            "10.0.12.0/26"
        );
    }

    #[test]
    fn a_subnet_too_small_for_its_pods_is_refused() {
        let mut w = World::default_world();
        let err = w
            .apply_edit(&Edit::SetSubnetCidr {
                subnet: "subnet-app-a1".into(),
                cidr: "10.0.10.0/28".into(),
            })
            .unwrap_err();
        assert!(matches!(err, EditError::Invalid(_)), "{err:?}");
        let m = err.to_string();
        assert!(
            m.starts_with("subnet-app-a1 (10.0.10.0/28) has addresses 10.0.10.0 to 10.0.10.15 (11 usable): pod ")
                && m.ends_with(", outside the block"),
            "{m}"
        );
    }
}
