#!/usr/bin/env bash
# tests/deb/check.sh: build the two Debian packages with cargo-deb and check
# them: the Debian 12 (bookworm) one, files under /sbin as bookworm's
# ipvsadm has them, and the Debian 13 (trixie) one (`--variant trixie`),
# under /usr/sbin as trixie's.
#
# On the host, for each: control fields (name, Provides/Conflicts/Replaces
# ipvsadm, Depends, architecture, version), conffiles, the file list with
# modes and owners (tests/deb/contents.txt, contents-trixie.txt), that the
# packaged files are the repository's (completions, man pages that render
# without groff warnings, the unit), `systemd-analyze verify` of the unit
# when systemd-analyze is there, `sh -n` of every script; lintian
# (installed when missing). Then, unless DEB_VM=0, each package against
# the real kernel of its release: tests/vm/run.sh deb/vm.sh (unit
# start/stop, helpers, maintainer scripts; see that file). Last, as root,
# dpkg itself installs each over Debian's ipvsadm of its release:
# bookworm's in a scratch root (deb/replace.sh), trixie's in a trixie root
# that mmdebstrap builds once (deb/replace-trixie.sh).
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

. tests/deb/report.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# build DIR [ARGS...]: cargo-deb with ARGS into DIR, print the .deb's path.
# Every run deletes ipvsadm-rs_*.deb from target/debian/, wherever its
# output goes: trixie's goes to a directory below, and is built first.
build() {
    local dir=$1 out
    shift
    mkdir -p "$dir"
    out=$("$tools/bin/cargo-deb" --quiet --output "$dir/" "$@" 2>"$dir/cargo-deb.log") || {
        cat "$dir/cargo-deb.log" >&2
        exit 1
    }
    printf '%s\n' "$out" | tail -n1
}
deb13=$(build target/debian/trixie --variant trixie)
deb12=$(build target/debian --no-build)

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
expect "pkg/debian/changelog names this version" "$version-1" \
    "$(sed -n '1s/^ipvsadm-rs (\([^)]*\)).*/\1/p' pkg/debian/changelog)"

