//! The emulator's configuration for the demo: its embedded demo org, moved
//! to the chosen SPA port, plus the event hooks of the running receivers.

use std::fmt::Write as _;

use super::{Component, DemoPorts, loopback_url};

/// mock-okta's embedded demo org, read at build time so that the demo seeds
/// exactly the users, clients and servers the emulator ships with.
const EMBEDDED_ORG: &str = include_str!("../../../mock-okta/src/default.toml");

/// SPA port that the embedded org's origins and redirect URIs name.
const EMBEDDED_SPA_PORT: u16 = 9403;

/// Event types delivered to every receiver: those that end a session or
/// block a user, after which a session-linked token must stop working.
const SESSION_ENDING_EVENTS: [&str; 7] = [
    "user.session.end",
    "user.session.clear",
    "user.authentication.universal_logout",
    "user.lifecycle.suspend",
    "user.lifecycle.deactivate",
    "user.account.lock",
    "user.account.reset_password",
];

/// Renders mock-okta's TOML configuration: the embedded org with the SPA's
/// origins on `ports.spa`, and one `[[event_hooks]]` entry per component in
/// `present` that receives event hooks.
// TODO: register the token inline hook (`POST /okta/token-inline-hook` on
// the hook port, header `Authorization: demo-inline-hook-secret`) here once
// mock-okta's configuration has inline hooks. Until then the emulator issues
// access tokens without the session claim.
pub fn render_mock_okta_config(ports: &DemoPorts, present: &[Component]) -> String {
    let mut text = if ports.spa == EMBEDDED_SPA_PORT {
        EMBEDDED_ORG.to_owned()
    } else {
        let spa = ports.spa;
        EMBEDDED_ORG
            .replace(
                &format!("127.0.0.1:{EMBEDDED_SPA_PORT}"),
                &format!("127.0.0.1:{spa}"),
            )
            .replace(
                &format!("localhost:{EMBEDDED_SPA_PORT}"),
                &format!("localhost:{spa}"),
            )
    };

    text.push_str("\n# Added by demo-stack: event hooks to the running receivers.\n");
    let events = SESSION_ENDING_EVENTS.map(|event| format!("{event:?}")).join(", ");
    for component in present {
        let Some(receiver) = component.event_hook else {
            continue;
        };
        let url = format!("{}{}", loopback_url((component.port)(ports)), receiver.path);

        // `{:?}` quotes and escapes like a TOML basic string for these
        // ASCII values.
        let _ = write!(
            text,
            "\n[[event_hooks]]\nid = {:?}\nname = {:?}\nurl = {url:?}\nevents = [{events}]\n\
             auth_header = \"Authorization\"\nauth_value = {:?}\n",
            receiver.id, component.name, receiver.secret,
        );
    }
    text
}
