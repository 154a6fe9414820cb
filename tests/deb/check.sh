#!/usr/bin/env bash
# tests/deb/check.sh: build the Debian package with cargo-deb and check it.
#
# On the host: control fields (name, Provides/Conflicts/Replaces ipvsadm,
# Depends, architecture, version), conffiles, the file list with modes and
# owners (tests/deb/contents.txt), that the packaged files are the
# repository's (completions, man pages that render without groff warnings,
# the unit), `systemd-analyze verify` of the unit when systemd-analyze is
# there, `sh -n` of every script, lintian (installed when missing). Then,
# unless DEB_VM=0, the package against the real kernel: tests/vm/run.sh
# deb/vm.sh (unit start/stop, helpers, maintainer scripts; see that file).
# Last, as root, dpkg itself installs it over Debian's ipvsadm in a scratch
# root (deb/replace.sh).
#
# cargo-deb is pinned and installed once into target/tools.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

cargo_deb_version=3.8.0
tools=$root/target/tools
if [ "$("$tools/bin/cargo-deb" --version 2>/dev/null | awk '{print $2}')" != "$cargo_deb_version" ]; then
    cargo install --quiet --locked cargo-deb --version "$cargo_deb_version" --root "$tools"
fi

# groff renders the man pages below (tests/all.sh installs it too)
if ! command -v groff >/dev/null; then
    apt-get update && apt-get install -y groff-base
fi

fail=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fail=1; }
# expect NAME EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi
}

mkdir -p target/debian
deb=$("$tools/bin/cargo-deb" --quiet --output target/debian/ 2>target/debian/cargo-deb.log) || {
    cat target/debian/cargo-deb.log >&2
    exit 1
}
deb=$(printf '%s\n' "$deb" | tail -n1)
echo "built $deb"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
field() { dpkg-deb -f "$deb" "$1"; }
expect "Package" ipvsadm-rs "$(field Package)"
expect "Version" "$version-1" "$(field Version)"
expect "pkg/debian/changelog names this version" "$version-1" \
    "$(sed -n '1s/^ipvsadm-rs (\([^)]*\)).*/\1/p' pkg/debian/changelog)"
expect "Architecture" "$(dpkg --print-architecture)" "$(field Architecture)"
expect "Section" net "$(field Section)"
expect "Priority" optional "$(field Priority)"
expect "Provides" "ipvsadm (= 1:1.31)" "$(field Provides)"
expect "Conflicts" ipvsadm "$(field Conflicts)"
expect "Replaces" ipvsadm "$(field Replaces)"
expect "Suggests" "keepalived, ldirectord" "$(field Suggests)"
# libc only: the binary must not grow other runtime library dependencies
if [[ "$(field Depends)" =~ ^libc6\ \(\>=\ 2\.[0-9]+\)$ ]]; then
    ok "Depends: $(field Depends)"
else
    bad "Depends: expected libc6 (>= 2.N) only, got '$(field Depends)'"
fi
case $(field Maintainer) in *" <"*@*">") ok "Maintainer" ;; *) bad "Maintainer: '$(field Maintainer)'" ;; esac
summary=$(sed -n 's/^description = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
desc=$(field Description)
expect "Description (summary from Cargo.toml)" "$summary" "${desc%%$'\n'*}"
case $desc in *$'\n'" A drop-in replacement for ipvsadm 1.31"*) ok "Description: extended" ;; *) bad "Description: no extended text" ;; esac

ctl=$(mktemp -d)
data=$(mktemp -d)
trap 'rm -rf "$ctl" "$data"' EXIT
dpkg-deb -e "$deb" "$ctl"
dpkg-deb -x "$deb" "$data"
expect "conffiles" /etc/default/ipvsadm "$(cat "$ctl/conffiles")"
for s in postinst prerm postrm; do
    if [ -x "$ctl/$s" ] && sh -n "$ctl/$s"; then ok "$s: executable, parses"; else bad "$s"; fi
done
grep -q 'ipvsadm.rules' "$ctl/postinst" && grep -q 'deb-systemd-helper enable ipvsadm.service' "$ctl/postinst" &&
    ok "postinst: rules file and unit enabling" || bad "postinst lacks the rules file or the unit"
grep -q 'rm -f /etc/ipvsadm.rules' "$ctl/postrm" && ok "postrm: purge removes the rules file" ||
    bad "postrm does not remove the rules file on purge"
if grep -q 'restart' "$ctl/postinst" "$ctl/prerm"; then
    bad "maintainer scripts restart ipvsadm.service on upgrade (it would clear the table)"
else
    ok "no restart of ipvsadm.service on upgrade"
fi

listing=$(dpkg-deb -c "$deb")
if awk '$2 != "0/0" { bad = 1 } END { exit bad }' <<<"$listing"; then
    ok "every file owned by root"
else
    bad "files not owned by root:"$'\n'"$(awk '$2 != "0/0"' <<<"$listing")"
fi
got=$(awk '$1 !~ /^d/ { print $1, $6 }' <<<"$listing" | LC_ALL=C sort)
want=$(grep -v '^#' tests/deb/contents.txt | LC_ALL=C sort)
if [ "$got" = "$want" ]; then
    ok "file list and modes (tests/deb/contents.txt)"
