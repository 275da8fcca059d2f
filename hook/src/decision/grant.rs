//! Classification of the OAuth grant behind a token inline hook call.

use std::collections::HashSet;

use crate::wire::ProtocolRequest;

/// How the hook treats a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantClass {
    /// A user signed in with an Okta session: stamp `data.context.session.id`.
    Session,
    /// `refresh_token`: stamp the session the refresh token was issued under.
    Refresh,
    /// `client_credentials`: no user, no claim.
    NoUser,
    /// A user but no Okta session (password, token exchange, ...).
    OtherUser,
}

/// The grant of one call: its class and a bounded label for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Treatment.
    pub class: GrantClass,
    /// One of Okta's grant type names, or `other`.
    pub label: &'static str,
}

/// Grant type Okta omits on the implicit flow at `/authorize`.
pub const IMPLICIT: &str = "implicit";

/// Okta's `GrantType` values, for bounded metric labels.
const KNOWN_GRANTS: &[&str] = &[
    "authorization_code",
    "client_credentials",
    "implicit",
    "interaction_code",
    "password",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:openid:params:grant-type:ciba",
    "urn:okta:params:oauth:grant-type:otp",
    "urn:okta:params:oauth:grant-type:oob",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-oob",
];

/// Classifies the grant of `request`. `session_grants` lists the grant
/// types that carry the Okta session of a signed-in user.
pub fn classify(request: &ProtocolRequest, session_grants: &HashSet<String>) -> Grant {
    let grant_type = request.grant_type.as_deref().unwrap_or(IMPLICIT);
    let label = KNOWN_GRANTS
        .iter()
        .find(|known| **known == grant_type)
        .copied()
        .unwrap_or("other");

    let class = match grant_type {
        "refresh_token" => GrantClass::Refresh,
        "client_credentials" => GrantClass::NoUser,
        other if session_grants.contains(other) => GrantClass::Session,
        _ => GrantClass::OtherUser,
    };
    Grant { class, label }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants() -> HashSet<String> {
        ["authorization_code", "implicit"]
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn request(grant_type: Option<&str>) -> ProtocolRequest {
        ProtocolRequest {
            grant_type: grant_type.map(String::from),
            ..ProtocolRequest::default()
        }
    }

    #[test]
    fn classify_table() {
        let cases = [
            (
                Some("authorization_code"),
                GrantClass::Session,
                "authorization_code",
            ),
            (None, GrantClass::Session, "implicit"),
            (Some("refresh_token"), GrantClass::Refresh, "refresh_token"),
            (
                Some("client_credentials"),
                GrantClass::NoUser,
                "client_credentials",
            ),
            (Some("password"), GrantClass::OtherUser, "password"),
            (Some("made-up"), GrantClass::OtherUser, "other"),
        ];
        for (grant_type, class, label) in cases {
            let grant = classify(&request(grant_type), &grants());
            assert_eq!(grant.class, class, "class of {grant_type:?}");
            assert_eq!(grant.label, label, "label of {grant_type:?}");
        }
    }
}
