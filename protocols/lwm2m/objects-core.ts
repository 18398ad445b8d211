// Table: the OMA core LwM2M objects 0-7 (ids, names, operations, types, ranges, units), Roost's own rows written from the specification's facts.
/**
 * Core objects of OMA LwM2M TS Core Appendix D/E at the versions noted per object. Row shape:
 * object-rows.ts. Descriptions are Roost's own short summaries.
 */
import type { ObjectModel } from './lwm2m-model.js';
import { defineObject, type ResourceRow } from './object-rows.js';

const SECURITY: readonly ResourceRow[] = [
  [0, 'LWM2M  Server URI', '', 'M', 'String', '0..255', '', 'URI of the server or bootstrap server.'],
  [1, 'Bootstrap-Server', '', 'M', 'Boolean', '', '', 'True when this account is a bootstrap server.'],
  [2, 'Security Mode', '', 'M', 'Integer', '0..4', '', '0 PSK, 1 RPK, 2 certificate, 3 NoSec, 4 certificate with EST.'],
  [3, 'Public Key or Identity', '', 'M', 'Opaque', '', '', 'Client certificate, public key or PSK identity.'],
  [4, 'Server Public Key', '', 'M', 'Opaque', '', '', 'Server certificate, public key or trust anchor.'],
  [5, 'Secret Key', '', 'M', 'Opaque', '', '', 'PSK or private key.'],
  [6, 'SMS Security Mode', '', '', 'Integer', '0..255', '', 'Security mode of the SMS binding.'],
  [7, 'SMS Binding Key Parameters', '', '', 'Opaque', '6', '', 'KIc, KID, SPI and TAR of the SMS binding.'],
  [8, 'SMS Binding Secret Key(s)', '', '', 'Opaque', '16,32,48', '', 'Keys of the SMS binding.'],
  [9, 'LwM2M Server SMS Number', '', '', 'String', '', '', 'MSISDN of the server for SMS.'],
  [10, 'Short Server ID', '', '', 'Integer', '1..65534', '', 'Short id of the server this account is for.'],
  [11, 'Client Hold Off Time', '', '', 'Integer', '', 's', 'Wait before a client-initiated bootstrap.'],
  [12, 'Bootstrap-Server Account Timeout', '', '', 'Integer', '', 's', 'Lifetime of the bootstrap server account.'],
  [13, 'Matching Type', '', '', 'Unsigned Integer', '0..3', '', 'How the server public key is matched (exact or hash).'],
  [14, 'SNI', '', '', 'String', '', '', 'Server Name Indication for the (D)TLS handshake.'],
  [15, 'Certificate Usage', '', '', 'Unsigned Integer', '0..3', '', 'Semantics of the server certificate (RFC 6698 usages).'],
  [16, 'DTLS/TLS Ciphersuite', '', '*', 'Unsigned Integer', '', '', 'Cipher suites to propose.'],
  [17, 'OSCORE Security Mode', '', '', 'Objlnk', '', '', 'Link to the OSCORE object instance to use.'],
  [18, 'Groups To Use by Client', '', '*', 'Unsigned Integer', '0..65535', '', 'Key exchange groups, most preferred first.'],
  [19, 'Signature Algorithms Supported by Server', '', '*', 'Unsigned Integer', '0..65535', '', 'Signature algorithms the server supports.'],
  [20, 'Signature Algorithms To Use by Client', '', '*', 'Unsigned Integer', '0..65535', '', 'Signature algorithms the client should use.'],
  [21, 'Signature Algorithm Certs Supported by Server', '', '*', 'Unsigned Integer', '0..65535', '', 'Certificate signature algorithms the server supports.'],
  [22, 'TLS 1.3 Features To Use by Client', '', '', 'Unsigned Integer', '0..65535', '', 'Bitmap of TLS 1.3 features.'],
  [23, 'TLS Extensions Supported by Server', '', '', 'Unsigned Integer', '0..65535', '', 'Bitmap of TLS extensions of the server.'],
  [24, 'TLS Extensions To Use by Client', '', '', 'Unsigned Integer', '0..65535', '', 'Bitmap of TLS extensions for the client.'],
  [25, 'Secondary LwM2M Server URI', '', '*', 'String', '0..255', '', 'Further URIs of the same server.'],
  [26, 'MQTT Server', '', '', 'Objlnk', '', '', 'Link to an MQTT server object instance.'],
  [27, 'LwM2M COSE Security', '', '*', 'Objlnk', '', '', 'Links to COSE object instances.'],
  [28, 'RDS Destination Port', '', '', 'Integer', '0..15', '', 'RDS destination port (3GPP TS 24.250).'],
  [29, 'RDS Source Port', '', '', 'Integer', '0..15', '', 'RDS source port (3GPP TS 24.250).'],
  [30, 'RDS Application ID', '', '', 'String', '', '', 'RDS application id (3GPP TS 24.250).'],
];

