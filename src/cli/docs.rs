//! The man page and the shell completions, generated from the option table.
//!
//! Nothing here is written twice: the option reference of `man/ipvsadm.8`
//! is rendered (`clap_mangen`) from [`option_table`] and from the
//! `apply`, `realserver` and `director` clap commands, and the completions
//! (`clap_complete`) come from the same commands. The prose around the
//! generated parts lives in `doc/ipvsadm.8.in`, our own words.
//!
//! This module is compiled only into the unit tests (which check that the
//! checked-in files are fresh) and into `examples/gen-docs.rs` (which
//! writes them), so the release binary carries neither generator and
//! ipvsadm's grammar gains no option. Regenerate with
//! `cargo run --example gen-docs`.

use clap::{Arg, Command};
use clap_complete::Shell;
use clap_mangen::Man;

use crate::cli::apply::apply_command;
use crate::cli::args::table::{HEADINGS, option_table};
use crate::cli::realserver::{director_command, realserver_command};

/// The prose of the page, with `@NAME@` lines where generated parts go.
const TEMPLATE: &str = include_str!("../../doc/ipvsadm.8.in");

/// The command to run when a checked-in file is stale.
pub const REGENERATE: &str = "cargo run --example gen-docs";

/// Every generated file: path relative to the repository root, contents.
pub fn outputs() -> Vec<(&'static str, String)> {
    vec![
        ("man/ipvsadm.8", man_page()),
        ("completions/ipvsadm.bash", completion(Shell::Bash)),
        ("completions/_ipvsadm", completion(Shell::Zsh)),
        ("completions/ipvsadm.fish", completion(Shell::Fish)),
    ]
}

/// The full command-line surface as one clap command: ipvsadm's options
/// plus our own first words. Only the generators see it this way; the
/// lexer reads the table alone and dispatches the subcommands by word.
pub fn full_command() -> Command {
    option_table()
        .disable_help_subcommand(true)
        .subcommand(apply_command("ipvsadm"))
        .subcommand(realserver_command("ipvsadm").bin_name("ipvsadm realserver"))
        .subcommand(director_command("ipvsadm").bin_name("ipvsadm director"))
}

fn completion(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut full_command(), "ipvsadm", &mut out);
    String::from_utf8(out).expect("completions are UTF-8")
}

/// `man/ipvsadm.8`: the template with its `@...@` lines replaced.
pub fn man_page() -> String {
    let mut page = String::new();
    for line in TEMPLATE.lines() {
        match line {
            "@OPTIONS@" => page.push_str(&ipvsadm_options()),
            "@APPLY@" => {
                page.push_str(&command_section("ipvsadm apply", &apply_command("ipvsadm")))
            }
            "@REALSERVER@" => page.push_str(&subcommands(&realserver_command("ipvsadm"))),
            "@DIRECTOR@" => page.push_str(&subcommands(&director_command("ipvsadm"))),
            _ if line.starts_with(".\\\"#") => {}
            _ if line.starts_with('@') && line.ends_with('@') && line.len() > 1 => {
                panic!("unknown template marker {line}")
            }
            _ => {
                page.push_str(line);
                page.push('\n');
            }
        }
    }
    page
}

/// clap_mangen's rendering of `args` (an `.SH OPTIONS` line, then one
/// `.TP` item per arg), without the `.SH` line so we can place it.
fn render_args<'a>(args: impl IntoIterator<Item = &'a Arg>) -> String {
    let cmd = Command::new("ipvsadm")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(args.into_iter().map(|a| {
            // Every help text names the values already.
            let mut arg = a.clone().help_heading(None);
            // clap_mangen shows no short aliases (`-l` for `-L`): say it.
            let aliases = a.get_visible_short_aliases().unwrap_or_default();
            if !aliases.is_empty() {
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                let names: Vec<String> = aliases.iter().map(|c| format!("-{c}")).collect();
                arg = arg.help(format!("{help}; also {}.", names.join(", ")));
            }
            if arg.get_action().takes_values() {
                arg.hide_possible_values(true)
            } else {
                arg
            }
        }));
    let mut out = Vec::new();
    Man::new(cmd)
        .render_options_section(&mut out)
        .expect("writing to a Vec");
    let text = String::from_utf8(out).expect("roff is UTF-8");
    // The roff crate starts with the definition of \*(Aq, which the
    // template makes once; then comes the `.SH OPTIONS` line.
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| *l == ".SH OPTIONS")
        .expect("an OPTIONS section");
    lines.map(|l| format!("{l}\n")).collect()
}

/// One `.SS` per heading of the option table, in `--help` order.
fn ipvsadm_options() -> String {
    let table = option_table();
    let mut out = String::new();
    for heading in HEADINGS {
        out.push_str(&format!(".SS \"{heading}\"\n"));
        out.push_str(&render_args(table.get_arguments().filter(|a| {
            a.get_help_heading() == Some(heading) && !a.is_hide_set()
        })));
    }
    out
}

/// One `.SS` per subcommand of `realserver` or `director`.
fn subcommands(cmd: &Command) -> String {
    let name = cmd.get_name();
    cmd.get_subcommands()
        .map(|sub| command_section(&format!("ipvsadm {name} {}", sub.get_name()), sub))
        .collect()
}

