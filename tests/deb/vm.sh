#!/bin/sh
# tests/deb/vm.sh: the Debian package against the real kernel, run INSIDE
# the VM (host entry point: tests/deb/check.sh, which builds the .deb and
# ships its unpacked tree as /files-extra/*.tar).
#
# Either package: Debian 12's, programs under /sbin, or Debian 13's, under
# /usr/sbin (check.sh boots each on its release's kernel).
# Copies the package's files into the VM's root (no dpkg here), runs its
# postinst, then runs ipvsadm.service's own ExecStart,
# ExecReload and ExecStop lines (read from the unit file) and the
# ipvsadm-save/ipvsadm-restore helpers, and checks the IPVS table and the
# rules file after each step; reload is shown to edit the table in place
# (list order kept) and to change nothing when the rules file is bad. Exits 1 if any check failed.
set -u
. /tests/vm/lib.sh

fail=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fail=1; }
# check NAME COMMAND...: run COMMAND, report.
check() {
    _name=$1; shift
    if "$@"; then ok "$_name"; else bad "$_name"; fi
}
# same_file NAME EXPECTED ACTUAL: compare two files, show the diff on failure.
same_file() {
    if cmp -s "$2" "$3"; then ok "$1"; else bad "$1"; diff "$2" "$3" | head -20; fi
}

