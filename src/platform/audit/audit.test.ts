import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { recordAudit, redact, verifyAuditChain } from './audit.service.js';

const actor = { userId: 1, name: '张三', ip: '10.0.0.1' };

for (const engine of testEngines()) {
  describe(`audit hash chain (${engine})`, () => {
    let db: TestDb;
    before(async () => {
      db = await createTestDb(engine);
      for (let i = 1; i <= 5; i++) {
        await db.kysely.transaction().execute((trx) =>
          recordAudit(
            trx,
            engine,
            actor,
            {
              action: 'test.write',
              entityType: 'thing',
              entityId: i,
              summary: `第 ${i} 次`,
              before: { v: i - 1 },
              after: { v: i },
            },
            new Date(`2026-11-0${i}T00:00:00Z`),
          ),
        );
      }
    });
    after(() => db.dispose());

    test('an untouched chain verifies', async () => {
      assert.deepEqual(await verifyAuditChain(db.kysely), { ok: true, checked: 5 });
    });

    test('an event written in a transaction that rolls back leaves no trace', async () => {
      await assert.rejects(
        db.kysely.transaction().execute(async (trx) => {
          await recordAudit(trx, engine, actor, { action: 'test.write', entityType: 'thing' }, new Date());
          throw new Error('rollback');
        }),
      );
      assert.deepEqual(await verifyAuditChain(db.kysely), { ok: true, checked: 5 });
    });

    test('concurrent writers never fork the chain', async () => {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.kysely
            .transaction()
            .execute((trx) =>
              recordAudit(
                trx,
                engine,
                actor,
                { action: 'test.parallel', entityType: 'thing', entityId: i },
                new Date(),
              ),
            ),
        ),
      );
      const r = await verifyAuditChain(db.kysely);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.checked, 13);
      // restore count for the following tests
    });

    test('an edited row is reported as the first bad entry', async () => {
      await sql`update audit_events set summary = ${'篡改'} where seq = 3`.execute(db.kysely);
      const r = await verifyAuditChain(db.kysely);
      assert.equal(r.ok, false);
      assert.equal(r.firstBad?.seq, 3);
      assert.match(r.firstBad!.reason, /altered/);
    });

    test('a deleted row is reported as missing', async () => {
      await sql`delete from audit_events where seq = 2`.execute(db.kysely);
      const r = await verifyAuditChain(db.kysely);
      assert.equal(r.ok, false);
      assert.equal(r.firstBad?.seq, 2);
      assert.match(r.firstBad!.reason, /missing/);
    });

    test('a truncated tail is detected against the head', async () => {
      const db2 = await createTestDb(engine);
      try {
        for (let i = 0; i < 3; i++) {
          await db2.kysely
            .transaction()
            .execute((trx) => recordAudit(trx, engine, actor, { action: 'x', entityType: 'y' }, new Date()));
        }
        await sql`delete from audit_events where seq = 3`.execute(db2.kysely);
        const r = await verifyAuditChain(db2.kysely);
        assert.equal(r.ok, false);
        assert.equal(r.firstBad?.seq, 3);
      } finally {
        await db2.dispose();
      }
    });
  });
}

test('secrets are redacted from before/after values', () => {
  assert.deepEqual(redact({ name: 'a', password_hash: 'x', nested: { totp_secret: 'y', id_number: '3501', ok: 1 } }), {
    name: 'a',
    password_hash: '[redacted]',
    nested: { totp_secret: '[redacted]', id_number: '[redacted]', ok: 1 },
  });
});
