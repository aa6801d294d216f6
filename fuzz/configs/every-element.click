// every-element.click: one instance (at least) of every element class Sluice registers,
// except those that need files or devices (FromDump, ToDump, FromDevice, ToDevice), wired
// so that arbitrary frames reach them. It is the configuration of the `pipeline` fuzz
// target, which injects frames into three entry points:
//   in      Ethernet frames: a Click-style two-interface router, NAT, checksum checks,
//           classifiers, VLAN tags, ARP, queues and the standard elements;
//   rawip   bytes taken for an IP header with no check at all (MarkIPHeader), fed to
//           every element that trusts a marked header;
//   arpin   ARPQuerier's reply input.
// tests/tests/every_element.rs checks it and that no registered class is missing.
// Run: `sluice check fuzz/configs/every-element.click` says the configuration is fine;
// `sluice run --simtime` on it sends its sources' few packets and prints only Print's lines.

AddressInfo(eth0 192.0.2.1/24 02:00:00:00:00:01,
            eth1 198.51.100.1/24 02:00:00:00:01:01);
IPRewriterPatterns(to_world 198.51.100.1 1024-65535 - -);
DriverManager(wait 10ms, read in.count, write in.reset, wait 10ms, stop);

// Elements used before the line that connects them are declared here (Click reads a
// name it has not seen declared as a class name).
sink :: Discard;
in :: Counter;
cl :: Classifier(12/0800,
                 12/0806 20/0001,
                 12/0806 20/0002,
                 12/8100,
                 12/88a8,
                 -);
rt :: StaticIPLookup(192.0.2.1/32 0, 192.0.2.255/32 0, 198.51.100.1/32 0,
                     192.0.2.0/24 1, 198.51.100.0/24 2,
                     0.0.0.0/0 198.51.100.254 2);
arpq0 :: ARPQuerier(eth0, CAPACITY 8);
arpq1 :: ARPQuerier(198.51.100.1, 02:00:00:00:01:01, BROADCAST 198.51.100.255,
                    ENTRY_CAPACITY 4, ENTRY_PACKET_CAPACITY 2);
out0 :: Queue(16);
out1 :: FrontDropQueue(8);
arpt2 :: Tee(3);

// Entry points the fuzz target injects into; Idle keeps their inputs connected.
Idle -> arpin :: Null;
Idle -> rawip :: Null;

// Sources: a few packets each, into the Ethernet entry (Click's filler text is not IP).
InfiniteSource(LIMIT 2, BURST 2) -> in;
RatedSource(\<02 00 00 00 00 01 02 00 00 00 0a 01 08 06>, RATE 1000, LIMIT 2) -> in;
TimedSource(1ms, LIMIT 2) -> in;

in -> top :: Tee(2);

// ---- Standard elements on every frame.
top[1] -> Print(in, 40) -> hs :: HashSwitch(12, 2);
hs[0] -> rrsw :: RoundRobinSwitch;
hs[1] -> rrsw;
rrsw[0] -> sw :: Switch(1);
rrsw[1] -> ss :: StaticSwitch(0);
sw[0] -> sink;
sw[1] -> Truncate(60) -> Paint(3) -> psw :: PaintSwitch;
psw[0], psw[1], psw[2] -> sink;
psw[3] -> EtherEncap(0x88b5, 02:00:00:00:00:02, 02:00:00:00:00:03) -> sink;
ss[0] -> EtherMirror -> Strip(14) -> Unstrip(14) -> StripToNetworkHeader -> Null
       -> Idle -> [0]rrsched :: RoundRobinSched;
ss[1] -> UDPIPEncap(10.0.0.1, 1234, 10.0.0.2, 5678, CHECKSUM true)
       -> IPEncap(4, 10.0.0.1, 10.0.0.2, TTL 9)
       -> sip :: StoreIPAddress(192.0.2.9, 12)
       -> CheckIPHeader
       -> IPPrint(encap, PAYLOAD HEX, MAXLENGTH 32)
       -> sink;
sip[1] -> sink;
Idle -> [1]rrsched;
rrsched -> RatedUnqueue(1000) -> sink;

// ---- Link layer.
top[0] -> hef :: HostEtherFilter(02:00:00:00:00:01, DROP_OWN true);
hef[0] -> cl;
hef[1] -> cl;

// ARP: requests to the responders, replies to both queriers.
cl[1] -> ar0 :: ARPResponder(192.0.2.1 02:00:00:00:00:01, 198.51.100.0/24 02:00:00:00:00:01);
ar0[0] -> out0;
ar0[1] -> ar1 :: ARPResponder(eth1) -> out1;
arpin -> arpt :: Tee(2);
cl[2] -> arpt;
arpt[0] -> [1]arpq0;
arpt[1] -> [1]arpq1;