/// One `.SS` titled `full` for a clap command: usage, long description,
/// options, and the help's trailer (where `apply` states its exit codes).
fn command_section(full: &str, cmd: &Command) -> String {
    let mut out = String::new();
    out.push_str(&format!(".SS \"{full}\"\n"));
    let mut usage = cmd.clone().bin_name(full).disable_help_flag(true);
    let usage = usage.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ");
    out.push_str(&format!(".B {}\n", roff_escape(usage)));
    out.push_str(".PP\n");
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default();
    paragraphs(&mut out, &about);
    let args: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    if !args.is_empty() {
        out.push_str(&render_args(args));
    }
    // realserver's trailer is said once in the template's own prose; a
    // command without subcommands has nowhere else to say it.
    if cmd.get_subcommands().next().is_none()
        && let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help())
    {
        out.push_str(".PP\n");
        paragraphs(&mut out, &after.to_string());
    }
    out
}

/// `text`'s paragraphs (blank-line separated) as roff, `.PP` between them.
fn paragraphs(out: &mut String, text: &str) {
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str(".PP\n");
        }
        out.push_str(&roff_escape(&para.replace('\n', " ")));
        out.push('\n');
    }
}

/// Text as roff: backslashes and hyphens escaped, no control character at
/// the start of a line.
fn roff_escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command as Process;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn checked_in_files_are_fresh() {
        let mut stale = Vec::new();
        for (path, fresh) in outputs() {
            let current = std::fs::read_to_string(root().join(path)).unwrap_or_default();
            if current != fresh {
                stale.push(path);
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files {stale:?}: the option table or doc/ipvsadm.8.in changed; \
             regenerate them with `{REGENERATE}` and commit the result"
        );
    }

    #[test]
    fn every_option_is_in_the_man_page() {
        let page = man_page();
        for arg in option_table().get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let long = format!("\\-\\-{}", long.replace('-', "\\-"));
            assert!(page.contains(&long), "{long} missing from the man page");
            if let Some(short) = arg.get_short() {
                let short = format!("\\-{short}");
                assert!(page.contains(&short), "{short} missing from the man page");
            }
        }
        for cmd in [realserver_command("ipvsadm"), director_command("ipvsadm")] {
            for sub in cmd.get_subcommands() {
                let title = format!(".SS \"ipvsadm {} {}\"", cmd.get_name(), sub.get_name());
                assert!(page.contains(&title), "{title} missing");
                for arg in sub.get_arguments().filter_map(|a| a.get_long()) {
                    let long = format!("\\-\\-{}", arg.replace('-', "\\-"));
                    assert!(page.contains(&long), "{long} of {title} missing");
                }
            }
        }
        let apply = apply_command("ipvsadm");
        assert!(page.contains(".SS \"ipvsadm apply\"\n"), "apply missing");
        for arg in apply.get_arguments().filter_map(|a| a.get_long()) {
            let long = format!("\\-\\-{}", arg.replace('-', "\\-"));
            assert!(page.contains(&long), "{long} of apply missing");
        }
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "COMMANDS",
            "OPTIONS",
            "FORWARDING METHODS",
            "SCHEDULERS",
            "EXAMPLES",
            "FILES",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(
                page.contains(&format!(".SH {section}\n"))
                    || page.contains(&format!(".SH \"{section}\"\n")),
                "section {section} missing"
            );
        }
    }

    /// Fails, rather than passes, when groff is missing: a page nobody
    /// rendered is not known to render.
    #[test]
    fn man_page_renders_without_warnings() {
        let out = Process::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(root().join("man/ipvsadm.8"))
            .output()
            .expect("groff is needed to check the man page: apt-get install groff-base");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.is_empty(), "groff: {stderr}");
    }

    /// Completes like bash does: sources the script, sets COMP_WORDS and
    /// COMP_CWORD, calls the completion function, prints COMPREPLY.
    fn bash_complete(words: &[&str]) -> Vec<String> {
        let script = root().join("completions/ipvsadm.bash");
        let words: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let program = format!(
            "source '{}' || exit 99\n\
             COMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
             COMP_POINT=${{#COMP_LINE}}\n\
             fn=$(complete -p ipvsadm | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')\n\
             [ -n \"$fn\" ] || exit 98\n\
             \"$fn\" ipvsadm \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            script.display(),
            words.join(" "),
            words.len() - 1,
        );
        let out = Process::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .output()
            .expect("bash is needed for the completion test");
        assert!(
            out.status.success(),
            "bash completion failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn bash_completes_long_options() {
        let offered = bash_complete(&["ipvsadm", "--sch"]);
        assert!(offered.iter().any(|o| o == "--scheduler"), "{offered:?}");
        assert_eq!(bash_complete(&["ipvsadm", "--schedu"]), ["--scheduler"]);
    }

    #[test]
    fn bash_offers_scheduler_names() {
        for option in ["-s", "--scheduler"] {
            let offered = bash_complete(&["ipvsadm", "-A", "-t", "10.0.0.1:80", option, ""]);
            for name in ["rr", "wrr", "wlc", "mh"] {
                assert!(offered.iter().any(|o| o == name), "{option}: {offered:?}");
            }
        }
        assert_eq!(
            bash_complete(&["ipvsadm", "-A", "-s", "lb"]),
            ["lblc", "lblcr"]
        );
    }

    #[test]
    fn bash_completes_apply() {
        assert_eq!(bash_complete(&["ipvsadm", "app"]), ["apply"]);
        let offered = bash_complete(&["ipvsadm", "apply", "--dr"]);
        assert_eq!(offered, ["--dry-run", "--drain"]);
    }

    #[test]
    fn bash_completes_the_subcommands() {
        let offered = bash_complete(&["ipvsadm", "realserver", "se"]);
        assert_eq!(offered, ["setup"]);
        let offered = bash_complete(&["ipvsadm", "realserver", "setup", "--method", ""]);
        assert_eq!(offered, ["dr", "tun"]);
    }
}
