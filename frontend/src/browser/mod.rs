//! Thin wrappers over the browser APIs the app uses: `fetch`,
//! sessionStorage, `crypto.getRandomValues`, WebCrypto signature checks,
//! the location bar, and the clock.

pub mod http;
pub mod page;
pub mod random;
pub mod storage;
pub mod webcrypto;

use wasm_bindgen::JsValue;

/// A browser API call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} failed: {message}")]
pub struct BrowserError {
    /// The API called.
    pub what: &'static str,
    /// The browser's message.
    pub message: String,
}

impl BrowserError {
    /// Wraps a JavaScript exception.
    pub fn from_js(what: &'static str, error: &JsValue) -> Self {
        BrowserError {
            what,
            message: js_message(error),
        }
    }

    /// Returns the error for an API that is not available in this browser context.
    pub fn missing(what: &'static str) -> Self {
        BrowserError {
            what,
            message: "not available in this browser context".to_owned(),
        }
    }
}

/// Extracts the message of a JavaScript error value.
pub fn js_message(error: &JsValue) -> String {
    use wasm_bindgen::JsCast as _;

    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

/// Returns the window, which always exists in the page this app runs in.
pub fn window() -> Result<web_sys::Window, BrowserError> {
    web_sys::window().ok_or_else(|| BrowserError::missing("window"))
}
