//! The hardware bridge panel: finds `hardware-bridge serve`, lists readers and devices, burns the
//! current seed and parameters, syncs a token's clock. See `client` for the API calls.

// The client is also the API other panels use: not every call is used by this panel.
#[allow(dead_code)]
pub mod client;

use leptos::prelude::*;

/// The connection to the bridge, shared with other panels (e.g. import) through context.
#[allow(dead_code)]
#[derive(Clone, Copy)]
pub struct BridgeState {
    /// The connected bridge (pairing secret in memory only), `None` when not connected.
    pub connection: RwSignal<Option<client::Bridge>>,
}

#[allow(dead_code)]
impl BridgeState {
    pub fn new() -> Self {
        BridgeState {
            connection: RwSignal::new(None),
        }
    }
}
