#!/usr/bin/env bash
# Tests the artefacts of scripts/package.sh on this machine with the Swift installation out of
# reach: the packaged binary (from the .deb and from the tarball) runs in a mount namespace with
# an empty directory mounted over the Swift toolchain, and the BTF it writes for corpus objects
# must be byte-identical to the development build's (`swift build`). Also: no shared library of
# the binary comes from Swift, the .deb's Depends are installed packages, -J works, and
# `--version` is pahole's line, and the library's storage is sealed from an external package
# (scripts/sealed-api-test.sh). Needs root (unshare -m). Ends with "package-test: N passed, N failed".
# Usage: bash scripts/package-test.sh [DISTDIR]   (default dist/)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(cd "${1:-$root/dist}" && pwd)
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

deb=$(ls "$dist"/rustbtf_*_amd64.deb | head -1)
tarball=$(ls "$dist"/rustbtf-*-x86_64-linux.tar.gz | head -1)
[ -f "$deb" ] && [ -f "$tarball" ] || { echo "package-test: run scripts/package.sh first (no .deb/.tar.gz in $dist)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/deb"
mkdir -p "$work/tar" && tar -xzf "$tarball" -C "$work/tar"
deb_bin=$work/deb/usr/bin/rustbtf
tar_bin=$(ls "$work"/tar/*/bin/rustbtf)

# The development build, for the reference outputs.
(cd "$root" && swift build >/dev/null 2>&1) || { echo "package-test: swift build failed"; exit 1; }
dev_bin=$(cd "$root" && swift build --show-bin-path)/rustbtf
swift_root=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")  # /opt/swift

if ldd "$deb_bin" | grep -q -e swift -e "$swift_root"; then bad "the binary loads Swift libraries: $(ldd "$deb_bin" | grep swift)"; else ok "no Swift library among: $(ldd "$deb_bin" | awk '{print $1}' | tr '\n' ' ')"; fi

for p in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*//; s/ //g'); do
  if dpkg -s "$p" >/dev/null 2>&1; then ok "Depends: $p is an installed Debian package"; else bad "Depends: $p is not installed"; fi
done

# Runs the packaged binary with $swift_root hidden (an empty tmpfs over it).
hidden() { unshare -m sh -c 'mount -t tmpfs none "$0" && exec "$@"' "$swift_root" "$@"; }
if ! hidden true 2>/dev/null; then bad "unshare -m needs root"; echo "package-test: $pass passed, $fail failed"; exit 1; fi
if hidden sh -c 'ls "$0"/usr/bin/swift' "$swift_root" >/dev/null 2>&1; then bad "the Swift installation is still visible"; fi
if hidden "$dev_bin" --version >/dev/null 2>&1; then bad "the development build runs without Swift: the test would prove nothing"; else ok "the development build cannot run with $swift_root hidden"; fi

for kind in deb tarball; do
  bin=$deb_bin; [ "$kind" = tarball ] && bin=$tar_bin
  [ "$(hidden "$bin" --version)" = "$("$dev_bin" --version)" ] && ok "$kind's rustbtf --version: $(hidden "$bin" --version)" || bad "$kind's rustbtf --version"
  for o in rust_enums-O0.o rust_generics-O2.o mixed-O2.elf bindings-O2.elf c_types-O0.elf; do
    f=$root/Corpus/objects/$o
    "$dev_bin" -q "$f" -o "$work/dev.btf" || { bad "development build on $o"; continue; }
    if hidden "$bin" -q "$f" -o "$work/pkg.btf" && cmp -s "$work/dev.btf" "$work/pkg.btf"; then
      ok "$kind's rustbtf, Swift hidden: $o byte-identical ($(stat -c %s "$work/pkg.btf") bytes)"
    else
      bad "$bin on $o: differs from the development build or failed"
    fi
  done
done

# pahole's command line, in place, with Swift hidden.
cp "$root/Corpus/objects/mixed-O2.elf" "$work/m.elf"
"$dev_bin" -q --btf_encode_detached "$work/dev.btf" "$root/Corpus/objects/mixed-O2.elf"
if hidden "$deb_bin" -J --btf_gen_floats -j "$work/m.elf" && \
   objcopy --dump-section .BTF="$work/sec.btf" "$work/m.elf" "$work/scratch" && cmp -s "$work/sec.btf" "$work/dev.btf"; then
  ok "-J writes the same .BTF as the development build"
else
  bad "-J with the packaged binary"
fi
zcat "$work/deb/usr/share/man/man1/rustbtf.1.gz" | grep -q -- "btf_base" && ok "man page lists pahole's options" || bad "man page"
zcat "$work/deb/usr/share/man/man1/rustbtf.1.gz" | grep -q '^|' && bad "man page has raw Markdown table rows" || ok "man page lists pahole's options as roff, not Markdown rows"

# The graph's storage is out of a library user's reach: an external package must fail to compile
# every snippet that touches it.
if bash "$root/scripts/sealed-api-test.sh" >"$work/sealed.log" 2>&1; then
  ok "$(tail -1 "$work/sealed.log") (the library's storage is sealed)"
else
  bad "scripts/sealed-api-test.sh: $(grep -m3 -e FAIL -e 'sealed-api-test:' "$work/sealed.log" | tr '\n' ' ')"
fi

echo "package-test: $pass passed, $fail failed"
[ "$fail" = 0 ]
