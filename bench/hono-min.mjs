// The middle point of `npm run bench`: the smallest Hono app on @hono/node-server (the same versions gongkai
// uses) answering every GET with the bytes and headers gongkai sent, the way gongkai's page cache does on a hit
// (`c.body(string, 200, headers)`). raw → hono-min is the framework and adapter's cost; hono-min → gongkai is
// what gongkai's own middleware and request path add.
//
// Usage: node bench/hono-min.mjs SPEC.json   (SPEC: { "bodyFile": "...", "headers": { name: value } })
// Prints "listening PORT" on stdout once it accepts connections on 127.0.0.1.
import fs from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const body = fs.readFileSync(spec.bodyFile, 'utf8');
const headers = spec.headers;

const app = new Hono();
app.get('*', (c) => c.body(body, 200, headers));

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
server.keepAliveTimeout = 5000;
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
