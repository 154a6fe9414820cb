//! The command-line side: ipvsadm's grammar, its views and its messages.

pub mod args;
pub mod command;
pub mod views;
