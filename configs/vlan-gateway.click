// vlan-gateway.click: an 802.1Q trunk on device 0, the untagged access side of VLAN 10 on
// device 1.
//
// Frames tagged with VLAN 10 on the trunk leave device 1 untagged; frames arriving on
// device 1 leave the trunk tagged with VLAN 10 (priority 0). Tagged frames of other VLANs
// and untagged frames on the trunk are counted in `other` and dropped.
//
// Run it as a guest:
//   sluice build configs/vlan-gateway.click -o vgw.img
//   sluice launch vgw.img --nic tap:trunk0 --nic tap:access0 --append "h=totrunk.count h=toaccess.count h=other.count"
// When it stops it prints how many frames went each way and how many were refused.

trunk :: FromDevice(0, BURST 32);
access :: FromDevice(1, BURST 32);

// 0: 802.1Q with VID 10 (the TCI's low 12 bits)  1: anything else
vid :: Classifier(12/8100 14/000a%0fff, -);
trunk -> vid;
vid[0] -> VLANDecap -> toaccess :: Counter -> ToDevice(1, BURST 32);
vid[1] -> other :: Counter -> Discard;

access -> VLANEncap(VLAN_ID 10) -> totrunk :: Counter -> ToDevice(0, BURST 32);
