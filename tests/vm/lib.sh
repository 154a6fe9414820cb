# Helpers for scripts running inside the test VM (source it: . /tests/vm/lib.sh).
# busybox sh; nothing here runs on the host.

# IPVS schedulers and persistence engines of the 6.1 kernel, and the
# other modules the tests use (ip_vs_ftp application helper, ipip tunnels).
IPVS_SCHEDULERS="ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh
ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh"
IPVS_EXTRA_MODULES="ip_vs_pe_sip ip_vs_ftp ipip"

# Where the ip_vs modules live; hide_ipvs renames this directory.
IPVS_MODDIR=/lib/modules/$(uname -r)/kernel/net/netfilter/ipvs

ipvs_loaded() { [ -e /proc/net/ip_vs ]; }

# load_ipvs: modprobe ip_vs, every scheduler and the extra modules.
# Returns non-zero (after trying them all) if any failed to load.
load_ipvs() {
    _rc=0
    for _m in ip_vs $IPVS_SCHEDULERS $IPVS_EXTRA_MODULES; do
        modprobe "$_m" || { echo "load_ipvs: cannot load $_m" >&2; _rc=1; }
    done
    return $_rc
}

# unload_ipvs: remove every ip_vs* module (schedulers first), best effort.
unload_ipvs() {
    for _m in $(lsmod | awk '$1 ~ /^ip_vs_/ {print $1}') ip_vs; do
        rmmod "$_m" 2>/dev/null
    done
    ! ipvs_loaded
}

# hide_ipvs / unhide_ipvs: make ip_vs unloadable, so that both the
# reference's `/sbin/modprobe -- ip_vs` and the kernel's generic-netlink
# family autoload (request_module -> /sbin/modprobe) fail, as on a kernel
# built without IPVS. ip_vs must not be loaded already.
hide_ipvs() {
    ipvs_loaded && ! unload_ipvs && { echo "hide_ipvs: ip_vs is loaded and cannot be removed" >&2; return 1; }
    [ -d "$IPVS_MODDIR" ] && mv "$IPVS_MODDIR" "$IPVS_MODDIR.hidden"
    return 0
}
unhide_ipvs() {
    [ -d "$IPVS_MODDIR.hidden" ] && mv "$IPVS_MODDIR.hidden" "$IPVS_MODDIR"
    return 0
}

# Numbered checks for the test scripts: `pass DESCRIPTION` and `fail
# DESCRIPTION` print "ok N - ..." / "not ok N - ..."; `t DESCRIPTION
# COMMAND...` is one or the other as COMMAND succeeds. $n counts the checks,
# $fails the failed ones (a script ends with `[ $fails = 0 ]`).
n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
t() { _d=$1; shift; if "$@"; then pass "$_d"; else fail "$_d"; fi; }
