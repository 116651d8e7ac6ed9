//! The default scenario: `healthcareapp.com` on two regions, as described in
//! DESIGN.md. Cluster A (us-east-1) is the failover primary, Cluster B
//! (us-west-2) the secondary.

use std::collections::BTreeMap;

use super::net::*;
use super::scenario::*;

fn net(s: &str) -> ipnet::Ipv4Net {
    s.parse().expect("default scenario CIDR")
}

fn nacl_rule(number: u16, ports: PortRange, cidr: &str, action: RuleAction) -> NaclRule {
    NaclRule {
        number,
        protocol: Protocol::Tcp,
        ports,
        cidr: net(cidr),
        action,
    }
}

fn sg_rule(protocol: Protocol, ports: PortRange, peer: Peer, description: &str) -> SgRule {
    SgRule {
        protocol,
        ports,
        peer,
        description: description.into(),
    }
}

const EPHEMERAL: PortRange = PortRange {
    from: 1024,
    to: 65535,
};

/// One region's VPC, ALB, cluster and database, laid out the same way in
/// both regions: per AZ a public, an app and a data subnet.
fn region(
    id: &str,
    label: &str,
    letter: &str,
    second_octet: u8,
    azs: [&str; 2],
    pods_per_az: u32,
    public_prefix: [u8; 2],
) -> Region {
    let o = second_octet;
    let sub = |tier: &str, az_i: usize, third: u8, t: Tier| Subnet {
        id: format!("subnet-{tier}-{letter}{}", az_i + 1),
        name: format!("{tier}-{}", azs[az_i]),
        az: azs[az_i].to_string(),
        cidr: net(&format!("10.{o}.{third}.0/24")),
        tier: t,
        route_table: match t {
            Tier::Public => format!("rtb-public-{letter}"),
            Tier::App => format!("rtb-app-{letter}{}", az_i + 1),
            Tier::Data => format!("rtb-data-{letter}"),
        },
        nacl: format!("acl-{tier}-{letter}"),
    };
    let subnets = vec![
        sub("public", 0, 0, Tier::Public),
        sub("public", 1, 1, Tier::Public),
        sub("app", 0, 10, Tier::App),
        sub("app", 1, 11, Tier::App),
        sub("data", 0, 20, Tier::Data),
        sub("data", 1, 21, Tier::Data),
    ];
    let vpc_cidr = format!("10.{o}.0.0/16");
    let local = Route {
        destination: net(&vpc_cidr),
        target: RouteTarget::Local,
    };
    let igw = format!("igw-{letter}");
    let route_tables = vec![
        RouteTable {
            id: format!("rtb-public-{letter}"),
            name: "public".into(),
            routes: vec![
                local.clone(),
                Route {
                    destination: net("0.0.0.0/0"),
                    target: RouteTarget::Igw(igw.clone()),
                },
            ],
        },
        RouteTable {
            id: format!("rtb-app-{letter}1"),
            name: format!("app-{}", azs[0]),
            routes: vec![
                local.clone(),
                Route {
                    destination: net("0.0.0.0/0"),
                    target: RouteTarget::Nat(format!("nat-{letter}1")),
                },
            ],
        },
        RouteTable {
            id: format!("rtb-app-{letter}2"),
            name: format!("app-{}", azs[1]),
            routes: vec![
                local.clone(),
                Route {
                    destination: net("0.0.0.0/0"),
                    target: RouteTarget::Nat(format!("nat-{letter}2")),
                },
            ],
        },
        RouteTable {
            id: format!("rtb-data-{letter}"),
            name: "data".into(),
            routes: vec![local],
        },
    ];
    let app_cidrs = format!("10.{o}.10.0/23");
    let data_cidrs = format!("10.{o}.20.0/23");
    let nacls = vec![
        Nacl {
            id: format!("acl-public-{letter}"),
            name: "public".into(),
            inbound: vec![
                nacl_rule(100, PortRange::single(443), "0.0.0.0/0", RuleAction::Allow),
                nacl_rule(110, EPHEMERAL, "0.0.0.0/0", RuleAction::Allow),
            ],
            outbound: vec![
                nacl_rule(100, PortRange::single(8080), &vpc_cidr, RuleAction::Allow),
                nacl_rule(110, EPHEMERAL, "0.0.0.0/0", RuleAction::Allow),
                nacl_rule(120, PortRange::single(443), "0.0.0.0/0", RuleAction::Allow),
            ],
        },
        Nacl {
            id: format!("acl-app-{letter}"),
            name: "app".into(),
            inbound: vec![
                nacl_rule(100, PortRange::single(8080), &vpc_cidr, RuleAction::Allow),
                nacl_rule(110, EPHEMERAL, "0.0.0.0/0", RuleAction::Allow),
            ],
            outbound: vec![
                nacl_rule(100, PortRange::single(5432), &data_cidrs, RuleAction::Allow),
                nacl_rule(110, EPHEMERAL, &vpc_cidr, RuleAction::Allow),
                nacl_rule(120, PortRange::single(443), "0.0.0.0/0", RuleAction::Allow),
            ],
        },
        Nacl {
            id: format!("acl-data-{letter}"),
            name: "data".into(),
            inbound: vec![nacl_rule(
                100,
                PortRange::single(5432),
                &app_cidrs,
                RuleAction::Allow,
            )],
            outbound: vec![nacl_rule(100, EPHEMERAL, &app_cidrs, RuleAction::Allow)],
        },
    ];
    let sg_alb = format!("sg-alb-{letter}");
    let sg_app = format!("sg-app-{letter}");
    let sg_db = format!("sg-db-{letter}");
    let security_groups = vec![
        SecurityGroup {
            id: sg_alb.clone(),
            name: "alb".into(),
            inbound: vec![sg_rule(
                Protocol::Tcp,
                PortRange::single(443),
                Peer::Cidr(net("0.0.0.0/0")),
                "HTTPS from CloudFront and health checkers",
            )],
            outbound: vec![sg_rule(
                Protocol::Tcp,
                PortRange::single(8080),
                Peer::Sg(sg_app.clone()),
                "to pods",
            )],
        },
        SecurityGroup {
            id: sg_app.clone(),
            name: "app".into(),
            inbound: vec![sg_rule(
                Protocol::Tcp,
                PortRange::single(8080),
                Peer::Sg(sg_alb.clone()),
                "from the ALB only",
            )],
            outbound: vec![sg_rule(
                Protocol::All,
                PortRange::ALL,
                Peer::Cidr(net("0.0.0.0/0")),
                "all",
            )],
        },
        SecurityGroup {
            id: sg_db.clone(),
            name: "db".into(),
            inbound: vec![sg_rule(
                Protocol::Tcp,
                PortRange::single(5432),
                Peer::Sg(sg_app.clone()),
                "PostgreSQL from the app tier",
            )],
            outbound: vec![sg_rule(
                Protocol::All,
                PortRange::ALL,
                Peer::Cidr(net("0.0.0.0/0")),
                "all",
            )],
        },
    ];
    let vpc = Vpc {
        id: format!("vpc-{letter}"),
        cidr: net(&vpc_cidr),
        subnets,
        route_tables,
        nacls,
        security_groups,
        igw,
        nat_gateways: vec![
            NatGateway {
                id: format!("nat-{letter}1"),
                subnet: format!("subnet-public-{letter}1"),
                host: 20,
            },
            NatGateway {
                id: format!("nat-{letter}2"),
                subnet: format!("subnet-public-{letter}2"),
                host: 20,
            },
        ],
    };
    let mut pods = Vec::new();
    for az_i in 0..2u32 {
        for k in 0..pods_per_az {
            pods.push(Pod {
                id: format!("pod-{letter}-{}", az_i * pods_per_az + k + 1),
                node: Some(format!("node-{letter}-{}", az_i + 1)),
                app: "appointments-api".into(),
                subnet: format!("subnet-app-{letter}{}", az_i + 1),
                host: 20 + k,
                security_groups: vec![sg_app.clone()],
            });
        }
    }
    let tg = format!("tg-appointments-{letter}");
    let ingress = Ingress {
        id: format!("ingress-{letter}"),
        name: "appointments".into(),
        rules: vec![
            IngressPath {
                host: None,
                path: "/healthz".into(),
                path_type: PathType::Exact,
                service: format!("svc-{letter}"),
                port: 80,
            },
            IngressPath {
                host: None,
                path: "/api".into(),
                path_type: PathType::Prefix,
                service: format!("svc-{letter}"),
                port: 80,
            },
        ],
        default_backend: None,
    };
    let tg_of = |_svc: &str| tg.clone();
    let rules = super::k8s::lbc_listener_rules(&ingress, &tg_of);
    Region {
        id: id.into(),
        label: label.into(),
        azs: azs.iter().map(|s| s.to_string()).collect(),
        alb: Alb {
            id: format!("alb-{letter}"),
            dns_name: format!("k8s-app-{letter}7f3a.{id}.elb.amazonaws.com"),
            nodes: (0..2)
                .map(|i| AlbNode {
                    subnet: format!("subnet-public-{letter}{}", i + 1),
                    host: 10,
                    public_ip: std::net::Ipv4Addr::new(
                        public_prefix[0],
                        public_prefix[1],
                        i as u8 + 1,
                        10,
                    ),
                })
                .collect(),
            security_groups: vec![sg_alb],
            listener: Listener {
                port: 443,
                certificate_domains: vec!["healthcareapp.com".into(), "*.healthcareapp.com".into()],
                rules,
                default_status: 404,
            },
            web_acl: None,
            target_groups: vec![TargetGroup {
                id: tg,
                port: 8080,
                service: format!("svc-{letter}"),
                health_path: "/healthz".into(),
                health_interval_s: 15,
                healthy_threshold: 2,
                unhealthy_threshold: 2,
                health_timeout_s: 5,
                target_type: TargetType::Ip,
                node_port: 30080,
                algorithm: Algorithm::RoundRobin,
                stickiness_s: None,
                deregistration_delay_s: 300,
                cross_zone: true,
            }],
        },
        cluster: Cluster {
            name: format!("cluster-{letter}"),
            ingress,
            services: vec![Service {
                id: format!("svc-{letter}"),
                name: "appointments-api".into(),
                port: 80,
                target_port: 8080,
                app: "appointments-api".into(),
            }],
            pods,
            nodes: (0..2)
                .map(|i| K8sNode {
                    id: format!("node-{letter}-{}", i + 1),
                    subnet: format!("subnet-app-{letter}{}", i + 1),
                    host: 10,
                })
                .collect(),
            // The application asks the VPC resolver on every query.
            app_dns_cache_s: 0,
        },
        rds: Rds {
            id: format!("rds-{letter}"),
            engine: "PostgreSQL 16".into(),
            endpoint: format!("appdb.c9x2k1.{id}.rds.amazonaws.com"),
            port: 5432,
            instances: vec![
                DbInstance {
                    id: format!("rds-{letter}-1"),
                    subnet: format!("subnet-data-{letter}1"),
                    host: 10,
                },
                DbInstance {
                    id: format!("rds-{letter}-2"),
                    subnet: format!("subnet-data-{letter}2"),
                    host: 10,
                },
            ],
            security_groups: vec![sg_db],
            replicas: vec![],
        },
        vpc,
    }
}

