import Foundation
import LayoutCheck
import RustBTF

// rustbtf-layout-check FILE[@rust]...: converts each file on its own and compares every struct and
// union (but data-carrying enums) of its DWARF with our BTF by layout, and every data-carrying enum
// by discriminant and variants, against llvm-dwarfdump. `FILE@rust` reads only the file's Rust
// units (a whole vmlinux prints more than a gigabyte of llvm-dwarfdump text). Prints one summary
// line per file and comparison, then the first mismatches; exits 1 when any comparison finds one.

let arguments = CommandLine.arguments.dropFirst()
if arguments.isEmpty || arguments.contains("-h") || arguments.contains("--help") {
  print("usage: rustbtf-layout-check FILE[@rust]...")
  exit(arguments.isEmpty ? 2 : 0)
}
var failed = false
for entry in arguments {
  let rustOnly = entry.hasSuffix("@rust")
  let file = rustOnly ? String(entry.dropLast("@rust".count)) : entry
  do {
    let check = try FileLayoutCheck(file: file, units: rustOnly ? .rust : .all)
    print(check.layouts.summary(limit: 10))
    print(check.enums.summary)
    for p in check.enums.problems.prefix(10) { print("  MISMATCH \(p)") }
    if !check.passed { failed = true }
  } catch {
    FileHandle.standardError.write(Data("rustbtf-layout-check: \(file): \(error)\n".utf8))
    failed = true
  }
}
exit(failed ? 1 : 0)
