//! The target models the page offers, in picker order. What each can do, and why, is
//! `tokensmith_core::caps`: the page holds no model facts of its own.

use tokensmith_core::caps::Model;

/// Every model in core's table, in its order (Token2 cards and fobs, Molto2, OATH keys, apps).
pub const PRESETS: [Model; 14] = Model::ALL;

pub const DEFAULT_PRESET: Model = Model::C301;

/// The model saved under its slug, or the default.
pub fn by_id(id: &str) -> Model {
    PRESETS
        .into_iter()
        .find(|m| m.caps().slug == id)
        .unwrap_or(DEFAULT_PRESET)
}
