// firewall.click: a transparent (bump-in-the-wire) stateful firewall between an inside
// network on device 0 and the outside on device 1.
//
// Policy:
//   - outbound IPv4 from the inside network 10.0.0.0/8: TCP, UDP and ICMP echo are allowed
//     (a stateless IPFilter); anything else outbound is counted in `out_denied`;
//   - inbound IPv4: only replies to flows the inside opened pass (IPRewriter's `keep`
//     mapping on the way out, `drop` for unknown flows on the way in: Click's stateful
//     allow-established idiom); packets claiming an inside source address are refused
//     first (anti-spoofing). Refused inbound packets are counted in `in_denied`;
//   - frames with bad IPv4 headers are counted in `bad` and dropped;
//   - everything that is not IPv4 (ARP above all) is bridged unchanged, both ways.
// Frames keep their Ethernet headers: the firewall is invisible at layer 2.
//
// Run it as a guest:
//   sluice build configs/firewall.click -o fw.img
//   sluice launch fw.img --nic tap:in0 --nic tap:out0 --append "h=out_allowed.count h=in_allowed.count h=out_denied.count h=in_denied.count"

inside :: FromDevice(0, BURST 32);
outside :: FromDevice(1, BURST 32);
to_inside :: ToDevice(0, BURST 32);
to_outside :: ToDevice(1, BURST 32);

ci :: Classifier(12/0800, -);
co :: Classifier(12/0800, -);
inside -> ci;
outside -> co;
ci[1] -> to_outside;
co[1] -> to_inside;

bad :: Counter -> Discard;
in_denied :: Counter -> Discard;

// Outbound: check, filter, remember the flow.
// (IPFilter's `deny` drops silently; output 1 counts what the policy refuses.)
ci[0] -> Strip(14) -> chk_out :: CheckIPHeader -> out_filter :: IPFilter(
    allow src net 10.0.0.0/8 && (tcp || udp || icmp type echo),
    1 all);
chk_out[1] -> bad;
out_filter[1] -> out_denied :: Counter -> Discard;

// Inbound: check, anti-spoofing, then only established flows.
co[0] -> Strip(14) -> chk_in :: CheckIPHeader -> in_filter :: IPFilter(
    1 src net 10.0.0.0/8,
    allow all);
chk_in[1] -> bad;
in_filter[1] -> in_denied;

// keep: remember outbound flows unchanged (output 0); their replies leave on output 1.
// pass 2: inbound packets of no remembered flow go to output 2, and are refused.
state :: IPRewriter(keep 0 1, pass 2);
out_filter[0] -> [0]state;
in_filter[0] -> [1]state;
state[2] -> in_denied;

state[0] -> out_allowed :: Counter -> Unstrip(14) -> to_outside;
state[1] -> in_allowed :: Counter -> Unstrip(14) -> to_inside;
