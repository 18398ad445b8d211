/**
 * What POST /update needs from the appliance's A/B slots, injected by the composition root (cli/):
 * on the image it is image/'s installer (the same one the USB path uses, writing the inactive
 * slot's partition and its trial boot entry); in tests it writes files. The gateway never picks
 * the slot itself, so it cannot write the running one.
 */
export interface SlotInstaller {
  /** This device's CPU architecture as update manifests name it (amd64, arm64). */
  readonly arch: string;
  /** The release running now, for the downgrade check. */
  running(): Promise<{ version: string; slot: string }>;
  /**
   * Writes a verified update file to the slot that is not running and makes it boot next, once,
   * on trial; a failure leaves that slot unbootable and the running one booting.
   */
  install(file: string, log: (msg: string) => void): Promise<{ slot: string; release: string }>;
  /** Restarts the box into the trial slot. */
  reboot(): Promise<void>;
}
