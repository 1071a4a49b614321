// Tests of the runtime shared by every service client; `node --test` runs them.
// This file ships unchanged in every package that tcgen generates.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  buildPath,
  buildQuery,
  encodeArgument,
  hawkExt,
  hawkHeader,
  hawkPayloadHash,
  optionsFromEnv,
  retryDelay,
  routingKeyPattern,
} from '../runtime/runtime.js';

// The protocol example of the Hawk specification (README of hapijs/hawk).
const HAWK_EXAMPLE = {
  id: 'dh37fgj492je',
  key: 'werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn',
  url: 'http://example.com:8000/resource/1?b=1&a=2',
  ts: 1353832234,
  nonce: 'j4h3g2',
  ext: 'some-app-ext-data',
};

test('hawk header matches the specification example', () => {
  const header = hawkHeader({ ...HAWK_EXAMPLE, method: 'GET' });
  assert.equal(
    header,
    'Hawk id="dh37fgj492je", ts="1353832234", nonce="j4h3g2", ext="some-app-ext-data", ' +
      'mac="6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE="',
  );
});

test('hawk header with payload matches the specification example', () => {
  const payloadHash = hawkPayloadHash('Thank you for flying Hawk', 'text/plain');
  assert.equal(payloadHash, 'Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=');
  const header = hawkHeader({ ...HAWK_EXAMPLE, method: 'POST', payloadHash });
  assert.equal(
    header,
    'Hawk id="dh37fgj492je", ts="1353832234", nonce="j4h3g2", ' +
      'hash="Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=", ext="some-app-ext-data", ' +
      'mac="aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw="',
  );
});

test('hawk ext carries certificate and authorizedScopes', () => {
  const certificate = { version: 1, scopes: ['a'] };
  const ext = hawkExt({ clientId: 'c', accessToken: 't', certificate: JSON.stringify(certificate) }, ['a']);
  assert.deepEqual(JSON.parse(Buffer.from(ext, 'base64').toString('utf8')), {
    certificate,
    authorizedScopes: ['a'],
  });
  assert.equal(hawkExt({ clientId: 'c', accessToken: 't' }, undefined), '');
});

test('path arguments are encoded like encodeURIComponent', () => {
  assert.equal(encodeArgument('x', "a/b c+ü@:$&=,;!*'()~"), "a%2Fb%20c%2B%C3%BC%40%3A%24%26%3D%2C%3B!*'()~");
  assert.equal(buildPath('/task/<taskId>/runs/<runId>', ['taskId', 'runId'], ['a/b', 0]), '/task/a%2Fb/runs/0');
  assert.throws(() => buildPath('/task/<taskId>', ['taskId'], ['']), TypeError);
  assert.throws(() => buildPath('/task/<taskId>', ['taskId'], [undefined]), TypeError);
});

test('query leaves out empty values and rejects unknown keys', () => {
  const query = buildQuery(['limit', 'continuationToken'], { limit: 5, continuationToken: '' }, 'list');
  assert.equal(query, '?limit=5');
  assert.equal(buildQuery(['prefix'], { prefix: 'a b+c' }, 'list'), '?prefix=a%20b%2Bc');
  assert.equal(buildQuery(['limit'], undefined, 'list'), '');
  assert.throws(() => buildQuery(['limit'], { limt: 5 }, 'list'), /unknown query parameter limt/);
});

test('routing-key pattern uses values, constants and wildcards', () => {
  const parts = [
    { name: 'kind', constant: 'primary', multipleWords: false },
    { name: 'taskId', constant: null, multipleWords: false },
    { name: 'runId', constant: null, multipleWords: false },
    { name: 'reserved', constant: null, multipleWords: true },
  ];
  assert.equal(routingKeyPattern('e', parts, { taskId: 'abc' }), 'primary.abc.*.#');
  assert.equal(routingKeyPattern('e', parts, { runId: 0, reserved: 'x.y' }), 'primary.*.0.x.y');
  assert.throws(() => routingKeyPattern('e', parts, { taskid: 'abc' }), /unknown routing-key part taskid/);
  assert.throws(() => routingKeyPattern('e', parts, { taskId: 'a.b' }), /cannot contain/);
});

test('environment variables configure the client', () => {
  const env = {
    TASKCLUSTER_ROOT_URL: 'https://tc.example.com',
    TASKCLUSTER_CLIENT_ID: 'id',
    TASKCLUSTER_ACCESS_TOKEN: 'token',
    TASKCLUSTER_CERTIFICATE: '{}',
    TASKCLUSTER_PROXY_URL: 'http://proxy',
  };
  assert.deepEqual(optionsFromEnv({ retries: 1 }, env), {
    rootUrl: 'https://tc.example.com',
    credentials: { clientId: 'id', accessToken: 'token', certificate: '{}' },
    proxyUrl: 'http://proxy',
    retries: 1,
  });
  assert.deepEqual(optionsFromEnv({ rootUrl: 'https://other' }, {}), { rootUrl: 'https://other' });
});

test('retry delay grows exponentially within its jitter and cap', () => {
  const options = { delayFactor: 100, randomizationFactor: 0.25, maxDelay: 1000 };
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const base = 100 * 2 ** (attempt - 1);
    const delay = retryDelay(attempt, options);
    assert.ok(delay >= base * 0.75, `attempt ${attempt}: ${delay}`);
    assert.ok(delay <= base * 1.25, `attempt ${attempt}: ${delay}`);
  }
  assert.equal(retryDelay(20, options), 1000);
});
