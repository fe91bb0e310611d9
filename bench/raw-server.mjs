// The baseline for `npm run bench`: a bare node:http server that answers every request with the bytes and
// headers gongkai sent for the page under test. It does no routing, no middleware and no logging, so its
// req/s is what this machine and Node can do for that response; gongkai's figure is compared against it.
//
// Usage: node bench/raw-server.mjs SPEC.json   (SPEC: { "bodyFile": "...", "headers": { name: value } })
// Prints "listening PORT" on stdout once it accepts connections on 127.0.0.1.
import fs from 'node:fs';
import http from 'node:http';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const body = fs.readFileSync(spec.bodyFile);
const headers = { ...spec.headers, 'content-length': String(body.length) };

const server = http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
// Same keep-alive timeout as gongkai's server (src/server.ts).
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
