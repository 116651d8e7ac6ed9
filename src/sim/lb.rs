//! The old path of the Application Load Balancer, kept for the modules
//! that name it: everything lives in [`crate::sim::alb`].

pub use super::alb::*;
