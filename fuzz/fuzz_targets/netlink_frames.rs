#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ipvsadm::fuzz_entry::netlink_frames(data));
