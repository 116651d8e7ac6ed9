//! Generators shared by the property tests: typed text a learner might
//! type into the inspector (good and bad), edits, faults, requests. All
//! randomness comes from the engine's own seeded generator. Also: running
//! the command-line tool.
#![allow(dead_code)]

use hoplab::sim::rng::Rng;
use hoplab::sim::trace::Direction;
use hoplab::sim::{Edit, Fault, Request};

/// stdout, stderr and exit code of one run of `hoplab-cli`.
pub fn hoplab_cli(args: &[&str]) -> (String, String, i32) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoplab-cli"))
        .args(args)
        .output()
        .expect("hoplab-cli runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

pub const CIDRS: &[&str] = &[
    "10.0.10.0/24",
    "10.0.12.0/26",
    "10.0.0.0/16",
    "0.0.0.0/0",
    "10.0.10.0/28",
    "10.0.300.0/24",
    "banana",
    "",
    "10.0.10.7/24",
    "192.168.0.0/16",
    "10.0.11.0/24",
    "169.254.0.0/24",
    "10.0.40.0/22",
    "1.2.3.4/33",
    "10.1.10.0/24",
    "/24",
    "::/0",
    "2001:db8::/32",
    "2001:db8::7/64",
    "2001:db8::/129",
    "fe80::1",
];
pub const PORTS: &[&str] = &[
    "443",
    "8080",
    "5432",
    "1024-65535",
    "all",
    "70000",
    "-1",
    "9-3",
    "x",
    "",
    "0",
    "65535",
];
pub const NUMBERS: &[&str] = &[
    "1", "90", "100", "110", "120", "0", "32766", "32767", "abc", "-5", "",
];
pub const PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "all", "TCP", "sctp", ""];
pub const ACTIONS: &[&str] = &["allow", "deny", "DENY", "maybe", ""];
pub const NACLS: &[&str] = &[
    "acl-public-a",
    "acl-app-a",
    "acl-data-a",
    "acl-public-b",
    "acl-nope",
];
pub const SGS: &[&str] = &["sg-alb-a", "sg-app-a", "sg-db-a", "sg-app-b", "sg-nope"];
pub const SUBNETS: &[&str] = &[
    "subnet-public-a1",
    "subnet-app-a1",
    "subnet-app-a2",
    "subnet-data-a2",
    "subnet-app-b1",
    "subnet-nope",
];
pub const PEERS: &[&str] = &[
    "sg-app-a",
    "sg-alb-a",
    "sg-app-b",
    "sg-nope",
    "0.0.0.0/0",
    "10.0.0.0/16",
    "junk",
];
pub const URLS: &[&str] = &[
    "https://healthcareapp.com/api/appointments",
    "https://healthcareapp.com/",
    "https://healthcareapp.com/static/app.js",
    "https://healthcareapp.com/api/x?q=<script>",
    "http://healthcareapp.com/api/appointments",
    "https://api-origin.healthcareapp.com/api/appointments",
    "https://nope.healthcareapp.com/",
    "https://example.org/",
    "nonsense",
];

pub fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.index(xs.len())]
}

pub fn dir(rng: &mut Rng) -> Direction {
    if rng.index(2) == 0 {
        Direction::Inbound
    } else {
        Direction::Outbound
    }
}

pub const ROUTE_TABLES: &[&str] = &[
    "rtb-public-a",
    "rtb-app-a1",
    "rtb-app-a2",
    "rtb-data-a",
    "rtb-app-b1",
    "rtb-new-a",
    "rtb-nope",
    "",
];
pub const ROUTE_TARGETS: &[&str] = &[
    "igw-a",
    "nat-a1",
    "nat-b1",
    "igw-b",
    "local",
    "nat-zz",
    "pcx-ab",
    "vpce-s3-a",
    "eigw-a",
    "",
];
pub const VPCS: &[&str] = &["vpc-a", "vpc-b", "vpc-zz", ""];
pub const REGIONS: &[&str] = &["us-east-1", "us-west-2", "eu-nowhere-1", ""];
pub const ALBS: &[&str] = &["alb-a", "alb-b", "alb-zz"];
pub const TARGET_GROUPS: &[&str] = &[
    "tg-appointments-a",
    "tg-appointments-b",
    "tg-new-a",
    "tg-zz",
    "",
];
/// Numbers a learner types into the traffic editors: sensible, at a
/// limit, just past one, and not numbers at all.
pub const AMOUNTS: &[&str] = &[
    "1",
    "2",
    "5",
    "10",
    "30",
    "300",
    "301",
    "3600",
    "0",
    "50000",
    "50001",
    "99999999999999999999",
    "-3",
    "x",
    "",
    "off",
];
pub const PATHS: &[&str] = &["/api", "/api/*", "/healthz", "/", "*", "api", "/a b", ""];
pub const NAMES: &[&str] = &[
    "healthcareapp.com",
    "www.healthcareapp.com",
    "api.healthcareapp.com",
    "nope.example",
    "",
];
pub const RECORD_VALUES: &[&str] = &[
    "A 192.0.2.1",
    "A 192.0.2.1, 192.0.2.2",
    "CNAME healthcareapp.com",
    "alias cloudfront",
    "alias alb us-east-1",
    "alias record api.healthcareapp.com",
    "TXT hello",
    "AAAA 2001:db8::1",
    "A 999.1.1.1",
    "MX 10 mail",
    "MX 10 mail.healthcareapp.com, 20 mx2.healthcareapp.com",
    "alias aaaa cloudfront",
    "alias aaaa alb us-east-1",
    "",
];
pub const ROUTINGS: &[&str] = &[
    "simple",
    "weighted 10",
    "latency us-east-1",
    "failover primary",
    "failover secondary",
    "geolocation default",
    "geolocation country DE",
    "geoproximity us-west-2 bias 10",
    "multivalue",
    "weighted -1",
    "whatever",
    "",
];
pub const HEALTH_CHECKS: &[&str] = &["hc-cluster-a", "hc-cluster-b", "hc-new", "hc-zz", ""];

