//! The glossary of explanation codes: what each code means in one line,
//! and the public page (AWS, Kubernetes, MDN) a learner can read to learn
//! more — opened by the learner, never fetched by Hoplab. The pages are
//! the sources of the fact sheet (its §20).

use super::trace::Code;

/// Every code, in the order the glossary lists them (the request's path).
pub const ALL_CODES: [Code; 63] = [
    Code::BrowserCacheHit,
    Code::DnsCacheHit,
    Code::DnsCacheMiss,
    Code::DnsReferral,
    Code::DnsCname,
    Code::DnsAnswer,
    Code::DnsNodata,
    Code::DnsNxdomain,
    Code::DnsServfail,
    Code::HealthCheckFailover,
    Code::HappyEyeballs,
    Code::Ipv6Fallback,
    Code::ShieldMitigation,
    Code::RequestTooLarge,
    Code::ViewerProtocolPolicy,
    Code::MethodNotAllowed,
    Code::CacheHit,
    Code::CacheMiss,
    Code::WafRuleBlock,
    Code::WafDefaultAllow,
    Code::WafInterstitial,
    Code::CertificateMismatch,
    Code::TooManyRedirects,
    Code::NoRouteToDestination,
    Code::SubnetAclRestriction,
    Code::EniSgRulesMismatch,
    Code::IgwPublicIpAssociationForEgress,
    Code::IgwPrivateIpAssociationForIngress,
    Code::NatGatewayOutboundOnly,
    Code::EigwOutboundOnly,
    Code::Elbv2ListenerPortRestriction,
    Code::ProtocolRestriction,
    Code::NoSourceOrDestination,
    Code::UnsupportedComponent,
    Code::EniSourceDestCheckRestriction,
    Code::PcxRequiresAddressInVpcCidr,
    Code::BadStateRoute,
    Code::VpceGatewayProtocolRestriction,
    Code::ConnectionTimeout,
    Code::ConnectionRefused,
    Code::TargetClosedConnection,
    Code::TlsHandshakeFailure,
    Code::ClientKeepaliveEnded,
    Code::NlbIdleTimeoutReset,
    Code::Elbv2ListenersMismatch,
    Code::ElbNotCrosszone,
    Code::Elbv2NoTargetsInAz,
    Code::Elbv2SourceAddressPreservation,
    Code::ListenerRuleMatch,
    Code::ListenerDefaultAction,
    Code::TargetUnhealthy,
    Code::NoHealthyTargets,
    Code::AlbGenerated,
    Code::ClientClosed,
    Code::IngressRuleMatch,
    Code::ServiceEndpointPick,
    Code::NoLocalEndpoint,
    Code::DeregistrationDelayEnded,
    Code::DbPoolReset,
    Code::DbReadOnly,
    Code::ComponentDown,
    Code::TargetError,
    Code::Delivered,
];

const R53: &str = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/";
const CF: &str = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/";
const ALB: &str = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/";
const VPC: &str = "https://docs.aws.amazon.com/vpc/latest/userguide/";
const RA: &str = "https://docs.aws.amazon.com/vpc/latest/reachability/";
const NLB: &str = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/";

