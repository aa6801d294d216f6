// wire.click (WR): every frame that arrives on device 0 leaves on device 1, untouched.
//
// ClickOS's baseline: it measures the cost of the I/O path itself (virtio rings, QEMU, the
// host's TAPs or sockets), against which every other function is compared.
//
// Run it as a guest:
//   sluice build configs/wire.click -o wire.img
//   sluice launch wire.img --nic udp:5000:5001 --nic udp:5002:5003 --append "idlestop=2000"
// then send frames to 127.0.0.1:5000; they come out on 127.0.0.1:5003. When no frame has
// arrived for 2 s the guest stops and prints its report: nic0.rx_packets equals
// nic1.tx_packets (less nic1.tx_ring_full drops, if the sink was too slow), and
// cycles_per_packet is the guest's own cost of moving one frame.
//
// On the host, the same file runs on TAPs with `sluice run` once the device names are
// changed (-D does not apply to device names): FromDevice(tap:wr0) -> ToDevice(tap:wr1).

FromDevice(0, BURST 32) -> ToDevice(1);
