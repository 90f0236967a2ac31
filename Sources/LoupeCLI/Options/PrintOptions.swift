import ArgumentParser

/// What a command prints besides its files: shared by every command, including those
/// (train) whose output is not a run folder.
struct PrintOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout as well.")
    var json = false

    @Flag(help: "No progress bars or status lines.")
    var quiet = false
}
