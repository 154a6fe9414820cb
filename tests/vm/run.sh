#!/usr/bin/env bash
# tests/vm/run.sh SCRIPT [ARGS...]
#
# Boot a throw-away Linux VM (a Debian cloud kernel, which has IPVS as
# modules: Debian 12's by default, see VM_RELEASE) under qemu/TCG and run SCRIPT inside it with busybox sh, as root,
# from /tests. The guest's output is streamed to our stdout and we exit with
# SCRIPT's exit status (124 if the VM timed out, 125 if it never reached the
# script or died before reporting a status, 120 if the mirror no longer
# serves VM_RELEASE's packages).
#
# SCRIPT is a host file (copied into the VM) or a path relative to the
# project's tests/ directory (e.g. vm/suite.sh), which appears at /tests.
#
# What is in the VM (see tests/vm/README.md for the full list):
#   /ref/ipvsadm/ipvsadm   Debian bookworm's ipvsadm 1:1.31-1+b1 (the reference)
#   /ours/ipvsadm/ipvsadm  target/release/ipvsadm (if it exists)
#   /bin-extra/            executables listed in $VM_EXTRA_BINS
#   /files-extra/          files listed in $VM_EXTRA_FILES (copied as they are)
#   /tests                 a copy of the project's tests/ directory
#   busybox applets, iproute2 `ip`, strace, kernel modules (ip_vs NOT loaded;
#   source /tests/vm/lib.sh and call load_ipvs).
#
# Environment:
#   VM_RELEASE     whose cloud kernel boots: bullseye (5.10), bookworm (6.1,
#                  the default) or trixie (6.12). Everything else in the VM
#                  (the reference ipvsadm, busybox, glibc) stays bookworm's.
#                  Another release's packages come through a private apt
#                  configuration under target/vm/RELEASE/ (the mirror is the
#                  host's, or VM_DEBIAN_MIRROR); on trixie, /trixie/ also
#                  holds trixie's own ipvsadm with its libraries.
#   VM_TIMEOUT     seconds before the VM is killed (default 1200)
#   VM_EXTRA_BINS  space-separated host executables to put in /bin-extra
#   VM_EXTRA_FILES space-separated host files to put in /files-extra (no
#                  library copying; e.g. a .deb for tests/deb/vm.sh)
#   VM_BUILD=0     do not run `cargo build --release` first
#   VM_PASS_ENV    names of extra environment variables to pass into the VM
#                  (DIFF_*, OURS_DIR, REF_DIR, RUST_BACKTRACE, RUST_LOG,
#                  VM_RELEASE always are)
#   VM_MEM, VM_SMP qemu memory (MiB, default 1024) and CPUs (default: host
#                  CPUs, 2..8)
#   VM_CPU         qemu -cpu model (default max)
#   VM_APPEND      extra kernel command line words
#   VM_BOOTLOG=1   always show the kernel/firmware output before the script
#
# Everything downloaded or built is cached under target/vm/ (another
# release's kernel, initramfs and run files under target/vm/RELEASE/); a
# second run only rebuilds the small "overlay" initramfs (tests/, our
# binaries). Runs for different releases may boot at the same time.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-$root/target/vm}
export VM_RELEASE=${VM_RELEASE:-bookworm}
timeout_s=${VM_TIMEOUT:-1200}
ref_version=${REF_IPVSADM_VERSION:-1:1.31-1+b1}

log() { printf 'vm: %s\n' "$*" >&2; }
die() { printf 'vm: error: %s\n' "$*" >&2; exit 125; }

# gone MIRROR: the release's packages are no longer there. One line and
# status 120, which tests/vm/kernels.sh reports as a skipped kernel.
gone() {
    printf 'vm: error: %s no longer serves %s'"'"'s packages; its kernel is not tested (VM_DEBIAN_MIRROR may name a mirror that keeps them)\n' "$1" "$VM_RELEASE" >&2
    exit 120
}

case $VM_RELEASE in
bullseye|bookworm|trixie) ;;
*) echo "vm: error: VM_RELEASE=$VM_RELEASE: not one of bullseye, bookworm, trixie" >&2; exit 2 ;;
esac
# rcache: what belongs to the booted kernel (its packages, the initramfs,
# the run's files). bookworm's stays at the top of the cache, where it
# always was, so existing caches are reused.
rcache=$cache
[ "$VM_RELEASE" = bookworm ] || rcache=$cache/$VM_RELEASE

