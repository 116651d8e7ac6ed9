//! Every quota and range Hoplab enforces, in one place, each named after
//! the AWS rule it stands for and citing the fact sheet
//! (`../shared/reference/aws-facts.md`) section it comes from. Validation
//! (`scenario/validate.rs`, `scenario/refs.rs`, `dns/validate.rs`) and the
//! edits read them from here; the README's "Limits Hoplab enforces" lists
//! them section by section.

use std::ops::RangeInclusive;

// ------------------------------------------------------------ §2 alias records

/// The TTL Route 53 answers an alias to an AWS resource with (ELB and, in
/// this model, CloudFront): the record itself cannot set one. Fact sheet §2.
pub const ALIAS_RESOURCE_TTL_S: u32 = 60;

// ------------------------------------------------------------ §3, §4 Route 53

/// A weighted record's weight. Fact sheet §3.
pub const R53_WEIGHTS: RangeInclusive<u32> = 0..=255;
/// Weighted records with one name and type. Fact sheet §3.
pub const R53_MAX_WEIGHTED_RECORDS: usize = 100;
/// Geoproximity bias. Fact sheet §3.
pub const R53_GEOPROXIMITY_BIAS: RangeInclusive<i32> = -99..=99;
/// Prefix lengths of an IPv4 block in a CIDR collection. Fact sheet §3.
pub const R53_CIDR_BLOCK_PREFIX: RangeInclusive<u8> = 1..=24;
/// Health-check failure threshold. Fact sheet §4.
pub const R53_FAILURE_THRESHOLD: RangeInclusive<u32> = 1..=10;
/// Health-check request intervals, seconds. Fact sheet §4.
pub const R53_INTERVALS_S: [u32; 2] = [10, 30];
/// Children of a calculated health check (one page says 255). Fact sheet §4.
pub const R53_MAX_CALCULATED_CHILDREN: usize = 256;
/// Checker Regions a custom set needs at least. Fact sheet §4.
pub const R53_MIN_CHECKER_REGIONS: usize = 3;
/// Characters of a string-matching check's search string. Fact sheet §4.
pub const R53_SEARCH_STRING_CHARS: RangeInclusive<usize> = 1..=255;
/// Bytes of the body a string-matching check searches. Fact sheet §4.
pub const R53_STR_MATCH_BYTES: usize = 5_120;
/// Seconds an HTTP(S) check waits for the TCP connection. Fact sheet §4.
pub const R53_HTTP_CONNECT_S: u64 = 4;
/// Seconds an HTTP(S) check waits for the status after connecting. Fact sheet §4.
pub const R53_HTTP_RESPONSE_S: u64 = 2;
/// Seconds a TCP check waits for the connection. Fact sheet §4.
pub const R53_TCP_CONNECT_S: u64 = 10;

// ------------------------------------------------------------ §5 CloudFront

/// Origin connection attempts. Fact sheet §5.
pub const CF_CONNECTION_ATTEMPTS: RangeInclusive<u32> = 1..=3;
/// Origin connection timeout, seconds. Fact sheet §5.
pub const CF_CONNECTION_TIMEOUT_S: RangeInclusive<u32> = 1..=10;
/// Origin response (read) timeout, seconds. Fact sheet §5.
pub const CF_RESPONSE_TIMEOUT_S: RangeInclusive<u32> = 1..=60;
/// Characters in a cache behaviour's path pattern. Fact sheet §5.
pub const CF_MAX_PATH_PATTERN: usize = 255;
/// Bytes in the URL CloudFront builds from a viewer request; past it,
/// 413. Fact sheet §5 (CloudFront quotas, "Maximum length of a URL").
pub const CF_MAX_URL: usize = 8_192;
/// Bytes in a viewer request's request line and headers (not the body);
/// past it, 413. Fact sheet §5 (CloudFront quotas, "Maximum length of a
/// request").
pub const CF_MAX_REQUEST: usize = 20_480;

// ------------------------------------------------------------ §6 WAF

