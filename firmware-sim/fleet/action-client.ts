/**
 * What the runner needs of the hub to send a scenario's actions and writes and follow them:
 * invoke, write, read the status. hub-client.ts implements it over the hub's HTTP API.
 */
export interface ActionHandle {
  /** Status resource id of the queued invocation. */
  id: string;
  state: string;
}

/** What the directory says of a thing now. */
export interface ThingSummary {
  title: string;
  properties: string[];
  actions: string[];
}

export interface ActionClient {
  invoke(thingId: string, action: string, input: unknown): Promise<ActionHandle>;
  /** Writes a property through the thing's queue (a sleepy device gets it at its next wake). */
  write?(thingId: string, property: string, value: unknown): Promise<ActionHandle>;
  status(id: string): Promise<ActionHandle>;
  /**
   * The thing as the directory describes it now (null: no such thing). Devices that are known
   * only once the gateway identified them (Zigbee interviews) wait for it before reporting.
   */
  describe?(thingId: string): Promise<ThingSummary | null>;
}
