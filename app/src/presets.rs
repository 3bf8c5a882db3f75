//! The target models the page offers, in picker order. What each can do, and why, is
//! `tokensmith_core::caps`: the page holds no model facts of its own.

use tokensmith_core::caps::Model;

/// Every model in core's table, in its order (Token2 cards and fobs, Molto2, OATH keys, apps).
pub const PRESETS: [Model; 14] = Model::ALL;

/// The default target and the model saved under its slug: the shell starts with them too.
pub use tokensmith_shell::first::{by_id, DEFAULT_PRESET};
