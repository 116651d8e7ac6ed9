//! One region of the default scenario: its VPC (subnets, route tables,
//! network ACLs, security groups, NAT gateways), ALB, cluster and
//! database, laid out the same way in both regions: per AZ a public, an
//! app and a data subnet.

use super::net;
use crate::sim::net::*;
use crate::sim::scenario::*;

/// What differs between the two regions.
pub(super) struct RegionSpec<'a> {
    pub id: &'a str,
    pub label: &'a str,
    /// The letter in every id: `subnet-app-a1`, `sg-alb-a`, `pod-a-1`.
    pub letter: &'a str,
    /// The VPC is 10.<second_octet>.0.0/16.
    pub second_octet: u8,
    pub azs: [&'a str; 2],
    pub pods_per_az: u32,
    /// The ALB nodes' public addresses are <prefix>.<1|2>.10.
    pub public_prefix: [u8; 2],
}

fn nacl_rule(number: u16, ports: PortRange, cidr: &str, action: RuleAction) -> NaclRule {
    NaclRule {
        number,
        protocol: Protocol::Tcp,
        ports,
        cidr: net(cidr).into(),
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

/// The admin's laptop (the North American client's address) that may SSH
/// to region B's bastion. Fact sheet §24.
const ADMIN_CIDR: &str = "203.0.113.10/32";

const EPHEMERAL: PortRange = PortRange {
    from: 1024,
    to: 65535,
};

impl RegionSpec<'_> {
    /// The region: VPC, ALB, cluster and database.
    pub(super) fn region(&self) -> Region {
        let letter = self.letter;
        let (ingress, tg) = self.ingress();
        Region {
            id: self.id.into(),
            label: self.label.into(),
            azs: self.azs.iter().map(|s| s.to_string()).collect(),
            alb: self.alb(&ingress, tg),
            nlb: None,
            cluster: Cluster {
                app_keep_alive_s: 75,
                app_delays: Vec::new(),
                db_pool_size: crate::sim::limits::DB_POOL_DEFAULT,
                db_routes: vec![],
                name: format!("cluster-{letter}"),
                ingress,
                more_ingresses: Vec::new(),
                services: vec![Service {
                    id: format!("svc-{letter}"),
                    name: "appointments-api".into(),
                    port: 80,
                    target_port: 8080,
                    app: "appointments-api".into(),
                    external_traffic_policy: Default::default(),
                }],
                pods: self.pods(),
                nodes: (0..2)
                    .map(|i| K8sNode {
                        id: format!("node-{letter}-{}", i + 1),
                        subnet: format!("subnet-app-{letter}{}", i + 1),
                        host: 10,
                    })
                    .collect(),
                // The application asks the VPC resolver on every query.
                app_dns_cache_s: 0,
                app_answers: Vec::new(),
                probes: Vec::new(),
                autoscalers: Vec::new(),
            },
            rds: self.rds(),
            vpc: self.vpc(),
        }
    }

    fn vpc_cidr(&self) -> String {
        format!("10.{}.0.0/16", self.second_octet)
    }

    fn vpc(&self) -> Vpc {
        let letter = self.letter;
        Vpc {
            id: format!("vpc-{letter}"),
            cidr: net(&self.vpc_cidr()),
            subnets: self.subnets(),
            route_tables: self.route_tables(),
            nacls: self.nacls(),
            security_groups: self.security_groups(),
            igw: format!("igw-{letter}"),
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
            secondary_cidrs: Vec::new(),
            main_route_table: None,
            default_nacl: None,
            default_sg: None,
            gateway_endpoints: Vec::new(),
            interface_endpoints: Vec::new(),
            instances: self.bastion().into_iter().collect(),
            ipv6_cidr: None,
            egress_only_igw: None,
        }
    }

    /// Region B's bastion host: a Linux instance in the first public
    /// subnet with an Elastic IP, admitting SSH from the admin's laptop
    /// (the North American client) only. Fact sheet §24.
    fn bastion(&self) -> Option<Instance> {
        let letter = self.letter;
        (letter == "b").then(|| Instance {
            id: format!("i-bastion-{letter}"),
            name: "bastion".into(),
            subnet: format!("subnet-public-{letter}1"),
            host: 30,
            public_ip: PublicIp::Elastic(
                [self.public_prefix[0], self.public_prefix[1], 1, 30].into(),
            ),
            security_groups: vec![format!("sg-bastion-{letter}")],
            source_dest_check: true,
            os: InstanceOs::Linux,
            ipv6: false,
        })
    }

    /// Per AZ a public (x.0 / x.1), an app (x.10 / x.11) and a data
    /// (x.20 / x.21) /24.
    fn subnets(&self) -> Vec<Subnet> {
        let (o, letter, azs) = (self.second_octet, self.letter, self.azs);
        let sub = |tier: &str, az_i: usize, third: u8, t: Tier| Subnet {
            id: format!("subnet-{tier}-{letter}{}", az_i + 1),
            name: format!("{tier}-{}", azs[az_i]),
            az: azs[az_i].to_string(),
            cidr: net(&format!("10.{o}.{third}.0/24")),
            tier: t,
            route_table: Some(match t {
                Tier::Public => format!("rtb-public-{letter}"),
                Tier::App => format!("rtb-app-{letter}{}", az_i + 1),
                Tier::Data => format!("rtb-data-{letter}"),
            }),
            nacl: format!("acl-{tier}-{letter}"),
            ipv6_cidr: None,
        };
        vec![
            sub("public", 0, 0, Tier::Public),
            sub("public", 1, 1, Tier::Public),
            sub("app", 0, 10, Tier::App),
            sub("app", 1, 11, Tier::App),
            sub("data", 0, 20, Tier::Data),
            sub("data", 1, 21, Tier::Data),
        ]
    }

    /// Public subnets go out through the internet gateway, app subnets
    /// through their AZ's NAT gateway, data subnets stay inside the VPC.
    fn route_tables(&self) -> Vec<RouteTable> {
        let (letter, azs) = (self.letter, self.azs);
        let local = Route {
            destination: net(&self.vpc_cidr()).into(),
            target: RouteTarget::Local,
        };
        let default_to = |target: RouteTarget| Route {
            destination: net("0.0.0.0/0").into(),
            target,
        };
        vec![
            RouteTable {
                id: format!("rtb-public-{letter}"),
                name: "public".into(),
                routes: vec![
                    local.clone(),
                    default_to(RouteTarget::Igw(format!("igw-{letter}"))),
                ],
            },
            RouteTable {
                id: format!("rtb-app-{letter}1"),
                name: format!("app-{}", azs[0]),
                routes: vec![
                    local.clone(),
                    default_to(RouteTarget::Nat(format!("nat-{letter}1"))),
                ],
            },
            RouteTable {
                id: format!("rtb-app-{letter}2"),
                name: format!("app-{}", azs[1]),
                routes: vec![
                    local.clone(),
                    default_to(RouteTarget::Nat(format!("nat-{letter}2"))),
                ],
            },
            RouteTable {
                id: format!("rtb-data-{letter}"),
                name: "data".into(),
                routes: vec![local],
            },
        ]
    }

    /// One network ACL per tier, each allowing its own traffic and the
    /// return traffic on ephemeral ports.
    fn nacls(&self) -> Vec<Nacl> {
        let (o, letter) = (self.second_octet, self.letter);
        let vpc_cidr = self.vpc_cidr();
        let app_cidrs = format!("10.{o}.10.0/23");
        let data_cidrs = format!("10.{o}.20.0/23");
        vec![
            Nacl {
                id: format!("acl-public-{letter}"),
                name: "public".into(),
                inbound: {
                    let mut rules = vec![
                        nacl_rule(100, PortRange::single(443), "0.0.0.0/0", RuleAction::Allow),
                        nacl_rule(110, EPHEMERAL, "0.0.0.0/0", RuleAction::Allow),
                    ];
                    if self.bastion().is_some() {
                        // SSH to the bastion from the admin's laptop only.
                        rules.push(nacl_rule(
                            130,
                            PortRange::single(22),
                            ADMIN_CIDR,
                            RuleAction::Allow,
                        ));
                    }
                    rules
                },
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
        ]
    }

    /// The ALB's, the pods' and the database's groups, each open only to
    /// the tier before it.
    fn security_groups(&self) -> Vec<SecurityGroup> {
        let letter = self.letter;
        let sg_alb = format!("sg-alb-{letter}");
        let sg_app = format!("sg-app-{letter}");
        let sg_db = format!("sg-db-{letter}");
        let all_out = || {
            vec![sg_rule(
                Protocol::All,
                PortRange::ALL,
                Peer::Cidr(net("0.0.0.0/0").into()),
                "all",
            )]
        };
        let bastion = self.bastion().map(|b| SecurityGroup {
            id: b.security_groups[0].clone(),
            name: "bastion".into(),
            inbound: vec![sg_rule(
                Protocol::Tcp,
                PortRange::single(22),
                Peer::Cidr(net(ADMIN_CIDR).into()),
                "SSH from the admin's laptop",
            )],
            outbound: all_out(),
        });
        let mut groups = vec![
            SecurityGroup {
                id: sg_alb.clone(),
                name: "alb".into(),
                inbound: vec![sg_rule(
                    Protocol::Tcp,
                    PortRange::single(443),
                    Peer::Cidr(net("0.0.0.0/0").into()),
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
                    Peer::Sg(sg_alb),
                    "from the ALB only",
                )],
                outbound: all_out(),
            },
            SecurityGroup {
                id: sg_db,
                name: "db".into(),
                inbound: vec![sg_rule(
                    Protocol::Tcp,
                    PortRange::single(5432),
                    Peer::Sg(sg_app),
                    "PostgreSQL from the app tier",
                )],
                outbound: all_out(),
            },
        ];
        groups.extend(bastion);
        groups
    }

    /// `pods_per_az` pods in each AZ's app subnet, one node per AZ.
    fn pods(&self) -> Vec<Pod> {
        let (letter, per_az) = (self.letter, self.pods_per_az);
        let mut pods = Vec::new();
        for az_i in 0..2u32 {
            for k in 0..per_az {
                pods.push(Pod {
                    id: format!("pod-{letter}-{}", az_i * per_az + k + 1),
                    node: Some(format!("node-{letter}-{}", az_i + 1)),
                    app: "appointments-api".into(),
                    subnet: format!("subnet-app-{letter}{}", az_i + 1),
                    host: 20 + k,
                    security_groups: vec![format!("sg-app-{letter}")],
                });
            }
        }
        pods
    }

    /// The Ingress (`/healthz` exact, `/api` prefix) and the target group
    /// its Service is registered in.
    fn ingress(&self) -> (Ingress, String) {
        let letter = self.letter;
        let path = |path: &str, path_type: PathType| IngressPath {
            host: None,
            path: path.into(),
            path_type,
            service: format!("svc-{letter}"),
            port: 80,
        };
        let ingress = Ingress {
            id: format!("ingress-{letter}"),
            name: "appointments".into(),
            rules: vec![
                path("/healthz", PathType::Exact),
                path("/api", PathType::Prefix),
            ],
            default_backend: None,
            annotations: Default::default(),
        };
        (ingress, format!("tg-appointments-{letter}"))
    }

    /// The ALB: a node per AZ, an HTTPS listener with the rules the Load
    /// Balancer Controller writes from the Ingress, one target group.
    fn alb(&self, ingress: &Ingress, tg: String) -> Alb {
        let (letter, id, prefix) = (self.letter, self.id, self.public_prefix);
        let tg_of = |_svc: &str| tg.clone();
        let rules = crate::sim::k8s::lbc_listener_rules(ingress, &tg_of);
        Alb {
            id: format!("alb-{letter}"),
            dns_name: format!("k8s-app-{letter}7f3a.{id}.elb.amazonaws.com"),
            nodes: (0..2)
                .map(|i| AlbNode {
                    subnet: format!("subnet-public-{letter}{}", i + 1),
                    host: 10,
                    public_ip: std::net::Ipv4Addr::new(prefix[0], prefix[1], i as u8 + 1, 10),
                })
                .collect(),
            security_groups: vec![format!("sg-alb-{letter}")],
            listener: Listener {
                port: 443,
                certificate_domains: vec!["healthcareapp.com".into(), "*.healthcareapp.com".into()],
                rules,
                default_status: 404,
                tls_policy: Default::default(),
            },
            web_acl: None,
            ip_address_type: Default::default(),
            shield: Default::default(),
            idle_timeout_s: 60,
            client_keepalive_s: crate::sim::limits::ALB_CLIENT_KEEPALIVE_DEFAULT_S,
            ingress_managed: true,
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
                slow_start_s: 0,
                cross_zone: true,
                health_protocol: HealthProtocol::Http,
                health_port: None,
                matcher: crate::sim::limits::ALB_HC_DEFAULT_MATCHER.into(),
            }],
        }
    }

    /// PostgreSQL with a primary and a standby, one per data subnet.
    fn rds(&self) -> Rds {
        let (letter, id) = (self.letter, self.id);
        let instance = |n: u8| DbInstance {
            id: format!("rds-{letter}-{n}"),
            subnet: format!("subnet-data-{letter}{n}"),
            host: 10,
            public_ip: None,
        };
        Rds {
            id: format!("rds-{letter}"),
            engine: "PostgreSQL 16".into(),
            endpoint: format!("appdb.c9x2k1.{id}.rds.amazonaws.com"),
            port: 5432,
            instances: vec![instance(1), instance(2)],
            security_groups: vec![format!("sg-db-{letter}")],
            replicas: vec![],
            deployment: Default::default(),
            publicly_accessible: false,
        }
    }
}
