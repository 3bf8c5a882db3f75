//! The page's localStorage, under its prefix: non-secret preferences, and the seeds of rows
//! not yet exported only through `kept` (by the user's choice). One place for the prefix, so
//! the shell reads exactly what the app wrote.

const PREFIX: &str = "tokensmith.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A remembered value.
pub fn get(key: &str) -> Option<String> {
    storage()?
        .get_item(&format!("{PREFIX}{key}"))
        .ok()
        .flatten()
}

/// Remembers a value (a write the browser refuses — storage full or off — is dropped: every
/// value here has a default).
pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&format!("{PREFIX}{key}"), value);
    }
}

/// Forgets a remembered value.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&format!("{PREFIX}{key}"));
    }
}