const SERVER: readonly ResourceRow[] = [
  [0, 'Short Server ID', 'R', 'M', 'Integer', '1..65534', '', 'Short id of this server.'],
  [1, 'Lifetime', 'RW', 'M', 'Integer', '', 's', 'Registration lifetime; 0 means infinite.'],
  [2, 'Default Minimum Period', 'RW', '', 'Integer', '', 's', 'pmin used when an observation sets none.'],
  [3, 'Default Maximum Period', 'RW', '', 'Integer', '', 's', 'pmax used when an observation sets none.'],
  [4, 'Disable', 'E', '', 'none', '', '', 'Disables this server account for the disable timeout.'],
  [5, 'Disable Timeout', 'RW', '', 'Integer', '', 's', 'How long Disable lasts.'],
  [6, 'Notification Storing When Disabled or Offline', 'RW', 'M', 'Boolean', '', '', 'Keep notifications while the server is unreachable.'],
  [7, 'Binding', 'RW', 'M', 'String', '', '', 'Transport bindings configured (U, S, N, T, Q in 1.0).'],
  [8, 'Registration Update Trigger', 'E', 'M', 'none', '', '', 'Makes the client send an Update now.'],
  [9, 'Bootstrap-Request Trigger', 'E', '', 'none', '', '', 'Makes the client start a bootstrap.'],
  [10, 'APN Link', 'RW', '', 'Objlnk', '', '', 'APN profile (object 11) used for this server.'],
  [11, 'TLS-DTLS Alert Code', 'R', '', 'Unsigned Integer', '0..255', '', 'Last (D)TLS alert received from the server.'],
  [12, 'Last Bootstrapped', 'R', '', 'Time', '', '', 'When the bootstrap server last wrote this account.'],
  [13, 'Registration Priority Order', 'R', '', 'Unsigned Integer', '', '', 'Order of registration among servers.'],
  [14, 'Initial Registration Delay Timer', 'RW', '', 'Unsigned Integer', '', 's', 'Delay before registering with this server.'],
  [15, 'Registration Failure Block', 'R', '', 'Boolean', '', '', 'A failed registration blocks the following servers.'],
  [16, 'Bootstrap on Registration Failure', 'R', '', 'Boolean', '', '', 'Bootstrap again when registration fails.'],
  [17, 'Communication Retry Count', 'RW', '', 'Unsigned Integer', '', '', 'Attempts in one communication sequence.'],
  [18, 'Communication Retry Timer', 'RW', '', 'Unsigned Integer', '', 's', 'Base delay between attempts (doubled each time).'],
  [19, 'Communication Sequence Delay Timer', 'RW', '', 'Unsigned Integer', '', 's', 'Delay between communication sequences.'],
  [20, 'Communication Sequence Retry Count', 'RW', '', 'Unsigned Integer', '', '', 'Sequences before registration counts as failed.'],
  [21, 'Trigger', 'RW', '', 'Boolean', '', '', 'Whether the client is reachable over SMS.'],
  [22, 'Preferred Transport', 'RW', '', 'String', 'The possible values are those listed in the LwM2M Core Specification', '', 'Transport to use first.'],
  [23, 'Mute Send', 'RW', '', 'Boolean', '', '', 'True disables the Send operation.'],
  [24, 'Alternate APN Links', 'RW', '*', 'Objlnk', '', '', 'Fallback APN profiles.'],
  [25, 'Supported Server Versions', 'RW', '*', 'String', '', '', 'Enabler versions the server supports.'],
  [26, 'Default Notification Mode', 'RW', '', 'Integer', '0..1', '', '0 non-confirmable, 1 confirmable notifications.'],
  [27, 'Profile ID Hash Algorithm', 'RW', '', 'Unsigned Integer', '0..255', '', 'Hash algorithm for dynamic profile ids.'],
];