fn pop(id: &str, city: &str, ip: [u8; 4], east: u32, west: u32) -> Pop {
    let mut rtt = BTreeMap::new();
    rtt.insert("us-east-1".to_string(), east);
    rtt.insert("us-west-2".to_string(), west);
    Pop {
        id: id.into(),
        city: city.into(),
        ip: ip.into(),
        rtt_region_ms: rtt,
    }
}

#[allow(clippy::too_many_arguments)]
fn client(
    id: &str,
    label: &str,
    city: &str,
    ip: [u8; 4],
    os: EphemeralRange,
    pop: &str,
    rtt_pop: u32,
    rtt_resolver: u32,
    geo: (&str, &str, Option<&str>, f64, f64),
) -> Client {
    Client {
        id: id.into(),
        label: label.into(),
        city: city.into(),
        ip: ip.into(),
        os,
        browser_cache_s: 60,
        resolver: Resolver {
            id: format!("resolver-{}", id.trim_start_matches("client-")),
            ip: [8, 8, 8, 8].into(),
            rtt_ms: rtt_resolver,
            ecs: true,
        },
        pop: pop.into(),
        rtt_pop_ms: rtt_pop,
        geo: Geo {
            country: geo.0.into(),
            continent: geo.1.into(),
            subdivision: geo.2.map(|s| s.to_string()),
            lat: geo.3,
            lon: geo.4,
        },
    }
}

