#!/usr/bin/env node
// Fake FCM HTTP v1 for tests: one TLS port speaking HTTP/2 (ALPN h2) and HTTP/1.1 that serves
// both Google's OAuth2 token endpoint (POST /token, JWT-bearer grant, RS256 assertion checked
// against the service account's public key) and messages:send (checked the way FCM does,
// docs/reference/protocols.md §3), with per-token behaviour set through a plain HTTP/1.1
// control port. Node 20, no npm packages. See tests/fakes/README.md.
//
//   node fake_fcm.js --cert cert.pem --key key.pem --sa-public-key sa_pub.pem \
//     --client-email sa@p.iam.gserviceaccount.com --project-id my-project \
//     [--token-aud https://oauth2.googleapis.com/token] [--token-lifetime 3600] \
//     [--port 0] [--control-port 0] [--host 127.0.0.1]
//
// Prints "fcm_port=<p> control_port=<p>" on stdout once both ports listen.
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
    tokenAud: 'https://oauth2.googleapis.com/token',
    tokenLifetime: 3600,
  };
  const names = {
    '--cert': 'cert',
    '--key': 'key',
    '--sa-public-key': 'saPublicKey',
    '--client-email': 'clientEmail',
    '--project-id': 'projectId',
    '--token-aud': 'tokenAud',
    '--token-lifetime': 'tokenLifetime',
    '--port': 'port',
    '--control-port': 'controlPort',
    '--host': 'host',
  };
  for (let i = 2; i < argv.length; i += 2) {
    const name = names[argv[i]];
    if (!name || i + 1 >= argv.length) {
      console.error(`fake_fcm: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    const numeric = ['port', 'controlPort', 'tokenLifetime'].includes(name);
    out[name] = numeric ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const required of ['cert', 'key', 'saPublicKey', 'clientEmail', 'projectId']) {
    if (!out[required]) {
      console.error(`fake_fcm: --${required.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
      process.exit(2);
    }
  }
  return out;
}

const opts = parseArgs(process.argv);
const saPublicKey = crypto.createPublicKey(fs.readFileSync(opts.saPublicKey));

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SCOPES = new Set([
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
]);
const MAX_PAYLOAD_BYTES = 4096;
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const RPC_STATUS = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};
const DEFAULT_ERROR_CODE = {
  400: 'INVALID_ARGUMENT', 401: 'THIRD_PARTY_AUTH_ERROR', 403: 'SENDER_ID_MISMATCH',
  404: 'UNREGISTERED', 429: 'QUOTA_EXCEEDED', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};

// ---- state ---------------------------------------------------------------------------------

const state = {
  tokens: new Map(),        // registration token -> { rule, remaining (null = forever) }
  accessTokens: new Map(),  // issued access token -> expiry (ms since epoch)
  tokenEndpointRule: null,  // { status, error, remaining } for POST /token
  requests: [],
  stats: null,
  nextId: 1,
};

function freshStats() {
  return {
    tokenRequests: 0, tokensIssued: 0, sendRequests: 0, delivered: 0, resetsSent: 0, goawaysSent: 0,
  };
}
state.stats = freshStats();

// ---- helpers -------------------------------------------------------------------------------

function b64urlJson(part) {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (e) {
    return null;
  }
}

function fcmError(status, message, errorCode, extraDetails = []) {
  const details = [];
  if (errorCode) details.push({ '@type': FCM_ERROR_TYPE, errorCode });
  details.push(...extraDetails);
  return {
    error: { code: status, message, status: RPC_STATUS[status] || 'UNKNOWN', details },
  };
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(text);
}

function takeRule(entry) {
  if (!entry) return null;
  if (entry.remaining !== null) {
    if (entry.remaining <= 0) return null;
    entry.remaining -= 1;
  }
  return entry.rule;
}

// ---- token endpoint (RFC 7523 JWT-bearer grant) ----------------------------------------------

