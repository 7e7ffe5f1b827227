// What every Node provider fake needs besides its protocol: the command line, JSON bodies, and
// the "<name>_port=<p> control_port=<p>" line tests wait for (tests/fakes/fake_process.h).
// Node 20, no npm packages. Used by hook/fake_hook.js and webpush/fake_webpush.js; the APNs and
// FCM fakes predate it.
'use strict';

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

module.exports = { parseArgs, readBody, readJson, sendJson, listenAndAnnounce };
