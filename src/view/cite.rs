//! The fact-sheet citations in an explanation ("(fact sheet §8)") as links
//! a learner can follow: each section's public source page (the fact
//! sheet's §20), opened by the learner in a new tab, never fetched.

/// A piece of an explanation: text, or a citation with its page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhyPart {
    Text(String),
    Cite { label: String, url: &'static str },
}

/// The public page behind a fact-sheet section, when it has one (the
/// derived sections 17–20 have none).
pub fn section_page(n: u32) -> Option<&'static str> {
    Some(match n {
        1 => "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/welcome-dns-service.html",
        2 => "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html",
        3 => "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html",
        4 => "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html",
        5 => "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HowCloudFrontWorks.html",
        6 => "https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html",
        7 => "https://docs.aws.amazon.com/waf/latest/developerguide/ddos-standard-summary.html",
        8 => "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html",
        9 => "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html",
        10 => "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html",
        11 => "https://docs.aws.amazon.com/vpc/latest/userguide/security-groups.html",
        12 => "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html",
        13 => "https://kubernetes.io/docs/concepts/services-networking/ingress/",
        14 => "https://kubernetes.io/docs/concepts/services-networking/service/",
        15 => "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html",
        16 => "https://www.rfc-editor.org/rfc/rfc8446",
        21 => "https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html",
        22 => "https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html",
        23 => "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html",
        24 => "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html",
        25 => "https://docs.aws.amazon.com/vpc/latest/reachability/what-is-reachability-analyzer.html",
        26 => "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html",
        27 => "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements.html",
        28 => "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        29 => "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Endpoints.html",
        _ => return None,
    })
}

/// An explanation split at its citations: each `§N` with a page becomes a
/// link, everything else stays text.
pub fn why_parts(why: &str) -> Vec<WhyPart> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = why;
    while let Some(at) = rest.find('§') {
        let after = &rest[at + '§'.len_utf8()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let page = after[..digits].parse().ok().and_then(section_page);
        text.push_str(&rest[..at]);
        match page {
            Some(url) => {
                if !text.is_empty() {
                    out.push(WhyPart::Text(std::mem::take(&mut text)));
                }
                out.push(WhyPart::Cite {
                    label: format!("§{}", &after[..digits]),
                    url,
                });
            }
            None => {
                text.push('§');
                text.push_str(&after[..digits]);
            }
        }
        rest = &after[digits..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(WhyPart::Text(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cited_section_becomes_a_link_and_the_words_around_it_stay() {
        let parts = why_parts("the ALB answers 400 itself (fact sheet §4, §8)");
        assert_eq!(
            parts,
            vec![
                WhyPart::Text("the ALB answers 400 itself (fact sheet ".into()),
                WhyPart::Cite {
                    label: "§4".into(),
                    url: section_page(4).unwrap()
                },
                WhyPart::Text(", ".into()),
                WhyPart::Cite {
                    label: "§8".into(),
                    url: section_page(8).unwrap()
                },
                WhyPart::Text(")".into()),
            ]
        );
    }

    #[test]
    fn text_without_a_known_section_is_left_as_it_is() {
        assert_eq!(
            why_parts("no citation"),
            vec![WhyPart::Text("no citation".into())]
        );
        assert_eq!(
            why_parts("see §19 and §"),
            vec![WhyPart::Text("see §19 and §".into())]
        );
        for n in (1..=16).chain(21..=29) {
            assert!(section_page(n).unwrap().starts_with("https://"), "§{n}");
        }
    }
}