/// One of the engine's edit kinds, with sensible and garbage values: a
/// third of the time a whole edit a learner would sensibly make (still
/// refused when the world's state does not allow it), otherwise each field
/// drawn from values good and bad.
pub fn random_edit(rng: &mut Rng) -> Edit {
    if rng.index(3) == 0 {
        return sensible_edit(rng);
    }
    match rng.index(47) {
        0..5 => random_vpc_edit(rng),
        5..12 => random_route_or_scale_edit(rng),
        12..18 => random_dns_edit(rng),
        18..24 => random_waf_edit(rng),
        24..32 => random_alb_edit(rng),
        32..38 => random_ingress_or_cdn_edit(rng),
        38..41 => random_db_edit(rng),
        _ => random_vpc_more_edit(rng),
    }
}

/// The database edits: deployment, readers, routing, public access
/// (fact sheet §15, §29), sensible and garbage values.
fn random_db_edit(rng: &mut Rng) -> Edit {
    let regions = &["us-east-1", "us-west-2", "mars-1", ""];
    match rng.index(5) {
        0 => Edit::SetDbDeployment {
            region: s(rng, regions),
            deployment: s(
                rng,
                &[
                    "multi_az_instance",
                    "multi_az_cluster",
                    "aurora",
                    "Aurora",
                    "serverless",
                    "",
                ],
            ),
        },
        1 => Edit::AddDbReader {
            region: s(rng, regions),
            subnet: s(
                rng,
                &[
                    "subnet-data-a1",
                    "subnet-data-a2",
                    "subnet-data-b1",
                    "subnet-nope",
                    "",
                ],
            ),
        },
        2 => Edit::RemoveDbReader {
            region: s(rng, regions),
            instance: s(
                rng,
                &["rds-a-1", "rds-a-2", "rds-a-3", "rds-b-3", "rds-zz", ""],
            ),
        },
        3 => Edit::SetDbRouting {
            service: s(rng, &["svc-a", "svc-b", "svc-zz", ""]),
            route: s(
                rng,
                &["writer", "reads_to_reader", "all_to_reader", "nowhere", ""],
            ),
        },
        _ => Edit::SetDbPublic {
            region: s(rng, regions),
            publicly_accessible: rng.index(2) == 0,
        },
    }
}