// VLAN tags.
cl[3] -> VLANDecap -> vt :: Tee(3);
vt[0] -> VLANEncap(ANNO) -> sink;
vt[1] -> VLANEncap(VLAN_ID 100, VLAN_PCP 3) -> sink;
vt[2] -> Strip(14)
      -> EtherVLANEncap(0x0800, 02:00:00:00:00:01, 02:00:00:00:0b:14, VLAN_ID 7, VLAN_PCP 1)
      -> sink;
cl[4] -> VLANDecap(ETHERTYPE 0x88a8) -> VLANDecap -> sink;
cl[5] -> EtherRewrite(02:00:00:00:00:01, 02:00:00:00:0a:01) -> sink;

// ---- IPv4.
cl[0] -> ipt :: Tee(4);

// A two-interface router, as Click's conf/fake-iprouter.click.
ipt[0] -> Paint(1) -> Strip(14)
       -> chk :: CheckIPHeader(INTERFACES 192.0.2.1/24 198.51.100.1/24, DETAILS true)
       -> GetIPAddress(16) -> [0]rt;
chk[1] -> sink;
rt[0] -> lc :: IPClassifier(icmp type echo, -);
lc[0] -> ICMPPingResponder -> [0]rt;
lc[1] -> reasm :: IPReassembler(HIMEM 4000) -> IPPrint(host, ID true, TTL true, TOS true, LENGTH true)
      -> sink;
reasm[1] -> ICMPError(192.0.2.1, timeexceeded, reassembly) -> sink;
rt[1] -> DropBroadcasts
      -> cp1 :: PaintTee(1)
      -> gio1 :: IPGWOptions(192.0.2.1)
      -> FixIPSrc(192.0.2.1)
      -> dt1 :: DecIPTTL
      -> fr1 :: IPFragmenter(576)
      -> [0]arpq0;
rt[2] -> db2 :: DropBroadcasts
      -> cp2 :: PaintTee(2)
      -> gio2 :: IPGWOptions(198.51.100.1, 192.0.2.1)
      -> FixIPSrc(198.51.100.1)
      -> dt2 :: DecIPTTL
      -> fr2 :: IPFragmenter(68, HONOR_DF false)
      -> [0]arpq1;
db2[1] -> sink;
dt1[1] -> ICMPError(192.0.2.1, timeexceeded) -> [0]rt;
dt2[1] -> ICMPError(198.51.100.1, timeexceeded) -> [0]rt;
fr1[1] -> ICMPError(192.0.2.1, unreachable, needfrag, PMTU 576) -> [0]rt;
fr2[1] -> ICMPError(198.51.100.1, unreachable, needfrag) -> [0]rt;
gio1[1] -> ICMPError(192.0.2.1, parameterproblem) -> [0]rt;
gio2[1] -> ICMPError(198.51.100.1, parameterproblem) -> [0]rt;
cp1[1] -> ICMPError(192.0.2.1, redirect, host) -> [0]rt;
cp2[1] -> ICMPError(198.51.100.1, redirect, host) -> [0]rt;

arpq0[0] -> out0;
arpq0[1] -> out0;
arpq1 -> out1;

// Transmit queues, drained by pull elements.
out0 -> BandwidthShaper(1Mbps) -> [0]prio :: PrioSched;
out1 -> [1]prio;
out1[1] -> sink;
prio -> pt :: PullTee(2) -> Unqueue(4) -> tx :: Counter -> sink;
pt[1] -> sink;

