import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterExit } from '../../../../image/src/boot-test/qemu-vm.js';

describe('afterExit: a guest reset is a power cycle, anything else ends the VM', () => {
  it('starts qemu again after the kernel restarted the system, or panicked into a reboot', () => {
    assert.equal(afterExit('[   35.35] reboot: Restarting system\n', 0, false), 'power-cycle');
    assert.equal(afterExit('Kernel panic - not syncing: VFS: Unable to mount root fs\nRebooting in 10 seconds..\n', 0, false), 'power-cycle');
    // A reset with nothing on the console (the firmware's own) is one too.
    assert.equal(afterExit('', 0, false), 'power-cycle');
  });

  it('ends the VM when the guest powered off, when the test pulled the plug, or when qemu failed', () => {
    assert.equal(afterExit('[  102.1] reboot: Power down\n', 0, false), 'ended');
    assert.equal(afterExit('[   35.35] reboot: Restarting system\n', 0, true), 'ended');
    assert.equal(afterExit('', 1, false), 'ended');
    assert.equal(afterExit('', null, false), 'ended');
  });
});
