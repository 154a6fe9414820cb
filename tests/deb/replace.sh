#!/usr/bin/env bash
# tests/deb/replace.sh DEB: install the package over Debian's ipvsadm with
# the host's real dpkg, into a throw-away root (dpkg --root; maintainer
# scripts run chrooted there with busybox as /bin/sh, and stubs for
# update-rc.d, invoke-rc.d and deb-systemd-*). Needs root (chroot, mknod);
# called by tests/deb/check.sh. Checks that dpkg removes ipvsadm in favour
# of ours, takes /sbin and /etc/default/ipvsadm over, keeps the rules file,
# prompts only for a changed /etc/default/ipvsadm, that Provides satisfies
# a versioned dependency on ipvsadm, and what purging removes.
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(realpath "$1")
cache=target/vm/debs
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive
# fetch PKG=VERSION|PKG: the .deb from run.sh's cache, downloaded if missing
fetch() {
    local pkg=${1%%=*} f
    f=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ]; then
        (cd "$cache" && { apt-get -q -o APT::Sandbox::User=root download "$1" >&2 ||
            { apt-get -q update >&2 && apt-get -q -o APT::Sandbox::User=root download "$1" >&2; }; })
        f=$(ls "$cache/${pkg}_"*.deb | head -n1)
    fi
    realpath "$f"
}
ref=$(fetch "ipvsadm=1:1.31-1+b1")
bbdeb=$(fetch busybox-static)

. tests/deb/report.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$bbdeb" "$tmp/bb"
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# newroot DIR: an empty dpkg root that can run maintainer scripts
newroot() {
    local r=$1 s
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,dev,var/lib/dpkg/{info,updates,triggers}}
    mknod -m 666 "$r/dev/null" c 1 3
    touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available"
    cp "$tmp/bb/bin/busybox" "$r/bin/busybox"
    ln -s busybox "$r/bin/sh"
    for s in usr/sbin/update-rc.d usr/sbin/invoke-rc.d usr/bin/deb-systemd-helper usr/bin/deb-systemd-invoke; do
        printf '#!/bin/sh\necho "%s $*" >>/tmp/calls\n' "${s##*/}" >"$r/$s"
        chmod 755 "$r/$s"
    done
}
# status ROOT PKG: dpkg's status word for PKG (installed, config-files, ...)
status() { dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${db:Status-Status}' "$2" 2>/dev/null || echo none; }

# libc6 is not in these roots: --force-depends for that, and only that
# (the dummy package below is installed without it).
r=$tmp/r1
newroot "$r"
dpkg --root="$r" --force-depends -i "$ref" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
echo "-A -t 10.0.0.1:80 -s rr" >>"$r/etc/ipvsadm.rules"
cp "$r/etc/ipvsadm.rules" "$tmp/rules"
rc=0
dpkg --root="$r" --force-depends -i "$deb" </dev/null >"$tmp/log" 2>&1 || rc=$?
check "dpkg -i over Debian's ipvsadm succeeds" [ $rc = 0 ]
[ $rc = 0 ] || cat "$tmp/log"
check "dpkg removes ipvsadm in favour of ipvsadm-rs" grep -q 'Removing ipvsadm .* to allow configuration of ipvsadm-rs' "$tmp/log"
check "ipvsadm-rs is installed" [ "$(status "$r" ipvsadm-rs)" = installed ]
check "ipvsadm is removed (config files left)" [ "$(status "$r" ipvsadm)" = config-files ]
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./sbin/ipvsadm >"$tmp/ours"
check "/sbin/ipvsadm is ours" cmp -s "$tmp/ours" "$r/sbin/ipvsadm"
check "/sbin/ipvsadm-save and -restore are ours" \
    eval 'cmp -s pkg/ipvsadm-save "$r/sbin/ipvsadm-save" && cmp -s pkg/ipvsadm-restore "$r/sbin/ipvsadm-restore"'
check "an unchanged /etc/default/ipvsadm is replaced without a question" cmp -s pkg/default "$r/etc/default/ipvsadm"
check "the rules file is kept" cmp -s "$tmp/rules" "$r/etc/ipvsadm.rules"
check "Debian's prerm stopped its init script" \
    grep -qx 'invoke-rc.d ipvsadm stop' "$r/tmp/calls"
check "ipvsadm.service enabled" grep -qx 'deb-systemd-helper enable ipvsadm.service' "$r/tmp/calls"

# a package that needs ipvsadm (>= 1:1.26) accepts ours
mkdir -p "$tmp/dummy/DEBIAN"
printf 'Package: needs-ipvsadm\nVersion: 1\nArchitecture: all\nMaintainer: test <test@invalid>\nDepends: ipvsadm (>= 1:1.26)\nDescription: test\n' \
    >"$tmp/dummy/DEBIAN/control"
dpkg-deb -b "$tmp/dummy" "$tmp/needs-ipvsadm.deb" >/dev/null
check "Provides: a versioned dependency on ipvsadm is satisfied" \
    dpkg --root="$r" -i "$tmp/needs-ipvsadm.deb" >/dev/null
dpkg --root="$r" -r needs-ipvsadm >/dev/null

rc=0
dpkg --root="$r" --purge ipvsadm-rs >"$tmp/log" 2>&1 || rc=$?
check "purge ipvsadm-rs" [ $rc = 0 ]
check "purge removes /etc/default/ipvsadm and the rules file" \
    eval '[ ! -e "$r/etc/default/ipvsadm" ] && [ ! -e "$r/etc/ipvsadm.rules" ]'
check "purge removes /sbin/ipvsadm" [ ! -e "$r/sbin/ipvsadm" ]

# a changed /etc/default/ipvsadm: dpkg asks; with --force-confold it is kept
r=$tmp/r2
newroot "$r"
dpkg --root="$r" --force-depends -i "$ref" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
sed -i 's/^AUTO=.*/AUTO="true"/' "$r/etc/default/ipvsadm"
cp "$r/etc/default/ipvsadm" "$tmp/default"
dpkg --root="$r" --force-depends -i "$deb" </dev/null >"$tmp/log" 2>&1 || true
check "a changed /etc/default/ipvsadm: dpkg asks" grep -q "Configuration file '/etc/default/ipvsadm'" "$tmp/log"
dpkg --root="$r" --force-depends --force-confold --configure ipvsadm-rs </dev/null >"$tmp/log" 2>&1 || true
check "--force-confold keeps it" cmp -s "$tmp/default" "$r/etc/default/ipvsadm"

if [ $fail = 0 ]; then echo "deb/replace.sh: PASSED"; else echo "deb/replace.sh: FAILED"; fi
exit $fail