const ACCESS_CONTROL: readonly ResourceRow[] = [
  [0, 'Object ID', 'R', 'M', 'Integer', '1..65534', '', 'Object the access rights apply to.'],
  [1, 'Object Instance ID', 'R', 'M', 'Integer', '0..65535', '', 'Instance the access rights apply to.'],
  [2, 'ACL', 'RW', '*', 'Integer', '0..31', '', 'Rights bitmap per short server id (the instance id).'],
  [3, 'Access Control Owner', 'RW', 'M', 'Integer', '0..65535', '', 'Short server id that manages this instance.'],
];

const DEVICE: readonly ResourceRow[] = [
  [0, 'Manufacturer', 'R', '', 'String', '', '', 'Manufacturer name.'],
  [1, 'Model Number', 'R', '', 'String', '', '', 'Model identifier.'],
  [2, 'Serial Number', 'R', '', 'String', '', '', 'Serial number.'],
  [3, 'Firmware Version', 'R', '', 'String', '', '', 'Version of the running firmware.'],
  [4, 'Reboot', 'E', 'M', 'none', '', '', 'Reboots the device.'],
  [5, 'Factory Reset', 'E', '', 'none', '', '', 'Returns the device to its factory state.'],
  [6, 'Available Power Sources', 'R', '*', 'Integer', '0..7', '', '0 DC, 1 internal battery, 2 external battery, 3 fuel cell, 4 PoE, 5 USB, 6 mains, 7 solar.'],
  [7, 'Power Source Voltage', 'R', '*', 'Integer', '', '', 'Voltage per power source, in mV.'],
  [8, 'Power Source Current', 'R', '*', 'Integer', '', '', 'Current per power source, in mA.'],
  [9, 'Battery Level', 'R', '', 'Integer', '0..100', '/100', 'Internal battery level in percent.'],
  [10, 'Memory Free', 'R', '', 'Integer', '', '', 'Free storage in kilobytes.'],
  [11, 'Error Code', 'R', 'M*', 'Integer', '0..32', '', 'Current error conditions; 0 means none.'],
  [12, 'Reset Error Code', 'E', '', 'none', '', '', 'Clears the error codes.'],
  [13, 'Current Time', 'RW', '', 'Time', '', '', 'Device clock, Unix time.'],
  [14, 'UTC Offset', 'RW', '', 'String', '', '', 'UTC offset in effect (ISO 8601, e.g. +02:00).'],
  [15, 'Timezone', 'RW', '', 'String', '', '', 'IANA time zone name.'],
  [16, 'Supported Binding and Modes', 'R', 'M', 'String', '', '', 'Bindings the client supports (U, S, N, T, Q).'],
  [17, 'Device Type', 'R', '', 'String', '', '', 'Kind of device.'],
  [18, 'Hardware Version', 'R', '', 'String', '', '', 'Hardware version.'],
  [19, 'Software Version', 'R', '', 'String', '', '', 'Software version.'],
  [20, 'Battery Status', 'R', '', 'Integer', '0..6', '', 'Battery state: normal, charging, charged, damaged, low, not installed, unknown.'],
  [21, 'Memory Total', 'R', '', 'Integer', '', '', 'Total storage in kilobytes.'],
  [22, 'ExtDevInfo', 'R', '*', 'Objlnk', '', '', 'Links to Device instances of attached devices.'],
];

