/**
 * The Python agent of docs/examples/python-agent/ (Debian's /usr/bin/python3 with
 * python3-paho-mqtt, a peer nobody here wrote the MQTT stack of) against a real test gateway, its
 * made-up serial sensor on a socat pseudo-terminal pair: the thing appears, values and alarms
 * flow, an action and a property write invoked through the HTTP API reach the sensor as command
 * lines and complete; killing the agent (SIGKILL) marks the thing offline and its queue waits,
 * and a restarted agent takes what waited; over WebSocket too. Fails, never skips, when python3-paho-mqtt or socat is
 * missing (`make setup` installs them).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, openSync, writeSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ReadStream } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { SocatPair } from '../bindings/serial/socat-pair.js';
import { AGENT_PASSWORD, startAgentRig, waitFor, type AgentRig } from '../gateway/agents/agent-rig.js';

const PYTHON = '/usr/bin/python3';
const AGENT = fileURLToPath(new URL('../../docs/examples/python-agent/roost_agent.py', import.meta.url));
const THING = 'urn:roost:agent:serial-bridge:th1';

describe('the Python agent example against a gateway', () => {
  let rig: AgentRig;
  let op: string;
  const pair = new SocatPair();
  let sensorFd = -1;
  let sensorIn: ReadStream;
  const commands: string[] = [];
  let agent: ChildProcess | null = null;
  let agentLog = '';

  const startAgent = (): ChildProcess => {
    const p = spawn(PYTHON, [AGENT, '--url', rig.gw.mqttUrl!, '--username', 'serial-bridge', '--serial', pair.gatewayPath], {
      env: { PATH: '/usr/bin:/bin', ROOST_AGENT_PASSWORD: AGENT_PASSWORD }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    p.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
    return p;
  };
  const sensorSays = (line: string): void => {
    writeSync(sensorFd, `${line}\n`);
  };
  const invoke = (path: string, body: unknown, method = 'POST') =>
    rig.api(`/things/${encodeURIComponent(THING)}/${path}`, { method, body: JSON.stringify(body), token: op });
  const idOf = (r: Response): string => r.headers.get('location')!.split('/').pop()!;

  before(async () => {
    rig = await startAgentRig({ 'serial-bridge': 'agent', 'ws-bridge': 'agent', op: 'operator' }, { http: { syncWaitMs: 100 } });
    op = await rig.login('op');
    await pair.plug();
    sensorFd = openSync(pair.devicePath, constants.O_RDWR | constants.O_NOCTTY);
    sensorIn = new ReadStream(sensorFd);
    let buf = '';
    sensorIn.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        commands.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    agent = startAgent();
  });
  after(async () => {
    agent?.kill('SIGKILL');
    sensorIn?.destroy();
    await pair.close();
    await rig.stop();
  });

  it('registers its thing and reports the sensor\'s readings and alarms', async () => {
    await waitFor(`the thing (agent said: ${agentLog})`, () => rig.gw.hub.directory.find(THING) !== undefined && rig.gw.hub.getThing(THING).online, 10_000);
    sensorSays('t=21.5 h=40');
    await waitFor('the reading', () => rig.gw.hub.readProperty(THING, 'temperature')?.value === 21.5);
    assert.equal(rig.gw.hub.readProperty(THING, 'humidity')?.value, 40);
    sensorSays('!overheat');
    await waitFor('the alarm', () => rig.gw.hub.history({ thingId: THING, name: 'alarm', limit: 10 }).length === 1);
    assert.equal(rig.gw.hub.history({ thingId: THING, name: 'alarm', limit: 10 })[0]!.value, 'overheat');
  });

  it('takes an action and a property write through the queue; the sensor gets them as command lines', async () => {
    const cal = await invoke('actions/calibrate', 0.5);
    assert.ok([200, 202].includes(cal.status), String(cal.status));
    await waitFor('calibrated', () => rig.gw.hub.getAction(idOf(cal)).state === 'completed');
    assert.deepEqual(rig.gw.hub.getAction(idOf(cal)).output, { offset: 0.5 });
    const write = await invoke('properties/interval', 10, 'PUT');
    await waitFor('written', () => rig.gw.hub.getAction(idOf(write)).state === 'completed');
    await waitFor('the commands', () => commands.length >= 2);
    assert.deepEqual(commands, ['CAL 0.5', 'INT 10']);
    assert.equal(rig.gw.hub.readProperty(THING, 'interval')?.value, 10);
    // The offset applies to what the sensor reads next.
    sensorSays('t=20 h=41');
    await waitFor('a calibrated reading', () => rig.gw.hub.readProperty(THING, 'temperature')?.value === 20.5);
  });

  it('killed, its thing goes offline and its queue waits; restarted, it takes what waited', async () => {
    const exited = new Promise((r) => agent!.once('exit', r));
    agent!.kill('SIGKILL');
    await exited;
    await waitFor('offline', () => !rig.gw.hub.getThing(THING).online);
    const r = await invoke('actions/calibrate', -1);
    assert.equal(r.status, 202);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(rig.gw.hub.getAction(idOf(r)).state, 'queued');
    assert.deepEqual(commands, ['CAL 0.5', 'INT 10']);

    agent = startAgent();
    await waitFor(`completed after the restart (agent said: ${agentLog})`, () => rig.gw.hub.getAction(idOf(r)).state === 'completed', 10_000);
    assert.equal(rig.gw.hub.getThing(THING).online, true);
    await waitFor('the command', () => commands.length === 3);
    assert.equal(commands[2], 'CAL -1');
  });

  it('over MQTT on WebSocket, with readings it makes up itself (--simulate)', async () => {
    // Another agent user: a thing goes offline when the last session of its agent ends.
    const sim = 'urn:roost:agent:ws-bridge:sim1';
    const ws = spawn(PYTHON, [AGENT, '--url', `${rig.gw.httpUrl!.replace('http:', 'ws:')}/mqtt`, '--username', 'ws-bridge', '--device', 'sim1', '--simulate', '0.1'], {
      env: { PATH: '/usr/bin:/bin', ROOST_AGENT_PASSWORD: AGENT_PASSWORD }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    ws.stderr.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await waitFor('simulated readings', () => rig.gw.hub.directory.find(sim) !== undefined && typeof rig.gw.hub.readProperty(sim, 'temperature')?.value === 'number', 10_000);
      assert.equal(rig.gw.hub.getThing(sim).online, true);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the agent said: ${log}`);
    } finally {
      const exited = new Promise((r) => ws.once('exit', r));
      ws.kill('SIGTERM');
      await exited;
    }
    await waitFor('offline', () => !rig.gw.hub.getThing(sim).online);
  });
});
