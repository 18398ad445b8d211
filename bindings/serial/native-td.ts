/**
 * The native TD of one serial unit, built from its `describe` message (docs/protocols/serial.md
 * "Thing Descriptions"). Forms name the port, the device id and the affordance:
 * `serial://<port path>#<device id>/<name>` (the fragment is what the binding sends as `n`).
 */
import type { ThingDescription } from '../../gateway/binding.js';
import type { DataType, Description } from '../../protocols/serial/serial-describe.js';
import type { HelloBody } from '../../protocols/serial/serial-messages.js';

const schema = (type: DataType | undefined, unit?: string): Record<string, unknown> => ({
  ...(type ? { type } : {}),
  ...(unit ? { unit } : {}),
});

export function nativeTd(path: string, hello: HelloBody, d: Description): ThingDescription {
  const href = (name: string) => `serial://${encodeURI(path)}#${encodeURIComponent(hello.id)}/${name}`;
  const form = (name: string, op: string[]) => ({ href: href(name), contentType: 'application/cbor', op });
  const properties: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(d.p ?? {})) {
    properties[name] = {
      ...schema(p.y ?? 'number', p.u),
      readOnly: p.w !== true,
      observable: true,
      forms: [form(name, p.w ? ['readproperty', 'writeproperty', 'observeproperty'] : ['readproperty', 'observeproperty'])],
    };
  }
  const actions: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(d.a ?? {})) {
    actions[name] = {
      ...(a.i ? { input: schema(a.i) } : {}),
      ...(a.o ? { output: schema(a.o) } : {}),
      forms: [form(name, ['invokeaction'])],
    };
  }
  const events: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(d.e ?? {})) {
    events[name] = { ...(e.y ? { data: schema(e.y) } : {}), forms: [form(name, ['subscribeevent'])] };
  }
  return {
    '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1'],
    title: d.t ?? hello.id,
    description: `serial device ${hello.id}, firmware ${hello.fw}${hello.s ? ', sleepy' : ''}`,
    version: { instance: hello.fw },
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
    properties,
    actions,
    events,
  };
}
