//! viatrack's browser tracker (placeholder until the tracker issue lands).
use wasm_bindgen::prelude::*;

/// Whether `s` is a valid affiliate token (core's token rules).
#[wasm_bindgen(js_name = isValidToken)]
pub fn is_valid_token(s: &str) -> bool {
    viatrack_core::ViaToken::validate(s).is_ok()
}