const CONNECTIVITY_MONITORING: readonly ResourceRow[] = [
  [0, 'Network Bearer', 'R', 'M', 'Integer', '0..50', '', 'Bearer in use (cellular, WLAN, Ethernet, ...).'],
  [1, 'Available Network Bearer', 'R', 'M*', 'Integer', '0..50', '', 'Bearers available now.'],
  [2, 'Radio Signal Strength', 'R', 'M', 'Integer', '', 'dBm', 'Average received signal strength.'],
  [3, 'Link Quality', 'R', '', 'Integer', '', '', 'Link quality in the bearer\'s own scale.'],
  [4, 'IP Addresses', 'R', 'M*', 'String', '', '', 'Addresses of the interface.'],
  [5, 'Router IP Addresses', 'R', '*', 'String', '', '', 'Next-hop router addresses.'],
  [6, 'Link Utilization', 'R', '', 'Integer', '0..100', '/100', 'Average link utilisation in percent.'],
  [7, 'APN', 'R', '*', 'String', '', '', 'Access point names in use.'],
  [8, 'Cell ID', 'R', '', 'Integer', '', '', 'Serving cell id.'],
  [9, 'SMNC', 'R', '', 'Integer', '0..999', '', 'Serving mobile network code.'],
  [10, 'SMCC', 'R', '', 'Integer', '0..999', '', 'Serving mobile country code.'],
  [11, 'SignalSNR', 'R', '', 'Integer', '', 'dB', 'Signal to interference plus noise ratio.'],
  [12, 'LAC', 'R', '', 'Integer', '', '', 'Location area code.'],
  [13, 'Coverage Enhancement Level', 'R', '', 'Integer', '0..4', '', 'Coverage enhancement level in the serving cell.'],
];

const FIRMWARE_UPDATE: readonly ResourceRow[] = [
  [0, 'Package', 'W', 'M', 'Opaque', '', '', 'Firmware image pushed by the server (Block1); an empty write resets.'],
  [1, 'Package URI', 'RW', 'M', 'String', '0..255', '', 'URI the device pulls the image from; empty resets.'],
  [2, 'Update', 'E', 'M', 'none', '', '', 'Installs the downloaded image.'],
  [3, 'State', 'R', 'M', 'Integer', '0..3', '', '0 Idle, 1 Downloading, 2 Downloaded, 3 Updating.'],
  [5, 'Update Result', 'R', 'M', 'Integer', '0..11', '', '0 initial, 1 success, 2 no storage, 3 no RAM, 4 connection lost, 5 integrity, 6 unsupported type, 7 invalid URI, 8 failed, 9 unsupported protocol.'],
  [6, 'PkgName', 'R', '', 'String', '0..255', '', 'Name of the package.'],
  [7, 'PkgVersion', 'R', '', 'String', '0..255', '', 'Version of the package.'],
  [8, 'Firmware Update Protocol Support', 'R', '*', 'Integer', '0..5', '', 'Pull protocols: 0 CoAP, 1 CoAPS, 2 HTTP, 3 HTTPS, 4 CoAP/TCP, 5 CoAP/TLS.'],
  [9, 'Firmware Update Delivery Method', 'R', 'M', 'Integer', '0..2', '', '0 pull, 1 push, 2 both.'],
  [10, 'Cancel', 'E', '', 'none', '', '', 'Cancels an update not yet started.'],
  [11, 'Severity', 'RW', '', 'Integer', '0..2', '', '0 critical, 1 mandatory, 2 optional.'],
  [12, 'Last State Change Time', 'R', '', 'Time', '', '', 'When State last changed.'],
  [13, 'Maximum Defer Period', 'RW', '', 'Unsigned Integer', '', 's', 'How long a user may defer the update.'],
  [14, 'Automatic Upgrade at Download', 'RW', '', 'Boolean', '', '', 'Install as soon as the download completes.'],
];