# check_deb DEB VERSION CONTENTS SBIN: everything that can be checked on
# the host, for the package DEB, which should have version VERSION, the
# files of tests/deb/CONTENTS and its programs in SBIN
check_deb() {
    local deb=$1 want_version=$2 contents=$3 sbin=$4
    local ctl=$tmp/$want_version/ctl data=$tmp/$want_version/data
    echo "--- $deb"
    field() { dpkg-deb -f "$deb" "$1"; }
    expect "Package" ipvsadm-rs "$(field Package)"
    expect "Version" "$want_version" "$(field Version)"
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
    local summary desc
    summary=$(sed -n 's/^description = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
    desc=$(field Description)
    expect "Description (summary from Cargo.toml)" "$summary" "${desc%%$'\n'*}"
    case $desc in *$'\n'" A drop-in replacement for ipvsadm 1.31"*) ok "Description: extended" ;; *) bad "Description: no extended text" ;; esac

    mkdir -p "$ctl" "$data"
    dpkg-deb -e "$deb" "$ctl"
    dpkg-deb -x "$deb" "$data"
    expect "conffiles" /etc/default/ipvsadm "$(cat "$ctl/conffiles")"
    local s
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

    local listing got want
    listing=$(dpkg-deb -c "$deb")
    if awk '$2 != "0/0" { bad = 1 } END { exit bad }' <<<"$listing"; then
        ok "every file owned by root"
    else
        bad "files not owned by root:"$'\n'"$(awk '$2 != "0/0"' <<<"$listing")"
    fi
    got=$(awk '$1 !~ /^d/ { print $1, $6 }' <<<"$listing" | LC_ALL=C sort)
    want=$(grep -v '^#' "tests/deb/$contents" | LC_ALL=C sort)
    if [ "$got" = "$want" ]; then
        ok "file list and modes (tests/deb/$contents)"
    else
        bad "file list differs from tests/deb/$contents:"
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
        same "$root/pkg/ipvsadm-save" "$sbin/ipvsadm-save"
        same "$root/pkg/ipvsadm-restore" "$sbin/ipvsadm-restore"
        same "$root/pkg/ipvsadm-boot" usr/libexec/ipvsadm-rs/ipvsadm-boot
        same "$root/pkg/debian/ipvsadm.service" usr/lib/systemd/system/ipvsadm.service
        exit $fail
    ) || fail=1
    local page f warn
    for page in ipvsadm ipvsadm-save ipvsadm-restore; do
        f=$data/usr/share/man/man8/$page.8.gz
        if zcat "$f" | cmp -s - "man/$page.8"; then ok "$page.8.gz is man/$page.8"; else bad "$page.8.gz differs"; fi
        warn=$(zcat "$f" | LC_ALL=C.UTF-8 groff -man -ww -z 2>&1) || warn="groff failed: $warn"
        if [ -z "$warn" ]; then ok "$page.8 renders without warnings"; else bad "$page.8: $warn"; fi
    done
    if "$data/$sbin/ipvsadm" -v | grep -q 'Rust'; then ok "$sbin/ipvsadm -v: ours"; else bad "$sbin/ipvsadm -v"; fi
    for s in "$sbin/ipvsadm-save" "$sbin/ipvsadm-restore" usr/libexec/ipvsadm-rs/ipvsadm-boot etc/default/ipvsadm; do
        if sh -n "$data/$s"; then ok "$s parses (sh -n)"; else bad "$s does not parse"; fi
    done

    # The unit: every Exec line names a packaged executable; systemd's own
    # checker, with those paths pointed into the unpacked tree.
    local unit=$data/usr/lib/systemd/system/ipvsadm.service key exe out
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
}
check_deb "$deb12" "$version-1" contents.txt sbin
check_deb "$deb13" "$version-1+deb13" contents-trixie.txt usr/sbin
echo "--- lintian; then each package in the VM and under dpkg"

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
        "$deb12" "$deb13" 2>&1 | grep -v 'running with root privileges') || true
    if [ -z "$out" ]; then ok "lintian, both packages"; else bad "lintian:"$'\n'"$out"; fi
else
    echo "skip lintian (not installed, and not root to install it)"
fi

if [ "${DEB_VM:-1}" != 0 ]; then
    # The VM has no dpkg and its busybox tar cannot read the .deb's tar
    # members: ship the unpacked tree (files and DEBIAN/) as a plain tar.
    # Each package boots its release's kernel.
    for pair in "bookworm $deb12" "trixie $deb13"; do
        release=${pair%% *} deb=${pair#* }
        tree=$tmp/vm-$release
        mkdir -p "$tree"
        dpkg-deb -R "$deb" "$tree/root"
        tar -C "$tree/root" -cf "$tree/ipvsadm-rs.tar" .
        if VM_RELEASE=$release VM_BUILD=0 VM_EXTRA_FILES=$tree/ipvsadm-rs.tar tests/vm/run.sh deb/vm.sh; then
            ok "$(basename "$deb") in the VM on $release's kernel (deb/vm.sh)"
        else
            bad "$(basename "$deb") in the VM on $release's kernel (deb/vm.sh)"
        fi
    done
fi

# dpkg itself: replacing Debian's ipvsadm, conffile hand-over, purge
# (needs root for the chroot dpkg runs maintainer scripts in).
if [ "$(id -u)" = 0 ]; then
    if tests/deb/replace.sh "$deb12"; then ok "replacing bookworm's ipvsadm (deb/replace.sh)"; else bad "deb/replace.sh"; fi
    if tests/deb/replace-trixie.sh "$deb13" "$deb12"; then
        ok "replacing trixie's ipvsadm (deb/replace-trixie.sh)"
    else
        bad "deb/replace-trixie.sh"
    fi
else
    echo "skip deb/replace.sh and deb/replace-trixie.sh (need root)"
fi

if [ $fail = 0 ]; then echo "deb/check.sh: PASSED"; else echo "deb/check.sh: FAILED"; fi
exit $fail
