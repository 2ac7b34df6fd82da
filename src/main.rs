fn main() -> std::process::ExitCode {
    callqa::cli::main()
}
