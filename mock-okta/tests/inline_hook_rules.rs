//! Okta's patch rules for token inline hook responses, over real HTTP. A
//! valid `com.okta.access.patch` or `com.okta.identity.patch` lands in the
//! signed tokens. Any invalid operation makes the emulator skip the whole
//! patch and issue the tokens unmodified, as Okta does: a reserved claim,
//! a null or wrongly typed value, an unknown op or path, or a lifetime
//! outside 300 to 86,400 seconds.

mod inline_hook_support;
mod oauth_support;

use inline_hook_support::*;
use mock_okta::hooks::inline_patch::RESERVED_CLAIMS;
use oauth_support::*;
use serde_json::{Value, json};

/// Signs in once per reply in `replies` on one emulator and asserts each
/// response left the tokens unmodified and was recorded as skipped.
async fn assert_each_skipped(replies: &[(&str, Reply)]) {
    let hooked = Hooked::start(Reply::Status(204)).await;
    for (case, reply) in replies {
        hooked.receiver.reply_with(reply.clone());

        let tokens = hooked.login().await;

        let request = hooked.receiver.last_body();
        assert_unmodified(&tokens, &request);
        let record = hooked.assert_last_outcome("patch_skipped", "FAILURE").await;
        assert!(
            record["outcome"]["reason"].is_string(),
            "{case}: skip without a reason: {record}"
        );
    }
}

#[tokio::test]
async fn access_patch_add_lands() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102abc" },
        { "op": "add", "path": "/claims/team", "value": { "id": 7, "name": "blue" } },
    ])))
    .await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["okta_sid"], "102abc");
    assert_eq!(access["team"], json!({ "id": 7, "name": "blue" }));
    let id_token = claims(tokens["id_token"].as_str().unwrap());
    assert!(
        id_token.get("okta_sid").is_none(),
        "access patch reached the ID token"
    );
    hooked.assert_last_outcome("applied", "SUCCESS").await;
}

#[tokio::test]
async fn access_patch_replace_changes_claim() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/tier", "value": "gold" },
        { "op": "replace", "path": "/claims/tier", "value": "platinum" },
        { "op": "add", "path": "/claims/team", "value": { "id": 7 } },
        { "op": "replace", "path": "/claims/team/id", "value": 8 },
    ])))
    .await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["tier"], "platinum");
    assert_eq!(access["team"], json!({ "id": 8 }));
    hooked.assert_last_outcome("applied", "SUCCESS").await;
}

#[tokio::test]
async fn access_patch_remove_drops_claim() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/scratch", "value": "x" },
        { "op": "remove", "path": "/claims/scratch" },
        { "op": "add", "path": "/claims/team", "value": { "id": 7, "name": "blue" } },
        { "op": "remove", "path": "/claims/team/name" },
    ])))
    .await;

    let tokens = hooked.login().await;

    let access = claims(tokens["access_token"].as_str().unwrap());
    assert!(
        access.get("scratch").is_none(),
        "removed claim still present"
    );
    assert_eq!(access["team"], json!({ "id": 7 }));
    hooked.assert_last_outcome("applied", "SUCCESS").await;
}

#[tokio::test]
async fn identity_patch_lands_in_id_token() {
    let hooked = Hooked::start(Reply::command(
        "com.okta.identity.patch",
        json!([
            { "op": "add", "path": "/claims/okta_sid", "value": "102abc" },
            { "op": "remove", "path": "/claims/preferred_username" },
        ]),
    ))
    .await;

    let tokens = hooked.login().await;

    let id_token = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["okta_sid"], "102abc");
    assert!(id_token.get("preferred_username").is_none());
    let request = hooked.receiver.last_body();
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(
        access, request["data"]["access"]["claims"],
        "access token changed"
    );
    hooked.assert_last_outcome("applied", "SUCCESS").await;
}

#[tokio::test]
async fn reserved_claim_leaves_tokens_unmodified() {
    // Each reserved name follows a valid operation, which must not land
    // either, because Okta skips the whole patch.
    let replies: Vec<(String, Reply)> = RESERVED_CLAIMS
        .iter()
        .map(|name| {
            let reply = Reply::access_patch(json!([
                { "op": "add", "path": "/claims/okta_sid", "value": "102abc" },
                { "op": "add", "path": format!("/claims/{name}"), "value": "x" },
            ]));
            (format!("add {name}"), reply)
        })
        .collect();
    let cases: Vec<(&str, Reply)> = replies
        .iter()
        .map(|(case, reply)| (case.as_str(), reply.clone()))
        .collect();
    assert_eq!(RESERVED_CLAIMS[0], "sid");

    assert_each_skipped(&cases).await;
}

