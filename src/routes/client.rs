//! Who the client is: its address (believing `X-Forwarded-For` only from a
//! trusted proxy) and the burst of POSTs that address may send. The public
//! routes and the admin login both ask, so it belongs to neither.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::configuration::Settings;
use crate::domain::words::count;
use crate::error::AppError;
use crate::routes::state::AppState;

/// The client's address: the peer, or, behind a trusted proxy, the nearest
/// forwarded hop that is not one of our proxies.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = |ip: &IpAddr| settings.trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    // Walk the chain from the nearest hop outwards; the first address that is not
    // one of our proxies is the client. Anything to its left may be forged.
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !trusted(ip))
        .copied()
        .or(Some(peer))
}

/// Counts one POST from the client against its address's burst; `Err` holds
/// the seconds it must wait.
pub fn burst(req: &HttpRequest, state: &AppState) -> Result<(), u64> {
    state.burst.check(client_ip(req, &state.settings))
}

/// [`burst`] as the refusal the JSON routes answer with (429 and
/// `Retry-After`).
pub fn burst_or_refuse(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    burst(req, state).map_err(|retry_after_seconds| AppError::TooFast {
        retry_after_seconds,
    })
}

/// The words for a client that used up its burst.
pub fn burst_message(seconds: u64) -> String {
    format!(
        "Too many requests from your network in a short while. Please wait {} and try again.",
        count(seconds, "second", "seconds")
    )
}
