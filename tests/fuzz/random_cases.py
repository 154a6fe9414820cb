#!/usr/bin/env python3
"""Random differential cases: tests/fuzz/random_cases.py SEED CASES

Prints a case file for tests/diff/run-cases.sh: CASES cases of random
ipvsadm command lines, the same lines for the same SEED. Each case starts
from one of a few small tables (restored with -R, or empty), runs two to
five random lines, then reads the table back (-S -n, or -L -n
--thresholds). The runner runs every line with Debian's ipvsadm and with
ours and compares output, errors and exit status.

The lines are valid and invalid on purpose: every command and option,
short, long, `=` and attached forms, clusters of flags, repeated and
conflicting options, stray words, odd values (signs, overflows, hex,
empty, trailing garbage), host and port names, IPv6, bytes that are not
UTF-8, and -R input built the same way.

What the lines avoid is what differs from 1.31 on purpose (the README's
table of differences), since those cases would fail by design:
  D1  fwmarks from 2^31 to 2^32-1 (printed signed by 1.31)
  D3  thresholds in a case that saves with -S (1.31 drops them)
  D4  flag-3 (1.31 lists sh/mh with it wrongly)
  D5  brackets around host names; names with IPv6 addresses only
  D7  -r, -M or a port name before the service option (or before -6):
      1.31 reads them in order; the generator puts the service first
  D9  -b with only commas
  D13 --stop-daemon in -R input (a stop just after a start in one
      process can catch the thread before it ran: 1.31 then waits forever)
  and -v, --version, the text of -h (ours is our own: -h lines go to
  /dev/null), interface names that are not UTF-8, and our own additions
  (apply, realserver, director, --netns, --json).
"""

import random
import shlex
import sys

# Addresses and names the VM knows (its /etc/hosts: tests/vm/run.sh).
V4 = ["10.0.0.1", "10.0.0.2", "192.168.10.1", "192.168.10.2", "127.0.0.1"]
V4_ODD = ["0.0.0.0", "255.255.255.255", "10.0.0", "10.0.0.256", "1.2.3.4.5",
          "", "abc", "010.0.0.1", "10.0.0.1 "]
V6 = ["[2001:db8::1]", "[2001:db8::10]", "[::1]"]
V6_ODD = ["[2001:db8::zz]", "[2001:db8::1", "2001:db8::1", "[]", "[::ffff:10.0.0.1]"]
NAMES = ["localhost", "vip1.example", "vip2.example", "rs1.example", "rs2.example",
         "nosuch.invalid"]
PORTS = ["80", "8080", "53", "443", "0", "65535"]
PORTS_ODD = ["65536", "-1", "80x", "", "http", "https", "domain", "ssh", "nosuchport",
             "0x50", "+80", "99999999999"]
SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
              "mh", "fo", "ovf"]
SCHEDULERS_ODD = ["bogus", "", "RR", "averyveryverylongschedulername", "r r"]
SCHED_FLAGS = ["sh-fallback", "sh-port", "mh-fallback", "mh-port", "flag-1", "flag-2",
               "sh-fallback,sh-port", "mh-port,mh-fallback", "", "bogus",
               "sh-fallback,,sh-port", "sh-port,bogus"]
NUMBERS_ODD = ["-1", "abc", "", "0x10", "1e3", " 5", "5 ", "5x", "2147483647",
               "2147483648", "4294967295", "4294967296", "99999999999999999999", "+3"]
PERSISTENCE = ["0", "1", "300", "2678400", "2678401", "abc", "-5", "300s"]
NETMASKS = ["255.255.255.0", "255.255.0.0", "255.255.255.255", "0.0.0.0",
            "255.0.255.0", "24", "64", "128", "129", "0", "abc", ""]
FWMARKS = ["1", "2", "7", "0", "2147483647", "4294967296", "-1", "abc", "0x10", "1x"]
TIMEOUTS = ["0", "10", "900", "120", "300", "-1", "abc", "2147483647", "99999999999"]

# The setup tables a case can start from (-R input).
TABLES = [
    [],
    ["-A -t 10.0.0.1:80 -s rr", "-a -t 10.0.0.1:80 -r 192.168.10.1:80 -m -w 2",
     "-a -t 10.0.0.1:80 -r 192.168.10.2:8080 -m -w 1"],
    ["-A -t 10.0.0.1:80 -s wlc -p 300", "-a -t 10.0.0.1:80 -r 192.168.10.1:80 -g",
     "-A -u 10.0.0.2:53 -s rr", "-a -u 10.0.0.2:53 -r 192.168.10.2:53 -i -w 3",
     "-A -f 1 -s sh -b sh-port", "-a -f 1 -r 192.168.10.1:0 -g",
     "-A -t [2001:db8::1]:80 -s lc", "-a -t [2001:db8::1]:80 -r [2001:db8::10]:80 -m"],
    ["-A --sctp-service 10.0.0.1:80 -s mh -b mh-fallback",
     "-a --sctp-service 10.0.0.1:80 -r 192.168.10.1:80 -i --tun-type gue --tun-port 6080",
     "-A -f 7 -6 -s wrr -p 60 -M 64"],
]


