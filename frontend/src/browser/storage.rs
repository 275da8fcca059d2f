//! sessionStorage: per tab, gone when the tab closes. Used only for what
//! must survive a redirect (the pending sign-in, the logout `state`, and
//! the replay lab's attacker notebook), never for the app's tokens.

use super::{BrowserError, window};

fn session_storage() -> Result<web_sys::Storage, BrowserError> {
    window()?
        .session_storage()
        .map_err(|error| BrowserError::from_js("sessionStorage", &error))?
        .ok_or_else(|| BrowserError::missing("sessionStorage"))
}

/// Reads a value.
pub fn get(key: &str) -> Option<String> {
    session_storage().ok()?.get_item(key).ok().flatten()
}

/// Stores a value.
///
/// # Errors
/// [`BrowserError`] when storage is unavailable or full.
pub fn set(key: &str, value: &str) -> Result<(), BrowserError> {
    session_storage()?
        .set_item(key, value)
        .map_err(|error| BrowserError::from_js("sessionStorage.setItem", &error))
}

/// Reads a value and removes it, so that it is used once.
pub fn take(key: &str) -> Option<String> {
    let value = get(key);
    remove(key);
    value
}

/// Removes a value.
pub fn remove(key: &str) {
    if let Ok(storage) = session_storage() {
        let _ = storage.remove_item(key);
    }
}