/// Edits that are valid in the default world (or after an earlier one).
fn sensible_edit(rng: &mut Rng) -> Edit {
    let e = |json: &str| serde_json::from_str::<Edit>(json).expect("a sensible edit");
    let priority = ["10", "20", "300"][rng.index(3)];
    match rng.index(18) {
        16 => e(
            r#"{"kind":"add_ingress","region":"us-east-1","id":"ingress-api","name":"api","group_name":"shop","group_order":"-5"}"#,
        ),
        17 => e(r#"{"kind":"remove_ingress","ingress":"ingress-api"}"#),
        0 => e(&format!(
            r#"{{"kind":"add_listener_rule","alb":"alb-a","priority":"{priority}","path":"/api/v2/*","action":"fixed_response","status":"503","body":"soon"}}"#
        )),
        1 => e(
            r#"{"kind":"change_listener_rule","alb":"alb-a","rule":"2","priority":"2","path":"/api, /api/*","action":"forward","target":"tg-appointments-a"}"#,
        ),
        2 => e(&format!(
            r#"{{"kind":"remove_listener_rule","alb":"alb-a","priority":"{priority}"}}"#
        )),
        3 => e(
            r#"{"kind":"set_target_group","target_group":"tg-appointments-a","algorithm":"least_outstanding_requests","stickiness_s":"off","health_path":"/healthz","health_interval_s":"15","healthy_threshold":"2","unhealthy_threshold":"2"}"#,
        ),
        4 => e(
            r#"{"kind":"create_target_group","id":"tg-new-a","alb":"alb-a","port":"8080","target_type":"ip"}"#,
        ),
        5 => e(r#"{"kind":"delete_target_group","id":"tg-new-a"}"#),
        6 => e(
            r#"{"kind":"change_cache_behavior","behavior":"/api/*","path_pattern":"/api/*","origin":"alb-origin","min_ttl_s":"0","default_ttl_s":"0","max_ttl_s":"0","allowed_methods":"all"}"#,
        ),
        7 => e(
            r#"{"kind":"change_record","index":0,"name":"healthcareapp.com","value":"alias cloudfront","routing":"simple"}"#,
        ),
        8 => e(
            r#"{"kind":"create_health_check","id":"hc-new","region":"us-east-1","path":"/healthz","interval_s":"30","failure_threshold":"3"}"#,
        ),
        9 => e(
            r#"{"kind":"change_health_check","id":"hc-new","path":"/api/health","failure_threshold":"2"}"#,
        ),
        10 => e(r#"{"kind":"delete_health_check","id":"hc-new"}"#),
        11 => e(
            r#"{"kind":"add_waf_ip_set_entry","web_acl":"waf","name":"IPBlockList","cidr":"203.0.113.0/24"}"#,
        ),
        12 => e(
            r#"{"kind":"remove_waf_ip_set_entry","web_acl":"waf","name":"IPBlockList","cidr":"203.0.113.0/24"}"#,
        ),
        13 => e(r#"{"kind":"create_route_table","id":"rtb-new-a","vpc":"vpc-a"}"#),
        14 => e(
            r#"{"kind":"associate_route_table","subnet":"subnet-data-a2","route_table":"rtb-new-a"}"#,
        ),
        _ => e(r#"{"kind":"delete_route_table","id":"rtb-new-a"}"#),
    }
}

fn s(rng: &mut Rng, xs: &[&str]) -> String {
    pick(rng, xs).to_string()
}

fn random_route_or_scale_edit(rng: &mut Rng) -> Edit {
    match rng.index(15) {
        13 | 14 => random_nlb_edit(rng),
        0 => Edit::AddRoute {
            route_table: s(rng, ROUTE_TABLES),
            destination: s(rng, CIDRS),
            target: s(rng, ROUTE_TARGETS),
        },
        1 => Edit::RemoveRoute {
            route_table: s(rng, ROUTE_TABLES),
            destination: s(rng, CIDRS),
        },
        2 => Edit::AssociateRouteTable {
            subnet: s(rng, SUBNETS),
            route_table: s(rng, ROUTE_TABLES),
        },
        3 => Edit::CreateRouteTable {
            id: s(rng, ROUTE_TABLES),
            vpc: s(rng, VPCS),
        },
        4 => Edit::DeleteRouteTable {
            id: s(rng, ROUTE_TABLES),
        },
        5 => Edit::ScalePods {
            region: s(rng, REGIONS),
            app: s(rng, &["appointments-api", "nope", ""]),
            replicas: s(rng, AMOUNTS),
        },
        6 => Edit::ScaleNodes {
            region: s(rng, REGIONS),
            count: s(rng, AMOUNTS),
        },
        7 => Edit::SetIpAddressType {
            component: s(rng, &["cloudfront", "alb-a", "alb-b", "alb-zz", ""]),
            ip_address_type: s(rng, &["ipv4", "dualstack", "ipv6", ""]),
        },
        8 => Edit::SetClientIpv6 {
            client: s(rng, &["client-na", "client-eu", "client-zz", ""]),
            mode: s(rng, &["on", "off", "broken", "Broken", "ipv6", ""]),
        },
        9 => Edit::AddInstance {
            id: s(rng, &["i-new", "i-bastion-b", "i-web-1", ""]),
            subnet: s(rng, SUBNETS),
            security_groups: s(
                rng,
                &[
                    "sg-app-a",
                    "sg-bastion-b",
                    "sg-alb-a, sg-app-a",
                    "",
                    "sg-nope",
                ],
            ),
            name: s(rng, &["", "web"]),
            public_ip: s(rng, &["", "auto", "none", "54.1.2.3", "10.0.0.9", "x"]),
            os: s(rng, &["", "linux", "windows", "bsd"]),
        },
        10 => Edit::RemoveInstance {
            instance: s(rng, &["i-new", "i-bastion-b", "i-zz", ""]),
        },
        11 => Edit::SetInstance {
            instance: s(rng, &["i-new", "i-bastion-b", "i-zz"]),
            public_ip: s(rng, &["", "auto", "none", "52.12.1.30", "192.168.0.1"]),
            security_groups: s(rng, &["", "sg-bastion-b", "sg-app-a", "sg-nope"]),
            source_dest_check: s(rng, &["", "on", "off", "maybe"]),
            ipv6: s(rng, &["", "on", "off", "v6"]),
        },
        _ => Edit::CreateSecurityGroup {
            vpc: s(rng, VPCS),
            id: s(rng, &["sg-new", "sg-app-a", "new", ""]),
            name: s(rng, &["", "web"]),
        },
    }
}

/// The Network Load Balancer's edits (fact sheet §9): adding one to a
/// region first, then listeners, cross-zone, security groups, idle timeouts
/// and target group settings, sensible or not.
fn random_nlb_edit(rng: &mut Rng) -> Edit {
    let nlb = |rng: &mut Rng| s(rng, &["nlb-a", "nlb-a", "nlb-b", "nlb-zz", ""]);
    match rng.index(8) {
        0 | 1 => Edit::AddNlb {
            region: s(rng, &["us-east-1", "us-west-2", "mars-1", ""]),
        },
        2 => Edit::RemoveNlb { nlb: nlb(rng) },
        3 => Edit::AddNlbListener {
            nlb: nlb(rng),
            protocol: s(rng, &["TCP", "tls", "UDP", "tcp_udp", "http", ""]),
            port: s(rng, &["443", "8443", "80", "0", "53", "x"]),
            target_group: s(rng, &["tg-nlb-a", "tg-nlb-b", "tg-zz"]),
            certificate: s(rng, &["", "healthcareapp.com", "*.healthcareapp.com"]),
        },
        4 => Edit::RemoveNlbListener {
            nlb: nlb(rng),
            port: s(rng, &["443", "8443", "0", "x"]),
        },
        5 => Edit::SetNlb {
            nlb: nlb(rng),
            cross_zone: s(rng, &["on", "off", "maybe", ""]),
            security_groups: s(rng, &["", "-", "sg-alb-a", "sg-zz"]),
        },
        6 => Edit::SetNlbIdleTimeout {
            nlb: nlb(rng),
            port: s(rng, &["443", "8443", "x"]),
            seconds: s(rng, &["60", "350", "6000", "59", "6001", "default", "x"]),
        },
        _ => Edit::SetNlbTargetGroup {
            target_group: s(rng, &["tg-nlb-a", "tg-nlb-b", "tg-zz"]),
            target_type: s(rng, &["", "ip", "instance", "lambda"]),
            preserve_client_ip: s(rng, &["", "on", "off", "default", "yes"]),
            port: s(rng, &["", "8080", "30080", "0"]),
            protocol: s(rng, &["", "TCP", "UDP", "TLS", "TCP_UDP", "SCTP"]),
            health_protocol: s(rng, &["", "TCP", "HTTP", "HTTPS", "UDP"]),
            health_path: s(rng, &["", "/healthz", "healthz"]),
            health_interval_s: s(rng, &["", "", "10", "30", "5", "301", "x"]),
            healthy_threshold: s(rng, &["", "", "2", "10", "1", "11"]),
            unhealthy_threshold: s(rng, &["", "", "3", "10", "0", "eleven"]),
        },
    }
}

fn random_dns_edit(rng: &mut Rng) -> Edit {
    match rng.index(7) {
        0 => Edit::CreateRecord {
            name: s(rng, NAMES),
            value: s(rng, RECORD_VALUES),
            ttl_s: s(rng, AMOUNTS),
            routing: s(rng, ROUTINGS),
            health_check: s(rng, HEALTH_CHECKS),
            evaluate_target_health: rng.index(2) == 0,
        },
        1 => Edit::ChangeRecord {
            index: [0, 1, 2, 5, usize::MAX][rng.index(5)],
            name: s(rng, NAMES),
            value: s(rng, RECORD_VALUES),
            ttl_s: s(rng, AMOUNTS),
            routing: s(rng, ROUTINGS),
            health_check: s(rng, HEALTH_CHECKS),
            evaluate_target_health: rng.index(2) == 0,
        },
        2 => Edit::DeleteRecord {
            index: [0, 1, 2, 5, usize::MAX][rng.index(5)],
            name: s(rng, NAMES),
        },
        3 => Edit::CreateHealthCheck {
            id: s(rng, HEALTH_CHECKS),
            region: s(rng, REGIONS),
            path: s(rng, PATHS),
            interval_s: s(rng, &["10", "30", "20", "x", ""]),
            failure_threshold: s(rng, AMOUNTS),
        },
        4 => Edit::ChangeHealthCheck {
            id: s(rng, HEALTH_CHECKS),
            path: s(rng, PATHS),
            interval_s: s(rng, &["10", "30", "20", ""]),
            failure_threshold: s(rng, AMOUNTS),
        },
        5 => Edit::SetHealthCheck {
            id: s(rng, HEALTH_CHECKS),
            check_type: s(
                rng,
                &[
                    "HTTP",
                    "HTTPS",
                    "TCP",
                    "HTTP_STR_MATCH",
                    "https_str_match",
                    "ICMP",
                    "",
                ],
            ),
            search_string: s(rng, &["ok", "Appointments", "-", ""]),
            endpoint: s(
                rng,
                &[
                    "alb",
                    "203.0.113.10",
                    "10.0.1.5",
                    "healthcareapp.com",
                    "no such",
                    "",
                ],
            ),
            port: s(rng, &["80", "443", "0", "70000", ""]),
            checker_regions: s(
                rng,
                &[
                    "default",
                    "us-east-1 eu-west-1 sa-east-1",
                    "us-east-1",
                    "mars-1 a b",
                    "",
                ],
            ),
            inverted: s(rng, &["true", "false", "maybe", ""]),
            disabled: s(rng, &["true", "false", ""]),
            children: s(rng, &["hc-cluster-a, hc-cluster-b", "hc-nope", "-", ""]),
            rule: s(rng, &["all", "any", "at_least 1", "at_least 5", "most", ""]),
        },
        _ => Edit::DeleteHealthCheck {
            id: s(rng, HEALTH_CHECKS),
        },
    }
}

const WEB_ACLS: &[&str] = &["waf", "waf-nope", ""];
const WAF_RULES: &[&str] = &[
    "IPBlockList",
    "SQLInjection",
    "RateLimitPerIP",
    "NewRule",
    "",
];

fn random_waf_edit(rng: &mut Rng) -> Edit {
    match rng.index(6) {
        0 => Edit::AddWafRule {
            web_acl: s(rng, WEB_ACLS),
            priority: s(rng, AMOUNTS),
            name: s(rng, WAF_RULES),
            statement: s(
                rng,
                &[
                    "ip_set",
                    "geo_match",
                    "rate_based",
                    "sql_injection",
                    "xss",
                    "magic",
                    "",
                ],
            ),
            values: s(
                rng,
                &["203.0.113.0/24", "DE, FR", "banana", "", "1.2.3.4/33"],
            ),
            limit: s(rng, AMOUNTS),
            window_s: s(rng, AMOUNTS),
            action: s(rng, &["block", "allow", "count", "maybe", ""]),
        },
        1 => Edit::RemoveWafRule {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
        },
        2 => Edit::SetWafRulePriority {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
            priority: s(rng, AMOUNTS),
        },
        3 => Edit::SetWafRateLimit {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
            limit: s(rng, AMOUNTS),
        },
        4 => Edit::AddWafIpSetEntry {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
            cidr: s(rng, CIDRS),
        },
        _ => Edit::RemoveWafIpSetEntry {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
            cidr: s(rng, CIDRS),
        },
    }
}

/// The WAF edits of match statements, labels, managed groups, actions,
/// immunity and body limits (fact sheet §27). Not drawn by `random_edit`,
/// so the seeded sequences other tests rely on stay as they were;
/// `tests/waf_statements.rs` runs it.
pub fn random_waf_statement_edit(rng: &mut Rng) -> Edit {
    let actions = &[
        "block",
        "count",
        "captcha",
        "challenge",
        "allow",
        "maybe",
        "",
    ];
    let numbers = &["", "0", "9", "60", "300", "16", "32", "259201", "x", "-1"];
    match rng.index(8) {
        0 => Edit::AddWafMatchRule {
            web_acl: s(rng, WEB_ACLS),
            priority: s(rng, AMOUNTS),
            name: s(rng, WAF_RULES),
            statement: s(
                rng,
                &["byte_match", "regex_match", "size_constraint", "magic", ""],
            ),
            field: s(
                rng,
                &[
                    "uri_path",
                    "body",
                    "header:user-agent",
                    "query_argument:id",
                    "cookies",
                    "all_headers",
                    "header:",
                    "elbow",
                    "",
                ],
            ),
            search: s(rng, &["bot", "", "bad bot", "<script", "\u{0}"]),
            positional: s(
                rng,
                &["contains", "contains_word", "exactly", "sideways", ""],
            ),
            patterns: s(
                rng,
                &["^/admin", "(a)\\1", "(a+)+b", "[", "a{1000}{1000}", ""],
            ),
            comparison: s(rng, &["gt", "eq", "<=", "about", ""]),
            size: s(rng, AMOUNTS),
            transforms: s(
                rng,
                &[
                    "lowercase, url_decode",
                    "base64_decode",
                    "rot13",
                    "",
                    "cmd_line cmd_line",
                ],
            ),
            oversize: s(rng, &["continue", "match", "no_match", "maybe", ""]),
            labels: s(
                rng,
                &["bots:suspect", "aws:x", "a:b:c:d:e:f:g", "", "bad label"],
            ),
            action: s(rng, actions),
            immunity_s: s(rng, numbers),
        },
        1 => Edit::AddWafLabelRule {
            web_acl: s(rng, WEB_ACLS),
            priority: s(rng, AMOUNTS),
            name: s(rng, WAF_RULES),
            scope: s(rng, &["label", "namespace", "galaxy", ""]),
            key: s(rng, &["bots:suspect", "bots:", "", "?!"]),
            action: s(rng, actions),
            labels: s(rng, &["", "x:y"]),
            immunity_s: s(rng, numbers),
        },
        2 => Edit::AddWafManagedGroup {
            web_acl: s(rng, WEB_ACLS),
            priority: s(rng, AMOUNTS),
            name: s(rng, WAF_RULES),
            group: s(
                rng,
                &[
                    "common",
                    "known_bad_inputs",
                    "ip_reputation",
                    "sqli",
                    "nope",
                    "",
                ],
            ),
            action: s(rng, actions),
        },
        3 => Edit::SetWafRuleAction {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
            action: s(rng, actions),
            immunity_s: s(rng, numbers),
        },
        4 => Edit::SetWafRuleLabels {
            web_acl: s(rng, WEB_ACLS),
            name: s(rng, WAF_RULES),
            labels: s(rng, &["bots:suspect", "aws:x", ""]),
        },
        5 => Edit::SetWafDefaultAction {
            web_acl: s(rng, WEB_ACLS),
            action: s(rng, actions),
        },
        6 => Edit::SetWafTokenImmunity {
            web_acl: s(rng, WEB_ACLS),
            captcha_s: s(rng, numbers),
            challenge_s: s(rng, numbers),
        },
        _ => Edit::SetWafBodyLimit {
            web_acl: s(rng, WEB_ACLS),
            kb: s(rng, numbers),
        },
    }
}

fn random_alb_edit(rng: &mut Rng) -> Edit {
    let actions = &["forward", "redirect", "fixed_response", "dance", ""];
    let targets = &[
        "tg-appointments-a",
        "tg-new-a",
        "tg-appointments-b",
        "/v2",
        "https://example.com/x",
        "http://example.com/",
        "",
    ];
    match rng.index(11) {
        0 | 1 => {
            let (alb, priority, path, action, target, status) = (
                s(rng, ALBS),
                s(rng, AMOUNTS),
                s(rng, PATHS),
                s(rng, actions),
                s(rng, targets),
                s(rng, &["301", "302", "503", "200", "700", ""]),
            );
            let (host, method, header) = (
                s(rng, &["healthcareapp.com", "*.example.com", ""]),
                s(rng, &["GET", "get", "POST, PUT", ""]),
                s(rng, &["X-Debug: 1", "no colon", ": v", ""]),
            );
            let body = s(rng, &["closed", ""]);
            if rng.index(2) == 0 {
                Edit::AddListenerRule {
                    alb,
                    priority,
                    host,
                    path,
                    method,
                    header,
                    action,
                    target,
                    status,
                    body,
                }
            } else {
                Edit::ChangeListenerRule {
                    alb,
                    rule: s(rng, &["1", "2", "default", "0", "77", "x"]),
                    priority,
                    host,
                    path,
                    method,
                    header,
                    action,
                    target,
                    status,
                    body,
                }
            }
        }
        2 => Edit::RemoveListenerRule {
            alb: s(rng, ALBS),
            priority: s(rng, &["1", "2", "default", "0", "10", "x"]),
        },
        3 => Edit::SetTargetGroup {
            target_group: s(rng, TARGET_GROUPS),
            algorithm: s(
                rng,
                &[
                    "round_robin",
                    "least_outstanding_requests",
                    "weighted_random",
                    "fastest",
                ],
            ),
            stickiness_s: s(rng, AMOUNTS),
            health_path: s(rng, PATHS),
            health_interval_s: s(rng, AMOUNTS),
            healthy_threshold: s(rng, AMOUNTS),
            unhealthy_threshold: s(rng, AMOUNTS),
        },
        4 => Edit::CreateTargetGroup {
            id: s(rng, TARGET_GROUPS),
            alb: s(rng, ALBS),
            port: s(rng, &["8080", "30080", "0", "65536", "x", ""]),
            target_type: s(rng, &["ip", "instance", "lambda", ""]),
            health_path: s(rng, PATHS),
            health_interval_s: s(rng, AMOUNTS),
            healthy_threshold: s(rng, AMOUNTS),
            unhealthy_threshold: s(rng, AMOUNTS),
        },
        5 => Edit::SetTargetGroupHealth {
            target_group: s(rng, TARGET_GROUPS),
            health_protocol: s(rng, &["HTTP", "https", "TCP", ""]),
            health_port: s(rng, &["traffic-port", "8080", "9090", "0", "x", ""]),
            matcher: s(
                rng,
                &["200", "200,302", "200-299", "500", "299-200", "x", ""],
            ),
            health_timeout_s: s(rng, AMOUNTS),
            health_path: s(rng, PATHS),
            health_interval_s: s(rng, AMOUNTS),
            healthy_threshold: s(rng, AMOUNTS),
            unhealthy_threshold: s(rng, AMOUNTS),
        },
        6 => Edit::DeleteTargetGroup {
            id: s(rng, TARGET_GROUPS),
        },
        7 => Edit::SetDeregistrationDelay {
            target_group: s(rng, TARGET_GROUPS),
            seconds: s(rng, AMOUNTS),
        },
        8 => Edit::SetSlowStart {
            target_group: s(rng, TARGET_GROUPS),
            seconds: s(rng, &["0", "off", "30", "120", "900", "29", "901", "x", ""]),
        },
        9 => Edit::SetClientKeepalive {
            alb: s(rng, &["alb-a", "alb-b", "alb-zz", ""]),
            seconds: s(rng, &["60", "600", "3600", "604800", "59", "604801", "x"]),
        },
        _ => Edit::SetDbPool {
            region: s(rng, &["us-east-1", "us-west-2", "mars-1", ""]),
            size: s(rng, &["0", "1", "10", "100", "101", "-1", "x"]),
        },
    }
}

fn random_ingress_or_cdn_edit(rng: &mut Rng) -> Edit {
    let ingresses = &["ingress-a", "ingress-b", "ingress-zz", "ingress-api"];
    let patterns = &["/api/*", "/static/*", "/images/*", "*", "", "/a b"];
    let methods = &["GET,HEAD", "GET,HEAD,OPTIONS", "all", "GET", ""];
    match rng.index(13) {
        11 => Edit::AddIngress {
            region: s(rng, &["us-east-1", "us-west-2", "mars-1", ""]),
            id: s(rng, &["ingress-api", "ingress-a", ""]),
            name: s(rng, &["api", "appointments", "Not A Name", ""]),
            group_name: s(rng, &["", "shop", "x"]),
            group_order: s(rng, &["", "10", "-1000", "1001", "x"]),
        },
        12 => Edit::RemoveIngress {
            ingress: s(rng, ingresses),
        },
        7 => Edit::SetIngressAnnotation {
            ingress: s(rng, ingresses),
            annotation: s(
                rng,
                &[
                    "target-type",
                    "alb.ingress.kubernetes.io/target-type",
                    "group.order",
                    "healthcheck-path",
                    "healthcheck-interval-seconds",
                    "success-codes",
                    "scheme",
                    "",
                ],
            ),
            value: s(
                rng,
                &[
                    "ip", "instance", "lambda", "/healthz", "15", "2000", "200-299", "x", "",
                ],
            ),
        },
        8 => Edit::SetTrafficPolicy {
            service: s(rng, &["svc-a", "svc-b", "svc-zz", ""]),
            policy: s(rng, &["Cluster", "Local", "local", "Nearest", ""]),
        },
        9 => Edit::SetProbe {
            region: s(rng, &["us-east-1", "us-west-2", "mars-1", ""]),
            app: s(rng, &["appointments-api", "nope", ""]),
            probe: s(rng, &["readiness", "liveness", "startup", ""]),
            initial_delay_s: s(rng, &["0", "5", "3601", "x"]),
            period_s: s(rng, &["1", "5", "10", "0", "x"]),
            timeout_s: s(rng, &["1", "3", "0"]),
            success_threshold: s(rng, &["1", "2", "0"]),
            failure_threshold: s(rng, &["1", "3", "101"]),
        },
        10 => Edit::SetHpa {
            region: s(rng, &["us-east-1", "us-west-2", "mars-1", ""]),
            app: s(rng, &["appointments-api", "nope", ""]),
            mode: s(rng, &["on", "off", "remove", "maybe"]),
            min: s(rng, &["1", "2", "0", "51", "x"]),
            max: s(rng, &["4", "10", "50", "1", "x"]),
            target_cpu: s(rng, &["50", "80", "0", "x"]),
            cpu_request: s(rng, &["250m", "100", "", "none", "0", "x"]),
        },
        6 => Edit::SetAppDelay {
            service: s(rng, &["svc-a", "svc-b", "svc-zz", ""]),
            ms: s(rng, &["0", "250", "120000", "120001", "-1", "x", ""]),
        },
        5 => Edit::SetShield {
            resource: s(rng, &["cloudfront", "alb-a", "alb-b", "alb-zz", ""]),
            tier: s(rng, &["standard", "advanced", "Advanced", "gold", ""]),
            automatic_l7_mitigation: s(rng, &["on", "off", "", "maybe"]),
        },
        0 => Edit::AddIngressPath {
            ingress: s(rng, ingresses),
            path: s(rng, PATHS),
            path_type: s(
                rng,
                &["Prefix", "Exact", "ImplementationSpecific", "fuzzy", ""],
            ),
            service: s(rng, &["svc-a", "svc-b", "nope", ""]),
            port: s(rng, &["80", "8080", "0", "x", ""]),
        },
        1 => Edit::RemoveIngressPath {
            ingress: s(rng, ingresses),
            path: s(rng, PATHS),
            path_type: s(rng, &["Prefix", "Exact", ""]),
        },
        2 | 3 => {
            let (path_pattern, origin, min, default, max, allowed) = (
                s(rng, patterns),
                s(rng, &["alb-origin", "s3-static", "origin-zz", ""]),
                s(rng, AMOUNTS),
                s(rng, AMOUNTS),
                s(rng, AMOUNTS),
                s(rng, methods),
            );
            if rng.index(2) == 0 {
                Edit::AddCacheBehavior {
                    path_pattern,
                    origin,
                    min_ttl_s: min,
                    default_ttl_s: default,
                    max_ttl_s: max,
                    allowed_methods: allowed,
                }
            } else {
                Edit::ChangeCacheBehavior {
                    behavior: s(rng, patterns),
                    path_pattern,
                    origin,
                    min_ttl_s: min,
                    default_ttl_s: default,
                    max_ttl_s: max,
                    allowed_methods: allowed,
                }
            }
        }
        _ => Edit::RemoveCacheBehavior {
            path_pattern: s(rng, patterns),
        },
    }
}

fn random_vpc_edit(rng: &mut Rng) -> Edit {
    match rng.index(5) {
        0 => Edit::AddNaclRule {
            nacl: pick(rng, NACLS).into(),
            direction: dir(rng),
            number: pick(rng, NUMBERS).into(),
            protocol: pick(rng, PROTOCOLS).into(),
            ports: pick(rng, PORTS).into(),
            cidr: pick(rng, CIDRS).into(),
            action: pick(rng, ACTIONS).into(),
        },
        1 => Edit::RemoveNaclRule {
            nacl: pick(rng, NACLS).into(),
            direction: dir(rng),
            number: [100, 110, 120, 7][rng.index(4)],
        },
        2 => Edit::AddSgRule {
            sg: pick(rng, SGS).into(),
            direction: dir(rng),
            protocol: pick(rng, PROTOCOLS).into(),
            ports: pick(rng, PORTS).into(),
            peer: pick(rng, PEERS).into(),
            action: None,
        },
        3 => Edit::RemoveSgRule {
            sg: pick(rng, SGS).into(),
            direction: dir(rng),
            index: rng.index(3),
        },
        _ => Edit::SetSubnetCidr {
            subnet: pick(rng, SUBNETS).into(),
            cidr: pick(rng, CIDRS).into(),
        },
    }
}

/// Secondary CIDRs, the main route table, network ACLs, peering
/// connections and endpoints (fact sheet §10, §12, §21, §22), with good
/// and bad values.
fn random_vpc_more_edit(rng: &mut Rng) -> Edit {
    const BLOCKS: &[&str] = &[
        "100.64.0.0/16",
        "10.20.0.0/16",
        "172.16.0.0/16",
        "198.19.0.0/16",
        "10.0.0.0/16",
        "10.1.0.0/16",
        "10.30.0.0/12",
        "x",
        "",
    ];
    const PEERINGS: &[&str] = &["pcx-ab", "pcx-ba", "pcx-zz", "ab", ""];
    const ENDPOINTS: &[&str] = &["vpce-s3-a", "vpce-sqs-a", "vpce-zz", "s3", ""];
    const NEW_NACLS: &[&str] = &["acl-new-a", "acl-default-a", "acl-app-a", "a b", ""];
    // Half the time the first (good) value of each list, so that every
    // kind is also accepted.
    let good = rng.index(2) == 0;
    let s = |rng: &mut Rng, xs: &[&str]| {
        if good {
            xs[0].to_string()
        } else {
            pick(rng, xs).to_string()
        }
    };
    match rng.index(19) {
        15 => Edit::AssignVpcIpv6 { vpc: s(rng, VPCS) },
        16 => Edit::AssignSubnetIpv6 {
            subnet: s(rng, SUBNETS),
            block: s(rng, &["", "3", "none", "256", "x"]),
        },
        17 => Edit::CreateEgressOnlyIgw {
            vpc: s(rng, VPCS),
            id: s(rng, &["eigw-a", "eigw-b", "igw-a", "a b", ""]),
        },
        18 => Edit::DeleteEgressOnlyIgw {
            id: s(rng, &["eigw-a", "eigw-zz", ""]),
        },
        14 => Edit::SetPeeringDns {
            id: s(rng, PEERINGS),
            requester: s(rng, &["on", "off", "", "maybe"]),
            accepter: s(rng, &["off", "on", ""]),
        },
        0 => Edit::AddVpcCidr {
            vpc: s(rng, VPCS),
            cidr: s(rng, BLOCKS),
        },
        1 => Edit::RemoveVpcCidr {
            vpc: s(rng, VPCS),
            cidr: s(rng, BLOCKS),
        },
        2 => Edit::SetMainRouteTable {
            route_table: s(rng, ROUTE_TABLES),
        },
        3 => Edit::DisassociateRouteTable {
            // An unknown subnet now and then, so a refusal is always drawn.
            subnet: match rng.index(4) {
                0 => "subnet-zz".to_string(),
                _ => s(rng, SUBNETS),
            },
        },
        4 => Edit::CreateNacl {
            id: s(rng, NEW_NACLS),
            vpc: s(rng, VPCS),
        },
        5 => Edit::DeleteNacl {
            id: s(rng, NEW_NACLS),
        },
        6 => Edit::AssociateNacl {
            subnet: s(rng, SUBNETS),
            nacl: s(rng, NEW_NACLS),
        },
        7 => Edit::DisassociateNacl {
            // An unknown subnet now and then, so a refusal is always drawn.
            subnet: match rng.index(4) {
                0 => "subnet-zz".to_string(),
                _ => s(rng, SUBNETS),
            },
        },
        8 => Edit::CreatePeering {
            id: s(rng, PEERINGS),
            requester_vpc: s(rng, VPCS),
            accepter_vpc: s(rng, &["vpc-b", "vpc-a", "vpc-zz", ""]),
        },
        9 => Edit::AcceptPeering {
            id: s(rng, PEERINGS),
        },
        10 => Edit::DeletePeering {
            id: s(rng, PEERINGS),
        },
        11 => Edit::CreateGatewayEndpoint {
            id: s(rng, ENDPOINTS),
            vpc: s(rng, VPCS),
            route_tables: s(
                rng,
                &[
                    "rtb-app-a1",
                    "rtb-app-a1 rtb-app-a2",
                    "rtb-app-b1",
                    "rtb-zz",
                    "",
                ],
            ),
        },
        12 => Edit::CreateInterfaceEndpoint {
            id: s(rng, ENDPOINTS),
            vpc: s(rng, VPCS),
            service: s(rng, &["com.amazonaws.us-east-1.sqs", "sqs", "a b", ""]),
            subnets: s(
                rng,
                &[
                    "subnet-app-a1, subnet-app-a2",
                    "subnet-app-a1 subnet-data-a1",
                    "subnet-zz",
                    "",
                ],
            ),
            security_groups: s(rng, &["", "sg-app-a", "sg-app-b", "sg-zz"]),
            private_dns: s(rng, &["", "on", "off", "maybe"]),
        },
        _ => Edit::DeleteEndpoint {
            id: s(rng, ENDPOINTS),
        },
    }
}

pub fn random_fault(rng: &mut Rng) -> Fault {
    match rng.index(3) {
        0 => Fault::PodDown {
            pod: ["pod-a-1", "pod-a-3", "pod-b-1"][rng.index(3)].into(),
        },
        1 => Fault::AzDown {
            az: ["us-east-1a", "us-east-1b", "us-west-2a"][rng.index(3)].into(),
        },
        _ => Fault::RegionDown {
            region: ["us-east-1", "us-west-2"][rng.index(2)].into(),
        },
    }
}

pub fn random_request(rng: &mut Rng) -> Request {
    let client = ["client-na", "client-eu", "client-ap"][rng.index(3)];
    let mut req = Request::get(client, pick(rng, URLS));
    match rng.index(5) {
        0 => {
            req.method = "POST".into();
            req.body =
                ["name=ann", "x' or 1=1 --", "<script>alert(1)</script>"][rng.index(3)].into();
        }
        1 => req.headers = vec![("User-Agent".into(), "<iframe src=x>".into())],
        2 => req.headers = vec![("X-Forwarded-For".into(), "203.0.113.9".into())],
        _ => {}
    }
    req
}
