import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { planDetection } from '../../../gateway/detect/detection-plan.js';
import { scanHardware } from '../../../gateway/detect/sysfs-scan.js';
import { FakeTree } from './fake-tree.js';

describe('adapter detection over a fake sysfs and /dev', () => {
  const tree = new FakeTree();
  after(() => tree.remove());
  const zbP = tree.plugUsb({ byId: 'usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_b8b49abd27a6ed11a280eba32981d111-if00-port0', target: tree.node('ttyUSB0'), vendorId: '10c4', productId: 'ea60', manufacturer: 'ITEAD', product: 'Sonoff Zigbee 3.0 USB Dongle Plus' });
  const zbE = tree.plugUsb({ byId: 'usb-ITEAD_SONOFF_Zigbee_3.0_USB_Dongle_Plus_V2_20240122184111-if00', target: tree.node('ttyACM0'), vendorId: '1a86', productId: '55d4', manufacturer: 'ITEAD' });
  const conbee = tree.plugUsb({ byId: 'usb-dresden_elektronik_ingenieurtechnik_GmbH_ConBee_II_DE2132111-if00', target: tree.node('ttyACM1'), vendorId: '1cf1', productId: '0030', manufacturer: 'dresden elektronik ingenieurtechnik GmbH' });
  const ch340 = tree.plugUsb({ byId: 'usb-1a86_USB_Serial-if00-port0', target: tree.node('ttyUSB1'), vendorId: '1a86', productId: '7523', product: 'USB Serial' });
  const cp = tree.plugUsb({ byId: 'usb-Silicon_Labs_CP2102N_USB_to_UART_Bridge_Controller_Zigbee_0001-if00-port0', target: tree.node('ttyUSB2'), vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs', product: 'CP2102N USB to UART Bridge Controller Zigbee' });
  const mouse = tree.plugUsb({ byId: 'usb-Logitech_Receiver-if00', target: tree.node('ttyACM9'), vendorId: '046d', productId: 'c52b' });
  tree.plugBluetooth('hci0');
  tree.plugBluetooth('hci1', 'uart');

  it('reads by-id links, sysfs ids and strings, and Bluetooth controllers', () => {
    const scan = scanHardware(tree);
    assert.equal(scan.serialPorts.length, 6);
    const p = scan.serialPorts.find((x) => x.path === zbP)!;
    assert.deepEqual({ v: p.vendorId, p: p.productId, m: p.manufacturer, d: p.devicePath.endsWith('/ttyUSB0') }, { v: '10c4', p: 'ea60', m: 'ITEAD', d: true });
    assert.deepEqual(scan.bluetooth.map((b) => [b.name, b.index, b.bus]), [['hci0', 0, 'usb'], ['hci1', 1, 'uart']]);
  });

  it('enables zigbee for the first coordinator (herdsman adapter), serial for the MCU bridge, ble for hci0; the rest is explained', () => {
    const plan = planDetection(scanHardware(tree), new Set());
    const by = new Map(plan.adapters.map((a) => [a.id, a]));
    // By-id names in code-point order: the ZBDongle-E comes first and is the coordinator; the others are ambiguous.
    assert.deepEqual(plan.bindings.zigbee, { enabled: true, port: zbE, adapter: 'ember', rtscts: false });
    assert.equal(by.get(zbE)!.decision, 'enabled');
    assert.equal(by.get(conbee)!.decision, 'ambiguous');
    assert.match(by.get(conbee)!.reason, /second Zigbee coordinator \(deconz/);
    assert.match(by.get(zbP)!.reason, /second Zigbee coordinator \(zstack/);
    assert.deepEqual(plan.bindings.serial, { enabled: true, ports: [{ path: ch340 }] });
    assert.equal(by.get(cp)!.decision, 'ambiguous');
    assert.equal(by.get(mouse)!.decision, 'unknown');
    assert.deepEqual(plan.bindings.ble, { enabled: true, adapter: { driver: 'hci', hciDeviceId: 0 } });
    assert.equal(by.get('hci1')!.decision, 'ambiguous');
  });

  it('leaves bindings the config names to the config', () => {
    const plan = planDetection(scanHardware(tree), new Set(['zigbee', 'serial', 'ble']));
    assert.deepEqual(plan.bindings, {});
    assert.equal(plan.adapters.find((a) => a.id === zbE)!.decision, 'configured');
    assert.equal(plan.adapters.find((a) => a.id === ch340)!.decision, 'configured');
  });

  it('one ZBDongle-P alone: zstack on its by-id path', () => {
    const one = new FakeTree();
    try {
      const link = one.plugUsb({ byId: 'usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_0111-if00-port0', target: one.node('ttyUSB0'), vendorId: '10c4', productId: 'ea60', manufacturer: 'ITEAD' });
      assert.deepEqual(planDetection(scanHardware(one), new Set()).bindings, { zigbee: { enabled: true, port: link, adapter: 'zstack' } });
    } finally {
      one.remove();
    }
  });

  it('a dangling by-id link (device gone) is no port; no tree at all is no hardware', () => {
    const t = new FakeTree();
    try {
      t.plugUsb({ byId: 'usb-gone', target: '/nonexistent/ttyUSB7', vendorId: '1a86', productId: '7523' });
      assert.deepEqual(scanHardware(t).serialPorts, []);
      assert.deepEqual(scanHardware({ sysDir: '/nonexistent', devDir: '/nonexistent' }), { serialPorts: [], bluetooth: [] });
    } finally {
      t.remove();
    }
  });
});
