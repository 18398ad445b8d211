/**
 * The gateway as EDHOC Initiator and CoAP client towards an always-on device (RFC 9528 Appendix
 * A.2, forward flow with the roles turned: the gateway POSTs to the device's /.well-known/edhoc).
 * The device must be approved with the fingerprint of its key (a manifest of public keys or an
 * approval after it enrolled once): the handshake authenticates exactly that key. The derived
 * context (gateway Sender ID = C_R, Recipient ID = C_I, RFC 9528 A.1) replaces the device's old one.
 */
import type { BindingContext } from '../../../gateway/binding.js';
import { EdhocError, Initiator, METHODS, encodeCidPayload, suiteById, type Credential, type IdCred } from '../../../protocols/edhoc/index.js';
import { keyFits } from '../../../protocols/edhoc/edhoc-session.js';
import type { CoapEndpoint, Remote } from '../coap-endpoint.js';
import { POST } from '../coap-message.js';
import { CF_CID_EDHOC } from './edhoc-resource.js';
import type { EnrolledDevices } from './enrolled-devices.js';
import type { GatewayIdentity } from './gateway-identity.js';

export interface InitiatorOptions {
  /** Method and suites the gateway offers, most preferred suite first. */
  readonly method: number;
  readonly suites: readonly number[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class EdhocInitiatorClient {
  /** Handshakes the gateway started and completed. */
  completed = 0;
  failed = 0;
  /** C_I values of handshakes in flight (hex): reserved until the handshake ends, so two never share one. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly ctx: BindingContext,
    private readonly identity: GatewayIdentity,
    private readonly devices: EnrolledDevices,
    private readonly kidInUse: (kidHex: string) => boolean,
  ) {}

  /** Runs EDHOC with `deviceId` at `remote`; resolves once the new context is stored and installed. */
  async enrol(endpoint: CoapEndpoint, deviceId: string, remote: Remote, opts: InitiatorOptions, install: (deviceId: string) => void): Promise<void> {
    const a = this.ctx.admission(deviceId);
    const pinned = a.state === 'approved' ? a.credentials.publicKeySha256 : undefined;
    if (!pinned) throw new EdhocError('unknown_credential', `device ${deviceId} is not approved with a public key`);
    const kinds = METHODS.get(opts.method);
    const suite = suiteById(opts.suites[0] ?? -1);
    const auth = kinds && suite ? this.identity.auth.find((x) => keyFits(x.credential, suite, kinds.initiator)) : undefined;
    if (!auth) throw new EdhocError('unsupported_method', 'no gateway key for this method');
    const lookup = (id: IdCred): Credential | undefined => {
      const cred = id.kind === 'kccs' || id.kind === 'x5chain' ? id.credential : this.devices.lookup(id);
      // The responder must hold the key the admin approved, whatever credential it sends.
      return cred && cred.fingerprint === pinned ? cred : undefined;
    };
    const taken: string[] = [];
    const initiator = new Initiator({
      method: opts.method,
      suites: opts.suites,
      auth,
      lookupCredential: lookup,
      connectionId: () => {
        const id = this.freeConnectionId();
        taken.push(hex(id));
        this.inFlight.add(hex(id));
        return id;
      },
    });
    try {
      let m1 = initiator.start();
      if (!m1.ok) throw m1.error;
      let r = await this.post(endpoint, remote, encodeCidPayload(true, m1.value));
      // §6.3: one retry after ERR_CODE 2 with the suite the device named.
      const step = initiator.handleMessage2(r);
      let m3: Uint8Array;
      let session;
      if (!step.ok) {
        if (initiator.state !== 'start') throw step.error;
        m1 = initiator.start();
        if (!m1.ok) throw m1.error;
        r = await this.post(endpoint, remote, encodeCidPayload(true, m1.value));
        const again = initiator.handleMessage2(r);
        if (!again.ok) throw again.error;
        ({ message3: m3, session } = again.value);
      } else {
        ({ message3: m3, session } = step.value);
      }
      // Appendix A.2: the Initiator prefixes message_3 with C_R.
      const done = await endpoint.request(remote, { code: POST, uriPath: ['.well-known', 'edhoc'], contentFormat: CF_CID_EDHOC, payload: Buffer.from(encodeCidPayload(session.cR, m3)) });
      if (!done.code.startsWith('2.')) throw new EdhocError('peer_error', `device answered message_3 with ${done.code}`);
      const o = session.oscore();
      await this.devices.put(deviceId, session.peer.credential, { masterSecret: hex(o.masterSecret), masterSalt: hex(o.masterSalt), senderId: hex(o.senderId), recipientId: hex(o.recipientId) });
      install(deviceId);
      this.completed++;
    } catch (err) {
      this.failed++;
      throw err;
    } finally {
      for (const h of taken) this.inFlight.delete(h);
    }
  }

  /** An identifier a handshake of ours in flight holds as its C_I (the Responder must not hand it out as a C_R). */
  reserved(kidHex: string): boolean {
    return this.inFlight.has(kidHex);
  }

  private async post(endpoint: CoapEndpoint, remote: Remote, payload: Uint8Array): Promise<Uint8Array> {
    const res = await endpoint.request(remote, { code: POST, uriPath: ['.well-known', 'edhoc'], contentFormat: CF_CID_EDHOC, payload: Buffer.from(payload) });
    // An error answer carries an EDHOC error message (Appendix A.2.3): the state machine reads it.
    return res.payload;
  }

  /**
   * C_I becomes the gateway's OSCORE Recipient ID towards the device: unused by every device, by
   * our other handshakes in flight and by the Responder's open sessions (RFC 9668 §4.1.2).
   */
  private freeConnectionId(): Uint8Array {
    const free = (id: Uint8Array): boolean => !this.inFlight.has(hex(id)) && !this.kidInUse(hex(id));
    for (let b = 0; b < 0x38; b++) {
      if (b > 0x17 && b < 0x20) continue;
      if (free(Uint8Array.of(b))) return Uint8Array.of(b);
    }
    for (let n = 0x100; n < 0x10000; n++) {
      const id = Uint8Array.of(n >> 8, n & 0xff);
      if (free(id)) return id;
    }
    throw new EdhocError('internal', 'No free connection identifier');
  }
}
