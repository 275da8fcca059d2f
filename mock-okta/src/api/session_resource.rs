//! The Sessions API's `Session` object, as Okta's Management API returns it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::okta_timestamp;
use crate::state::Session;

/// Okta's `Session` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResource {
    pub id: String,
    pub user_id: String,
    pub login: String,
    pub created_at: String,
    /// The earlier of the idle expiry and the maximum lifetime.
    pub expires_at: String,
    /// `ACTIVE`, `MFA_REQUIRED` or `MFA_ENROLL`.
    pub status: String,
    pub last_password_verification: String,
    /// `null` until the user verifies a second factor.
    pub last_factor_verification: Option<String>,
    /// Short authentication method codes, for example `pwd`.
    pub amr: Vec<String>,
    pub idp: SessionIdentityProvider,
    #[serde(rename = "_links")]
    pub links: SessionLinks,
}

/// `Session.idp`: who authenticated the user; `OKTA` for a password sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionIdentityProvider {
    pub id: String,
    #[serde(rename = "type")]
    pub idp_type: String,
}

/// `Session._links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLinks {
    #[serde(rename = "self")]
    pub self_link: Link,
    pub refresh: Link,
    pub user: Link,
}

/// A HAL link with the methods the resource allows (`hints.allow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub href: String,
    pub hints: Hints,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hints {
    pub allow: Vec<String>,
}

/// Which URL the session was addressed by, which decides its links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAddress {
    /// `/api/v1/sessions/{id}` with an API token.
    ById,
    /// `/api/v1/sessions/me` with the session cookie.
    Current,
}

impl SessionResource {
    /// Builds the resource for `session` in the org at `org_url`.
    /// `user_name` is the user's display name for the `user` link.
    pub fn new(
        session: &Session,
        org_url: &str,
        idle_timeout: Duration,
        user_name: &str,
        address: SessionAddress,
    ) -> SessionResource {
        let (self_href, self_allow, user_href) = match address {
            SessionAddress::ById => (
                format!("{org_url}/api/v1/sessions/{}", session.id),
                vec!["DELETE"],
                format!("{org_url}/api/v1/users/{}", session.user_id),
            ),
            SessionAddress::Current => (
                format!("{org_url}/api/v1/sessions/me"),
                vec!["GET", "DELETE"],
                format!("{org_url}/api/v1/users/me"),
            ),
        };
        let links = SessionLinks {
            refresh: link(None, format!("{self_href}/lifecycle/refresh"), vec!["POST"]),
            self_link: link(None, self_href, self_allow),
            user: link(Some(user_name.to_owned()), user_href, vec!["GET"]),
        };

        SessionResource {
            id: session.id.clone(),
            user_id: session.user_id.clone(),
            login: session.login.clone(),
            created_at: okta_timestamp(session.created_at),
            expires_at: okta_timestamp(session.expires_at(idle_timeout)),
            status: session.status.as_okta().to_owned(),
            last_password_verification: okta_timestamp(session.last_password_verification),
            last_factor_verification: session.last_factor_verification.map(okta_timestamp),
            amr: session.amr.clone(),
            idp: SessionIdentityProvider {
                id: session.idp_id.clone(),
                idp_type: "OKTA".to_owned(),
            },
            links,
        }
    }
}

fn link(name: Option<String>, href: String, allow: Vec<&str>) -> Link {
    Link {
        name,
        href,
        hints: Hints {
            allow: allow.into_iter().map(str::to_owned).collect(),
        },
    }
}
