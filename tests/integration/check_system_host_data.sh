#!/usr/bin/env bash
# --load and --dump on a system of chips: a load without a chip reaches every chip, FILE@cN:ADDR only chip N; a dump
# names its chip (cN:ADDR:LEN:FILE) and reads that chip's memory.
#   check_system_host_data.sh WORKDIR NPUEMU HELLO_ELF
set -u
work=$1 npuemu=$(realpath "$2") hello=$(realpath "$3")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
failed=0
fail() { echo "FAIL: $*"; failed=1; }
head -c 4096 /dev/urandom > every.bin
head -c 3000 /dev/urandom > chip2.bin
"$npuemu" run -q --system node4 --set chips.config=test --load every.bin@0x83000000 --load chip2.bin@c2:0x83100000 \
  --dump c3:0x83000000:4096:c3_every.bin --dump c0:0x83000000:4096:c0_every.bin \
  --dump c2:0x83100000:3000:c2_own.bin --dump c1:0x83100000:3000:c1_own.bin "$hello" > /dev/null ||
  fail "the run with loads and dumps exited $?"
cmp -s every.bin c0_every.bin || fail "chip 0 did not get the load without a chip"
cmp -s every.bin c3_every.bin || fail "chip 3 did not get the load without a chip"
cmp -s chip2.bin c2_own.bin || fail "chip 2 did not get its own load"
cmp -s chip2.bin c1_own.bin && fail "chip 1 got chip 2's load"
[ "$(head -c 3000 /dev/zero | cmp - c1_own.bin > /dev/null && echo zero)" = zero ] ||
  fail "chip 1's region is not the zeros it started with"
[ "$failed" -eq 0 ] && echo "ok: loads reach every chip or the one named; dumps read the chip named" || exit 1
