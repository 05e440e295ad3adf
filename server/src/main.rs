//! `orderly-server`: serves the order API, or prints a token (`orderly-server token ...`).

fn main() -> std::process::ExitCode {
    orderly_server::run()
}