# check.sh unpacked the .deb with dpkg-deb -R (files plus DEBIAN/) and
# re-packed it as a plain tar: busybox tar refuses the old-style tar headers
# cargo-deb writes (dpkg reads them; check.sh already checked the .deb).
pkg=$(ls /files-extra/*.tar 2>/dev/null | head -n1)
[ -n "$pkg" ] || { echo "no package tree (*.tar) in /files-extra" >&2; exit 2; }
work=/tmp/deb && rm -rf "$work" && mkdir -p "$work/root" && cd "$work" || exit 2
tar -xf "$pkg" -C root || exit 2
mv root/DEBIAN control || exit 2
cp -a root/. / || exit 2
echo "installed the files of $(sed -n 's/^Package: //p' control/control) $(sed -n 's/^Version: //p' control/control)"

unit=/usr/lib/systemd/system/ipvsadm.service
# unit_cmd KEY: the unit's KEY= command line (our unit has exactly one each).
unit_cmd() { sed -n "s/^$1=//p" "$unit"; }
start=$(unit_cmd ExecStart) stop=$(unit_cmd ExecStop) reload=$(unit_cmd ExecReload)
check "unit has ExecStart, ExecStop and ExecReload" eval '[ -n "$start" ] && [ -n "$stop" ] && [ -n "$reload" ]'
# A systemd command line without quotes or specifiers is a plain word list.
run_unit() { eval "set -- $1"; "$@"; }

# deb-systemd-helper (init-system-helpers) is not in the VM: a stub that
# records its calls.
mkdir -p bin
printf '#!/bin/sh\necho "$*" >>/tmp/deb/dsh.log\n' >bin/deb-systemd-helper
chmod +x bin/deb-systemd-helper
PATH=/tmp/deb/bin:$PATH
check "postinst configure" sh control/postinst configure
check "postinst enables ipvsadm.service" grep -qx 'enable ipvsadm.service' dsh.log
check "postinst created /etc/ipvsadm.rules" [ -f /etc/ipvsadm.rules ]
check "postinst keeps an existing rules file" sh -c 'echo "# mine" >/etc/ipvsadm.rules &&
    sh control/postinst configure && [ "$(cat /etc/ipvsadm.rules)" = "# mine" ]'

load_ipvs >/dev/null || bad "load_ipvs"
# Debian 12's package installs under /sbin, Debian 13's under /usr/sbin
# (the VM's root has both as directories).
sbin=/sbin
[ -e root/usr/sbin/ipvsadm ] && sbin=/usr/sbin
ipvsadm=$sbin/ipvsadm
list() { "$ipvsadm" -L -n; }
table_a() {
    "$ipvsadm" -C
    "$ipvsadm" -A -t 10.0.0.1:80 -s wrr -p 300
    "$ipvsadm" -a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 3 -x 100 -y 10
    "$ipvsadm" -a -t 10.0.0.1:80 -r 192.168.10.2:8080 -m
    "$ipvsadm" -A -u [2001:db8::1]:53 -s sh -b sh-port
    "$ipvsadm" -a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -g
    "$ipvsadm" -A -f 5 -s rr
}
check "the packaged $ipvsadm is ours" sh -c "$ipvsadm -v | grep -q Rust"

# --- the helpers
table_a
list >expected.list
"$ipvsadm" -S -n >expected.save
"$sbin"/ipvsadm-save -n >saved
same_file "ipvsadm-save -n prints ipvsadm -S -n" expected.save saved
"$sbin"/ipvsadm-save >/dev/null
check "ipvsadm-save without -n works" [ $? = 0 ]
"$sbin"/ipvsadm-save -x >out 2>err
rc=$?
check "ipvsadm-save -x: status 1, usage on stderr, nothing on stdout" \
    eval '[ $rc = 1 ] && [ -s err ] && [ ! -s out ]'
"$ipvsadm" -C
"$ipvsadm" -A -t 10.9.9.9:1 -s rr   # replaced by the restore
{ echo "# a comment"; cat saved; } | "$sbin"/ipvsadm-restore
check "ipvsadm-restore exits 0" [ $? = 0 ]
list >got.list
same_file "save, restore: the same table" expected.list got.list
"$sbin"/ipvsadm-restore </dev/null
check "ipvsadm-restore of nothing: exits 0" [ $? = 0 ]
check "ipvsadm-restore of nothing: empty table" [ -z "$("$ipvsadm" -S -n)" ]
# the reference accepts what the helper sends it, too
IPVSADM=/ref/ipvsadm/ipvsadm "$sbin"/ipvsadm-restore <saved
check "ipvsadm-restore driving the reference ipvsadm" [ $? = 0 ]
list >got.list
same_file "save, restore with the reference: the same table" expected.list got.list
echo "-A -t 10.0.0.1:80 -s nosuchsched" | "$sbin"/ipvsadm-restore 2>err
rc=$?
check "ipvsadm-restore of a bad line fails, saying why" eval '[ $rc != 0 ] && [ -s err ]'

# --- the unit, defaults as packaged: AUTO=false touches nothing
table_a
cp saved /etc/ipvsadm.rules
"$ipvsadm" -A -t 10.7.7.7:7 -s rr    # not in the rules file
list >before.list
run_unit "$start"
check "AUTO=false: start exits 0" [ $? = 0 ]
list >got.list
same_file "AUTO=false: start leaves the table" before.list got.list
run_unit "$stop"
check "AUTO=false: stop exits 0" [ $? = 0 ]
list >got.list
same_file "AUTO=false: stop leaves the table" before.list got.list
same_file "AUTO=false: stop leaves the rules file" saved /etc/ipvsadm.rules

# --- AUTO=true: start loads the file, stop clears; save at stop when asked
sed -i 's/^AUTO=.*/AUTO="true"/' /etc/default/ipvsadm
run_unit "$start"
check "AUTO=true: start exits 0" [ $? = 0 ]
list >got.list
same_file "AUTO=true: start replaces the table with the rules file" expected.list got.list
"$ipvsadm" -A -t 10.7.7.7:7 -s rr
run_unit "$reload"
list >got.list
same_file "AUTO=true: reload goes back to the rules file" expected.list got.list

# Reload applies in place (ipvsadm apply), where start clears and loads.
# The kernel puts a new real server at the head of its service's list, so
# deleting and re-adding 192.168.10.1 gives a list order no clear-and-load
# of the rules file gives: a reload that kept the servers keeps that order.
nosort() { "$ipvsadm" -L -n --nosort; }
nosort >loaded.nosort
"$ipvsadm" -d -t 10.0.0.1:80 -r 192.168.10.1:8080
"$ipvsadm" -a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 3 -x 100 -y 10
nosort >inplace.nosort
check "in place: the re-added server changed the list order" sh -c '! cmp -s loaded.nosort inplace.nosort'
"$ipvsadm" -e -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 5 -x 100 -y 10   # changed
"$ipvsadm" -a -t 10.0.0.1:80 -r 192.168.10.3:8080 -m                     # added
"$ipvsadm" -A -t 10.7.7.7:7 -s rr                                         # added
run_unit "$reload" 2>err
check "AUTO=true: reload exits 0" [ $? = 0 ]
nosort >got.nosort
same_file "reload: kept servers keep their place, changed ones edited, extras gone" inplace.nosort got.nosort
list >got.list
same_file "reload: the table is the rules file" expected.list got.list
check "reload says it applies in place" grep -q 'in place' err

# A bad rules file changes nothing: a line apply refuses before touching
# the kernel, and a service the kernel refuses after other changes were
# made (undone).
"$ipvsadm" -e -t 10.0.0.1:80 -r 192.168.10.2:8080 -m -w 4
"$ipvsadm" -A -t 10.7.7.7:7 -s rr
nosort >before.nosort
{ cat saved; echo "-X"; } >/etc/ipvsadm.rules
run_unit "$reload" 2>err
check "a bad line: reload exits non-zero" [ $? != 0 ]
check "a bad line: the message names the line" grep -q "ipvsadm.rules:$(($(wc -l <saved) + 1)):" err
nosort >got.nosort
same_file "a bad line: reload changes nothing" before.nosort got.nosort
{ cat saved; echo "-A -t 10.0.0.9:80 -s nosuchsched"; } >/etc/ipvsadm.rules
run_unit "$reload" 2>err
check "a refused service: reload exits non-zero" [ $? != 0 ]
check "a refused service: undone, says so" grep -q 'nothing changed' err
nosort >got.nosort
same_file "a refused service: reload changes nothing" before.nosort got.nosort

# APPLY_OPTS reaches apply: --keep-unlisted leaves the extra service.
cp saved /etc/ipvsadm.rules
sed -i 's/^APPLY_OPTS=.*/APPLY_OPTS="--keep-unlisted"/' /etc/default/ipvsadm
run_unit "$reload"
check "APPLY_OPTS=--keep-unlisted: reload exits 0" [ $? = 0 ]
check "APPLY_OPTS=--keep-unlisted: the unlisted service stays" sh -c "$ipvsadm -S -n | grep -q 10.7.7.7:7"
check "APPLY_OPTS=--keep-unlisted: the listed ones follow the file" \
    sh -c "$ipvsadm -S -n | grep -q -- '-r 192.168.10.2:8080 -m -w 1'"
sed -i 's/^APPLY_OPTS=.*/APPLY_OPTS=""/' /etc/default/ipvsadm
run_unit "$reload"
list >got.list
same_file "reload without options: the table is the rules file again" expected.list got.list
run_unit "$stop"
check "AUTO=true: stop exits 0" [ $? = 0 ]
check "AUTO=true: stop clears the table" [ -z "$("$ipvsadm" -S -n)" ]
same_file "IPVS_SAVE_ON_STOP=no: stop leaves the rules file" saved /etc/ipvsadm.rules

sed -i 's/^IPVS_SAVE_ON_STOP=.*/IPVS_SAVE_ON_STOP="yes"/' /etc/default/ipvsadm
run_unit "$start"
"$ipvsadm" -A -t 10.7.7.7:7 -s rr
"$ipvsadm" -a -t 10.7.7.7:7 -r 192.168.10.7:7 -g
list >changed.list
run_unit "$stop"
check "IPVS_SAVE_ON_STOP=yes: stop exits 0" [ $? = 0 ]
check "IPVS_SAVE_ON_STOP=yes: stop clears the table after saving" [ -z "$("$ipvsadm" -S -n)" ]
run_unit "$start"
list >got.list
same_file "IPVS_SAVE_ON_STOP=yes: what stop saved, start restores" changed.list got.list
check "the saved rules file starts with a comment" sh -c 'head -n1 /etc/ipvsadm.rules | grep -q "^#"'
check "the saved rules file is mode 644" sh -c '[ "$(stat -c %a /etc/ipvsadm.rules)" = 644 ]'

# a failed save keeps the old file: make ipvsadm -S fail (IPVS rules file
# kept, status non-zero)
cp /etc/ipvsadm.rules keep.rules
printf '#!/bin/sh\n[ "$1" = -S ] && exit 1\nexec '"$ipvsadm"' "$@"\n' >failing && chmod +x failing
echo 'IPVSADM=/tmp/deb/failing' >>/etc/default/ipvsadm
run_unit "$stop" 2>err
check "a failing save: stop exits non-zero" [ $? != 0 ]
same_file "a failing save keeps the old rules file" keep.rules /etc/ipvsadm.rules
check "a failing save leaves no temporary file" [ -z "$(ls /etc/ipvsadm.rules.* 2>/dev/null)" ]
sed -i '/^IPVSADM=/d' /etc/default/ipvsadm

echo "-A -t 10.0.0.1:80 -s nosuchsched" >/etc/ipvsadm.rules
run_unit "$start" 2>err
check "a bad rules file: start exits non-zero" [ $? != 0 ]
cp saved /etc/ipvsadm.rules

# --- sync daemons (AUTO=false, so only the daemons move)
sed -i 's/^AUTO=.*/AUTO="false"/; s/^IPVS_SAVE_ON_STOP=.*/IPVS_SAVE_ON_STOP="no"/;
    s/^DAEMON=.*/DAEMON="both"/; s/^IFACE=.*/IFACE="lo"/; s/^#SYNCID=.*/SYNCID="7"/' /etc/default/ipvsadm
run_unit "$start"
check "DAEMON=both: start exits 0" [ $? = 0 ]
"$ipvsadm" -L --daemon | sed 's/, maxlen=.*)/)/' >got.daemon
printf '%s\n' "master sync daemon (mcast=lo, syncid=7)" "backup sync daemon (mcast=lo, syncid=7)" >expected.daemon
same_file "DAEMON=both: both daemons run on IFACE with SYNCID" expected.daemon got.daemon
run_unit "$stop"
check "DAEMON=both: stop exits 0" [ $? = 0 ]
check "DAEMON=both: stop stops them" [ -z "$("$ipvsadm" -L --daemon)" ]
sed -i 's/^DAEMON=.*/DAEMON="none"/' /etc/default/ipvsadm

check "postrm purge removes the rules file" sh -c 'sh control/postrm purge && [ ! -e /etc/ipvsadm.rules ]'

if [ $fail = 0 ]; then echo "deb/vm.sh: PASSED"; else echo "deb/vm.sh: FAILED"; fi
exit $fail
