//! Sign-in of users whose lifecycle status is not `ACTIVE`. A suspended,
//! deactivated or locked-out user gets the same failed sign-in form as a
//! wrong password, so the form does not reveal the account's status. No
//! session starts.

mod oauth_support;

use mock_okta::lifecycle::UserAction;
use oauth_support::*;
use reqwest::{StatusCode, header};
use serde_json::Value;

/// Okta's message for any failed password sign-in.
const SIGN_IN_FAILED: &str = "Unable to sign in";

/// Each action that leaves the user unable to sign in, and the action
/// that makes the user `ACTIVE` again.
const BLOCKING_ACTIONS: [(UserAction, UserAction); 3] = [
    (UserAction::Suspend, UserAction::Unsuspend),
    (UserAction::Deactivate, UserAction::Activate),
    (UserAction::Lock, UserAction::Unlock),
];

/// Signs in with `password` through a fresh form and returns the status,
/// whether a cookie was set, and the page with its request id blanked, so
/// that pages of two attempts compare equal.
async fn attempt(okta: &Okta, password: &str) -> (StatusCode, bool, String) {
    let browser = okta.browser();
    let url = AuthorizeUrl::new(okta).pkce(&Pkce::new()).build();
    let form = browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let request_id = input_value(&form, "request_id").expect("hidden request_id");

    let response = submit_sign_in(&browser, &form, DEMO_LOGIN, password).await;

    let status = response.status();
    let cookie_set = response.headers().contains_key(header::SET_COOKIE);
    let page = response
        .text()
        .await
        .unwrap()
        .replace(&request_id, "REQUEST_ID");
    (status, cookie_set, page)
}

/// Returns the outcome results of the demo user's `user.session.start` events.
async fn sign_in_results(okta: &Okta) -> Vec<String> {
    let events: Value = okta
        .http
        .get(format!("{}/api/v1/logs", okta.running.base_url))
        .query(&[("filter", "eventType eq \"user.session.start\"")])
        .header(
            header::AUTHORIZATION,
            "SSWS 00mockOktaDemoApiToken0000000000000000000",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    events
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["actor"]["id"] == DEMO_ID)
        .map(|event| event["outcome"]["result"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn inactive_user_sees_failed_form() {
    let okta = Okta::start().await;
    let (_, _, wrong_password_page) = attempt(&okta, "not-the-password").await;

    for (block, _) in BLOCKING_ACTIONS {
        assert!(okta.running.state.apply_user_action(DEMO_ID, block));

        let (status, cookie_set, page) = attempt(&okta, DEMO_PASSWORD).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{block:?}: status");
        assert!(!cookie_set, "{block:?}: a session cookie was set");
        assert!(
            page.contains(SIGN_IN_FAILED),
            "{block:?}: no failure message"
        );
        assert_eq!(
            page, wrong_password_page,
            "{block:?}: the page differs from a wrong password's"
        );
        assert!(
            okta.session_ids().is_empty(),
            "{block:?}: a session started"
        );
    }
}

#[tokio::test]
async fn inactive_user_sign_in_logged_as_failure() {
    let okta = Okta::start().await;

    for (block, _) in BLOCKING_ACTIONS {
        okta.running.state.apply_user_action(DEMO_ID, block);
        attempt(&okta, DEMO_PASSWORD).await;
    }

    assert_eq!(sign_in_results(&okta).await, ["FAILURE"; 3]);
}

#[tokio::test]
async fn reactivated_user_signs_in() {
    let okta = Okta::start().await;

    for (block, restore) in BLOCKING_ACTIONS {
        okta.running.state.apply_user_action(DEMO_ID, block);
        okta.running.state.apply_user_action(DEMO_ID, restore);

        let (status, cookie_set, _) = attempt(&okta, DEMO_PASSWORD).await;

        assert_eq!(status, StatusCode::FOUND, "after {restore:?}: status");
        assert!(cookie_set, "after {restore:?}: no session cookie");
    }
}
