//! Okta hooks the emulator calls: event hooks (System Log events pushed to
//! a receiver after the fact).

pub mod event;
pub mod event_control;