#[tokio::test]
async fn reserved_claim_replace_and_remove_skipped() {
    assert_each_skipped(&[
        (
            "replace scp",
            Reply::access_patch(
                json!([{ "op": "replace", "path": "/claims/scp", "value": ["x"] }]),
            ),
        ),
        (
            "remove uid",
            Reply::access_patch(json!([{ "op": "remove", "path": "/claims/uid" }])),
        ),
        (
            "identity add sid",
            Reply::command(
                "com.okta.identity.patch",
                json!([{ "op": "add", "path": "/claims/sid", "value": "102abc" }]),
            ),
        ),
    ])
    .await;
}

#[tokio::test]
async fn null_value_leaves_tokens_unmodified() {
    assert_each_skipped(&[
        (
            "add null",
            Reply::access_patch(
                json!([{ "op": "add", "path": "/claims/okta_sid", "value": null }]),
            ),
        ),
        (
            "add without value",
            Reply::access_patch(json!([{ "op": "add", "path": "/claims/okta_sid" }])),
        ),
        (
            "replace lifetime with null",
            Reply::access_patch(
                json!([{ "op": "replace", "path": "/token/lifetime/expiration", "value": null }]),
            ),
        ),
    ])
    .await;
}

#[tokio::test]
async fn bad_value_type_leaves_tokens_unmodified() {
    assert_each_skipped(&[
        (
            "lifetime as a string",
            Reply::access_patch(
                json!([{ "op": "replace", "path": "/token/lifetime/expiration", "value": "600" }]),
            ),
        ),
        (
            "lifetime with a fraction",
            Reply::access_patch(
                json!([{ "op": "replace", "path": "/token/lifetime/expiration", "value": 600.5 }]),
            ),
        ),
        (
            "command value an object",
            Reply::Json(json!({ "commands": [{
                "type": "com.okta.access.patch",
                "value": { "op": "add", "path": "/claims/okta_sid", "value": "102abc" },
            }] })),
        ),
        (
            "commands an object",
            Reply::Json(json!({ "commands": { "type": "com.okta.access.patch" } })),
        ),
    ])
    .await;
}

#[tokio::test]
async fn bad_op_leaves_tokens_unmodified() {
    let cases: Vec<(&str, Reply)> = ["move", "copy", "test", "ADD", ""]
        .into_iter()
        .map(|op| {
            let reply = Reply::access_patch(
                json!([{ "op": op, "path": "/claims/okta_sid", "value": "102abc" }]),
            );
            (op, reply)
        })
        .chain([(
            "no op",
            Reply::access_patch(json!([{ "path": "/claims/okta_sid", "value": "102abc" }])),
        )])
        .collect();

    assert_each_skipped(&cases).await;
}

#[tokio::test]
async fn bad_path_leaves_tokens_unmodified() {
    let paths = [
        "/claims",
        "/claims/",
        "claims/okta_sid",
        "/okta_sid",
        "/claims/a/b/c",
        "/token/lifetime",
        "/token/lifetime/issued",
    ];
    let mut cases: Vec<(&str, Reply)> = paths
        .into_iter()
        .map(|path| {
            let reply =
                Reply::access_patch(json!([{ "op": "add", "path": path, "value": "102abc" }]));
            (path, reply)
        })
        .collect();
    cases.extend([
        (
            "add on the lifetime",
            Reply::access_patch(
                json!([{ "op": "add", "path": "/token/lifetime/expiration", "value": 600 }]),
            ),
        ),
        (
            "replace a missing claim",
            Reply::access_patch(json!([{ "op": "replace", "path": "/claims/nope", "value": 1 }])),
        ),
        (
            "remove a missing claim",
            Reply::access_patch(json!([{ "op": "remove", "path": "/claims/nope" }])),
        ),
        (
            "unknown command type",
            Reply::command(
                "com.okta.saml.patch",
                json!([{ "op": "add", "path": "/claims/okta_sid", "value": "102abc" }]),
            ),
        ),
    ]);

    assert_each_skipped(&cases).await;
}

