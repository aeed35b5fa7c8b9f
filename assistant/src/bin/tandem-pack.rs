//! `tandem-pack`: checks a provider pack and builds its models.
//!
//! ```text
//! tandem-pack check DIR     report every problem with file and line (exit 1 on errors)
//! tandem-pack build DIR     check, train every model, write DIR/build/models.bin
//! ```
//! The server has the same commands (`tandem-server pack check|build DIR`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir] if cmd == "check" || cmd == "build" => tandem_assistant::pack::cli::run(cmd, dir.as_ref()),
        _ => {
            eprintln!("usage: tandem-pack check|build DIR");
            ExitCode::from(2)
        }
    }
}
