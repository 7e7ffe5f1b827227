// Local TLS server for http2_client_test: HTTP/2 (optionally APNs-strict) or HTTP/1.1-only,
// with routes that misbehave on purpose and a plain-HTTP control port reporting what it saw.
// Usage: node h2_test_server.js --key K --cert C [--mode h2|h1|stall] [--strict] [--max-streams N]
//          [--goaway-after N] [--zero-window-ms T]
// --mode stall: a TLS server that picks h2 by ALPN and then never reads or writes.
// --goaway-after N: each session sends GOAWAY (last stream id: its Nth stream) when the Nth
// stream arrives, leaves the later ones unanswered ("ignored") and is destroyed 300 ms later.
// --zero-window-ms T: streams start with a flow-control window of 0, opened after T ms.
// Prints "port=<tls port> ctrl=<control port>" once both listen; exits when stdin closes, so a
// crashed test never leaves it behind.
'use strict';
const fs = require('fs');
const http = require('http');
const http2 = require('http2');
const https = require('https');

const args = {mode: 'h2', strict: false};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--strict') args.strict = true;
  else args[a.replace(/^--/, '')] = process.argv[++i];
}
const tls = {key: fs.readFileSync(args.key), cert: fs.readFileSync(args.cert)};

function freshStats() {
  return {connections: 0, openConnections: 0, maxOpenConnections: 0, requests: 0, active: 0,
          maxActive: 0, paths: [], authorities: [], lastHeaders: {}, maxActivePerConnection: 0,
          refused: 0, ignored: 0, pings: 0, lastBodyBytes: 0};
}
let stats = freshStats();
const refusedIds = new Set();

function query(path) {
  const q = {};
  const i = path.indexOf('?');
  if (i < 0) return q;
  for (const kv of path.slice(i + 1).split('&')) {
    const [k, v] = kv.split('=');
    q[k] = decodeURIComponent(v || '');
  }
  return q;
}

// Answers one request; `send(status, headers, body)` abstracts HTTP/2 vs HTTP/1.1.
function route(method, path, headers, body, send, cut) {
  const q = query(path);
  const p = path.split('?')[0];
  const echo = () => JSON.stringify({method, path, body, authority: headers[':authority'] ||
                                     headers.host || ''});
  if (p === '/hang') return;  // never answers: timeouts and shutdown
  if (p === '/slow') {
    setTimeout(() => send(200, {}, echo()), Number(q.ms || 100));
    return;
  }
  if (p === '/status') {
    send(Number(q.code || 500), {'retry-after': '7'}, JSON.stringify({reason: q.reason || 'X'}));
    return;
  }
  if (p === '/big') {
    send(Number(q.code || 200), {}, 'x'.repeat(Number(q.bytes || 1 << 20)));
    return;
  }
  if (p === '/cut') {
    cut();
    return;
  }
  send(200, {'apns-id': headers['apns-id'] || 'generated-id', 'x-echo-method': method}, echo());
}

function track(headers, path) {
  stats.requests++;
  stats.paths.push(path);
  stats.authorities.push(headers[':authority'] || headers.host || '');
  stats.lastHeaders = headers;
}

