#!/usr/bin/env node
// Fake forward-hook receiver for tests: an HTTPS server speaking HTTP/1.1 only (ALPN
// "http/1.1", as most webhook receivers do) that checks what pushgate sends the way a careful
// receiver would — the HMAC-SHA256 signature over "<timestamp>.<body>", the timestamp's age,
// the JSON shape — records every request, and answers what the control port tells it to
// (500, 503 with Retry-After, 429, 404, slow answers). Node 20, no npm packages.
// See tests/fakes/README.md.
//
//   node fake_hook.js --cert cert.pem --key key.pem [--secret S] \
//     [--signature-header X-Pushgate-Signature] [--max-skew 300] \
//     [--port 0] [--control-port 0] [--host 127.0.0.1]
//
// Prints "hook_port=<p> control_port=<p>" on stdout once both ports listen.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');

// ---- command line --------------------------------------------------------------------------

function parseArgs(argv) {
  const out = {
    port: 0,
    controlPort: 0,
    host: '127.0.0.1',
    secret: '',
    signatureHeader: 'X-Pushgate-Signature',
    maxSkew: 300,
  };
  const names = {
    '--cert': 'cert',
    '--key': 'key',
    '--secret': 'secret',
    '--signature-header': 'signatureHeader',
    '--max-skew': 'maxSkew',
    '--port': 'port',
    '--control-port': 'controlPort',
    '--host': 'host',
  };
  for (let i = 2; i < argv.length; i += 2) {
    const name = names[argv[i]];
    if (!name || i + 1 >= argv.length) {
      console.error(`fake_hook: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    const numeric = ['port', 'controlPort', 'maxSkew'].includes(name);
    out[name] = numeric ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const required of ['cert', 'key']) {
    if (!out[required]) {
      console.error(`fake_hook: --${required} is required`);
      process.exit(2);
    }
  }
  return out;
}

const opts = parseArgs(process.argv);

// ---- state ---------------------------------------------------------------------------------

const REASONS = { 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error',
                  503: 'Service Unavailable' };

let rules = [];    // [{status, retryAfter, delayMs, times}], the first one applies
let requests = [];
let nextId = 1;

function takeRule() {
  if (rules.length === 0) return null;
  const rule = rules[0];
  if (rule.times !== undefined) {
    rule.times -= 1;
    if (rule.times <= 0) rules.shift();
  }
  return rule;
}

// ---- checks --------------------------------------------------------------------------------

// Returns null when the request is acceptable, else [status, error].
function check(req, raw, record) {
  if (req.method !== 'POST') return [405, 'method must be POST'];
  const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return [415, 'content-type must be application/json'];
  if (req.headers['user-agent'] !== 'pushgate') return [400, 'user-agent must be pushgate'];
  if (!/^[0-9]+$/.test(req.headers['idempotency-key'] || '')) {
    return [400, 'idempotency-key must be the delivery id'];
  }
  if (opts.secret) {
    const ts = req.headers['x-pushgate-timestamp'] || '';
    const sig = req.headers[opts.signatureHeader.toLowerCase()] || '';
    if (!/^[0-9]+$/.test(ts)) return [401, 'missing timestamp'];
    const skew = Math.abs(Date.now() / 1000 - Number(ts));
    record.timestampValid = skew <= opts.maxSkew;
    if (!record.timestampValid) return [401, 'stale timestamp'];
    const expected = 'sha256=' + crypto.createHmac('sha256', opts.secret)
      .update(ts + '.').update(raw).digest('hex');
    record.signatureValid = sig.length === expected.length &&
      crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
    if (!record.signatureValid) return [401, 'bad signature'];
  }
  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    return [400, 'body is not JSON'];
  }
  for (const key of ['id', 'app_id', 'uid', 'type', 'received_at']) {
    if (typeof body[key] !== 'string' || body[key] === '') return [400, `${key} must be a string`];
  }
  if (!Number.isInteger(body.attempt) || body.attempt < 1) return [400, 'attempt must be >= 1'];
  if (!('call_action' in body)) return [400, 'call_action missing'];
  if (typeof body.payload !== 'object' || body.payload === null) return [400, 'payload missing'];
  // The payload as it appears in the body, byte for byte, for tests to compare with what they
  // posted to pushgate.
  const text = raw.toString('utf8');
  const marker = ',"payload":';
  // The first occurrence: the fields before it are JSON strings, in which '"' is escaped.
  const at = text.indexOf(marker);
  record.rawPayload = at >= 0 && text.endsWith('}') ? text.slice(at + marker.length, -1) : null;
  record.body = body;
  return null;
}

// ---- the receiving side --------------------------------------------------------------------

function answer(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

const server = https.createServer(
  { cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key), ALPNProtocols: ['http/1.1'] },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const record = {
        id: nextId++,
        receivedAt: Date.now(),
        httpVersion: req.httpVersion,
        method: req.method,
        path: req.url,
        headers: req.headers,
        rawBody: raw.toString('utf8'),
        bodyBytes: raw.length,
        body: null,
        rawPayload: null,
        signatureValid: null,
        timestampValid: null,
        status: 0,
        error: null,
      };
      requests.push(record);
      const problem = check(req, raw, record);
      if (problem) {
        record.status = problem[0];
        record.error = problem[1];
        return answer(res, problem[0], { error: problem[1] });
      }
      const rule = takeRule();
      const status = rule && rule.status ? rule.status : 200;
      const headers = {};
      if (rule && rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
      const send = () => {
        record.status = status;
        answer(res, status, status < 300 ? { ok: true } : { error: REASONS[status] || 'error' },
               headers);
      };
      if (rule && rule.delayMs) setTimeout(send, rule.delayMs); else send();
    });
  });

// ---- the control side ----------------------------------------------------------------------

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolve({});
      try { resolve(JSON.parse(text)); } catch (e) { reject(e); }
    });
  });
}

const control = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://control').pathname;
    if (req.method === 'POST' && path === '/control/behaviour') {
      const rule = await readJson(req);
      rules.push(rule);
      return answer(res, 200, { rules: rules.length });
    }
    if (req.method === 'DELETE' && path === '/control/behaviour') {
      rules = [];
      return answer(res, 200, {});
    }
    if (req.method === 'GET' && path === '/control/requests') return answer(res, 200, requests);
    if (req.method === 'POST' && path === '/control/reset') {
      rules = [];
      requests = [];
      return answer(res, 200, {});
    }
    return answer(res, 404, { error: `no control route ${req.method} ${path}` });
  } catch (e) {
    return answer(res, 400, { error: String(e) });
  }
});

let listening = 0;
function announce() {
  listening += 1;
  if (listening === 2) {
    process.stdout.write(`hook_port=${server.address().port} control_port=${control.address().port}\n`);
  }
}
server.listen(opts.port, opts.host, announce);
control.listen(opts.controlPort, '127.0.0.1', announce);
process.on('SIGTERM', () => {
  server.close();
  control.close();
  process.exit(0);
});
