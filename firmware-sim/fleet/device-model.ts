/**
 * The fleet's device-model interface: what the runner needs from any simulated device, whatever
 * its protocol (CoAP, serial, and later BLE and Zigbee). A device kind is a row of the table in
 * device-kinds.ts whose create() returns a FleetDevice, usually a thin adapter over a device
 * of firmware-sim/<protocol>/.
 */
import type { SimCentral } from '../ble/sim-central.js';
import type { EdhocStats, OscoreKeys } from '../coap/index.js';
import type { ActionClient } from './action-client.js';
import type { EdhocKey, ManifestJsonEntry } from './credentials.js';
import type { FaultyLink } from './faults.js';
import type { Traffic } from './energy.js';
import type { EnergySpec } from './scenario.js';

/** An action invocation or a property write as the device received it. */
export interface ReceivedCommand {
  /** Default 'action'. */
  kind?: 'action' | 'write';
  /** Action or property name as in the device's TD. */
  name: string;
  input: unknown;
  /** Queue item id when the protocol carries it (lets the fleet prove exactly-once). */
  itemId?: string;
}

export interface WakeResult {
  /** The gateway acknowledged the readings (or they were sent, where the protocol has no acks). */
  acknowledged: boolean;
  /** The readings as the device's encoding carries them (quantized), when they differ from those given. */
  sent?: Record<string, number>;
}

/** A simulated device driven by the runner. */
export interface FleetDevice {
  readonly deviceId: string;
  /** Thing id the gateway gives it: `urn:roost:<binding>:<deviceId>`; actions go here. */
  readonly thingId: string;
  /** Every thing its readings go to, when it carries several (a multi-thing hub); default [thingId]. */
  readonly thingIds?: readonly string[];
  /** Sleepy devices get commands only while awake; always-on ones any time. */
  readonly sleepy: boolean;
  /**
   * Before the gateway starts: set up what the gateway must be configured with (a serial
   * device's pseudo-terminal pair). Devices that need nothing omit it.
   */
  prepare?(): Promise<GatewayNeeds>;
  /** Power on: open the transport, announce itself to the gateway. */
  start(): Promise<void>;
  /**
   * One wake: send the readings, stay awake as the protocol says to take queued commands, then
   * sleep. Commands received are handed to the sink given at creation, whenever they arrive.
   */
  wake(readings: Record<string, number>): Promise<WakeResult>;
  /** Loses its state and comes back (new transport session), as after a power cut. */
  reboot(): Promise<void>;
  /** Powers off; idempotent. */
  stop(): Promise<void>;
  /** Everything it sent and received so far (wakes counted by the runner). */
  traffic(): Omit<Traffic, 'wakes'>;
  /** Reports commands that arrived since the last wake, for models that can only be polled. */
  sync?(): void;
  /**
   * True when the gateway must refuse everything the device sends (a BTHome sensor with the
   * wrong bind key): the end-to-end check then expects none of its readings in history.
   */
  readonly rejected?: boolean;
  /** Radio figures of models that advertise and hold connections (BLE), for the energy report. */
  radioCounters?(): RadioCounters;
  /** What OSCORE cost a device that speaks it, for the report's figures beside plain CoAP. */
  oscoreCost?(): OscoreCost | undefined;
  /** What EDHOC enrolment cost a device that enrols (`security: edhoc`), for the report's energy figures. */
  enrolmentCost?(): EnrolmentCost | undefined;
}

/** EDHOC enrolments of one device and their traffic: EdhocStats with message_3's bytes in combined requests counted in bytesUp. */
export type EnrolmentCost = Omit<EdhocStats, 'combinedBytes'>;

/** OSCORE's cost for one device: overhead per message, Echo round trips, and its traffic had it spoken plain CoAP. */
export interface OscoreCost {
  /** Protected messages that have a plain twin, and the bytes they carry above it. */
  messages: number;
  overheadBytes: number;
  echoRoundTrips: number;
  flashWrites: number;
  /** The same exchanges without OSCORE: each datagram at its plain size, no Echo round trips. */
  plain: { datagramsUp: number; bytesUp: number; datagramsDown: number; bytesDown: number };
}

/** Advertising and connection figures of a BLE device. */
export interface RadioCounters {
  /** Advertising events (each on the three advertising channels). */
  advertisingEvents: number;
  connections: number;
  /** Time it held a connection with the gateway's central (simulated ms). */
  connectedMs: number;
}