[ $# -ge 1 ] || { echo "usage: $0 SCRIPT [ARGS...]" >&2; exit 2; }
script=$1; shift

export DEBIAN_FRONTEND=noninteractive
# apt-get download as root warns that the _apt sandbox user cannot write to
# our cache directory; downloading as root is fine here.
apt_opts=(-o APT::Sandbox::User=root -q)

# ---------------------------------------------------------------- host tools
apt_updated=0
apt_update_once() {
    if [ "$apt_updated" = 0 ]; then
        log "apt-get update"
        apt-get "${apt_opts[@]}" update >&2
        apt_updated=1
    fi
}

# need_cmd COMMAND PACKAGE: install PACKAGE on the host when COMMAND is missing.
need_cmd() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "$1 is missing; install package $2 (needs root)"
    log "installing $2 on the host (for $1)"
    apt-get "${apt_opts[@]}" install -y --no-install-recommends "$2" >&2 || {
        apt_update_once
        apt-get "${apt_opts[@]}" install -y --no-install-recommends "$2" >&2
    }
}

export PATH="$PATH:/usr/sbin:/sbin"
need_cmd apt-get apt
need_cmd dpkg dpkg
need_cmd qemu-system-x86_64 qemu-system-x86
need_cmd cpio cpio
need_cmd ip iproute2
need_cmd strace strace
need_cmd sha256sum coreutils

need_cmd xz xz-utils
need_cmd flock util-linux

mkdir -p "$cache/debs" "$cache/unpack" "$rcache"
# Runs for different releases may start together (tests/all.sh) and share
# the bookworm packages: one at a time fetches, unpacks and builds its base.
exec 9>"$cache/prepare.lock"
flock 9

# ------------------------------------------------- another release's packages
# apt-get with a private configuration under $cache/RELEASE/apt (sources
# list, lists, archive cache), so the host's own apt state is never touched.
# The mirror is the one the host's apt uses for its own release, unless
# VM_DEBIAN_MIRROR names another (one that still keeps an old release).
rel_apt_opts=()
rel_apt() { # RELEASE: set rel_apt_opts for RELEASE, updating its lists once
    local rel=$1 d=$cache/$1/apt mirror=${VM_DEBIAN_MIRROR:-}
    rel_apt_opts=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=-
        -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache"
        -o Acquire::Check-Valid-Until=false)
    [ -f "$d/updated" ] && return 0
    if [ -z "$mirror" ]; then
        local host_rel
        host_rel=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
            awk -v r="$host_rel" '$2 == r { print $1; exit }')
        [ -n "$mirror" ] || die "cannot tell which Debian mirror the host uses; set VM_DEBIAN_MIRROR"
    fi
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $rel main" >"$d/sources.list"
    log "apt-get update ($rel from $mirror)"
    if ! apt-get "${apt_opts[@]}" "${rel_apt_opts[@]}" update >"$d/update.log" 2>&1 ||
        grep -q '^[EW]: ' "$d/update.log"; then
        # a suite the mirror dropped has no Release file (404); anything
        # else (no network, a bad signature) is an error like any other
        grep -q 'does not have a Release file\|404' "$d/update.log" && gone "$mirror"
        die "apt-get update for $rel from $mirror failed, see $d/update.log"
    fi
    touch "$d/updated"
}

