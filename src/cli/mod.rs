//! The command-line side: ipvsadm's grammar, its views and its messages.

/// Writes a message to stderr like `eprintln!` (`say!(partial: ...)`
/// like `eprint!`), but never panics: a message that cannot be written
/// (stderr closed, or a full disk behind it) is dropped, as C's `fprintf`
/// drops it, and the exit status still says what happened.
macro_rules! say {
    (partial: $($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod apply;
pub mod args;
pub mod command;
#[cfg(test)]
pub mod docs;
pub mod kernel_errors;
pub mod main;
pub mod realserver;
pub mod run;
pub mod views;
