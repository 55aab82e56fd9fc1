#!/usr/bin/env bash
# DocC documentation of the library targets (TypeGraph: the graph, passes and pipelines, with the
# "Writing a pass" article; Reports: explanations and the retention report; RustBTF: the whole
# conversion) as static HTML in dist/docs/<target>.
# Warnings about unresolved symbol links fail the run, so the pages never point at nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/docs
for target in TypeGraph Reports RustBTF; do
  out=dist/docs/$(echo "$target" | tr 'A-Z' 'a-z')
  swift package --allow-writing-to-directory "$out" generate-documentation --target "$target" \
    --disable-indexing --transform-for-static-hosting --output-path "$out" --warnings-as-errors
  echo "docs: $out/documentation/$(echo "$target" | tr 'A-Z' 'a-z')/index.html"
done
