import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { invalidateOrgTree } from '../../modules/organizations/organizations.service.js';
import { seedDemo } from '../../modules/seed/demo.js';
import { createTestApp, type TestApp } from '../../testing/app.js';
import { securityHeaderList } from '../security/headers.js';
import { accessLogged } from './access-log.js';
import { clearPageCache, pageCacheListener } from './page-cache.js';

// The page cache's direct writes, through a real HTTP server as `gongkai serve` builds it.
describe('page cache served before the app', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  const logged: Record<string, unknown>[] = [];
  const policy = { mode: 'slow' as 'all' | 'slow', slowMs: 500 };
  before(async () => {
    t = await createTestApp('sqlite');
    await seedDemo(t.deps);
    const logger = { info: (o: Record<string, unknown>) => void logged.push(o) };
    server = createServer(
      pageCacheListener(getRequestListener(t.app.fetch), {
        securityHeaders: securityHeaderList({ https: false }),
        logger: logger as never,
        accessLog: policy,
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await t.dispose();
  });

  const headersOf = (res: Response) => {
    const h = Object.fromEntries(res.headers);
    delete h.date;
    delete h['x-request-id'];
    delete h['keep-alive'];
    delete h.connection;
    return h;
  };

  test('a cache hit sends the same bytes and headers as the app, with its own request id', async () => {
    clearPageCache();
    const first = await fetch(`${base}/org/wenti`); // rendered by the app, stored
    const body1 = await first.text();
    const second = await fetch(`${base}/org/wenti`); // written directly
    const body2 = await second.text();
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(body2, body1);
    assert.deepEqual(headersOf(second), headersOf(first));
    assert.match(second.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(second.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(second.headers.get('cache-control'), 'private, no-cache');
    assert.equal(second.headers.get('vary'), 'Cookie');
    assert.equal(second.headers.get('content-length'), String(Buffer.byteLength(body1)));
    assert.equal(second.headers.get('set-cookie'), null);
    const id1 = first.headers.get('x-request-id');
    const id2 = second.headers.get('x-request-id');
    assert.match(id2 ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(id1, id2);
  });

  test('elderly mode and the query string are part of the key', async () => {
    clearPageCache();
    const normal = await (await fetch(`${base}/org/wenti`)).text();
    const elderly = await (await fetch(`${base}/org/wenti`, { headers: { cookie: 'a=b; gk_elderly=1' } })).text();
    assert.notEqual(elderly, normal);
    const elderly2 = await (await fetch(`${base}/org/wenti`, { headers: { cookie: 'gk_elderly=1' } })).text();
    assert.equal(elderly2, elderly);
    assert.equal(await (await fetch(`${base}/org/wenti`)).text(), normal);
  });

  test('staff pages, errors and HEAD requests are never answered from the cache', async () => {
    clearPageCache();
    await fetch(`${base}/org/wenti`);
    const head = await fetch(`${base}/org/wenti`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const nope = await fetch(`${base}/org/nope`);
    assert.equal(nope.status, 404);
    assert.equal((await fetch(`${base}/org/nope`)).status, 404);
    const consolePage = await fetch(`${base}/console`, { redirect: 'manual' });
    assert.notEqual(consolePage.status, 200); // signed out: sent to sign in, not a cached page
  });

  test('a write clears the cache: the next request renders again', async () => {
    clearPageCache();
    const before1 = await (await fetch(`${base}/`)).text();
    await t.db.kysely
      .updateTable('organizations')
      .set({ name: '厦门市湖里区文体出版旅游局（新名）' })
      .where('slug', '=', 'wenti')
      .execute();
    assert.equal(await (await fetch(`${base}/`)).text(), before1); // still cached
    invalidateOrgTree(t.deps);
    clearPageCache(); // what the services' writes call
    assert.match(await (await fetch(`${base}/`)).text(), /文体出版旅游局（新名）/);
  });

  test('the access log keeps writes, errors and slow requests by default, every request with ACCESS_LOG=all', async () => {
    assert.equal(accessLogged({ mode: 'slow', slowMs: 500 }, 'GET', 200, 3), false);
    assert.equal(accessLogged({ mode: 'slow', slowMs: 500 }, 'GET', 200, 600), true);
    assert.equal(accessLogged({ mode: 'slow', slowMs: 500 }, 'GET', 404, 1), true);
    assert.equal(accessLogged({ mode: 'slow', slowMs: 500 }, 'POST', 303, 1), true);
    assert.equal(accessLogged({ mode: 'all', slowMs: 500 }, 'GET', 200, 0), true);
    clearPageCache();
    await fetch(`${base}/org/wenti`);
    logged.length = 0;
    await fetch(`${base}/org/wenti`);
    assert.equal(logged.length, 0);
    policy.mode = 'all';
    try {
      const res = await fetch(`${base}/org/wenti?x=secret`);
      await res.text();
      await fetch(`${base}/org/wenti?x=secret`);
    } finally {
      policy.mode = 'slow';
    }
    const hit = logged.at(-1) as Record<string, unknown>;
    assert.equal(hit.path, '/org/wenti'); // never the query string
    assert.equal(hit.status, 200);
    assert.match(String(hit.reqId), /^[0-9a-f-]{36}$/);
  });
});