# ------------------------------------------------------------ Debian packages
# deb_fetch [-r RELEASE] SPEC: apt-get download SPEC ("pkg" or "pkg=version")
# unless a matching .deb is already cached, unpack it, print the directory
# it was unpacked to. The host's release goes to $cache/debs and
# $cache/unpack/<pkg>, another RELEASE's to $cache/RELEASE/debs and
# $cache/RELEASE/unpack/<pkg>.
deb_fetch() {
    local rel= top=$cache
    if [ "$1" = -r ]; then rel=$2 top=$cache/$2; shift 2; fi
    local spec=$1 pkg=${1%%=*} ver= deb dir
    [ "$spec" != "$pkg" ] && ver=${spec#*=}
    mkdir -p "$top/debs" "$top/unpack"
    # .deb names encode ':' in versions as %3a
    if [ -n "$ver" ]; then
        deb=$(ls "$top/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
    else
        deb=$(ls "$top/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
    fi
    if [ -z "$deb" ]; then
        log "downloading $spec${rel:+ ($rel)}"
        if [ -n "$rel" ]; then
            rel_apt "$rel"
            # lists a release old enough may name files the mirror dropped:
            # update them once more before giving up
            (cd "$top/debs" && apt-get "${apt_opts[@]}" "${rel_apt_opts[@]}" download "$spec" >&2 ||
                { rm -f "$top/apt/updated" && rel_apt "$rel" &&
                    apt-get "${apt_opts[@]}" "${rel_apt_opts[@]}" download "$spec" >&2; }) ||
                die "$rel: apt-get download $spec failed"
        else
            (cd "$top/debs" && { apt-get "${apt_opts[@]}" download "$spec" >&2 ||
                { apt_update_once && apt-get "${apt_opts[@]}" download "$spec" >&2; }; }) ||
                die "apt-get download $spec failed"
        fi
        deb=$(ls -t "$top/debs/${pkg}_"*.deb | head -n1)
    fi
    dir=$top/unpack/$pkg
    # The stamp names the .deb the tree came from, so a new version re-unpacks.
    if [ "$(cat "$dir.stamp" 2>/dev/null)" != "$(basename "$deb")" ]; then
        rm -rf "$dir" && mkdir -p "$dir"
        dpkg -x "$deb" "$dir"
        basename "$deb" >"$dir.stamp"
    fi
    echo "$dir"
}

# The real image package behind the linux-image-cloud-amd64 metapackage.
kpkg=${VM_KERNEL_PKG:-}
if [ -z "$kpkg" ] && [ "$VM_RELEASE" != bookworm ]; then
    rel_apt "$VM_RELEASE"
    kpkg=$(apt-cache "${rel_apt_opts[@]}" depends linux-image-cloud-amd64 2>/dev/null |
        awk '/Depends: linux-image-/ {print $2; exit}' || true)
    [ -n "$kpkg" ] || gone "the mirror of $cache/$VM_RELEASE/apt/sources.list"
elif [ -z "$kpkg" ]; then
    kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '/Depends: linux-image-/ {print $2; exit}' || true)
    if [ -z "$kpkg" ]; then
        apt_update_once
        kpkg=$(apt-cache depends linux-image-cloud-amd64 |
            awk '/Depends: linux-image-/ {print $2; exit}')
    fi
fi
[ -n "$kpkg" ] || die "cannot resolve the package behind linux-image-cloud-amd64"

if [ "$VM_RELEASE" = bookworm ]; then
    kdir=$(deb_fetch "$kpkg")
else
    kdir=$(deb_fetch -r "$VM_RELEASE" "$kpkg")
fi
# Two busyboxes: Debian's busybox-static is built with "prefer applets", so
# its sh runs its own `ip` applet even when iproute2's ip is on PATH. The VM's
# /bin/busybox (sh and all applets) is therefore Debian's dynamic `busybox`,
# which searches PATH like any shell; busybox-static only provides `su`
# (missing from the dynamic build) and depmod on the host.
bbdir=$(deb_fetch busybox)
bbsdir=$(deb_fetch busybox-static)
refdir=$(deb_fetch "ipvsadm=$ref_version")
# ipvsadm's shared-library packages (libnl-3-200, libnl-genl-3-200,
# libpopt0); glibc comes from the host, which is bookworm too.
ref_libdirs=()
for dep in $(dpkg-deb -f "$(ls "$cache/debs/ipvsadm_"*.deb | head -n1)" Depends |
    tr ',' '\n' | sed 's/[(|].*//; s/ //g' | grep '^lib' | grep -v '^libc6$'); do
    ref_libdirs+=("$(deb_fetch "$dep")")
done
# trixie's own ipvsadm (1:1.31-5) with trixie's glibc, libnl and popt, at
# /trixie in a trixie VM, for tests/diff/trixie/ (it cannot run on
# bookworm's glibc, so it brings its own loader).
trixie_dirs=()
if [ "$VM_RELEASE" = trixie ]; then
    trixie_dirs+=("$(deb_fetch -r trixie ipvsadm)")
    for dep in libc6 $(dpkg-deb -f "$(ls "$cache/trixie/debs/ipvsadm_"*.deb | head -n1)" Depends |
        tr ',' '\n' | sed 's/[(|].*//; s/ //g' | grep '^lib' | grep -v '^libc6$'); do
        trixie_dirs+=("$(deb_fetch -r trixie "$dep")")
    done
fi
etcsrc=/etc
if [ ! -f /etc/services ] || [ ! -f /etc/protocols ]; then
    etcsrc=$(deb_fetch netbase)/etc
fi

busybox=$bbdir/bin/busybox
busybox_static=$bbsdir/bin/busybox
[ -x "$busybox" ] && [ -x "$busybox_static" ] || die "no busybox in $bbdir or $bbsdir"
# Modules are under usr/lib/modules in trixie's image (merged /usr),
# under lib/modules before; kbase is depmod's -b for either.
kbase=$kdir
[ -d "$kdir/lib/modules" ] || kbase=$kdir/usr
[ -d "$kbase/lib/modules" ] || die "no lib/modules in $kdir"
kver=$(ls "$kbase/lib/modules" | head -n1)
vmlinuz=$kdir/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no kernel image in $kdir/boot"

# --------------------------------------------------------------- file copying
# copy_bin ROOT SRC DEST [LIBPATH]: copy executable SRC to ROOT/DEST plus every
# shared library ldd reports for it (LD_LIBRARY_PATH=LIBPATH lets ldd find
# libraries that only exist in unpacked .debs). Libraries land at the path ldd
# reports, minus a leading $cache/unpack/<pkg> prefix.
copy_bin() {
    local rt=$1 src=$2 dest=$3 libpath=${4:-} out lib target
    mkdir -p "$rt$(dirname "$dest")"
    cp -L "$src" "$rt$dest"
    chmod 755 "$rt$dest"
    out=$(LD_LIBRARY_PATH=$libpath ldd "$src" 2>&1) || return 0  # static
    if grep -q 'not found' <<<"$out"; then
        die "missing libraries for $src:"$'\n'"$(grep 'not found' <<<"$out")"
    fi
    for lib in $(grep -o '/[^ ]*' <<<"$out"); do
        target=$lib
        case $lib in "$cache/unpack/"*)
            target=${lib#"$cache/unpack/"}; target=/${target#*/} ;;
        esac
        [ -e "$rt$target" ] && continue
        mkdir -p "$rt$(dirname "$target")"
        cp -L "$lib" "$rt$target"
    done
}

# mkcpio DIR OUT: newc archive, everything owned by root. Uncompressed on
# purpose: under TCG the kernel copies it faster than it could inflate it.
mkcpio() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2.tmp"
    mv "$2.tmp" "$2"
}

# -------------------------------------------------------------- base initramfs
# Everything that does not change between runs of the tests: busybox, kernel
# modules, the reference ipvsadm, ip, strace, chrt, /etc. Rebuilt only when
# an input changes (the key below).
hostbin_ip=$(command -v ip)
hostbin_strace=$(command -v strace)
hostbin_chrt=$(command -v chrt)
base_key=$( {
    echo "$kpkg $(cat "$kdir.stamp") $(cat "$bbdir.stamp") $(cat "$bbsdir.stamp") $(cat "$refdir.stamp")"
    for d in "${ref_libdirs[@]}" "${trixie_dirs[@]}"; do cat "$d.stamp"; done
    cat "$here/run.sh" "$here/init"
    sha256sum "$hostbin_ip" "$hostbin_strace" "$hostbin_chrt" "$etcsrc/services" "$etcsrc/protocols" /lib64/ld-linux-x86-64.so.2
} | sha256sum | cut -c1-16)
base_cpio=$rcache/base.cpio

# The modules copied into the VM: networking (ip_vs, netfilter, bridge,
# ipip, veth/dummy in drivers/net), crypto and lib (libcrc32c, crc32c), plus
# whatever these depend on elsewhere in the tree (closure over modules.dep).
module_dirs="kernel/net kernel/lib kernel/crypto kernel/drivers/net kernel/arch/x86/crypto"

build_base() {
    local br=$rcache/base.root m kmods="lib/modules/$kver"
    log "building base initramfs (kernel $kver)"
    rm -rf "$br" && mkdir -p "$br"
    (cd "$br" && mkdir -p bin sbin usr/bin usr/sbin lib lib64 etc proc sys dev tmp run root \
        var/tmp ref/ipvsadm ours/ipvsadm bin-extra tests && ln -s ../run var/run)
    chmod 1777 "$br/tmp" "$br/var/tmp"
    # /dev/console must exist before init runs or init has no stdio.
    mknod -m 600 "$br/dev/console" c 5 1 2>/dev/null || true

    # busybox and one symlink per applet at its usual place (sbin/modprobe ...)
    copy_bin "$br" "$busybox" /bin/busybox
    for a in $("$busybox" --list-full); do
        [ -e "$br/$a" ] || [ -L "$br/$a" ] || ln -s /bin/busybox "$br/$a"
    done
    cp "$busybox_static" "$br/bin/busybox-static"
    ln -s /bin/busybox-static "$br/bin/su"

    # Kernel modules. depmod over the complete unpacked tree once, to find the
    # dependency closure of the selected directories.
    if [ ! -s "$kbase/$kmods/modules.dep" ]; then
        "$busybox_static" depmod -b "$kbase" "$kver"
    fi
    mkdir -p "$br/$kmods"
    cp "$kbase/$kmods"/modules.builtin* "$kbase/$kmods/modules.order" "$br/$kmods/"
    {
        for d in $module_dirs; do
            [ -d "$kbase/$kmods/$d" ] && (cd "$kbase/$kmods" && find "$d" -name '*.ko*')
        done
    } >"$rcache/modules.list"
    # add dependencies (modules.dep lines: "path: dep dep ...")
    awk 'NR==FNR { want[$0]=1; next }
         { sub(":", "", $1); if ($1 in want) for (i=1; i<=NF; i++) print $i }' \
        "$rcache/modules.list" "$kbase/$kmods/modules.dep" |
        cat - "$rcache/modules.list" | sort -u >"$rcache/modules.all"
    (cd "$kbase/$kmods" && cpio -pdm --quiet "$br/$kmods" <"$rcache/modules.all")
    # Compressed modules (trixie's .ko.xz) are inflated here, once: under TCG
    # the guest would spend seconds on every load, and the result does not
    # depend on busybox's modprobe having xz built in.
    find "$br/$kmods" -name '*.ko.xz' -exec xz -d {} +
    "$busybox_static" depmod -b "$br" "$kver"

    # the reference ipvsadm, alone in its directory so argv[0] stays "ipvsadm"
    local libpath
    libpath=$(for d in "${ref_libdirs[@]}"; do
        find "$d" -name '*.so*' -printf '%h\n'; done | sort -u | paste -sd:)
    copy_bin "$br" "$refdir/sbin/ipvsadm" /ref/ipvsadm/ipvsadm "$libpath"

    # trixie's ipvsadm: the binary, its libraries flat in /trixie/lib, and
    # /trixie/ipvsadm/ipvsadm starting it through trixie's loader with argv[0]
    # "ipvsadm", as a PATH lookup would
    if [ ${#trixie_dirs[@]} -gt 0 ]; then
        mkdir -p "$br/trixie/lib" "$br/trixie/sbin" "$br/trixie/ipvsadm"
        for d in "${trixie_dirs[@]}"; do
            find "$d" -regex '.*/x86_64-linux-gnu/[^/]*\.so[^/]*' -exec cp -L -t "$br/trixie/lib" {} +
        done
        cp "$(find "${trixie_dirs[0]}" -path '*/sbin/ipvsadm' | head -n1)" "$br/trixie/sbin/ipvsadm"
        [ -x "$br/trixie/sbin/ipvsadm" ] && [ -f "$br/trixie/lib/ld-linux-x86-64.so.2" ] ||
            die "trixie's ipvsadm or loader missing from ${trixie_dirs[*]}"
        printf '%s\n' '#!/bin/sh' \
            'exec /trixie/lib/ld-linux-x86-64.so.2 --library-path /trixie/lib --argv0 ipvsadm /trixie/sbin/ipvsadm "$@"' \
            >"$br/trixie/ipvsadm/ipvsadm"
        chmod 755 "$br/trixie/ipvsadm/ipvsadm"
    fi

    # iproute2 (busybox's ip cannot do netns), strace and chrt (busybox
    # has none) from the host
    rm -f "$br/sbin/ip" "$br/bin/ip" "$br/usr/bin/ip" "$br/usr/sbin/ip"
    copy_bin "$br" "$hostbin_ip" /sbin/ip
    [ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$br/etc/"
    copy_bin "$br" "$hostbin_strace" /usr/bin/strace
    copy_bin "$br" "$hostbin_chrt" /usr/bin/chrt
    copy_bin "$br" "$(command -v getent)" /usr/bin/getent

    # glibc NSS modules for getaddrinfo/getservbyname/getpwnam (glibc 2.36
    # has files/dns built into libc.so.6, the .so.2 files are kept anyway in
    # case a binary asks for them explicitly)
    local f
    for f in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 \
        /lib/x86_64-linux-gnu/libresolv.so.2; do
        [ -e "$f" ] && { mkdir -p "$br/lib/x86_64-linux-gnu"; cp -L "$f" "$br/lib/x86_64-linux-gnu/"; }
    done
    cp "$etcsrc/services" "$etcsrc/protocols" "$br/etc/"
    cat >"$br/etc/nsswitch.conf" <<'EOF'
passwd:    files
group:     files
shadow:    files
hosts:     files
networks:  files
protocols: files
services:  files
ethers:    files
rpc:       files
EOF
    # fixed test names; tests may rely on these
    cat >"$br/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
10.0.0.1	vip1.example
10.0.0.2	vip2.example
192.168.10.1	rs1.example
192.168.10.2	rs2.example
2001:db8::1	vip6.example
2001:db8::10	rs6.example
EOF
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$br/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$br/etc/group"
    printf 'root::19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$br/etc/shadow"
    chmod 600 "$br/etc/shadow"
    printf '/bin/sh\n' >"$br/etc/shells"
    echo ipvs-vm >"$br/etc/hostname"

    cp "$here/init" "$br/init"
    chmod 755 "$br/init"
    mkcpio "$br" "$base_cpio"
    echo "$base_key" >"$base_cpio.key"
}

if [ "$(cat "$base_cpio.key" 2>/dev/null)" != "$base_key" ] || [ ! -s "$base_cpio" ]; then
    build_base
fi
exec 9>&-

# ----------------------------------------------------------- overlay initramfs
# Rebuilt on every run: our binary, extra binaries, tests/, the command to run.
if [ "${VM_BUILD:-1}" != 0 ]; then
    if command -v cargo >/dev/null 2>&1; then
        # output only on failure: warnings from a tree others are editing are noise here
        if ! (cd "$root" && cargo build --release --quiet) >"$rcache/cargo.log" 2>&1; then
            tail -n 30 "$rcache/cargo.log" >&2
            log "warning: cargo build --release failed (full log: $rcache/cargo.log);" \
                "using whatever target/release/ipvsadm exists"
        fi
    else
        log "warning: cargo not found; not building"
    fi
fi

ov=$rcache/overlay.root
rm -rf "$ov" && mkdir -p "$ov/etc" "$ov/ours/ipvsadm" "$ov/bin-extra"
ours=$root/target/release/ipvsadm
if [ -x "$ours" ]; then
    copy_bin "$ov" "$ours" /ours/ipvsadm/ipvsadm
else
    log "warning: $ours does not exist; /ours/ipvsadm is empty in the VM"
fi
for b in ${VM_EXTRA_BINS:-}; do
    [ -x "$b" ] || die "VM_EXTRA_BINS: $b is not an executable"
    copy_bin "$ov" "$b" "/bin-extra/$(basename "$b")"
done
if [ -n "${VM_EXTRA_FILES:-}" ]; then
    mkdir -p "$ov/files-extra"
    for f in $VM_EXTRA_FILES; do
        [ -f "$f" ] || die "VM_EXTRA_FILES: $f is not a file"
        cp "$f" "$ov/files-extra/"
    done
fi
cp -r "$root/tests" "$ov/tests"

# The script: a path under tests/ runs from /tests, any other host file is
# copied to /vm-script/.
if [ -f "$root/tests/$script" ]; then
    guest_script=/tests/$script
elif [ -f "$script" ]; then
    abs=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
    case $abs in
    "$root/tests/"*) guest_script=/tests/${abs#"$root/tests/"} ;;
    *) mkdir -p "$ov/vm-script"; cp "$abs" "$ov/vm-script/"
       guest_script=/vm-script/$(basename "$abs") ;;
    esac
else
    die "no such script: $script (host path, or relative to tests/)"
fi

# shell-quote for the guest's sh
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
    printf 'VM_SCRIPT=%s\n' "$(q "$guest_script")"
    printf 'set --'
    for a in "$@"; do printf ' %s' "$(q "$a")"; done
    printf '\n'
    for name in $(compgen -e); do
        case " ${VM_PASS_ENV:-} " in *" $name "*) ;; *)
            case $name in DIFF_*|OURS_DIR|REF_DIR|RUST_BACKTRACE|RUST_LOG|VM_RELEASE) ;; *) continue ;; esac ;;
        esac
        printf 'export %s=%s\n' "$name" "$(q "${!name}")"
    done
} >"$ov/etc/vm-env"
mkcpio "$ov" "$rcache/overlay.cpio"
# The kernel unpacks concatenated archives in order; later entries win.
cat "$base_cpio" "$rcache/overlay.cpio" >"$rcache/initrd.cpio"

