import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { ApiRouter } from '../../platform/api/router.js';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { AppError, type FieldErrors, NotFoundError, ValidationError } from '../../platform/errors.js';
import { contentDisposition, downloadName, findStoredFile, openFile } from '../../platform/files/files.service.js';
import { formFields } from '../../platform/http/forms.js';
import { portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { deriveKey, hmac, safeEqual } from '../../platform/security/crypto.js';
import { RateLimiter } from '../../platform/security/rate-limit.js';
import { beijingDate } from '../../platform/time.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import { type Organization, orgTree, publicOrganization } from '../organizations/organizations.service.js';
import { outcomeOf } from './outcomes.js';
import { CLOCK_STATE_LABELS, REQUEST_EVENT_KINDS } from './requests.clock.js';
import { applicantLetter, staffLetter } from './requests.letters.js';
import { checkChallenge, newChallenge } from './requests.privacy.js';
import * as repo from './requests.repository.js';
import { applicationInput, REQUEST_STATUSES } from './requests.schema.js';
import {
  ACTION_LABELS,
  AlreadyRegisteredError,
  type ApplicantView,
  act,
  addSupplement,
  answerClarification,
  applicantView,
  applicantViewByNumber,
  expectedOfApplicant,
  officers,
  type PersonalData,
  queues,
  registerFromOffice,
  type StaffAction,
  staffRequest,
  submitApplication,
  type Upload,
  viewPersonal,
} from './requests.service.js';
import {
  type Acknowledgement,
  acknowledgementDocument,
  acknowledgementOf,
  reissueQueryCode,
} from './requests-acknowledgement.js';
import { AcknowledgementPage } from './views/acknowledgement.js';
import { QueuesPage, RegisterPage, RequestPage } from './views/console.js';
import { ApplicationForm, LookupForm, publicTimeline, StatusPage, SubmittedPage } from './views/public.js';

type C = Context<AppEnv>;

// The public pages (application form, status page), the JSON API and the disclosure office's console.
// Forms that carry files post to paths ending in /uploads or /attachments, which the app gives the larger
// attachment body limit.

const FIELDS = [
  'organization',
  'applicantType',
  'organizationKind',
  'name',
  'idType',
  'idNumber',
  'creditCode',
  'legalRepresentative',
  'phone',
  'email',
  'address',
  'description',
  'purpose',
  'form',
  'delivery',
  'publishConsent',
  'channel',
  'receivedOn',
  'submissionId',
];

/** The form's text fields, and its uploaded files. */
async function multipart(c: C): Promise<{ fields: Record<string, string>; files: Upload[] }> {
  const body = await c.req.parseBody({ all: true });
  const fields: Record<string, string> = {};
  const files: Upload[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf') continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (typeof item === 'string') fields[k] = item;
      else if (item && typeof item === 'object' && 'arrayBuffer' in item && item.size > 0)
        files.push({ bytes: new Uint8Array(await item.arrayBuffer()), filename: item.name });
    }
  }
  return { fields, files };
}

const keep = (f: Record<string, string>) =>
  Object.fromEntries(FIELDS.filter((k) => f[k] !== undefined).map((k) => [k, f[k]]));
const noStore = (c: C) => c.header('Cache-Control', 'no-store');

// The applicant's access after a successful lookup: a signed cookie naming the tracking number, for an hour.
const ACCESS_COOKIE = 'gk_request';
const ACCESS_MS = 60 * 60_000;
const accessKey = (deps: Deps) => deriveKey(deps.config.secretKey, 'request-access');
function grantAccess(c: C, deps: Deps, tn: string) {
  const exp = deps.clock().getTime() + ACCESS_MS;
  setCookie(c, ACCESS_COOKIE, `${tn}.${exp}.${hmac(accessKey(deps), `${tn}.${exp}`)}`, {
    path: '/requests',
    httpOnly: true,
    sameSite: 'Lax',
    secure: deps.config.publicBaseUrl.startsWith('https:'),
    maxAge: ACCESS_MS / 1000,
  });
}
function accessOf(c: C, deps: Deps): string | null {
  const m = /^(\d{4}-\d{6})\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(getCookie(c, ACCESS_COOKIE) ?? '');
  if (!m || Number(m[2]) < deps.clock().getTime()) return null;
  return safeEqual(m[3], hmac(accessKey(deps), `${m[1]}.${m[2]}`)) ? m[1] : null;
}