let server;
if (args.mode === 'stall') {
  const tlsServer = require('tls');
  server = tlsServer.createServer({...tls, ALPNProtocols: ['h2']}, (socket) => {
    socket.pause();
    socket.on('error', () => {});
  });
  server.on('secureConnection', (socket) => {
    stats.connections++;
    stats.openConnections++;
    socket.on('close', () => stats.openConnections--);
  });
} else if (args.mode === 'h1') {
  // No ALPN at all: what an HTTP/1.1-only endpoint looks like to the client.
  server = https.createServer(tls, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      track(req.headers, req.url);
      route(req.method, req.url, req.headers, Buffer.concat(chunks).toString(),
            (status, h, body) => {
              res.writeHead(status, {...h, 'X-Mixed-Case': 'yes'});
              res.end(body);
            },
            () => req.socket.destroy());
    });
  });
  server.on('secureConnection', () => stats.connections++);
} else {
  const settings = {maxConcurrentStreams: args.strict ? 1 : Number(args['max-streams'] || 1000)};
  if (args['zero-window-ms']) settings.initialWindowSize = 0;
  server = http2.createSecureServer({...tls, allowHTTP1: false, settings});
  server.on('session', (session) => {
    stats.connections++;
    stats.openConnections++;
    stats.maxOpenConnections = Math.max(stats.maxOpenConnections, stats.openConnections);
    session.on('close', () => stats.openConnections--);
    session.active = 0;
    session.warm = !args.strict;
    session.streams = 0;
    session.on('ping', () => stats.pings++);
    session.on('error', () => {});
    if (args['zero-window-ms']) {
      setTimeout(() => {
        if (!session.destroyed) session.settings({initialWindowSize: 65535});
      }, Number(args['zero-window-ms']));
    }
  });
  server.on('stream', (stream, headers) => {
    const session = stream.session;
    session.streams++;
    if (session.goawayLast !== undefined && stream.id > session.goawayLast) {
      stats.ignored++;  // above the GOAWAY's last stream id: never processed
      stream.on('error', () => {});
      return;
    }
    if (args['goaway-after'] && session.streams === Number(args['goaway-after'])) {
      session.goawayLast = stream.id;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id);
      setTimeout(() => session.destroy(), 300);
    }
    stats.active++;
    session.active++;
    stats.maxActive = Math.max(stats.maxActive, stats.active);
    stats.maxActivePerConnection = Math.max(stats.maxActivePerConnection, session.active);
    stream.on('close', () => { stats.active--; session.active--; });
    stream.on('error', () => {});
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const path = headers[':path'];
      track(headers, path);
      stats.lastBodyBytes = Buffer.concat(chunks).length;
      if (path.startsWith('/refuse-once')) {
        // Refuses the first attempt of each id (not processed, so safe to retry), then answers.
        const id = query(path).id;
        if (!refusedIds.has(id)) {
          refusedIds.add(id);
          stats.refused++;
          stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
      }
      if (path === '/no-body') {
        // How APNs accepts a push: HEADERS with END_STREAM, no DATA, no content-length.
        if (!session.warm) {
          session.warm = true;
          session.settings({maxConcurrentStreams: 100});
        }
        stream.respond({':status': 200, 'apns-id': 'generated-id'}, {endStream: true});
        return;
      }
      if (path.startsWith('/reset')) {
        stream.close(Number(query(path).code || 2));
        return;
      }
      if (path === '/goaway') {
        // A clean answer, then a graceful GOAWAY: the next request needs a new connection.
        stream.respond({':status': 200});
        stream.end('bye', () => session.close());
        return;
      }
      route(headers[':method'], path, headers, Buffer.concat(chunks).toString(),
            (status, h, body) => {
              if (stream.destroyed) return;
              if (!session.warm && status === 200) {
                // APNs: one stream until a request succeeds, then a higher limit.
                session.warm = true;
                session.settings({maxConcurrentStreams: 100});
              }
              stream.respond({':status': status, 'content-type': 'application/json', ...h});
              stream.end(body);
            },
            () => {
              // Headers and part of the body, then GOAWAY and a dead session mid-stream.
              stream.respond({':status': 200});
              stream.write('partial', () => {
                session.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR, stream.id);
                setImmediate(() => session.destroy());
              });
            });
    });
  });
}
server.on('tlsClientError', () => {});

const control = http.createServer((req, res) => {
  if (req.url === '/reset') stats = freshStats();
  res.writeHead(200, {'content-type': 'application/json'});
  res.end(JSON.stringify(stats));
});

server.listen(0, '127.0.0.1', () => {
  control.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port=${server.address().port} ctrl=${control.address().port}\n`);
  });
});
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