# --------------------------------------------------------------------- boot
bios=()
# qboot is a minimal firmware that boots a -kernel much faster than SeaBIOS.
for f in ${VM_BIOS:-/usr/share/qemu/qboot.rom}; do [ -f "$f" ] && bios=(-bios "$f"); done

bootlog=$rcache/boot.log
statusfile=$rcache/status
rm -f "$statusfile"
: >"$bootlog"

# Host side of the console protocol (see init): lines before "@@VM-START"
# are firmware/kernel noise kept in boot.log; "@@VM-EXIT n" carries the
# script's status. \r from the serial line is dropped.
filter() {
    local started=0 line
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line//$'\r'/}
        if [ $started = 2 ]; then      # after the exit marker: power-off noise
            printf '%s\n' "$line" >>"$bootlog"
            continue
        fi
        if [ $started = 0 ]; then
            if [[ $line == *@@VM-START* ]]; then
                started=1
                [ "${VM_BOOTLOG:-0}" = 1 ] && cat "$bootlog" >&2
            else
                printf '%s\n' "$line" >>"$bootlog"
            fi
            continue
        fi
        if [[ $line =~ ^(.*)@@VM-EXIT\ ([0-9]+)$ ]]; then
            [ -n "${BASH_REMATCH[1]}" ] && printf '%s\n' "${BASH_REMATCH[1]}"
            echo "${BASH_REMATCH[2]}" >"$statusfile"
            started=2
            continue
        fi
        printf '%s\n' "$line"
    done
}

