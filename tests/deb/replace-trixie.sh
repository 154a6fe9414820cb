#!/usr/bin/env bash
# tests/deb/replace-trixie.sh TRIXIE_DEB BOOKWORM_DEB: the Debian 13 package
# against trixie's own ipvsadm (1:1.31-5: /usr/sbin, ipvsadm.service), in
# a real trixie root. mmdebstrap builds the root once from Debian's
# packages (essential, apt, ipvsadm and what it needs; merged /usr, so
# /sbin is a link to usr/sbin) and it is kept as a tarball under
# target/deb/trixie/ (delete that directory to test newer packages). Each
# scenario starts from a fresh copy and runs trixie's own apt, dpkg and
# deb-systemd-helper in it, chrooted (without network when the machine
# allows a namespace; the root has no apt sources either). A policy-rc.d
# records init-script actions and refuses them; nothing runs ipvsadm, so
# the host's IPVS table is never touched. Needs root; called by
# tests/deb/check.sh.
#
# 1. `apt install ./DEB` over Debian's ipvsadm (the README's command):
#    Debian's package is removed, ours has every file (dpkg --verify),
#    takes the shared files over (programs, unit, man pages, an unchanged
#    /etc/default/ipvsadm), keeps the rules file and the unit enabled; of
#    Debian's files only its kept conffiles stay; Provides satisfies a
#    versioned dependency; purging both leaves nothing of either.
# 2. A changed /etc/default/ipvsadm: dpkg asks; --force-confold keeps it.
# 3. Purging Debian's package afterwards: our files stay; its cleanup
#    deletes /etc/ipvsadm.rules and disables ipvsadm.service, whose name
#    ours shares (the README tells operators both).
# 4. Going back: apt installs Debian's ipvsadm over ours, its unit enabled
#    and not masked. Removing either of our packages leaves the unit's
#    name unmasked (Debian 12's ipvsadm, an init script, would not lift a
#    mask: its rules would no longer be restored at boot).
# 5. Upgrading from the Debian 12 package (a machine upgraded to 13): the
#    programs move from /sbin to /usr/sbin, which name the same files on
#    merged /usr, and dpkg loses none.
# 6. The control: the Debian 12 package over trixie's ipvsadm loses its
#    programs (dpkg deletes Debian's /usr/sbin/ipvsadm, which is our
#    /sbin/ipvsadm), the reason Debian 13 has its own package, and proof
#    that the root reproduces the hazard.
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(realpath "$1")
deb12=$(realpath "$2")
root=$PWD
cache=$root/target/deb/trixie
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

. tests/deb/report.sh

# --- the root, built once
if ! command -v mmdebstrap >/dev/null; then
    apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null; }
fi
# The mirror the host's apt uses for its own release (or VM_DEBIAN_MIRROR),
# as tests/vm/run.sh chooses it.
mirror=${VM_DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
    awk -v r="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" '$2 == r { print $1; exit }')}
