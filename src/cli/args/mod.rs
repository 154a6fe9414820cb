//! ipvsadm's command-line grammar: argv (or one `-R` line) to a typed
//! [`Command`](super::command::Command), or the exact error ipvsadm prints.
//!
//! Two stages, as ripgrep splits low and high arguments: [`lexer`] finds
//! options, values and leftover words the way popt 1.19 does, looking the
//! names up in the one option table ([`table::OPTIONS`], which also
//! gives clap its table for the docs); [`parse`](mod@parse) then checks
//! values and combinations in ipvsadm's order and builds the command with
//! its defaults. Defects D5, D7 and D9 of 1.31 are fixed here (see each
//! module); every other behaviour, message and exit code is ipvsadm's.

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

/// Longest token ipvsadm's restore reader takes in one piece; a longer
/// one is read as several tokens.
const RESTORE_TOKEN_MAX: usize = 4096;

/// The words of one `-R` input line, as ipvsadm's restore reader makes
/// them: split on space, tab, CR and LF, every word exactly `ipvsadm`
/// dropped. No quoting and no comments.
pub fn restore_line_args(line: &str) -> Vec<&str> {
    // Borrowed from the line: a `String` per word was a third of the
    // allocations of a restore line (issue 7).
    let mut words = Vec::with_capacity(16);
    for word in blank_separated(line) {
        let mut rest = word;
        while !rest.is_empty() {
            let piece = values::cut(rest, RESTORE_TOKEN_MAX);
            // A cut inside a character would be empty; take it whole then.
            let piece = if piece.is_empty() {
                let end = rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i);
                &rest[..end]
            } else {
                piece
            };
            rest = &rest[piece.len()..];
            if piece != "ipvsadm" {
                words.push(piece);
            }
        }
    }
    words
}

/// The words of `line` between spaces, tabs, CRs and LFs. Found byte by
/// byte: the separators are ASCII, so every cut is at a character
/// boundary, and `str::split` with a set of `char`s decoded every
/// character, a tenth of a restore line's work (issue 7).
fn blank_separated(line: &str) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    let blank = |at: usize| matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n');
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && blank(at) {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && !blank(at) {
            at += 1;
        }
        (at > start).then(|| &line[start..at])
    })
}
