//! Splits the words into options, values and leftovers the way popt 1.19
//! (`poptGetNextOpt`) does for ipvsadm's table, options looked up in the
//! option table ([`super::table::short`], [`super::table::long`]).
//!
//! Why not clap's own parser: ipvsadm's output is defined by popt's
//! grammar and popt's errors, and clap differs in ways that show on
//! stderr or in what is accepted: an error names the whole word as typed
//! (`-Lnx: missing argument`), `-L=5` is an error while `-t=x` means `x`,
//! an optional value is taken only when the next word does not start with
//! `-`, the first error stops the scan but the options before it still get
//! ipvsadm's value checks (which win), `!#:+` in a value pulls in the next
//! free word, and `POSIXLY_CORRECT` ends options at the first word. clap's
//! parser reports other texts and checks everything before returning, so
//! the order of messages cannot be reproduced from its `Error`s. The
//! option names and value kinds still come from the one option table.
//!
//! Words are bytes, as the kernel hands them to a process and as `-R`
//! reads them: popt never decodes them, and a message that quotes one
//! must show what was typed, whatever its encoding.

use std::borrow::Cow;

use super::table::{self, Opt, ValueKind};

/// One option as it was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence<'a> {
    pub opt: Opt,
    /// Its value, after popt's `!#:+` expansion (borrowed from the words
    /// unless that changed it).
    pub value: Option<Cow<'a, [u8]>>,
    /// The last word consumed when the option was read: what popt's
    /// `poptBadOption` names in ipvsadm's `invalid option` message.
    pub token: &'a [u8],
}

/// Why popt stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoptReason {
    MissingArgument,
    UnknownOption,
    UnwantedArgument,
}

impl PoptReason {
    pub fn text(self) -> &'static str {
        match self {
            PoptReason::MissingArgument => "missing argument",
            PoptReason::UnknownOption => "unknown option",
            PoptReason::UnwantedArgument => "option does not take an argument",
        }
    }
}

/// popt's error: the word being read and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoptFailure<'a> {
    pub token: &'a [u8],
    pub reason: PoptReason,
}

/// Everything popt hands ipvsadm for one command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lexed<'a> {
    /// Options in the order popt returns them, up to the first error.
    pub options: Vec<Occurrence<'a>>,
    /// Non-option words (before the error), in order.
    pub leftovers: Vec<&'a [u8]>,
    /// The error that ended the scan, if any.
    pub failure: Option<PoptFailure<'a>>,
}

struct Lexer<'a> {
    words: &'a [&'a [u8]],
    /// Next word to read.
    next: usize,
    /// Inside a short-option cluster: (word, byte offset of the next char).
    cluster: Option<(usize, usize)>,
    /// After `--` (or the first leftover under POSIXLY_CORRECT).
    rest_leftover: bool,
    posix: bool,
    /// Words taken by a `!#:+` expansion; skipped when reached. Empty
    /// until the first expansion (nearly every line has none).
    taken: Vec<bool>,
}

