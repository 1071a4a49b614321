// Declarations of the runtime shared by every service client of this package.
// This file ships unchanged in every package that tcgen generates.

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A query parameter value; it is sent as its string form. */
export type QueryValue = string | number | boolean;

/** Taskcluster credentials; `certificate` is set for temporary credentials. */
export interface Credentials {
  clientId: string;
  accessToken: string;
  /** The certificate of temporary credentials, as JSON text or as the parsed object. */
  certificate?: string | Record<string, unknown>;
}

/** Options of every API client. Durations are in milliseconds. */
export interface ClientOptions {
  /** Root URL of the deployment, such as `https://tc.example.com`. Optional only when `proxyUrl` is set. */
  rootUrl?: string;
  /** Credentials that sign requests with Hawk; without them requests are unauthenticated. */
  credentials?: Credentials;
  /** Restrict the request to these scopes (a subset of the credentials' scopes). */
  authorizedScopes?: string[];
  /** URL of a taskcluster-proxy; requests then go to `<proxyUrl>/api/...` unsigned. */
  proxyUrl?: string;
  /** Timeout of one attempt; default 30000. */
  timeout?: number;
  /** Retries after a 5xx response or a network error; default 5. 4xx responses are never retried. */
  retries?: number;
  /** Delay before the first retry, doubled for each later one; default 100. */
  delayFactor?: number;
  /** Random spread of each delay, as a fraction of it; default 0.25. */
  randomizationFactor?: number;
  /** Upper bound of one delay; default 30000. */
  maxDelay?: number;
}

/** Options of every exchanges helper. */
export interface EventsOptions {
  /** Replace the prefix of every exchange name, such as `exchange/taskcluster-queue/v1/`. */
  exchangePrefix?: string;
}

/** Exchange binding: the exchange name, routing-key pattern and message schema for one exchange. */
export interface Binding {
  /** Full exchange name, such as `exchange/taskcluster-queue/v1/task-defined`. */
  exchange: string;
  /** AMQP routing-key pattern: `*` stands for one word and `#` for any number of words. */
  routingKeyPattern: string;
  /** Path of the message's JSON schema, relative to the root URL. */
  schema: string;
}

/** An API call that failed: an HTTP error status, or a network error or timeout after all retries. */
export class TaskclusterError extends Error {
  /** HTTP status of the response, or 0 when no response arrived. */
  readonly statusCode: number;
  /** Error code from the response body (such as `ResourceNotFound`), or `NetworkError`, `RequestTimeout`, `InvalidResponse`. */
  readonly code: string;
  /** The parsed error response, or its text when it was not JSON. */
  readonly body: unknown;
  /** Name of the API method that failed. */
  readonly method: string;
}

/** Base class of every generated API client. */
export declare class BaseClient {
  protected constructor(service: string, apiVersion: string, options: ClientOptions);
  /** Create a client of the same service with some options replaced. */
  use(options: Partial<ClientOptions>): this;
}

/** Base class of every generated exchanges helper. */
export declare class BaseEvents {
  protected constructor(exchangePrefix: string, options?: EventsOptions);
}

/** Client options from TASKCLUSTER_* environment variables, overridden by `options`. */
export function optionsFromEnv(options?: ClientOptions, env?: Record<string, string | undefined>): ClientOptions;

/** Percent-encode one path argument exactly like encodeURIComponent. */
export function encodeArgument(name: string, value: string | number): string;

/** Build an AMQP routing-key pattern from routing-key part definitions and the given values. */
export function routingKeyPattern(
  exchangeName: string,
  parts: ReadonlyArray<{ name: string; constant: string | null; multipleWords: boolean }>,
  values?: Record<string, string | number | undefined>,
): string;
