//! The settings forms the inspector offers for a component, as data: each
//! form is one script `edit` kind with the fields a learner fills in,
//! prefilled with the world's current values. Submitting builds the same
//! JSON object a script file holds (`{"kind": ..., field: value}`) and reads
//! it as an [`Edit`], so the app's forms and the script format cannot drift
//! apart; `World::apply_edit` then validates it like any other edit.

use serde_json::{Map, Value};

mod nlb;

use super::conn::TlsPolicy;
use super::edit::Edit;
use super::scenario::{Alb, IpAddressType, Region, ShieldProtection, WafAction, WebAcl};
use super::world::World;

/// How a field is typed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Free text, with an example as placeholder.
    Text(&'static str),
    /// Whole seconds or a count, within AWS's range.
    Number { min: u32, max: u32 },
    /// One of a few values.
    Choice(Vec<String>),
    /// On or off: a JSON boolean in the script format.
    Toggle,
    /// Several lines (regex patterns, one per line).
    Lines,
}

/// One field of a form: its name in the script format, its label and its
/// current value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub value: String,
}

/// One settings form: an `edit` kind, the fields fixed by the component
/// (its id), and the fields a learner fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// Unique among the component's forms; the app's test id.
    pub key: String,
    pub title: String,
    /// The fact-sheet section that says how AWS behaves here.
    pub cite: &'static str,
    pub kind: &'static str,
    pub fixed: Vec<(&'static str, String)>,
    pub fields: Vec<Field>,
    /// Set only the fields the learner changed (the edit kind keeps the
    /// current value of an empty field).
    pub only_changed: bool,
    /// The submit button's label.
    pub submit: &'static str,
}

impl Form {
    /// The edit these values ask for: `values` in the order of `fields`.
    /// A value that does not fit the field's kind is left to the edit's
    /// own validation, which names it.
    pub fn edit(&self, values: &[String]) -> Result<Edit, String> {
        let mut m = Map::new();
        m.insert("kind".into(), Value::String(self.kind.into()));
        for (k, v) in &self.fixed {
            m.insert((*k).into(), Value::String(v.clone()));
        }
        for (f, v) in self.fields.iter().zip(values) {
            if self.only_changed && *v == f.value {
                continue;
            }
            let v = match f.input {
                Input::Toggle => Value::Bool(v == "true"),
                _ => Value::String(v.trim().to_string()),
            };
            m.insert(f.name.into(), v);
        }
        // Read back as any JSON file is (one deserializer in the page).
        crate::sim::text::read_json(&Value::Object(m).to_string())
            .map_err(|(_, e)| crate::sim::text::without_position(&e))
    }

