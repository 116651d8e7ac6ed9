//! Events of the ALB: TLS, listener rules, targets, the errors it generates.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlbEvent {}

impl AlbEvent {
    pub fn what(&self) -> String {
        match *self {}
    }

    pub fn why(&self) -> String {
        match *self {}
    }
}
