//! Geography for routing: great-circle distances, the latency model,
//! geoproximity bias and geolocation matching. Fact sheet §3.

use super::{LATENCY_BASE_MS, LATENCY_KM_PER_MS};
use crate::sim::scenario::*;

/// Great-circle distance in km (haversine, mean Earth radius).
pub fn great_circle_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6371.0_f64;
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// Geoproximity bias: positive shrinks the distance, negative grows it.
/// Fact sheet §3: d × (1 − bias/100), or d / (1 + bias/100) for negative bias.
pub fn biased_distance(d: f64, bias: i32) -> f64 {
    let b = bias.clamp(-99, 99) as f64;
    if b >= 0.0 {
        d * (1.0 - b / 100.0)
    } else {
        d / (1.0 + b / 100.0)
    }
}

/// Modelled round trip from a place to an AWS Region.
pub fn latency_ms(from: (f64, f64), region: &str) -> Option<u32> {
    let (_, lat, lon) = aws_region_location(region)?;
    Some(LATENCY_BASE_MS + (great_circle_km(from, (lat, lon)) / LATENCY_KM_PER_MS).round() as u32)
}

pub(super) fn geo_label(r: &Routing) -> String {
    match r {
        Routing::Geolocation {
            continent,
            country,
            subdivision,
        } => match (continent, country, subdivision) {
            (Some(c), _, _) => format!("continent {c}"),
            (None, Some(c), Some(s)) => format!("{c}-{s}"),
            (None, Some(c), None) if c != "*" => format!("country {c}"),
            _ => "default *".into(),
        },
        _ => String::new(),
    }
}

/// 0 subdivision, 1 country, 2 continent, 3 default; None: does not match.
pub(super) fn geo_rank(r: &Routing, g: Option<&Geo>) -> Option<u8> {
    let Routing::Geolocation {
        continent,
        country,
        subdivision,
    } = r
    else {
        return None;
    };
    let is_default = continent.is_none() && country.as_deref().is_none_or(|c| c == "*");
    if is_default {
        return Some(3);
    }
    let g = g?;
    match (continent, country, subdivision) {
        (Some(c), _, _) => (*c == g.continent).then_some(2),
        (None, Some(c), Some(s)) => {
            (*c == g.country && g.subdivision.as_deref() == Some(s.as_str())).then_some(0)
        }
        (None, Some(c), None) => (*c == g.country).then_some(1),
        _ => None,
    }
}