    /// Today's values in a few words, for the folded form's title line:
    /// the first three non-empty fields, a toggle as `early data: off`.
    pub fn summary(&self) -> String {
        self.fields
            .iter()
            .filter(|f| !f.value.is_empty())
            .take(3)
            .map(|f| match f.input {
                Input::Toggle => format!(
                    "{}: {}",
                    f.name.replace('_', " "),
                    if f.value == "true" { "on" } else { "off" }
                ),
                _ => f.value.clone(),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The prefilled values, in the order of `fields`.
    pub fn values(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.value.clone()).collect()
    }
}

fn field(name: &'static str, label: &'static str, input: Input, value: impl ToString) -> Field {
    Field {
        name,
        label,
        input,
        value: value.to_string(),
    }
}

fn choice(options: &[&str]) -> Input {
    Input::Choice(options.iter().map(|o| o.to_string()).collect())
}

fn form(
    key: String,
    title: impl Into<String>,
    cite: &'static str,
    kind: &'static str,
    fixed: Vec<(&'static str, String)>,
    fields: Vec<Field>,
) -> Form {
    Form {
        key,
        title: title.into(),
        cite,
        kind,
        fixed,
        fields,
        only_changed: false,
        submit: "Apply",
    }
}

/// Every settings form of the component `node`, in the inspector's order.
pub fn forms(w: &World, node: &str) -> Vec<Form> {
    let s = w.scenario();
    if let Some(c) = s.clients.iter().find(|c| c.id == node) {
        return vec![
            form(
                format!("tls-{}", c.id),
                "TLS",
                "§16, §26",
                "set_client_tls",
                vec![("client", c.id.clone())],
                vec![
                    field(
                        "max_version",
                        "newest version",
                        choice(&["1.2", "1.3"]),
                        c.tls_max.label().trim_start_matches("TLSv"),
                    ),
                    field(
                        "early_data",
                        "offer 0-RTT early data on resumption",
                        Input::Toggle,
                        c.early_data,
                    ),
                ],
            ),
            form(
                format!("ipv6-{}", c.id),
                "IPv6 (Happy Eyeballs)",
                "§23",
                "set_client_ipv6",
                vec![("client", c.id.clone())],
                vec![field(
                    "mode",
                    "IPv6",
                    choice(&["off", "on", "broken"]),
                    match c.ipv6 {
                        crate::sim::eyeballs::ClientIpv6::Off => "off",
                        crate::sim::eyeballs::ClientIpv6::On => "on",
                        crate::sim::eyeballs::ClientIpv6::Broken => "broken",
                    },
                )],
            ),
        ];
    }
    if node == s.cdn.id {
        let cdn = &s.cdn;
        return vec![
            form(
                "origin-keep-alive".into(),
                "Origin keep-alive",
                "§26",
                "set_origin_keep_alive",
                vec![],
                vec![field(
                    "seconds",
                    "seconds (1-60)",
                    Input::Number { min: 1, max: 60 },
                    cdn.origin_keep_alive_s,
                )],
            ),
            ip_type(
                &cdn.id,
                if cdn.ipv6_enabled {
                    IpAddressType::Dualstack
                } else {
                    IpAddressType::Ipv4
                },
            ),
            shield(&cdn.id, &cdn.shield),
        ];
    }
    if node == s.waf.id {
        return web_acl_forms(&s.waf, true);
    }
    for r in &s.regions {
        if let Some(out) = region_forms(s, r, node) {
            return out;
        }
    }
    if node == s.dns.zone.id {
        return s.dns.health_checks.iter().map(health_check).collect();
    }
    if let Some(p) = s.peering(node) {
        return peering_forms(p);
    }
    for r in &s.regions {
        if r.vpc.gateway_endpoint(node).is_some() || r.vpc.interface_endpoint(node).is_some() {
            return vec![action_form(
                format!("delete-endpoint-{node}"),
                "Delete endpoint",
                "§22",
                "delete_endpoint",
                vec![("id", node.to_string())],
                "Delete",
            )];
        }
        if let Some(sub) = r.vpc.subnet(node) {
            return subnet_forms(&r.vpc, sub);
        }
    }
    Vec::new()
}

/// The forms of a component of region `r`, if `node` is one of its own
/// (an instance, a gateway, a load balancer, an application, the
/// Ingress, an autoscaler, a database).
fn region_forms(s: &crate::sim::scenario::Scenario, r: &Region, node: &str) -> Option<Vec<Form>> {
    if let Some(i) = r.vpc.instance(node) {
        return Some(instance_forms(&r.vpc, i));
    }
    if r.vpc.egress_only_igw.as_deref() == Some(node) {
        return Some(vec![action_form(
            format!("delete-eigw-{node}"),
            "Delete the egress-only internet gateway",
            "§23",
            "delete_egress_only_igw",
            vec![("id", node.to_string())],
            "Delete",
        )]);
    }
    if r.vpc.igw == node {
        let mut out = vpc_forms(s, r);
        out.extend(vpc_more_forms(s, r));
        return Some(out);
    }
    if r.alb.id == node {
        let mut out = alb_forms(r, &r.alb);
        out.push(app_keep_alive(r));
        if let Some(acl) = &r.alb.web_acl {
            out.extend(web_acl_forms(acl, false));
        }
        if r.nlb.is_none() {
            out.push(nlb::add_nlb(r));
        }
        return Some(out);
    }
    if let Some(n) = r.nlb.as_ref().filter(|n| n.id == node) {
        return Some(nlb::nlb_forms(n));
    }
    let k = &r.cluster;
    let app = k
        .pods
        .iter()
        .find(|p| p.id == node)
        .map(|p| &p.app)
        .or_else(|| k.services.iter().find(|x| x.id == node).map(|x| &x.app));
    if let Some(app) = app {
        let mut out = vec![app_keep_alive(r), db_pool(r)];
        out.extend(
            k.services
                .iter()
                .filter(|x| x.app == *app)
                .map(|x| app_delay(k, &x.id)),
        );
        out.extend(
            k.services
                .iter()
                .filter(|x| x.app == *app)
                .map(traffic_policy),
        );
        out.extend(
            k.services
                .iter()
                .filter(|x| x.app == *app)
                .map(|x| db_routing(k, &x.id)),
        );
        out.extend(probe_forms(r, app));
        out.push(hpa_form(r, app));
        return Some(out);
    }
    if node == k.ingress.id {
        let mut out = ingress_forms(&k.ingress);
        out.extend(ingress_group_forms(r));
        return Some(out);
    }
    if k.more_ingresses.iter().any(|x| x.id == node) {
        return Some(ingress_group_forms(r));
    }
    if let Some(a) = k
        .autoscalers
        .iter()
        .find(|a| crate::sim::hpa::node_id(&r.id, &a.app) == node)
    {
        return Some(vec![hpa_form(r, &a.app)]);
    }
    if r.rds.all_instances().any(|i| i.id == node) {
        return Some(db_forms(r));
    }
    None
}

/// A form with no fields: one button.
fn action_form(
    key: String,
    title: &str,
    cite: &'static str,
    kind: &'static str,
    fixed: Vec<(&'static str, String)>,
    submit: &'static str,
) -> Form {
    let mut f = form(key, title.to_string(), cite, kind, fixed, vec![]);
    f.submit = submit;
    f
}

/// The VPC's settings, at its internet gateway: a secondary CIDR (and
/// removing one), the main route table, a custom network ACL, a peering
/// request, a gateway and an interface endpoint. Fact sheet §10, §12,
/// §21, §22.
fn vpc_more_forms(s: &crate::sim::scenario::Scenario, r: &Region) -> Vec<Form> {
    let v = &r.vpc;
    let x = v.suffix();
    let fixed = || vec![("vpc", v.id.clone())];
    let mut out = vec![form(
        format!("add-cidr-{}", v.id),
        "Add a secondary CIDR",
        "§10",
        "add_vpc_cidr",
        fixed(),
        vec![field(
            "cidr",
            "IPv4 block (/16-/28)",
            Input::Text("100.64.0.0/16"),
            "100.64.0.0/16",
        )],
    )];
    if !v.secondary_cidrs.is_empty() {
        let blocks: Vec<String> = v.secondary_cidrs.iter().map(|c| c.to_string()).collect();
        let refs: Vec<&str> = blocks.iter().map(String::as_str).collect();
        out.push(form(
            format!("remove-cidr-{}", v.id),
            "Remove a secondary CIDR",
            "§10",
            "remove_vpc_cidr",
            fixed(),
            vec![field("cidr", "block", choice(&refs), &blocks[0])],
        ));
    }
    let tables: Vec<&str> = v.route_tables.iter().map(|t| t.id.as_str()).collect();
    out.push(form(
        format!("main-table-{}", v.id),
        "Main route table",
        "§10",
        "set_main_route_table",
        vec![],
        vec![field(
            "route_table",
            "used by subnets without an explicit association",
            choice(&tables),
            v.main_table_id().unwrap_or_default(),
        )],
    ));
    out.push(form(
        format!("create-nacl-{}", v.id),
        "Create a network ACL",
        "§12",
        "create_nacl",
        fixed(),
        vec![field(
            "id",
            "id (a new ACL denies everything)",
            Input::Text("acl-test-a"),
            free_id(|id| v.nacl(id).is_some(), &format!("acl-new-{x}")),
        )],
    ));
    let others: Vec<&str> = s
        .regions
        .iter()
        .map(|o| o.vpc.id.as_str())
        .filter(|o| *o != v.id)
        .collect();
    if let Some(first) = others.first() {
        let id = free_id(
            |id| s.peering(id).is_some(),
            &format!("pcx-{x}{}", first.strip_prefix("vpc-").unwrap_or(first)),
        );
        out.push(form(
            format!("create-peering-{}", v.id),
            "Request a peering connection",
            "§21",
            "create_peering",
            vec![("requester_vpc", v.id.clone())],
            vec![
                field("id", "id", Input::Text("pcx-ab"), id),
                field("accepter_vpc", "accepter VPC", choice(&others), first),
            ],
        ));
    }
    let free_tables: Vec<&str> = v
        .subnets
        .iter()
        .filter(|sub| sub.tier == crate::sim::net::Tier::App)
        .filter_map(|sub| v.route_table_id_of(sub))
        .filter(|t| {
            !v.gateway_endpoints
                .iter()
                .any(|e| e.route_tables.iter().any(|x| x == t))
        })
        .fold(Vec::new(), |mut acc, t| {
            if !acc.contains(&t) {
                acc.push(t);
            }
            acc
        });
    if crate::sim::net::s3_prefix_list(&r.id).is_some() {
        out.push(form(
            format!("gateway-endpoint-{}", v.id),
            "Create an S3 gateway endpoint",
            "§22",
            "create_gateway_endpoint",
            fixed(),
            vec![
                field(
                    "id",
                    "id",
                    Input::Text("vpce-s3-a"),
                    free_id(
                        |id| v.gateway_endpoint(id).is_some(),
                        &format!("vpce-s3-{x}"),
                    ),
                ),
                field(
                    "route_tables",
                    "route tables (commas or spaces)",
                    Input::Text("rtb-app-a1, rtb-app-a2"),
                    free_tables.join(", "),
                ),
            ],
        ));
    }
    let mut per_az: Vec<&str> = Vec::new();
    let mut azs: Vec<&str> = Vec::new();
    for sub in v
        .subnets
        .iter()
        .filter(|s| s.tier == crate::sim::net::Tier::App)
    {
        if !azs.contains(&sub.az.as_str()) {
            azs.push(&sub.az);
            per_az.push(&sub.id);
        }
    }
    out.push(form(
        format!("interface-endpoint-{}", v.id),
        "Create an interface endpoint",
        "§22",
        "create_interface_endpoint",
        fixed(),
        vec![
            field(
                "id",
                "id",
                Input::Text("vpce-sqs-a"),
                free_id(
                    |id| v.interface_endpoint(id).is_some(),
                    &format!("vpce-sqs-{x}"),
                ),
            ),
            field(
                "service",
                "service name",
                Input::Text("com.amazonaws.us-east-1.sqs"),
                format!("com.amazonaws.{}.sqs", r.id),
            ),
            field(
                "subnets",
                "subnets, one per AZ",
                Input::Text("subnet-app-a1, subnet-app-a2"),
                per_az.join(", "),
            ),
            field(
                "security_groups",
                "security groups (none = the VPC's default)",
                Input::Text("sg-app-a"),
                "",
            ),
            field("private_dns", "private DNS", choice(&["on", "off"]), "on"),
        ],
    ));
    out.extend(ipv6_forms(v));
    out
}

/// IPv6 at the VPC's internet gateway: an Amazon-provided /56 (once) and
/// the egress-only internet gateway (once). Fact sheet §23.
fn ipv6_forms(v: &crate::sim::net::Vpc) -> Vec<Form> {
    let mut out = Vec::new();
    if v.ipv6_cidr.is_none() {
        out.push(action_form(
            format!("ipv6-{}", v.id),
            "Associate an IPv6 block (/56)",
            "§23",
            "assign_vpc_ipv6",
            vec![("vpc", v.id.clone())],
            "Associate",
        ));
    }
    if v.egress_only_igw.is_none() {
        let mut f = form(
            format!("new-eigw-{}", v.id),
            "Egress-only internet gateway",
            "§23",
            "create_egress_only_igw",
            vec![("vpc", v.id.clone())],
            vec![field(
                "id",
                "gateway id",
                Input::Text("eigw-a"),
                format!("eigw-{}", v.suffix()),
            )],
        );
        f.submit = "Create";
        out.push(f);
    }
    out
}

/// `base`, or `base-2`, `base-3`… when taken.
fn free_id(taken: impl Fn(&str) -> bool, base: &str) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|id| !taken(id))
        .unwrap_or_default()
}

/// A peering connection: accept it while pending, delete it. §21.
fn peering_forms(p: &crate::sim::net::Peering) -> Vec<Form> {
    use crate::sim::net::PeeringStatus;
    let mut out = Vec::new();
    if p.status == PeeringStatus::PendingAcceptance {
        out.push(action_form(
            format!("accept-{}", p.id),
            "Accept the request",
            "§21",
            "accept_peering",
            vec![("id", p.id.clone())],
            "Accept",
        ));
    }
    if p.status == PeeringStatus::Active {
        let on = |b: bool| if b { "on" } else { "off" };
        out.push(form(
            format!("dns-{}", p.id),
            "DNS resolution",
            "§21",
            "set_peering_dns",
            vec![("id", p.id.clone())],
            vec![
                field(
                    "requester",
                    "requester side resolves the peer's names to private addresses",
                    choice(&["off", "on"]),
                    on(p.requester_dns),
                ),
                field(
                    "accepter",
                    "accepter side resolves the peer's names to private addresses",
                    choice(&["off", "on"]),
                    on(p.accepter_dns),
                ),
            ],
        ));
    }
    if p.status != PeeringStatus::Deleted {
        out.push(action_form(
            format!("delete-{}", p.id),
            "Delete the peering connection",
            "§21",
            "delete_peering",
            vec![("id", p.id.clone())],
            "Delete",
        ));
    }
    out
}

/// A subnet's associations: back to the main route table, another network
/// ACL, back to the default network ACL. Fact sheet §10, §12.
fn subnet_forms(v: &crate::sim::net::Vpc, sub: &crate::sim::net::Subnet) -> Vec<Form> {
    let nacls: Vec<&str> = v.nacls.iter().map(|n| n.id.as_str()).collect();
    let mut out = vec![
        action_form(
            format!("main-table-{}", sub.id),
            "Use the main route table",
            "§10",
            "disassociate_route_table",
            vec![("subnet", sub.id.clone())],
            "Disassociate",
        ),
        form(
            format!("nacl-{}", sub.id),
            "Network ACL",
            "§12",
            "associate_nacl",
            vec![("subnet", sub.id.clone())],
            vec![field("nacl", "network ACL", choice(&nacls), &sub.nacl)],
        ),
        action_form(
            format!("default-nacl-{}", sub.id),
            "Use the default network ACL",
            "§12",
            "disassociate_nacl",
            vec![("subnet", sub.id.clone())],
            "Disassociate",
        ),
    ];
    if v.ipv6_cidr.is_some() {
        let mut f = form(
            format!("ipv6-{}", sub.id),
            "IPv6 block (/64)",
            "§23",
            "assign_subnet_ipv6",
            vec![("subnet", sub.id.clone())],
            vec![field(
                "block",
                "which /64 of the VPC's /56 (0-255; empty: the next free; none)",
                Input::Text("3"),
                "",
            )],
        );
        f.submit = if sub.ipv6_cidr.is_some() {
            "Change"
        } else {
            "Assign"
        };
        out.push(f);
    }
    out
}

/// An instance's interface: public address, security groups, the
/// source/destination check; and terminating it. Fact sheet §24.
fn instance_forms(v: &crate::sim::net::Vpc, i: &crate::sim::net::Instance) -> Vec<Form> {
    let mut set = form(
        format!("instance-{}", i.id),
        "Interface",
        "§24",
        "set_instance",
        vec![("instance", i.id.clone())],
        vec![
            field(
                "public_ip",
                "public address (none, auto or an Elastic IP)",
                Input::Text("54.12.0.7"),
                match i.public_ip.ip() {
                    Some(ip) => ip.to_string(),
                    None => "none".into(),
                },
            ),
            field(
                "security_groups",
                "security groups",
                Input::Text("sg-web, sg-admin"),
                i.security_groups.join(", "),
            ),
            field(
                "source_dest_check",
                "source/destination check",
                choice(&["on", "off"]),
                if i.source_dest_check { "on" } else { "off" },
            ),
        ],
    );
    // An IPv6 address once its subnet has a /64 (fact sheet §23).
    if v.subnet(&i.subnet).is_some_and(|x| x.ipv6_cidr.is_some()) {
        set.fields.push(field(
            "ipv6",
            "IPv6 address",
            choice(&["on", "off"]),
            if i.ipv6 { "on" } else { "off" },
        ));
    }
    set.only_changed = true;
    let mut end = form(
        format!("terminate-{}", i.id),
        "Terminate",
        "§24",
        "remove_instance",
        vec![("instance", i.id.clone())],
        vec![],
    );
    end.submit = "Terminate";
    vec![set, end]
}

/// At a VPC's internet gateway: launch an instance in one of its subnets,
/// create a security group. Fact sheet §11, §24.
fn vpc_forms(s: &crate::sim::scenario::Scenario, r: &Region) -> Vec<Form> {
    let fresh = |prefix: &str, taken: &dyn Fn(&str) -> bool| {
        (1..)
            .map(|n| format!("{prefix}{n}"))
            .find(|id| !taken(id))
            .unwrap_or_default()
    };
    let new_instance = fresh("i-web-", &|id| {
        s.regions.iter().any(|x| x.vpc.instance(id).is_some())
    });
    let new_sg = fresh("sg-web-", &|id| {
        s.regions.iter().any(|x| x.vpc.sg(id).is_some())
    });
    let subnets: Vec<&str> = r.vpc.subnets.iter().map(|x| x.id.as_str()).collect();
    let first_sg = r
        .vpc
        .security_groups
        .first()
        .map(|g| g.id.clone())
        .unwrap_or_default();
    let mut launch = form(
        format!("launch-{}", r.vpc.id),
        "Launch an instance",
        "§24",
        "add_instance",
        vec![],
        vec![
            field("id", "instance id", Input::Text("i-web-1"), new_instance),
            field(
                "subnet",
                "subnet",
                choice(&subnets),
                subnets.first().copied().unwrap_or(""),
            ),
            field(
                "security_groups",
                "security groups",
                Input::Text("sg-web"),
                first_sg,
            ),
            field(
                "public_ip",
                "public address (none, auto or an Elastic IP)",
                Input::Text("auto"),
                "none",
            ),
            field(
                "os",
                "operating system",
                choice(&["linux", "windows"]),
                "linux",
            ),
        ],
    );
    launch.submit = "Launch";
    let mut sg = form(
        format!("new-sg-{}", r.vpc.id),
        "Create a security group",
        "§11",
        "create_security_group",
        vec![("vpc", r.vpc.id.clone())],
        vec![
            field("id", "group id", Input::Text("sg-web"), new_sg),
            field("name", "name", Input::Text("web"), ""),
        ],
    );
    sg.submit = "Create";
    vec![launch, sg]
}

fn ip_type(component: &str, t: IpAddressType) -> Form {
    form(
        format!("ip-type-{component}"),
        "IP address type",
        "§23",
        "set_ip_address_type",
        vec![("component", component.into())],
        vec![field(
            "ip_address_type",
            "addresses",
            choice(&["ipv4", "dualstack"]),
            match t {
                IpAddressType::Ipv4 => "ipv4",
                IpAddressType::Dualstack => "dualstack",
            },
        )],
    )
}

fn shield(resource: &str, p: &ShieldProtection) -> Form {
    form(
        format!("shield-{resource}"),
        "AWS Shield",
        "§7",
        "set_shield",
        vec![("resource", resource.into())],
        vec![
            field(
                "tier",
                "tier",
                choice(&["standard", "advanced"]),
                p.tier.as_str(),
            ),
            field(
                "automatic_l7_mitigation",
                "automatic application-layer mitigation",
                choice(&["off", "on"]),
                if p.automatic_l7_mitigation {
                    "on"
                } else {
                    "off"
                },
            ),
        ],
    )
}

/// The extra time the application behind a Service works on a request
/// (fact sheet §16: "+ server time"), shown in the trace's timeline.
fn app_delay(k: &crate::sim::scenario::Cluster, service: &str) -> Form {
    let ms = k
        .app_delays
        .iter()
        .find(|d| d.service == service)
        .map_or(0, |d| d.ms);
    form(
        format!("app-delay-{service}"),
        format!("Application delay behind {service}"),
        "§16",
        "set_app_delay",
        vec![("service", service.into())],
        vec![field(
            "ms",
            "milliseconds (0-120,000)",
            Input::Number {
                min: 0,
                max: 120_000,
            },
            ms,
        )],
    )
}

/// A Service's externalTrafficPolicy. Fact sheet §28.
fn traffic_policy(svc: &crate::sim::scenario::Service) -> Form {
    form(
        format!("traffic-policy-{}", svc.id),
        format!("externalTrafficPolicy of {}", svc.name),
        "§28",
        "set_traffic_policy",
        vec![("service", svc.id.clone())],
        vec![field(
            "policy",
            "policy",
            choice(&["Cluster", "Local"]),
            svc.external_traffic_policy.as_str(),
        )],
    )
}

/// Which database endpoint the application behind a Service sends its
/// reads and writes to. Fact sheet §29.
fn db_routing(k: &crate::sim::scenario::Cluster, service: &str) -> Form {
    use crate::sim::scenario::DbRouting;
    let now = k
        .db_routes
        .iter()
        .find(|d| d.service == service)
        .map_or(DbRouting::Writer, |d| d.route);
    let names: Vec<&str> = DbRouting::ALL.iter().map(|d| d.name()).collect();
    form(
        format!("db-routing-{service}"),
        format!("Database endpoints used behind {service}"),
        "§29",
        "set_db_routing",
        vec![("service", service.into())],
        vec![field(
            "route",
            "reads and writes go to",
            choice(&names),
            now.name(),
        )],
    )
}

/// The readiness and liveness probe timings of an app's pods. Fact sheet §14.
fn probe_forms(r: &Region, app: &str) -> Vec<Form> {
    let (ready, live) = r.cluster.probe_timings(app);
    [("readiness", ready), ("liveness", live)]
        .into_iter()
        .map(|(which, t)| {
            let n = |max| Input::Number { min: 1, max };
            form(
                format!("probe-{which}-{app}"),
                format!("{which} probe of {app}"),
                "§14",
                "set_probe",
                vec![
                    ("region", r.id.clone()),
                    ("app", app.to_string()),
                    ("probe", which.to_string()),
                ],
                vec![
                    field(
                        "initial_delay_s",
                        "initialDelaySeconds (0-3,600)",
                        Input::Number { min: 0, max: 3_600 },
                        t.initial_delay_s,
                    ),
                    field("period_s", "periodSeconds (1-3,600)", n(3_600), t.period_s),
                    field(
                        "timeout_s",
                        "timeoutSeconds (1-3,600)",
                        n(3_600),
                        t.timeout_s,
                    ),
                    field(
                        "success_threshold",
                        "successThreshold (1-100; 1 for liveness)",
                        n(100),
                        t.success_threshold,
                    ),
                    field(
                        "failure_threshold",
                        "failureThreshold (1-100)",
                        n(100),
                        t.failure_threshold,
                    ),
                ],
            )
        })
        .collect()
}

/// The HorizontalPodAutoscaler of an app. Fact sheet §28.
fn hpa_form(r: &Region, app: &str) -> Form {
    let h = r.cluster.autoscalers.iter().find(|a| a.app == app);
    form(
        format!("hpa-{}-{app}", r.id),
        format!("HorizontalPodAutoscaler of {app}"),
        "§28",
        "set_hpa",
        vec![("region", r.id.clone()), ("app", app.to_string())],
        vec![
            field(
                "mode",
                "autoscaler",
                choice(&["on", "off", "remove"]),
                match h {
                    Some(a) if a.enabled => "on",
                    Some(_) => "off",
                    None => "remove",
                },
            ),
            field(
                "min",
                "minReplicas (1-50)",
                Input::Number { min: 1, max: 50 },
                h.map_or(2, |a| a.min_replicas),
            ),
            field(
                "max",
                "maxReplicas (1-50)",
                Input::Number { min: 1, max: 50 },
                h.map_or(10, |a| a.max_replicas),
            ),
            field(
                "target_cpu",
                "target CPU utilization, % of the request",
                Input::Number { min: 1, max: 1_000 },
                h.map_or(50, |a| a.target_cpu_percent),
            ),
            field(
                "cpu_request",
                "CPU request per pod, millicores (empty: none)",
                Input::Text("250m"),
                h.and_then(|a| a.cpu_request_m)
                    .map_or(String::new(), |m| format!("{m}m")),
            ),
        ],
    )
}

/// The Ingress annotations the load balancer controller reads, one form
/// each. Fact sheet §14, §28.
fn ingress_forms(ing: &crate::sim::scenario::Ingress) -> Vec<Form> {
    let a = &ing.annotations;
    let opt = |v: Option<String>| v.unwrap_or_default();
    let items: Vec<(&'static str, Input, String)> = vec![
        (
            "target-type",
            choice(&["", "ip", "instance"]),
            opt(a.target_type.map(|t| format!("{t:?}").to_lowercase())),
        ),
        (
            "group.name",
            Input::Text("shared-alb"),
            opt(a.group_name.clone()),
        ),
        (
            "group.order",
            Input::Text("0"),
            opt(a.group_order.map(|o| o.to_string())),
        ),
        (
            "healthcheck-path",
            Input::Text("/healthz"),
            opt(a.healthcheck_path.clone()),
        ),
        (
            "healthcheck-port",
            Input::Text("traffic-port"),
            opt(a.healthcheck_port.map(|p| p.to_string())),
        ),
        (
            "healthcheck-interval-seconds",
            Input::Text("15"),
            opt(a.healthcheck_interval_s.map(|p| p.to_string())),
        ),
        (
            "healthcheck-timeout-seconds",
            Input::Text("5"),
            opt(a.healthcheck_timeout_s.map(|p| p.to_string())),
        ),
        (
            "healthy-threshold-count",
            Input::Text("2"),
            opt(a.healthy_threshold.map(|p| p.to_string())),
        ),
        (
            "unhealthy-threshold-count",
            Input::Text("2"),
            opt(a.unhealthy_threshold.map(|p| p.to_string())),
        ),
        (
            "success-codes",
            Input::Text("200"),
            opt(a.success_codes.clone()),
        ),
    ];
    items
        .into_iter()
        .map(|(name, input, value)| {
            form(
                format!("annotation-{name}"),
                format!("alb.ingress.kubernetes.io/{name}"),
                if name.starts_with("group") || name == "target-type" {
                    "§28"
                } else {
                    "§14"
                },
                "set_ingress_annotation",
                vec![
                    ("ingress", ing.id.clone()),
                    ("annotation", name.to_string()),
                ],
                vec![field("value", "value (empty: not set)", input, value)],
            )
        })
        .collect()
}

/// The cluster's IngressGroup, on the diagram's Ingress: add an Ingress
/// (prefilled with a free id and name, in the ALB's group when it has
/// one), and for each further Ingress its group name and order and its
/// removal. Fact sheet §28.
fn ingress_group_forms(r: &Region) -> Vec<Form> {
    let c = &r.cluster;
    let free = (2..)
        .map(|n| {
            (
                format!("{}-{n}", c.ingress.id),
                format!("{}-{n}", c.ingress.name),
            )
        })
        .find(|(id, name)| c.ingresses().all(|i| i.id != *id && i.name != *name))
        .unwrap_or_default();
    let mut out = vec![form(
        "add-ingress".into(),
        "Add an Ingress",
        "§28",
        "add_ingress",
        vec![("region", r.id.clone())],
        vec![
            field("id", "id", Input::Text("ingress-api"), free.0),
            field("name", "name", Input::Text("api"), free.1),
            field(
                "group_name",
                "alb.ingress.kubernetes.io/group.name (empty: its own group)",
                Input::Text("shared-alb"),
                c.ingress.annotations.group_name.clone().unwrap_or_default(),
            ),
            field(
                "group_order",
                "alb.ingress.kubernetes.io/group.order (-1000..1000; empty: 0)",
                Input::Text("0"),
                "",
            ),
        ],
    )];
    for ing in &c.more_ingresses {
        let a = &ing.annotations;
        for (name, example, value) in [
            (
                "group.name",
                "shared-alb",
                a.group_name.clone().unwrap_or_default(),
            ),
            (
                "group.order",
                "0",
                a.group_order.map(|o| o.to_string()).unwrap_or_default(),
            ),
        ] {
            out.push(form(
                format!("annotation-{name}-{}", ing.id),
                format!("Ingress {}: alb.ingress.kubernetes.io/{name}", ing.name),
                "§28",
                "set_ingress_annotation",
                vec![
                    ("ingress", ing.id.clone()),
                    ("annotation", name.to_string()),
                ],
                vec![field(
                    "value",
                    "value (empty: not set)",
                    Input::Text(example),
                    value,
                )],
            ));
        }
        out.push(form(
            format!("remove-ingress-{}", ing.id),
            format!("Delete Ingress {}", ing.name),
            "§28",
            "remove_ingress",
            vec![("ingress", ing.id.clone())],
            Vec::new(),
        ));
    }
    out
}

/// The database's deployment, readers and public access. Fact sheet §15,
/// §29.
fn db_forms(r: &Region) -> Vec<Form> {
    use crate::sim::scenario::DbDeployment;
    let kinds: Vec<&str> = DbDeployment::ALL.iter().map(|d| d.name()).collect();
    let data: Vec<&str> = r
        .vpc
        .subnets
        .iter()
        .filter(|s| s.tier == crate::sim::net::Tier::Data)
        .map(|s| s.id.as_str())
        .collect();
    let first_data = data.first().copied().unwrap_or_default();
    // What `remove_db_reader` takes: Aurora Replicas and read replicas,
    // never a Multi-AZ standby nor a Multi-AZ DB cluster's readers.
    let aurora = r.rds.deployment == DbDeployment::Aurora;
    let readers: Vec<&str> = r
        .rds
        .instances
        .iter()
        .skip(1)
        .filter(|_| aurora)
        .chain(&r.rds.replicas)
        .map(|i| i.id.as_str())
        .collect();
    let region = || vec![("region", r.id.clone())];
    let mut out = vec![
        form(
            format!("db-deployment-{}", r.id),
            "Database deployment",
            "§15, §29",
            "set_db_deployment",
            region(),
            vec![field(
                "deployment",
                "deployment",
                choice(&kinds),
                r.rds.deployment.name(),
            )],
        ),
        form(
            format!("db-public-{}", r.id),
            "Public access",
            "§29",
            "set_db_public",
            region(),
            vec![field(
                "publicly_accessible",
                "publicly accessible (a public IP per instance)",
                Input::Toggle,
                r.rds.publicly_accessible,
            )],
        ),
        form(
            format!("db-add-reader-{}", r.id),
            "Add a reader (Aurora Replica or read replica)",
            "§15, §29",
            "add_db_reader",
            region(),
            vec![field("subnet", "subnet", choice(&data), first_data)],
        ),
    ];
    if let Some(first) = readers.first() {
        out.push(form(
            format!("db-remove-reader-{}", r.id),
            "Remove a reader",
            "§15, §29",
            "remove_db_reader",
            region(),
            vec![field("instance", "instance", choice(&readers), first)],
        ));
    }
    for f in &mut out[2..] {
        f.submit = "Add";
    }
    if let Some(f) = out.get_mut(3) {
        f.submit = "Remove";
    }
    out
}

/// The connections each pod's application keeps open to the database.
fn db_pool(r: &Region) -> Form {
    form(
        format!("db-pool-{}", r.id),
        "Database connection pool",
        "§15, §26",
        "set_db_pool",
        vec![("region", r.id.clone())],
        vec![field(
            "size",
            "connections per pod (0-100)",
            Input::Number { min: 0, max: 100 },
            r.cluster.db_pool_size,
        )],
    )
}

/// A new WAF rule's action, the labels it adds and its CAPTCHA or
/// Challenge immunity (empty: the web ACL's).
fn new_rule_action(labels_placeholder: &'static str) -> [Field; 3] {
    [
        field("action", "action", choice(&ACTIONS), "block"),
        field(
            "labels",
            "labels added",
            Input::Text(labels_placeholder),
            "",
        ),
        field(
            "immunity_s",
            "immunity, s (CAPTCHA or Challenge)",
            Input::Text("300"),
            "",
        ),
    ]
}

fn app_keep_alive(r: &Region) -> Form {
    form(
        format!("app-keep-alive-{}", r.id),
        "Application keep-alive",
        "§26",
        "set_app_keep_alive",
        vec![("region", r.id.clone())],
        vec![field(
            "seconds",
            "seconds (1-3,600)",
            Input::Number { min: 1, max: 3600 },
            r.cluster.app_keep_alive_s,
        )],
    )
}

fn alb_forms(r: &Region, alb: &Alb) -> Vec<Form> {
    let mut out = vec![
        form(
            format!("idle-timeout-{}", alb.id),
            "Idle timeout",
            "§8",
            "set_alb_idle_timeout",
            vec![("alb", alb.id.clone())],
            vec![field(
                "seconds",
                "seconds (1-4,000)",
                Input::Number { min: 1, max: 4000 },
                alb.idle_timeout_s,
            )],
        ),
        form(
            format!("tls-policy-{}", alb.id),
            "HTTPS listener security policy",
            "§8",
            "set_listener_tls_policy",
            vec![("alb", alb.id.clone())],
            vec![field(
                "policy",
                "policy",
                Input::Choice(TlsPolicy::ALL.iter().map(|p| p.name().into()).collect()),
                alb.listener.tls_policy.name(),
            )],
        ),
        form(
            format!("client-keepalive-{}", alb.id),
            "HTTP client keep-alive duration",
            "§26",
            "set_client_keepalive",
            vec![("alb", alb.id.clone())],
            vec![field(
                "seconds",
                "seconds (60-604,800)",
                Input::Number {
                    min: 60,
                    max: 604_800,
                },
                alb.client_keepalive_s,
            )],
        ),
        ip_type(&alb.id, alb.ip_address_type),
        shield(&alb.id, &alb.shield),
    ];
    for tg in &alb.target_groups {
        out.push(form(
            format!("tg-dereg-{}", tg.id),
            format!("Deregistration delay of {}", tg.id),
            "§8",
            "set_deregistration_delay",
            vec![("target_group", tg.id.clone())],
            vec![field(
                "seconds",
                "seconds (0-3,600)",
                Input::Number { min: 0, max: 3600 },
                tg.deregistration_delay_s,
            )],
        ));
        out.push(form(
            format!("tg-slow-start-{}", tg.id),
            format!("Slow start of {}", tg.id),
            "§8, §26",
            "set_slow_start",
            vec![("target_group", tg.id.clone())],
            vec![field(
                "seconds",
                "seconds (0 off, or 30-900)",
                Input::Number { min: 0, max: 900 },
                tg.slow_start_s,
            )],
        ));
    }
    for tg in &alb.target_groups {
        let mut f = form(
            format!("tg-health-{}", tg.id),
            format!("Health check of {}", tg.id),
            "§8",
            "set_target_group_health",
            vec![("target_group", tg.id.clone())],
            vec![
                field(
                    "health_protocol",
                    "protocol",
                    choice(&["HTTP", "HTTPS"]),
                    tg.health_protocol.name(),
                ),
                field(
                    "health_port",
                    "port",
                    Input::Text("traffic-port"),
                    tg.health_port
                        .map_or("traffic-port".to_string(), |p| p.to_string()),
                ),
                field(
                    "health_path",
                    "path",
                    Input::Text("/health"),
                    &tg.health_path,
                ),
                field(
                    "matcher",
                    "success codes",
                    Input::Text("200-299"),
                    &tg.matcher,
                ),
                field(
                    "health_timeout_s",
                    "timeout, s (2-120)",
                    Input::Number { min: 2, max: 120 },
                    tg.health_timeout_s,
                ),
                field(
                    "health_interval_s",
                    "interval, s (5-300)",
                    Input::Number { min: 5, max: 300 },
                    tg.health_interval_s,
                ),
                field(
                    "healthy_threshold",
                    "healthy threshold (2-10)",
                    Input::Number { min: 2, max: 10 },
                    tg.healthy_threshold,
                ),
                field(
                    "unhealthy_threshold",
                    "unhealthy threshold (2-10)",
                    Input::Number { min: 2, max: 10 },
                    tg.unhealthy_threshold,
                ),
            ],
        );
        f.only_changed = true;
        out.push(f);
    }
    let _ = r;
    out
}

fn action_name(a: WafAction) -> &'static str {
    match a {
        WafAction::Allow => "allow",
        WafAction::Block => "block",
        WafAction::Count => "count",
        WafAction::Captcha => "captcha",
        WafAction::Challenge => "challenge",
    }
}

const ACTIONS: [&str; 5] = ["block", "allow", "count", "captcha", "challenge"];

/// A priority no rule of the web ACL has, for the add forms.
fn free_priority(acl: &WebAcl) -> u32 {
    acl.rules
        .iter()
        .map(|r| r.priority)
        .max()
        .map_or(0, |p| p + 1)
}

/// A rule name the web ACL does not have yet: `base`, `base-2`, ...
fn free_name(acl: &WebAcl, base: &str) -> String {
    (1..)
        .map(|i| {
            if i == 1 {
                base.to_string()
            } else {
                format!("{base}-{i}")
            }
        })
        .find(|n| acl.rules.iter().all(|r| r.name != *n))
        .unwrap_or_else(|| base.to_string())
}

/// The forms that add a rule to the web ACL: a match rule, a label match
/// rule and an AWS managed rule group, each at the first free priority.
fn new_rule_forms(acl: &WebAcl) -> Vec<Form> {
    let id = || vec![("web_acl", acl.id.clone())];
    let key = |what: &str| format!("{what}-{}", acl.id);
    let pri = free_priority(acl).to_string();
    let mut out = Vec::new();
    let mut add = form(
        key("add-match"),
        "Add a match rule",
        "§6, §27",
        "add_waf_match_rule",
        id(),
        vec![
            field("priority", "priority", Input::Text("0"), &pri),
            field(
                "name",
                "name",
                Input::Text("block-admin"),
                free_name(acl, "match-rule"),
            ),
            field(
                "statement",
                "statement",
                choice(&["byte_match", "regex_match", "size_constraint"]),
                "byte_match",
            ),
            field(
                "field",
                "inspect",
                Input::Text("uri_path, query_string, header:user-agent, body"),
                "uri_path",
            ),
            field(
                "positional",
                "position",
                choice(&[
                    "contains",
                    "exactly",
                    "starts_with",
                    "ends_with",
                    "contains_word",
                ]),
                "contains",
            ),
            field("search", "search string", Input::Text("/admin"), "/admin"),
            field(
                "patterns",
                "regex patterns (one per line)",
                Input::Lines,
                "",
            ),
            field(
                "comparison",
                "size comparison",
                choice(&["gt", "ge", "lt", "le", "eq", "ne"]),
                "gt",
            ),
            field("size", "size, bytes", Input::Text("8192"), ""),
            field(
                "transforms",
                "text transformations",
                Input::Text("url_decode, lowercase"),
                "",
            ),
            field(
                "oversize",
                "oversize handling",
                choice(&["continue", "match", "no_match"]),
                "continue",
            ),
        ]
        .into_iter()
        .chain(new_rule_action("app:admin"))
        .collect(),
    );
    add.submit = "Add rule";
    out.push(add);
    let mut label = form(
        key("add-label"),
        "Add a label match rule",
        "§27",
        "add_waf_label_rule",
        id(),
        vec![
            field("priority", "priority", Input::Text("0"), &pri),
            field(
                "name",
                "name",
                Input::Text("block-labelled"),
                free_name(acl, "label-rule"),
            ),
            field("scope", "match", choice(&["label", "namespace"]), "label"),
            field(
                "key",
                "label or namespace",
                Input::Text("app:admin"),
                "app:admin",
            ),
        ]
        .into_iter()
        .chain(new_rule_action(""))
        .collect(),
    );
    label.submit = "Add rule";
    out.push(label);
    let mut managed = form(
        key("add-managed"),
        "Add an AWS managed rule group",
        "§6, §27",
        "add_waf_managed_group",
        id(),
        vec![
            field("priority", "priority", Input::Text("0"), &pri),
            field(
                "name",
                "name",
                Input::Text("aws-common"),
                free_name(acl, "aws-managed"),
            ),
            field(
                "group",
                "group",
                choice(&["common", "known_bad_inputs", "ip_reputation", "sqli"]),
                "common",
            ),
            field(
                "action",
                "rules' actions",
                choice(&["block", "count"]),
                "block",
            ),
        ],
    );
    managed.submit = "Add group";
    out.push(managed);
    out
}

fn web_acl_forms(acl: &WebAcl, global: bool) -> Vec<Form> {
    let id = || vec![("web_acl", acl.id.clone())];
    let key = |what: &str| format!("{what}-{}", acl.id);
    let rule_names: Vec<String> = acl.rules.iter().map(|r| r.name.clone()).collect();
    let mut out = vec![
        form(
            key("default-action"),
            "Default action",
            "§6",
            "set_waf_default_action",
            id(),
            vec![field(
                "action",
                "for a request no rule decides",
                choice(&["allow", "block"]),
                action_name(acl.default_action),
            )],
        ),
        form(
            key("immunity"),
            "CAPTCHA and Challenge immunity",
            "§27",
            "set_waf_token_immunity",
            id(),
            vec![
                field(
                    "captcha_s",
                    "CAPTCHA token, s",
                    Input::Number {
                        min: 60,
                        max: 259_200,
                    },
                    acl.captcha_immunity_s.unwrap_or(300),
                ),
                field(
                    "challenge_s",
                    "Challenge token, s",
                    Input::Number {
                        min: 300,
                        max: 259_200,
                    },
                    acl.challenge_immunity_s.unwrap_or(300),
                ),
            ],
        ),
    ];
    if global {
        out.push(form(
            key("body-limit"),
            "Body inspection limit",
            "§6, §27",
            "set_waf_body_limit",
            id(),
            vec![field(
                "kb",
                "KB inspected",
                choice(&["16", "32", "48", "64"]),
                acl.body_inspection_kb.unwrap_or(16),
            )],
        ));
    }
    out.extend(new_rule_forms(acl));
    if let Some(first) = acl.rules.first() {
        out.push(form(
            key("rule-action"),
            "Change a rule's action",
            "§6, §27",
            "set_waf_rule_action",
            id(),
            vec![
                field(
                    "name",
                    "rule",
                    Input::Choice(rule_names.clone()),
                    &first.name,
                ),
                field(
                    "action",
                    "action",
                    choice(&ACTIONS),
                    action_name(first.action),
                ),
                field(
                    "immunity_s",
                    "immunity, s (empty: the web ACL's)",
                    Input::Text("300"),
                    first.immunity_s.map(|s| s.to_string()).unwrap_or_default(),
                ),
            ],
        ));
        out.push(form(
            key("rule-labels"),
            "Change a rule's labels",
            "§27",
            "set_waf_rule_labels",
            id(),
            vec![
                field("name", "rule", Input::Choice(rule_names), &first.name),
                field(
                    "labels",
                    "labels added (commas between)",
                    Input::Text("app:admin"),
                    first.labels.join(", "),
                ),
            ],
        ));
    }
    out
}

fn health_check(hc: &super::dnsconf::HealthCheck) -> Form {
    let endpoint = hc
        .ip
        .map(|ip| ip.to_string())
        .or_else(|| hc.domain.clone())
        .unwrap_or_else(|| "alb".into());
    let (children, rule) = match &hc.calculated {
        Some(c) => (
            c.children.join(", "),
            match c.rule {
                super::dnsconf::CalcRule::All => "all".to_string(),
                super::dnsconf::CalcRule::Any => "any".to_string(),
                super::dnsconf::CalcRule::AtLeast(n) => format!("at_least {n}"),
            },
        ),
        None => ("-".to_string(), String::new()),
    };
    let mut f = form(
        format!("hc-{}", hc.id),
        format!("Health check {}", hc.id),
        "§4",
        "set_health_check",
        vec![("id", hc.id.clone())],
        vec![
            field(
                "type",
                "type",
                choice(&["HTTP", "HTTPS", "TCP", "HTTP_STR_MATCH", "HTTPS_STR_MATCH"]),
                hc.check_type.name(),
            ),
            field(
                "search_string",
                "search string (string match)",
                Input::Text("OK"),
                if hc.search_string.is_empty() {
                    "-".to_string()
                } else {
                    hc.search_string.clone()
                },
            ),
            field(
                "endpoint",
                "endpoint (IP, domain or alb)",
                Input::Text("alb"),
                endpoint,
            ),
            field("port", "port", Input::Text("443"), hc.port),
            field(
                "checker_regions",
                "checker Regions",
                Input::Text("default"),
                if hc.checker_regions.is_empty() {
                    "default".to_string()
                } else {
                    hc.checker_regions.join(", ")
                },
            ),
            field(
                "inverted",
                "inverted",
                choice(&["false", "true"]),
                hc.inverted,
            ),
            field(
                "disabled",
                "disabled",
                choice(&["false", "true"]),
                hc.disabled,
            ),
            field(
                "children",
                "calculated from (ids; - probes)",
                Input::Text("hc-a, hc-b"),
                children,
            ),
            field(
                "rule",
                "calculated rule",
                Input::Text("all, any, at_least 2"),
                rule,
            ),
        ],
    );
    f.only_changed = true;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(w: &World) -> Vec<String> {
        w.topology().nodes().map(|n| n.id.clone()).collect()
    }

    /// Every form of every component, in the default world: its prefilled
    /// values make an edit the engine accepts, so a learner who presses a
    /// form's button unchanged is never refused.
    #[test]
    fn every_prefilled_form_makes_an_edit_the_engine_accepts() {
        let w = World::default_world();
        let mut seen = 0;
        for n in nodes(&w) {
            for f in forms(&w, &n) {
                let e = f
                    .edit(&f.values())
                    .unwrap_or_else(|e| panic!("{}: {e}", f.key));
                let mut w2 = w.clone();
                w2.apply_edit(&e)
                    .unwrap_or_else(|e| panic!("{} refused: {e}", f.key));
                seen += 1;
            }
        }
        assert!(seen >= 20, "only {seen} forms");
    }

    /// Every edit kind of the settings the inspector had no form for has
    /// one now, on some component of the default world.
    #[test]
    fn every_setting_edit_kind_has_a_form_in_the_default_world() {
        let w = World::default_world();
        let kinds: Vec<&str> = nodes(&w)
            .iter()
            .flat_map(|n| forms(&w, n))
            .map(|f| f.kind)
            .collect();
        for k in [
            "set_client_tls",
            "set_origin_keep_alive",
            "set_ip_address_type",
            "set_shield",
            "set_waf_default_action",
            "set_waf_token_immunity",
            "set_waf_body_limit",
            "add_waf_match_rule",
            "add_waf_label_rule",
            "add_waf_managed_group",
            "set_waf_rule_action",
            "set_waf_rule_labels",
            "set_alb_idle_timeout",
            "set_listener_tls_policy",
            "set_target_group_health",
            "set_app_keep_alive",
            "set_health_check",
            "set_app_delay",
            "set_traffic_policy",
            "set_probe",
            "set_hpa",
            "set_ingress_annotation",
            "add_ingress",
            "set_client_ipv6",
            "set_client_keepalive",
            "set_deregistration_delay",
            "set_slow_start",
            "set_db_pool",
            "set_db_deployment",
            "set_db_public",
            "add_db_reader",
            "set_db_routing",
            "add_vpc_cidr",
            "set_main_route_table",
            "create_nacl",
            "create_peering",
            "create_gateway_endpoint",
            "create_interface_endpoint",
            "assign_vpc_ipv6",
            "create_egress_only_igw",
        ] {
            assert!(kinds.contains(&k), "no form for {k}");
        }
    }

    /// The VPC's forms, pressed unchanged one after the other, build a
    /// peering, two endpoints and a secondary CIDR; then the peering's,
    /// the endpoints' and a subnet's forms are accepted too. Fact sheet
    /// §10, §12, §21, §22.
    #[test]
    fn the_vpc_forms_build_a_peering_and_endpoints_whose_own_forms_work() {
        let mut w = World::default_world();
        for f in forms(&w, "igw-a") {
            let e = f.edit(&f.values()).unwrap();
            w.apply_edit(&e)
                .unwrap_or_else(|e| panic!("{} refused: {e}", f.key));
        }
        let v = &w.scenario().regions[0].vpc;
        assert_eq!(v.secondary_cidrs.len(), 1);
        assert_eq!(v.gateway_endpoints.len(), 1);
        assert_eq!(v.interface_endpoints.len(), 1);
        let mut kinds = Vec::new();
        for node in ["pcx-ab", "vpce-s3-a", "subnet-app-a1"] {
            for f in forms(&w, node) {
                let e = f.edit(&f.values()).unwrap();
                w.apply_edit(&e)
                    .unwrap_or_else(|e| panic!("{} refused: {e}", f.key));
                kinds.push(f.kind);
            }
        }
        for k in [
            "accept_peering",
            "delete_peering",
            "delete_endpoint",
            "disassociate_route_table",
            "associate_nacl",
            "disassociate_nacl",
        ] {
            assert!(kinds.contains(&k), "no form for {k}");
        }
        assert!(forms(&w, "igw-a")
            .iter()
            .any(|f| f.kind == "remove_vpc_cidr"));
    }

    fn form_of(w: &World, node: &str, key_start: &str) -> Form {
        forms(w, node)
            .into_iter()
            .find(|f| f.key.starts_with(key_start))
            .unwrap()
    }

    /// A changed field reaches the scenario: the ALB's idle timeout (§8).
    #[test]
    fn a_changed_idle_timeout_is_the_albs_new_setting_fact_sheet_8() {
        let mut w = World::default_world();
        let alb = w.scenario().regions[0].alb.id.clone();
        let f = form_of(&w, &alb, "idle-timeout");
        let e = f.edit(&["30".into()]).unwrap();
        w.apply_edit(&e).unwrap();
        assert_eq!(w.scenario().regions[0].alb.idle_timeout_s, 30);
        let f = form_of(&w, &alb, "idle-timeout");
        assert_eq!(f.fields[0].value, "30");
    }

    /// A value out of AWS's range is refused by the edit and changes
    /// nothing (§8: 1-4,000 s).
    #[test]
    fn an_idle_timeout_out_of_range_is_refused_and_changes_nothing_fact_sheet_8() {
        let mut w = World::default_world();
        let before = w.clone();
        let alb = w.scenario().regions[0].alb.id.clone();
        let f = form_of(&w, &alb, "idle-timeout");
        let e = f.edit(&["5000".into()]).unwrap();
        assert!(w.apply_edit(&e).is_err());
        assert_eq!(w, before);
    }

    /// A form that sets only what changed leaves the other settings alone:
    /// a calculated health check takes no probe settings, yet its form is
    /// accepted with one changed field (§4).
    #[test]
    fn a_health_check_form_sends_only_the_changed_fields_fact_sheet_4() {
        let w = World::default_world();
        let zone = w.scenario().dns.zone.id.clone();
        let f = forms(&w, &zone).into_iter().next().unwrap();
        let mut v = f.values();
        let inv = f.fields.iter().position(|x| x.name == "inverted").unwrap();
        v[inv] = "true".into();
        let Edit::SetHealthCheck { inverted, port, .. } = f.edit(&v).unwrap() else {
            panic!("not set_health_check")
        };
        assert_eq!(inverted, "true");
        assert_eq!(port, "");
    }

    /// The browser's 0-RTT switch is a JSON boolean in the script format.
    #[test]
    fn a_toggle_becomes_a_json_boolean_fact_sheet_26() {
        let w = World::default_world();
        let c = w.scenario().clients[0].id.clone();
        let f = form_of(&w, &c, "tls-");
        let e = f.edit(&["1.3".into(), "true".into()]).unwrap();
        assert!(matches!(
            e,
            Edit::SetClientTls {
                early_data: true,
                ..
            }
        ));
    }

    /// The folded title line reads a toggle as on or off, not as `false`.
    #[test]
    fn a_forms_summary_reads_a_toggle_as_on_or_off() {
        let w = World::default_world();
        let tls = forms(&w, "client-na")
            .into_iter()
            .find(|f| f.kind == "set_client_tls")
            .expect("a TLS form");
        assert_eq!(tls.summary(), "1.3 · early data: off");
    }
}
