//! `chaser-read-document`: the isolated reader's child on its own (the worker runs the same
//! code as `chaser read-document`). Reads one PDF on stdin under its limits, answers JSON.

fn main() -> std::process::ExitCode {
    chaser_extract::reader::run_child()
}
