#!/usr/bin/env bash
# scripts/setup.sh — install everything viatrack needs on a fresh Debian 12 machine.
#
# Idempotent: every step checks first and skips what is already installed at the right
# version, so a second run takes seconds. Fails loudly, naming the step that failed.
# Recipe and versions: ../shared/TOOLCHAIN.md (Debian rustc-web + wasm32 std from
# rust-web-src, lld, wasm-bindgen-cli/worker-build from crates.io (no wasm-pack: the
# tracker is built with cargo + wasm-bindgen, and worker-build carries its own build code),
# wrangler, binaryen and Node 22 from npm, Debian chromium + chromium-driver; WebKitGTK's
# webkit2gtk-driver (WebKitWebDriver + MiniBrowser) and xvfb for the WebKit browser tests;
# schemathesis from PyPI in .venv for the OpenAPI test; python3-venv from Debian for it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nsetup: FAILED: %s\n' "$*" >&2; exit 1; }
trap 'die "step \"${CURRENT_STEP:-?}\" (line $LINENO) exited with an error"' ERR

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# --- 1. Debian packages --------------------------------------------------------------
CURRENT_STEP="apt packages"
APT_PKGS=(rustc-web cargo-web libstd-rust-web-dev rust-web-src rust-web-clippy rustfmt-web
  rust-web-llvm chromium chromium-driver webkit2gtk-driver xvfb build-essential pkg-config
  libssl-dev ca-certificates curl python3 python3-venv)
# (Installed with their recommends: xvfb needs xauth and mesa's software GL from them.)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  echo "apt packages: all installed"
fi
# rust-web-llvm ships /usr/bin/rust-lld -> lld-NN without depending on lld-NN: install the
# package the link names (TOOLCHAIN.md pitfall 2), never a hard-coded version.
CURRENT_STEP="rust-lld"
lld_target="$(readlink /usr/bin/rust-lld || true)"
[ -n "$lld_target" ] || die "/usr/bin/rust-lld missing (is rust-web-llvm installed?)"
if [ ! -e "$(readlink -f /usr/bin/rust-lld)" ]; then
  lld_pkg="$(basename "$lld_target")"          # e.g. lld-22
  step "apt-get install $lld_pkg (target of /usr/bin/rust-lld)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$lld_pkg"
fi
[ -e "$(readlink -f /usr/bin/rust-lld)" ] || die "/usr/bin/rust-lld still dangling"
v="$(/usr/bin/rustc --version | awk '{print $2}')"
[ -d "/usr/src/rustc-$v/library" ] || die "rust-web-src does not match rustc $v"

# --- 2. The Debian toolchain as the project toolchain --------------------------------
CURRENT_STEP="rustup toolchain link"
if command -v rustup >/dev/null 2>&1; then
  if ! rustup toolchain list | grep -q '^debian'; then
    step "rustup toolchain link debian /usr"
    rustup toolchain link debian /usr
  fi
  CARGO=(cargo +debian)
else
  CARGO=(/usr/bin/cargo)
fi

# --- 3. wasm32 std built from rust-web-src ------------------------------------------
CURRENT_STEP="wasm32 std"
bash "$ROOT/scripts/install-wasm32-std.sh"

# --- 4. cargo-installed tools at the versions Cargo.lock needs -----------------------
CURRENT_STEP="cargo tools"
export PATH="$HOME/.cargo/bin:$PATH"
lock_version() { awk -v n="$1" '$0=="name = \""n"\"" {getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock"; }
WB_VERSION="$(lock_version wasm-bindgen)"
WORKER_VERSION="$(lock_version worker)"
[ -n "$WB_VERSION" ] || die "wasm-bindgen not found in Cargo.lock"
[ -n "$WORKER_VERSION" ] || die "worker not found in Cargo.lock"
have() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }
# wasm-bindgen-cli must NOT be --locked (its lockfile pins a webpki-roots the index lacks).
have wasm-bindgen "$WB_VERSION" || { step "cargo install wasm-bindgen-cli $WB_VERSION";
  "${CARGO[@]}" install --force wasm-bindgen-cli --version "$WB_VERSION"; }
have worker-build "$WORKER_VERSION" || { step "cargo install worker-build $WORKER_VERSION";
  "${CARGO[@]}" install --force --locked worker-build --version "$WORKER_VERSION"; }
echo "cargo tools: wasm-bindgen $WB_VERSION (with wasm-bindgen-test-runner), worker-build $WORKER_VERSION"

# --- 5. npm packages (wrangler, binaryen, Node 22, playwright-core, selenium-webdriver)
# `npm install` with the committed lock installs the locked versions. Not `npm ci`: the
# registry here lists no other-platform builds of workerd/esbuild, so the lock holds only
# the linux ones and `npm ci` refuses it as out of sync.
CURRENT_STEP="npm install"
stamp="node_modules/.viatrack-lock-sha"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  step "npm install (locked versions)"
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
else
  echo "npm packages: up to date"
fi
[ -x node_modules/.bin/wasm-opt ] || die "node_modules/.bin/wasm-opt missing after npm install"
[ -x node_modules/.bin/node ] || die "node_modules/.bin/node (Node 22) missing after npm install"

# --- 6. schemathesis (PyPI) in a project virtualenv, for the OpenAPI test ---------------
CURRENT_STEP="schemathesis"
SCHEMATHESIS_VERSION=4.32.5
if ! .venv/bin/schemathesis --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  step "pip install schemathesis==$SCHEMATHESIS_VERSION (into .venv)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
echo "schemathesis: $(.venv/bin/schemathesis --version)"

CURRENT_STEP="done"
echo
[ -x /usr/bin/WebKitWebDriver ] || die "/usr/bin/WebKitWebDriver missing (webkit2gtk-driver)"
echo "setup: done (rustc $(/usr/bin/rustc --version | awk '{print $2}'), chromium $(chromium --version 2>/dev/null | awk '{print $2}'), webkit $(dpkg-query -W -f='${Version}' webkit2gtk-driver))"
