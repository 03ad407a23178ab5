//! The isolated reader: a forwarded PDF is read in a child process with its own memory, CPU
//! and time limits, so that no document can take the worker down. A stack overflow or a
//! failed allocation aborts a process whatever `catch_unwind` does; here it aborts only the
//! child, and the document is "unreadable".
//!
//! The child is the worker's own binary, started as `chaser read-document` (the
//! [`SUBCOMMAND`]): [`run_child`] sets its limits before it reads a byte, takes the PDF on
//! stdin and answers one JSON line on stdout: the text and where each run of it is printed
//! ([`PdfContent`]). [`Reader::read`] starts it, feeds it, bounds its output and its
//! wall-clock time, and says whose fault a failure is ([`ReadError`]).
//! `src/bin/read_document.rs` is the same child as a program of its own, for this crate's
//! tests.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::ExtractError;
use crate::layout::{MAX_RUN_TEXT_BYTES, MAX_RUNS};
use crate::pdf::{MAX_DOCUMENT_BYTES, PdfContent, pdf_read};

/// The worker's hidden subcommand that runs [`run_child`].
pub const SUBCOMMAND: &str = "read-document";

/// What one read may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The child's data segment (heap and anonymous mappings), in bytes: `RLIMIT_DATA`.
    pub memory_bytes: u64,
    /// CPU time, in seconds: `RLIMIT_CPU` (the kernel stops the child).
    pub cpu_seconds: u64,
    /// Wall-clock time before the worker kills the child (a child blocked, not computing).
    pub wall: Duration,
    /// The text sent back, in bytes; more is refused.
    pub max_text_bytes: usize,
}

impl Default for Limits {
    /// 256 MiB, 10 s of CPU, 15 s in all, 4 MiB of text (an invoice's is a few KB).
    fn default() -> Limits {
        Limits {
            memory_bytes: 256 * 1024 * 1024,
            cpu_seconds: 10,
            wall: Duration::from_secs(15),
            max_text_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Why a read failed, and so whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The document is the problem: unreadable, over a limit, or it made the reader crash or
    /// run out of memory or time. The same bytes will fail the same way: never retry.
    #[error("{file}: {reason}")]
    Document { file: String, reason: ExtractError },
    /// The reader could not be started or talked to (no such program, too many processes):
    /// not the document's fault, so worth another try later.
    #[error("{file}: the PDF reader could not run: {reason}")]
    Reader { file: String, reason: String },
}

/// The child's one line of answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Read(PdfContent),
    Error(ExtractError),
}

/// Starts readers: `program` with `args` before the child's own (for the worker, its own
/// executable and [`SUBCOMMAND`]).
#[derive(Debug, Clone)]
pub struct Reader {
    program: PathBuf,
    args: Vec<OsString>,
    limits: Limits,
}

impl Reader {
    pub fn new(program: impl Into<PathBuf>, args: Vec<OsString>, limits: Limits) -> Reader {
        Reader {
            program: program.into(),
            args,
            limits,
        }
    }

    /// [`pdf_read`] of `bytes`, read in a child under the limits. Blocking: an async caller
    /// runs it on a blocking thread. `file` names the document in errors.
    pub fn read(&self, file: &str, bytes: &[u8]) -> Result<PdfContent, ReadError> {
        let document = |reason: ExtractError| ReadError::Document {
            file: file.to_owned(),
            reason,
        };
        // The cheap refusals need no child.
        crate::pdf::check_pdf(bytes).map_err(document)?;
        let limits = self.limits;
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .env(
                LIMIT_ENV,
                format!("{} {}", limits.memory_bytes, limits.cpu_seconds),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ReadError::Reader {
                file: file.to_owned(),
                reason: format!("cannot start {}: {e}", self.program.display()),
            })?;
        let started = Instant::now();
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ReadError::Reader {
                file: file.to_owned(),
                reason: "its pipes were not opened".to_owned(),
            });
        };
        let input = bytes.to_vec();
        // A child that dies early closes its stdin: the write fails, and the exit says why.
        let writer = thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        // The answer is the text and the runs' text, each with JSON escapes (at most six bytes
        // for one), the runs' positions and a wrapper.
        let answer_cap = limits
            .max_text_bytes
            .saturating_add(MAX_RUN_TEXT_BYTES)
            .saturating_mul(6)
            .saturating_add(MAX_RUNS * RUN_JSON_BYTES)
            .saturating_add(1024);
        let out = thread::spawn(move || read_capped(stdout, answer_cap));
        let err = thread::spawn(move || read_capped(stderr, 4096));
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > limits.wall => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ReadError::Reader {
                        file: file.to_owned(),
                        reason: format!("cannot wait for it: {e}"),
                    });
                }
            }
        };
        let _ = writer.join();
        let (answer, overflowed) = out.join().unwrap_or_default();
        let (diagnostic, _) = err.join().unwrap_or_default();
        let Some(status) = status else {
            return Err(document(ExtractError::ReaderStopped(format!(
                "it ran over its {:?} limit",
                limits.wall
            ))));
        };
        if status.code() == Some(i32::from(NO_LIMITS)) {
            return Err(ReadError::Reader {
                file: file.to_owned(),
                reason: format!(
                    "it cannot set its limits: {}",
                    String::from_utf8_lossy(&diagnostic).trim()
                ),
            });
        }
        if !status.success() {
            return Err(document(ExtractError::ReaderStopped(stopped(
                status,
                &diagnostic,
                limits,
            ))));
        }
        if overflowed {
            return Err(document(ExtractError::OverLimit {
                found: format!("has more than {} bytes of text", limits.max_text_bytes),
                limit: format!("{} bytes of text", limits.max_text_bytes),
            }));
        }
        match serde_json::from_slice::<Answer>(&answer) {
            Ok(Answer::Read(read)) if read.text.len() > limits.max_text_bytes => {
                Err(document(ExtractError::OverLimit {
                    found: format!("has {} bytes of text", read.text.len()),
                    limit: format!("{} bytes of text", limits.max_text_bytes),
                }))
            }
            // The child keeps within these itself; one that does not is not trusted.
            Ok(Answer::Read(read)) if !read.layout.is_bounded() => {
                Err(document(ExtractError::ReaderStopped(format!(
                    "it sent more than {MAX_RUNS} runs or {MAX_RUN_TEXT_BYTES} bytes of positioned text"
                ))))
            }
            Ok(Answer::Read(read)) => Ok(read),
            Ok(Answer::Error(reason)) => Err(document(reason)),
            Err(e) => Err(document(ExtractError::ReaderStopped(format!(
                "its answer was not understood: {e}"
            )))),
        }
    }
}