/// Scans `words` (argv without argv[0]). `posix` is popt's
/// POSIX_ME_HARDER mode (set from `POSIXLY_CORRECT`/`POSIX_ME_HARDER`).
pub fn lex<'a>(words: &'a [&'a [u8]], posix: bool) -> Lexed<'a> {
    let mut lexer = Lexer {
        words,
        next: 0,
        cluster: None,
        rest_leftover: false,
        posix,
        taken: Vec::new(),
    };
    // At most one option per word, short clusters aside: sized once
    // rather than grown by steps (an eighth of a restore line's cost).
    let mut lexed = Lexed {
        options: Vec::with_capacity(words.len()),
        ..Lexed::default()
    };
    loop {
        match lexer.next_option(&mut lexed.leftovers) {
            Ok(Some(occurrence)) => lexed.options.push(occurrence),
            Ok(None) => break,
            Err(reason) => {
                lexed.failure = Some(PoptFailure {
                    token: lexer.last_word(),
                    reason,
                });
                break;
            }
        }
    }
    lexed
}

impl<'a> Lexer<'a> {
    /// popt's `os->argv[os->next - 1]`.
    fn last_word(&self) -> &'a [u8] {
        self.next
            .checked_sub(1)
            .and_then(|i| self.words.get(i))
            .copied()
            .unwrap_or(b"")
    }

    fn is_taken(&self, at: usize) -> bool {
        self.taken.get(at).copied().unwrap_or(false)
    }

    fn next_option(
        &mut self,
        leftovers: &mut Vec<&'a [u8]>,
    ) -> Result<Option<Occurrence<'a>>, PoptReason> {
        let mut long_value: Option<&'a [u8]> = None;
        let opt = loop {
            if let Some((word, offset)) = self.cluster.take() {
                let bytes = self.words[word];
                let opt = table::short(bytes[offset]).ok_or(PoptReason::UnknownOption)?;
                if offset + 1 < bytes.len() {
                    self.cluster = Some((word, offset + 1));
                }
                break opt;
            }
            let Some(&word) = self.words.get(self.next) else {
                return Ok(None);
            };
            let at = self.next;
            self.next += 1;
            if self.is_taken(at) {
                continue;
            }
            if self.rest_leftover || word.first() != Some(&b'-') || word == b"-" {
                if self.posix {
                    self.rest_leftover = true;
                }
                leftovers.push(word);
                continue;
            }
            if word == b"--" {
                self.rest_leftover = true;
                continue;
            }
            if let Some(long) = word.strip_prefix(b"--") {
                let (name, value) = match long.iter().position(|&b| b == b'=') {
                    Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
                    None => (long, None),
                };
                let opt = table::long(name).ok_or(PoptReason::UnknownOption)?;
                long_value = value;
                break opt;
            }
            // A single dash: popt tries a one-dash long name first, which
            // no ipvsadm option allows, then reads short options.
            self.cluster = Some((at, 1));
        };

        let kind = opt.spec().kind;
        let value = match kind {
            ValueKind::Flag => {
                let glued_equals = self
                    .cluster
                    .is_some_and(|(word, offset)| self.words[word][offset] == b'=');
                if long_value.is_some() || glued_equals {
                    return Err(PoptReason::UnwantedArgument);
                }
                None
            }
            ValueKind::Required | ValueKind::Optional => {
                let raw = if let Some(value) = long_value {
                    Some(value)
                } else if let Some((word, offset)) = self.cluster.take() {
                    let rest = &self.words[word][offset..];
                    Some(rest.strip_prefix(b"=").unwrap_or(rest))
                } else if let Some(&word) = self.words.get(self.next) {
                    if kind == ValueKind::Optional && word.first() == Some(&b'-') {
                        None
                    } else {
                        self.next += 1;
                        Some(word)
                    }
                } else if kind == ValueKind::Optional {
                    None
                } else {
                    return Err(PoptReason::MissingArgument);
                };
                raw.map(|raw| self.expand(raw))
            }
        };
        Ok(Some(Occurrence {
            opt,
            value,
            token: self.last_word(),
        }))
    }

    /// popt's `expandNextArg`: each `!#:+` becomes the next word that does
    /// not start with `-` and was not taken before (found once per value);
    /// that word is then skipped by the scan. Without such a word the text
    /// stays as it is.
    fn expand(&mut self, raw: &'a [u8]) -> Cow<'a, [u8]> {
        const MARK: &[u8] = b"!#:+";
        let find = |text: &[u8]| text.windows(MARK.len()).position(|w| w == MARK);
        if find(raw).is_none() {
            return Cow::Borrowed(raw);
        }
        let mut found: Option<&[u8]> = None;
        let mut out = Vec::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(pos) = find(rest) {
            out.extend_from_slice(&rest[..pos]);
            if found.is_none() {
                found = self.take_next_free_word();
            }
            out.extend_from_slice(found.unwrap_or(MARK));
            rest = &rest[pos + MARK.len()..];
        }
        out.extend_from_slice(rest);
        Cow::Owned(out)
    }

    fn take_next_free_word(&mut self) -> Option<&'a [u8]> {
        let at = (self.next..self.words.len())
            .find(|&i| !self.is_taken(i) && self.words[i].first() != Some(&b'-'))?;
        if self.taken.is_empty() {
            self.taken = vec![false; self.words.len()];
        }
        self.taken[at] = true;
        Some(self.words[at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<&[u8]> {
        line.split_whitespace().map(str::as_bytes).collect()
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).expect("UTF-8 in these tests")
    }

    fn texts<'a>(list: &[&'a [u8]]) -> Vec<&'a str> {
        list.iter().map(|w| text(w)).collect()
    }

    fn ids<'a>(lexed: &'a Lexed) -> Vec<(&'static str, Option<&'a str>)> {
        lexed
            .options
            .iter()
            .map(|o| (o.opt.long(), o.value.as_deref().map(text)))
            .collect()
    }

    fn failure(line: &str) -> (String, PoptReason) {
        let w = words(line);
        let f = lex(&w, false).failure.expect("an error");
        (text(f.token).to_string(), f.reason)
    }

    #[test]
    fn clusters_and_attached_values() {
        let w = words("-lnt 10.0.0.1:80");
        let l = lex(&w, false);
        assert_eq!(
            ids(&l),
            [
                ("list", None),
                ("numeric", None),
                ("tcp-service", Some("10.0.0.1:80"))
            ]
        );
        let w = words("-At10.0.0.1:80 -srr -p600 -t=x --weight=5 --pe sip");
        let l = lex(&w, false);
        assert_eq!(
            ids(&l),
            [
                ("add-service", None),
                ("tcp-service", Some("10.0.0.1:80")),
                ("scheduler", Some("rr")),
                ("persistent", Some("600")),
                ("tcp-service", Some("x")),
                ("weight", Some("5")),
                ("pe", Some("sip")),
            ]
        );
        assert!(l.failure.is_none() && l.leftovers.is_empty());
    }

    #[test]
    fn required_values_take_dash_words_optional_ones_do_not() {
        let w = words("-w -1 -p -s rr -p");
        let l = lex(&w, false);
        assert_eq!(
            ids(&l),
            [
                ("weight", Some("-1")),
                ("persistent", None),
                ("scheduler", Some("rr")),
                ("persistent", None)
            ]
        );
        let w = words("-p rr --persistent 600 --persistent=7 -p=");
        let l = lex(&w, false);
        assert_eq!(
            ids(&l),
            [
                ("persistent", Some("rr")),
                ("persistent", Some("600")),
                ("persistent", Some("7")),
                ("persistent", Some(""))
            ]
        );
    }

    #[test]
    fn leftovers_and_double_dash() {
        let w = words("foo -L - bar -- -n baz");
        let l = lex(&w, false);
        assert_eq!(ids(&l), [("list", None)]);
        assert_eq!(texts(&l.leftovers), ["foo", "-", "bar", "-n", "baz"]);
        let w = words("-L foo -n");
        let l = lex(&w, true);
        assert_eq!(ids(&l), [("list", None)]);
        assert_eq!(texts(&l.leftovers), ["foo", "-n"]);
    }

    #[test]
    fn errors_name_the_whole_word() {
        use PoptReason::*;
        assert_eq!(failure("-L -x"), ("-x".into(), MissingArgument));
        assert_eq!(failure("-Lnx"), ("-Lnx".into(), MissingArgument));
        assert_eq!(failure("-L --bogus"), ("--bogus".into(), UnknownOption));
        assert_eq!(failure("-L --add-ser"), ("--add-ser".into(), UnknownOption));
        assert_eq!(
            failure("-L --stats=5"),
            ("--stats=5".into(), UnwantedArgument)
        );
        assert_eq!(
            failure("-L --stats="),
            ("--stats=".into(), UnwantedArgument)
        );
        assert_eq!(failure("-L=5"), ("-L=5".into(), UnwantedArgument));
        assert_eq!(failure("-Lq"), ("-Lq".into(), UnknownOption));
        assert_eq!(failure("-L -p -1"), ("-1".into(), UnknownOption));
        assert_eq!(failure("---list"), ("---list".into(), UnknownOption));
        assert_eq!(failure("--=x"), ("--=x".into(), UnknownOption));
        assert_eq!(failure("-="), ("-=".into(), UnknownOption));
        assert_eq!(failure("-Lé"), ("-Lé".into(), UnknownOption));
        // The options before the error are kept.
        let w = words("-A -w abc --bogus -n");
        let l = lex(&w, false);
        assert_eq!(ids(&l), [("add-service", None), ("weight", Some("abc"))]);
    }

    #[test]
    fn token_is_the_last_word_read() {
        let w = words("-L --start-daemon master --stop-daemon=backup -LA");
        let l = lex(&w, false);
        let tokens: Vec<_> = l.options.iter().map(|o| text(o.token)).collect();
        assert_eq!(
            tokens,
            ["-L", "master", "--stop-daemon=backup", "-LA", "-LA"]
        );
    }

    #[test]
    fn next_word_expansion() {
        let w = words("-A -t !#:+:80 10.0.0.1 -s rr");
        let l = lex(&w, false);
        assert_eq!(
            ids(&l),
            [
                ("add-service", None),
                ("tcp-service", Some("10.0.0.1:80")),
                ("scheduler", Some("rr"))
            ]
        );
        assert!(l.leftovers.is_empty());
        // popt's quirk: the word is taken even if an option reads it next.
        let w = words("-A -t !#:+:80 -s rr 10.0.0.1");
        let l = lex(&w, false);
        assert_eq!(
            ids(&l)[1..],
            [("tcp-service", Some("rr:80")), ("scheduler", Some("rr"))]
        );
        assert_eq!(texts(&l.leftovers), ["10.0.0.1"]);
        let w = words("-A -t !#:+ -n");
        let l = lex(&w, false);
        assert_eq!(ids(&l)[1], ("tcp-service", Some("!#:+")));
    }

    #[test]
    fn bytes_that_are_not_utf8_pass_through() {
        let w: [&[u8]; 5] = [b"-At\xff:80", b"\xfe", b"-s", b"r\xffr", b"--bogus\xff"];
        let l = lex(&w, false);
        let opts: Vec<_> = l
            .options
            .iter()
            .map(|o| (o.opt, o.value.as_deref()))
            .collect();
        assert_eq!(
            opts,
            [
                (Opt::AddService, None),
                (Opt::TcpService, Some(&b"\xff:80"[..])),
                (Opt::Scheduler, Some(&b"r\xffr"[..])),
            ]
        );
        assert_eq!(l.leftovers, [b"\xfe"]);
        let failure = l.failure.expect("an error");
        assert_eq!(failure.token, b"--bogus\xff");
        assert_eq!(failure.reason, PoptReason::UnknownOption);
        // A byte above ASCII in a cluster is no short option.
        let w: [&[u8]; 1] = [b"-L\xff"];
        let failure = lex(&w, false).failure.expect("an error");
        assert_eq!(
            (failure.token, failure.reason),
            (&b"-L\xff"[..], PoptReason::UnknownOption)
        );
        // `!#:+` takes a word whatever its bytes.
        let w: [&[u8]; 4] = [b"-A", b"-t", b"!#:+:80", b"\x80"];
        let l = lex(&w, false);
        assert_eq!(l.options[1].value.as_deref(), Some(&b"\x80:80"[..]));
        assert!(l.leftovers.is_empty());
    }
}
