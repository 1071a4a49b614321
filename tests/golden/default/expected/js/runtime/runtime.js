// Runtime shared by every service client of this package: URL building, Hawk
// signing, fetch with timeout and retries, configuration from the environment,
// and routing-key patterns for exchanges. It uses only Node.js built-ins.
// This file ships unchanged in every package that tcgen generates.

import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Defaults match the official Taskcluster JavaScript client. */
export const DEFAULTS = Object.freeze({
  timeout: 30_000,
  retries: 5,
  delayFactor: 100,
  randomizationFactor: 0.25,
  maxDelay: 30_000,
});

/** Key of the method that generated classes call. A symbol key cannot equal any method name from a reference. */
export const CALL = Symbol('taskcluster.call');

/** An API call that failed: an HTTP error status, or a network error or timeout after all retries. */
export class TaskclusterError extends Error {
  constructor(message, { statusCode = 0, code = 'NetworkError', body = undefined, method = '', cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TaskclusterError';
    this.statusCode = statusCode;
    this.code = code;
    this.body = body;
    this.method = method;
  }
}

/** Percent-encode one path argument exactly like encodeURIComponent, which Taskcluster expects. */
export function encodeArgument(name, value) {
  if (typeof value === 'number' && Number.isFinite(value)) {
    value = String(value);
  }
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`path argument ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return encodeURIComponent(value);
}

/** Build `<route>` with each `<argument>` replaced by its encoded value. */
export function buildPath(route, names, values) {
  if (values.length !== names.length) {
    throw new TypeError(`expected ${names.length} path arguments (${names.join(', ')}), got ${values.length}`);
  }
  let path = route;
  names.forEach((name, index) => {
    path = path.replace(`<${name}>`, () => encodeArgument(name, values[index]));
  });
  return path;
}

/** Build a query string from the accepted parameters; undefined, null and '' values are left out. */
export function buildQuery(accepted, options, methodName) {
  const search = new URLSearchParams();
  for (const key of Object.keys(options ?? {}).sort()) {
    if (!accepted.includes(key)) {
      throw new TypeError(`${methodName}: unknown query parameter ${key}; accepted: ${accepted.join(', ') || 'none'}`);
    }
    const value = options[key];
    if (value === undefined || value === null || value === '') {
      continue;
    }
    search.set(key, String(value));
  }
  const text = search.toString().replace(/\+/g, '%20');
  return text === '' ? '' : `?${text}`;
}

function parseCertificate(certificate) {
  if (certificate === undefined || certificate === null || certificate === '') {
    return undefined;
  }
  if (typeof certificate !== 'string') {
    return certificate;
  }
  try {
    return JSON.parse(certificate);
  } catch (error) {
    throw new TypeError(`credentials.certificate is not valid JSON: ${error.message}`);
  }
}

/** Encode the Hawk `ext` value: base64 JSON with the certificate and authorizedScopes, or '' when neither is set. */
export function hawkExt(credentials, authorizedScopes) {
  const ext = {};
  const certificate = parseCertificate(credentials.certificate);
  if (certificate !== undefined) {
    ext.certificate = certificate;
  }
  if (Array.isArray(authorizedScopes)) {
    ext.authorizedScopes = authorizedScopes;
  }
  if (Object.keys(ext).length === 0) {
    return '';
  }
  return Buffer.from(JSON.stringify(ext), 'utf8').toString('base64');
}

/** Compute the Hawk payload hash (SHA-256, base64) of a request body with its content type. */
export function hawkPayloadHash(payload, contentType) {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return createHash('sha256')
    .update(`hawk.1.payload\n${mediaType}\n`)
    .update(payload)
    .update('\n')
    .digest('base64');
}

/**
 * Build a Hawk `Authorization` header (SHA-256).
 * `ts` (seconds) and `nonce` are for tests; by default they are the current time and random.
 */
export function hawkHeader({ id, key, method, url, payloadHash = '', ext = '', ts, nonce }) {
  const target = new URL(url);
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const timestamp = String(ts ?? Math.floor(Date.now() / 1000));
  const nonceText = nonce ?? randomBytes(6).toString('base64url');
  const normalized = [
    'hawk.1.header',
    timestamp,
    nonceText,
    method.toUpperCase(),
    target.pathname + target.search,
    target.hostname.toLowerCase(),
    port,
    payloadHash,
    ext.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'),
    '',
  ].join('\n');
  const mac = createHmac('sha256', key).update(normalized).digest('base64');
  const fields = [['id', id], ['ts', timestamp], ['nonce', nonceText]];
  if (payloadHash) {
    fields.push(['hash', payloadHash]);
  }
  if (ext) {
    fields.push(['ext', ext]);
  }
  fields.push(['mac', mac]);
  return 'Hawk ' + fields.map(([name, value]) => `${name}="${value}"`).join(', ');
}

/** Client options from TASKCLUSTER_* environment variables, overridden by `options`. */
export function optionsFromEnv(options = {}, env = process.env) {
  const fromEnv = {};
  if (env.TASKCLUSTER_ROOT_URL) {
    fromEnv.rootUrl = env.TASKCLUSTER_ROOT_URL;
  }
  if (env.TASKCLUSTER_CLIENT_ID && env.TASKCLUSTER_ACCESS_TOKEN) {
    fromEnv.credentials = {
      clientId: env.TASKCLUSTER_CLIENT_ID,
      accessToken: env.TASKCLUSTER_ACCESS_TOKEN,
    };
    if (env.TASKCLUSTER_CERTIFICATE) {
      fromEnv.credentials.certificate = env.TASKCLUSTER_CERTIFICATE;
    }
  }
  if (env.TASKCLUSTER_PROXY_URL) {
    fromEnv.proxyUrl = env.TASKCLUSTER_PROXY_URL;
  }
  return { ...fromEnv, ...options };
}

function checkOptions(options) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('client options must be an object such as {rootUrl: "https://tc.example.com"}');
  }
  if (!options.rootUrl && !options.proxyUrl) {
    throw new TypeError('rootUrl is missing: pass {rootUrl} or use fromEnv() with TASKCLUSTER_ROOT_URL set');
  }
  const credentials = options.credentials;
  if (credentials && (!credentials.clientId || !credentials.accessToken)) {
    throw new TypeError('credentials need both clientId and accessToken');
  }
  for (const name of ['timeout', 'retries', 'delayFactor', 'randomizationFactor', 'maxDelay']) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
      throw new TypeError(`${name} must be a number >= 0, got ${JSON.stringify(value)}`);
    }
  }
}

/** Delay in milliseconds before retry number `attempt` (1-based): exponential, with jitter, capped. */
export function retryDelay(attempt, options) {
  const base = 2 ** (attempt - 1) * options.delayFactor;
  const jitter = 1 - options.randomizationFactor + Math.random() * 2 * options.randomizationFactor;
  return Math.min(base * jitter, options.maxDelay);
}

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function readBody(response, outputKind, methodName) {
  if (outputKind === 'blob') {
    return new Uint8Array(await response.arrayBuffer());
  }
  const text = await response.text();
  if (outputKind === 'none' || text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // A 2xx response with a broken body is not retried: the call may have taken effect.
    throw new TaskclusterError(`${methodName}: the response is not valid JSON: ${error.message}`, {
      statusCode: response.status,
      code: 'InvalidResponse',
      body: text,
      method: methodName,
    });
  }
}

async function errorFromResponse(response, methodName) {
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // The body stays text: the server did not send JSON.
  }
  const message = (body && typeof body === 'object' && body.message) || text || response.statusText;
  const code = (body && typeof body === 'object' && body.code) || `HTTP${response.status}`;
  return new TaskclusterError(`${methodName}: HTTP ${response.status}: ${message}`, {
    statusCode: response.status,
    code,
    body,
    method: methodName,
  });
}

// TODO(#2): signed URLs (bewit) for GET methods and a pagination helper for continuationToken are
// not implemented yet, so callers page by passing continuationToken themselves.
/** Base class of every generated API client. */
export class BaseClient {
  #service;
  #apiVersion;
  #options;
  #ext;

  constructor(service, apiVersion, options) {
    checkOptions(options);
    this.#service = service;
    this.#apiVersion = apiVersion;
    this.#options = Object.freeze({ ...DEFAULTS, ...options });
    const { credentials, authorizedScopes } = this.#options;
    this.#ext = credentials ? hawkExt(credentials, authorizedScopes) : '';
  }

  /** Create a client of the same service with some options replaced. */
  use(options) {
    return new this.constructor({ ...this.#options, ...options });
  }

  #baseUrl() {
    const options = this.#options;
    const base = (options.proxyUrl || options.rootUrl).replace(/\/+$/, '');
    return `${base}/api/${this.#service}/${this.#apiVersion}`;
  }

  #headers(verb, url, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const { credentials, proxyUrl } = this.#options;
    if (credentials && !proxyUrl) {
      headers.authorization = hawkHeader({
        id: credentials.clientId,
        key: credentials.accessToken,
        method: verb,
        url,
        payloadHash: body === undefined ? '' : hawkPayloadHash(body, headers['content-type']),
        ext: this.#ext,
      });
    }
    return headers;
  }

