//! The `ipvsadm` binary: parse, run against the kernel, print, exit.

mod cli;

fn main() {
    std::process::exit(0);
}
