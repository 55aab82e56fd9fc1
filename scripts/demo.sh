#!/usr/bin/env bash
# The README's first command: installs what rustbtf needs, builds it, converts a bundled Rust
# sample, shows the result, and checks it offline and with the running kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product rustbtf >&2
sample=${1:-Corpus/objects/rust_enums-O0.elf}
out=$(mktemp -d)/$(basename "$sample").btf
.build/release/rustbtf "$sample" -o "$out"
echo "== first lines of 'rustbtf dump $out'"
.build/release/rustbtf dump "$out" | head -n 40
echo "== rustbtf verify --kernel $out"
.build/release/rustbtf verify --kernel "$out"
