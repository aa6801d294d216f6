// ratelimiter.click: traffic from device 0 to device 1, with UDP limited to 1 Mbit/s and
// everything else passed at full rate; device 1 to device 0 is not limited.
//
// UDP waits in its own queue (256 packets, overflow counted in `udpq.drops`) and leaves
// through a BandwidthShaper at 125,000 bytes per second; other frames wait in a second
// queue. A round-robin scheduler feeds both to device 1, so a UDP flood can neither starve
// the other traffic nor exceed its rate. `udp.count` and `rest.count` count what arrived,
// the ToDevice's `count` what left.
//
// Run it as a guest:
//   sluice build configs/ratelimiter.click -o rl.img
//   sluice launch rl.img --nic tap:rl0 --nic tap:rl1 --append "h=udp.count h=udpq.drops h=out.count"

sched :: RoundRobinSched -> out :: ToDevice(1, BURST 32);
FromDevice(0, BURST 32) -> cls :: Classifier(12/0800 23/11, -);
cls[0] -> udp :: Counter -> udpq :: Queue(256) -> BandwidthShaper(125000) -> [0]sched;
cls[1] -> rest :: Counter -> restq :: Queue(1024) -> [1]sched;

FromDevice(1, BURST 32) -> ToDevice(0, BURST 32);