#[tokio::test]
async fn identity_patch_without_id_token_skipped() {
    let hooked = Hooked::start(Reply::command(
        "com.okta.identity.patch",
        json!([{ "op": "add", "path": "/claims/okta_sid", "value": "102abc" }]),
    ))
    .await;
    let pkce = Pkce::new();
    let url = AuthorizeUrl::new(&hooked.okta)
        .scope("offline_access demo.read")
        .pkce(&pkce)
        .build();
    let code = sign_in(&hooked.okta.browser(), &url, DEMO_LOGIN, DEMO_PASSWORD)
        .await
        .code();

    let tokens = json(hooked.okta.exchange(&code, &pkce.verifier).await).await;

    assert!(tokens.get("id_token").is_none(), "no openid, no ID token");
    assert_unmodified(&tokens, &hooked.receiver.last_body());
    hooked.assert_last_outcome("patch_skipped", "FAILURE").await;
}

#[tokio::test]
async fn lifetime_out_of_bounds_leaves_tokens_unmodified() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    for seconds in [299, 86_401, 0] {
        hooked.receiver.reply_with(Reply::access_patch(json!([
            { "op": "add", "path": "/claims/okta_sid", "value": "102abc" },
            { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds },
        ])));

        let tokens = hooked.login().await;

        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(lifetime(access), 3600, "lifetime {seconds} was applied");
        assert!(
            claims(access).get("okta_sid").is_none(),
            "lifetime {seconds}: the rest of the patch was applied"
        );
        assert_eq!(tokens["expires_in"], 3600, "lifetime {seconds}: expires_in");
        hooked.assert_last_outcome("patch_skipped", "FAILURE").await;
    }
}

#[tokio::test]
async fn lifetime_within_bounds_applied() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    for seconds in [300_i64, 86_400] {
        hooked.receiver.reply_with(Reply::access_patch(json!([
            { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds },
        ])));

        let tokens = hooked.login().await;

        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(lifetime(access), seconds, "access token exp - iat");
        assert_eq!(tokens["expires_in"], seconds, "expires_in");
        let id_token = tokens["id_token"].as_str().unwrap();
        assert_eq!(
            lifetime(id_token),
            3600,
            "ID token lifetime changed by an access patch"
        );
        hooked.assert_last_outcome("applied", "SUCCESS").await;
    }
}

#[tokio::test]
async fn identity_lifetime_applied() {
    let hooked = Hooked::start(Reply::command(
        "com.okta.identity.patch",
        json!([{ "op": "replace", "path": "/token/lifetime/expiration", "value": 600 }]),
    ))
    .await;

    let tokens = hooked.login().await;

    assert_eq!(lifetime(tokens["id_token"].as_str().unwrap()), 600);
    assert_eq!(lifetime(tokens["access_token"].as_str().unwrap()), 3600);
}

#[tokio::test]
async fn no_content_leaves_tokens_unchanged() {
    let hooked = Hooked::start(Reply::Status(204)).await;

    let tokens = hooked.login().await;

    assert_unmodified(&tokens, &hooked.receiver.last_body());
    hooked.assert_last_outcome("no_change", "SUCCESS").await;
}

#[tokio::test]
async fn empty_commands_leave_tokens_unchanged() {
    let hooked = Hooked::start(Reply::Json(json!({ "commands": [] }))).await;

    let tokens = hooked.login().await;

    assert_unmodified(&tokens, &hooked.receiver.last_body());
    hooked.assert_last_outcome("no_change", "SUCCESS").await;
}

#[tokio::test]
async fn patch_applies_on_refresh_grant() {
    let hooked = Hooked::start(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102abc" },
    ])))
    .await;
    let tokens = hooked.login().await;
    hooked.receiver.reply_with(Reply::access_patch(json!([
        { "op": "add", "path": "/claims/okta_sid", "value": "102def" },
    ])));

    let refreshed: Value = json(
        hooked
            .okta
            .refresh(tokens["refresh_token"].as_str().unwrap())
            .await,
    )
    .await;

    let access = claims(refreshed["access_token"].as_str().unwrap());
    assert_eq!(access["okta_sid"], "102def");
    let record = hooked.assert_last_outcome("applied", "SUCCESS").await;
    assert_eq!(record["grant_type"], "refresh_token");
}