function sendLetter(c: C, letter: { filename: string; contentType: string; body: Buffer }) {
  return c.body(new Uint8Array(letter.body), 200, {
    'Content-Type': letter.contentType,
    'Content-Disposition': contentDisposition('attachment', letter.filename),
    'Content-Length': String(letter.body.length),
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

async function sendStored(c: C, deps: Deps, sha256: string, filename: string) {
  const row = await findStoredFile(deps.db, sha256);
  const file = row ? await openFile(deps.config.dataDir, sha256) : null;
  if (!row || !file) throw new NotFoundError();
  return c.body(file.stream(), 200, {
    'Content-Type': row.mime,
    'Content-Disposition': contentDisposition('attachment', downloadName(filename, row.ext)),
    'Content-Length': String(file.size),
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

/** The JSON the API gives an applicant about their request: no personal data, only what the status page shows. */
export function applicantJson(deps: Deps, v: ApplicantView) {
  const outcome = outcomeOf(v.row.outcome_code);
  return {
    trackingNumber: v.row.tracking_number,
    organization: v.organization
      ? { id: v.organization.id, slug: v.organization.slug, name: v.organization.name }
      : null,
    status: v.status,
    statusLabel: REQUEST_STATUSES[v.status],
    clockState: v.clock.state,
    clockStateLabel: CLOCK_STATE_LABELS[v.clock.state],
    receivedOn: v.row.received_on,
    dueOn: v.clock.dueOn,
    workdaysLeft: v.clock.workdaysLeft,
    overdue: v.clock.overdue,
    expected: expectedOfApplicant(v),
    dueExplanation: {
      summary: v.clock.summary,
      steps: v.clock.steps,
      totalWorkdays: v.clock.totalWorkdays,
      countFrom: v.clock.countFrom,
      restartReason: v.clock.restartReason,
      transferredOn: v.clock.transferredOn,
      counted: v.clock.counted,
      skipped: v.clock.skipped.map((d) => ({ date: d.date, kind: d.kind, name: d.name })),
      makeupDays: v.clock.makeupDays.map((d) => d.date),
      pauses: v.clock.pauses,
      extension: v.clock.extension,
      unknownYears: v.clock.unknownYears,
    },
    timeline: publicTimeline(v).map((e) => ({
      date: e.on_date,
      kind: e.kind,
      label: REQUEST_EVENT_KINDS[e.kind as keyof typeof REQUEST_EVENT_KINDS] ?? e.kind,
      note: e.public_note,
      deadline: e.deadline,
      amount: e.amount,
      workdays: e.kind === 'extension' ? e.workdays : null,
    })),
    outcome: outcome
      ? { code: outcome.code, label: outcome.short, basis: outcome.basis, date: v.row.outcome_date }
      : null,
    statusUrl: `${deps.config.publicBaseUrl}/requests/status`,
  };
}

const outcomeJson = z.object({ code: z.string(), label: z.string(), basis: z.string(), date: z.string().nullable() });
const requestStatusSchema = z
  .object({
    trackingNumber: z.string(),
    organization: z.object({ id: z.number(), slug: z.string(), name: z.string() }).nullable(),
    status: z.enum(Object.keys(REQUEST_STATUSES) as [string, ...string[]]),
    statusLabel: z.string(),
    clockState: z.string(),
    clockStateLabel: z.string(),
    receivedOn: z.string(),
    dueOn: z.string().nullable().describe('答复期限；暂停计时期间为 null'),
    workdaysLeft: z.number().nullable(),
    overdue: z.boolean(),
    expected: z.string().nullable().describe('需要申请人做的事（补正、缴费），没有时为 null'),
    dueExplanation: z.object({
      summary: z.string(),
      steps: z.array(z.object({ date: z.string(), text: z.string() })),
      totalWorkdays: z.number(),
      countFrom: z.string().describe('当前计算所依据的日期：收到申请、收到补正或转送之日'),
      restartReason: z
        .enum(['clarification', 'transfer'])
        .nullable()
        .describe('重新计算的原因：clarification 收到补正，transfer 转送其他机关；未重新计算时为 null'),
      transferredOn: z.string().nullable().describe('转送之日（接收机关收到申请之日），未转送时为 null'),
      counted: z.array(z.string()),
      skipped: z.array(z.object({ date: z.string(), kind: z.string(), name: z.string() })),
      makeupDays: z.array(z.string()),
      pauses: z.array(z.object({ kind: z.string(), from: z.string(), to: z.string().nullable() })),
      extension: z.object({ onDate: z.string(), workdays: z.number() }).nullable(),
      unknownYears: z.array(z.number()),
    }),
    timeline: z.array(
      z.object({
        date: z.string(),
        kind: z.string(),
        label: z.string(),
        note: z.string(),
        deadline: z.string().nullable(),
        amount: z.number().nullable(),
        workdays: z.number().nullable(),
      }),
    ),
    outcome: outcomeJson.nullable(),
    statusUrl: z.string(),
  })
  .meta({ id: 'InformationRequestStatus', description: '依申请公开申请的办理状态（不含任何个人信息）' });

const createdSchema = z
  .object({
    trackingNumber: z.string().describe('受理编号'),
    queryCode: z.string().describe('查询码：只在此处返回一次，服务器只保存其 HMAC'),
    organization: z.object({ id: z.number(), slug: z.string(), name: z.string() }),
    receivedOn: z.string(),
    dueOn: z.string().nullable(),
    statusUrl: z.string(),
  })
  .meta({ id: 'InformationRequestCreated' });

/** Public pages and the API of information requests. */
export function requestPublicRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  // Per client address: submissions, and failed lookups of tracking number + query code.
  const submissions = new RateLimiter(10, 10 * 60_000);
  const lookups = new RateLimiter(20, 10 * 60_000);

  const activeOrgs = async () => (await orgTree(deps)).all.filter((o) => o.active);

  const formPage = async (c: C, org: Organization | null, values: Record<string, string>, errors?: FieldErrors) => {
    noStore(c);
    return portalPage(c, deps, {
      title: '政府信息公开申请',
      org: org ? portalOrg(org) : null,
      crumbs: [
        { label: '首页', href: '/' },
        ...(org ? [{ label: org.name, href: `/org/${org.slug}` }] : []),
        { label: '依申请公开' },
      ],
      qr: false,
      status: errors ? 422 : 200,
      children: (
        <ApplicationForm
          action="/requests/new/uploads"
          csrf={c.get('csrf')()}
          values={values}
          errors={errors}
          organizations={await activeOrgs()}
          fixedOrganization={org ?? undefined}
          challenge={newChallenge(deps.config.secretKey, deps.clock())}
        />
      ),
    });
  };

  app.get('/requests/new', (c) =>
    formPage(c, null, {
      form: 'electronic',
      delivery: 'email',
      applicantType: 'natural_person',
      idType: 'resident_id',
    }),
  );
  app.get('/org/:slug/requests/new', async (c) => {
    const org = await publicOrganization(deps, c.req.param('slug'));
    return formPage(c, org, {
      form: 'electronic',
      delivery: 'email',
      applicantType: 'natural_person',
      idType: 'resident_id',
    });
  });

  app.post('/requests/new/uploads', async (c) => {
    const { fields, files } = await multipart(c);
    const values = keep(fields);
    const tree = await orgTree(deps);
    const fixed =
      fields.fixed === '1' && fields.organization ? (tree.byId.get(Number(fields.organization)) ?? null) : null;
    const challenge = checkChallenge(
      deps.config.secretKey,
      fields.challengeToken ?? '',
      fields.challenge ?? '',
      deps.clock(),
    );
    let done: Awaited<ReturnType<typeof submitApplication>>;
    try {
      if (challenge !== 'ok') {
        // Check the rest too, so every error shows at once.
        const r = applicationInput.safeParse(fields);
        const errors: FieldErrors = {};
        if (!r.success) for (const i of r.error.issues) errors[i.path.join('.')] ??= i.message;
        errors.challenge =
          challenge === 'expired' ? '验证问题已过期，请回答新的问题。' : '验证问题的答案不正确，请重新计算。';
        throw new ValidationError(errors);
      }
      submissions.hit(c.get('clientIp') ?? '');
      done = await submitApplication(deps, fields, { channel: 'online', files });
    } catch (e) {
      if (e instanceof ValidationError) return formPage(c, fixed, values, e.fields);
      throw e;
    }
    noStore(c);
    grantAccess(c, deps, done.trackingNumber);
    return portalPage(c, deps, {
      title: '申请已提交',
      org: portalOrg(done.organization),
      crumbs: [{ label: '首页', href: '/' }, { label: '依申请公开' }],
      qr: false,
      children: (
        <SubmittedPage
          trackingNumber={done.trackingNumber}
          queryCode={done.queryCode}
          organization={done.organization.name}
          receivedOn={done.receivedOn}
          dueOn={done.dueOn}
        />
      ),
    });
  });

  const lookupPage = (c: C, values: Record<string, string>, errors?: FieldErrors) => {
    noStore(c);
    return portalPage(c, deps, {
      title: '查询申请办理进度',
      crumbs: [{ label: '首页', href: '/' }, { label: '依申请公开', href: '/requests/new' }, { label: '查询进度' }],
      qr: false,
      status: errors ? 422 : 200,
      children: <LookupForm csrf={c.get('csrf')()} values={values} errors={errors} />,
    });
  };

  app.get('/requests/status', (c) => lookupPage(c, {}));
  app.post('/requests/status', async (c) => {
    const f = await formFields(c);
    const values = { trackingNumber: (f.trackingNumber ?? '').trim(), queryCode: '' };
    const errors: FieldErrors = {};
    if (!values.trackingNumber) errors.trackingNumber = '请填写受理编号。';
    if (!(f.queryCode ?? '').trim()) errors.queryCode = '请填写查询码。';
    if (Object.keys(errors).length) return lookupPage(c, values, errors);
    const v = await applicantView(deps, values.trackingNumber, f.queryCode ?? '');
    if (!v) {
      lookups.hit(c.get('clientIp') ?? '');
      return lookupPage(c, values, { queryCode: '受理编号或查询码不正确，请核对后重新输入。' });
    }
    grantAccess(c, deps, v.row.tracking_number);
    return c.redirect('/requests/status/view', 303);
  });

  const statusPage = async (
    c: C,
    tn: string,
    form: { errors?: FieldErrors; values?: Record<string, string>; flash?: string } = {},
  ) => {
    const v = await applicantViewByNumber(deps, tn);
    if (!v) throw new NotFoundError();
    noStore(c);
    return portalPage(c, deps, {
      title: `申请 ${tn}`,
      org: v.organization ? portalOrg(v.organization) : null,
      crumbs: [{ label: '首页', href: '/' }, { label: '查询进度', href: '/requests/status' }, { label: tn }],
      qr: false,
      status: form.errors ? 422 : 200,
      children: (
        <StatusPage view={v} csrf={c.get('csrf')()} errors={form.errors} values={form.values} flash={form.flash} />
      ),
    });
  };

  app.get('/requests/status/view', async (c) => {
    const tn = accessOf(c, deps);
    if (!tn) return c.redirect('/requests/status', 303);
    return statusPage(c, tn, {
      flash:
        c.req.query('done') === 'answer'
          ? '补正已提交，答复期限自今天的次日起重新计算。'
          : c.req.query('done') === 'supplement'
            ? '补充材料已提交。'
            : undefined,
    });
  });

  app.post('/requests/status/uploads', async (c) => {
    const tn = accessOf(c, deps);
    if (!tn) return c.redirect('/requests/status', 303);
    const { fields, files } = await multipart(c);
    try {
      if (fields.kind === 'answer') await answerClarification(deps, tn, { answer: fields.answer ?? '' }, files);
      else await addSupplement(deps, tn, fields.note ?? '', files);
    } catch (e) {
      if (e instanceof ValidationError)
        return statusPage(c, tn, {
          errors: e.fields,
          values: { answer: fields.answer ?? '', note: fields.note ?? '' },
        });
      throw e;
    }
    return c.redirect(`/requests/status/view?done=${fields.kind === 'answer' ? 'answer' : 'supplement'}`, 303);
  });

  app.get('/requests/status/files/:fileId', async (c) => {
    const tn = accessOf(c, deps);
    if (!tn) throw new NotFoundError();
    const row = await repo.findByTrackingNumber(deps.db.kysely, tn);
    const f = row ? await repo.findFile(deps.db.kysely, row.id, Number(c.req.param('fileId')) || 0) : undefined;
    if (!f) throw new NotFoundError();
    return sendStored(c, deps, f.file_sha256, f.filename);
  });

  // The reply letter (告知书) as DOCX or PDF, once the request is decided.
  for (const format of ['pdf', 'docx'] as const) {
    app.get(`/requests/status/letter.${format}`, async (c) => {
      const tn = accessOf(c, deps);
      if (!tn) throw new NotFoundError();
      return sendLetter(c, await applicantLetter(deps, tn, format));
    });
  }

  // ------------------------------------------------------------------------------------------------------
  // API

  const api = new ApiRouter(deps);
  const idParams = z.object({ trackingNumber: z.string().regex(/^\d{4}-\d{6}$/, '受理编号格式应为 2026-000123。') });
  api.add(
    {
      method: 'post',
      path: '/api/v1/requests',
      operationId: 'createInformationRequest',
      summary: '提交政府信息公开申请',
      description:
        '与网上申请表相同的校验（身份证号按 GB 11643 校验，统一社会信用代码按 GB 32100 校验）。成功时答 201，返回受理编号和查询码；查询码只返回这一次。同一地址 10 分钟内最多 10 件，同一证件号码 24 小时内最多 10 件（429）。organization 为受理机关的 id 或 slug，省略时由区政务公开办受理。',
      tags: ['依申请公开'],
      body: applicationInput,
      responses: { 201: { description: '已收到申请', schema: createdSchema } },
      errors: [413],
    },
    async ({ c, body }) => {
      submissions.hit(c.get('clientIp') ?? '');
      const done = await submitApplication(deps, body, { channel: 'online', parsed: body });
      return {
        status: 201,
        body: {
          trackingNumber: done.trackingNumber,
          queryCode: done.queryCode,
          organization: { id: done.organization.id, slug: done.organization.slug, name: done.organization.name },
          receivedOn: done.receivedOn,
          dueOn: done.dueOn,
          statusUrl: `${deps.config.publicBaseUrl}/requests/status`,
        },
      };
    },
  );
  api.add(
    {
      method: 'get',
      path: '/api/v1/requests/{trackingNumber}',
      operationId: 'getInformationRequest',
      summary: '查询申请的办理状态',
      description:
        '查询码放在请求头 X-Query-Code 中（推荐），或作为查询参数 code。答复状态、办理过程、答复期限及其计算过程（计入的工作日、不计的节假日和周末、暂停），不含任何个人信息。受理编号或查询码不对时一律答 404；同一地址 10 分钟内失败 20 次后答 429。',
      tags: ['依申请公开'],
      params: idParams,
      query: z.object({ code: z.string().max(40).optional().describe('查询码（也可用 X-Query-Code 请求头）') }),
      responses: { 200: { description: '办理状态', schema: requestStatusSchema } },
    },
    async ({ c, params, query }) => {
      const code = c.req.header('x-query-code') ?? query.code ?? '';
      const v = await applicantView(deps, params.trackingNumber, code);
      if (!v) {
        lookups.hit(c.get('clientIp') ?? '');
        throw new NotFoundError('受理编号或查询码不正确。');
      }
      c.header('Vary', 'X-Query-Code');
      return { body: applicantJson(deps, v), headers: { 'Cache-Control': 'private, no-store' } };
    },
  );
  app.route('/', api.app);
  return app;
}

/** The disclosure office's console. */
export function requestConsoleRoutes(deps: Deps) {
  const staff = new StaffRouter();
  const site = deps.config.site;
  const today = () => beijingDate(deps.clock());

  staff.get('/console/requests', 'request.view', async (c) => {
    const p = c.get('principal');
    const officer = c.req.query('officer') === 'me' ? p?.userId : undefined;
    const orgId = Number(c.req.query('organization')) || undefined;
    const q = await queues(deps, p, { officer, organizationId: orgId });
    const tree = await orgTree(deps);
    return consolePage(
      c,
      site,
      '依申请公开',
      <QueuesPage
        queues={q.queues}
        organizations={tree.all.filter((o) => can(p, 'request.view', tree.chain(o.id)))}
        officerFilter={officer ? 'me' : ''}
        organizationId={orgId}
        canManage={can(p, 'request.manage')}
      />,
    );
  });

  const registerPage = async (c: C, values: Record<string, string>, errors?: FieldErrors) => {
    const p = c.get('principal');
    const tree = await orgTree(deps);
    return consolePage(
      c,
      site,
      '登记申请',
      <RegisterPage
        action=""
        csrf={c.get('csrf')()}
        values={values}
        errors={errors}
        organizations={tree.all.filter((o) => o.active && can(p, 'request.manage', tree.chain(o.id)))}
        today={today()}
      />,
      errors ? 422 : 200,
    );
  };
  staff.get('/console/requests/new', 'request.manage', (c) =>
    registerPage(c, {
      applicantType: 'natural_person',
      idType: 'resident_id',
      form: 'paper',
      delivery: 'post',
      submissionId: randomBytes(16).toString('base64url'),
    }),
  );
  // The acknowledgement answers the POST itself, so reloading it would post the form again: each form carries a
  // one-time submission id, stored with the request it registers (unique), and a second post of the same form
  // goes to the request already registered instead of registering it twice — on any server, at any time later.
  staff.post('/console/requests/new/attachments', 'request.manage', async (c) => {
    const { fields, files } = await multipart(c);
    const submissionId = /^[A-Za-z0-9_-]{16,64}$/.test(fields.submissionId ?? '') ? fields.submissionId : undefined;
    let done: Awaited<ReturnType<typeof registerFromOffice>>;
    try {
      done = await registerFromOffice(deps, c.get('principal'), actorOf(c), fields, files, submissionId);
    } catch (e) {
      if (e instanceof AlreadyRegisteredError)
        return redirectWithFlash(
          c,
          `/console/requests/${e.id}`,
          `该申请已经登记（受理编号 ${e.trackingNumber}），未重复登记。如申请人需要查询码，请在本页“重新生成查询码”。`,
        );
      if (e instanceof ValidationError) return registerPage(c, keep(fields), e.fields);
      throw e;
    }
    // The acknowledgement is the answer itself (not a redirect): the query code is shown once and is never
    // put in a URL, a cookie or a log.
    return acknowledgementPage(c, await acknowledgementOf(deps, c.get('principal'), done.id, done.queryCode));
  });

  const acknowledgementPage = (c: C, a: Acknowledgement) =>
    consolePage(c, site, `受理回执 ${a.trackingNumber}`, <AcknowledgementPage a={a} csrf={c.get('csrf')()} />);
  staff.post('/console/requests/:id/query-code', 'request.manage', async (c) =>
    acknowledgementPage(c, await reissueQueryCode(deps, c.get('principal'), actorOf(c), idOf(c))),
  );
  // The acknowledgement as PDF or Word, from the code the office's page posts back (checked, never stored).
  for (const format of ['pdf', 'docx'] as const) {
    staff.post(`/console/requests/:id/acknowledgement.${format}`, 'request.manage', async (c) => {
      const id = idOf(c);
      const f = await formFields(c);
      let a: Acknowledgement;
      try {
        a = await acknowledgementOf(deps, c.get('principal'), id, f.queryCode ?? '');
      } catch (e) {
        if (e instanceof ValidationError) return page(c, id, { errors: e.fields });
        throw e;
      }
      return sendLetter(c, await acknowledgementDocument(a, format));
    });
  }

  const page = async (c: C, id: number, extra: { personal?: PersonalData; errors?: FieldErrors } = {}) => {
    const p = c.get('principal');
    const r = await staffRequest(deps, p, id);
    const tree = await orgTree(deps);
    const chain = tree.chain(r.row.organization_id);
    return consolePage(
      c,
      site,
      `申请 ${r.row.tracking_number}`,
      <RequestPage
        r={r}
        csrf={c.get('csrf')()}
        today={today()}
        canManage={can(p, 'request.manage', chain)}
        canExtend={can(p, 'request.extend', chain)}
        officers={await officers(deps, chain)}
        organizations={tree.all.filter((o) => o.active)}
        personal={extra.personal}
        errors={extra.errors}
      />,
      extra.errors ? 422 : 200,
    );
  };
  const idOf = (c: C) => {
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id <= 0) throw new NotFoundError();
    return id;
  };

  staff.get('/console/requests/:id', 'request.view', (c) => page(c, idOf(c)));
  staff.post('/console/requests/:id/personal', 'request.view_personal', async (c) => {
    const id = idOf(c);
    const personal = await viewPersonal(deps, c.get('principal'), actorOf(c), id);
    return page(c, id, { personal });
  });
  staff.get('/console/requests/:id/files/:fileId', 'request.view', async (c) => {
    const id = idOf(c);
    await staffRequest(deps, c.get('principal'), id); // organization scope
    const f = await repo.findFile(deps.db.kysely, id, Number(c.req.param('fileId')) || 0);
    if (!f) throw new NotFoundError();
    return sendStored(c, deps, f.file_sha256, f.filename);
  });

  // The letter carries the applicant's full name: staffLetter checks who may see it and audits the view.
  for (const format of ['pdf', 'docx'] as const) {
    staff.get(`/console/requests/:id/letter.${format}`, 'request.view_personal', async (c) =>
      sendLetter(c, await staffLetter(deps, c.get('principal'), actorOf(c), idOf(c), format)),
    );
  }

  const actions: StaffAction[] = [
    'assign',
    'transfer',
    'clarify',
    'consult_start',
    'consult_end',
    'extend',
    'fee_notice',
    'fee_paid',
    'deliver',
    'review',
    'note',
  ];
  for (const action of actions) {
    staff.post(
      `/console/requests/:id/${action}`,
      action === 'extend' ? 'request.extend' : 'request.manage',
      async (c) => {
        const id = idOf(c);
        const f = await formFields(c);
        return runAction(c, id, action, f, []);
      },
    );
  }
  staff.post('/console/requests/:id/decide/attachments', 'request.manage', async (c) => {
    const id = idOf(c);
    const { fields, files } = await multipart(c);
    return runAction(c, id, 'decide', fields, files);
  });

  async function runAction(c: C, id: number, action: StaffAction, f: Record<string, string>, files: Upload[]) {
    try {
      const summary = await act(deps, c.get('principal'), actorOf(c), id, action, f, files);
      return redirectWithFlash(c, `/console/requests/${id}`, `${ACTION_LABELS[action]}：${summary}`);
    } catch (e) {
      if (e instanceof ValidationError) return page(c, id, { errors: e.fields });
      if (e instanceof AppError && e.status === 409)
        return page(c, id, { errors: { [`action-${action}`]: e.message } });
      throw e;
    }
  }

  return staff.app;
}