impl Code {
    /// What the code means, in one line.
    pub fn meaning(self) -> &'static str {
        match self {
            Code::BrowserCacheHit => "The browser had a fresh copy in its own HTTP cache: nothing left the machine.",
            Code::DnsCacheHit => "A DNS cache (browser, OS or resolver) still held the answer, so no server was asked.",
            Code::DnsCacheMiss => "No cache held the answer: the question goes one step further.",
            Code::DnsReferral => "A name server does not know the answer but says which servers do (root → .com → the zone).",
            Code::DnsCname => "The name is an alias (CNAME) of another name: the resolver asks again for that name.",
            Code::DnsAnswer => "The authoritative server answered with the records, cached for their TTL.",
            Code::DnsNodata => "The name exists but has no record of the asked type (NOERROR, empty answer).",
            Code::DnsNxdomain => "The name does not exist; the \"no\" is cached for the zone's negative TTL.",
            Code::DnsServfail => "The resolver could not get an answer (the servers failed or could not be reached).",
            Code::HealthCheckFailover => "Route 53 answered with another record because a health check marked the first unhealthy.",
            Code::ViewerProtocolPolicy => "CloudFront refused plain HTTP on a behaviour that requires HTTPS (403).",
            Code::RequestTooLarge => "The request went past a size limit: CloudFront's URL or request length (413), the ALB's request line (414) or headers (400).",
            Code::ShieldMitigation => "AWS Shield stopped flood traffic: Standard absorbs SYN floods and UDP reflection; Advanced can also block an HTTP flood.",
            Code::MethodNotAllowed => "The method is not accepted here: CloudFront's allowed methods, or a 405 from the ALB or the application.",
            Code::CacheHit => "CloudFront answered from its cache (an object, a stale copy, or a cached error) without the origin.",
            Code::CacheMiss => "CloudFront had no fresh copy and asked the origin.",
            Code::WafRuleBlock => "A WAF rule matched with a Block action: the request ends with 403 at the web ACL.",
            Code::WafDefaultAllow => "No WAF rule blocked the request; the web ACL's default action let it through.",
            Code::WafInterstitial => "A WAF CAPTCHA or Challenge rule matched a request without a valid token: WAF answered 405 (CAPTCHA) or 202 (Challenge) with its interstitial.",
            Code::CertificateMismatch => "The server's certificate does not name the host that was asked for: the TLS handshake fails.",
            Code::TooManyRedirects => "The browser gave up following a chain of redirects.",
            Code::NoRouteToDestination => "The subnet's route table has no route that matches the destination address.",
            Code::SubnetAclRestriction => "A network ACL rule (stateless, checked in number order) denied the packet at a subnet's edge.",
            Code::EniSgRulesMismatch => "No security group rule allows this traffic (security groups have allow rules only).",
            Code::ConnectionTimeout => "Nothing answered in time (a packet silently dropped, or a hung process).",
            Code::ConnectionRefused => "The address answered with a reset: nothing listens there (a crashed process).",
            Code::TlsHandshakeFailure => "The two sides share no TLS version: the listener's security policy refuses what the sender offers.",
            Code::TargetClosedConnection => "The target closed an idle connection as the load balancer sent a request on it: its keep-alive is shorter than the load balancer's idle timeout (502).",
            Code::DeregistrationDelayEnded => "A deregistered target drained for its deregistration delay with no new requests; when the delay ended the load balancer closed the connections it still held to it.",
            Code::ClientKeepaliveEnded => "The load balancer closes a client's connection once its HTTP client keep-alive duration has passed since it opened, even an active one: one more request, then Connection: close or GOAWAY.",
            Code::DbPoolReset => "The application's pooled database connections broke (a failover or a failed instance), so it opens a new connection to the database.",
            Code::DbReadOnly => "A write reached a read-only database instance (a reader endpoint's replica, or a writer name cached past a failover) and was refused: PostgreSQL SQLSTATE 25006, MySQL ERROR 1290.",
            Code::ListenerRuleMatch => "An ALB listener rule's conditions matched, in priority order; its action decides.",
            Code::ListenerDefaultAction => "No listener rule matched; the listener's default action applies.",
            Code::TargetUnhealthy => "The ALB does not send to this target: its health checks failed.",
            Code::NoHealthyTargets => "The target group has no target the ALB may use: the ALB answers 503 itself.",
            Code::AlbGenerated => "The ALB generated this answer itself (400, 460, 463, 502, 503, 504), not its target.",
            Code::ClientClosed => "The client closed the connection before the ALB answered (460).",
            Code::IngressRuleMatch => "The Kubernetes Ingress path rule chose the Service the request goes to.",
            Code::ServiceEndpointPick => "The Service sent the request to one of its ready endpoints (pods).",
            Code::NoLocalEndpoint => "externalTrafficPolicy Local and no ready pod on the node the traffic reached: kube-proxy drops it, and the node fails its healthCheckNodePort.",
            Code::ComponentDown => "A component on the path is down (a fault: pod, node, AZ, Region or database).",
            Code::TargetError => "The target itself answered with an error, passed through unchanged.",
            Code::Delivered => "The hop did its work and passed the request or answer on.",
            Code::HappyEyeballs => "A dual-stack browser asked for AAAA and A and picked the IP version to connect with, IPv6 first when it has an address (Happy Eyeballs).",
            Code::IgwPublicIpAssociationForEgress => "The source has no public IPv4 address: the internet gateway has nothing to translate its private address to, so the packet cannot leave for the internet.",
            Code::IgwPrivateIpAssociationForIngress => "The destination has no public IPv4 address: nothing on the internet can address it, so the internet gateway has no interface to deliver to.",
            Code::NatGatewayOutboundOnly => "A NAT gateway only carries connections that its private subnets start; nothing can open a connection to it or through it from the internet (Hoplab's code: Reachability Analyzer has none).",
            Code::EigwOutboundOnly => "An egress-only internet gateway carries IPv6 connections that the VPC starts, and their replies; a connection started on the internet gets no reply through it (Hoplab's code: Reachability Analyzer analyses IPv4 only).",
            Code::Elbv2ListenerPortRestriction => "The load balancer has no listener on this protocol and port, so it accepts no connection there.",
            Code::ProtocolRestriction => "The path cannot carry this protocol or port (a port of 0, an ICMP type over 255, or a service that answers one port only).",
            Code::NoSourceOrDestination => "The source or destination is not a component or address of this world (or both ends are the same, or both on the internet).",
            Code::UnsupportedComponent => "This kind of component cannot start or end a path: pick an instance, a pod, a database, a load balancer, a NAT gateway, a client or an address.",
            Code::EniSourceDestCheckRestriction => "A route sends the packet through an instance whose source/destination check is on: its interface drops traffic that is not addressed to or from itself.",
            Code::PcxRequiresAddressInVpcCidr => "A peering connection carries only traffic addressed to the peer VPC's own CIDRs: it is not transitive, and a peered VPC cannot use the other's internet gateway, NAT gateway or gateway endpoint.",
            Code::BadStateRoute => "The route leads to a peering connection that is not active (pending acceptance, failed or deleted): the route is a blackhole.",
            Code::VpceGatewayProtocolRestriction => "A gateway endpoint carries TCP (and ICMP echo) only to its service.",
            Code::Ipv6Fallback => "The browser's IPv6 attempt failed or went unanswered, so it connected over IPv4 once the 250 ms connection attempt delay had passed.",
            Code::NlbIdleTimeoutReset => "A Network Load Balancer forgets an idle connection after its idle timeout (TCP 350 s unless configured): data the client sends after that gets a TCP RST, and the client must connect again.",
            Code::Elbv2ListenersMismatch => "No listener of the load balancer takes this protocol and port: a Network Load Balancer node resets the connection.",
            Code::Elbv2NoTargetsInAz => "Cross-zone load balancing is off and this node's Availability Zone has no target in service: the node has nowhere to send the connection.",
            Code::ElbNotCrosszone => "Cross-zone load balancing is off (a Network Load Balancer's default): each node sends only to targets in its own Availability Zone.",
            Code::Elbv2SourceAddressPreservation => "Client IP preservation is on: the target sees the client's own address, so its security group must allow the client, not the load balancer.",
        }
    }

    /// The public page to learn more from (opened by the learner).
    pub fn learn_more(self) -> String {
        let (base, page) = match self {
            Code::BrowserCacheHit => ("https://developer.mozilla.org/docs/Web/HTTP/", "Caching"),
            Code::DnsCacheHit | Code::DnsCacheMiss | Code::DnsReferral | Code::DnsAnswer => {
                (R53, "welcome-dns-service.html")
            }
            Code::DnsCname | Code::DnsNodata | Code::DnsNxdomain | Code::DnsServfail => {
                (R53, "DNSBehavior.html")
            }
            Code::HealthCheckFailover => (R53, "dns-failover-determining-health-of-endpoints.html"),
            Code::ViewerProtocolPolicy => (CF, "using-https-viewers-to-cloudfront.html"),
            Code::RequestTooLarge => (CF, "cloudfront-limits.html"),
            Code::ShieldMitigation => (
                "https://docs.aws.amazon.com/waf/latest/developerguide/",
                "ddos-standard-summary.html",
            ),
            Code::CacheHit | Code::CacheMiss => (CF, "HTTPStatusCodes.html"),
            Code::WafInterstitial => (
                "https://docs.aws.amazon.com/waf/latest/developerguide/",
                "waf-captcha-and-challenge.html",
            ),
            Code::WafRuleBlock | Code::WafDefaultAllow => (
                "https://docs.aws.amazon.com/waf/latest/developerguide/",
                "web-acl-processing-order.html",
            ),
            Code::CertificateMismatch => (ALB, "create-https-listener.html"),
            Code::NoRouteToDestination => (VPC, "VPC_Route_Tables.html"),
            Code::IgwPublicIpAssociationForEgress => (VPC, "VPC_Internet_Gateway.html"),
            Code::IgwPrivateIpAssociationForIngress => (VPC, "VPC_Internet_Gateway.html"),
            Code::NatGatewayOutboundOnly => (VPC, "vpc-nat-gateway.html"),
            Code::EigwOutboundOnly => (VPC, "egress-only-internet-gateway.html"),
            Code::Elbv2ListenerPortRestriction => (ALB, "load-balancer-listeners.html"),
            Code::ProtocolRestriction => (RA, "explanation-codes.html"),
            Code::NoSourceOrDestination => (RA, "explanation-codes.html"),
            Code::UnsupportedComponent => (RA, "explanation-codes.html"),
            Code::EniSourceDestCheckRestriction => (
                "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/",
                "using-eni.html",
            ),
            Code::SubnetAclRestriction => (VPC, "vpc-network-acls.html"),
            Code::PcxRequiresAddressInVpcCidr | Code::BadStateRoute => (
                "https://docs.aws.amazon.com/vpc/latest/peering/",
                "vpc-peering-basics.html",
            ),
            Code::VpceGatewayProtocolRestriction => (RA, "explanation-codes.html"),
            Code::EniSgRulesMismatch => (VPC, "security-group-rules.html"),
            Code::ListenerRuleMatch | Code::ListenerDefaultAction | Code::MethodNotAllowed => {
                (ALB, "load-balancer-listeners.html")
            }
            Code::TargetUnhealthy | Code::NoHealthyTargets => {
                (ALB, "target-group-health-checks.html")
            }
            Code::AlbGenerated
            | Code::ClientClosed
            | Code::TargetError
            | Code::TooManyRedirects
            | Code::ConnectionTimeout
            | Code::ConnectionRefused => (ALB, "load-balancer-troubleshooting.html"),
            Code::TargetClosedConnection | Code::ClientKeepaliveEnded => {
                (ALB, "edit-load-balancer-attributes.html")
            }
            Code::DeregistrationDelayEnded => (ALB, "edit-target-group-attributes.html"),
            Code::Elbv2ListenersMismatch => (NLB, "load-balancer-listeners.html"),
            Code::NlbIdleTimeoutReset => {
                (NLB, "network-load-balancers.html#connection-idle-timeout")
            }
            Code::Elbv2NoTargetsInAz | Code::ElbNotCrosszone => {
                (NLB, "network-load-balancers.html#cross-zone-load-balancing")
            }
            Code::Elbv2SourceAddressPreservation => (
                NLB,
                "edit-target-group-attributes.html#client-ip-preservation",
            ),
            Code::DbPoolReset => (
                "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/",
                "Concepts.MultiAZSingleStandby.html",
            ),
            Code::DbReadOnly => (
                "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/",
                "Aurora.Overview.Endpoints.html",
            ),
            Code::TlsHandshakeFailure => (ALB, "describe-ssl-policies.html"),
            Code::IngressRuleMatch => (
                "https://kubernetes.io/docs/concepts/services-networking/",
                "ingress/",
            ),
            Code::NoLocalEndpoint => (
                "https://kubernetes.io/docs/tasks/access-application-cluster/",
                "create-external-load-balancer/",
            ),
            Code::ServiceEndpointPick => (
                "https://kubernetes.io/docs/concepts/services-networking/",
                "service/",
            ),
            Code::ComponentDown => (
                "https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/",
                "availability-zones.html",
            ),
            Code::Delivered => (CF, "HowCloudFrontWorks.html"),
            Code::HappyEyeballs | Code::Ipv6Fallback => {
                ("https://www.rfc-editor.org/rfc/", "rfc8305.html")
            }
        };
        format!("{base}{page}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_glossary_once_with_a_meaning_and_a_public_page() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ALL_CODES {
            assert!(seen.insert(c.as_str()), "{c} listed twice");
            assert!(c.meaning().len() > 20 && c.meaning().ends_with('.'), "{c}");
            assert!(c.learn_more().starts_with("https://"), "{c}");
        }
        // A code added to the enum must be added here: serde lists every
        // variant when it refuses an unknown one.
        let err = serde_json::from_str::<Code>("\"NOT_A_CODE\"")
            .unwrap_err()
            .to_string();
        let listed = err.matches('`').count() / 2 - 1;
        assert_eq!(listed, ALL_CODES.len(), "{err}");
    }
}
