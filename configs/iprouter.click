// iprouter.click: a two-port IPv4 router (RFC 1812 forwarding) with ARP, after Click's
// conf/fake-iprouter.click (the router of the Click SOSP/TOCS papers), on real devices.
//
//   eth0 (device 0)  02:00:00:00:00:01  192.0.2.1/24
//   eth1 (device 1)  02:00:00:00:01:01  198.51.100.1/24   default route via 198.51.100.254
//
// Per interface: ARP requests are answered (ARPResponder), ARP replies feed the ARP
// querier, IPv4 is checked (CheckIPHeader: bad headers are counted in `bad`), routed
// (StaticIPLookup), and forwarded with Click's RFC 1812 path: DropBroadcasts, PaintTee for
// ICMP redirects, IPGWOptions, FixIPSrc, DecIPTTL (time exceeded), IPFragmenter (MTU 1500,
// "fragmentation needed" when DF is set), then ARPQuerier and a Queue in front of ToDevice.
// Packets for the router itself: pings are answered, everything else is counted in
// `tohost` and dropped. Other EtherTypes are counted in `other` and dropped.
//
// Run it as a guest:
//   sluice build configs/iprouter.click -o router.img
//   sluice launch router.img --nic tap:rt0 --nic tap:rt1 --append "h=bad.count h=other.count"
// With hosts 192.0.2.0/24 behind rt0 and 198.51.100.0/24 behind rt1, the router answers ARP
// and pings on both sides and forwards between them. When it stops it prints the counts
// named with h= (every frame in is forwarded, answered, or in one of the drop counters:
// bad, other, tohost, q0.drops, q1.drops, arpq0.drops, arpq1.drops).

AddressInfo(eth0 192.0.2.1/24 02:00:00:00:00:01,
            eth1 198.51.100.1/24 02:00:00:00:01:01);

fd0 :: FromDevice(0, BURST 32);
fd1 :: FromDevice(1, BURST 32);
q0 :: Queue(1024) -> td0 :: ToDevice(0, BURST 32);
q1 :: Queue(1024) -> td1 :: ToDevice(1, BURST 32);

// 0: ARP requests  1: ARP replies  2: IPv4  3: anything else
c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
fd0 -> c0;
fd1 -> c1;

c0[0] -> ar0 :: ARPResponder(eth0) -> q0;
c1[0] -> ar1 :: ARPResponder(eth1) -> q1;

arpq0 :: ARPQuerier(eth0) -> q0;
arpq1 :: ARPQuerier(eth1) -> q1;
c0[1] -> [1]arpq0;
c1[1] -> [1]arpq1;

other :: Counter -> Discard;
c0[3] -> other;
c1[3] -> other;

// Routes: 0 = this router, 1 = eth0's network, 2 = eth1's network and the default.
rt :: StaticIPLookup(192.0.2.1/32 0, 192.0.2.255/32 0, 192.0.2.0/32 0,
                     198.51.100.1/32 0, 198.51.100.255/32 0, 198.51.100.0/32 0,
                     192.0.2.0/24 1, 198.51.100.0/24 2,
                     0.0.0.0/0 198.51.100.254 2);

ip :: Strip(14)
   -> chk :: CheckIPHeader(INTERFACES 192.0.2.1/24 198.51.100.1/24)
   -> GetIPAddress(16)
   -> [0]rt;
chk[1] -> bad :: Counter -> Discard;
c0[2] -> Paint(1) -> ip;
c1[2] -> Paint(2) -> ip;

// Local delivery: answer pings; the rest would go to a host stack, which a router image
// does not have.
rt[0] -> lc :: IPClassifier(icmp type echo, -);
lc[0] -> ICMPPingResponder -> [0]rt;
lc[1] -> tohost :: Counter -> Discard;

rt[1] -> DropBroadcasts
      -> cp0 :: PaintTee(1)
      -> gio0 :: IPGWOptions(192.0.2.1)
      -> FixIPSrc(192.0.2.1)
      -> dt0 :: DecIPTTL
      -> fr0 :: IPFragmenter(1500)
      -> [0]arpq0;
rt[2] -> DropBroadcasts
      -> cp1 :: PaintTee(2)
      -> gio1 :: IPGWOptions(198.51.100.1)
      -> FixIPSrc(198.51.100.1)
      -> dt1 :: DecIPTTL
      -> fr1 :: IPFragmenter(1500)
      -> [0]arpq1;

dt0[1] -> ICMPError(192.0.2.1, timeexceeded) -> [0]rt;
dt1[1] -> ICMPError(198.51.100.1, timeexceeded) -> [0]rt;
fr0[1] -> ICMPError(192.0.2.1, unreachable, needfrag) -> [0]rt;
fr1[1] -> ICMPError(198.51.100.1, unreachable, needfrag) -> [0]rt;
gio0[1] -> ICMPError(192.0.2.1, parameterproblem) -> [0]rt;
gio1[1] -> ICMPError(198.51.100.1, parameterproblem) -> [0]rt;
cp0[1] -> ICMPError(192.0.2.1, redirect, host) -> [0]rt;
cp1[1] -> ICMPError(198.51.100.1, redirect, host) -> [0]rt;
