// Differential fuzzing of the offline validator against the running kernel (scripts/fuzz-verify.sh).
//
// Mutates valid BTF blobs — the corpus objects' BTF, plus any raw BTF files given — in the
// ways a broken encoder or a hostile file would (header fields, kinds, vlen, kind_flag, sizes,
// offsets, type ids and loops, name offsets, bad names, truncation, records moved), and for each
// blob compares `BTFValidator.validate(_, mode: .load)` with the running kernel's BPF_BTF_LOAD:
// same verdict, and on rejection the same reason (the last log line's text after the type).
// Seeded and repeatable. Disagreeing blobs are written to OUTDIR with both verdicts, each a test
// case to turn into a validator test.
//
// Usage: rustbtf-fuzz-verify COUNT SEED OUTDIR [extra.btf …]   (needs root or CAP_BPF)
import Encode
import Foundation
import RustBTF
import Verify

struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}

/// Where each type record starts and how long it is (kinds and vlen as the blob says).
func records(_ b: [UInt8]) -> [(offset: Int, length: Int)] {
  guard let s = try? BTFSections(b) else { return [] }
  var out: [(Int, Int)] = []
  var p = s.types.lowerBound
  while p + 12 <= s.types.upperBound {
    let info = u32(b, p + 4)
    let kind = (info >> 24) & 0x1f
    let vlen = Int(info & 0xffff)
    let extra: Int
    switch kind {
    case 1, 14, 17: extra = 4
    case 3: extra = 12
    case 4, 5, 15, 19: extra = 12 * vlen
    case 6, 13: extra = 8 * vlen
    default: extra = 0
    }
    if p + 12 + extra > s.types.upperBound { break } // a record cut short by an earlier mutation
    out.append((p, 12 + extra))
    p += 12 + extra
  }
  return out
}

func u32(_ b: [UInt8], _ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
func put32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) { for k in 0..<4 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) } }

/// One mutation of `blob`; returns a short label of what was done.
func mutate(_ blob: inout [UInt8], _ r: inout SplitMix64) -> String {
  guard let s = try? BTFSections(blob) else { return "none" }
  let recs = records(blob)
  let interesting: [UInt32] = [
    0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 64, 127, 128, 255, 256, 0xffff, 0x10000, 0xfffff,
    0x100000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, UInt32(recs.count), UInt32(recs.count + 1),
    UInt32(s.strings.count), UInt32(s.types.count),
  ]
  func pick() -> UInt32 { r.below(3) == 0 ? UInt32(truncatingIfNeeded: r.next()) : interesting[r.below(interesting.count)] }
  switch r.below(9) {
  case 0: // header field
    let field = [4, 8, 12, 16, 20][r.below(5)]
    put32(&blob, field, pick())
    return "header+\(field)"
  case 1: // magic, version, flags
    let at = r.below(4)
    blob[at] = UInt8(truncatingIfNeeded: r.next())
    return "header byte \(at)"
  case 2, 3: // a word of a type record's head
    guard let rec = recs.randomElement(using: &r) else { return "none" }
    let word = r.below(3)
    var v = u32(blob, rec.offset + 4 * word)
    if word == 1 {
      switch r.below(4) {
      case 0: v = (v & ~(0x1f << 24)) | UInt32(r.below(32)) << 24 // kind
      case 1: v = (v & ~0xffff) | (pick() & 0xffff) // vlen
      case 2: v ^= 1 << 31 // kind_flag
      default: v ^= UInt32(1) << UInt32(r.below(32))
      }
    } else {
      v = r.below(2) == 0 ? pick() : UInt32(r.below(recs.count + 2)) // a name offset, size, or type id
    }
    put32(&blob, rec.offset + 4 * word, v)
    return "record word \(word)"
  case 4: // a word of a trailing record (member, param, enumerator, array, int word, datasec entry)
    guard let rec = recs.filter({ $0.length > 12 }).randomElement(using: &r) else { return "none" }
    let word = 3 + r.below((rec.length - 12) / 4)
    put32(&blob, rec.offset + 4 * word, r.below(2) == 0 ? pick() : UInt32(r.below(recs.count + 2)))
    return "trailing word"
  case 5: // a byte of a name: an invalid character, a NUL, or a high byte
    guard s.strings.count > 1 else { return "none" }
    let at = s.strings.lowerBound + 1 + r.below(s.strings.count - 1)
    blob[at] =
      [
        UInt8(
          ascii: """
            <
            """), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: " "), 0, 0x80, UInt8(ascii: "9"), UInt8(ascii: "_"),
      ][r.below(8)]
    return "string byte"
  case 6: // truncation
    blob.removeLast(1 + r.below(min(64, blob.count - 1)))
    return "truncated"
  case 7: // a reference to itself or to the next type: loops and forward references
    guard let rec = recs.randomElement(using: &r) else { return "none" }
    let id = UInt32(recs.firstIndex { $0.offset == rec.offset }! + 1)
    put32(&blob, rec.offset + 8, r.below(2) == 0 ? id : id + 1)
    return "self reference"
  default: // a record moved over another (same length)
    guard recs.count > 2 else { return "none" }
    let a = recs[r.below(recs.count)]
    let b = recs[r.below(recs.count)]
    guard a.length == b.length, a.offset != b.offset else { return "none" }
    let copy = Array(blob[a.offset..<a.offset + a.length])
    blob.replaceSubrange(b.offset..<b.offset + b.length, with: copy)
    return "record copied"
  }
}

