#!/usr/bin/env node
// Fake forward-hook receiver for tests: an HTTPS server speaking HTTP/1.1 only (ALPN
// "http/1.1", as most webhook receivers do) that checks what pushgate sends the way a careful
// receiver would — the HMAC-SHA256 signature over "<timestamp>.<body>", the timestamp's age,
// the JSON shape — records every request, and answers what the control port tells it to
// (500, 503 with Retry-After, 429, 404, slow answers). Node 20, no npm packages.
// See tests/fakes/README.md.
//
//   node fake_hook.js --cert cert.pem --key key.pem [--secret S] \
//     [--signature-header X-Pushgate-Signature] [--max-skew 300] [--plain-http 1] \
//     [--port 0] [--control-port 0] [--host 127.0.0.1]
//
// Prints "hook_port=<p> control_port=<p>" on stdout once both ports listen.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');

const { parseArgs, readBody, readJson, sendJson, listenAndAnnounce } =
  require(path.join(__dirname, '..', 'fake_common.js'));

const opts = parseArgs(process.argv, {
  program: 'fake_hook',
  defaults: { port: 0, controlPort: 0, host: '127.0.0.1', secret: '',
              signatureHeader: 'X-Pushgate-Signature', maxSkew: 300, plainHttp: 0 },
  options: { '--cert': 'cert', '--key': 'key', '--secret': 'secret',
             '--signature-header': 'signatureHeader', '--max-skew': 'maxSkew', '--port': 'port',
             '--control-port': 'controlPort', '--host': 'host', '--plain-http': 'plainHttp' },
  numeric: ['port', 'controlPort', 'maxSkew', 'plainHttp'],
  required: ['cert', 'key'],
});

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

// --plain-http 1: a loopback receiver without TLS (pushgate's allow_http_loopback).
const server = opts.plainHttp ? http.createServer(receive) : https.createServer(
  { cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key), ALPNProtocols: ['http/1.1'] },
  receive);

function receive(req, res) {
  readBody(req).then((raw) => {
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
      return sendJson(res, problem[0], { error: problem[1] });
    }
    const rule = takeRule();
    const status = rule && rule.status ? rule.status : 200;
    const headers = {};
    if (rule && rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
    const send = () => {
      record.status = status;
      sendJson(res, status, status < 300 ? { ok: true } : { error: REASONS[status] || 'error' },
             headers);
    };
    if (rule && rule.delayMs) setTimeout(send, rule.delayMs); else send();
  });
}

// ---- the control side ----------------------------------------------------------------------

const control = http.createServer(async (req, res) => {
  try {
    const route = new URL(req.url, 'http://control').pathname;
    if (req.method === 'POST' && route === '/control/behaviour') {
      const rule = await readJson(req);
      rules.push(rule);
      return sendJson(res, 200, { rules: rules.length });
    }
    if (req.method === 'DELETE' && route === '/control/behaviour') {
      rules = [];
      return sendJson(res, 200, {});
    }
    if (req.method === 'GET' && route === '/control/requests') return sendJson(res, 200, requests);
    if (req.method === 'POST' && route === '/control/reset') {
      rules = [];
      requests = [];
      return sendJson(res, 200, {});
    }
    return sendJson(res, 404, { error: `no control route ${req.method} ${route}` });
  } catch (e) {
    return sendJson(res, 400, { error: String(e) });
  }
});

listenAndAnnounce('hook_port', server, opts.port, opts.host, control, opts.controlPort);