else
    bad "file list differs from tests/deb/contents.txt:"
    diff <(echo "$want") <(echo "$got") || true
fi

# the packaged files are the repository's
same() {
    if cmp -s "$1" "$2"; then ok "$2 is $1"; else bad "$data/$2 differs from $1"; fi
}
(
    cd "$data"
    same "$root/completions/ipvsadm.bash" usr/share/bash-completion/completions/ipvsadm
    same "$root/completions/_ipvsadm" usr/share/zsh/vendor-completions/_ipvsadm
    same "$root/completions/ipvsadm.fish" usr/share/fish/vendor_completions.d/ipvsadm.fish
    same "$root/pkg/default" etc/default/ipvsadm
    same "$root/pkg/ipvsadm-save" sbin/ipvsadm-save
    same "$root/pkg/ipvsadm-restore" sbin/ipvsadm-restore
    same "$root/pkg/ipvsadm-boot" usr/libexec/ipvsadm-rs/ipvsadm-boot
    same "$root/pkg/debian/ipvsadm.service" usr/lib/systemd/system/ipvsadm.service
    exit $fail
) || fail=1
for page in ipvsadm ipvsadm-save ipvsadm-restore; do
    f=$data/usr/share/man/man8/$page.8.gz
    if zcat "$f" | cmp -s - "man/$page.8"; then ok "$page.8.gz is man/$page.8"; else bad "$page.8.gz differs"; fi
    warn=$(zcat "$f" | LC_ALL=C.UTF-8 groff -man -ww -z 2>&1) || warn="groff failed: $warn"
    if [ -z "$warn" ]; then ok "$page.8 renders without warnings"; else bad "$page.8: $warn"; fi
done
if "$data/sbin/ipvsadm" -v | grep -q 'Rust'; then ok "sbin/ipvsadm -v: ours"; else bad "sbin/ipvsadm -v"; fi
for s in sbin/ipvsadm-save sbin/ipvsadm-restore usr/libexec/ipvsadm-rs/ipvsadm-boot etc/default/ipvsadm; do
    if sh -n "$data/$s"; then ok "$s parses (sh -n)"; else bad "$s does not parse"; fi
done

# Debian's own checker, pinned by the release (bookworm's lintian). Known
# and accepted: the placeholder maintainer address (no project address
# yet) and a first changelog entry that closes no Debian bug.
if ! command -v lintian >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q --no-install-recommends lintian >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends lintian >/dev/null; }
fi
if command -v lintian >/dev/null; then
    out=$(lintian --fail-on error,warning \
        --suppress-tags bogus-mail-host,bogus-mail-host-in-debian-changelog,initial-upload-closes-no-bugs \
        "$deb" 2>&1 | grep -v 'running with root privileges') || true
    if [ -z "$out" ]; then ok "lintian"; else bad "lintian:"$'\n'"$out"; fi
else
    echo "skip lintian (not installed, and not root to install it)"
fi

# The unit: every Exec line names a packaged executable; systemd's own
# checker, with those paths pointed into the unpacked tree.
unit=$data/usr/lib/systemd/system/ipvsadm.service
for key in ExecStart ExecStop ExecReload; do
    exe=$(sed -n "s/^$key=\([^ ]*\).*/\1/p" "$unit")
    if [ -n "$exe" ] && [ -x "$data$exe" ]; then ok "$key runs $exe, packaged"; else bad "$key: '$exe' not packaged"; fi
done
if command -v systemd-analyze >/dev/null; then
    mkdir "$data/verify"
    sed "s#^\(Exec[A-Za-z]*=\)/#\1$data/#" "$unit" >"$data/verify/ipvsadm.service"
    out=$(systemd-analyze verify --man=no "$data/verify/ipvsadm.service" 2>&1) || out="failed: $out"
    if [ -z "$out" ]; then ok "systemd-analyze verify"; else bad "systemd-analyze verify: $out"; fi
else
    echo "skip systemd-analyze verify (systemd-analyze is not installed)"
fi

if [ "${DEB_VM:-1}" != 0 ]; then
    # The VM has no dpkg and its busybox tar cannot read the .deb's tar
    # members: ship the unpacked tree (files and DEBIAN/) as a plain tar.
    tree=$(mktemp -d)
    dpkg-deb -R "$deb" "$tree/root"
    tar -C "$tree/root" -cf "$tree/ipvsadm-rs.tar" .
    if VM_BUILD=0 VM_EXTRA_FILES=$tree/ipvsadm-rs.tar tests/vm/run.sh deb/vm.sh; then
        ok "the package in the VM (deb/vm.sh)"
    else
        bad "the package in the VM (deb/vm.sh)"
    fi
    rm -rf "$tree"
fi

# dpkg itself: replacing Debian's ipvsadm, conffile hand-over, purge
# (needs root for the chroot dpkg runs maintainer scripts in).
if [ "$(id -u)" = 0 ]; then
    if tests/deb/replace.sh "$deb"; then ok "replacing Debian's ipvsadm (deb/replace.sh)"; else bad "deb/replace.sh"; fi
else
    echo "skip deb/replace.sh (needs root)"
fi

if [ $fail = 0 ]; then echo "deb/check.sh: PASSED"; else echo "deb/check.sh: FAILED"; fi
exit $fail