/// The reason part of a kernel log line: "[5] STRUCT foo size=8 vlen=2 Invalid name" → compare whole lines.
func normalized(_ line: String) -> String { line.trimmingCharacters(in: .whitespaces) }

let args = CommandLine.arguments
guard args.count >= 4, let count = Int(args[1]), let seed = UInt64(args[2]) else {
  FileHandle.standardError.write("usage: rustbtf-fuzz-verify COUNT SEED OUTDIR [extra.btf …]\n".data(using: .utf8)!)
  exit(64)
}
let outDir = args[3]
try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)

// Seeds: every corpus object's BTF, then the extra files.
var seeds: [(String, [UInt8])] = []
let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("Corpus/objects").path
for f in (try FileManager.default.contentsOfDirectory(atPath: corpus)).sorted() where f.hasSuffix(".o") || f.hasSuffix(".elf") {
  if let r = try? Conversion().run(path: corpus + "/" + f) { seeds.append((f, r.btf)) }
}
for f in args.dropFirst(4) { seeds.append(((f as NSString).lastPathComponent, [UInt8](try Data(contentsOf: URL(fileURLWithPath: f))))) }
guard !seeds.isEmpty else {
  print("no seeds")
  exit(1)
}

var rng = SplitMix64(state: seed)
var agreeAccept = 0
var agreeReject = 0
var sameLine = 0
var falseAccept = 0
var falseReject = 0
var saved = 0
var byOp: [String: Int] = [:]
for i in 0..<count {
  let (name, original) = seeds[rng.below(seeds.count)]
  var blob = original
  var ops: [String] = []
  for _ in 0..<(1 + rng.below(3)) { ops.append(mutate(&blob, &rng)) }
  let offline = BTFValidator.validate(blob, mode: .load).first
  let kernel = KernelBTF.load(blob)
  var kernelLine: String? = nil
  switch kernel {
  case .accepted: break
  case .rejected(_, let log): kernelLine = KernelBTF.lastLine(of: log)
  case .notPermitted(let e):
    print("fuzz-verify: BPF_BTF_LOAD not permitted (errno \(e)): run as root")
    exit(3)
  case .unavailable(let why): kernelLine = "unavailable: \(why)"
  }
  var disagreement: String? = nil
  switch (offline, kernelLine) {
  case (nil, nil): agreeAccept += 1
  case (let p?, let k?):
    agreeReject += 1
    if normalized(p.line) == normalized(k) { sameLine += 1 } else { disagreement = "reason differs" }
  case (nil, let k?):
    falseAccept += 1
    disagreement = "validator accepts, kernel: \(k)"
  case (let p?, nil):
    falseReject += 1
    disagreement = "validator: \(p.line), kernel accepts"
  }
  if let d = disagreement {
    byOp[ops.joined(separator: "+"), default: 0] += 1
    if saved < 200 {
      let base = "\(outDir)/case-\(seed)-\(i)"
      try? Data(blob).write(to: URL(fileURLWithPath: base + ".btf"))
      let note = """
        seed blob: \(name)\nmutations: \(ops)\n\(d)\nvalidator: \(offline?.line ?? "accepts")\nkernel: \(kernelLine ?? "accepts")\n
        """
      try? note.write(toFile: base + ".txt", atomically: true, encoding: .utf8)
      saved += 1
    }
  }
}
let agree = agreeAccept + sameLine
print("fuzz-verify: \(count) blobs from \(seeds.count) seeds, seed \(seed)")
print("  both accept \(agreeAccept), both reject \(agreeReject) (same reason line \(sameLine))")
print("  false accepts (validator accepts, kernel rejects): \(falseAccept)")
print("  false rejects (validator rejects, kernel accepts): \(falseReject)")
print("  reason lines differ: \(agreeReject - sameLine)")
print(
  String(
    format: "  verdict agreement %.3f%%, verdict and reason %.3f%%",
    100 * Double(agreeAccept + agreeReject) / Double(count), 100 * Double(agree) / Double(count)))
for (op, n) in byOp.sorted(by: { $0.value > $1.value }).prefix(10) { print("    \(n)\t\(op)") }
if saved > 0 { print("  \(saved) disagreeing blobs in \(outDir)") }
exit(falseAccept == 0 ? 0 : 1)