/// Rate-based rule evaluation windows, seconds (2024+). Fact sheet §6.
pub const WAF_RATE_WINDOWS_S: [u32; 4] = [60, 120, 300, 600];
/// The lowest rate limit per window (2024+; 100 before). Fact sheet §6.
pub const WAF_MIN_RATE_LIMIT: u32 = 10;
/// Rate-based rules per web ACL. Fact sheet §27.
pub const WAF_MAX_RATE_RULES: usize = 10;
/// Entries in one IP set. Fact sheet §6.
pub const WAF_MAX_IP_SET_ENTRIES: usize = 10_000;
/// A web ACL's capacity, WCUs (above 1,500 only costs more). Fact sheet §6, §27.
pub const WAF_MAX_WEB_ACL_WCU: u32 = 5_000;
/// Text transformations per statement (current quota). Fact sheet §27.
pub const WAF_MAX_TRANSFORMS: usize = 10;
/// Characters in a string match's search string. Fact sheet §27.
pub const WAF_MAX_SEARCH_LEN: usize = 200;
/// Patterns in a regex pattern set, and characters in each. Fact sheet §27.
pub const WAF_MAX_REGEX_PATTERNS: usize = 10;
pub const WAF_MAX_REGEX_LEN: usize = 200;
/// Immunity times, seconds: CAPTCHA from 60, Challenge from 300, both up
/// to 3 days. Fact sheet §27.
pub const WAF_CAPTCHA_IMMUNITY_S: std::ops::RangeInclusive<u32> = 60..=259_200;
pub const WAF_CHALLENGE_IMMUNITY_S: std::ops::RangeInclusive<u32> = 300..=259_200;
/// CloudFront web ACL body inspection limits, KB; a regional ACL's is 8.
/// Fact sheet §6, §27.
pub const WAF_CLOUDFRONT_BODY_KB: [u32; 4] = [16, 32, 48, 64];
pub const WAF_REGIONAL_BODY_KB: u32 = 8;
/// Headers and cookies: first 8 KB and first 200 items. Fact sheet §27.
pub const WAF_HEADER_LIMIT_BYTES: usize = 8 * 1024;
pub const WAF_HEADER_LIMIT_ITEMS: usize = 200;

// ------------------------------------------------------------ §8 ALB

/// Availability Zone subnets an ALB must be placed in, at least. Fact sheet §8.
pub const ALB_MIN_AZS: usize = 2;
/// The longest prefix of an ALB subnet: /27 (and 8 free addresses). Fact sheet §8.
pub const ALB_MAX_SUBNET_PREFIX: u8 = 27;
/// Listener rules per load balancer, not counting the default. Fact sheet §8.
pub const MAX_LISTENER_RULES: usize = 100;
/// Listener rule priorities. Fact sheet §8.
pub const LISTENER_PRIORITIES: RangeInclusive<u32> = 1..=50_000;
/// Values in one listener-rule condition (OR-ed). Fact sheet §8.
pub const MAX_VALUES_PER_CONDITION: usize = 3;
/// Condition values in one listener rule, all conditions together. Fact sheet §8.
pub const MAX_CONDITION_VALUES_PER_RULE: usize = 5;
/// Wildcards (`*`, `?`) in one listener rule. Fact sheet §8.
pub const MAX_WILDCARDS_PER_RULE: usize = 5;
/// Characters in a path-pattern condition value. Fact sheet §8.
pub const MAX_PATH_PATTERN: usize = 128;
/// Certificates on an HTTPS listener: the default plus 25. Fact sheet §8.
pub const MAX_CERTIFICATES: usize = 26;
/// Target groups in one (weighted) forward action. Fact sheet §8.
pub const MAX_FORWARD_GROUPS: usize = 5;
/// A target group's weight in a weighted forward. Fact sheet §8.
pub const FORWARD_WEIGHTS: RangeInclusive<u32> = 0..=999;
/// Bytes in a request line the ALB accepts (16 K); past it, 414. Fact sheet §8.
pub const ALB_MAX_REQUEST_LINE: usize = 16 * 1024;
/// Bytes in one request header line (16 K); past it, 400. Fact sheet §8.
pub const ALB_MAX_HEADER: usize = 16 * 1024;
/// Bytes in the whole request header (64 K); past it, 400. Fact sheet §8.
pub const ALB_MAX_HEADER_SECTION: usize = 64 * 1024;
/// Redirect statuses. Fact sheet §8.
pub const REDIRECT_STATUSES: [u16; 2] = [301, 302];
/// Target-group health-check interval, seconds. Fact sheet §8.
pub const HEALTH_INTERVAL_S: RangeInclusive<u32> = 5..=300;
/// Target-group health-check timeout, seconds. Fact sheet §8.
pub const HEALTH_TIMEOUT_S: RangeInclusive<u32> = 2..=120;
/// Healthy and unhealthy thresholds. Fact sheet §8.
pub const HEALTH_THRESHOLDS: RangeInclusive<u32> = 2..=10;
/// Status codes a target group's health-check matcher may accept (gRPC
/// aside). Fact sheet §8.
pub const ALB_HC_MATCHER_CODES: RangeInclusive<u16> = 200..=499;
/// The matcher's default: HTTP 200 only. Fact sheet §8.
pub const ALB_HC_DEFAULT_MATCHER: &str = "200";
/// Deregistration delay, seconds. Fact sheet §8.
pub const DEREGISTRATION_DELAY_S: RangeInclusive<u32> = 0..=3_600;
/// Duration-based stickiness, seconds: 1 s to 7 days. Fact sheet §8.
pub const STICKINESS_S: RangeInclusive<u32> = 1..=604_800;