mirror=${mirror:-http://deb.debian.org/debian/}
# What the tarball is made of; another recipe rebuilds it. Translations
# are left out: a third of the root, and none are ours.
recipe=(--mode=root --format=tar --variant=apt --include=ipvsadm
    '--dpkgopt=path-exclude=/usr/share/locale/*')
if [ "$(cat "$cache/root.recipe" 2>/dev/null)" != "${recipe[*]}" ] || [ ! -s "$cache/root.tar" ]; then
    echo "building a trixie root with mmdebstrap from $mirror (once; cached in $cache)"
    rm -f "$cache/root.tar" "$cache"/ipvsadm_*.deb
    # the hook keeps Debian's ipvsadm .deb (scenario 4) and drops the
    # root's apt sources
    if ! mmdebstrap "${recipe[@]}" \
        --customize-hook="cp \"\$1\"/var/cache/apt/archives/ipvsadm_*.deb $(printf %q "$cache")/" \
        --customize-hook='rm -f "$1"/etc/apt/sources.list' \
        trixie "$cache/root.tar.tmp" \
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
        >"$cache/mmdebstrap.log" 2>&1; then
        tail -n 20 "$cache/mmdebstrap.log" >&2
        echo "replace-trixie.sh: mmdebstrap failed (log: $cache/mmdebstrap.log)" >&2
        exit 1
    fi
    mv "$cache/root.tar.tmp" "$cache/root.tar"
    echo "${recipe[*]}" >"$cache/root.recipe"
fi
ref=$(ls "$cache"/ipvsadm_*.deb | head -n1)

# The rest runs in namespaces of its own when the machine allows them:
# no network, and mounts that vanish with the process.
if [ -z "${REPLACE_TRIXIE_NS:-}" ] && unshare --mount --net --propagation private true 2>/dev/null; then
    exec env REPLACE_TRIXIE_NS=1 unshare --mount --net --propagation private \
        "$root/tests/deb/replace-trixie.sh" "$deb" "$deb12"
fi

tmp=$(mktemp -d)
trap 'umount -q "$tmp"/r? 2>/dev/null || true; rm -rf "$tmp"' EXIT
# Every scenario's root starts as one unpacked copy: an overlay on it
# when one can be mounted (unpacking 90 MB six times is most of the time
# otherwise), else a copy of its own.
base=$tmp/base
mkdir "$base"
tar -C "$base" -xf "$cache/root.tar"
cp "$deb" "$base/tmp/ours.deb"
cp "$deb12" "$base/tmp/ours12.deb"
cp "$ref" "$base/tmp/ipvsadm.deb"
printf '#!/bin/sh\necho "policy-rc.d $*" >>/tmp/calls\nexit 101\n' >"$base/usr/sbin/policy-rc.d"
chmod 755 "$base/usr/sbin/policy-rc.d"
# newroot DIR: a fresh trixie root with Debian's ipvsadm installed, the
# packages under test in its /tmp (ours.deb, ours12.deb, ipvsadm.deb),
# and a policy-rc.d that logs to /tmp/calls and refuses
newroot() {
    mkdir "$1" "$1.upper" "$1.work"
    if [ -z "${REPLACE_TRIXIE_NS:-}" ] ||
        ! mount -t overlay overlay -o "lowerdir=$base,upperdir=$1.upper,workdir=$1.work" "$1" 2>/dev/null; then
        cp -a "$base/." "$1"
    fi
}
# droproot DIR: done with it
droproot() {
    umount -q "$1" 2>/dev/null || true
    rm -rf "$1" "$1.upper" "$1.work"
}
# in_root DIR CMD...: run CMD in the root, output to $tmp/log
in_root() {
    local r=$1; shift
    chroot "$r" env -i PATH="$PATH" DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@" \
        </dev/null >"$tmp/log" 2>&1
}
# status DIR PKG: dpkg's status word for PKG (installed, config-files, ...;
# none once purged)
status() { chroot "$1" dpkg-query -W -f='${db:Status-Status}' "$2" 2>/dev/null || echo none; }
# verify DIR PKG: dpkg --verify finds every file of PKG as packaged
# (conffiles aside); it prints what differs and exits 0 either way
verify() {
    local out
    out=$(chroot "$1" dpkg --verify "$2" 2>&1 | grep -v ' c /') || true
    [ -z "$out" ] || { printf '%s\n' "$out" | sed 's/^/     /'; return 1; }
}
# files DEB: the package's files and links (no directories), one path a line
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | LC_ALL=C sort; }
# present DIR: which of the paths on stdin exist in the root
present() { while read -r p; do [ -e "$1$p" ] || [ -L "$1$p" ] && echo "$p"; done; true; }
enabled=/etc/systemd/system/multi-user.target.wants/ipvsadm.service
# enabled_as DIR FILE: ipvsadm.service is enabled and its link leads to FILE
enabled_as() { [ -L "$1$enabled" ] && cmp -s "$1$(readlink "$1$enabled")" "$2"; }
not_masked() { [ ! -e "$1/etc/systemd/system/ipvsadm.service" ] && [ ! -L "$1/etc/systemd/system/ipvsadm.service" ]; }

files "$deb" >"$tmp/ours.files"
files "$ref" >"$tmp/ref.files"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/sbin/ipvsadm >"$tmp/ours.bin"
dpkg-deb --fsys-tarfile "$ref" | tar -xO ./usr/lib/systemd/system/ipvsadm.service >"$tmp/ref.service"
dpkg-deb --fsys-tarfile "$ref" | tar -xO ./etc/default/ipvsadm >"$tmp/ref.default"
unit=pkg/debian/ipvsadm.service

# --- 1. apt install over Debian's ipvsadm, then purge
r=$tmp/r1
newroot "$r"
check "the trixie root: /sbin is a link to usr/sbin" [ "$(readlink "$r/sbin")" = usr/sbin ]
check "the trixie root: Debian's ipvsadm $(dpkg-deb -f "$ref" Version) installed, its unit enabled" \
    eval '[ "$(status "$r" ipvsadm)" = installed ] && enabled_as "$r" "$tmp/ref.service"'
