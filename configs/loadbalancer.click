// loadbalancer.click: a layer-4 load balancer. Clients on device 0 reach the virtual
// address 198.51.100.10; their flows are spread over three backends on device 1
// (10.0.1.1, 10.0.1.2, 10.0.1.3), and every packet of a flow goes to the same backend.
//
//   clients  (device 0)  02:00:00:00:00:01  198.51.100.10/24 (the virtual address)
//   backends (device 1)  02:00:00:00:01:01  10.0.1.254/24    (the backends' gateway)
//
// A new flow is assigned by a hash of its addresses and ports (HashSwitch) to one of
// IPRewriter's three inputs, whose patterns rewrite the destination to one backend; the
// rewriter's flow table then keeps the flow there (sticky per flow) and translates the
// backend's replies back to the virtual address. Clients keep their own source addresses,
// so the backends must route through the balancer (default gateway 10.0.1.254). Packets
// to the virtual address that are not TCP or UDP are counted in `other`, replies from the
// backends that belong to no flow in `stray`, bad headers in `bad`.
//
// Run it as a guest:
//   sluice build configs/loadbalancer.click -o lb.img
//   sluice launch lb.img --nic tap:cl0 --nic tap:be0 --append "h=rw.nmappings h=b1.count h=b2.count h=b3.count"

AddressInfo(vip 198.51.100.10/24 02:00:00:00:00:01,
            inner 10.0.1.254/24 02:00:00:00:01:01);

fd0 :: FromDevice(0, BURST 32);
fd1 :: FromDevice(1, BURST 32);
q0 :: Queue(1024) -> ToDevice(0, BURST 32);
q1 :: Queue(1024) -> ToDevice(1, BURST 32);

c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
fd0 -> c0;
fd1 -> c1;
c0[0] -> ARPResponder(vip) -> q0;
c1[0] -> ARPResponder(inner) -> q1;
arpq0 :: ARPQuerier(vip) -> q0;
arpq1 :: ARPQuerier(inner) -> q1;
c0[1] -> [1]arpq0;
c1[1] -> [1]arpq1;
nonip :: Counter -> Discard;
c0[3] -> nonip;
c1[3] -> nonip;

bad :: Counter -> Discard;
other :: Counter -> Discard;
stray :: Counter -> Discard;

// Inputs 0-2: new client flows, one backend each; input 3: replies from the backends.
rw :: IPRewriter(pattern - - 10.0.1.1 - 0 1,
                 pattern - - 10.0.1.2 - 0 1,
                 pattern - - 10.0.1.3 - 0 1,
                 pass 2);

c0[2] -> Strip(14) -> chk0 :: CheckIPHeader
      -> to_vip :: IPClassifier(dst host 198.51.100.10 and (tcp or udp), -);
chk0[1] -> bad;
to_vip[1] -> other;
// Source and destination addresses and ports (header bytes 12-23 of a 20-byte header).
to_vip[0] -> spread :: HashSwitch(12, 12);
spread[0] -> b1 :: Counter -> [0]rw;
spread[1] -> b2 :: Counter -> [1]rw;
spread[2] -> b3 :: Counter -> [2]rw;

c1[2] -> Strip(14) -> chk1 :: CheckIPHeader -> [3]rw;
chk1[1] -> bad;
rw[2] -> stray;

// To a backend; replies to the clients.
rw[0] -> GetIPAddress(16) -> [0]arpq1;
rw[1] -> GetIPAddress(16) -> [0]arpq0;
