import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelTimestamp } from '../../../../image/src/boot-test/boot-session.js';
import { formatBreakdown, parseBootReport, parseSpan, parseStartup } from '../../../../image/src/boot-test/boot-report.js';

test('systemd time spans and the Startup finished line', () => {
  assert.equal(parseSpan('1min 2.5s'), 62.5);
  assert.equal(parseSpan('345ms'), 0.345);
  assert.equal(parseSpan('12.034s'), 12.034);
  assert.throws(() => parseSpan('soon'), /not a time span/);
  const s = parseStartup('2.102s (firmware) + 1.005s (loader) + 3.250s (kernel) + 4.500s (initrd) + 10.143s (userspace) = 21.000s');
  assert.deepEqual(s.phases, { firmware: 2.102, loader: 1.005, kernel: 3.25, initrd: 4.5, userspace: 10.143 });
  assert.equal(s.totalS, 21);
});

const CONSOLE = [
  '[  OK  ] Started something.',
  'roost-boot: slot=a cmdline=root=/dev/disk/by-partlabel/roost-root-a ro roost.slot=a quiet',
  'roost-boot-report| roost-boot-report: begin',
  'roost-boot-report| startup: 2.000s (firmware) + 1.000s (loader) + 3.000s (kernel) + 4.000s (initrd) + 10.000s (userspace) = 20.000s',
  'roost-boot-report| gateway-started-us: 11500000',
  'roost-boot-report| blame:',
  'some other console line in between',
  'roost-boot-report|           5.101s roost-data.service',
  '[  370.882228] roost-boot-report.sh[522]: roost-boot-report|           1.2s systemd-udev-trigger.service',
  'roost-boot-report| critical-chain:',
  'roost-boot-report| roost.service +8.1s',
  'roost-boot-report| `-roost-firstboot.service @3.2s +4.8s',
  'roost-boot-report| roost-boot-report: end',
].join('\r\n');

test('the report between its markers: phases, the gateway\'s start, blame and critical chain', () => {
  const r = parseBootReport(CONSOLE);
  assert.ok(r);
  assert.equal(r.startup?.totalS, 20);
  assert.equal(r.gatewayStartedS, 11.5);
  assert.deepEqual(r.blame, ['          5.101s roost-data.service', '          1.2s systemd-udev-trigger.service']);
  assert.deepEqual(r.criticalChain, ['roost.service +8.1s', '`-roost-firstboot.service @3.2s +4.8s']);
  assert.equal(parseBootReport(CONSOLE, CONSOLE.indexOf('blame:')), null, 'a report cut by the offset is no report');
  assert.equal(parseBootReport('roost-boot-report| roost-boot-report: begin\n'), null);
});

test('the printed breakdown: outside measurement, phases, gateway start to /healthz, slowest units', () => {
  const lines = formatBreakdown(18.5, parseBootReport(CONSOLE), { kernelBytes: 8e6, initrdBytes: 6.5e6 });
  assert.equal(lines[0], 'power-on to /healthz answering: 18.5 s');
  assert.equal(lines[1], '  kernel 8.0 MB, initramfs 6.5 MB');
  assert.match(lines[2]!, /firmware 2\.0 s, loader 1\.0 s, kernel 3\.0 s, initrd 4\.0 s, userspace 10\.0 s; boot finished at 20\.0 s/);
  assert.equal(lines[3], '  gateway process started at 14.5 s (kernel + 11.5 s); from there to /healthz: 4.0 s');
  assert.ok(lines.includes('    5.101s roost-data.service'));
  assert.deepEqual(formatBreakdown(30, null), ['power-on to /healthz answering: 30.0 s', '  (no boot report on the console)']);
});

test('without firmware and loader phases (OVMF on amd64), the console\'s estimate of the time before the kernel is used', () => {
  const noFirmware = CONSOLE.replace('2.000s (firmware) + 1.000s (loader) + ', '');
  const lines = formatBreakdown(30, parseBootReport(noFirmware), undefined, 7.2);
  assert.match(lines[1]!, /systemd-analyze: kernel 3\.0 s, initrd 4\.0 s, userspace 10\.0 s/);
  assert.equal(lines[2], '  power-on to the kernel\'s start (firmware, boot loader): ~7.2 s, from the console');
  assert.equal(lines[3], '  gateway process started at 18.7 s (kernel + 11.5 s); from there to /healthz: 11.3 s');
  // systemd's own figures win when it has them; with neither, the kernel is taken to start at power-on.
  assert.equal(formatBreakdown(18.5, parseBootReport(CONSOLE), undefined, 7.2)[2], '  gateway process started at 14.5 s (kernel + 11.5 s); from there to /healthz: 4.0 s');
  assert.equal(formatBreakdown(30, parseBootReport(noFirmware))[2], '  gateway process started at 11.5 s (kernel + 11.5 s); from there to /healthz: 18.5 s');
});

test('the kernel\'s timestamp at the head of a console line', () => {
  assert.equal(kernelTimestamp('[   11.481250] roost-boot-report.sh[232]: roost-boot: slot=a cmdline=...'), 11.48125);
  assert.equal(kernelTimestamp('roost-boot: slot=a cmdline=...'), null);
});
