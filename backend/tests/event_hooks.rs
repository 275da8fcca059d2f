//! Okta event hooks pushed to `/okta/event-hooks`: the one-time
//! verification and `user.session.end` revoking a cached session.

mod support;

use support::{
    EVENT_HOOK_SECRET, FakeOkta, client, get, new_session_id, session_end_delivery, start_backend,
};

const HOOK_PATH: &str = "/okta/event-hooks";

#[tokio::test]
async fn verification_echoes_challenge() {
    let okta = FakeOkta::start().await;
    let backend = start_backend(&okta).await;

    let response = client()
        .get(format!("{}{HOOK_PATH}", backend.base_url))
        .header("authorization", EVENT_HOOK_SECRET)
        .header("x-okta-verification-challenge", "challenge-1234")
        .send()
        .await
        .expect("request succeeds");
    let reply = support::Reply::read(response).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["verification"], "challenge-1234");
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn session_end_revokes_without_okta_call() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;
    let token = okta.token(&session, &["openid"]);
    assert_eq!(
        get(&backend, "/api/profile", Some(&token)).await.status,
        200
    );
    // The alive verdict is now cached: a second call does not ask Okta.
    assert_eq!(
        get(&backend, "/api/profile", Some(&token)).await.status,
        200
    );
    assert_eq!(okta.session_calls().await, 1);

    let pushed = client()
        .post(format!("{}{HOOK_PATH}", backend.base_url))
        .header("authorization", EVENT_HOOK_SECRET)
        .json(&session_end_delivery(&session))
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(pushed.status().as_u16(), 200);
    let reply = get(&backend, "/api/profile", Some(&token)).await;

    assert_eq!(reply.status, 401);
    assert_eq!(reply.reason(), Some("session_ended"));
    assert_eq!(okta.session_calls().await, 1);
    backend.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn delivery_with_wrong_secret_changes_nothing() {
    let okta = FakeOkta::start().await;
    let session = new_session_id();
    okta.session_alive(&session).await;
    let backend = start_backend(&okta).await;
    let token = okta.token(&session, &["openid"]);
    assert_eq!(
        get(&backend, "/api/profile", Some(&token)).await.status,
        200
    );

    let pushed = client()
        .post(format!("{}{HOOK_PATH}", backend.base_url))
        .header("authorization", "not-the-secret")
        .json(&session_end_delivery(&session))
        .send()
        .await
        .expect("request succeeds");

    assert_eq!(pushed.status().as_u16(), 401);
    assert_eq!(
        get(&backend, "/api/profile", Some(&token)).await.status,
        200
    );
    backend.shutdown().await.expect("clean stop");
}
