// What every Node provider fake needs besides its protocol: the command line, JSON bodies, and
// the "<name>_port=<p> control_port=<p>" line tests wait for (tests/fakes/fake_process.h); and
// for the HTTP/2 fakes, the ways a provider's connection dies under the client. Node 20, no npm
// packages. Used by hook/fake_hook.js and webpush/fake_webpush.js; the APNs and FCM fakes
// predate it and take only the connection faults from it.
'use strict';

const http2 = require('http2');

// `spec`: {program, defaults: {key: value}, options: {'--flag': key}, numeric: [key],
// required: [key]}. Exits with status 2 and a message on anything unknown or missing.
function parseArgs(argv, spec) {
  const out = { ...spec.defaults };
  for (let i = 2; i < argv.length; i += 2) {
    const name = spec.options[argv[i]];
    if (!name || i + 1 >= argv.length) {
      console.error(`${spec.program}: unknown or incomplete option ${argv[i]}`);
      process.exit(2);
    }
    out[name] = (spec.numeric || []).includes(name) ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const required of spec.required || []) {
    if (!out[required]) {
      const flag = Object.keys(spec.options).find((f) => spec.options[f] === required);
      console.error(`${spec.program}: ${flag} is required`);
      process.exit(2);
    }
  }
  return out;
}

// The whole request body as a Buffer.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// The body parsed as JSON ({} when empty); rejects on invalid JSON.
async function readJson(req) {
  const text = (await readBody(req)).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function sendJson(res, status, value, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

// Listens on both servers, prints "<portName>=<p> control_port=<p>" once both listen, and
// closes both on SIGTERM.
function listenAndAnnounce(portName, server, port, host, control, controlPort) {
  let listening = 0;
  const announce = () => {
    listening += 1;
    if (listening === 2) {
      process.stdout.write(
        `${portName}=${server.address().port} control_port=${control.address().port}\n`);
    }
  };
  server.listen(port, host, announce);
  control.listen(controlPort, '127.0.0.1', announce);
  process.on('SIGTERM', () => {
    server.close();
    control.close();
    process.exit(0);
  });
}

// Connection faults for the `reset` and `goaway` rules of an HTTP/2 fake's `server`
// (http2.createSecureServer). Call before the server listens.
//   reset(remotePort)               drops the client's TCP connection from that port with a RST,
//                                   as a crashed peer or a middlebox does: no answer, no GOAWAY,
//                                   no TLS alert. False when that connection is gone already.
//   goaway(session, stream, data)   closes the connection as a provider does on shutdown: GOAWAY
//                                   (debug `data`, optional), the stream reset so the client sees
//                                   a failed request rather than an answer, the connection
//                                   dropped soon after.
function connectionFaults(server) {
  // The TCP sockets under the TLS sessions, by the client's port. A session's own socket is a
  // proxy that refuses destroy(), and resetting the TLS layer would still send a close_notify.
  const rawSockets = new Map();
  server.on('connection', (socket) => {
    const port = socket.remotePort;
    rawSockets.set(port, socket);
    socket.on('close', () => {
      if (rawSockets.get(port) === socket) rawSockets.delete(port);
    });
  });
  return {
    reset(remotePort) {
      const raw = rawSockets.get(remotePort);
      if (!raw) return false;
      raw.resetAndDestroy();
      return true;
    },
    goaway(session, stream, data) {
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id, data);
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      setTimeout(() => session.destroy(), 50);
    },
  };
}

module.exports = { parseArgs, readBody, readJson, sendJson, listenAndAnnounce, connectionFaults };
