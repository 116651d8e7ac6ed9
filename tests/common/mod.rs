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

pub fn random_edit(rng: &mut Rng) -> Edit {
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
