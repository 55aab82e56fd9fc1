import COutOfMemory
import RustBTF

#if canImport(Glibc)
  import Glibc
#endif

// Running out of memory ends the process with one line and removes the temporary output file in
// flight (Sources/COutOfMemory).
rb_oom_set_cleanup_path(TemporaryOutput.inFlightPath)
// Every path that ends the process checks standard output's writes first.
StandardOutput.install()

// pahole's command line (`make PAHOLE=rustbtf`) is told apart by its options before
// ArgumentParser sees rustbtf's own.
let arguments = RawArguments.all
// `--version` is pahole's (one line for Kconfig); rustbtf's own version has a flag of its own.
if arguments == ["--rustbtf-version"] {
  print(RustBTFVersion.line)
  exit(0)
}
let subcommands = Set(RustBTFCommand.configuration.subcommands.map { $0._commandName } + ["help"])
if PaholeCommandLine.applies(to: arguments, subcommands: subcommands) {
  exit(PaholeMode.run(arguments))
}
RustBTFCommand.main(arguments)
