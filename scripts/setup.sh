#!/usr/bin/env bash
# Installs every Debian package the project needs (only the missing ones) and builds Release
# into build/. Safe to run again: it does nothing that is already done.
#   scripts/setup.sh            # packages + build
#   BUILD_DIR=out scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libssl-dev openssl               # libcrypto (never libssl) + the openssl CLI used as a judge
  libboost-dev libboost-program-options-dev
  libspdlog-dev libfmt-dev
  libsqlite3-dev
  libpq-dev postgresql-15          # the PostgreSQL store (libpq) + throwaway clusters for tests
  libsystemd-dev systemd           # sd_notify for Type=notify units; systemd-analyze verify in tests
  catch2 nlohmann-json3-dev        # tests only
  tshark                           # interop test: dissects our handshakes
  gnutls-bin                       # interop tests: gnutls-cli/gnutls-serv, a second TLS stack
  clang libclang-rt-14-dev         # fuzz targets (libFuzzer)
  procps iproute2 xxd python3      # ps/ss, hex and small helpers (free ports, checks) in the scripts
  valgrind                         # a hostile-peer test runs the whole flow under memcheck
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
echo "setup: built into $BUILD_DIR/ (daemons in $BUILD_DIR/bin/)"
