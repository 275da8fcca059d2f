//! This service's own serde types for Okta's hook payloads, written from
//! Okta's management API specification. Unknown fields are ignored; a
//! missing required field fails parsing with its JSON path.

mod event_hook;
mod parse;
mod token_hook;
mod token_response;

pub use event_hook::{
    AuthenticationContext, DebugContext, EventHookData, EventHookDelivery, LogActor, LogEvent,
    LogTarget,
};
pub use parse::{PayloadError, parse_json};
pub use token_hook::{
    AccessTokenInfo, HookContext, HookSession, HookUser, OriginalGrant, Protocol, ProtocolRequest,
    RefreshTokenRef, TOKEN_HOOK_EVENT_TYPE, TokenHookData, TokenHookRequest, TokenInfo,
};
pub use token_response::{HookCommand, HookError, PatchOp, TokenHookResponse};
