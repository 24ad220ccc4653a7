#!/usr/bin/env bash
# Build std for wasm32-unknown-unknown with Debian's rustc-web from rust-web-src and install
# it into the sysroot (TOOLCHAIN.md §3). Skips when a stamp shows it was built by this rustc.
set -euo pipefail
RUSTC_BIN=/usr/bin/rustc; CARGO_BIN=/usr/bin/cargo; TARGET=wasm32-unknown-unknown
SYSROOT="$("$RUSTC_BIN" --print sysroot)"
DEST="$SYSROOT/lib/rustlib/$TARGET/lib"
STAMP="$SYSROOT/lib/rustlib/$TARGET/.std-built-by"
WANT="$("$RUSTC_BIN" -vV)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && ls "$DEST"/libstd-*.rlib >/dev/null 2>&1; then
  echo "wasm32 std: already built for $(head -1 "$STAMP")"; exit 0
fi
echo "==> building wasm32 std with $("$RUSTC_BIN" --version)"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src"
printf '[package]\nname = "wasm-std-dummy"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n' > "$WORK/Cargo.toml"
echo '#![no_std]' > "$WORK/src/lib.rs"
( cd "$WORK" && env RUSTC="$RUSTC_BIN" RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Cembed-bitcode=yes" \
    CARGO_TARGET_DIR="$WORK/target" \
    "$CARGO_BIN" build --release --target "$TARGET" -Zbuild-std=std,panic_abort,test )
rm -rf "$DEST"; mkdir -p "$DEST"
for f in "$WORK/target/$TARGET/release/deps/"lib*.rlib "$WORK/target/$TARGET/release/deps/"lib*.rmeta; do
  case "$(basename "$f")" in libwasm_std_dummy-*) continue;; esac
  install -m 0644 "$f" "$DEST/"
done
printf '%s\n' "$WANT" > "$STAMP"
echo "wasm32 std: installed into $DEST"
