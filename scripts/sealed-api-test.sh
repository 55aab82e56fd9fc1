#!/usr/bin/env bash
# sealed-api-test.sh — the graph's storage is not the library's API. An external package (a
# library user: outside rustbtf's package, so `package` declarations are out of its reach) is
# built against the TypeGraph product: a pass author's reads and writes through the graph's
# operations must compile, and each snippet below, which reaches the storage (a column, the
# decision log's writers, NarrowColumn, appendSplitBase, AnonymousKey, the raw column writers),
# must FAIL to compile with the compiler naming the protection level. A snippet that compiles
# is a hole in the seal and fails the test. Ends with "sealed-api-test: N passed, N failed".
# Usage: bash scripts/sealed-api-test.sh   (builds in a temporary directory; a few minutes)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The dependency is named rustbtf whatever the checkout's directory is called.
mkdir -p "$work/user/Sources/User" "$work/user/Sources/Sealed"
ln -s "$root" "$work/rustbtf"
[ -f "$root/Package.resolved" ] && cp "$root/Package.resolved" "$work/user/"
cat >"$work/user/Package.swift" <<'EOF'
// swift-tools-version:6.0
import PackageDescription
let package = Package(
  name: "user",
  dependencies: [.package(path: "../rustbtf")],
  targets: [
    .target(name: "User", dependencies: [.product(name: "TypeGraph", package: "rustbtf")]),
    .target(name: "Sealed", dependencies: [.product(name: "TypeGraph", package: "rustbtf")]),
  ])
EOF

# What a user may do: build a graph, read it, read the decisions.
cat >"$work/user/Sources/User/User.swift" <<'EOF'
import TypeGraph
public func readGraph() -> Int {
  var g = TypeGraph()
  let int = g.add(.int, name: g.strings.intern("int"), size: 4, aux: 32)
  let p = g.add(.pointer, ref: int)
  _ = g.members(of: int)
  return g.count + Int(g.size(int)) + g.decisions.count + g.decisions.mergeCount + (g.kind(p) == .pointer ? 1 : 0)
}
EOF
echo "public func sealed() {}" >"$work/user/Sources/Sealed/Sealed.swift"
cd "$work/user" || exit 1
if swift build >"$work/build.log" 2>&1; then
  ok "a user package builds against the library (graph built, read, decisions read)"
else
  bad "the user package does not build, so no snippet below proves anything:"; tail -20 "$work/build.log"
  echo "sealed-api-test: $pass passed, $fail failed"; exit 1
fi

# EXPECTED FRAGMENT OF THE ERROR | SNIPPET (the body of a function with `var g = TypeGraph()`).
# A `package` type is not found at all from outside; so that a rename cannot make such a case
# pass vacuously, every name quoted in a fragment must be declared in Sources/TypeGraph (but
# emissionSequence, the field the encoder's derived order replaced, which must not come back).
cases=(
  "setter is inaccessible|g.decisions = DecisionLog()"
  "'kinds' is inaccessible|_ = g.kinds"
  "'memberTypes' is inaccessible|g.memberTypes[0] = .void"
  "cannot find 'NarrowColumn' in scope|_ = NarrowColumn<UInt64, UInt32>()"
  "'record' is inaccessible|g.decisions.record(g.decisions[0])"
  "'recordMerge' is inaccessible|g.decisions.recordMerge(.void, into: .void)"
  "'appendSplitBase' is inaccessible|g.appendSplitBase(TypeGraph(), stringSection: [])"
  "cannot find 'AnonymousKey' in scope|_ = AnonymousKey(kind: .int, count: 0)"
  "'setKind' is inaccessible|g.setKind(.void, .int)"
  "'setMembers' is inaccessible|g.setMembers(.void, [Member]())"
  "has no member 'emissionSequence'|_ = g.emissionSequence"
)
for c in "${cases[@]}"; do
  expected=${c%%|*} snippet=${c#*|}
  name=$(echo "$expected" | sed -n "s/.*'\\(.*\\)'.*/\\1/p")
  if [ -n "$name" ] && [ "$name" != emissionSequence ] && \
     ! grep -rqE "(func|var|struct|class) $name\\b" "$root/Sources/TypeGraph"; then
    bad "$name is no longer declared in Sources/TypeGraph: update the case '$snippet'"; continue
  fi
  printf 'import TypeGraph\npublic func sealed() {\n  var g = TypeGraph()\n  %s\n  _ = g.count\n}\n' "$snippet" \
    >"$work/user/Sources/Sealed/Sealed.swift"
  if swift build --target Sealed >"$work/snippet.log" 2>&1; then
    bad "compiles for a library user: $snippet"
  elif grep -q -- "$expected" "$work/snippet.log"; then
    ok "refused for a library user: $snippet ($expected)"
  else
    bad "fails to compile, but not for its access level: $snippet"; grep error: "$work/snippet.log" | head -3
  fi
done
echo "sealed-api-test: $pass passed, $fail failed"
[ "$fail" = 0 ]
