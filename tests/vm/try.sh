#!/usr/bin/env bash
# tests/vm/try.sh 'COMMANDS'
#
# Try our ipvsadm on a machine without IPVS: builds the release binary,
# boots the test VM, loads ip_vs and runs COMMANDS (busybox sh) with our
# ipvsadm first on PATH; Debian's reference is at /ref/ipvsadm/ipvsadm.
#   tests/vm/try.sh 'ipvsadm -A -t 10.0.0.1:80 -s rr; ipvsadm -a -t 10.0.0.1:80 -r 192.168.1.2 -m; ipvsadm -L -n'
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 'COMMANDS'" >&2; exit 2; }
script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat > "$script" <<SCRIPT
. /tests/vm/lib.sh
load_ipvs >/dev/null || exit 1
PATH=/ours/ipvsadm:\$PATH
$1
SCRIPT
"$here/run.sh" "$script"
