/**
 * The directory's own TD (W3C WoT Discovery, the Thing Description Directory's HTTP API), served
 * at /.well-known/wot with the gateway's HTTP base.
 */
import type { ThingDescription } from '../binding.js';

export function directoryTd(base: string): ThingDescription {
  return {
    '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { discovery: 'https://www.w3.org/2022/wot/discovery#' }],
    '@type': 'discovery:ThingDirectory',
    id: `urn:roost:directory`,
    title: 'Roost Thing Description Directory',
    securityDefinitions: { bearer_sc: { scheme: 'bearer', format: 'jwt', alg: 'HS256', authorization: `${base}/auth/token` } },
    security: ['bearer_sc'],
    base,
    properties: {
      things: {
        description: 'Retrieve all Thing Descriptions',
        uriVariables: { offset: { type: 'number', minimum: 0 }, limit: { type: 'number', minimum: 1 } },
        type: 'array',
        items: { type: 'object' },
        readOnly: true,
        forms: [{ href: '/things{?offset,limit}', 'htv:methodName': 'GET', response: { contentType: 'application/ld+json' } }],
      },
    },
    actions: {
      createThing: { input: { type: 'object' }, forms: [{ href: '/things', 'htv:methodName': 'POST', contentType: 'application/td+json' }] },
      retrieveThing: { uriVariables: { id: { type: 'string' } }, safe: true, idempotent: true, forms: [{ href: '/things/{id}', 'htv:methodName': 'GET', response: { contentType: 'application/td+json' } }] },
      updateThing: { uriVariables: { id: { type: 'string' } }, input: { type: 'object' }, forms: [{ href: '/things/{id}', 'htv:methodName': 'PUT', contentType: 'application/td+json' }] },
      partiallyUpdateThing: { uriVariables: { id: { type: 'string' } }, input: { type: 'object' }, forms: [{ href: '/things/{id}', 'htv:methodName': 'PATCH', contentType: 'application/merge-patch+json' }] },
      deleteThing: { uriVariables: { id: { type: 'string' } }, forms: [{ href: '/things/{id}', 'htv:methodName': 'DELETE' }] },
    },
  };
}
