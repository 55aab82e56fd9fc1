import Encode
import TypeGraph

/// `btf_check_type_tags`: type tags first in a modifier chain.
extension KernelChecker {
  func btfCheckTypeTags() throws(Failure) {
    var good: UInt32 = 0
    var i: UInt32 = 1
    while i < nrTypes {
      defer { i += 1 }
      if !isModifier(i) { continue }
      var limit = 32
      var cur = i
      var inTags = isTypeTag(i)
      while isModifier(cur) {
        if limit == 0 {
          fail("Max chain length or cycle detected")
          throw .loop
        }
        limit -= 1
        if isTypeTag(cur) {
          if !inTags {
            fail("Type tags don't precede modifiers")
            throw .inval
          }
        } else if inTags {
          inTags = false
        }
        if cur <= good { break }
        cur = sizeType(cur)
        if !exists(cur) {
          message = "EINVAL without a log line (a modifier chain reaches missing type \(cur))"
          throw .inval
        }
      }
      good = i
    }
  }
}
