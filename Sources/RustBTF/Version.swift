/// rustbtf's own version (`rustbtf --rustbtf-version`), apart from the pahole version it stands
/// in for (`PaholeCommandLine.version`, what `--version` prints for Kconfig).
public enum RustBTFVersion {
  public static let version = "0.9.0"

  /// One line: version, commit and build date (`BuildStamp`, written by scripts/package.sh into
  /// the tree it builds; a development build says so), and the pahole version it stands in for.
  public static var line: String {
    "rustbtf \(version) (commit \(BuildStamp.commit), built \(BuildStamp.date)); stands in for pahole \(PaholeCommandLine.version)"
  }
}