/// Whether an ALB may answer with `status` itself (a fixed response or the
/// listener's default action): 2XX, 4XX or 5XX. Fact sheet §8.
pub fn fixed_response_status_ok(status: u16) -> bool {
    matches!(status, 200..=299 | 400..=599)
}

// ------------------------------------------------------------ §10 VPC

/// Prefix lengths of a VPC or subnet IPv4 block: /16 to /28. Fact sheet §10.
pub const VPC_PREFIX: RangeInclusive<u8> = 16..=28;
/// Subnets per VPC. Fact sheet §10.
pub const MAX_SUBNETS_PER_VPC: usize = 200;
/// Route tables per VPC. Fact sheet §10.
pub const MAX_ROUTE_TABLES_PER_VPC: usize = 200;
/// Non-propagated routes per route table. Fact sheet §10.
pub const MAX_ROUTES_PER_TABLE: usize = 50;
/// NAT gateways per Availability Zone. Fact sheet §10.
pub const MAX_NAT_PER_AZ: usize = 5;
/// Network ACLs per VPC. Fact sheet §12.
pub const MAX_NACLS_PER_VPC: usize = 200;
/// Secondary IPv4 blocks per VPC (default; up to 50). Fact sheet §10.
pub const MAX_SECONDARY_CIDRS: usize = 5;
/// Active (and pending) peering connections per VPC (adjustable to 125).
/// Fact sheet §21.
pub const MAX_PEERINGS_PER_VPC: usize = 50;
/// Gateway endpoints per Region (adjustable); a Region holds one VPC
/// here. Fact sheet §22.
pub const MAX_GATEWAY_ENDPOINTS: usize = 20;
/// Interface (and Gateway Load Balancer) endpoints per VPC. Fact sheet §22.
pub const MAX_INTERFACE_ENDPOINTS_PER_VPC: usize = 50;
/// The block no VPC may use as a secondary CIDR. Fact sheet §10.
pub const RESTRICTED_BLOCK: &str = "198.19.0.0/16";

// ------------------------------------------------------------ §11 security groups

/// Rules per security group, direction and IP version (60 IPv4 and 60
/// IPv6 rules may coexist; a rule naming a group counts for both). Fact
/// sheet §11, §19 (11).
pub const MAX_SG_RULES: usize = 60;
/// Security groups on one network interface (AWS raises it to 16). Fact sheet §11.
pub const MAX_SGS_PER_ENI: usize = 5;
/// Why a security-group rule cannot deny. Fact sheet §11.
pub const SG_ALLOW_ONLY: &str = "security groups have allow rules only: there is no deny action (deny with a network ACL rule instead; fact sheet §11)";

// ------------------------------------------------------------ §12 network ACLs

/// Rules per network ACL, direction and IP version (IPv4 and IPv6 rules
/// are counted separately; AWS raises it to 40). Fact sheet §12.
pub const MAX_NACL_RULES: usize = 20;
/// Network ACL rule numbers. Fact sheet §12.
pub const NACL_RULE_NUMBERS: RangeInclusive<u16> = 1..=32_766;

// ------------------------------------------------------------ §14, §15

