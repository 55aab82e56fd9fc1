#!/usr/bin/env bash
# libFuzzer on rustbtf's readers (Tools/Fuzz): the BTF decoder, the offline validator, the
# pipeline parser and the ELF/DWARF importer, each for SECONDS (default 600), with address
# sanitizer, seeded from the corpus. Crashes, leaks and timeouts are written to
# OUTDIR/<target>/; replay one with
#   RUSTBTF_FUZZ_TARGET=<target> swift run rustbtf-fuzz OUTDIR/<target>/crash-…
# Exit 1 if any target found something. Not part of `swift test` (minutes per target).
# Usage: bash scripts/fuzz.sh [SECONDS=600] [OUTDIR=/tmp/rustbtf-fuzz] [TARGET…]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600} out=${2:-/tmp/rustbtf-fuzz}
shift $(( $# < 2 ? $# : 2 ))
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(decode validate pipeline import)
cd "$root"
swift build --build-path .build/fuzz --product rustbtf-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DRUSTBTF_FUZZ >&2 || exit 1
swift build --product rustbtf >&2 || exit 1
fuzzer=$root/.build/fuzz/debug/rustbtf-fuzz
rustbtf=$(swift build --show-bin-path)/rustbtf

# Seeds: the corpus's BTF, its objects, and pipeline texts.
seeds=$out/seeds
rm -rf "$seeds"; mkdir -p "$seeds/btf" "$seeds/elf" "$seeds/pipeline"
for f in Corpus/objects/*.o Corpus/objects/*.elf; do
  "$rustbtf" -q "$f" -o "$seeds/btf/$(basename "$f").btf" || true
  [ "$(stat -c %s "$f")" -lt 200000 ] && cp "$f" "$seeds/elf/"
done
# Inputs a fuzz run once found a problem with (Corpus/fuzz/<target>/), replayed first every run;
# CorruptInputTests runs the importer's in `swift test` too.
for d in Corpus/fuzz/*/; do
  case $(basename "$d") in decode|validate) dst=btf;; import) dst=elf;; pipeline) dst=pipeline;; *) continue;; esac
  cp "$d"* "$seeds/$dst/"
done
i=0
for p in all dedup "demote-unrepresentable,sanitize-names<max-length=128>,prune-dependents<policy=strict>" \
         "select-symbols<functions=ftrace;variables=all;nocall=keep>" "sanitize-names<tag-original-names;qualify=all>"; do
  printf '%s' "$p" > "$seeds/pipeline/$i"; i=$((i + 1))
done

found=0
for t in "${targets[@]}"; do
  case $t in decode|validate) s=$seeds/btf;; import) s=$seeds/elf;; pipeline) s=$seeds/pipeline;; *) echo "unknown target $t" >&2; exit 64;; esac
  mkdir -p "$out/$t/corpus"
  echo "=== $t, ${seconds}s" >&2
  # The Swift backtracer would hold a crashing process; libFuzzer reports crashes itself.
  SWIFT_BACKTRACE=enable=no RUSTBTF_FUZZ_TARGET=$t timeout -s KILL $((seconds + 120)) "$fuzzer" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -artifact_prefix="$out/$t/" \
    "$out/$t/corpus" "$s" > "$out/$t.log" 2>&1
  rc=$?
  runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$out/$t.log" | tail -1)
  artefacts=$(ls "$out/$t" | grep -c -E '^(crash|leak|timeout|oom)-' || true)
  echo "fuzz $t: exit $rc, ${runs:-no summary}, $artefacts crash/leak/timeout files" >&2
  if [ "$rc" != 0 ] || [ "$artefacts" != 0 ]; then found=1; tail -20 "$out/$t.log" >&2; fi
done
exit $found
