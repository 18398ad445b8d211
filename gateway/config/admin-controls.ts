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

export interface AdminControls {
  config?: ConfigService;
  tls?: GatewayTls;
  detection?: () => DetectionReport;
  deviceIdentity?: () => DeviceIdentity | null;
  /** Process start, for uptime. */
  startedAt: number;
}
