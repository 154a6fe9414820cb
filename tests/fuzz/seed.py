#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets into DIR/<target>/ (one file
per input, named by its hash), from what the repository already holds:

- command lines and restore input of the differential cases
  (tests/diff/*.cases) for argv, restore_line and apply_input;
- the connection tables those cases write, for conn_table;
- the kernel replies captured in crates/ipvs/src/wire/fixtures.rs, as
  scripts of kernel_replies (format: src/fuzz_entry.rs, `Script`);
- the state records of src/realserver's tests, for realserver_state;
- acks, errors and dump messages framed by hand, for netlink_frames.

Copy them into fuzz/corpus/<target>/ and the next tests/fuzz/run.sh
minimises them with the rest. The corpus is checked in, so this only
needs running when the sources of seeds grow.
Only `printf` commands of the cases are run (by bash), never ipvsadm.
"""

import hashlib
import os
import re
import shlex
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/fuzz-seeds"


def put(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def printf_output(command):
    """The bytes a `printf ...` command of a case writes."""
    try:
        return subprocess.run(
            ["bash", "-c", command], capture_output=True, timeout=5, check=True
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return None


STOP = {"|", ">", "<", ";", "&&", "||", "2>&1", ">/dev/null", "2>/dev/null"}


def case_lines():
    d = os.path.join(ROOT, "tests/diff")
    for name in sorted(os.listdir(d)):
        if name.endswith(".cases"):
            with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    line = line.rstrip("\n")
                    if line and not line.startswith("#") and not line.startswith("==="):
                        yield line


def seed_cases():
    for line in case_lines():
        # A printf into a file (a connection table) or into a pipe (input
        # of -R or apply).
        m = re.match(r"^(printf .*?)\s*(>\s*(\S+)|\|\s*(.*))$", line)
        if m:
            data = printf_output(m.group(1))
            if data is None:
                continue
            if m.group(3):
                put("conn_table", data)
            else:
                put("apply_input", data)
                for rline in data.split(b"\n"):
                    if rline.strip():
                        put("restore_line", rline)
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if "ipvsadm" not in words:
            continue
        args = words[words.index("ipvsadm") + 1 :]
        for i, w in enumerate(args):
            if w in STOP or w.startswith(">") or w.startswith("2>"):
                args = args[:i]
                break
        argv = [a.encode() for a in args]
        put("argv", b"\0".join(argv))
        if argv:
            put("restore_line", b" ".join(argv))


def fixtures():
    with open(os.path.join(ROOT, "crates/ipvs/src/wire/fixtures.rs")) as f:
        text = f.read()
    out = {}
    for m in re.finditer(r'pub const (\w+): &str = (concat!\((.*?)\);|"([0-9a-f]*)";)', text, re.S):
        if m.group(4) is not None:
            hexes = m.group(4)
        else:
            hexes = "".join(re.findall(r'"([0-9a-f]*)"', m.group(3)))
        out[m.group(1)] = bytes.fromhex(hexes)
    return out


def ok(*bodies):
    b = bytes([0, len(bodies)])
    for body in bodies:
        b += struct.pack("<H", len(body)) + body
    return b


def seed_kernel():
    f = fixtures()
    info = ok(f["INFO_REPLY"])
    services = [f[k] for k in ("SVC_REPLY_TCP", "SVC_REPLY_UDP6", "SVC_REPLY_SIP", "SVC_REPLY_FWM5", "SVC_REPLY_FWM6")]
    dests = [f[k] for k in ("DEST_REPLY_NAT_AS_DR", "DEST_REPLY_GUE", "DEST_REPLY_V6")]
    listing = ok(*services) + b"".join(ok(*dests) for _ in services)
    for view in range(9):
        put("kernel_replies", bytes([view]) + info + listing)
        # One service, its real servers, a dump that fails half-way.
        put("kernel_replies", bytes([view]) + info + ok(services[0]) + ok(*dests[:2]))
        put("kernel_replies", bytes([view]) + info + ok(*services) + bytes([1, 3]))
        put("kernel_replies", bytes([view]) + info + ok(services[1]) + bytes([2]) + ok(dests[2]))
    for view in (9, 10):
        put("kernel_replies", bytes([view]) + info + ok(f["TIMEOUTS_REPLY"]))
    for view in (11, 12):
        put("kernel_replies", bytes([view]) + info + ok(f["DAEMON_REPLY_MASTER"], f["DAEMON_REPLY_BACKUP"]))
        put("kernel_replies", bytes([view]) + info + ok())
    for view, svc in ((13, "SVC_REPLY_TCP"), (14, "SVC_REPLY_FWM5"), (15, "SVC_REPLY_UDP6")):
        put("kernel_replies", bytes([view]) + info + ok(f[svc]) + ok(*dests))
    put("kernel_replies", bytes([16]) + info + ok())
    # The batch of changes: acks, errors, an answer missing.
    put("kernel_replies", bytes([255]) + info + ok() * 7)
    put("kernel_replies", bytes([255]) + info + ok() + bytes([1, 17]) + ok() + bytes([3, 105]) + ok())
    # Start-up failures.
    put("kernel_replies", bytes([0, 1, 2]))
    put("kernel_replies", bytes([0]) + ok(f["INFO_REPLY"], f["INFO_REPLY"]))


def nlmsg(kind, seq, payload):
    m = struct.pack("<IHHII", 16 + len(payload), kind, 0, seq, 0) + payload
    return m + b"\0" * (-len(m) % 4)


def ack(seq, errno=0):
    # NLMSG_ERROR: the code, then the request's header echoed.
    return nlmsg(2, seq, struct.pack("<i", -errno) + struct.pack("<IHHII", 24, 0x1C, 5, seq, 0))


def frames(requests, last_seq, datagrams, fail_send=0):
    b = bytes([requests]) + struct.pack("<I", last_seq) + bytes([fail_send])
    for d in datagrams:
        b += struct.pack("<H", 0xFFFF) if d is None else struct.pack("<H", len(d)) + d
    return b


def seed_frames():
    put("netlink_frames", frames(3, 0, [ack(1) + ack(2) + ack(3)]))
    put("netlink_frames", frames(3, 0, [ack(1), ack(2, 17), ack(3)]))
    # Numbers that wrap, a stale ack, a reply that is not an ack.
    put("netlink_frames", frames(4, 0xFFFFFFFE, [ack(0xFFFFFFF0) + ack(0xFFFFFFFF), nlmsg(0x1C, 0, b"\1\1\0\0"), ack(0) + ack(1) + ack(2)]))
    # An overflowed queue, then what was left.
    put("netlink_frames", frames(5, 10, [ack(11), None, ack(13)]))
    put("netlink_frames", frames(2, 0, [], fail_send=1))
    # Dump replies and their end; a header whose length lies.
    put("netlink_frames", frames(0, 0, [nlmsg(0x1C, 7, b"\4\1\0\0") + nlmsg(3, 7, b"\0\0\0\0")]))
    put("netlink_frames", frames(1, 0, [struct.pack("<IHHII", 4096, 2, 0, 1, 0) + b"\xf3\xff\xff\xff"]))


STATES = [
    "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\nlink lo was-up\n"
    "address lo 10.0.0.1/32 added\nsysctl net/ipv4/conf/all/arp_ignore 1 was 0\n"
    "sysctl net/ipv4/conf/lo/arp_ignore 1 kept\n",
    "# ipvsadm realserver state 1\nsubject 2001:db8::1\nmethod tun\nlink tunl0 brought-up\n"
    "address tunl0 2001:db8::1/128 was-there\nsysctl net/ipv4/conf/tunl0/rp_filter 0 was 2\n",
    "# ipvsadm realserver state 1\nsubject director\nmethod nat\n"
    "sysctl net/ipv4/ip_forward 1 was 0\nsysctl net/ipv6/conf/all/forwarding 1 kept\n",
    "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\naddress lo 10.0.0.1/33 added\n",
    "# ipvsadm realserver state 1\nsubject 10.0.0.1\nmethod dr\nsysctl ../x 1 kept\n",
]


def seed_states():
    for s in STATES:
        put("realserver_state", s.encode())


seed_cases()
seed_kernel()
seed_states()
seed_frames()
for t in sorted(os.listdir(OUT)):
    print(t, len(os.listdir(os.path.join(OUT, t))))
