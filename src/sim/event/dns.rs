//! Events of DNS: caches, the recursive resolver, root, TLD and Route 53.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DnsEvent {}

impl DnsEvent {
    pub fn what(&self) -> String {
        match *self {}
    }

    pub fn why(&self) -> String {
        match *self {}
    }
}