function checkAssertion(assertion) {
  const parts = (assertion || '').split('.');
  if (parts.length !== 3) return { error: 'invalid_grant', why: 'Invalid JWT: not a compact JWS' };
  const header = b64urlJson(parts[0]);
  const claims = b64urlJson(parts[1]);
  const record = { header, claims, valid: false };
  if (!header || !claims) return { error: 'invalid_grant', why: 'Invalid JWT: undecodable', record };
  if (header.alg !== 'RS256') {
    return { error: 'invalid_grant', why: 'Invalid JWT: alg must be RS256', record };
  }
  const signed = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`),
    { key: saPublicKey, padding: crypto.constants.RSA_PKCS1_PADDING },
    Buffer.from(parts[2], 'base64url'));
  if (!signed) return { error: 'invalid_grant', why: 'Invalid JWT Signature.', record };
  if (claims.iss !== opts.clientEmail) {
    return { error: 'invalid_grant', why: 'Invalid JWT: unknown issuer', record };
  }
  if (!SCOPES.has(claims.scope)) {
    return { error: 'invalid_scope', why: 'Invalid OAuth scope', record };
  }
  if (claims.aud !== opts.tokenAud) {
    return { error: 'invalid_grant', why: 'Invalid JWT: audience is not the token URI', record };
  }
  const now = Math.floor(Date.now() / 1000);
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp) ||
      claims.exp - claims.iat > 3600 || claims.exp <= claims.iat || claims.iat > now + 60 ||
      claims.exp < now - 60) {
    return {
      error: 'invalid_grant',
      why: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      record,
    };
  }
  record.valid = true;
  return { record };
}

async function handleToken(req, res, rec) {
  state.stats.tokenRequests += 1;
  const raw = (await readBody(req)).toString('utf8');
  rec.bodyBytes = Buffer.byteLength(raw);
  const ctype = (req.headers['content-type'] || '').split(';')[0].trim();
  const form = new URLSearchParams(raw);
  rec.body = { grant_type: form.get('grant_type'), assertion: null };
  const answer = (status, body) => {
    rec.status = status;
    rec.errorCode = body.error || null;
    sendJson(res, status, body);
  };
  const rule = state.tokenEndpointRule ? takeRule(state.tokenEndpointRule) : null;
  if (rule) {
    return answer(rule.status || 503, { error: rule.error || 'temporarily_unavailable' });
  }
  if (req.method !== 'POST') return answer(405, { error: 'invalid_request' });
  if (ctype !== 'application/x-www-form-urlencoded') {
    return answer(400, { error: 'invalid_request', error_description: 'Bad content type' });
  }
  if (form.get('grant_type') !== GRANT_TYPE) {
    return answer(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
  }
  const checked = checkAssertion(form.get('assertion'));
  rec.body.assertion = checked.record || null;
  if (checked.error) return answer(400, { error: checked.error, error_description: checked.why });
  const token = `ya29.fake-${crypto.randomBytes(24).toString('hex')}`;
  state.accessTokens.set(token, Date.now() + opts.tokenLifetime * 1000);
  state.stats.tokensIssued += 1;
  rec.issuedAccessToken = token;
  return answer(200, { access_token: token, expires_in: opts.tokenLifetime, token_type: 'Bearer' });
}

// ---- messages:send ---------------------------------------------------------------------------

function invalid(message, field) {
  const extra = field ? [{ '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field, description: message }] }] : [];
  return { status: 400, body: fcmError(400, message, 'INVALID_ARGUMENT', extra) };
}

// The checks FCM makes before looking at the token; null when the message is acceptable.
function checkMessage(body, rec) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { status: 400, body: fcmError(400, 'Invalid JSON payload received.', null) };
  }
  for (const k of Object.keys(body)) {
    if (k !== 'message' && k !== 'validate_only' && k !== 'validateOnly') {
      return { status: 400, body: fcmError(400, `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`, null) };
    }
  }
  const m = body.message;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    return invalid('Request contains an invalid argument.', 'message');
  }
  const targets = ['token', 'topic', 'condition'].filter((t) => m[t] !== undefined);
  if (targets.length !== 1) {
    return invalid('Exactly one of token, topic or condition must be specified.', 'message');
  }
  if (targets[0] !== 'token' || typeof m.token !== 'string' || m.token === '') {
    return invalid('The registration token is not a valid FCM registration token', 'message.token');
  }
  if (m.data !== undefined) {
    if (m.data === null || typeof m.data !== 'object' || Array.isArray(m.data)) {
      return invalid("Invalid value at 'message.data' (type.googleapis.com/google.protobuf.Struct)", 'message.data');
    }
    const entries = Object.entries(m.data);
    for (let i = 0; i < entries.length; i += 1) {
      const [k, v] = entries[i];
      if (typeof v !== 'string') {
        return invalid(`Invalid value at 'message.data[${i}].value' (TYPE_STRING), ${JSON.stringify(v)}`,
          `message.data[${i}].value`);
      }
      if (k === 'from' || k === 'gcm' || k.startsWith('google')) {
        return invalid(`Invalid data payload key: ${k}`, 'message.data');
      }
    }
  }
  if (m.android !== undefined) {
    const a = m.android;
    if (a.priority !== undefined && !['NORMAL', 'HIGH', 'normal', 'high'].includes(a.priority)) {
      return invalid(`Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), "${a.priority}"`,
        'message.android.priority');
    }
    if (a.ttl !== undefined) {
      const t = /^(\d+)(\.\d+)?s$/.exec(String(a.ttl));
      if (!t || Number(t[1]) > 2419200) {
        return invalid('Invalid value at \'message.android.ttl\' (type.googleapis.com/google.protobuf.Duration)', 'message.android.ttl');
      }
    }
  }
  // Our measure of the 4096-byte limit: the message without its target, serialised compactly.
  const { token, ...rest } = m;
  rec.payloadBytes = Buffer.byteLength(JSON.stringify(rest));
  if (rec.payloadBytes > MAX_PAYLOAD_BYTES) {
    return invalid('Message is too big', 'message');
  }
  return null;
}

async function handleSend(req, res, rec, project) {
  state.stats.sendRequests += 1;
  const raw = await readBody(req);
  rec.bodyBytes = raw.length;
  let body = null;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    rec.rawBody = raw.toString('utf8');
  }
  rec.body = body;
  rec.token = body && body.message && typeof body.message.token === 'string' ? body.message.token : null;

  const answer = (status, payload, headers = {}) => {
    rec.status = status;
    rec.errorCode = payload.error
      ? ((payload.error.details || []).find((d) => d['@type'] === FCM_ERROR_TYPE) || {}).errorCode || payload.error.status
      : null;
    if (status === 200) state.stats.delivered += 1;
    sendJson(res, status, payload, headers);
  };

  const auth = req.headers.authorization || '';
  const m = /^Bearer (.+)$/.exec(auth);
  rec.accessToken = m ? m[1] : null;
  const expiry = m ? state.accessTokens.get(m[1]) : undefined;
  if (expiry === undefined || expiry <= Date.now()) {
    return answer(401, fcmError(401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      null));
  }
  if (project !== opts.projectId) {
    return answer(403, fcmError(403, `Permission denied on resource project ${project}.`, null));
  }
  if (rec.rawBody !== undefined) {
    return answer(400, fcmError(400, 'Invalid JSON payload received.', null));
  }
  const bad = checkMessage(body, rec);
  if (bad) return answer(bad.status, bad.body);

  const rule = takeRule(state.tokens.get(rec.token));
  if (rule && rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
  if (rule && (rule.reset || rule.goaway)) return dropConnection(req, rec, rule);
  if (rule && rule.status && rule.status !== 200) {
    const code = rule.errorCode === undefined ? DEFAULT_ERROR_CODE[rule.status] : rule.errorCode;
    const headers = rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {};
    return answer(rule.status, fcmError(rule.status, rule.message || `fake error ${code}`, code), headers);
  }
  const id = `0:${Date.now()}%${crypto.randomBytes(8).toString('hex')}`;
  rec.name = `projects/${project}/messages/${id}`;
  return answer(200, { name: rec.name });
}

// A `reset` or `goaway` rule: the request gets no answer. Recorded with status 0 and reason
// RESET / GOAWAY, since the HTTP/2 client resends a request the server never processed by
// itself and the client's own log need not show the drop.
function dropConnection(req, rec, rule) {
  rec.status = 0;
  rec.reason = rule.reset ? 'RESET' : 'GOAWAY';
  const stream = req.stream;  // undefined on HTTP/1.1, which has no GOAWAY: reset instead
  if (rule.goaway && stream) {
    state.stats.goawaysSent += 1;
    // Google sends a plain GOAWAY (no JSON reason as APNs has).
    if (!stream.destroyed && !stream.session.destroyed) faults.goaway(stream.session, stream);
    return;
  }
  state.stats.resetsSent += 1;
  if (!faults.reset(req.socket.remotePort)) req.socket.destroy();
}

// ---- the FCM / OAuth2 side ---------------------------------------------------------------------

const server = http2.createSecureServer({
  cert: fs.readFileSync(opts.cert),
  key: fs.readFileSync(opts.key),
  allowHTTP1: true,  // Google's token endpoint speaks both; clients may pick HTTP/1.1 for it
});
const faults = connectionFaults(server);  // the "reset" and "goaway" rules

server.on('request', (req, res) => {
  const path = req.url.split('?')[0];
  const rec = {
    id: state.nextId++,
    receivedAt: Date.now(),
    httpVersion: req.httpVersion,
    method: req.method,
    path,
    authority: req.headers[':authority'] || req.headers.host || null,
    headers: { ...req.headers },
    status: null,
  };
  state.requests.push(rec);
  const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
  let work;
  if (path === '/token') {
    rec.kind = 'token';
    work = handleToken(req, res, rec);
  } else if (send && req.method === 'POST') {
    rec.kind = 'send';
    work = handleSend(req, res, rec, decodeURIComponent(send[1]));
  } else {
    rec.kind = 'other';
    rec.status = 404;
    sendJson(res, 404, fcmError(404, 'Requested entity was not found.', null));
    return;
  }
  work.catch((e) => {
    console.error(`fake_fcm: ${e.stack || e}`);
    if (!res.headersSent) sendJson(res, 500, fcmError(500, 'fake failure', 'INTERNAL'));
  });
});

// ---- the control side ----------------------------------------------------------------------

const control = http.createServer(async (req, res) => {
  try {
    const raw = (await readBody(req)).toString('utf8');
    let body = {};
    if (raw) body = JSON.parse(raw);
    const path = new URL(req.url, 'http://control').pathname;
    const tokenPath = /^\/control\/tokens\/([^/]+)$/.exec(path);
    if (tokenPath && req.method === 'POST') {
      const token = decodeURIComponent(tokenPath[1]);
      const times = body.times === undefined ? null : Number(body.times);
      state.tokens.set(token, { rule: body, remaining: times });
      return sendJson(res, 200, { ok: true });
    }
    if (tokenPath && req.method === 'DELETE') {
      state.tokens.delete(decodeURIComponent(tokenPath[1]));
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/control/expire-access-tokens') {
      // Google would reject them as expired; the tokens stay known so the fake answers 401.
      for (const t of state.accessTokens.keys()) state.accessTokens.set(t, 0);
      return sendJson(res, 200, { ok: true, expired: state.accessTokens.size });
    }
    if (req.method === 'POST' && path === '/control/token-endpoint') {
      const times = body.times === undefined ? null : Number(body.times);
      state.tokenEndpointRule = body.status ? { rule: body, remaining: times } : null;
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'GET' && path === '/control/requests') {
      return sendJson(res, 200, state.requests);
    }
    if (req.method === 'DELETE' && path === '/control/requests') {
      state.requests = [];
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'GET' && path === '/control/stats') {
      return sendJson(res, 200, state.stats);
    }
    if (req.method === 'POST' && path === '/control/reset') {
      state.tokens.clear();
      state.tokenEndpointRule = null;
      state.requests = [];
      state.stats = freshStats();
      return sendJson(res, 200, { ok: true });
    }
    return sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
  } catch (e) {
    return sendJson(res, 400, { error: String(e) });
  }
});

let listening = 0;
function announce() {
  listening += 1;
  if (listening === 2) {
    process.stdout.write(`fcm_port=${server.address().port} control_port=${control.address().port}\n`);
  }
}
server.listen(opts.port, opts.host, announce);
control.listen(opts.controlPort, '127.0.0.1', announce);

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    control.close();
    process.exit(0);
  });
}
