# tests/apply/gen.awk: a random IPVS table as `ipvsadm -S -n` lines.
#   awk -v seed=N -f gen.awk
# Tables of different seeds share one pool of service keys and, per
# service, one pool of real-server addresses, so that two tables overlap
# in some keys and differ in others: the mix `apply` must converge.
# Covered: TCP/UDP IPv4 and IPv6 services, fwmark services of both
# families, every scheduler the VM loads, sh/mh flags, persistence with
# netmasks and the sip engine, one-packet (UDP), NAT/DR/TUN (ipip, gue
# with csum/remcsum, gre), thresholds, weight 0.
function pick(n) { return int(rand() * n) }
function chance(p) { return rand() < p }
BEGIN {
    srand(seed)
    nsched = split("rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh", sched, " ")
    for (i = 1; i <= 10; i++) {
        if (!chance(0.7)) continue
        kind = i % 5
        v6 = (kind == 2 || kind == 4)
        if (kind == 0) { op = "-t 10.0.1." i ":80"; port = 80 }
        else if (kind == 1) { op = "-u 10.0.1." i ":53"; port = 53 }
        else if (kind == 2) { op = "-t [2001:db8::" i "]:443"; port = 443 }
        else if (kind == 3) { op = "-f " i; port = 0 }
        else { op = "-f " i " -6"; port = 0 }
        s = sched[1 + pick(nsched)]
        line = "-A " op " -s " s
        if (chance(0.4)) {
            line = line " -p " (60 * (1 + pick(10)))
            if (chance(0.5))
                line = line " -M " (v6 ? (chance(0.5) ? "64" : "48") : (chance(0.5) ? "255.255.255.0" : "255.255.0.0"))
            if (chance(0.3)) line = line " --pe sip"
        }
        if (kind == 1 && chance(0.4)) line = line " -o"
        if ((s == "sh" || s == "mh") && chance(0.6)) {
            f = chance(0.5) ? s "-fallback" : s "-port"
            if (chance(0.3)) f = s "-fallback," s "-port"
            line = line " -b " f
        }
        print line
        for (j = 1; j <= 6; j++) {
            if (!chance(0.6)) continue
            addr = v6 ? "[2001:db8:1::" i ":" j "]" : "192.168." i "." j
            m = pick(3)
            if (m == 0) { rport = 8080 + pick(2); fw = "-m" }
            else { rport = port; fw = (m == 1) ? "-g" : "-i" }
            d = "-a " op " -r " addr ":" rport " " fw " -w " pick(5)
            if (fw == "-i") {
                t = pick(3)
                if (t == 0) d = d " --tun-type ipip"
                else if (t == 1) {
                    d = d " --tun-type gue --tun-port " (6080 + pick(2))
                    c = pick(3)
                    if (c == 1) d = d " --tun-csum"
                    else if (c == 2) d = d " --tun-remcsum"
                } else {
                    d = d " --tun-type gre"
                    if (chance(0.5)) d = d " --tun-csum"
                }
            }
            if (chance(0.25)) {
                u = 10 + pick(90)
                d = d " -x " u " -y " pick(u)
            }
            print d
        }
    }
}
