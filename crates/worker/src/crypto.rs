//! Secrets kept for a program (a Stripe webhook signing secret, its webhook endpoints' secrets) are stored encrypted with
//! AES-256-GCM (`aes-gcm`, RustCrypto) under the Worker secret `INTEGRATIONS_KEY` (64 hex
//! digits: `openssl rand -hex 32 | npx wrangler secret put INTEGRATIONS_KEY`), with a fresh
//! 96-bit nonce each time and the program ID as associated data, so a stored value cannot be
//! moved to another program. Stored form: `v1:` + hex(nonce ‖ ciphertext ‖ tag).

use crate::error::{ApiError, ApiResult};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use viatrack_core::ProgramId;
use worker::Env;

const MISSING: &str = "the Worker secret INTEGRATIONS_KEY (64 hex digits) is not set";

fn cipher(env: &Env) -> ApiResult<Aes256Gcm> {
    let key = env
        .secret("INTEGRATIONS_KEY")
        .map(|s| s.to_string())
        .or_else(|_| env.var("INTEGRATIONS_KEY").map(|v| v.to_string()))
        .map_err(|_| ApiError::Internal(MISSING.into()))?;
    let bytes = hex::decode(key.trim()).map_err(|_| ApiError::Internal(MISSING.into()))?;
    Aes256Gcm::new_from_slice(&bytes).map_err(|_| ApiError::Internal(MISSING.into()))
}

/// Encrypts `plaintext` for `program`.
///
/// # Errors
///
/// 500 when `INTEGRATIONS_KEY` is missing or malformed, or no randomness is available.
pub fn seal(env: &Env, program: &ProgramId, plaintext: &str) -> ApiResult<String> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let sealed = cipher(env)?
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: program.as_str().as_bytes() })
        .map_err(|_| ApiError::Internal("encryption failed".into()))?;
    Ok(format!("v1:{}{}", hex::encode(nonce), hex::encode(sealed)))
}

/// Decrypts what [`seal`] stored for `program`.
///
/// # Errors
///
/// 500 when the key is missing or the stored value does not open with it (another key, or
/// another program's value).
pub fn open(env: &Env, program: &ProgramId, stored: &str) -> ApiResult<String> {
    let bad = || ApiError::Internal("a stored secret does not open with INTEGRATIONS_KEY".into());
    let bytes = hex::decode(stored.strip_prefix("v1:").ok_or_else(bad)?).map_err(|_| bad())?;
    if bytes.len() < 12 {
        return Err(bad());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let plain = cipher(env)?
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: program.as_str().as_bytes() })
        .map_err(|_| bad())?;
    String::from_utf8(plain).map_err(|_| bad())
}
