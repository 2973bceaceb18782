#!/usr/bin/env bash
# Installs, from Debian's archive, whatever npuemu's build and tests need and is not yet installed.
# Idempotent and quick when everything is present: it asks dpkg first and only calls apt-get for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config zlib1g-dev
  libsystemc-dev verilator libyaml-cpp-dev libcli11-dev doctest-dev nlohmann-json3-dev
  gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  gdb-multiarch python3 jq chromium slurm-wlm munge libjs-vega
  clang libclang-rt-14-dev
)
# clang and libclang-rt-14-dev: the fuzz targets (tests/fuzz/, make test-fuzz): libFuzzer and clang's sanitizer
# runtimes (libclang-rt is only a recommendation of clang, which --no-install-recommends leaves out).

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "setup: these packages are missing and I am not root (and there is no sudo): ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
