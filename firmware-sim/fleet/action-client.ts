/**
 * What the runner needs of the hub to send a scenario's actions and follow them: invoke and
 * read the status. hub-client.ts implements it over the hub's HTTP API.
 */
export interface ActionHandle {
  /** Status resource id of the queued invocation. */
  id: string;
  state: string;
}

export interface ActionClient {
  invoke(thingId: string, action: string, input: unknown): Promise<ActionHandle>;
  status(id: string): Promise<ActionHandle>;
}