pub fn default_scenario() -> Scenario {
    Scenario {
        name: "healthcareapp.com (default)".into(),
        domain: "healthcareapp.com".into(),
        clients: vec![
            client(
                "client-na",
                "Browser in New York",
                "New York",
                [203, 0, 113, 10],
                EphemeralRange::Windows,
                "pop-jfk",
                8,
                12,
                ("US", "NA", Some("NY"), 40.71, -74.01),
            ),
            client(
                "client-eu",
                "Browser in Paris",
                "Paris",
                [198, 51, 100, 20],
                EphemeralRange::Linux,
                "pop-cdg",
                10,
                14,
                ("FR", "EU", None, 48.86, 2.35),
            ),
            client(
                "client-ap",
                "Browser in Tokyo",
                "Tokyo",
                [192, 0, 2, 30],
                EphemeralRange::Windows,
                "pop-nrt",
                9,
                11,
                ("JP", "AS", None, 35.68, 139.69),
            ),
        ],
        dns: super::dnsconf::default_dns(),
        cdn: Distribution {
            id: "cloudfront".into(),
            domain: "d1h2k3l4m5n6.cloudfront.net".into(),
            pops: vec![
                pop("pop-jfk", "New York (JFK)", [18, 160, 10, 5], 8, 70),
                pop("pop-cdg", "Paris (CDG)", [13, 32, 20, 5], 80, 140),
                pop("pop-nrt", "Tokyo (NRT)", [13, 35, 30, 5], 160, 100),
            ],
            behaviors: vec![
                Behavior {
                    path_pattern: "/api/*".into(),
                    origin: "alb-origin".into(),
                    // Managed policy CachingDisabled: 0 / 0 / 0. Fact sheet §5.
                    min_ttl_s: 0,
                    default_ttl_s: 0,
                    max_ttl_s: 0,
                    cache_query_strings: false,
                    viewer_protocol: ViewerProtocol::RedirectToHttps,
                    // The API books with POST.
                    allowed_methods: AllowedMethods::All,
                },
                Behavior {
                    path_pattern: "*".into(),
                    origin: "s3-static".into(),
                    // Managed policy CachingOptimized: 1 / 86400 / 31536000. Fact sheet §5.
                    min_ttl_s: 1,
                    default_ttl_s: 86_400,
                    max_ttl_s: 31_536_000,
                    cache_query_strings: false,
                    viewer_protocol: ViewerProtocol::RedirectToHttps,
                    // Static files are only read.
                    allowed_methods: AllowedMethods::GetHead,
                },
            ],
            origins: vec![
                Origin {
                    id: "alb-origin".into(),
                    domain: "api-origin.healthcareapp.com".into(),
                    kind: OriginKind::Custom,
                    cache_control: Some("no-store".into()),
                    objects: vec![],
                },
                Origin {
                    id: "s3-static".into(),
                    domain: "healthcareapp-static.s3.us-east-1.amazonaws.com".into(),
                    kind: OriginKind::S3,
                    cache_control: Some("max-age=3600".into()),
                    objects: vec!["/".into(), "/index.html".into(), "/static/*".into()],
                },
            ],
            connection_attempts: 3,
            connection_timeout_s: 10,
            origin_response_timeout_s: 30,
            error_caching_min_ttl_s: 10,
            origin_groups: vec![],
        },
        waf: WebAcl {
            id: "waf".into(),
            name: "healthcareapp-edge".into(),
            rules: vec![
                WafRule {
                    priority: 0,
                    name: "IPBlockList".into(),
                    statement: WafStatement::IpSet {
                        cidrs: vec![net("198.18.0.0/15")],
                    },
                    action: WafAction::Block,
                },
                WafRule {
                    priority: 1,
                    name: "SQLInjection".into(),
                    statement: WafStatement::SqlInjection,
                    action: WafAction::Block,
                },
                WafRule {
                    priority: 2,
                    name: "CrossSiteScripting".into(),
                    statement: WafStatement::Xss,
                    action: WafAction::Block,
                },
                WafRule {
                    priority: 3,
                    name: "RateLimitPerIP".into(),
                    statement: WafStatement::RateBased {
                        limit: 2000,
                        window_s: 300,
                    },
                    action: WafAction::Block,
                },
            ],
            default_action: WafAction::Allow,
            forwarded_ip_header: None,
        },
        external_api: Some(ExternalApi {
            id: "sms-api".into(),
            name: "SMS API".into(),
            host: "api.sms-provider.example".into(),
            ip: [192, 0, 2, 200].into(),
            port: 443,
            rtt_ms: 20,
        }),
        regions: vec![
            region(
                "us-east-1",
                "Cluster A",
                "a",
                0,
                ["us-east-1a", "us-east-1b"],
                2,
                [3, 210],
            ),
            region(
                "us-west-2",
                "Cluster B",
                "b",
                1,
                ["us-west-2a", "us-west-2b"],
                1,
                [52, 12],
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_is_valid() {
        default_scenario().validate().unwrap();
    }
}