echo "-A -t 10.0.0.1:80 -s rr" >>"$r/etc/ipvsadm.rules"
cp "$r/etc/ipvsadm.rules" "$tmp/rules"
rc=0
in_root "$r" apt-get install -y /tmp/ours.deb || rc=$?
check "apt install ./$(basename "$deb") over Debian's ipvsadm succeeds" [ $rc = 0 ]
[ $rc = 0 ] || cat "$tmp/log"
check "apt removes ipvsadm for ipvsadm-rs" grep -q '^Removing ipvsadm (' "$tmp/log"
check "ipvsadm-rs is installed, ipvsadm removed (config files left)" \
    eval '[ "$(status "$r" ipvsadm-rs)" = installed ] && [ "$(status "$r" ipvsadm)" = config-files ]'
check "every file of ipvsadm-rs is there as packaged (dpkg --verify)" verify "$r" ipvsadm-rs
check "/usr/sbin/ipvsadm is ours" cmp -s "$tmp/ours.bin" "$r/usr/sbin/ipvsadm"
check "/usr/sbin/ipvsadm-save and -restore are ours" \
    eval 'cmp -s pkg/ipvsadm-save "$r/usr/sbin/ipvsadm-save" && cmp -s pkg/ipvsadm-restore "$r/usr/sbin/ipvsadm-restore"'
check "ipvsadm.service is ours" cmp -s "$unit" "$r/usr/lib/systemd/system/ipvsadm.service"
check "the man pages are ours (dpkg -S)" eval '[ "$(chroot "$r" dpkg -S /usr/share/man/man8/ipvsadm.8.gz)" = "ipvsadm-rs: /usr/share/man/man8/ipvsadm.8.gz" ]'
check "an unchanged /etc/default/ipvsadm is replaced without a question" cmp -s pkg/default "$r/etc/default/ipvsadm"
check "the rules file is kept" cmp -s "$tmp/rules" "$r/etc/ipvsadm.rules"
check "ipvsadm.service stays enabled, now ours, not masked" eval 'enabled_as "$r" "$unit" && not_masked "$r"'
check "Debian's prerm stopped its service (init script, refused here)" grep -qx 'policy-rc.d ipvsadm stop' "$r/tmp/calls"
left=$(LC_ALL=C comm -23 <(present "$r" <"$tmp/ref.files") "$tmp/ours.files" | paste -sd' ')
check "of Debian's files only its kept conffiles stay ($left)" [ "$left" = "/etc/init.d/ipvsadm /etc/ipvsadm.rules" ]
check "its init script is left not executable" eval '[ -f "$r/etc/init.d/ipvsadm" ] && [ ! -x "$r/etc/init.d/ipvsadm" ]'

mkdir -p "$tmp/dummy/DEBIAN"
printf 'Package: needs-ipvsadm\nVersion: 1\nArchitecture: all\nMaintainer: test <test@invalid>\nDepends: ipvsadm (>= 1:1.26)\nDescription: test\n' \
    >"$tmp/dummy/DEBIAN/control"
dpkg-deb -b "$tmp/dummy" "$r/tmp/needs-ipvsadm.deb" >/dev/null
check "Provides: a versioned dependency on ipvsadm is satisfied" in_root "$r" dpkg -i /tmp/needs-ipvsadm.deb
in_root "$r" dpkg -r needs-ipvsadm

rc=0
in_root "$r" apt-get purge -y ipvsadm-rs || rc=$?
check "apt purge ipvsadm-rs" [ $rc = 0 ]
check "purge removes ours, /etc/default/ipvsadm and the rules file" \
    eval '[ -z "$(present "$r" <"$tmp/ours.files")" ] && [ ! -e "$r/etc/ipvsadm.rules" ]'
check "purge disables ipvsadm.service and leaves no mask" eval '[ ! -L "$r$enabled" ] && not_masked "$r"'
rc=0
in_root "$r" dpkg --purge ipvsadm || rc=$?
check "then purging Debian's leftovers leaves nothing of either package" \
    eval '[ $rc = 0 ] && [ -z "$(cat "$tmp/ours.files" "$tmp/ref.files" | present "$r")" ] && [ "$(status "$r" ipvsadm)" = none ]'
droproot "$r"

# --- 2. a changed /etc/default/ipvsadm: dpkg asks; with --force-confold it is kept
r=$tmp/r2
newroot "$r"
sed -i 's/^AUTO=.*/AUTO="true"/' "$r/etc/default/ipvsadm"
cp "$r/etc/default/ipvsadm" "$tmp/default"
in_root "$r" dpkg -i /tmp/ours.deb || true
check "a changed /etc/default/ipvsadm: dpkg asks" grep -q "Configuration file '/etc/default/ipvsadm'" "$tmp/log"
in_root "$r" dpkg --force-confold --configure ipvsadm-rs || true
check "--force-confold keeps it" cmp -s "$tmp/default" "$r/etc/default/ipvsadm"
droproot "$r"

