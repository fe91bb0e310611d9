import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { wireConsoleRoutes } from '../../wiring.js';
import { PERMISSIONS, ROLES, type Role } from '../auth/permissions.js';
import { STAFF_ROUTES } from './staff.js';

// Every staff route × every role: allowed (anything but 403) exactly when the role holds the route's
// permission; signed out, every staff route redirects to sign-in.
for (const engine of testEngines()) {
  describe(`permission matrix (${engine})`, () => {
    let t: TestApp;
    const params: Record<string, string> = {};
    const clients = new Map<Role, TestClient>();

    before(async () => {
      t = await createTestApp(engine, { routes: wireConsoleRoutes });
      const k = t.db.kysely;
      const org = await k
        .insertInto('organizations')
        .values({
          code: 'M1',
          slug: 'm1',
          name: '矩阵测试局',
          short_name: '',
          kind: 'department',
          functions: '',
          address: '',
          postcode: '',
          phone: '',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
          leadership: '[]',
          sort_order: 0,
          active: 1,
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const target = await insertStaff(t, 'target', [{ role: 'drafter', organizationId: org.id }]);
      const grant = await k
        .selectFrom('role_grants')
        .select('id')
        .where('user_id', '=', target.id)
        .executeTakeFirstOrThrow();
      params[':id'] = String(target.id);
      params[':grantId'] = String(grant.id);
      params[':orgId'] = String(org.id);
      for (const role of ROLES) {
        const u = await insertStaff(t, `u_${role}`, [{ role, organizationId: org.id }], {
          totp: role === 'system_admin',
        });
        clients.set(role, await signedInClient(t, u));
      }
    });
    after(() => t.dispose());

    const concrete = (path: string) =>
      path.replace(/:[A-Za-z]+/g, (p) => {
        if (path.startsWith('/console/organizations/') && p === ':id') return params[':orgId'];
        return params[p] ?? '1';
      });

    test('the registry lists the staff routes', () => {
      assert.ok(STAFF_ROUTES.length >= 15, `only ${STAFF_ROUTES.length} staff routes registered`);
    });

    test('signed out, every staff route redirects to sign-in', async () => {
      for (const r of STAFF_ROUTES) {
        const c = new TestClient(t.app);
        const res = r.method === 'GET' ? await c.get(concrete(r.path)) : await c.post(concrete(r.path), {});
        assert.equal(res.status, 303, `${r.method} ${r.path}`);
        assert.match(res.headers.get('location') ?? '', /^\/console\/sign-in/, `${r.method} ${r.path}`);
      }
    });

    for (const role of ROLES) {
      test(`role ${role}: allowed exactly where its permissions say`, async () => {
        const c = clients.get(role)!;
        const wrong: string[] = [];
        // GETs first, then POSTs, so a state change by a POST cannot hide a GET's answer.
        const ordered = [...STAFF_ROUTES].sort((a, b) => (a.method === b.method ? 0 : a.method === 'GET' ? -1 : 1));
        for (const r of ordered) {
          const allowed = (PERMISSIONS[r.permission] as readonly Role[]).includes(role);
          const res = r.method === 'GET' ? await c.get(concrete(r.path)) : await c.post(concrete(r.path), {});
          const got = res.status === 403 ? 'denied' : 'allowed';
          if (got !== (allowed ? 'allowed' : 'denied'))
            wrong.push(`${r.method} ${r.path}: expected ${allowed ? 'allowed' : 'denied'}, got ${res.status}`);
          if (res.status >= 500) wrong.push(`${r.method} ${r.path}: server error ${res.status}`);
        }
        assert.deepEqual(wrong, []);
      });
    }
  });
}
