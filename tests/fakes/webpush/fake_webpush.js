#!/usr/bin/env node
// Fake Web Push service for tests (RFC 8030 push, RFC 8291 encryption, RFC 8292 VAPID): one TLS
// port speaking HTTP/2 only (ALPN h2) that accepts pushes to the subscriptions it handed out,
// checks each request the way push services do (docs: protocols.md §4) and DECRYPTS it with
// the subscription's private key using its own implementation on Node crypto, so the gateway's
// encryption is checked independently. A plain HTTP/1.1 control port hands out subscriptions,
// sets per-subscription behaviour and returns what was received. Node 20, no npm packages.
// See tests/fakes/README.md.
//
//   node fake_webpush.js --cert cert.pem --key key.pem --vapid-public-key <base64url point> \
//     [--endpoint-host push.example] [--port 0] [--control-port 0] [--host 127.0.0.1]
//
// Prints "push_port=<p> control_port=<p>" on stdout once both ports listen.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const http2 = require('http2');
const path = require('path');
const { parseArgs, readBody, listenAndAnnounce } =
  require(path.join(__dirname, '..', 'fake_common.js'));

const opts = parseArgs(process.argv, {
  program: 'fake_webpush',
  defaults: { port: 0, controlPort: 0, host: '127.0.0.1', endpointHost: 'push.example' },
  options: {
    '--cert': 'cert',
    '--key': 'key',
    '--vapid-public-key': 'vapidPublicKey',
    '--endpoint-host': 'endpointHost',
    '--port': 'port',
    '--control-port': 'controlPort',
    '--host': 'host',
  },
  numeric: ['port', 'controlPort'],
  required: ['cert', 'key', 'vapidPublicKey'],
});

const MAX_BODY_BYTES = 4096;        // RFC 8030 §7.2: what every push service must accept
const MAX_JWT_LIFETIME_SEC = 86400; // RFC 8292 §2
const CLOCK_SLACK_SEC = 60;
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);
const DEFAULT_REASON = {
  400: 'BadWebPushRequest', 401: 'BadAuthorizationHeader', 403: 'BadJwtToken', 404: 'NotFound',
  410: 'Unregistered', 413: 'PayloadTooLarge', 429: 'TooManyRequests', 500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

// ---- state ---------------------------------------------------------------------------------

const state = {
  vapidPublicKey: opts.vapidPublicKey,  // base64url; changeable through the control API
  subscriptions: new Map(),  // id -> { ecdh, p256dh, auth, rule, remaining }
  requests: [],
  stats: null,
  nextId: 1,
  nextMessage: 1,
};
function freshStats() {
  return { pushes: 0, delivered: 0, decryptFailures: 0, vapidFailures: 0 };
}
state.stats = freshStats();

// ---- crypto (independent of the gateway's C++) ---------------------------------------------

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data).digest();
}

