import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentItem, AgentLink } from '../../../gateway/agents/agent-binding.js';
import { HttpAgentSessions, type SessionHost } from '../../../gateway/agents/http-agent-sessions.js';

/** A binding that records what the sessions tell it and keeps the links it was given. */
function host(httpSessionTimeoutMs = 150, maxPollWaitMs = 1000) {
  const events: string[] = [];
  const links = new Map<string, AgentLink>();
  const h: SessionHost = {
    options: { httpSessionTimeoutMs, maxPollWaitMs },
    connected: (agent, link) => {
      events.push(`connected ${agent}`);
      links.set(agent, link);
    },
    disconnected: (agent) => {
      events.push(`disconnected ${agent}`);
      links.delete(agent);
    },
  };
  return { h, events, links };
}

const item = (id: string, attempt = 1): AgentItem => ({ id, kind: 'action', name: 'calibrate', input: 1, attempt, expiresAt: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HttpAgentSessions', () => {
  it('connects an agent at its first request only; its link is ready and keeps one copy of a resent item', async () => {
    const { h, events, links } = host();
    const s = new HttpAgentSessions(() => h);
    s.touch('a1');
    s.touch('a1');
    assert.deepEqual(events, ['connected a1']);
    const link = links.get('a1')!;
    assert.equal(link.ready, true);
    link.sendItem('d1', item('x'));
    link.sendItem('d2', item('y'));
    link.sendItem('d1', item('x', 2));
    assert.deepEqual((await s.poll('a1', 0)).map((i) => [i.device, i.id, i.attempt]), [['d2', 'y', 1], ['d1', 'x', 2]]);
    assert.deepEqual(await s.poll('a1', 0), [], 'taken once');
    s.close();
  });

  it('a poll waits for the next item, or answers [] after waitMs capped by maxPollWaitMs', async () => {
    const { h, links } = host(5000, 100);
    const s = new HttpAgentSessions(() => h);
    const started = Date.now();
    assert.deepEqual(await s.poll('a1', 60_000), []);
    const waited = Date.now() - started;
    assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
    const pending = s.poll('a1', 1000);
    links.get('a1')!.sendItem('d1', item('z'));
    assert.deepEqual((await pending).map((i) => i.id), ['z']);
    s.close();
  });

  it('a newer poll answers the older one; an abandoned poll takes nothing', async () => {
    const { h, links } = host(5000);
    const s = new HttpAgentSessions(() => h);
    const older = s.poll('a1', 1000);
    const gone = new AbortController();
    const newer = s.poll('a1', 1000, gone.signal);
    assert.deepEqual(await older, []);
    gone.abort();
    assert.deepEqual(await newer, []);
    links.get('a1')!.sendItem('d1', item('w'));
    assert.deepEqual((await s.poll('a1', 0)).map((i) => i.id), ['w'], 'the item waited for the next poll');
    s.close();
  });

  it('an agent silent for httpSessionTimeoutMs is disconnected; a pending poll keeps it; close disconnects the rest', async () => {
    const { h, events } = host(150, 1000);
    const s = new HttpAgentSessions(() => h);
    s.touch('quiet');
    const polling = s.poll('busy', 400);
    await sleep(300);
    assert.deepEqual(events, ['connected quiet', 'connected busy', 'disconnected quiet']);
    assert.deepEqual(await polling, []);
    assert.deepEqual(s.connected(), ['busy']);
    s.close();
    assert.deepEqual(events.at(-1), 'disconnected busy');
    assert.deepEqual(s.connected(), []);
  });
});
