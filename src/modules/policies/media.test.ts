import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clearPageCache } from '../../platform/http/portal.js';
import { createTestApp, insertStaff, signedInClient, type TestApp, TestClient } from '../../testing/app.js';
import { testEngines } from '../../testing/db.js';
import * as pub from '../publishing/publishing.service.js';
import { seedDemo } from '../seed/demo.js';
import { type PolicyDesk, policyDesk } from './test-support.js';

// A 视频解读 with a real (small) MP4 or WebM, a PNG poster and WebVTT captions, uploaded through the console
// form, published, and served with range requests so a player can seek; an interview's transcript page.

/** An ISO BMFF file: an `ftyp` box (isom, with mp41/avc1 compatible brands) then a `free` box of payload. */
function mp4(payload: Uint8Array): Uint8Array {
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isomiso2avc1mp41', 16, 'latin1');
  const free = Buffer.alloc(8);
  free.writeUInt32BE(8 + payload.length, 0);
  free.write('free', 4, 'latin1');
  return Buffer.concat([ftyp, free, payload]);
}

/** A Matroska/WebM file: the EBML header (version 1, DocType "webm") then a Segment of unknown size. */
function webm(payload: Uint8Array): Uint8Array {
  const body = Buffer.from([
    ...[0x42, 0x86, 0x81, 0x01], // EBMLVersion 1
    ...[0x42, 0xf7, 0x81, 0x01], // EBMLReadVersion 1
    ...[0x42, 0xf2, 0x81, 0x04], // EBMLMaxIDLength 4
    ...[0x42, 0xf3, 0x81, 0x08], // EBMLMaxSizeLength 8
    ...[0x42, 0x82, 0x84, ...Buffer.from('webm')], // DocType
    ...[0x42, 0x87, 0x81, 0x04], // DocTypeVersion 4
    ...[0x42, 0x85, 0x81, 0x02], // DocTypeReadVersion 2
  ]);
  const header = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | body.length]), body]);
  const segment = Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  return Buffer.concat([header, segment, payload]);
}

// A valid 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const VTT = Buffer.from(
  'WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n各位网友，大家好。\n\n00:00:02.500 --> 00:00:05.000\n今天解读文化产业扶持办法。\n',
);

