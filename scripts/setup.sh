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

# Per-step timing (issue 29): `timed NAME` ends the step before (printing its seconds) and
# starts NAME; `timings` prints the table. Steps run in the background report their own.
T_NAMES=(); T_SECS=(); T_NOW=""; T_START=$SECONDS; T_ALL=$SECONDS
timed() {
  if [ -n "$T_NOW" ]; then T_NAMES+=("$T_NOW"); T_SECS+=("$((SECONDS - T_START))"); echo "    ($T_NOW: $((SECONDS - T_START)) s)"; fi
  T_NOW="$1"; T_START=$SECONDS; CURRENT_STEP="$1"
}
timings() {
  timed ""
  printf '\nsetup step          seconds\n'
  for i in "${!T_NAMES[@]}"; do printf '%-20s %6s\n' "${T_NAMES[$i]}" "${T_SECS[$i]}"; done
  printf '%-20s %6s\n' "setup total" "$((SECONDS - T_ALL))"
}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# --- 1. Debian packages --------------------------------------------------------------
timed "apt packages"
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
timed "rust-lld"
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
timed "rustup link"
if command -v rustup >/dev/null 2>&1; then
  if ! rustup toolchain list | grep -q '^debian'; then
    step "rustup toolchain link debian /usr"
    rustup toolchain link debian /usr
  fi
  CARGO=(cargo +debian)
else
  CARGO=(/usr/bin/cargo)
fi

# --- 3. npm and PyPI, in the background ----------------------------------------------
# They wait on the network, not the CPU: they run while the wasm32 std and the cargo tools
# compile, each into its own log, and are waited for (and their failure reported) below.
npm_step() {
  set -euo pipefail
  local t0=$SECONDS
  # npm packages (wrangler, binaryen, Node 22, playwright-core, selenium-webdriver):
  # `npm install` with the committed lock installs the locked versions. Not `npm ci`: the
  # registry here lists no other-platform builds of workerd/esbuild, so the lock holds only
  # the linux ones and `npm ci` refuses it as out of sync.
  stamp="node_modules/.viatrack-lock-sha"
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    step "npm install (locked versions)"
    npm install --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  else
    echo "npm packages: up to date"
  fi
  [ -x node_modules/.bin/wasm-opt ] || fail "node_modules/.bin/wasm-opt missing after npm install"
  [ -x node_modules/.bin/node ] || fail "node_modules/.bin/node (Node 22) missing after npm install"

  echo "    (npm install: $((SECONDS - t0)) s)"
}
pip_step() {
  set -euo pipefail
  local t0=$SECONDS
  # schemathesis (PyPI) in a project virtualenv, for the OpenAPI test.
  SCHEMATHESIS_VERSION=4.32.5
  if ! .venv/bin/schemathesis --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
    step "pip install schemathesis==$SCHEMATHESIS_VERSION (into .venv)"
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  echo "schemathesis: $(.venv/bin/schemathesis --version)"

  echo "    (schemathesis: $((SECONDS - t0)) s)"
}
fail() { echo "FAILED: $*"; exit 1; }
mkdir -p target
( trap - ERR; npm_step ) > target/setup-npm.log 2>&1 & NPM_PID=$!
( trap - ERR; pip_step ) > target/setup-pip.log 2>&1 & PIP_PID=$!

# --- 4. wasm32 std built from rust-web-src ------------------------------------------
timed "wasm32 std"
bash "$ROOT/scripts/install-wasm32-std.sh"

# --- 5. cargo-installed tools at the versions Cargo.lock needs -----------------------
timed "cargo tools"
export PATH="$HOME/.cargo/bin:$PATH"
lock_version() { awk -v n="$1" '$0=="name = \""n"\"" {getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock"; }
WB_VERSION="$(lock_version wasm-bindgen)"
WORKER_VERSION="$(lock_version worker)"
[ -n "$WB_VERSION" ] || die "wasm-bindgen not found in Cargo.lock"
[ -n "$WORKER_VERSION" ] || die "worker not found in Cargo.lock"
have() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }
# The two installs run at the same time, each into its own log: on 2 cores each cargo's
# serial tail (the last crates, the link) overlaps the other's parallel part. Profiles
# (issue 29): worker-build only orchestrates (it runs cargo, wasm-bindgen and esbuild), so it
# is built unoptimised, which takes about a third of the time; wasm-bindgen rewrites every
# wasm the build makes, so it keeps some optimisation (opt-level 1). Versions stay locked.
tool_install() {  # NAME, then cargo install's arguments
  local name="$1" t0=$SECONDS; shift
  step "cargo install $name (log: target/setup-$name.log)"
  "${CARGO[@]}" install --force "$@" > "target/setup-$name.log" 2>&1 \
    || { tail -30 "target/setup-$name.log" >&2; return 1; }
  echo "    ($name: $((SECONDS - t0)) s)"
}
pids=()
# wasm-bindgen-cli must NOT be --locked (its lockfile pins a webpki-roots the index lacks).
have wasm-bindgen "$WB_VERSION" || { CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
  tool_install wasm-bindgen-cli wasm-bindgen-cli --version "$WB_VERSION" & pids+=($!); }
have worker-build "$WORKER_VERSION" || { CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_DEBUG=false \
  tool_install worker-build --locked worker-build --version "$WORKER_VERSION" & pids+=($!); }
for pid in "${pids[@]}"; do wait "$pid" || die "cargo install (log above)"; done
have wasm-bindgen "$WB_VERSION" || die "wasm-bindgen $WB_VERSION missing after cargo install"
have worker-build "$WORKER_VERSION" || die "worker-build $WORKER_VERSION missing after cargo install"
echo "cargo tools: wasm-bindgen $WB_VERSION (with wasm-bindgen-test-runner), worker-build $WORKER_VERSION"

# --- 6. the background steps ----------------------------------------------------------
timed "wait npm, pip"
for job in "npm:$NPM_PID:target/setup-npm.log" "schemathesis:$PIP_PID:target/setup-pip.log"; do
  IFS=: read -r name pid log <<<"$job"
  if wait "$pid"; then cat "$log"; else cat "$log" >&2; die "$name (background; log above, $log)"; fi
done

timings
CURRENT_STEP="done"
echo
[ -x /usr/bin/WebKitWebDriver ] || die "/usr/bin/WebKitWebDriver missing (webkit2gtk-driver)"
echo "setup: done (rustc $(/usr/bin/rustc --version | awk '{print $2}'), chromium $(chromium --version 2>/dev/null | awk '{print $2}'), webkit $(dpkg-query -W -f='${Version}' webkit2gtk-driver))"