  async #send(entry, url, body) {
    const response = await fetch(url, {
      method: entry.verb,
      headers: this.#headers(entry.verb, url, body),
      body,
      signal: AbortSignal.timeout(this.#options.timeout),
    });
    if (!response.ok) {
      throw await errorFromResponse(response, entry.name);
    }
    return readBody(response, entry.output, entry.name);
  }

  /** Send one API call, retrying 5xx responses and network errors; 4xx responses fail at once. */
  async [CALL](entry, args, payload, query) {
    const path = buildPath(entry.route, entry.args, args);
    const url = this.#baseUrl() + path + buildQuery(entry.query, query, entry.name);
    const body = entry.input ? JSON.stringify(payload) : undefined;
    if (entry.input && body === undefined) {
      throw new TypeError(`${entry.name}: the payload is missing`);
    }
    const { retries } = this.#options;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#send(entry, url, body);
      } catch (error) {
        const retryable = !(error instanceof TaskclusterError) || error.statusCode >= 500;
        if (!retryable || attempt >= retries) {
          throw error instanceof TaskclusterError ? error : networkError(entry.name, error, attempt);
        }
        await sleep(retryDelay(attempt + 1, this.#options));
      }
    }
  }
}

function networkError(methodName, error, attempt) {
  const timedOut = error?.name === 'TimeoutError';
  const what = timedOut ? 'timed out' : `failed: ${error?.message ?? error}`;
  return new TaskclusterError(`${methodName}: request ${what} (after ${attempt + 1} attempts)`, {
    code: timedOut ? 'RequestTimeout' : 'NetworkError',
    method: methodName,
    cause: error,
  });
}