class Gen:
    def __init__(self, rng, table):
        self.r = rng
        self.thresholds = False
        # Services and servers of the table (and of -A/-a lines so far),
        # as their option and value: most lines name one of them, so they
        # get past "no such service" to what they change.
        self.services = []
        self.servers = []
        for line in table:
            w = line.split()
            if w[0] == "-A":
                self.services.append(([w[1]], w[2]))
            elif w[0] == "-a":
                self.servers.append(w[4])

    def pick(self, *pools):
        """One value from the pools, the first pool weighted most."""
        r = self.r
        weights = [6] + [1] * (len(pools) - 1)
        pool = r.choices(pools, weights=weights)[0]
        return r.choice(pool)

    def maybe_bytes(self, word):
        """Sometimes a word with a byte that is not UTF-8 in it (a shell
        fragment, marked by a tuple)."""
        if self.r.random() < 0.03:
            at = self.r.randint(0, len(word))
            byte = self.r.choice(["\\377", "\\303\\050", "\\200"])
            return (word[:at], byte, word[at:])
        return word

    def address(self, v6_ok=True):
        r = self.r
        x = r.random()
        if x < 0.6:
            return r.choice(V4)
        if x < 0.75 and v6_ok:
            return r.choice(V6)
        if x < 0.85:
            return r.choice(NAMES)
        return r.choice(V4_ODD + V6_ODD)

    def endpoint(self, port_chance=0.85):
        addr = self.address()
        if self.r.random() < port_chance:
            return addr + ":" + self.pick(PORTS, PORTS_ODD)
        return addr

    def service(self):
        """(option spellings, value) for a service option."""
        r = self.r
        if self.services and r.random() < 0.6:
            return r.choice(self.services)
        x = r.random()
        if x < 0.5:
            return (["-t", "--tcp-service"], self.maybe_bytes(self.endpoint()))
        if x < 0.7:
            return (["-u", "--udp-service"], self.maybe_bytes(self.endpoint()))
        if x < 0.78:
            return (["--sctp-service"], self.endpoint())
        return (["-f", "--fwmark-service"], self.pick(FWMARKS, ["1", "7"]))

    def number(self, *common):
        return self.maybe_bytes(self.pick(list(common), NUMBERS_ODD))

    def sched_flags(self):
        return self.r.choice(SCHED_FLAGS)

    def service_options(self, opts):
        r = self.r
        if r.random() < 0.6:
            opts.append((["-s", "--scheduler"], self.maybe_bytes(self.pick(SCHEDULERS, SCHEDULERS_ODD))))
        if r.random() < 0.25:
            # -p takes an optional value: alone, or with one
            if r.random() < 0.4:
                opts.append((["-p", "--persistent"], None))
            else:
                opts.append((["-p", "--persistent"], self.r.choice(PERSISTENCE)))
        if r.random() < 0.15:
            opts.append((["-M", "--netmask"], self.r.choice(NETMASKS)))
        if r.random() < 0.1:
            opts.append((["--pe"], self.r.choice(["sip", "sip", "bogus", ""])))
        if r.random() < 0.2:
            opts.append((["-b", "--sched-flags"], self.sched_flags()))
        if r.random() < 0.1:
            opts.append((["-o", "--ops"], None))
        if r.random() < 0.1:
            opts.append((["-6", "--ipv6"], None))

    def server_options(self, opts, need_server=True):
        r = self.r
        if need_server or r.random() < 0.3:
            if self.servers and r.random() < 0.5:
                server = r.choice(self.servers)
            else:
                server = self.maybe_bytes(self.endpoint(0.7))
            opts.append((["-r", "--real-server"], server))
        if r.random() < 0.6:
            opts.append((r.choice([["-g", "--gatewaying"], ["-i", "--ipip"],
                                   ["-m", "--masquerading"]]), None))
        if r.random() < 0.5:
            opts.append((["-w", "--weight"], self.number("0", "1", "2", "5", "65535", "65536")))
        if self.thresholds:
            if r.random() < 0.5:
                opts.append((["-x", "--u-threshold"], self.number("0", "10", "100", "65535")))
            if r.random() < 0.5:
                opts.append((["-y", "--l-threshold"], self.number("0", "5", "50", "65535")))
        if r.random() < 0.12:
            opts.append((["--tun-type"], self.r.choice(["ipip", "gue", "gre", "bogus", ""])))
        if r.random() < 0.08:
            opts.append((["--tun-port"], self.pick(PORTS, PORTS_ODD)))
        for flag in ["--tun-nocsum", "--tun-csum", "--tun-remcsum"]:
            if r.random() < 0.04:
                opts.append(([flag], None))

    def list_options(self, opts):
        r = self.r
        for spell, chance in [(["-n", "--numeric"], 0.7), (["--exact"], 0.2),
                              (["--stats"], 0.15), (["--rate"], 0.1),
                              (["--thresholds"], 0.1), (["--persistent-conn"], 0.1),
                              (["--nosort"], 0.1), (["--sort"], 0.05),
                              (["-c", "--connection"], 0.05), (["--timeout"], 0.05),
                              (["--daemon"], 0.05)]:
            if r.random() < chance:
                opts.append((spell, None))
        if r.random() < 0.25:
            opts.append(self.service())

    def daemon_options(self, opts):
        r = self.r
        if r.random() < 0.8:
            opts.append((["--mcast-interface"], r.choice(["lo", "lo", "nosuchif", ""])))
        if r.random() < 0.4:
            opts.append((["--syncid"], self.number("0", "1", "255", "256")))
        if r.random() < 0.2:
            opts.append((["--mcast-group"], r.choice(["224.0.0.81", "239.1.1.1", "ff02::81",
                                                     "10.0.0.1", "abc"])))
        if r.random() < 0.2:
            opts.append((["--mcast-port"], self.pick(["8848", "1"], PORTS_ODD)))
        if r.random() < 0.2:
            opts.append((["--mcast-ttl"], self.number("1", "2", "255", "256")))
        if r.random() < 0.2:
            opts.append((["--sync-maxlen"], self.number("1500", "100", "65535", "65536")))

    def command(self):
        """(command spellings, command value or None, option list)."""
        r = self.r
        opts = []
        kind = r.choices(
            ["A", "E", "D", "a", "e", "d", "L", "Z", "C", "S", "set", "start", "stop", "h"],
            weights=[14, 8, 5, 16, 10, 5, 14, 3, 2, 5, 3, 3, 2, 1])[0]
        if kind in ("A", "E", "D"):
            opts.append(self.service())
            if kind == "A":
                self.services.append(opts[0])
            if kind != "D" or r.random() < 0.1:
                self.service_options(opts)
            spell = {"A": ["-A", "--add-service"], "E": ["-E", "--edit-service"],
                     "D": ["-D", "--delete-service"]}[kind]
            return spell, None, opts
        if kind in ("a", "e", "d"):
            opts.append(self.service())
            self.server_options(opts, True)
            if kind == "a" and isinstance(opts[1][1], str):
                self.servers.append(opts[1][1])
            spell = {"a": ["-a", "--add-server"], "e": ["-e", "--edit-server"],
                     "d": ["-d", "--delete-server"]}[kind]
            return spell, None, opts
        if kind == "L":
            self.list_options(opts)
            return r.choice([["-L", "--list"], ["-l"]]), None, opts
        if kind == "Z":
            if r.random() < 0.5:
                opts.append(self.service())
            return ["-Z", "--zero"], None, opts
        if kind == "C":
            return ["-C", "--clear"], None, opts
        if kind == "S":
            if r.random() < 0.6:
                opts.append((["-n", "--numeric"], None))
            if r.random() < 0.1:
                opts.append(self.service())
            return ["-S", "--save"], None, opts
        if kind == "set":
            return ["--set"], [self.r.choice(TIMEOUTS) for _ in range(r.choice([3, 3, 3, 2]))], opts
        if kind == "start":
            self.daemon_options(opts)
            return ["--start-daemon"], [r.choice(["master", "backup", "master", "bogus", ""])], opts
        if kind == "stop":
            return ["--stop-daemon"], [r.choice(["master", "backup", "bogus"])], opts
        return ["-h", "--help"], None, opts

    def extra(self, opts):
        """Now and then something that does not belong: a repeated or
        conflicting option, a stray word, an unknown option."""
        r = self.r
        x = r.random()
        if x < 0.04 and opts:
            opts.append(r.choice(opts))
        elif x < 0.07:
            opts.append(r.choice([(["-g"], None), (["-n"], None), (["-w"], "1"),
                                  (["-s"], "rr"), (["-6"], None), (["-p"], None),
                                  (["--stats"], None), (["-c"], None)]))
        elif x < 0.09:
            opts.append(([r.choice(["extra", "-", "--", "-Q", "--bogus", ""])], None))

    def order(self, opts):
        """Options in random order, then the service option (and -6)
        moved before -r, -M and everything else, as 1.31 needs (D7)."""
        self.r.shuffle(opts)
        first = [o for o in opts if o[0][0] in ("-t", "-u", "--sctp-service", "-f", "-6")]
        rest = [o for o in opts if o not in first]
        return first + rest

    def words(self, opts):
        """The option list spelled out as argv words (strings, or tuples
        shell_word joins); flags given as short options are sometimes
        clustered (-Ln)."""
        r = self.r
        out = []
        cluster = False  # whether out[-1] is a cluster of short flags
        for spells, value in opts:
            spell = r.choice(spells)
            short = len(spell) == 2 and spell[1].isalpha()
            if value is None:
                if short and cluster and r.random() < 0.3:
                    out[-1] += spell[1]
                else:
                    out.append(spell)
                    cluster = short
                continue
            cluster = False
            if isinstance(value, list):
                out.append(spell)
                out.extend(value)
            elif isinstance(value, tuple) or r.random() < 0.8:
                out += [spell, value]
            elif spell.startswith("--"):
                out.append((spell + "=", value))
            else:
                out.append((spell, value))
        return out

    def argv(self):
        spell, cmd_value, opts = self.command()
        self.extra(opts)
        opts = self.order(opts)
        cmd = (spell, cmd_value)
        if self.r.random() < 0.92 or not opts:
            ordered = [cmd] + opts
        else:
            # the command after an option: 1.31's "tryhelp" path
            ordered = opts[:1] + [cmd] + opts[1:]
        return self.words(ordered), spell[0]


