/**
 * What the gateway hands its administration routes (/config, /gateway/*): the live config, its
 * TLS certificate, hardware detection and the device identity, each absent when not running.
 */
import type { DetectionReport } from '../detect/adapter-detector.js';
import type { GatewayTls } from '../tls/gateway-tls.js';
import type { ConfigService } from './config-service.js';

export interface DeviceIdentity {
  deviceId?: string;
  /** Ed25519 public key, hex (the appliance's identity.json). */
  publicKey: string;
  /** SHA-256 of the raw public key, colon-separated hex like the TLS fingerprint. */
  sha256: string;
}

/** One EDHOC authentication credential of the gateway (RFC 9528 §3.5), for pinning: docs/protocols/edhoc.md. */
export interface EdhocCredentialView {
  /** `ed25519`, `x25519` or `p256`. */
  key: string;
  suites: readonly number[];
  /** COSE kid of its CCS, hex. */
  kid: string;
  /** Hex SHA-256 of the raw public key. */
  fingerprint: string;
  /** The credential itself (CRED_R, a CWT Claims Set), hex: for a device that must hold it (ID_CRED_R by kid). */
  ccs: string;
}

export interface AdminControls {
  config?: ConfigService;
  tls?: GatewayTls;
  detection?: () => DetectionReport;
  deviceIdentity?: () => DeviceIdentity | null;
  /** The CoAP binding's EDHOC credentials while it runs with security (else none). */
  edhocCredentials?: () => readonly EdhocCredentialView[];
  /** Process start, for uptime. */
  startedAt: number;
  /** The running release (cli/ reads it from image/src/version.ts), for GET /gateway/info. */
  version?: string;
}
