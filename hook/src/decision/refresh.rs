//! Refresh grants: carry the original session forward, follow rotation.
//!
//! Okta's session block on refresh requests cannot be trusted: it may be
//! absent, or belong to whatever session the browser has now. The session
//! comes from the link written when the refresh token was issued.
//!
//! NOTE: Okta does not document which `jti` a refresh request carries
//! where. `data.context.protocol.OriginalGrant.refresh_token.jti` is read
//! as the refresh token presented, and `data.refresh_token.jti` as the
//! refresh token in the response: the same one without rotation, a new one
//! with rotation. Both are looked up and both end up linked, so either
//! reading works. The one case not followed is rotation with no
//! `OriginalGrant.refresh_token`: then only the new `jti` is sent, it was
//! never linked, and the unknown-`jti` policy applies.

use super::{Decision, Denial, SessionLinker};
use crate::config::UnknownJtiPolicy;
use crate::secret::fingerprint;
use crate::store::RefreshLink;
use crate::wire::TokenHookRequest;

impl SessionLinker {
    pub(super) async fn decide_refresh(&self, request: &TokenHookRequest, now: i64) -> Decision {
        let jtis = refresh_jtis(request);
        if jtis.is_empty() {
            tracing::warn!("refresh grant without any refresh token jti");
        }

        let mut found = None;
        for jti in &jtis {
            match self.links.lookup(jti, now).await {
                Ok(Some(link)) => {
                    found = Some(link);
                    break;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, %jti, "refresh link lookup failed");
                    return Decision::Deny(Denial::Unverifiable);
                }
            }
        }

        let link = match found {
            Some(link) => link,
            None => return self.decide_unknown_refresh(request, &jtis, now).await,
        };

        if let Some(session) = &request.data.context.session
            && session.id != link.session_id
        {
            tracing::info!(
                linked = %fingerprint(link.session_id.as_bytes()),
                request = %fingerprint(session.id.as_bytes()),
                "refresh request carries another session; the linked session is used"
            );
        }

        self.stamp_linked(link, jtis, now).await
    }

    /// Verifies the linked session, relinks every `jti` of the request
    /// with a fresh expiry, and stamps the session.
    async fn stamp_linked(&self, link: RefreshLink, jtis: Vec<String>, now: i64) -> Decision {
        if let Err(denial) = self.verify_live(&link, now).await {
            return Decision::Deny(denial);
        }

        let renewed = RefreshLink {
            linked_at: now,
            expires_at: now.saturating_add(self.policy.link_ttl_seconds),
            ..link
        };
        if !jtis.is_empty()
            && let Err(error) = self.links.link(jtis, renewed.clone()).await
        {
            tracing::error!(%error, "refresh token link not renewed");
            return Decision::Deny(Denial::Unverifiable);
        }

        Decision::Stamp {
            session_id: renewed.session_id,
        }
    }

    async fn decide_unknown_refresh(
        &self,
        request: &TokenHookRequest,
        jtis: &[String],
        now: i64,
    ) -> Decision {
        tracing::warn!(jtis = ?jtis, policy = ?self.policy.unknown_jti, "refresh token is not linked to a session");

        match self.policy.unknown_jti {
            UnknownJtiPolicy::Error => Decision::Deny(Denial::UnknownRefreshToken),
            UnknownJtiPolicy::NoClaim => Decision::NoClaim,
            UnknownJtiPolicy::AdoptSession => {
                let context = &request.data.context;
                let Some(session) = &context.session else {
                    return Decision::Deny(Denial::UnknownRefreshToken);
                };
                let user_id = session
                    .user_id
                    .clone()
                    .or_else(|| context.user.as_ref().map(|user| user.id.clone()));
                let link = self.new_link(session, user_id, now);
                self.stamp_linked(link, jtis.to_vec(), now).await
            }
        }
    }
}

/// Returns the refresh token ids of `request`: the presented one first,
/// then the one in the response, without duplicates or empty strings.
fn refresh_jtis(request: &TokenHookRequest) -> Vec<String> {
    let presented = request
        .data
        .context
        .protocol
        .original_grant
        .as_ref()
        .and_then(|grant| grant.refresh_token.as_ref())
        .map(|token| token.jti.clone());
    let issued = request
        .data
        .refresh_token
        .as_ref()
        .map(|token| token.jti.clone());

    let mut jtis = Vec::with_capacity(2);
    for jti in [presented, issued].into_iter().flatten() {
        if !jti.is_empty() && !jtis.contains(&jti) {
            jtis.push(jti);
        }
    }
    jtis
}
