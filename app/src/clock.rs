//! Wall-clock time as a signal that changes once per second, exactly when the second turns.

use leptos::prelude::*;
use std::time::Duration;

/// Current Unix time in whole seconds (UTC; the browser's clock).
pub fn unix_now() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// A signal of the current Unix second. It polls four times a second so that a step boundary
/// shows within 250 ms, but only notifies readers when the second actually changes.
pub fn use_unix_seconds() -> ReadSignal<i64> {
    let (now, set_now) = signal(unix_now());
    let tick = move || {
        let t = unix_now();
        if now.get_untracked() != t {
            set_now.set(t);
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(250)) {
        on_cleanup(move || handle.clear());
    }
    now
}
