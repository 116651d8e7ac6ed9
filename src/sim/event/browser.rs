//! Events of the browser: its HTTP cache, input it refuses, redirects it follows.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BrowserEvent {}

impl BrowserEvent {
    pub fn what(&self) -> String {
        match *self {}
    }

    pub fn why(&self) -> String {
        match *self {}
    }
}
