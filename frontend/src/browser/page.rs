//! The location bar and the clock.

use super::{BrowserError, window};

/// Milliseconds since the Unix epoch, from the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    (now_ms() / 1000.0).floor() as i64
}

/// Returns the current path, such as `/callback`.
pub fn path() -> String {
    window()
        .and_then(|w| {
            w.location()
                .pathname()
                .map_err(|e| BrowserError::from_js("location.pathname", &e))
        })
        .unwrap_or_default()
}

/// Returns the current query string with its leading `?`, or an empty
/// string.
pub fn query() -> String {
    window()
        .and_then(|w| {
            w.location()
                .search()
                .map_err(|e| BrowserError::from_js("location.search", &e))
        })
        .unwrap_or_default()
}

/// Returns the page's origin, such as `http://127.0.0.1:9403`.
pub fn origin() -> String {
    window()
        .and_then(|w| {
            w.location()
                .origin()
                .map_err(|e| BrowserError::from_js("location.origin", &e))
        })
        .unwrap_or_default()
}

/// Navigates the whole page to `url` (a redirect to Okta).
///
/// # Errors
/// [`BrowserError`] when the browser refuses the navigation.
pub fn navigate(url: &str) -> Result<(), BrowserError> {
    window()?
        .location()
        .assign(url)
        .map_err(|error| BrowserError::from_js("location.assign", &error))
}

/// Replaces the address shown, without a reload, so that an authorization
/// code or logout `state` does not stay in the address bar or history.
pub fn replace_address(path: &str) {
    let replaced = window()
        .and_then(|w| {
            w.history()
                .map_err(|e| BrowserError::from_js("history", &e))
        })
        .and_then(|history| {
            history
                .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
                .map_err(|e| BrowserError::from_js("history.replaceState", &e))
        });
    if let Err(error) = replaced {
        leptos::logging::warn!("could not clean the address bar: {error}");
    }
}

/// Waits `milliseconds` without blocking the page.
pub async fn sleep_ms(milliseconds: u32) {
    let delay = i32::try_from(milliseconds).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Ok(window) = window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Fires a bare DOM event on `window`, to tell independent components
/// that something changed without sharing state between them.
pub fn announce(event_name: &str) {
    let fired = window().and_then(|window| {
        let event =
            web_sys::Event::new(event_name).map_err(|e| BrowserError::from_js("new Event", &e))?;
        window
            .dispatch_event(&event)
            .map_err(|e| BrowserError::from_js("dispatchEvent", &e))
    });
    if let Err(error) = fired {
        leptos::logging::warn!("could not fire {event_name}: {error}");
    }
}
