//! The command-line side: ipvsadm's grammar, its views and its messages.

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