const LOCATION: readonly ResourceRow[] = [
  [0, 'Latitude', 'R', 'M', 'Float', '', 'lat', 'Latitude, WGS 84 decimal degrees.'],
  [1, 'Longitude', 'R', 'M', 'Float', '', 'lon', 'Longitude, WGS 84 decimal degrees.'],
  [2, 'Altitude', 'R', '', 'Float', '', 'm', 'Altitude above sea level.'],
  [3, 'Radius', 'R', '', 'Float', '', 'm', 'Uncertainty radius around the point.'],
  [4, 'Velocity', 'R', '', 'Opaque', '', '', 'Velocity as encoded by 3GPP TS 23.032.'],
  [5, 'Timestamp', 'R', 'M', 'Time', '', '', 'When the position was measured.'],
  [6, 'Speed', 'R', '', 'Float', '', 'm/s', 'Scalar speed.'],
];

const CONNECTIVITY_STATISTICS: readonly ResourceRow[] = [
  [0, 'SMS Tx Counter', 'R', '', 'Integer', '', '', 'SMS sent in the collection period.'],
  [1, 'SMS Rx Counter', 'R', '', 'Integer', '', '', 'SMS received in the collection period.'],
  [2, 'Tx Data', 'R', '', 'Integer', '', '', 'Kilobytes sent in the collection period.'],
  [3, 'Rx Data', 'R', '', 'Integer', '', '', 'Kilobytes received in the collection period.'],
  [4, 'Max Message Size', 'R', '', 'Integer', '', 'B', 'Largest IP message in the period.'],
  [5, 'Average Message Size', 'R', '', 'Integer', '', 'B', 'Average IP message in the period.'],
  [6, 'Start', 'E', 'M', 'none', '', '', 'Zeroes the counters and starts collecting.'],
  [7, 'Stop', 'E', 'M', 'none', '', '', 'Stops collecting, keeps the counters.'],
  [8, 'Collection Period', 'RW', '', 'Integer', '', 's', 'Default collection period; 0 means unset.'],
];

export const CORE_OBJECTS: readonly ObjectModel[] = [
  defineObject({ id: 0, name: 'LWM2M Security', version: '1.2', lwm2mVersion: '1.1', multiple: true, mandatory: true, description: 'Keys and server URIs; reachable only by the bootstrap server.' }, SECURITY),
  defineObject({ id: 1, name: 'LwM2M Server', version: '1.2', lwm2mVersion: '1.2', multiple: true, mandatory: true, description: 'Per-server registration settings.' }, SERVER),
  defineObject({ id: 2, name: 'LwM2M Access Control', version: '1.1', lwm2mVersion: '1.0', multiple: true, mandatory: false, description: 'Access rights of servers to object instances.' }, ACCESS_CONTROL),
  defineObject({ id: 3, name: 'Device', version: '1.2', lwm2mVersion: '1.1', multiple: false, mandatory: true, description: 'Device identity, power, clock, reboot and reset.' }, DEVICE),
  defineObject({ id: 4, name: 'Connectivity Monitoring', version: '1.3', lwm2mVersion: '1.1', multiple: false, mandatory: false, description: 'Radio bearer, signal and addresses.' }, CONNECTIVITY_MONITORING),
  defineObject({ id: 5, name: 'Firmware Update', version: '1.2', lwm2mVersion: '1.1', multiple: false, mandatory: false, description: 'Firmware download (push or pull) and installation.' }, FIRMWARE_UPDATE),
  defineObject({ id: 6, name: 'Location', version: '1.0', lwm2mVersion: '1.0', multiple: false, mandatory: false, description: 'Geographic position.' }, LOCATION),
  defineObject({ id: 7, name: 'Connectivity Statistics', version: '1.0', lwm2mVersion: '1.0', multiple: false, mandatory: false, description: 'Traffic counters over a collection period.' }, CONNECTIVITY_STATISTICS),
];
