//! `GET /api/profile`: who is calling, from the verified token and the live
//! Okta session behind it.

use std::time::SystemTime;

use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use session_guard::Authorized;

#[derive(Serialize)]
struct Profile<'a> {
    subject: &'a str,
    user_id: Option<&'a str>,
    client_id: Option<&'a str>,
    scopes: &'a [String],
    token_id: Option<&'a str>,
    /// `exp` of the access token, RFC 3339.
    token_expires_at: Option<String>,
    session: Option<Session<'a>>,
}

#[derive(Serialize)]
struct Session<'a> {
    id: &'a str,
    status: &'a str,
    /// Okta's `expiresAt`, RFC 3339; absent when Okta sent none.
    expires_at: Option<String>,
    /// When Okta last confirmed the session, RFC 3339.
    checked_at: String,
    /// Whether the verdict was served from cache past its TTL during an
    /// Okta outage (only with the `serve_stale` outage mode).
    stale: bool,
}

/// Needs the guard's live-session layer on the route (see `app.rs`).
pub(crate) async fn profile(authorized: Authorized) -> Response {
    let claims = authorized.claims();
    let session = authorized.session().map(|info| Session {
        id: info.id.as_str(),
        status: info.status.as_str(),
        expires_at: info.expires_at.map(rfc3339),
        checked_at: rfc3339(info.checked_at),
        stale: info.stale,
    });
    let token_expires_at = i64::try_from(claims.exp)
        .ok()
        .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true));

    Json(Profile {
        subject: &claims.sub,
        user_id: claims.uid.as_deref(),
        client_id: claims.cid.as_deref(),
        scopes: &claims.scopes,
        token_id: claims.jti.as_deref(),
        token_expires_at,
        session,
    })
    .into_response()
}

fn rfc3339(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Secs, true)
}
