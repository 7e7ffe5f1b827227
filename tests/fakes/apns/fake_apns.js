#!/usr/bin/env node
// Fake APNs for tests: HTTP/2 over TLS (h2 only), checks requests the way APNs does
// (docs/reference/protocols.md §2) and answers like it, with per-token behaviour set through a
// plain HTTP/1.1 control port. Node 20, no npm packages. See tests/fakes/README.md.
//
//   node fake_apns.js --cert cert.pem --key key.pem --jwt-public-key pub.pem \
//     --key-id KEYID12345 --team-id TEAMID6789 --bundle-id com.example.app \
//     [--port 0] [--control-port 0] [--host 127.0.0.1] [--raised-streams 1000]
//
// Prints "apns_port=<p> control_port=<p>" on stdout once both ports listen.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const http2 = require('http2');
const path = require('path');

const { connectionFaults } = require(path.join(__dirname, '..', 'fake_common.js'));

// ---- command line --------------------------------------------------------------------------

function parseArgs(argv) {
  const out = {
    port: 0,
    controlPort: 0,
    host: '127.0.0.1',
    raisedStreams: 1000,
  };
  const names = {
    '--cert': 'cert',
    '--key': 'key',
    '--jwt-public-key': 'jwtPublicKey',
    '--key-id': 'keyId',
    '--team-id': 'teamId',
    '--bundle-id': 'bundleId',
    '--port': 'port',
    '--control-port': 'controlPort',
    '--host': 'host',
    '--raised-streams': 'raisedStreams',
  };
  for (let i = 2; i < argv.length; i += 2) {
    const name = names[argv[i]];
    if (!name || i + 1 >= argv.length) {
      console.error(`fake_apns: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    const numeric = ['port', 'controlPort', 'raisedStreams'].includes(name);
    out[name] = numeric ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const required of ['cert', 'key', 'jwtPublicKey', 'keyId', 'teamId', 'bundleId']) {
    if (!out[required]) {
      console.error(`fake_apns: --${required.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
      process.exit(2);
    }
  }
  return out;
}

const opts = parseArgs(process.argv);
const jwtPublicKey = crypto.createPublicKey(fs.readFileSync(opts.jwtPublicKey));

// ---- state ---------------------------------------------------------------------------------

const DEFAULT_JWT = { maxAgeSec: 3600, minRefreshSec: 20 * 60 };

const state = {
  tokens: new Map(), // device token -> { rule, remaining (null = forever) }
  latencyMs: 0,
  jwt: { ...DEFAULT_JWT },
  requests: [],
  stats: null,
  epoch: 0, // bumped by reset, so per-reset stats ignore older connections
};

function freshStats() {
  return {
    connectionsOpened: 0,
    connectionsOpen: state.stats ? state.stats.connectionsOpen : 0,
    // Peak of connections open at once among those opened since the last reset.
    peakConnectionsOpen: 0,
    requests: 0,
    // Peak of streams open at once on one connection, overall and while the connection was
    // still limited to one stream (must stay 1 for a well-behaved client).
    maxConcurrentStreams: 0,
    maxConcurrentStreamsBeforeRaise: 0,
    streamLimitRaises: 0,
    goawaysSent: 0,
    resetsSent: 0,
  };
}
state.stats = freshStats();

const sessions = new Set();

// ---- helpers -------------------------------------------------------------------------------

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PUSH_TYPES = new Set([
  'alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'liveactivity',
  'location', 'pushtotalk', 'widgets', 'controls',
]);

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// Checks the provider token as APNs does (§2.3). Returns { header, claims, jwt, iat } or
// { error, decoded } with the APNs reason.
function checkJwt(authorization) {
  if (!authorization) return { error: 'MissingProviderToken' };
  const m = /^bearer (.+)$/i.exec(authorization);
  if (!m) return { error: 'InvalidProviderToken' };
  const jwt = m[1];
  const parts = jwt.split('.');
  if (parts.length !== 3) return { error: 'InvalidProviderToken' };
  let header;
  let claims;
  try {
    header = b64urlJson(parts[0]);
    claims = b64urlJson(parts[1]);
  } catch (e) {
    return { error: 'InvalidProviderToken' };
  }
  const decoded = { header, claims };
  if (header.alg !== 'ES256' || header.kid !== opts.keyId || claims.iss !== opts.teamId) {
    return { error: 'InvalidProviderToken', decoded };
  }
  const signature = Buffer.from(parts[2], 'base64url');
  let verified = false;
  try {
    verified = signature.length === 64 && crypto.verify('sha256',
        Buffer.from(parts[0] + '.' + parts[1]),
        { key: jwtPublicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch (e) {
    verified = false;
  }
  if (!verified) return { error: 'InvalidProviderToken', decoded };
  if (typeof claims.iat !== 'number') return { error: 'InvalidProviderToken', decoded };
  const now = Date.now() / 1000;
  if (claims.iat > now + 60) return { error: 'InvalidProviderToken', decoded };
  if (now - claims.iat > state.jwt.maxAgeSec) return { error: 'ExpiredProviderToken', decoded };
  return { ...decoded, jwt, iat: claims.iat };
}

function headerValue(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

// Everything APNs checks about the request itself, in roughly APNs' order. Returns null when
// the request is fine, else [status, reason].
function checkRequest(headers, token, body) {
  const topic = headerValue(headers, 'apns-topic');
  if (!topic) return [400, 'MissingTopic'];
  const voipTopic = opts.bundleId + '.voip';
  if (topic !== opts.bundleId && topic !== voipTopic) return [400, 'DeviceTokenNotForTopic'];
  const pushType = headerValue(headers, 'apns-push-type');
  if (!pushType || !PUSH_TYPES.has(pushType)) return [400, 'InvalidPushType'];
  if ((pushType === 'voip') !== (topic === voipTopic)) return [400, 'InvalidPushType'];
  const priority = headerValue(headers, 'apns-priority');
  if (priority !== undefined) {
    if (!['1', '5', '10'].includes(priority)) return [400, 'BadPriority'];
    if (pushType === 'background' && priority === '10') return [400, 'BadPriority'];
  }
  const expiration = headerValue(headers, 'apns-expiration');
  if (expiration !== undefined && !/^\d+$/.test(expiration)) return [400, 'BadExpirationDate'];
  const apnsId = headerValue(headers, 'apns-id');
  if (apnsId !== undefined && !UUID_RE.test(apnsId)) return [400, 'BadMessageId'];
  const collapseId = headerValue(headers, 'apns-collapse-id');
  if (collapseId !== undefined && Buffer.byteLength(collapseId) > 64) return [400, 'BadCollapseId'];
  const limit = pushType === 'voip' ? 5120 : 4096;
  if (body.length > limit) return [413, 'PayloadTooLarge'];
  if (body.length === 0) return [400, 'PayloadEmpty'];
  let parsed;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    // APNs documents no reason for malformed JSON; this one is the fake's own.
    return [400, 'BadPayload'];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) ||
      parsed.aps === null || typeof parsed.aps !== 'object' || Array.isArray(parsed.aps)) {
    return [400, 'BadPayload'];
  }
  return null;
}

function customKeysPrimitive(parsed) {
  if (!parsed || typeof parsed !== 'object') return false;
  return Object.entries(parsed).every(([k, v]) => k === 'aps' || v === null || typeof v !== 'object');
}

// The rule for a token, consuming one use of a "times" rule.
function takeRule(token) {
  const entry = state.tokens.get(token);
  if (!entry) return null;
  if (entry.remaining !== null) {
    if (entry.remaining <= 0) {
      state.tokens.delete(token);
      return null;
    }
    entry.remaining -= 1;
    if (entry.remaining === 0) state.tokens.delete(token);
  }
  return entry.rule;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- the APNs side -------------------------------------------------------------------------

const server = http2.createSecureServer({
  key: fs.readFileSync(opts.key),
  cert: fs.readFileSync(opts.cert),
  allowHTTP1: false, // APNs refuses HTTP/1.1; ALPN offers h2 only
  // APNs allows one stream on a new token-auth connection until a request with a valid
  // provider token arrives (§2.1); handleStream raises it per connection.
  settings: { maxConcurrentStreams: 1 },
});

// The "reset" and "goaway" rules (tests/fakes/fake_common.js).
const faults = connectionFaults(server);

let nextConnectionId = 0;
server.on('session', (session) => {
  session.fake = {
    id: ++nextConnectionId,
    active: 0,
    raised: false,
    lastJwt: null,
    lastIat: null,
  };
  sessions.add(session);
  state.stats.connectionsOpened += 1;
  state.stats.connectionsOpen += 1;
  session.fake.epoch = state.epoch;
  let sameEpoch = 0;
  for (const s of sessions) if (s.fake.epoch === state.epoch) sameEpoch += 1;
  state.stats.peakConnectionsOpen = Math.max(state.stats.peakConnectionsOpen, sameEpoch);
  session.on('close', () => {
    sessions.delete(session);
    state.stats.connectionsOpen -= 1;
  });
  session.on('error', () => {});
});

server.on('stream', (stream, headers) => {
  const session = stream.session;
  const f = session.fake;
  f.active += 1;
  state.stats.maxConcurrentStreams = Math.max(state.stats.maxConcurrentStreams, f.active);
  if (!f.raised) {
    state.stats.maxConcurrentStreamsBeforeRaise =
        Math.max(state.stats.maxConcurrentStreamsBeforeRaise, f.active);
  }
  const concurrent = f.active;
  let closed = false;
  stream.on('close', () => {
    closed = true;
    f.active -= 1;
  });
  stream.on('error', () => {});
  const chunks = [];
  let size = 0;
  stream.on('data', (c) => {
    size += c.length;
    if (size <= 1 << 20) chunks.push(c);
  });
  stream.on('end', () => {
    handleStream(stream, headers, Buffer.concat(chunks), concurrent, () => closed)
        .catch((e) => {
          console.error('fake_apns: handler failed:', e);
          if (!closed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        });
  });
});

async function handleStream(stream, headers, body, concurrent, isClosed) {
  const session = stream.session;
  // A stream whose connection was already torn down (a "reset" rule on another stream of the
  // same connection) has nobody left to answer.
  if (!session) return;
  const f = session.fake;
  state.stats.requests += 1;
  const record = {
    id: state.requests.length + 1,
    connection: f.id,
    stream: stream.id,
    concurrentStreams: concurrent,
    receivedAt: Date.now(),
    method: headers[':method'],
    path: headers[':path'],
    authority: headers[':authority'],
    token: null,
    headers: {},
    jwt: null,
    body: null,
    rawBody: null,
    bodyBytes: body.length,
    customKeysPrimitive: null,
    status: null,
    reason: null,
  };
  for (const [k, v] of Object.entries(headers)) record.headers[k] = v;
  try {
    record.body = JSON.parse(body.toString('utf8'));
    record.customKeysPrimitive = customKeysPrimitive(record.body);
  } catch (e) {
    record.rawBody = body.toString('utf8');
  }
  state.requests.push(record);

  const apnsId = headerValue(headers, 'apns-id');
  const answerId = apnsId && UUID_RE.test(apnsId) ? apnsId : crypto.randomUUID();

  let jwtAccepted = false;
  const respond = async (status, reason, extra = {}) => {
    if (state.latencyMs > 0) await sleep(state.latencyMs);
    record.status = status;
    record.reason = reason || null;
    // The connection leaves its one-stream probation once a request with a valid provider
    // token has been answered (protocols.md §2.1).
    if (jwtAccepted && !f.raised) {
      f.raised = true;
      state.stats.streamLimitRaises += 1;
      if (!session.destroyed) session.settings({ maxConcurrentStreams: opts.raisedStreams });
    }
    if (isClosed()) return;
    const h = { ':status': status, 'apns-id': answerId };
    if (extra.retryAfter !== undefined) h['retry-after'] = String(extra.retryAfter);
    if (status === 200) {
      stream.respond(h, { endStream: true });
      return;
    }
    h['content-type'] = 'application/json';
    const out = { reason };
    if (extra.timestamp !== undefined) out.timestamp = extra.timestamp;
    stream.respond(h);
    stream.end(JSON.stringify(out));
  };

  if (record.method !== 'POST') return respond(405, 'MethodNotAllowed');
  const m = /^\/3\/device\/([^/?]*)$/.exec(record.path || '');
  if (!m) return respond(404, 'BadPath');
  const token = m[1];
  record.token = token;
  if (!token) return respond(400, 'MissingDeviceToken');
  if (!/^[0-9a-fA-F]+$/.test(token)) return respond(400, 'BadDeviceToken');

  const auth = checkJwt(headerValue(headers, 'authorization'));
  const decoded = auth.decoded || (auth.header ? { header: auth.header, claims: auth.claims } : null);
  record.jwt = decoded ? { ...decoded, valid: !auth.error } : null;
  if (auth.error) return respond(403, auth.error);
  // A new token on a connection that got one less than minRefreshSec earlier (§2.3).
  if (f.lastJwt !== null && auth.jwt !== f.lastJwt &&
      auth.iat - f.lastIat < state.jwt.minRefreshSec) {
    return respond(429, 'TooManyProviderTokenUpdates');
  }
  f.lastJwt = auth.jwt;
  f.lastIat = auth.iat;
  jwtAccepted = true;

  const problem = checkRequest(headers, token, body);
  if (problem) return respond(problem[0], problem[1]);

  const rule = takeRule(token);
  if (rule) {
    if (rule.delayMs) await sleep(rule.delayMs);
    if (rule.reset) {
      record.status = 0;
      record.reason = 'RESET';
      state.stats.resetsSent += 1;
      if (!faults.reset(session.socket.remotePort)) session.destroy();
      return;
    }
    if (rule.goaway) {
      // APNs closes connections with GOAWAY and a JSON reason (§2.1). The stream is reset so
      // the client sees a failed request rather than an answer.
      record.status = 0;
      record.reason = 'GOAWAY';
      state.stats.goawaysSent += 1;
      if (!isClosed()) {
        faults.goaway(session, stream,
            Buffer.from(JSON.stringify({ reason: rule.reason || 'Shutdown' })));
      }
      return;
    }
    if (rule.status && rule.status !== 200) {
      const reason = rule.reason || defaultReason(rule.status);
      let timestamp = rule.timestamp;
      if (rule.status === 410 && timestamp === undefined) timestamp = Date.now();
      return respond(rule.status, reason, { retryAfter: rule.retryAfter, timestamp });
    }
  }
  return respond(200);
}

function defaultReason(status) {
  return {
    400: 'BadDeviceToken', 403: 'Forbidden', 404: 'BadPath', 405: 'MethodNotAllowed',
    410: 'Unregistered', 413: 'PayloadTooLarge', 429: 'TooManyRequests',
    500: 'InternalServerError', 503: 'ServiceUnavailable',
  }[status] || 'InternalServerError';
}

// ---- the control side ----------------------------------------------------------------------

function sendJson(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const control = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
    }
    const url = new URL(req.url, 'http://control');
    const path = url.pathname;
    const tokenPath = /^\/control\/tokens\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && tokenPath) {
      const times = body.times === undefined ? null : Number(body.times);
      state.tokens.set(decodeURIComponent(tokenPath[1]), { rule: body, remaining: times });
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'DELETE' && tokenPath) {
      state.tokens.delete(decodeURIComponent(tokenPath[1]));
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/control/latency') {
      state.latencyMs = Number(body.ms) || 0;
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/control/jwt') {
      if (body.maxAgeSec !== undefined) state.jwt.maxAgeSec = Number(body.maxAgeSec);
      if (body.minRefreshSec !== undefined) state.jwt.minRefreshSec = Number(body.minRefreshSec);
      return sendJson(res, 200, { ok: true, jwt: state.jwt });
    }
    if (req.method === 'GET' && path === '/control/requests') {
      return sendJson(res, 200, state.requests);
    }
    if (req.method === 'DELETE' && path === '/control/requests') {
      state.requests = [];
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/control/reset') {
      state.tokens.clear();
      state.latencyMs = 0;
      state.jwt = { ...DEFAULT_JWT };
      state.requests = [];
      state.stats = freshStats();
      state.epoch += 1;
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/control/disconnect') {
      // GOAWAY first, as APNs does; then drop whatever the client keeps open.
      for (const s of sessions) {
        s.close();
        setTimeout(() => s.destroy(), 100);
      }
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'GET' && path === '/control/stats') {
      return sendJson(res, 200, state.stats);
    }
    return sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
  });
});

let listening = 0;
function announce() {
  listening += 1;
  if (listening === 2) {
    process.stdout.write(
        `apns_port=${server.address().port} control_port=${control.address().port}\n`);
  }
}
server.listen(opts.port, opts.host, announce);
control.listen(opts.controlPort, '127.0.0.1', announce);

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const s of sessions) s.destroy();
    server.close();
    control.close();
    process.exit(0);
  });
}
