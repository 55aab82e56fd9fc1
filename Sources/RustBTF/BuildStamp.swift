// scripts/package.sh replaces this file, in the copy of the tree it builds, with the commit and
// date of the release; a build from a checkout says it is a development build.
enum BuildStamp {
  static let commit = "none (development build)"
  static let date = "unknown"
}
