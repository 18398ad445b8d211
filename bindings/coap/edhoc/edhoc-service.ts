/**
 * EDHOC enrolment in the CoAP binding, wired once at start: the gateway's credentials, the devices
 * enrolled by key with their derived OSCORE contexts, the Responder resource (/.well-known/edhoc and
 * the RFC 9668 combined request) and the Initiator towards always-on devices. docs/protocols/coap.md
 * "Enrolment with EDHOC".
 */
import type { BindingContext } from '../../../gateway/binding.js';
import type { CoapOptions } from '../coap-options.js';
import type { CoapState } from '../coap-state.js';
import { EdhocInitiatorClient } from './edhoc-initiator-client.js';
import { EdhocResource } from './edhoc-resource.js';
import { EnrolledDevices } from './enrolled-devices.js';
import { GatewayIdentity, type GatewayCredentialInfo } from './gateway-identity.js';

export class EdhocService {
  private constructor(
    readonly identity: GatewayIdentity,
    readonly devices: EnrolledDevices,
    readonly resource: EdhocResource,
    readonly initiator: EdhocInitiatorClient,
  ) {}

  static async start(s: CoapState, ctx: BindingContext, opts: CoapOptions): Promise<EdhocService> {
    const identity = await GatewayIdentity.load(ctx, opts.edhocCredentialBy);
    const devices = new EnrolledDevices(ctx);
    const contexts = s.contexts!;
    contexts.source = devices;
    const install = (deviceId: string): void => contexts.install(deviceId);
    // Both roles hand out identifiers that become OSCORE Recipient IDs: each avoids the other's in flight.
    const reservedByInitiator = (h: string): boolean => initiator.reserved(h);
    const resource = new EdhocResource(ctx, identity, devices, { methods: opts.edhocMethods, suites: opts.edhocSuites, maxSessions: opts.edhocMaxSessions }, install, reservedByInitiator);
    const kidInUse = (h: string): boolean => devices.kidInUse(h) || ctx.findByOscoreKid(h) !== undefined || resource.responder.hasOpenSession(h);
    const initiator = new EdhocInitiatorClient(ctx, identity, devices, kidInUse);
    // Onboarding by key: a rejected or revoked device loses its enrolment with its admission.
    ctx.onAdmissionChange((deviceId, a) => {
      if (a.state === 'rejected' || a.state === 'revoked') devices.drop(deviceId);
    });
    ctx.logger.info({ ed25519: identity.fingerprint, credentials: identity.info.map((i) => ({ key: i.key, fingerprint: i.fingerprint })) }, 'edhoc gateway identity (pin these fingerprints)');
    return new EdhocService(identity, devices, resource, initiator);
  }

  /** The gateway's EDHOC credentials and fingerprints, for GET /gateway/identity and the console label. */
  credentials(): readonly GatewayCredentialInfo[] {
    return this.identity.info;
  }

  /** Runs EDHOC towards an always-on device at `remote` (the gateway is Initiator). */
  enrol(s: CoapState, deviceId: string, remote: { address: string; port: number }, method = 3, suites: readonly number[] = [2]): Promise<void> {
    return this.initiator.enrol(s.endpoint!, deviceId, remote, { method, suites }, (id) => s.contexts!.install(id));
  }

  metrics(): { counters: Record<string, number>; gauges: Record<string, number> } {
    const m = this.resource.metrics();
    return { counters: { ...m.counters, edhocInitiated: this.initiator.completed, edhocInitiatorFailed: this.initiator.failed }, gauges: m.gauges };
  }
}
