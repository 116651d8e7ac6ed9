//! Events of packets in and out of a VPC: handshakes, NAT gateway, internet gateway.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NetEvent {}

impl NetEvent {
    pub fn what(&self) -> String {
        match *self {}
    }

    pub fn why(&self) -> String {
        match *self {}
    }
}
