//! Okta hooks the emulator calls: token inline hooks (synchronous, during
//! token issuance) and event hooks (System Log events pushed afterwards).

pub mod event;
pub mod event_control;
pub mod inline;
pub mod inline_control;
pub mod inline_patch;