// NAT: from 10.0.0.0/8 outwards on every rewriter's input 0, the rest on input 1. Small
// tables, so eviction runs (and reading a table, which walks every slot, stays cheap).
ipt[1] -> Strip(14) -> CheckIPHeader -> dir :: IPClassifier(src net 10.0.0.0/8, -);
dir[0] -> ot :: Tee(6);
dir[1] -> it :: Tee(6);
iprw :: IPRewriter(pattern 198.51.100.1 40000-40003# - - 0 1, pass 2, MAPPING_CAPACITY 4);
tcprw :: TCPRewriter(pattern 198.51.100.2 1024-1030? - - 0 1, drop, MAPPING_CAPACITY 8);
udprw :: UDPRewriter(pattern 198.51.100.3 2000-2001 - - 0 1, keep 1 0, MAPPING_CAPACITY 8);
icmprw :: ICMPPingRewriter(pattern 198.51.100.4 1024-65535# - - 0 1, drop, MAPPING_CAPACITY 8);
addrrw :: IPAddrRewriter(pattern 198.51.100.8-198.51.100.9 - 0 1, pass 1, MAPPING_CAPACITY 8);
pairrw :: IPAddrPairRewriter(pattern 198.51.100.10 - 0 1, drop, MAPPING_CAPACITY 2);
ot[0] -> [0]iprw;   it[0] -> [1]iprw;
ot[1] -> [0]tcprw;  it[1] -> [1]tcprw;
ot[2] -> [0]udprw;  it[2] -> [1]udprw;
ot[3] -> [0]icmprw; it[3] -> [1]icmprw;
ot[4] -> [0]addrrw; it[4] -> [1]addrrw;
ot[5] -> [0]pairrw; it[5] -> [1]pairrw;
iprw[0], iprw[1], iprw[2] -> natout :: Counter;
tcprw[0], tcprw[1], udprw[0], udprw[1], icmprw[0], icmprw[1] -> natout;
addrrw[0], addrrw[1], pairrw[0], pairrw[1] -> natout;
natout -> IPMirror -> SetIPDSCP(10) -> SetIPChecksum -> Unstrip(14) -> sink;

// Header checks, then repairs, as the checksum corpus case.
ipt[2] -> Strip(14) -> cip :: CheckIPHeader2(DETAILS true) -> p :: IPClassifier(tcp, udp, icmp, -);
cip[1] -> sink;
p[0] -> ctcp :: CheckTCPHeader(DETAILS true) -> SetTCPChecksum -> sink;
p[1] -> cudp :: CheckUDPHeader(DETAILS true) -> su :: SetUDPChecksum -> sink;
p[2] -> cicmp :: CheckICMPHeader(DETAILS true) -> ipr :: ICMPPingResponder -> sink;
p[3] -> ipf :: IPFilter(allow src net 10.0.0.0/8 && tcp dst port www,
                        1 icmp type echo,
                        2 ip frag,
                        deny udp,
                        allow all);
ctcp[1], cudp[1], su[1], cicmp[1], ipr[1] -> sink;
ipf[0], ipf[1], ipf[2] -> sink;

// Every route lookup structure on the destination address.
ipt[3] -> Strip(14) -> MarkIPHeader -> SetIPAddress(203.0.113.9) -> GetIPAddress(16)
       -> lt :: Tee(4);
lt[0] -> radix :: RadixIPLookup(10.0.0.0/8 0, 10.1.0.0/16 10.1.0.1 1, 0.0.0.0/0 2);
lt[1] -> linear :: LinearIPLookup(192.0.2.0/24 0, 192.0.2.128/25 1, 0.0.0.0/0 2);
lt[2] -> direct :: DirectIPLookup(10.0.0.0/8 0, 10.1.2.0/24 1, 0.0.0.0/0 10.0.0.1 2);
lt[3] -> range :: RangeIPLookup(10.0.0.0/8 0, 10.1.2.0/24 1, 0.0.0.0/0 2);
radix[0], radix[1], radix[2], linear[0], linear[1], linear[2] -> sink;
direct[0], direct[1], direct[2], range[0], range[1], range[2] -> sink;

// ---- Raw IP, trusted: every element that takes a marked header on faith.
rawip -> MarkIPHeader(0) -> trust :: Tee(17);
trust[0] -> DecIPTTL -> sink;
trust[1] -> tg :: IPGWOptions(192.0.2.1) -> sink;
tg[1] -> sink;
trust[2] -> IPFragmenter(40) -> sink;
trust[3] -> ICMPError(192.0.2.1, parameterproblem) -> sink;
trust[4] -> SetTCPChecksum -> sink;
trust[5] -> tsu :: SetUDPChecksum -> sink;
tsu[1] -> sink;
trust[6] -> IPMirror -> SetIPChecksum -> FixIPSrc(192.0.2.1) -> sink;
trust[7] -> tpr :: ICMPPingResponder -> sink;
tpr[1] -> sink;
trust[8] -> tip :: IPClassifier(tcp opt syn, ip[0:1] & 0xf0 = 0x40, icmp type 3, -);
tip[0], tip[1], tip[2], tip[3] -> sink;
trust[9] -> trw :: IPRewriter(pattern 198.51.100.1 1-3# 203.0.113.1 80 0 0, MAPPING_CAPACITY 2)
         -> sink;
trust[10] -> tirw :: ICMPPingRewriter(pattern 198.51.100.4 1-2? - - 0 0, MAPPING_CAPACITY 4) -> sink;
trust[11] -> Unstrip(14) -> tarp :: ARPQuerier(eth0, CAPACITY 4) -> sink;
Idle -> [1]tarp;
trust[12] -> treasm :: IPReassembler(HIMEM 2000) -> sink;
treasm[1] -> sink;
trust[13] -> tsip :: StoreIPAddress(src) -> tsip2 :: StoreIPAddress(192.0.2.7, dst) -> sink;
tsip[1], tsip2[1] -> sink;
trust[14] -> IPPrint(trusted, CONTENTS HEX, SWAP true, AGGREGATE true, PAINT true)
          -> sink;
trust[15] -> tsip3 :: StoreIPAddress(40) -> sink;
tsip3[1] -> sink;
trust[16] -> IPPrint(payload, PAYLOAD ASCII, MAXLENGTH -1) -> sink;

// ---- Queues in every flavour, fed from the ARP replies' copy.
ar1[1] -> arpt2;
arpt2[0] -> sq :: SimpleQueue(4) -> Unqueue -> sink;
arpt2[1] -> fq :: FrontDropQueue(2) -> Unqueue(1) -> sink;
arpt2[2] -> fq2 :: Queue(2) -> RatedUnqueue(100000, BURST_SIZE 4) -> sink;
fq2[1] -> sink;
