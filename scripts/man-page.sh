#!/usr/bin/env bash
# rustbtf(1), the man page, from the binary's own texts: the --help of each subcommand (as
# preformatted text) and `rustbtf pahole-flags`'s tables, rendered as lists
# (markdown-tables-to-man.awk), never as raw Markdown rows.
#
# Usage: bash scripts/man-page.sh RUSTBTF DATE VERSION > rustbtf.1   (scripts/package.sh runs it;
# ManPageTests renders its output with groff)
set -euo pipefail
bin=$1 build_date=$2 version=$3
here=$(cd "$(dirname "$0")" && pwd)
echo ".TH RUSTBTF 1 \"$build_date\" \"rustbtf $version\" \"User Commands\""
echo ".SH NAME"
echo "rustbtf \\- turn the DWARF of ELF files holding Rust and C code into BTF the Linux kernel accepts"
echo ".SH SYNOPSIS"
echo ".B rustbtf"
echo "[\\fIOPTIONS\\fR] \\fIFILE\\fR [\\-o \\fIOUT.btf\\fR]"
echo ".br"
echo ".B rustbtf"
echo "\\-J [\\-\\-btf_base \\fIvmlinux\\fR] [\\-j] [\\-\\-lang_exclude=rust] \\fIFILE\\fR   (pahole's command line)"
echo ".SH VERSION"
echo ".nf"
"$bin" --rustbtf-version
echo ".fi"
for sub in "" convert dump verify; do
  echo ".SH \"$( [ -z "$sub" ] && echo DESCRIPTION || echo "rustbtf $sub" | tr a-z A-Z)\""
  echo ".nf"
  # shellcheck disable=SC2086
  "$bin" $sub --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
  echo ".fi"
done
echo ".SH \"PAHOLE'S OPTIONS\""
echo "What rustbtf does with each option and BTF feature of pahole 1.31 (\\fBrustbtf pahole\\-flags\\fR prints these tables as Markdown)."
"$bin" pahole-flags | awk -f "$here/markdown-tables-to-man.awk"
echo ".SH SEE ALSO"
echo "pahole(1), bpftool-btf(8); /usr/share/doc/rustbtf/README.md and PASSES.md"
