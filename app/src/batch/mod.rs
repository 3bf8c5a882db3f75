//! The batch tool: a box of tokens for a list of users. The bridge runs the loop (the same
//! code as `hardware-bridge batch`: one loop per reader, every token journaled before it is
//! reported); this page starts it, watches it and steers it through `/api/batch…`.
//!
//! `setup` — the list (pasted or opened, read with core's parser, its issues with their
//! lines), the parameters chosen once (checked with `core::caps`), readers, the journal and
//! its passphrase; also "resume" after the bridge restarted. `queue` — progress, the codes
//! to compare (Enter = matches), pause/skip/retry/stop, every row. `handout` — one printable
//! page per user (serial, how to use it, who to call; no secret).
//!
//! Nothing is lost on reload: the page keeps no seed; it asks the bridge for the running
//! batch when it connects (re-attaching to it) and fills the inventory from the batch's
//! journal (`/api/batch/results`), as often as a token is settled.

mod handout;
mod queue;
mod setup;

use crate::bridge::client::{self, ApiError, Bridge};
use crate::bridge::BridgeState;
use crate::inventory::status::{Check, How, Origin, Status};
use crate::inventory::Inventory;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use tokensmith_api::endpoint;
use tokensmith_api::{BatchResultRow, BatchStatus, RowStatus};
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::secret::{Encoding, Secret};

pub use handout::Handout;

/// How often the page asks the bridge how the batch stands.
const POLL: Duration = Duration::from_millis(700);

/// The batch as the page sees it, shared by its parts.
#[derive(Clone, Copy)]
pub struct BatchTool {
    bridge: BridgeState,
    inv: Inventory,
    /// The bridge's last word on the batch (`None`: none runs there).
    status: RwSignal<Option<BatchStatus>>,
    /// The bridge was asked at least once since it connected.
    asked: RwSignal<bool>,
    /// The last call's failure.
    error: RwSignal<Option<String>>,
    /// The batch's tokens as the journal holds them, without their seeds (the hand-outs).
    handouts: RwSignal<Vec<Handout>>,
    /// Settled rows when the results were last read (read again when it changes).
    settled: StoredValue<Option<(usize, bool)>>,
    in_flight: StoredValue<bool>,
}

impl BatchTool {
    pub fn new(bridge: BridgeState, inv: Inventory) -> Self {
        let t = BatchTool {
            bridge,
            inv,
            status: RwSignal::new(None),
            asked: RwSignal::new(false),
            error: RwSignal::new(None),
            handouts: RwSignal::new(Vec::new()),
            settled: StoredValue::new(None),
            in_flight: StoredValue::new(false),
        };
        // Re-attach at once when the bridge connects (a reload mid-batch), then keep watching.
        Effect::new(move |_| {
            let connected = bridge.connection.with(Option::is_some);
            t.asked.set(false);
            if connected {
                t.poll();
            }
        });
        if let Ok(h) = set_interval_with_handle(move || t.poll(), POLL) {
            on_cleanup(move || h.clear());
        }
        t
    }

    fn connection(&self) -> Option<Bridge> {
        self.bridge.connection.get_untracked()
    }

    /// Asks the bridge for the batch (one request at a time), and reads its journal when a
    /// token was settled since the last time.
    fn poll(self) {
        let Some(b) = self.connection() else { return };
        if self.in_flight.get_value() {
            return;
        }
        // Once at connection (re-attaching after a reload), then only while a batch runs.
        let running = self
            .status
            .with_untracked(|s| s.as_ref().is_some_and(|s| !s.ended));
        if self.asked.get_untracked() && !running {
            return;
        }
        self.in_flight.set_value(true);
        spawn_local(async move {
            let r = client::call::<endpoint::GetBatch>(&b, &tokensmith_api::NoBody).await;
            self.in_flight.set_value(false);
            match r {
                Ok(c) => self.show(c.batch),
                Err(e) => self.error.set(Some(e.message)),
            }
            self.asked.set(true);
        });
    }

    /// Shows what the bridge answered; reads the journal's tokens when some were settled.
    fn show(self, s: Option<BatchStatus>) {
        let key = s.as_ref().map(|s| {
            let settled = s
                .rows
                .iter()
                .filter(|r| matches!(r.status, RowStatus::Verified | RowStatus::Burned))
                .count();
            (settled, s.ended)
        });
        if key.is_some() && key != self.settled.get_value() {
            self.settled.set_value(key);
            self.read_results();
        }
        self.status.set(s);
    }

