// Type declarations of @apperate-actors/client.

export interface ClientOptions {
  /** A secret or publishable token; defaults to APPERATE_TOKEN (or IEX_TOKEN) in the environment. */
  api_token?: string;
  /** The API version path segment; "v1". */
  version?: string;
  /** The service's origin, e.g. "http://127.0.0.1:5000"; defaults to the page's origin in a browser. */
  baseUrl?: string;
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
}

/** A call the service answered with a status other than 2xx: message "Response <status> - <body>". */
export class ApperateError extends Error {
  readonly status: number;
  readonly body: string;
  /** The problem details when the body is JSON. */
  readonly problem?: { type?: string; title?: string; status?: number; detail?: string; errors?: { index?: number; field?: string; reason: string }[] } & Record<string, unknown>;
}

type Scalar = string | number | boolean;
type Records = Record<string, unknown> | Record<string, unknown>[];
/** A body sent as given (CSV or NDJSON text, a file); any other object is sent as JSON. */
type Body = string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream | Record<string, unknown> | unknown[];

interface Target {
  workspace: string;
  id: string;
  /** Aborts the call. */
  signal?: AbortSignal;
}

export interface WriteOptions extends Target {
  data: Records;
  wait?: boolean | string;
  duplicateKeyHandling?: "ignore" | "replace" | boolean;
  createDatasetOnDemand?: boolean;
  persist?: boolean;
  event?: boolean;
  updateState?: boolean;
}

export interface QueryOptions extends Target {
  key?: string;
  subkey?: string;
  last?: number; first?: number; limit?: number; offset?: number; interval?: number;
  from?: string | number; to?: string | number; on?: string; range?: string;
  sort?: "asc" | "desc"; filter?: string; subattribute?: string; format?: "json" | "csv";
  batchSeparator?: string; includeSystemRecordProperties?: boolean; queryId?: string;
  [parameter: string]: Scalar | AbortSignal | undefined;
}

export interface LiveMeta {
  /** The event id: the dataset's commit sequence of the message's last record (undefined for persist=false events). */
  id?: string;
}

export interface SubscribeOptions {
  workspace: string;
  id: string;
  key?: string;
  symbols?: string | string[];
  nosnapshot?: boolean;
  snapshotAsOf?: string | number;
  filter?: string | string[];
  interval?: "1Second" | "5Second" | "1Minute";
  includeEvents?: boolean;
  /** Resume after this event id. */
  lastEventId?: string | number;
  onData(records: Record<string, unknown>[], meta: LiveMeta): void;
  onError?(error: Error): void;
  /** The position asked for could not be resumed; a snapshot follows. */
  onReset?(info: { seq: number; lastEventId: number }): void;
  onOpen?(): void;
}

export interface Subscription {
  close(): void;
  /** The id of the last event received. */
  readonly lastEventId?: string;
}

export class Apperate {
  write(options: WriteOptions): Promise<{ success: boolean; message: string }>;
  queryData(options: QueryOptions): Promise<Record<string, unknown>[] | string>;
  listDatasets(options: { workspace: string; limit?: number }): Promise<Record<string, unknown>[]>;
  queryDatasets(options: { workspace: string }): Promise<Record<string, unknown>[]>;
  getDataset(options: Target): Promise<Record<string, unknown>>;
  registerDataset(options: { workspace: string; data: Body }): Promise<{ success: boolean; message: string; datasetId: string }>;
  updateDataset(options: Target & { data: Body }): Promise<Record<string, unknown>>;
  patchDataset(options: Target & { data: Body }): Promise<Record<string, unknown>>;
  renameDataset(options: Target & { newDatasetId: string }): Promise<Record<string, unknown>>;
  deleteDataset(options: Target): Promise<Record<string, unknown>>;
  loadData(options: Target & { data: Body; contentType?: string; duplicateKeyHandling?: "ignore" | "replace" | boolean; overwrite?: boolean; maximumValidationErrors?: number; wait?: boolean; event?: boolean }): Promise<Record<string, unknown>>;
  deleteData(options: Target & { key: string; subkey?: string; date?: string; from?: string | number; to?: string | number }): Promise<Record<string, unknown>>;
  queryDataJobs(options: { workspace: string; type: "ingest"; limit?: number; from?: string; to?: string; last?: number; first?: number; sort?: "asc" | "desc" }): Promise<Record<string, unknown>[]>;
  getDataJob(options: { workspace: string; type: "ingest"; id: string }): Promise<Record<string, unknown>>;
  getInvalidRecordsLog(options: { workspace: string; type: "ingest"; id: string; format?: "json" | "csv" }): Promise<Record<string, unknown>[] | string>;
  cancelIngestionJob(options: { workspace: string; type: "ingest"; id: string }): Promise<Record<string, unknown>>;
  fetchLogs(options: { workspace: string; period?: string }): Promise<Record<string, unknown>[]>;
}

export interface Rule {
  ruleName: string;
  type?: "any" | "all";
  index: string[];
  additionalIndex?: string[];
  conditions: unknown[][];
  outputs: Record<string, unknown>[];
  /** An existing rule's id: edits it. */
  id?: string;
  [property: string]: unknown;
}

export class Rules {
  create(rule: Rule): Promise<Record<string, unknown>>;
  list(): Promise<Record<string, unknown>[]>;
  info(ruleId: string): Promise<Record<string, unknown>[]>;
  pause(ruleId: string): Promise<Record<string, unknown>>;
  resume(ruleId: string): Promise<Record<string, unknown>>;
  delete(ruleId: string): Promise<Record<string, unknown>>;
  output(ruleId: string, options?: { from?: string | number; to?: string | number; limit?: number }): Promise<Record<string, unknown>[]>;
  schema(): Promise<Record<string, unknown>>;
  lookup(fact: string): Promise<unknown[]>;
  test(rule: Rule & { records: Record<string, unknown>[] }): Promise<Record<string, unknown>>;
  deliveries(ruleId: string, options?: { limit?: number }): Promise<Record<string, unknown>[]>;
  redeliver(deliveryId: string): Promise<Record<string, unknown>>;
}

export class Client {
  constructor(options?: ClientOptions);
  readonly baseUrl: string;
  readonly apperate: Apperate;
  readonly rules: Rules;
  /** Follows a dataset live over server-sent events, resuming after a broken connection from the last event id. */
  subscribe(options: SubscribeOptions): Subscription;
}

export const CALLS: Record<string, { method: string; path: unknown[]; query: string[]; body?: "json" | "data" }>;
export const QUERY_DATA_PARAMETERS: string[];
