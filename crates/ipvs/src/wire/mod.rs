//! IPVS generic-netlink attributes: one enum per attribute namespace and the
//! conversions between them and `model` values.
//!
//! `attr` is the TLV byte layer; `cmd` the commands, top-level attributes
//! and message bodies; `service`, `dest`, `stats`, `daemon`, `info` one
//! namespace each; `message` says which attributes each command carries.

/// Declares a kernel number space (a command or attribute set) as an enum
/// with conversions both ways. A number the kernel sends that has no name
/// here becomes `UnrecognizedConst(n)` rather than an error, so a newer
/// kernel's additions pass through the decoders.
macro_rules! kernel_numbers {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A number without a name here.
            UnrecognizedConst($repr),
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> $repr {
                match v {
                    $( $name::$variant => $value, )*
                    $name::UnrecognizedConst(n) => n,
                }
            }
        }

        impl From<$repr> for $name {
            fn from(n: $repr) -> $name {
                match n {
                    $( $value => $name::$variant, )*
                    n => $name::UnrecognizedConst(n),
                }
            }
        }
    };
}

mod attr;
mod cmd;
mod daemon;
mod dest;
#[cfg(all(test, target_endian = "little"))]
mod fixtures;
mod info;
mod message;
mod service;
mod stats;

pub use attr::{Attr, AttrIter, AttrWriter, DecodeError, attrs, inet_addr_bytes, malformed};
pub use cmd::{Cmd, CmdAttr, FAMILY_NAME, GENL_VERSION, Reply, Request};
pub use daemon::{DaemonAttr, decode_daemon, encode_daemon, encode_daemon_stop};
pub use dest::{Counters, DestAttr, decode_dest, encode_dest};
pub use info::{InfoAttr, decode_info, decode_timeouts, encode_timeouts};
pub use message::{
    decode_daemon_reply, decode_dest_reply, decode_info_reply, decode_service_reply,
    decode_timeouts_reply,
};
pub use service::{
    FLAGS_MASK_ALL, SvcAttr, decode_service, encode_key, encode_service,
    encode_service_with_netmask, key_only_service,
};
pub use stats::{StatsAttr, decode_stats};