// RFC 8291 §3.4 + RFC 8188 §2: decrypts a single-record aes128gcm body for `sub`.
// Returns { plaintext } or { error }.
function decryptAes128gcm(body, sub) {
  if (body.length < 21) return { error: 'body shorter than the aes128gcm header' };
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  if (idlen !== 65) return { error: `keyid length ${idlen}, want 65 (the sender public key)` };
  if (body.length < 21 + idlen) return { error: 'truncated keyid' };
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (rs < 18) return { error: `record size ${rs} below 18` };
  if (record.length > rs) return { error: `more than one record (${record.length} > rs ${rs})` };
  if (record.length < 17) return { error: 'record shorter than tag and delimiter' };
  let ecdhSecret;
  try {
    ecdhSecret = sub.ecdh.computeSecret(asPublic);
  } catch (e) {
    return { error: 'sender key is not a P-256 point' };
  }
  const uaPublic = sub.ecdh.getPublicKey();
  const prkKey = hmac(sub.auth, ecdhSecret);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = hmac(prkKey, Buffer.concat([keyInfo, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  let padded;
  try {
    const d = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
    d.setAuthTag(record.subarray(record.length - 16));
    padded = Buffer.concat([d.update(record.subarray(0, record.length - 16)), d.final()]);
  } catch (e) {
    return { error: 'AES-GCM authentication failed (wrong keys or derivation)' };
  }
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 2) return { error: 'last record lacks the 0x02 delimiter' };
  return { plaintext: padded.subarray(0, end) };
}

function b64urlJson(part) {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (e) {
    return null;
  }
}

// RFC 8292: `Authorization: vapid t=<jwt>, k=<key>`. Returns { status, reason, vapid } where
// status is 0 when everything checks out.
function checkVapid(authorization, origin) {
  const vapid = { header: null, claims: null, k: null, valid: false };
  const m = /^vapid\s+t=([^,\s]+)\s*,\s*k=([A-Za-z0-9_-]+)\s*$/.exec(authorization || '');
  if (!m) return { status: 401, reason: 'BadAuthorizationHeader', vapid };
  const [, jwt, k] = m;
  vapid.k = k;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return { status: 401, reason: 'BadVapidPublicKey', vapid };
  if (k !== state.vapidPublicKey) return { status: 403, reason: 'VapidPkHashMismatch', vapid };
  const parts = jwt.split('.');
  if (parts.length !== 3) return { status: 403, reason: 'BadJwtToken', vapid };
  vapid.header = b64urlJson(parts[0]);
  vapid.claims = b64urlJson(parts[1]);
  if (!vapid.header || vapid.header.alg !== 'ES256' || !vapid.claims) {
    return { status: 403, reason: 'BadJwtToken', vapid };
  }
  let key;
  try {
    key = crypto.createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'),
             y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
  } catch (e) {
    return { status: 401, reason: 'BadVapidPublicKey', vapid };
  }
  const signature = Buffer.from(parts[2], 'base64url');
  const signed = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`),
                               { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (signature.length !== 64 || !signed) return { status: 403, reason: 'BadJwtToken', vapid };
  const c = vapid.claims;
  const now = Math.floor(Date.now() / 1000);
  if (c.aud !== origin) return { status: 403, reason: 'BadJwtToken', vapid, detail: `aud ${c.aud} != ${origin}` };
  if (!Number.isInteger(c.exp) || c.exp <= now - CLOCK_SLACK_SEC ||
      c.exp > now + MAX_JWT_LIFETIME_SEC + CLOCK_SLACK_SEC) {
    return { status: 403, reason: 'BadJwtToken', vapid, detail: 'exp' };
  }
  if (typeof c.sub !== 'string' || !/^(mailto:.+|https:\/\/.+)$/.test(c.sub)) {
    return { status: 403, reason: 'BadJwtToken', vapid, detail: 'sub' };
  }
  vapid.valid = true;
  return { status: 0, vapid };
}

// ---- push endpoint -------------------------------------------------------------------------

function answer(res, status, headers, body) {
  if (res.closed || res.destroyed) return;
  res.writeHead(status, headers);
  res.end(body === undefined ? '' : body);
}

async function onPush(req, res) {
  const body = await readBody(req);
  const record = {
    id: state.nextId++,
    receivedAt: Date.now(),
    httpVersion: req.httpVersion,
    method: req.method,
    path: req.url,
    authority: req.headers[':authority'] || req.headers.host || '',
    headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'authorization')),
    subscription: null,
    ttl: req.headers.ttl === undefined ? null : req.headers.ttl,
    urgency: req.headers.urgency || null,
    topic: req.headers.topic || null,
    bodyBytes: body.length,
    vapid: null,
    decrypted: null,
    payload: null,
    decryptError: null,
    status: 0,
    reason: null,
  };
  state.requests.push(record);
  state.stats.pushes++;
  const reply = (status, reason, extra = {}) => {
    record.status = status;
    record.reason = reason;
    const headers = { 'content-type': 'application/json', ...extra };
    answer(res, status, headers, JSON.stringify({ reason }));
  };

  const m = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url);
  if (req.method !== 'POST') return reply(405, 'MethodNotAllowed');
  if (!m) return reply(404, 'NotFound');
  const sub = state.subscriptions.get(m[1]);
  record.subscription = m[1];
  if (!sub) return reply(404, 'NotFound');  // RFC 8030 §7.3: an expired subscription

  const origin = `https://${record.authority}`;
  const v = checkVapid(req.headers.authorization, origin);
  record.vapid = v.vapid;
  if (v.status) {
    state.stats.vapidFailures++;
    record.vapidDetail = v.detail || null;
    return reply(v.status, v.reason);
  }
  if (record.ttl === null || !/^\d+$/.test(record.ttl)) return reply(400, 'BadTtl');
  if (record.urgency !== null && !URGENCIES.has(record.urgency)) return reply(400, 'BadUrgency');
  if (record.topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(record.topic)) {
    return reply(400, 'BadWebPushTopic');
  }
  if (body.length > MAX_BODY_BYTES) return reply(413, 'PayloadTooLarge');
  if (body.length > 0) {
    if (req.headers['content-encoding'] !== 'aes128gcm') return reply(400, 'BadWebPushRequest');
    const d = decryptAes128gcm(body, sub);
    if (d.error) {
      state.stats.decryptFailures++;
      record.decryptError = d.error;
      return reply(400, 'DecryptionFailed');
    }
    record.decrypted = d.plaintext.toString('utf8');
    try {
      record.payload = JSON.parse(record.decrypted);
    } catch (e) {
      record.payload = null;
    }
  }

  const rule = sub.rule;
  if (rule && sub.remaining !== 0) {
    if (sub.remaining !== null) sub.remaining--;
    if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
    if (rule.status) {
      const extra = rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {};
      return reply(rule.status, rule.reason || DEFAULT_REASON[rule.status] || 'Error', extra);
    }
  }
  state.stats.delivered++;
  const location = `${origin}/message/${state.nextMessage++}`;
  record.status = 201;
  record.location = location;
  answer(res, 201, { location, ttl: record.ttl });
}

// ---- control API ---------------------------------------------------------------------------

function newSubscription() {
  const pushPort = server.address().port;
  const id = crypto.randomBytes(12).toString('base64url');
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = crypto.randomBytes(16);
  state.subscriptions.set(id, { ecdh, auth, rule: null, remaining: null });
  return {
    id,
    endpoint: `https://${opts.endpointHost}:${pushPort}/push/${id}`,
    expirationTime: null,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  };
}

function control() {
  return async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    let json = {};
    if (body) {
      try {
        json = JSON.parse(body);
      } catch (e) {
        return answer(res, 400, { 'content-type': 'application/json' }, '{"error":"bad json"}');
      }
    }
    const send = (obj, status = 200) =>
      answer(res, status, { 'content-type': 'application/json' }, JSON.stringify(obj));
    const url = req.url;
    const sub = /^\/control\/subscriptions\/([A-Za-z0-9_-]+)$/.exec(url);
    if (req.method === 'POST' && url === '/control/subscriptions') return send(newSubscription());
    if (sub && req.method === 'POST') {
      const s = state.subscriptions.get(sub[1]);
      if (!s) return send({ error: 'no such subscription' }, 404);
      s.rule = json;
      s.remaining = Number.isInteger(json.times) ? json.times : null;
      return send({ ok: true });
    }
    if (sub && req.method === 'DELETE') {
      // The browser unsubscribed: later pushes answer 404 (or set a 410 rule instead).
      state.subscriptions.delete(sub[1]);
      return send({ ok: true });
    }
    if (req.method === 'POST' && url === '/control/vapid-public-key') {
      state.vapidPublicKey = json.key;
      return send({ ok: true });
    }
    if (req.method === 'GET' && url === '/control/requests') return send(state.requests);
    if (req.method === 'DELETE' && url === '/control/requests') {
      state.requests = [];
      return send({ ok: true });
    }
    if (req.method === 'GET' && url === '/control/stats') return send(state.stats);
    if (req.method === 'POST' && url === '/control/reset') {
      for (const s of state.subscriptions.values()) {
        s.rule = null;
        s.remaining = null;
      }
      state.vapidPublicKey = opts.vapidPublicKey;
      state.requests = [];
      state.stats = freshStats();
      return send({ ok: true });
    }
    return send({ error: 'unknown control request' }, 404);
  };
}

// ---- servers -------------------------------------------------------------------------------

const server = http2.createSecureServer({
  cert: fs.readFileSync(opts.cert),
  key: fs.readFileSync(opts.key),
  allowHTTP1: false,
  ALPNProtocols: ['h2'],
});
server.on('request', (req, res) => {
  onPush(req, res).catch((e) => {
    console.error('fake_webpush:', e);
    answer(res, 500, {}, '');
  });
});
server.on('sessionError', () => {});

listenAndAnnounce('push_port', server, opts.port, opts.host, http.createServer(control()),
                  opts.controlPort);
