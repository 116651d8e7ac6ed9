//! Events of CloudFront: viewer protocol, cache lookups, origin fetches, errors it answers itself.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CdnEvent {}

impl CdnEvent {
    pub fn what(&self) -> String {
        match *self {}
    }

    pub fn why(&self) -> String {
        match *self {}
    }
}
