// ethermirror.click (EM): every frame that arrives on device 0 goes back out of device 0
// with its Ethernet source and destination addresses swapped.
//
// ClickOS's second baseline: one element of work on the wire's path, and the frame leaves
// the way it came, so a single NIC and a single host socket measure a round trip.
//
// Run it as a guest:
//   sluice build configs/ethermirror.click -o em.img
//   sluice launch em.img --nic udp:5000:5001 --append "idlestop=2000 h=em.count"
// Frames sent to 127.0.0.1:5000 come back to 127.0.0.1:5001 with their MAC addresses
// swapped; when the guest stops, `em.count` is the number of frames mirrored.

FromDevice(0, BURST 32) -> em :: Counter -> EtherMirror -> ToDevice(0, BURST 32);
