//! Setting a Token2 or Molto2 clock through the bridge. On most single-profile Token2 models
//! the bridge refuses first (`will_clear_seed`): writing the config would clear the seed, so
//! the user confirms before it is sent again with `confirm_clear_seed`.

use super::client::{self, DeviceKind, SecretString};
use super::failure::Failure;
use super::outcome::Outcome;
use super::Panel;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_api::ErrorCode;

impl Panel {
    pub(super) fn sync(self, confirm: bool) {
        let (Some(b), Some(d)) = (self.bridge.connection.get_untracked(), self.device()) else {
            return;
        };
        let cred = self.credential.with_untracked(|c| c.trim().to_string());
        let mut req = client::SyncRequest {
            reader: Some(d.reader.clone()),
            customer_key: (d.kind == DeviceKind::Molto2 && !cred.is_empty())
                .then(|| SecretString::from(cred)),
            confirm_clear_seed: confirm,
            ..client::SyncRequest::default()
        };
        if d.kind == DeviceKind::Molto2 {
            req.model = Some(super::request_model(super::molto2_model(&d)));
        }
        if d.kind == DeviceKind::Token2 {
            let otp = self.params.otp.get_untracked();
            req.algorithm = Some(otp.algorithm);
            req.period = Some(otp.period);
        }
        self.progress.set("Setting the clock…".into());
        self.bridge.busy.set(true);
        self.outcome.set(None);
        spawn_local(async move {
            let res = client::sync(&b, &req).await;
            self.bridge.busy.set(false);
            match res {
                Ok(r) => {
                    self.outcome.set(Some(Outcome::Synced(r)));
                    self.refresh();
                }
                Err(e) if Failure::of(&e) == ErrorCode::WillClearSeed => {
                    self.outcome.set(Some(Outcome::ConfirmSync(e.message)))
                }
                Err(e) => {
                    self.lost(&b, &e);
                    self.outcome.set(Some(Outcome::Failed {
                        what: "Clock sync",
                        err: e,
                    }));
                }
            }
        });
    }
}
