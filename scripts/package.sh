#!/usr/bin/env bash
# Builds rustbtf's release artefacts from the committed tree (HEAD), for hosts without Swift:
#   dist/rustbtf-VERSION-x86_64-linux/bin/rustbtf           the binary
#   dist/rustbtf-VERSION-x86_64-linux.tar.gz                bin/rustbtf, share/man/man1/rustbtf.1, share/doc/rustbtf/
#   dist/rustbtf_VERSION_amd64.deb                          installs /usr/bin/rustbtf and its man page
# The binary links the Swift runtime (--static-swift-stdlib; scripts/release-build-flags.sh has
# every flag) and elfutils' libdw and libelf with
# their compression libraries (zlib, liblzma, libbz2, libzstd) statically. What stays shared,
# and why: glibc (libc, libm: every Linux host has it, and static glibc breaks NSS and dlopen),
# libstdc++ and libgcc_s (the Swift runtime's C++ support; Debian ships them on every system).
# The .deb's Depends: are computed from those libraries' Debian packages.
#
# Usage: bash scripts/package.sh [OUTDIR]   (default dist/; needs root only to apt-get
# libdw-dev/libelf-dev/zlib1g-dev/liblzma-dev/libbz2-dev/libzstd-dev when they are missing)
# SOURCE_DATE_EPOCH sets the build date (default: now).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Static archives of libdw/libelf and what they need.
need=()
for p in libdw-dev libelf-dev zlib1g-dev liblzma-dev libbz2-dev libzstd-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
multiarch=$(gcc -print-multiarch)
archives=()
for l in dw elf zstd lzma bz2 z; do
  a=/usr/lib/$multiarch/lib$l.a
  [ -f "$a" ] || { echo "package: $a missing" >&2; exit 1; }
  archives+=(-Xlinker "$a")
done

version=$(sed -n 's/.*static let version = "\(.*\)"/\1/p' "$root/Sources/RustBTF/Version.swift")
commit=$(git -C "$root" rev-parse --short=12 HEAD)
[ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] || echo "package: note: uncommitted changes are not packaged (building $commit)" >&2
build_date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
name=rustbtf-$version-x86_64-linux

# The packaging tree: HEAD as committed, with the commit stamped in and libdw/libelf taken from
# the archives above instead of pkg-config's -ldw -lelf (which would link the shared ones).
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git -C "$root" archive HEAD | tar -x -C "$src"
cat > "$src/Sources/RustBTF/BuildStamp.swift" <<STAMP
// Written by scripts/package.sh.
enum BuildStamp {
  static let commit = "$commit"
  static let date = "$build_date"
}
STAMP
sed -i 's/ pkgConfig: "libdw",//' "$src/Package.swift"
sed -i '/link "dw"/d; /link "elf"/d' "$src/Sources/CDwarf/module.modulemap"
# Packages resolve from the developer's checkout cache when there is one (no network needed).
[ -d "$root/.build/checkouts" ] && mkdir -p "$src/.build" && cp -r "$root/.build/checkouts" "$root/.build/repositories" "$src/.build/" 2>/dev/null || true
[ -f "$root/Package.resolved" ] && cp "$root/Package.resolved" "$src/"
echo "package: building $name (commit $commit) in $src" >&2
# The flags of the tree being packaged (HEAD's), not of the working tree.
# shellcheck source=scripts/release-build-flags.sh
. "$src/scripts/release-build-flags.sh"
(cd "$src" && swift build "${RELEASE_BUILD_FLAGS[@]}" --product rustbtf "${archives[@]}" >&2)
bin=$src/.build/release/rustbtf

# The staged tree: binary, man page from the --help texts and the pahole flag tables, docs.
stage=$out/$name
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/share/man/man1" "$stage/share/doc/rustbtf"
install -m 0755 "$bin" "$stage/bin/rustbtf"
strip --strip-debug "$stage/bin/rustbtf"
cp "$root/README.md" "$root/PASSES.md" "$stage/share/doc/rustbtf/"
bash "$root/scripts/man-page.sh" "$stage/bin/rustbtf" "$build_date" "$version" > "$stage/share/man/man1/rustbtf.1"
gzip -9n "$stage/share/man/man1/rustbtf.1"

# Tarball.
tar -C "$out" --owner=0 --group=0 --sort=name -czf "$out/$name.tar.gz" "$name"

# Debian package: Depends from the shared libraries the binary still needs.
deb=$out/deb
rm -rf "$deb"
mkdir -p "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/man/man1" "$deb/usr/share/doc/rustbtf"
cp "$stage/bin/rustbtf" "$deb/usr/bin/"
cp "$stage/share/man/man1/rustbtf.1.gz" "$deb/usr/share/man/man1/"
cp "$stage/share/doc/rustbtf/"* "$deb/usr/share/doc/rustbtf/"
depends=()
for lib in $(ldd "$stage/bin/rustbtf" | awk '/=>/ { print $3 }'); do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$pkg" ] || { echo "package: no Debian package owns $lib" >&2; exit 1; }
  v=$(dpkg-query -W -f='${Version}' "$pkg" | sed 's/-[^-]*$//')
  depends+=("$pkg (>= $v)")
done
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
cat > "$deb/DEBIAN/control" <<CONTROL
Package: rustbtf
Version: $version
Architecture: amd64
Maintainer: rustbtf developers <rustbtf@localhost>
Depends: $depends_line
Section: devel
Priority: optional
Installed-Size: $(du -sk "$deb/usr" | cut -f1)
Description: DWARF to BTF for Rust-enabled Linux kernels, in pahole's place
 rustbtf turns the DWARF of ELF files holding Rust and C code (above all a
 Rust-enabled vmlinux and its modules) into BTF the Linux kernel accepts,
 keeping the Rust types. It takes pahole's command line as kernel builds
 call it: make PAHOLE=rustbtf RUSTBTF_KEEP_RUST=1.
CONTROL
dpkg-deb --root-owner-group --build "$deb" "$out/rustbtf_${version}_amd64.deb" >&2
rm -rf "$deb"

echo "package: artefacts in $out:" >&2
ls -l "$stage/bin/rustbtf" "$out/$name.tar.gz" "$out/rustbtf_${version}_amd64.deb" >&2
echo "package: ldd $stage/bin/rustbtf:" >&2
ldd "$stage/bin/rustbtf" >&2
echo "$stage/bin/rustbtf"