# --- 3. purging Debian's package after ours
r=$tmp/r3
newroot "$r"
in_root "$r" apt-get install -y /tmp/ours.deb || { cat "$tmp/log"; exit 1; }
rc=0
in_root "$r" dpkg --purge ipvsadm || rc=$?
check "purging Debian's ipvsadm afterwards succeeds" [ $rc = 0 ]
check "it leaves our files and /etc/default/ipvsadm" eval 'verify "$r" ipvsadm-rs && cmp -s pkg/default "$r/etc/default/ipvsadm"'
check "its cleanup deletes /etc/ipvsadm.rules (the README says: copy it first)" [ ! -e "$r/etc/ipvsadm.rules" ]
check "its cleanup disables ipvsadm.service (the README says: enable it again)" [ ! -L "$r$enabled" ]
droproot "$r"

# --- 4. going back to Debian's ipvsadm
r=$tmp/r4
newroot "$r"
in_root "$r" apt-get install -y /tmp/ours.deb || { cat "$tmp/log"; exit 1; }
rc=0
in_root "$r" apt-get install -y /tmp/ipvsadm.deb || rc=$?
check "apt install of Debian's ipvsadm over ours succeeds" [ $rc = 0 ]
[ $rc = 0 ] || cat "$tmp/log"
check "ipvsadm is installed, ipvsadm-rs removed (config files left)" \
    eval '[ "$(status "$r" ipvsadm)" = installed ] && [ "$(status "$r" ipvsadm-rs)" = config-files ]'
check "every file of Debian's ipvsadm is there as packaged (dpkg --verify)" verify "$r" ipvsadm
check "its /etc/default/ipvsadm is back" cmp -s "$tmp/ref.default" "$r/etc/default/ipvsadm"
check "its ipvsadm.service is enabled and not masked" eval 'enabled_as "$r" "$tmp/ref.service" && not_masked "$r"'
droproot "$r"
r=$tmp/r4b
newroot "$r"
for pkg in ours.deb ours12.deb; do
    in_root "$r" apt-get install -y "/tmp/$pkg" || { cat "$tmp/log"; exit 1; }
    in_root "$r" dpkg -r ipvsadm-rs || { cat "$tmp/log"; exit 1; }
    check "removing $pkg leaves ipvsadm.service not masked" not_masked "$r"
done
droproot "$r"

# --- 5. from the Debian 12 package to the Debian 13 one
r=$tmp/r5
newroot "$r"
in_root "$r" dpkg -r ipvsadm || { cat "$tmp/log"; exit 1; }
in_root "$r" dpkg -i /tmp/ours12.deb || { cat "$tmp/log"; exit 1; }
rc=0
in_root "$r" dpkg -i /tmp/ours.deb || rc=$?
check "the Debian 13 package upgrades the Debian 12 one" \
    eval '[ $rc = 0 ] && grep -q "Unpacking ipvsadm-rs ($(dpkg-deb -f "$deb" Version)) over ($(dpkg-deb -f "$deb12" Version))" "$tmp/log"'
check "no file lost in the move from /sbin to /usr/sbin (dpkg --verify)" verify "$r" ipvsadm-rs
check "/usr/sbin/ipvsadm is ours, listed under /usr/sbin" \
    eval 'cmp -s "$tmp/ours.bin" "$r/usr/sbin/ipvsadm" && [ "$(chroot "$r" dpkg -S /usr/sbin/ipvsadm)" = "ipvsadm-rs: /usr/sbin/ipvsadm" ]'
droproot "$r"

# --- 6. the control: the Debian 12 package over trixie's ipvsadm
r=$tmp/r6
newroot "$r"
in_root "$r" dpkg -i /tmp/ours12.deb || true
check "the Debian 12 package over trixie's ipvsadm loses /sbin/ipvsadm (why Debian 13 has its own)" \
    eval '[ ! -e "$r/sbin/ipvsadm" ] && chroot "$r" dpkg --verify ipvsadm-rs | grep -q "^missing *\/sbin\/ipvsadm$"'
droproot "$r"

if [ $fail = 0 ]; then echo "deb/replace-trixie.sh: PASSED"; else echo "deb/replace-trixie.sh: FAILED"; fi
exit $fail