/** What the runner gives a device kind's create(). */
export interface DeviceContext {
  deviceId: string;
  /** Position of the device in the run (0-based, scenario order). */
  index: number;
  /** Where the gateway is; filled in by FleetRunner.connect() before start(), so read it late. */
  gateway: Readonly<GatewayAddress>;
  /** The faulty link every datagram goes through. */
  link: FaultyLink;
  /** Kind options from the scenario group (`options:`). */
  options: Record<string, unknown>;
  /** Called for every command the device receives (duplicates included: the runner counts them). */
  onCommand(cmd: ReceivedCommand): void;
  /** Reading names this device sends. */
  readings: readonly string[];
  /** The device's clock error (ppm, from the scenario's clockDriftPpm), for models that keep time. */
  driftPpm: number;
  /** Resources shared by devices of a run (a radio socket for many devices), closed when the run stops. */
  shared: SharedResources;
  /** Simulated ms since the start of the run, at the current step (models on a virtual radio clock follow it). */
  simNow(): number;
  /** The hub API the fleet sends actions through (a Zigbee network opens joining with it); valid after connect(). */
  hub(): ActionClient;
  /** OSCORE keys of a CoAP device (credentials.ts); absent when the scenario says `security: none` or `edhoc`. */
  oscore?: OscoreKeys;
  /** The EDHOC key a CoAP device enrols with (`security: edhoc`, credentials.ts). */
  edhoc?: EdhocKey;
}

export interface Closable {
  close(): void | Promise<void>;
}

export interface SharedResources {
  /** The resource under `key`, made on first use. */
  get<T extends Closable>(key: string, make: () => T): T;
}

/** Where the simulated devices find the gateway. */
export interface GatewayAddress {
  host: string;
  coapPort: number;
}

/** What the gateway must be configured with for a fleet (merged over all devices). */
export interface GatewayNeeds {
  /** Gateway-side ends of the serial devices' pseudo-terminal pairs (`bindings.serial.ports`). */
  serialPorts: string[];
  /** BLE devices: they are on a simulated radio, so the gateway must run in this process. */
  ble?: BleNeeds;
  /** Zigbee devices: the emulated coordinator the gateway opens (`bindings.zigbee.port`). */
  zigbee?: ZigbeeNeeds;
  /** CoAP devices with OSCORE keys: the gateway needs them in a manifest (credentials.ts) and may then require OSCORE. */
  coap?: CoapNeeds;
}

export interface CoapNeeds {
  /** JSON manifest entries (docs/security.md) of the fleet's CoAP devices. */
  manifest: ManifestJsonEntry[];
}


/**
 * The BLE binding of a gateway in the same process: its central is the fleet's simulated one
 * (firmware-sim/ble/sim-central.ts, the shape of the binding's central interface), with the
 * bind keys and GATT devices of `bindings.ble`.
 */
export interface BleNeeds {
  central: SimCentral;
  /** BTHome bind keys the gateway holds, by MAC (a `wrongKey` sensor's is not its own). */
  bindKeys: Record<string, string>;
  gattDevices: Array<{ address: string; sleepy: boolean; readIntervalMs: number }>;
  /** BTHome sensors on the air (the binding's `maxDevices` must hold them). */
  bthomeSensors: number;
}

export interface ZigbeeNeeds {
  /** `tcp://host:port` of the emulated ZNP coordinator. */
  port: string;
  /**
   * The awake window the binding may open on a sleepy device's uplink (`awakeWindowMs`): within
   * the shortest poll window of the fleet's sleepy devices, so that nothing is handed out to one
   * that already sleeps again.
   */
  awakeWindowMs?: number;
}

/** One row of the device-kind table. */
export interface DeviceKind {
  /** Binding the gateway uses for it (its thing ids are `urn:roost:<binding>:...`). */
  readonly binding: string;
  readonly sleepy: boolean;
  readonly power: 'battery' | 'mains';
  /**
   * Its power-on includes pairing with the gateway, seconds long (a Zigbee join, interview and
   * configure); a real-time run may let it pair while the others run (RunnerOptions.pairInBackground).
   */
  readonly pairing?: boolean;
  /** Reading names it can send; undefined: any. */
  readonly readings?: readonly string[];
  /** Action names its TD offers. */
  readonly actions: readonly string[];
  /** Writable property names its TD offers (none when absent). */
  readonly writes?: readonly string[];
  /** Radio figures of its kind (BLE is not 802.15.4), over the scenario's; a group's `energy` overrides both. */
  readonly energy?: Partial<EnergySpec>;
  create(ctx: DeviceContext): FleetDevice;
}