    /// After an action: the bridge's answer is the new status, or the failure is shown.
    fn answered(self, r: Result<BatchStatus, ApiError>) {
        match r {
            Ok(s) => {
                self.error.set(None);
                self.show(Some(s));
            }
            Err(e) => self.error.set(Some(e.message)),
        }
    }

    /// Reads the batch's tokens from its journal into the inventory and the hand-outs.
    fn read_results(self) {
        let Some(b) = self.connection() else { return };
        spawn_local(async move {
            match client::call::<endpoint::BatchResultsOf>(&b, &tokensmith_api::NoBody).await {
                Ok(r) => {
                    self.handouts.set(r.rows.iter().map(Handout::of).collect());
                    let kept: Vec<(String, Option<u8>)> = r
                        .rows
                        .iter()
                        .map(|x| (x.serial.clone(), x.profile))
                        .collect();
                    for row in r.rows {
                        fill(self.inv, row);
                    }
                    for serial in &r.attention {
                        set_aside(self.inv, serial, &kept);
                    }
                }
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }
}

/// One journal row into the inventory: added, or its row updated where the token (serial,
/// profile) is listed already (the same seed: only a newer verification; another seed: the
/// token was burned again).
fn fill(inv: Inventory, r: BatchResultRow) {
    let Ok(parsed) = Secret::parse(r.secret.as_str(), Encoding::Base32) else {
        return;
    };
    let rec = TokenRecord {
        upn: r.upn,
        serial: r.serial,
        secret: parsed.secret,
        interval: r.period,
        manufacturer: r.manufacturer,
        model: r.model,
        algorithm: r.algorithm,
        profile: r.profile,
        display_name: r.display_name,
    };
    let mut status = Status::new(Origin::Burned { at: r.burned_at }, r.digits);
    if r.verified {
        status.check = Check::Verified {
            drift: 0,
            period: r.period,
            how: How::Confirmed,
        };
    }
    match inv.find_token(&rec.serial, rec.profile) {
        Some((_, row)) if row.rec.secret == rec.secret => {
            if row.status.check != status.check && r.verified {
                inv.set_status(row.id, |s| s.check = status.check);
            }
        }
        Some((_, row)) => inv.replace(row.id, rec, status),
        None => {
            inv.add(rec, status);
        }
    }
}

/// A token the journal no longer counts as holding its new seed (its code did not match, or
/// its burn was cut off) leaves the inventory (Undo brings it back): it is never exported.
fn set_aside(inv: Inventory, serial: &str, kept: &[(String, Option<u8>)]) {
    let stale: Vec<u64> = inv.rows.with_untracked(|rows| {
        rows.iter()
            .filter(|r| {
                r.rec.serial == serial
                    && matches!(r.status.origin, Origin::Burned { .. })
                    && !kept.contains(&(r.rec.serial.clone(), r.rec.profile))
            })
            .map(|r| r.id)
            .collect()
    });
    for id in stale {
        inv.remove(id);
        inv.status.set((
            false,
            format!(
                "Token {serial} left the list: the batch's journal says its code did not match or its burn was cut off (results-to-csv lists it for attention). It is not exported."
            ),
        ));
    }
}

#[component]
pub fn BatchPanel(tool: BatchTool) -> impl IntoView {
    let running = move || tool.status.with(|s| s.as_ref().is_some_and(|s| !s.ended));
    view! {
        <section class="batch" data-testid="batch-tool" aria-labelledby="batch-h">
            <div class="batch-screen">
                <h2 id="batch-h">"Batch: a box of tokens for a list of users"</h2>
                <p class="muted">
                    "The bridge burns token after token: place one on a reader, it gets a fresh seed for the next user, is checked and recorded in the bridge's journal; take it off, place the next."
                </p>
                <Show
                    when=move || tool.bridge.connection.with(Option::is_some)
                    fallback=|| view! { <p class="muted" data-testid="batch-no-bridge">"Connect to the hardware bridge (step 1) to run a batch."</p> }
                >
                    <queue::Queue tool />
                </Show>
                <p class="error" role="alert" data-testid="batch-error">{move || tool.error.get()}</p>
            </div>
            // The hand-outs right under the batch they are for; printed alone.
            <handout::Handouts tool />
            <div class="batch-screen">
                <Show when=move || tool.bridge.connection.with(Option::is_some) && !running()>
                    <setup::SetupForm tool />
                </Show>
            </div>
        </section>
    }
}
