//! ipvsadm's command-line grammar: argv (or one `-R` line) to a typed
//! [`Command`](super::command::Command), or the exact error ipvsadm prints.
//!
//! Two stages, as ripgrep splits low and high arguments: [`lexer`] finds
//! options, values and leftover words the way popt 1.19 does, looking the
//! names up in the one option table ([`table::OPTIONS`], keyed by
//! [`table::Opt`], which also gives clap its table for the docs);
//! [`parse`](mod@parse) then checks values and combinations in ipvsadm's
//! order and builds the command with its defaults. Defects D5, D7 and D9
//! of 1.31 are fixed here (see each module); every other behaviour,
//! message and exit code is ipvsadm's.
//!
//! Both take bytes (argv as the kernel hands it over, `-R` lines as read),
//! never decoded as a whole: popt does not decode them either, and an
//! error message quotes the user's words byte for byte
//! ([`ParseError::message`]).

mod error;
mod help;
mod lexer;
mod lookup;
mod parse;
pub mod table;
mod values;

#[cfg(test)]
mod tests;

pub use error::{ParseError, try_help};
pub use help::{help_text, version_text};
pub use parse::{parse, parse_argv};
// Part of the API though the binary may not name them: the reason inside
// `ParseError::Popt`, the version line for tests and scripts, and the
// table for the man page and completions generator.
#[allow(unused_imports)]
pub use help::VERSION_LINE;
#[allow(unused_imports)]
pub use lexer::PoptReason;
#[allow(unused_imports)]
pub use table::option_table;
// Lets the fuzz entry points keep name lookups off the network.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use lookup::OFFLINE;

/// Longest token ipvsadm's restore reader takes in one piece; a longer
/// one is read as several tokens.
const RESTORE_TOKEN_MAX: usize = 4096;

/// The words of one `-R` input line, as ipvsadm's restore reader makes
/// them: split on space, tab, CR and LF, every word exactly `ipvsadm`
/// dropped. No quoting and no comments. Bytes, as read: the line is never
/// decoded, so a word that is not UTF-8 is quoted in messages as it was.
/// A word ends at a NUL byte: ipvsadm keeps each word as a C string, so
/// what follows a NUL never reaches its parser (and a word that starts
/// with one is an empty argument).
pub fn restore_line_args(line: &[u8]) -> Vec<&[u8]> {
    // Borrowed from the line: a `String` per word was a third of the
    // allocations of a restore line.
    let mut words = Vec::with_capacity(16);
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    for word in line.split(blank).filter(|w| !w.is_empty()) {
        for piece in word.chunks(RESTORE_TOKEN_MAX) {
            let piece = piece.split(|&b| b == 0).next().unwrap_or_default();
            if piece != b"ipvsadm" {
                words.push(piece);
            }
        }
    }
    words
}