/// NodePorts a Service may use. Fact sheet §14.
pub const NODE_PORTS: RangeInclusive<u16> = 30_000..=32_767;
/// Read replicas per database. Fact sheet §15.
pub const MAX_READ_REPLICAS: usize = 15;
/// Aurora Replicas per cluster (besides its writer). Fact sheet §29.
pub const MAX_AURORA_REPLICAS: usize = 15;
/// A Multi-AZ DB instance: its primary and at most one standby.
/// Fact sheet §15, §29.
pub const MULTI_AZ_INSTANCE_MAX: usize = 2;
/// A Multi-AZ DB cluster: a writer and two readable standbys, in three
/// Availability Zones. Fact sheet §29.
pub const MULTI_AZ_CLUSTER_INSTANCES: usize = 3;
/// How long a failover takes, seconds (drawn from this range): a Multi-AZ
/// DB instance 60-120 s (§15), a Multi-AZ DB cluster under 35 s, Aurora
/// under 60 s, often under 30 s (§29).
pub const FAILOVER_MULTI_AZ_INSTANCE_S: (u64, u64) = (60, 120);
pub const FAILOVER_MULTI_AZ_CLUSTER_S: (u64, u64) = (15, 35);
pub const FAILOVER_AURORA_S: (u64, u64) = (15, 60);
/// The first three octets of a publicly accessible database's public IPs
/// are the region's first ALB node's first two and this one; the fourth is
/// 10 plus the instance's position (instances, then replicas). Hoplab's
/// own numbering, as AWS picks from its pool. Fact sheet §29.
pub const PUBLIC_DB_THIRD_OCTET: u8 = 250;

// ------------------------------------------------------------ §3 places

/// Latitude in degrees, for clients and places. Fact sheet §3.
pub const LATITUDE: RangeInclusive<f64> = -90.0..=90.0;
/// Longitude in degrees. Fact sheet §3.
pub const LONGITUDE: RangeInclusive<f64> = -180.0..=180.0;

// ------------------------------------------------------------ §16 latency

/// The longest round trip a scenario may give (Hoplab's own bound: the
/// reference distances go up to about 250 ms; 10 s leaves room for a
/// satellite link and keeps every time sum far from overflowing). Fact sheet §16.
pub const MAX_RTT_MS: u32 = 10_000;

// ------------------------------------------------------------ edits

/// The most pods a `scale_pods` edit gives one application in a region
/// (Hoplab's own bound; a /24 app subnet holds 251 hosts, fact sheet §10).
pub const MAX_REPLICAS: usize = 100;
/// The most worker nodes a `scale_nodes` edit gives a region's cluster
/// (Hoplab's own bound).
pub const MAX_NODES_PER_CLUSTER: usize = 20;
/// The longest path a health check edit takes: Route 53's
/// `ResourcePath` is at most 255 characters. Fact sheet §4.
pub const MAX_HC_PATH: usize = 255;

// ------------------------------------------------------------ ids

/// The longest id a scenario part may have (Hoplab's own bound: AWS ids
/// such as `sg-0123456789abcdef0` are about 20 characters), so that a
/// message can always quote an id whole within `text::MAX_QUOTED`.
pub const MAX_ID_CHARS: usize = 80;

// ------------------------------------------------------------ connections

/// The ALB's connection idle timeout, seconds. Fact sheet §8, §26.
pub const ALB_IDLE_TIMEOUT_RANGE_S: RangeInclusive<u32> = 1..=4_000;
/// CloudFront's keep-alive timeout to a custom origin, seconds (more only
/// by a quota request). Fact sheet §26.
pub const CF_ORIGIN_KEEP_ALIVE_S: RangeInclusive<u32> = 1..=60;
/// The application's keep-alive timeout, seconds (Hoplab's range: up to
/// an hour; a server can hold longer, none in the fact sheet does).
pub const APP_KEEP_ALIVE_S: RangeInclusive<u32> = 1..=3_600;
/// The extra processing time of an application, milliseconds (Hoplab's
/// range: two minutes, past CloudFront's longest response timeout of 60 s
/// and the ALB's default idle timeout, so both timeouts can be met).
/// Fact sheet §16, §26.
pub const APP_DELAY_MS: RangeInclusive<u32> = 0..=120_000;
/// A target group's slow start duration when on, seconds (0 is off).
/// Fact sheet §8, §26.
pub const SLOW_START_S: RangeInclusive<u32> = 30..=900;
/// The ALB's HTTP client keep-alive duration, seconds: counted from the
/// connection's opening, not reset by traffic. Fact sheet §26.
pub const ALB_CLIENT_KEEPALIVE_S: RangeInclusive<u32> = 60..=604_800;
/// The ALB's client keep-alive duration by default, seconds. Fact sheet §26.
pub const ALB_CLIENT_KEEPALIVE_DEFAULT_S: u32 = 3_600;
/// Connections the application keeps open to the database, per pod (0:
/// none kept, a new connection per query). Hoplab's range; the default is
/// a common pool's (HikariCP's 10), within what an RDS instance accepts.
/// Fact sheet §15, §26.
pub const DB_POOL_SIZE: RangeInclusive<u32> = 0..=100;
/// The application's database pool size by default.
pub const DB_POOL_DEFAULT: u32 = 10;