/// A run's JSON besides its text: `{"page":1,"x":…,"y":…,"width":…,"size":…,"text":""},`
/// with five floats at their longest.
const RUN_JSON_BYTES: usize = 160;

/// The child's exit status when it cannot limit itself (it then reads nothing).
const NO_LIMITS: u8 = 3;

/// The limits the parent asks for, passed in the child's (otherwise empty) environment:
/// `"<memory bytes> <cpu seconds>"`.
const LIMIT_ENV: &str = "CHASER_READER_LIMITS";

/// Up to `cap` bytes of `from`, read to its end (so the child never blocks on a full pipe),
/// and whether there was more.
fn read_capped(mut from: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut overflowed = false;
    while let Ok(n) = from.read(&mut chunk) {
        if n == 0 {
            break;
        }
        let room = cap.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..n.min(room)]);
        overflowed |= n > room;
    }
    (kept, overflowed)
}

/// Why a child that did not exit cleanly stopped, in the owner's words.
fn stopped(status: ExitStatus, diagnostic: &[u8], limits: Limits) -> String {
    use std::os::unix::process::ExitStatusExt;
    let said = String::from_utf8_lossy(diagnostic);
    match status.signal() {
        // SIGXCPU: the CPU limit. SIGKILL: the hard CPU limit, or the OOM killer.
        Some(24) | Some(9) => format!(
            "it used more than its {} s of CPU or was killed",
            limits.cpu_seconds
        ),
        // SIGABRT: Rust's answer to a stack overflow or to an allocation it cannot make.
        Some(6) if said.contains("overflowed its stack") => "its stack overflowed".to_owned(),
        Some(6) => format!(
            "it ran out of its {} MiB of memory, or aborted",
            limits.memory_bytes / (1024 * 1024)
        ),
        Some(signal) => format!("it crashed with signal {signal}"),
        None => format!("it exited with {status}"),
    }
}

/// The child: sets its limits, reads one PDF on stdin (at most [`MAX_DOCUMENT_BYTES`]),
/// answers one JSON line on stdout. Call it first thing in `main`, before any runtime or
/// thread starts, when the first argument is [`SUBCOMMAND`].
pub fn run_child() -> ExitCode {
    if let Err(e) = limit_self() {
        // Never read a document without the limits.
        let _ = writeln!(std::io::stderr(), "read-document: cannot set limits: {e}");
        return ExitCode::from(NO_LIMITS);
    }
    let mut bytes = Vec::new();
    let read = std::io::stdin()
        .take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes);
    let answer = match read {
        Err(e) => Answer::Error(ExtractError::ReaderStopped(format!(
            "it could not take in the document: {e}"
        ))),
        Ok(_) => match pdf_read(&bytes) {
            Ok(read) => Answer::Read(read),
            Err(e) => Answer::Error(e),
        },
    };
    let mut stdout = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut stdout, &answer)
        .map_err(std::io::Error::from)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(4),
    }
}

/// `RLIMIT_DATA` (heap and anonymous mappings: what a hostile document grows), `RLIMIT_CPU`
/// (soft, then hard one second later), no core dumps of hostile documents and no files written,
/// from [`LIMIT_ENV`] or else [`Limits::default`].
fn limit_self() -> std::io::Result<()> {
    use rlimit::Resource;
    let defaults = Limits::default();
    let asked = std::env::var(LIMIT_ENV).ok();
    let mut numbers = asked
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::parse::<u64>);
    let memory = numbers
        .next()
        .and_then(Result::ok)
        .unwrap_or(defaults.memory_bytes);
    let cpu = numbers
        .next()
        .and_then(Result::ok)
        .unwrap_or(defaults.cpu_seconds);
    Resource::DATA.set(memory, memory)?;
    Resource::CPU.set(cpu, cpu + 1)?;
    Resource::CORE.set(0, 0)?;
    Resource::FSIZE.set(0, 0)?;
    Ok(())
}
