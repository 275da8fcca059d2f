//! Token families: every access and refresh token descended from one
//! authorization code. Replaying a spent code (RFC 6749 section 4.1.2) or a
//! rotated-out refresh token (reuse detection) revokes the family.

use crate::state::Store;

/// Counts of the tokens a revocation marked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revoked {
    pub refresh_tokens: usize,
    pub access_tokens: usize,
}

/// Marks every live token of `family` revoked.
pub fn revoke(store: &mut Store, family: &str) -> Revoked {
    let mut revoked = Revoked::default();
    for token in store.refresh_tokens.values_mut() {
        if token.family == family && !token.revoked {
            token.revoked = true;
            revoked.refresh_tokens += 1;
        }
    }
    let members: Vec<String> = store
        .access_token_families
        .iter()
        .filter(|(_, member_family)| member_family.as_str() == family)
        .map(|(jti, _)| jti.clone())
        .collect();
    for jti in members {
        if let Some(token) = store.access_tokens.get_mut(&jti)
            && !token.revoked
        {
            token.revoked = true;
            revoked.access_tokens += 1;
        }
    }
    revoked
}
