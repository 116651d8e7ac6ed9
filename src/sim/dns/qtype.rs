//! DNS record types a query asks for, as `dig` writes them (`A`, `AAAA`,
//! `CNAME`, `TXT`, `MX`, `NS`, `SOA`). Route 53 supports these among others.
//! Fact sheet §1.

use serde::{Deserialize, Serialize};

/// The type a query asks for (QTYPE).
#[allow(clippy::upper_case_acronyms)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum QType {
    #[default]
    A,
    AAAA,
    CNAME,
    TXT,
    MX,
    NS,
    SOA,
}

/// Every type a query may ask for, in the order error messages list them.
pub const QTYPES: [QType; 7] = [
    QType::A,
    QType::AAAA,
    QType::CNAME,
    QType::TXT,
    QType::MX,
    QType::NS,
    QType::SOA,
];

impl QType {
    pub fn as_str(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::AAAA => "AAAA",
            QType::CNAME => "CNAME",
            QType::TXT => "TXT",
            QType::MX => "MX",
            QType::NS => "NS",
            QType::SOA => "SOA",
        }
    }

    /// For `skip_serializing_if`: A is the default and is not written.
    pub fn is_a(&self) -> bool {
        *self == QType::A
    }

    /// Read a type as people write it (any case).
    pub fn parse(t: &str) -> Result<QType, String> {
        QTYPES
            .iter()
            .copied()
            .find(|q| q.as_str().eq_ignore_ascii_case(t.trim()))
            .ok_or_else(|| {
                format!(
                    "'{}' is not a record type a query can ask for: write one of {}",
                    crate::sim::text::clip(t),
                    QTYPES.map(|q| q.as_str()).join(", ")
                )
            })
    }

    /// The key a cache stores an answer of this type under: the name
    /// itself for A (as every cache always has), `name TYPE` otherwise.
    pub fn cache_key(self, name: &str) -> std::borrow::Cow<'_, str> {
        match self {
            QType::A => std::borrow::Cow::Borrowed(name),
            q => std::borrow::Cow::Owned(format!("{name} {}", q.as_str())),
        }
    }
}

impl std::fmt::Display for QType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_type_is_read_in_any_case_and_an_unknown_one_is_refused_by_name() {
        assert_eq!(QType::parse("aaaa"), Ok(QType::AAAA));
        assert_eq!(QType::parse(" Mx "), Ok(QType::MX));
        let e = QType::parse("SPF").unwrap_err();
        assert!(e.contains("'SPF'") && e.contains("AAAA"), "{e}");
    }

    #[test]
    fn an_a_answer_is_cached_under_the_name_and_other_types_beside_it() {
        assert_eq!(QType::A.cache_key("x.com"), "x.com");
        assert_eq!(QType::AAAA.cache_key("x.com"), "x.com AAAA");
    }
}
