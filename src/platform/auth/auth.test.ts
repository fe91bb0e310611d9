import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createTestApp,
  insertStaff,
  signedInClient,
  TEST_PASSWORD,
  type TestApp,
  TestClient,
  totpNow,
} from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import { verifyAuditChain } from '../audit/audit.service.js';

for (const engine of testEngines()) {
  describe(`sign-in and sessions (${engine})`, () => {
    let t: TestApp;
    let orgId: number;
    before(async () => {
      t = await createTestApp(engine);
      orgId = (
        await t.db.kysely
          .insertInto('organizations')
          .values({
            code: 'T1',
            slug: 't1',
            name: '测试区人民政府',
            short_name: '',
            kind: 'government',
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
          .executeTakeFirstOrThrow()
      ).id;
    });
    after(() => t.dispose());

    test('a correct password signs in, sets an HttpOnly SameSite=Lax cookie and audits the sign-in', async () => {
      await insertStaff(t, 'drafter1', [{ role: 'drafter', organizationId: orgId }]);
      const c = new TestClient(t.app);
      const res = await c.post('/console/sign-in', { username: 'drafter1', password: TEST_PASSWORD, next: '/console' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/console');
      const sc = res.headers.getSetCookie().find((h) => h.startsWith('gk_session='))!;
      assert.match(sc, /HttpOnly/i);
      assert.match(sc, /SameSite=Lax/i);
      assert.equal((await c.get('/console')).status, 200);
      const ev = await t.db.kysely
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'auth.sign_in')
        .execute();
      assert.ok(ev.some((e) => e.entity_id !== ''));
    });

    test('a wrong password is refused with a Chinese message and audited as a failure', async () => {
      await insertStaff(t, 'drafter2', [{ role: 'drafter', organizationId: orgId }]);
      const c = new TestClient(t.app);
      const res = await c.post('/console/sign-in', { username: 'drafter2', password: 'wrong-password-1A' });
      assert.equal(res.status, 422);
      assert.match(await res.text(), /用户名或密码不正确/);
      const n = await t.db.kysely
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'auth.sign_in_failed')
        .execute();
      assert.ok(n.length >= 1);
    });

    test('five wrong passwords lock the account for 15 minutes, even against the right password', async () => {
      const u = await insertStaff(t, 'locky', [{ role: 'drafter', organizationId: orgId }]);
      const c = new TestClient(t.app);
      for (let i = 0; i < 4; i++)
        assert.equal(
          (await c.post('/console/sign-in', { username: 'locky', password: `Wrong-pass-${i}x` })).status,
          422,
        );
      const fifth = await c.post('/console/sign-in', { username: 'locky', password: 'Wrong-pass-5x' });
      assert.equal(fifth.status, 423);
      assert.match(await fifth.text(), /锁定 15 分钟/);
      const right = await c.post('/console/sign-in', { username: 'locky', password: TEST_PASSWORD });
      assert.equal(right.status, 423);
      const row = await t.db.kysely
        .selectFrom('users')
        .select('locked_until')
        .where('id', '=', u.id)
        .executeTakeFirstOrThrow();
      assert.ok(row.locked_until);
      // After 15 minutes the right password works again.
      const base = t.deps.clock();
      t.setNow(new Date(base.getTime() + 16 * 60_000));
      try {
        const ok = await c.post('/console/sign-in', { username: 'locky', password: TEST_PASSWORD });
        assert.equal(ok.status, 303);
      } finally {
        t.setNow(base);
      }
    });

    test('a session idle for more than 30 minutes is expired and the user is sent to sign in', async () => {
      const u = await insertStaff(t, 'idle', [{ role: 'drafter', organizationId: orgId }]);
      const c = await signedInClient(t, u);
      assert.equal((await c.get('/console')).status, 200);
      const base = t.deps.clock();
      t.setNow(new Date(base.getTime() + 29 * 60_000));
      assert.equal((await c.get('/console')).status, 200, 'activity within 30 minutes keeps the session');
      t.setNow(new Date(base.getTime() + 29 * 60_000 + 31 * 60_000));
      try {
        const res = await c.get('/console');
        assert.equal(res.status, 303);
        assert.match(res.headers.get('location')!, /\/console\/sign-in\?.*expired=1/);
      } finally {
        t.setNow(base);
      }
    });

    test('a form POST without a valid CSRF token is rejected with 403 and changes nothing', async () => {
      await insertStaff(t, 'csrfuser', [{ role: 'drafter', organizationId: orgId }]);
      const c = new TestClient(t.app);
      await c.csrf();
      const none = await c.post('/console/sign-in', { username: 'csrfuser', password: TEST_PASSWORD }, { csrf: false });
      assert.equal(none.status, 403);
      assert.match(await none.text(), /表单已过期或来源无效/);
      const forged = await c.post(
        '/console/sign-in',
        { username: 'csrfuser', password: TEST_PASSWORD },
        { csrf: 'forged-token' },
      );
      assert.equal(forged.status, 403);
      assert.equal(c.cookie('gk_session'), undefined);
      // A token minted for another visitor's cookie does not work either.
      const other = new TestClient(t.app);
      const stolen = await other.csrf();
      assert.equal(
        (await c.post('/console/sign-in', { username: 'csrfuser', password: TEST_PASSWORD }, { csrf: stolen })).status,
        403,
      );
    });

    test('a system administrator must enable TOTP before using the console, then signs in with a code', async () => {
      await insertStaff(t, 'root1', [{ role: 'system_admin', organizationId: orgId }]);
      const c = new TestClient(t.app);
      assert.equal((await c.post('/console/sign-in', { username: 'root1', password: TEST_PASSWORD })).status, 303);
      const held = await c.get('/console/users');
      assert.equal(held.status, 303);
      assert.match(held.headers.get('location')!, /\/console\/account\/totp/);
      const page = await (await c.get('/console/account/totp')).text();
      const secret = page.match(/id="totp-secret">([A-Z2-7]+)</)![1];
      const bad = await c.post('/console/account/totp', { code: '000000' });
      assert.equal(bad.status, 422);
      const ok = await c.post('/console/account/totp', { code: totpNow(secret, t.deps.clock()) });
      assert.equal(ok.status, 303);
      assert.equal((await c.get('/console/users')).status, 200);
      // A new sign-in now stops at the code step.
      const c2 = new TestClient(t.app);
      const r = await c2.post('/console/sign-in', { username: 'root1', password: TEST_PASSWORD });
      assert.match(r.headers.get('location')!, /\/console\/sign-in\/code/);
      assert.equal((await c2.get('/console')).headers.get('location'), '/console/sign-in/code');
      assert.equal((await c2.post('/console/sign-in/code', { code: '123456' })).status, 422);
      // The code used to bind is spent: replaying it within its window is refused.
      assert.equal((await c2.post('/console/sign-in/code', { code: totpNow(secret, t.deps.clock()) })).status, 422);
      const base = t.deps.clock();
      t.setNow(new Date(base.getTime() + 31_000));
      try {
        const code = totpNow(secret, t.deps.clock());
        const done = await c2.post('/console/sign-in/code', { code, next: '/console/users' });
        assert.equal(done.headers.get('location'), '/console/users');
        assert.equal((await c2.get('/console/users')).status, 200);
        const c3 = new TestClient(t.app);
        await c3.post('/console/sign-in', { username: 'root1', password: TEST_PASSWORD });
        assert.equal((await c3.post('/console/sign-in/code', { code })).status, 422, 'a code is accepted only once');
      } finally {
        t.setNow(base);
      }
    });

    test('signing out ends the server-side session', async () => {
      const u = await insertStaff(t, 'leaver', [{ role: 'auditor', organizationId: orgId }]);
      const c = await signedInClient(t, u);
      const token = c.cookie('gk_session')!;
      assert.equal((await c.post('/console/sign-out')).status, 303);
      const replay = new TestClient(t.app);
      replay.setCookie('gk_session', token);
      assert.equal((await replay.get('/console')).status, 303);
    });

    test('a user changes their own password; the policy is enforced with field errors', async () => {
      const u = await insertStaff(t, 'changer', [{ role: 'reviewer', organizationId: orgId }]);
      const c = await signedInClient(t, u);
      const weak = await c.post('/console/account/password', {
        current: TEST_PASSWORD,
        next: 'short',
        confirm: 'short',
      });
      assert.equal(weak.status, 422);
      assert.match(await weak.text(), /至少需要 10 个字符/);
      const ok = await c.post('/console/account/password', {
        current: TEST_PASSWORD,
        next: 'Brand-new-pass9',
        confirm: 'Brand-new-pass9',
      });
      assert.equal(ok.status, 303);
      const c2 = new TestClient(t.app);
      assert.equal(
        (await c2.post('/console/sign-in', { username: 'changer', password: 'Brand-new-pass9' })).status,
        303,
      );
    });

    test('every sign-in event is part of a valid audit chain', async () => {
      const r = await verifyAuditChain(t.db.kysely);
      assert.equal(r.ok, true, JSON.stringify(r.firstBad));
      assert.ok(r.checked > 5);
    });
  });
}
