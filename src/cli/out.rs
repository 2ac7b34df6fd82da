//! Where the commands write: standard output through one locked writer ([`Out`]), warnings
//! and errors on standard error ([`warn`], [`error`]). A reader that went away
//! (`callqa report | head -1`) is no failure: nobody wants the rest, so the command ends
//! quietly with exit 0, as ripgrep does. Neither stream may panic (as `println!` does on a
//! closed pipe), and neither may stop a batch: `batch` prints only once its data is written.

use std::fmt;
use std::io::{self, Write};

/// Standard output, locked once for the whole command (not once per line).
pub struct Out(io::StdoutLock<'static>);

/// Standard output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// The reader closed the pipe: the command stops writing and exits 0, saying nothing.
    #[error("standard output closed")]
    Closed,
    #[error("cannot write to standard output: {0}")]
    Write(#[source] io::Error),
}

impl From<io::Error> for OutError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            OutError::Closed
        } else {
            OutError::Write(e)
        }
    }
}

impl Out {
    pub fn lock() -> Self {
        Out(io::stdout().lock())
    }

    /// What `write!` and `writeln!` call: `writeln!(out, …)?` works as on an `io::Write`, with
    /// this module's error.
    pub fn write_fmt(&mut self, args: fmt::Arguments) -> Result<(), OutError> {
        Ok(self.0.write_fmt(args)?)
    }

    /// Write out what is buffered (a last line without its newline): a command's last step, so
    /// that a failure to write is reported rather than lost at exit.
    pub fn flush(&mut self) -> Result<(), OutError> {
        Ok(self.0.flush()?)
    }
}

/// Whether a command's error is only standard output closed by its reader.
pub fn is_closed(e: &(dyn std::error::Error + 'static)) -> bool {
    matches!(e.downcast_ref::<OutError>(), Some(OutError::Closed))
}

/// `callqa: warning: …` on standard error, made printable. A closed standard error loses the
/// line, never the work (a batch's progress under `2>&1 | head`).
pub fn warn(msg: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "callqa: warning: {}",
        crate::call::printable(msg)
    );
}

/// `callqa: error: …` on standard error, made printable; as [`warn`], never a panic.
pub fn error(msg: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "callqa: error: {}",
        crate::call::printable(msg)
    );
}
