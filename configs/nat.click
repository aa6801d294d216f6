// nat.click: a NAPT (network address and port translator, Click's IPRewriter with ICMP echo
// translation) between an inside network on device 0 and the outside on device 1.
//
//   inside  (device 0)  02:00:00:00:00:01  10.0.0.1/8
//   outside (device 1)  02:00:00:00:01:01  198.51.100.1/24   next hop 198.51.100.254
//
// Outbound TCP and UDP from 10.0.0.0/8 leave from 198.51.100.1, ports 1024-65535 chosen in
// sequence, one mapping per flow (5-tuple), as Click's IPRewriter does; ICMP echo requests leave from 198.51.100.1 with a new identifier. Replies are
// translated back; inbound packets that belong to no mapping are counted in `unsolicited`
// and dropped. Mappings expire as Click's rewriters time them out: TCP 5 minutes without
// data (24 h established, 4 min after FIN/RST), UDP 5 minutes, echo 5 minutes; at most
// 65536 flows of each kind. Both sides answer ARP for the NAT's own addresses and resolve
// their next hops with ARP; TTLs are decremented (expired packets counted in `expired`),
// bad IPv4 headers counted in `bad`, other protocols in `other`, and everything else that
// is not ARP or IPv4 in `nonip`.
//
// Run it as a guest:
//   sluice build configs/nat.click -o nat.img
//   sluice launch nat.img --nic tap:in0 --nic tap:out0 --append "h=rw.nmappings h=unsolicited.count"

AddressInfo(inside 10.0.0.1/8 02:00:00:00:00:01,
            outside 198.51.100.1/24 02:00:00:00:01:01);

fd0 :: FromDevice(0, BURST 32);
fd1 :: FromDevice(1, BURST 32);
q0 :: Queue(1024) -> td0 :: ToDevice(0, BURST 32);
q1 :: Queue(1024) -> td1 :: ToDevice(1, BURST 32);

// 0: ARP requests  1: ARP replies  2: IPv4  3: anything else
c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
fd0 -> c0;
fd1 -> c1;
c0[0] -> ARPResponder(inside) -> q0;
c1[0] -> ARPResponder(outside) -> q1;
arpq0 :: ARPQuerier(inside, TIMEOUT 300) -> q0;
arpq1 :: ARPQuerier(outside, TIMEOUT 300) -> q1;
c0[1] -> [1]arpq0;
c1[1] -> [1]arpq1;
nonip :: Counter -> Discard;
c0[3] -> nonip;
c1[3] -> nonip;

bad :: Counter -> Discard;
other :: Counter -> Discard;
unsolicited :: Counter -> Discard;
expired :: Counter -> Discard;

// The translators. Input 0: from the inside; input 1: from the outside.
rw :: IPRewriter(pattern outside 1024-65535# - - 0 1, pass 2,
                 MAPPING_CAPACITY 65536, TCP_NODATA_TIMEOUT 300, UDP_TIMEOUT 300);
ping :: ICMPPingRewriter(pattern outside 1024-65535# - - 0 1, pass 2,
                         MAPPING_CAPACITY 65536, TIMEOUT 300);
rw[2] -> unsolicited;
ping[2] -> unsolicited;

// From the inside: only the inside network's own sources.
c0[2] -> Strip(14) -> chk0 :: CheckIPHeader(INTERFACES 10.0.0.1/8)
      -> in_cl :: IPClassifier(src net 10.0.0.0/8 and (tcp or udp),
                               src net 10.0.0.0/8 and icmp type echo,
                               -);
chk0[1] -> bad;
in_cl[0] -> [0]rw;
in_cl[1] -> [0]ping;
in_cl[2] -> other;

// From the outside: packets for the NAT's address.
c1[2] -> Strip(14) -> chk1 :: CheckIPHeader(INTERFACES 198.51.100.1/24)
      -> out_cl :: IPClassifier(dst host 198.51.100.1 and (tcp or udp),
                                dst host 198.51.100.1 and icmp type echo-reply,
                                -);
chk1[1] -> bad;
out_cl[0] -> [1]rw;
out_cl[1] -> [1]ping;
out_cl[2] -> other;

// Translated outbound: to the next hop on the outside.
out_ttl :: DecIPTTL;
rw[0] -> out_ttl;
ping[0] -> out_ttl;
out_ttl -> SetIPAddress(198.51.100.254) -> [0]arpq1;
out_ttl[1] -> expired;

// Translated inbound: straight to the inside host.
in_ttl :: DecIPTTL;
rw[1] -> in_ttl;
ping[1] -> in_ttl;
in_ttl -> GetIPAddress(16) -> [0]arpq0;
in_ttl[1] -> expired;