def shell_word(w):
    """A word for the busybox shell: a plain string, a (prefix, value)
    pair written next to each other, or a (prefix, octal bytes, suffix)
    triple with the bytes made by printf."""
    if isinstance(w, str):
        return shlex.quote(w)
    if len(w) == 2:
        return shlex.quote(w[0] + w[1]) if isinstance(w[1], str) else shlex.quote(w[0]) + shell_word(w[1])
    pre, octal, post = w
    return (shlex.quote(pre) if pre else "") + "\"$(printf '" + octal + "')\"" + \
        (shlex.quote(post) if post else "")


def restore_word(w):
    """A word of a -R line inside a printf format (no quoting there: a
    word with a blank stays split, as -R splits it)."""
    if isinstance(w, str):
        return w.replace("\\", "\\\\").replace("%", "%%").replace("'", "")
    if len(w) == 2:
        return restore_word(w[0]) + restore_word(w[1])
    return restore_word(w[0]) + w[1] + restore_word(w[2])


def case(rng, number, seed):
    table = rng.choice(TABLES)
    g = Gen(rng, table)
    # A fifth of the cases set thresholds; those read back with -L, never
    # -S, which drops them in 1.31 (D3).
    g.thresholds = rng.random() < 0.2
    lines = []
    if table:
        fmt = "\\n".join(table) + "\\n"
        lines.append("printf -- '" + fmt + "' | ipvsadm -R")
    used_set = used_daemon = False
    for _ in range(rng.randint(2, 5)):
        if rng.random() < 0.12:
            # -R input: one to four lines of the restorable commands
            rl = []
            for _ in range(rng.randint(1, 4)):
                while True:
                    words, cmd = g.argv()
                    if cmd == "--stop-daemon":
                        continue
                    if cmd in ("-A", "-E", "-D", "-a", "-e", "-d", "-C") or rng.random() < 0.1:
                        break
                if cmd == "-h":
                    continue
                rl.append(" ".join(restore_word(w) for w in words))
            if not rl:
                continue
            lines.append("printf -- '" + "\\n".join(rl) + "\\n' | ipvsadm -R")
            continue
        words, cmd = g.argv()
        if cmd == "-S" and g.thresholds:
            continue
        used_set |= cmd == "--set"
        used_daemon |= cmd == "--start-daemon"
        line = "ipvsadm " + " ".join(shell_word(w) for w in words)
        if cmd == "-h":
            line += " >/dev/null"
        lines.append(line)
    lines.append("ipvsadm -L -n --thresholds" if g.thresholds else "ipvsadm -S -n")
    if used_set:
        lines.append("ipvsadm -L --timeout")
    if used_daemon:
        lines.append("ipvsadm -L --daemon")
    return "=== random %d/%d\n%s\n" % (seed, number, "\n".join(lines))


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit() or not sys.argv[2].isdigit():
        sys.exit("usage: random_cases.py SEED CASES")
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    print("# Random differential cases: tests/fuzz/random_cases.py %d %d" % (seed, count))
    for n in range(count):
        print()
        print(case(rng, n, seed), end="")


if __name__ == "__main__":
    main()