// ------------------------------------------------------------ input sizes

/// The largest scenario file `hoplab-cli --scenario` reads (4 MiB; the
/// default scenario is about 35 KiB).
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;
/// The largest script file `hoplab-cli run` reads (4 MiB: 10,000 steps of
/// about 400 bytes).
pub const MAX_SCRIPT_BYTES: u64 = 4 << 20;
/// The largest trace file `hoplab-cli diff` reads (4 MiB; the default
/// request's JSON trace is about 45 KiB).
pub const MAX_TRACE_BYTES: u64 = 4 << 20;
/// The largest lesson file `hoplab-cli lesson check` reads (1 MiB).
pub const MAX_LESSON_BYTES: u64 = 1 << 20;
/// The largest saved world (a whole-state file, or what the app keeps in
/// the browser's localStorage: the scenario, the journal of actions, the
/// request bar): 4 MiB, within the 5 MiB localStorage gives each site.
pub const MAX_SAVED_STATE_BYTES: u64 = 4 << 20;

// ---- Kubernetes extras (fact sheet §14, §28)

/// A probe's periodSeconds, timeoutSeconds and thresholds: at least 1.
/// Kubernetes sets no upper bound; Hoplab keeps them within an hour.
/// Fact sheet §14.
pub const PROBE_SECONDS: RangeInclusive<u32> = 1..=3_600;
/// initialDelaySeconds: 0 or more (within an hour here). Fact sheet §14.
pub const PROBE_INITIAL_DELAY_S: RangeInclusive<u32> = 0..=3_600;
/// Probe thresholds (success, failure). Fact sheet §14.
pub const PROBE_THRESHOLD: RangeInclusive<u32> = 1..=100;
/// The HPA's control loop period (`--horizontal-pod-autoscaler-sync-period`).
/// Fact sheet §28.
pub const HPA_SYNC_S: u64 = 15;
/// The HPA's tolerance: no action while |ratio - 1| <= 0.1. Fact sheet §28.
pub const HPA_TOLERANCE_PERMILLE: u64 = 100;
/// Default scale-down stabilization window. Fact sheet §28.
pub const HPA_SCALE_DOWN_WINDOW_S: u64 = 300;
/// Scale-up policies per period: 100 % or 4 pods, the larger. Fact sheet §28.
pub const HPA_SCALE_UP_PODS: u32 = 4;
/// Replicas an autoscaler may ask for (Hoplab's cap; the subnets' free
/// addresses limit it further).
pub const HPA_REPLICAS: RangeInclusive<u32> = 1..=50;
/// Target CPU utilization, percent of the request.
pub const HPA_TARGET_CPU_PERCENT: RangeInclusive<u32> = 1..=1_000;
/// A pod's CPU request in millicores.
pub const HPA_CPU_REQUEST_M: RangeInclusive<u32> = 1..=64_000;
/// Hoplab's CPU model: a pod uses this much CPU idle (millicores) ...
pub const HPA_IDLE_CPU_M: u64 = 10;
/// ... plus this much CPU time per request, in milli-CPU-seconds ...
pub const HPA_CPU_MS_PER_REQUEST: u64 = 50;
/// ... a burst's requests spread over this many seconds, the load lasting
/// that long after the burst (Metrics Server's window is about a minute).
pub const HPA_LOAD_WINDOW_S: u64 = 60;

// ------------------------------------------------------------ Network Load Balancer

/// NLB listener and target group ports. Fact sheet §9.
pub const NLB_PORTS: RangeInclusive<u16> = 1..=65_535;
/// An NLB TCP listener's idle timeout by default, seconds; a TLS
/// listener's is fixed at this. Fact sheet §9, §26.
pub const NLB_TCP_IDLE_DEFAULT_S: u32 = 350;
/// The range a TCP listener's idle timeout may be set in. Fact sheet §9, §26.
pub const NLB_TCP_IDLE_S: RangeInclusive<u32> = 60..=6_000;
/// UDP flows end after this long idle. Fact sheet §26.
pub const NLB_UDP_IDLE_S: u32 = 120;
/// NLB target group health check defaults (AWS's create-target-group
/// defaults for a TCP group; the ranges are the ALB's of §8).
pub const NLB_HC_INTERVAL_DEFAULT_S: u32 = 30;
pub const NLB_HC_TIMEOUT_DEFAULT_S: u32 = 10;
pub const NLB_HC_HEALTHY_DEFAULT: u32 = 5;
pub const NLB_HC_UNHEALTHY_DEFAULT: u32 = 2;