# One vCPU per host CPU (2..8) unless VM_SMP says otherwise (1 suits two
# VMs sharing a 2-core host).
if [ -n "${VM_SMP:-}" ]; then
    smp=$VM_SMP
else
    smp=$(nproc)
    [ "$smp" -lt 2 ] && smp=2
fi
[ "$smp" -gt 8 ] && smp=8

set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
    -machine pc,accel=tcg -cpu "${VM_CPU:-max}" -m "${VM_MEM:-1024}" -smp "$smp" \
    "${bios[@]}" -nodefaults -no-user-config -display none -serial stdio \
    -nic none -no-reboot \
    -kernel "$vmlinuz" -initrd "$rcache/initrd.cpio" \
    -append "console=ttyS0 quiet loglevel=1 panic=-1 ${VM_APPEND:-}" \
    </dev/null 2>&1 | filter
rcs=("${PIPESTATUS[@]}")
set -e

if [ -s "$statusfile" ]; then
    exit "$(cat "$statusfile")"
fi
if [ "${rcs[0]}" = 124 ] || [ "${rcs[0]}" = 137 ]; then
    log "VM timed out after ${timeout_s}s (VM_TIMEOUT)"
    exit 124
fi
log "VM ended without reporting a status (qemu exit ${rcs[0]}); boot log:"
cat "$bootlog" >&2
exit 125
