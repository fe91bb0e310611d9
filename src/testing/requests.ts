import { inflateRawSync } from 'node:zlib';
import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Principal, Role } from '../platform/auth/permissions.js';
import { residentIdCheckChar } from '../platform/identity/identity.js';
import { insertStaff, type StaffUser, type TestApp, type TestClient } from './app.js';

// Fixtures of the information-request tests: organizations, staff with a grant, an application as the
// public form sends it, and a request row inserted directly (for tests of the queues, statistics and
// letters that do not go through submission). Test setup only — never the code under test.

const TS = '2025-01-01T00:00:00.000Z';

/** An 18-character resident ID with its correct GB 11643 check character, from the first 17. */
export const residentId = (body17: string) => body17 + residentIdCheckChar(body17);

/** Inserts an active organization and returns its id. */
export async function insertOrganization(
  k: Kysely<Database>,
  o: { slug: string; name?: string; code?: string; parentId?: number | null; kind?: string },
): Promise<number> {
  const parentId = o.parentId ?? null;
  const row = await k
    .insertInto('organizations')
    .values({
      parent_id: parentId,
      code: o.code ?? o.slug.toUpperCase(),
      slug: o.slug,
      name: o.name ?? `${o.slug}局`,
      short_name: o.name ?? '',
      kind: o.kind ?? (parentId === null ? 'government' : 'department'),
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
      created_at: TS,
      updated_at: TS,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A staff user with one role at one organization, and the principal the services take. */
export async function insertGrantedStaff(
  t: TestApp,
  username: string,
  role: Role,
  organizationId: number,
): Promise<StaffUser & { principal: Principal }> {
  const u = await insertStaff(t, username, [{ role, organizationId }]);
  return {
    ...u,
    principal: { userId: u.id, username, displayName: username, grants: [{ organizationId, role }] },
  };
}

/** An application as the public form or the API sends it (a natural person), with fields overridden. */
export function application(over: Record<string, string> = {}): Record<string, string> {
  return {
    applicantType: 'natural_person',
    name: '张三丰',
    idType: 'resident_id',
    idNumber: residentId('35020319800101123'),
    phone: '13905921234',
    email: 'zhang@example.test',
    address: '福建省厦门市湖里区某路 1 号',
    description: '2025 年湖里区道路改造项目的环境影响评价报告',
    purpose: '',
    form: 'electronic',
    delivery: 'email',
    ...over,
  };
}

/**
 * Inserts a request row directly (no events, fake ciphertexts), for tests that need rows in a given state.
 * `tracking`, `organizationId` and `receivedOn` are required; any column may be overridden.
 */
export async function insertRequestRow(k: Kysely<Database>, r: RequestRowInput): Promise<number> {
  const row = await k.insertInto('requests').values(requestRow(r)).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export type RequestRowInput = { tracking: string; organizationId: number; receivedOn: string } & Partial<
  Insertable<Database['requests']>
>;

/** The values of a request row (see insertRequestRow), for tests that insert many rows at once. */
export function requestRow(r: RequestRowInput): Insertable<Database['requests']> {
  const { tracking, organizationId, receivedOn, ...over } = r;
  return {
    tracking_number: tracking,
    query_code_hash: 'h',
    organization_id: organizationId,
    applicant_type: 'natural_person',
    organization_kind: null,
    name_enc: 'v1:k1:SECRET-NAME',
    id_type: 'resident_id',
    id_number_enc: null,
    id_masked: '3501**********1234',
    identity_hmac: null,
    legal_representative_enc: null,
    phone_enc: 'v1:k1:SECRET-PHONE',
    email_enc: null,
    address_enc: null,
    key_id: 'k1',
    description: '某路段改造工程资料',
    purpose: '',
    form: 'electronic',
    delivery: 'email',
    channel: 'online',
    submitted_at: `${receivedOn}T01:00:00.000Z`,
    received_on: receivedOn,
    status: 'in_progress',
    assigned_to: null,
    due_on: null,
    outcome_code: null,
    outcome_date: null,
    outcome_note: '',
    delivered_via: null,
    delivered_at: null,
    publish_consent: 0,
    excessive_flag: 0,
    created_at: TS,
    updated_at: TS,
    ...over,
  };
}

/** Posts a multipart form (fields and PDF files) with the client's CSRF token, like a browser. */
export async function postMultipart(
  client: TestClient,
  path: string,
  fields: Record<string, string>,
  files: { name: string; bytes: Uint8Array }[] = [],
): Promise<Response> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files)
    fd.append('attachments', new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), f.name);
  fd.append('_csrf', await client.csrf());
  return client.request(path, { method: 'POST', body: fd });
}

/** word/document.xml of a DOCX (stored or deflated zip entry). */
export function docxDocumentXml(zip: Buffer): string {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    const nameLen = zip.readUInt16LE(p + 28);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (name === 'word/document.xml') {
      const local = zip.readUInt32LE(p + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + zip.readUInt32LE(p + 20));
      return (zip.readUInt16LE(p + 10) === 0 ? data : inflateRawSync(data)).toString('utf8');
    }
    p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  throw new Error('no document.xml');
}
