//! A panic is a bug: the call ends, and the loader catches what reaches it, logs it
//! (`console.debug`) and stops using the module.
//!
//! With the `bare` feature (the release build, see `scripts/build-tracker.sh`) this module
//! also provides what std would: the `#[panic_handler]` (log once, then trap; the global
//! allocator is `heap`'s). The
//! release build compiles core with `-Cpanic=immediate-abort`, so there a panic traps at once
//! and the handler is not reached. Without `bare` (tests, `cargo clippy` with the rest of the
//! workspace) std provides both and [`report`] is installed as std's panic hook.

use core::sync::atomic::{AtomicBool, Ordering};

static LOGGED: AtomicBool = AtomicBool::new(false);

/// Logs the first panic (a fixed message: formatting the panic would pull `core::fmt` into
/// the module).
pub fn report() {
    if !LOGGED.swap(true, Ordering::Relaxed) {
        crate::page::debug("internal error, tracking stopped on this page");
    }
}

/// Installs [`report`] as std's panic hook (once).
#[cfg(not(feature = "bare"))]
pub fn install() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if !INSTALLED.swap(true, Ordering::Relaxed) {
        std::panic::set_hook(alloc::boxed::Box::new(|_| report()));
    }
}

/// Nothing to install: the panic handler below calls [`report`].
#[cfg(feature = "bare")]
pub fn install() {}

#[cfg(all(feature = "bare", target_arch = "wasm32"))]
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo<'_>) -> ! {
    report();
    core::arch::wasm32::unreachable()
}
