#!/usr/bin/env bash
# One entry point for set-up, build, run and test on Debian 12.
#   ./dev.sh run    install dependencies, build, start the hub (SQLite, ./syncer-data)
#   ./dev.sh test   install dependencies, build, run the whole test suite (CTest)
#   ./dev.sh install | build   the individual steps
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${BUILD_DIR:-build}
PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3 curl openssl rsync
  libcaf-dev libboost-dev libboost-system-dev libsqlitecpp-dev libsqlite3-dev
  libyaml-cpp-dev libsimdjson-dev libcrypto++-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "dev.sh: all ${#PACKAGES[@]} Debian packages already installed"
    return
  fi
  echo "dev.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
  ninja -C "$BUILD_DIR"
}

case "${1:-}" in
  install) install_deps ;;
  build) install_deps; build ;;
  run)
    install_deps; build
    shift
    exec "$BUILD_DIR/syncer" node --role server "$@"
    ;;
  test)
    install_deps; build
    cd "$BUILD_DIR"
    exec ctest --output-on-failure --timeout 900 -j "${TEST_JOBS:-1}"
    ;;
  *)
    sed -n '2,6p' "$0"
    exit 2
    ;;
esac
