/** firmware-sim LwM2M: a simulated LwM2M 1.1 client over CoAP/UDP. */
export { Lwm2mClient, MAX_TRANSMIT_WAIT_MS, type Lwm2mClientOptions } from './lwm2m-client.js';
export { FW_RESULT, FW_STATE, SIM_FIRMWARE_MAGIC, simFirmwarePackage } from './firmware-update.js';
export { CoapPeer, type Address } from './coap-peer.js';