/** Build a routing-key pattern: given values, constants, and `*` or `#` for the parts left out. */
export function routingKeyPattern(exchangeName, parts, values = {}) {
  const known = new Set(parts.map((part) => part.name));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      throw new TypeError(`${exchangeName}: unknown routing-key part ${key}; parts: ${[...known].join(', ')}`);
    }
  }
  return parts
    .map((part) => {
      if (part.constant !== null) {
        return part.constant;
      }
      const value = values[part.name];
      if (value === undefined || value === null) {
        return part.multipleWords ? '#' : '*';
      }
      const text = String(value);
      if (!part.multipleWords && text.includes('.')) {
        throw new TypeError(`${exchangeName}: routing-key part ${part.name} is one word and cannot contain ".": ${text}`);
      }
      return text;
    })
    .join('.');
}

/** Base class of every generated exchanges helper. */
export class BaseEvents {
  #exchangePrefix;

  constructor(exchangePrefix, options = {}) {
    this.#exchangePrefix = options.exchangePrefix ?? exchangePrefix;
  }

  /** The binding for one exchange: its full name, a routing-key pattern and the message schema. */
  [CALL](entry, values) {
    return {
      exchange: this.#exchangePrefix + entry.exchange,
      routingKeyPattern: routingKeyPattern(entry.name, entry.routingKey, values ?? {}),
      schema: entry.schema,
    };
  }
}
