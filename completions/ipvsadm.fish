# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ipvsadm_global_optspecs
    string join \n A/add-service E/edit-service D/delete-service C/clear L/list Z/zero a/add-server e/edit-server d/delete-server set h/help v/version R/restore S/save start-daemon= stop-daemon= t/tcp-service= u/udp-service= sctp-service= f/fwmark-service= s/scheduler= p/persistent= M/netmask= r/real-server= m/masquerading i/ipip g/gatewaying w/weight= x/u-threshold= y/l-threshold= n/numeric c/connection mcast-interface= syncid= timeout daemon stats rate thresholds persistent-conn nosort sort X/exact 6/ipv6 o/ops pe= b/sched-flags= mcast-group= mcast-port= mcast-ttl= sync-maxlen= tun-info json tun-type= tun-port= tun-nocsum tun-csum tun-remcsum netns=
end

function __fish_ipvsadm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ipvsadm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ipvsadm_using_subcommand
    set -l cmd (__fish_ipvsadm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l start-daemon -d 'Start a connection sync daemon' -r -f -a "master\t''
backup\t''"
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l stop-daemon -d 'Stop a connection sync daemon' -r -f -a "master\t''
backup\t''"
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s t -l tcp-service -d 'TCP virtual service' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s u -l udp-service -d 'UDP virtual service' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l sctp-service -d 'SCTP virtual service' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s f -l fwmark-service -d 'Virtual service by firewall mark, 1..4294967295' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s s -l scheduler -d 'Scheduler: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh or another the kernel knows (default wlc)' -r -f -a "rr\t''
wrr\t''
lc\t''
wlc\t''
lblc\t''
lblcr\t''
dh\t''
sh\t''
sed\t''
nq\t''
fo\t''
ovf\t''
mh\t''"
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s p -l persistent -d 'Make the service persistent; timeout in seconds, 1..2678400 (default 360; taken only if the next word does not start with -)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s M -l netmask -d 'Persistence granularity: an IPv4 mask, dotted or a host name (default 255.255.255.255), or an IPv6 prefix length 1..128 (default 128)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s r -l real-server -d 'Real server (port defaults to the service port)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s w -l weight -d 'Weight, 0..2147483647 (default 1)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s x -l u-threshold -d 'Upper connection threshold, 0..2147483647 (default 0: none)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s y -l l-threshold -d 'Lower connection threshold, 0..2147483647 (default 0: none)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l mcast-interface -d 'Multicast interface of the sync daemon (default eth0)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l syncid -d 'Sync daemon id, 0..255 (default 0)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l pe -d 'Persistence engine, such as sip (default none)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s b -l sched-flags -d 'Comma-separated scheduler flags: flag-1, flag-2, flag-3; sh-fallback, sh-port with sh; mh-fallback, mh-port with mh' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l mcast-group -d 'Multicast group, IPv4 or IPv6 (kernel default 224.0.0.81)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l mcast-port -d 'Multicast UDP port, 1..65535 (kernel default 8848)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l mcast-ttl -d 'Multicast TTL, 1..255 (kernel default 1)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l sync-maxlen -d 'Largest sync message, 1..65507 (kernel default from the MTU, 1472 on Ethernet)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l tun-type -d 'Tunnel type (default ipip)' -r -f -a "ipip\t''
gue\t''
gre\t''"
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l tun-port -d 'GUE tunnel port, 1..65535' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l netns -d 'Act in the network namespace /run/netns/name, as `ip -n name` does (not in -R input; -h and -v ignore it)' -r
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s A -l add-service -d 'Add a virtual service'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s E -l edit-service -d 'Edit a virtual service (unset options return to their defaults)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s D -l delete-service -d 'Delete a virtual service'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s C -l clear -d 'Delete every virtual service'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s L -s l -l list -d 'List the table, or one virtual service (the default without arguments)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s Z -l zero -d 'Zero the counters of one virtual service, or of all'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s a -l add-server -d 'Add a real server to a virtual service'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s e -l edit-server -d 'Edit a real server (unset options return to their defaults)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s d -l delete-server -d 'Remove a real server from a virtual service'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l set -d 'Set the TCP, TCP FIN and UDP connection timeouts, given as three following words in seconds (0..2678400; 0 leaves one unchanged)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s h -l help -d 'Print this help and exit'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s v -l version -d 'Print the version and exit'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s R -l restore -d 'Read commands from standard input, one per line'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s S -l save -d 'Print the table as commands that --restore reads back'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s m -l masquerading -d 'Forward by NAT'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s i -l ipip -d 'Forward by tunnelling'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s g -l gatewaying -d 'Forward by direct routing (the default)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s n -l numeric -d 'Show addresses and ports as numbers'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s c -l connection -d 'List the connection table'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l timeout -d 'List the connection timeouts'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l daemon -d 'List the sync daemons'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l stats -d 'List with traffic counters'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l rate -d 'List with traffic rates'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l thresholds -d 'List with connection thresholds'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l persistent-conn -d 'List with persistent connection counts'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l nosort -d 'Keep the kernel\'s order instead of sorting'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l sort -d 'Sort the listing (the default; accepted for compatibility)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s X -l exact -d 'Print exact numbers instead of scaled ones'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s 6 -l ipv6 -d 'The firewall-mark service is IPv6 (after -f)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -s o -l ops -d 'One-packet scheduling (UDP and firewall-mark services)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l tun-info -d 'List with tunnel details'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l json -d 'List as JSON (with -L only; not in ipvsadm 1.31): every field at once, addresses numeric, numbers unscaled; see JSON OUTPUT in ipvsadm(8)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l tun-nocsum -d 'Tunnel without checksum (the default)'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l tun-csum -d 'Tunnel with checksum'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -l tun-remcsum -d 'Tunnel with remote checksum offload'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -a "apply" -d 'Make the live IPVS table equal to FILE, in place, all or nothing'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -a "realserver" -d 'Prepare this host as an LVS real server for a VIP, undo it, or show it'
complete -c ipvsadm -n "__fish_ipvsadm_needs_command" -a "director" -d 'Prepare this host as an LVS director, and check its IPVS table for common mistakes'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand apply" -l drain -d 'Set leaving real servers to weight 0 and wait up to SECONDS for their connections to end before deleting them' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand apply" -l netns -d 'Work on the IPVS table of network namespace NAME' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand apply" -l dry-run -d 'Print the changes as ipvsadm -R lines, in sending order, and change nothing; exit 3 if there are any'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand apply" -l keep-unlisted -d 'Leave services that FILE does not list alone (keepalived or a controller owns them)'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand apply" -l force -d 'Allow deleting more than half of the live services'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and not __fish_seen_subcommand_from setup teardown status" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and not __fish_seen_subcommand_from setup teardown status" -f -a "setup" -d 'Configure the VIP for direct routing or tunnelling'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and not __fish_seen_subcommand_from setup teardown status" -f -a "teardown" -d 'Undo what setup changed for the VIP'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and not __fish_seen_subcommand_from setup teardown status" -f -a "status" -d 'Show each recorded VIP: what is in place and what drifted'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from setup" -l vip -d 'The virtual IP address (IPv4 or IPv6) the director balances' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from setup" -s m -l method -d 'The director\'s forwarding method for this real server: dr or tun' -r -f -a "dr\t''
tun\t''"
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from setup" -s i -l interface -d 'Put the VIP on NAME instead of lo (dr) or tunl0/ip6tnl0 (tun)' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from setup" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from setup" -s n -l dry-run -d 'Print what would change; change nothing (needs no root)'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from teardown" -l vip -d 'The virtual IP address (IPv4 or IPv6) the director balances' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from teardown" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from teardown" -s n -l dry-run -d 'Print what would change; change nothing (needs no root)'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand realserver; and __fish_seen_subcommand_from status" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and not __fish_seen_subcommand_from setup teardown check" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and not __fish_seen_subcommand_from setup teardown check" -f -a "setup" -d 'Turn on what the director needs for a forwarding method'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and not __fish_seen_subcommand_from setup teardown check" -f -a "teardown" -d 'Undo what `director setup` changed'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and not __fish_seen_subcommand_from setup teardown check" -f -a "check" -d 'Read the IPVS table and warn about the usual mistakes'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from setup" -s m -l method -d 'The forwarding method: nat' -r -f -a "nat\t''"
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from setup" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from setup" -s 6 -l ipv6 -d 'Also turn on IPv6 forwarding'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from setup" -s n -l dry-run -d 'Print what would change; change nothing (needs no root)'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from teardown" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from teardown" -s n -l dry-run -d 'Print what would change; change nothing (needs no root)'
complete -c ipvsadm -n "__fish_ipvsadm_using_subcommand director; and __fish_seen_subcommand_from check" -l netns -d 'Act in the network namespace /run/netns/NAME (as `ip -n NAME`): its links, addresses, sysctls, IPVS table and state records' -r
