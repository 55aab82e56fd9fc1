#!/usr/bin/env bash
# The README's first command: installs what rustbtf needs, builds it, converts a bundled Rust
# sample, shows the result (the BTF, a data-carrying enum as a C header, the retention report),
# and checks it offline and with the running kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product rustbtf >&2
sample=${1:-Corpus/objects/rust_enums-O0.elf}
out=$(mktemp -d)/$(basename "$sample").btf
.build/release/rustbtf "$sample" -o "$out"
echo "== first lines of 'rustbtf dump $out'"
.build/release/rustbtf dump "$out" > "$out.txt"   # whole, then shown in part: no SIGPIPE under pipefail
head -n 40 "$out.txt"
if command -v bpftool >/dev/null; then
  echo "== the enum Shape in 'bpftool btf dump file $out format c'"
  bpftool btf dump file "$out" format c | awk '/^struct Shape \{/,/^\};/'
fi
echo "== rustbtf --stats (what reached BTF of the Rust types in the DWARF)"
.build/release/rustbtf --stats "$sample" -o "$out" > "$out.stats" 2>/dev/null
head -n 8 "$out.stats"
echo "== rustbtf verify --kernel $out"
.build/release/rustbtf verify --kernel "$out"
