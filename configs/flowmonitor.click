// flowmonitor.click: a transparent traffic monitor between device 0 and device 1.
//
// Every frame is forwarded unchanged in both directions; on the way, IPv4 traffic from
// device 0 to device 1 is classified and counted per class (packets, bytes and recent
// rates: each Counter's `count`, `byte_count`, `rate` and `bit_rate` handlers):
//   web (TCP 80 and 443), dns (UDP or TCP 53), ssh (TCP 22), other_tcp, other_udp, icmp,
//   other_ip; non-IP frames in `nonip`, frames back from device 1 in `returning`.
// Read the handlers over the control socket (TCP port 7777) while it runs, or name them
// with h= to have them printed when it stops.
//
// Run it as a guest, the control socket on a management NIC forwarded to 127.0.0.1:7777:
//   sluice build configs/flowmonitor.click -o fm.img
//   sluice launch fm.img --nic tap:mon0 --nic tap:mon1 --mgmt 7777 --append "h=web.count h=dns.count"
//   sluice ctl 127.0.0.1:7777 top          (a live table of every counter and rate)
//   sluice ctl 127.0.0.1:7777 read web.rate
// On the host (LOCALHOST: the socket listens on 127.0.0.1 only):
//   sluice run configs/flowmonitor.click --nic tap:mon0 --nic tap:mon1

ControlSocket(TCP, 7777, LOCALHOST true);

fwd :: ToDevice(1, BURST 32);
back :: ToDevice(0, BURST 32);

FromDevice(0, BURST 32) -> ether :: Classifier(12/0800, -);
FromDevice(1, BURST 32) -> returning :: Counter -> back;
ether[1] -> nonip :: Counter -> fwd;

// IPClassifier reads the IP header MarkIPHeader marks behind the Ethernet header; the
// frame itself is not changed.
ether[0] -> MarkIPHeader(14) -> cls :: IPClassifier(tcp port 80 or tcp port 443,
                                udp port 53 or tcp port 53,
                                tcp port 22,
                                tcp,
                                udp,
                                icmp,
                                -);
cls[0] -> web :: Counter -> fwd;
cls[1] -> dns :: Counter -> fwd;
cls[2] -> ssh :: Counter -> fwd;
cls[3] -> other_tcp :: Counter -> fwd;
cls[4] -> other_udp :: Counter -> fwd;
cls[5] -> icmp :: Counter -> fwd;
cls[6] -> other_ip :: Counter -> fwd;