for (const engine of testEngines()) {
  describe(`video interpretations and transcripts (${engine})`, () => {
    let t: TestApp;
    let desk: PolicyDesk;
    let staff: TestClient;
    let anon: TestClient;
    let policy: { itemId: number; policyId: number };
    const dataDir = path.join(tmpdir(), `gongkai-test-media-${randomBytes(4).toString('hex')}`);

    before(async () => {
      t = await createTestApp(engine, { env: { DATA_DIR: dataDir } });
      await seedDemo(t.deps);
      desk = await policyDesk(t, 'wenti');
      const u = await insertStaff(t, `pol_media_${engine}`, [{ role: 'drafter', organizationId: desk.orgId }]);
      staff = await signedInClient(t, u);
      anon = new TestClient(t.app);
      policy = await desk.publish({ title: '湖里区文化产业扶持办法（视频解读测试）' });
    });
    after(async () => {
      await t.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const draftOf = async (form: string) => {
      const res = await staff.post(`/console/policies/${policy.policyId}/interpretations`, { form });
      assert.equal(res.status, 303);
      return Number(/(\d+)$/.exec(res.headers.get('location')!)![1]);
    };
    const upload = async (itemId: number, role: string, bytes: Uint8Array, filename: string, alt = '') => {
      const fd = new FormData();
      fd.set('_csrf', await staff.csrf());
      fd.set('role', role);
      fd.set('alt', alt);
      fd.set('file', new File([Buffer.from(bytes)], filename));
      return staff.request(`/console/items/${itemId}/interpretation/media`, { method: 'POST', body: fd });
    };
    const srcOf = (html: string, re: RegExp) => {
      const m = re.exec(html);
      assert.ok(m, `found ${re}`);
      return m[1].replace(/&amp;/g, '&');
    };

    for (const kind of ['mp4', 'webm'] as const) {
      test(`a ${kind} video with a poster and captions is published and served with ranges for seeking`, async () => {
        const payload = randomBytes(200_000);
        const video = kind === 'mp4' ? mp4(payload) : webm(payload);
        const itemId = await draftOf('video');
        // Refused: a file that is not a video, a poster without alt text, captions that are not WebVTT.
        const notVideo = await upload(itemId, 'video', Buffer.from('not a video at all'), 'clip.mp4');
        assert.equal(notVideo.status, 422);
        assert.match(await notVideo.text(), /error-summary/);
        const noAlt = await upload(itemId, 'poster', PNG, 'poster.png');
        assert.equal(noAlt.status, 422);
        assert.match(await noAlt.text(), /封面图须填写替代文字/);
        assert.equal(
          (await upload(itemId, 'captions', Buffer.from('1\n00:00:00,000 --> 00:00:01,000\nSRT\n'), 'c.vtt')).status,
          422,
        );
        // Accepted.
        assert.equal((await upload(itemId, 'video', video, `interview.${kind}`)).status, 303);
        assert.equal((await upload(itemId, 'poster', PNG, 'poster.png', '区文体旅游局局长接受访谈')).status, 303);
        assert.equal((await upload(itemId, 'captions', VTT, 'captions.vtt')).status, 303);
        const row = await t.db.kysely
          .selectFrom('interpretations')
          .selectAll()
          .where('item_id', '=', itemId)
          .executeTakeFirstOrThrow();
        assert.ok(row.video_sha256 && row.poster_sha256 && row.captions_sha256);
        const file = await t.db.kysely
          .selectFrom('files')
          .select(['mime'])
          .where('sha256', '=', row.video_sha256)
          .executeTakeFirstOrThrow();
        assert.equal(file.mime, `video/${kind}`);

        // Not public before publication.
        const draftHtml = await (await staff.get(`/console/items/${itemId}`)).text();
        assert.match(draftHtml, /视频解读/);
        await desk.publishDraft(itemId);
        const html = await (await anon.get(`/org/wenti/items/${itemId}`)).text();
        assert.match(html, /<video controls/);
        const src = srcOf(html, /<source src="([^"]+)" type="video\/([a-z0-9]+)"/);
        assert.ok(html.includes(`type="video/${kind}"`));
        const poster = srcOf(html, /poster="([^"]+)"/);
        const captions = srcOf(html, /<track kind="captions" src="([^"]+)"/);
        assert.match(html, /srclang="zh"/);
        // The poster's alt text is said on the page, for those who cannot see it.
        assert.match(html, /区文体旅游局局长接受访谈/);

        // The whole file, with Accept-Ranges.
        const full = await anon.get(src);
        assert.equal(full.status, 200);
        assert.equal(full.headers.get('content-type'), `video/${kind}`);
        assert.equal(full.headers.get('accept-ranges'), 'bytes');
        assert.equal(Number(full.headers.get('content-length')), video.length);
        assert.deepEqual(Buffer.from(await full.arrayBuffer()), Buffer.from(video));
        // The first bytes (the player reads the header), then a seek into the middle, then the tail.
        const first = await anon.request(src, { headers: { range: 'bytes=0-1023' } });
        assert.equal(first.status, 206);
        assert.equal(first.headers.get('content-range'), `bytes 0-1023/${video.length}`);
        assert.deepEqual(Buffer.from(await first.arrayBuffer()), Buffer.from(video.subarray(0, 1024)));
        const seek = await anon.request(src, { headers: { range: 'bytes=100000-' } });
        assert.equal(seek.status, 206);
        assert.equal(seek.headers.get('content-range'), `bytes 100000-${video.length - 1}/${video.length}`);
        assert.equal(Number(seek.headers.get('content-length')), video.length - 100000);
        assert.deepEqual(Buffer.from(await seek.arrayBuffer()), Buffer.from(video.subarray(100000)));
        const tail = await anon.request(src, { headers: { range: 'bytes=-500' } });
        assert.equal(tail.status, 206);
        assert.deepEqual(Buffer.from(await tail.arrayBuffer()), Buffer.from(video.subarray(video.length - 500)));
        const beyond = await anon.request(src, { headers: { range: `bytes=${video.length}-` } });
        assert.equal(beyond.status, 416);
        assert.equal(beyond.headers.get('content-range'), `bytes */${video.length}`);
        // A stale If-Range gets the whole file.
        const stale = await anon.request(src, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
        assert.equal(stale.status, 200);
        await stale.arrayBuffer();

        const p = await anon.get(poster);
        assert.equal(p.status, 200);
        assert.equal(p.headers.get('content-type'), 'image/png');
        assert.deepEqual(Buffer.from(await p.arrayBuffer()), PNG);
        const c = await anon.get(captions);
        assert.equal(c.status, 200);
        assert.equal(c.headers.get('content-type'), 'text/vtt; charset=utf-8');
        assert.match(await c.text(), /^WEBVTT\n[\s\S]*各位网友，大家好。/);
      });
    }

    test('a video interpretation missing its captions cannot go to review', async () => {
      const itemId = await draftOf('video');
      assert.equal((await upload(itemId, 'video', mp4(randomBytes(1000)), 'v.mp4')).status, 303);
      assert.equal((await upload(itemId, 'poster', PNG, 'p.png', '访谈现场')).status, 303);
      const res = await staff.post(`/console/items/${itemId}/submit`);
      const html = res.status === 303 ? await (await staff.get(res.headers.get('location')!)).text() : await res.text();
      assert.match(html, /视频解读须上传 WebVTT 字幕/);
      const item = await t.db.kysely
        .selectFrom('items')
        .select('status')
        .where('id', '=', itemId)
        .executeTakeFirstOrThrow();
      assert.equal(item.status, 'draft');
    });

    test('new captions uploaded to a revision replace the published ones when the revision is published', async () => {
      const itemId = await draftOf('video');
      assert.equal((await upload(itemId, 'video', mp4(randomBytes(1000)), 'v.mp4')).status, 303);
      assert.equal((await upload(itemId, 'poster', PNG, 'p.png', '访谈现场')).status, 303);
      assert.equal((await upload(itemId, 'captions', VTT, 'captions.vtt')).status, 303);
      await desk.publishDraft(itemId);
      // Read past the page cache (a publication clears it; an upload does not need to).
      const captionsOf = async () => {
        clearPageCache();
        const html = await (await anon.get(`/org/wenti/items/${itemId}`)).text();
        return srcOf(html, /<track kind="captions" src="([^"]+)"/);
      };
      const before = await captionsOf();

      const drafter = desk.people.drafter;
      await pub.startRevision(t.deps, drafter.p, drafter.actor, itemId);
      const fixed = Buffer.from(`${VTT.toString()}\n00:00:05.000 --> 00:00:07.000\n谢谢大家。\n`);
      assert.equal((await upload(itemId, 'captions', fixed, 'captions-2.vtt')).status, 303);
      assert.equal(await captionsOf(), before, 'the public page keeps the published captions');
      assert.match(await (await anon.get(before)).text(), /各位网友/);

      await desk.publishRevision(itemId);
      const after = await captionsOf();
      assert.notEqual(after, before);
      const res = await anon.get(after);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /谢谢大家。/);
    });

    test('an interview has a transcript page, public once published, linked from the interpretation', async () => {
      const itemId = await draftOf('interview');
      const form = await staff.post(`/console/items/${itemId}/interpretation`, {
        form: 'interview',
        policy_ids: String(policy.policyId),
        responsible_organization_id: '',
        principal_name: '',
        transcript_html:
          '<h2>在线访谈</h2><p><strong>主持人：</strong>请介绍扶持办法。</p><p><strong>局长：</strong>办法共十条。</p><script>alert(1)</script>',
      });
      assert.equal(form.status, 303);
      const path = `/org/wenti/interpretations/${itemId}/transcript`;
      assert.equal((await anon.get(path)).status, 404, 'not before publication');
      await desk.publishDraft(itemId);
      const page = await (await anon.get(`/org/wenti/items/${itemId}`)).text();
      assert.ok(page.includes(`href="${path}"`), 'the interpretation links its transcript');
      const res = await anon.get(path);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /访谈实录：《湖里区文化产业扶持办法（视频解读测试）》访谈解读/);
      assert.match(html, /<strong>局长：<\/strong>办法共十条。/);
      assert.ok(!html.includes('alert(1)'), 'sanitized');
      assert.ok(html.includes(`href="/org/wenti/items/${itemId}"`), 'links back');
      // Another organization's path, or an interpretation without a transcript: 404.
      assert.equal((await anon.get(`/org/wenti/interpretations/${policy.itemId}/transcript`)).status, 404);
      const other = await t.db.kysely
        .selectFrom('organizations')
        .select('slug')
        .where('id', '!=', desk.orgId)
        .where('active', '=', 1)
        .executeTakeFirstOrThrow();
      assert.equal((await anon.get(`/org/${other.slug}/interpretations/${itemId}/transcript`)).status, 404);
    });
  });
}
