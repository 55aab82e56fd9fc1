import RustBTF

#if canImport(Glibc)
import Glibc
#endif

// pahole's command line (`make PAHOLE=rustbtf`) is told apart by its options before
// ArgumentParser sees rustbtf's own.
let arguments = Array(CommandLine.arguments.dropFirst())
if PaholeCommandLine.applies(to: arguments) {
  exit(PaholeMode.run(arguments))
}
RustBTFCommand.main()
