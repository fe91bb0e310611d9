import { Hono } from 'hono';
import { z } from 'zod';
import { registerScope } from '../../platform/api/registry.js';
import { ApiRouter } from '../../platform/api/router.js';
import type { ApiCaller } from '../../platform/api/tokens.service.js';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { maskName } from '../../platform/identity/identity.js';
import { type OrgTree, orgTree } from '../organizations/organizations.service.js';
import { outcomeOf } from './outcomes.js';
import { CLOCK_STATE_LABELS, REQUEST_EVENT_KINDS } from './requests.clock.js';
import { personalCipher } from './requests.privacy.js';
import * as repo from './requests.repository.js';
import { REQUEST_STATUSES } from './requests.schema.js';
import { staffRequest } from './requests.service.js';
import * as apiRepo from './requests-api.repository.js';

// Staff-token API for the disclosure office's own systems (requests:read): the requests of the token's
// organization (and the organizations under it) with their status, dates and outcome, and one request with
// its timeline and the explanation of its due date. Personal data only masked, as in the console's lists;
// internal notes stay in the console.

registerScope('requests:read', '读取本机构的依申请公开申请（个人信息已脱敏）');

const STATUS_KEYS = Object.keys(REQUEST_STATUSES) as [string, ...string[]];
const orgJson = z.object({ id: z.number(), slug: z.string(), name: z.string() });
const outcomeJson = z
  .object({ code: z.string(), label: z.string(), basis: z.string(), date: z.string().nullable() })
  .nullable();
const applicantJson = z
  .object({
    type: z.string().describe('natural_person | legal_person'),
    name: z.string().describe('脱敏后的姓名（法人或其他组织为名称）'),
    idNumber: z.string().describe('脱敏后的证件号码，如 3502**********1234'),
  })
  .describe('申请人（已脱敏）');

const listItem = z.object({
  trackingNumber: z.string(),
  organization: orgJson.nullable(),
  status: z.enum(STATUS_KEYS),
  statusLabel: z.string(),
  channel: z.string(),
  receivedOn: z.string(),
  dueOn: z.string().nullable().describe('答复期限；暂停计时期间为 null'),
  outcome: outcomeJson,
  deliveredOn: z.string().nullable(),
  excessiveFlag: z.boolean().describe('第三十五条：同一申请人大量、重复申请的提示'),
  applicant: applicantJson,
});
const listSchema = z
  .object({ data: z.array(listItem) })
  .meta({ id: 'StaffInformationRequestList', description: '本机构的依申请公开申请（个人信息已脱敏）' });

const detailSchema = z
  .object({
    ...listItem.shape,
    clockState: z.string(),
    clockStateLabel: z.string(),
    workdaysLeft: z.number().nullable(),
    overdue: z.boolean(),
    openConsultations: z.number(),
    assignedTo: z.string().nullable(),
    applicant: applicantJson.extend({ phone: z.string(), email: z.string(), address: z.string() }),
    description: z.string(),
    dueExplanation: z.object({
      summary: z.string(),
      steps: z.array(z.object({ date: z.string(), text: z.string() })),
      totalWorkdays: z.number(),
      countFrom: z.string(),
      restartReason: z.enum(['clarification', 'transfer']).nullable(),
      transferredOn: z.string().nullable(),
      pauses: z.array(z.object({ kind: z.string(), from: z.string(), to: z.string().nullable() })),
      extension: z.object({ onDate: z.string(), workdays: z.number() }).nullable(),
      clarificationBy: z.string(),
      unknownYears: z.array(z.number()),
    }),
    timeline: z.array(
      z.object({
        date: z.string(),
        kind: z.string(),
        label: z.string(),
        note: z.string().describe('告知申请人的说明（内部备注不在 API 中）'),
        deadline: z.string().nullable(),
        workdays: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'StaffInformationRequest', description: '一件申请的办理过程和答复期限的计算（个人信息已脱敏）' });

/** The organizations a token reaches: its own and those under it, where its user may view requests. */
function reachable(tree: OrgTree, caller: ApiCaller): number[] {
  return tree.all
    .filter((o) => tree.chain(o.id).includes(caller.organizationId))
    .filter((o) => can(caller.principal, 'request.view', tree.chain(o.id)))
    .map((o) => o.id);
}

const outcome = (code: string | null, date: string | null) => {
  const o = outcomeOf(code);
  return o ? { code: o.code, label: o.short, basis: o.basis, date } : null;
};

export function requestStaffApiRoutes(deps: Deps) {
  const api = new ApiRouter(deps);
  const cipher = personalCipher(deps.config);
  const maskedName = (type: string, enc: string) => {
    const name = enc ? cipher.decrypt(enc) : '';
    return type === 'legal_person' ? name : maskName(name);
  };

  api.add(
    {
      method: 'get',
      path: '/api/v1/staff/requests',
      operationId: 'listStaffInformationRequests',
      summary: '本机构的依申请公开申请（需令牌）',
      description:
        '令牌所属机构及其下级机构的申请：状态、收到日期、答复期限、办理结果。需要 requests:read，且令牌用户有查看申请的权限；申请人信息已脱敏。可按 status 筛选，最多返回 limit 件（默认 100，最多 500）。',
      tags: ['依申请公开（需令牌）'],
      query: z.object({
        status: z.enum(STATUS_KEYS).optional().describe('办理状态'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      responses: { 200: { description: '申请列表', schema: listSchema } },
      scopes: ['requests:read'],
    },
    async ({ query, caller }) => {
      const tree = await orgTree(deps);
      const ids = reachable(tree, caller);
      if (ids.length === 0) throw new ForbiddenError('令牌所属用户无权查看该机构的申请。');
      const rows = await apiRepo.staffApiList(deps.db.kysely, ids, query.status, query.limit);
      const data = rows.map((r) => {
        const o = tree.byId.get(r.organization_id);
        return {
          trackingNumber: r.tracking_number,
          organization: o ? { id: o.id, slug: o.slug, name: o.name } : null,
          status: r.status,
          statusLabel: REQUEST_STATUSES[r.status as keyof typeof REQUEST_STATUSES] ?? r.status,
          channel: r.channel,
          receivedOn: r.received_on,
          dueOn: r.due_on,
          outcome: outcome(r.outcome_code, r.outcome_date),
          deliveredOn: r.delivered_at,
          excessiveFlag: r.excessive_flag === 1,
          applicant: { type: r.applicant_type, name: maskedName(r.applicant_type, r.name_enc), idNumber: r.id_masked },
        };
      });
      return { body: { data }, headers: { 'Cache-Control': 'private, no-store' } };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/api/v1/staff/requests/{trackingNumber}',
      operationId: 'getStaffInformationRequest',
      summary: '一件申请的办理过程（需令牌）',
      description:
        '办理过程、答复期限及其计算过程（计入的工作日、暂停、延长）。需要 requests:read；申请不属于令牌所属机构（或其下级机构）时答 403。申请人信息已脱敏，内部备注不返回。',
      tags: ['依申请公开（需令牌）'],
      params: z.object({
        trackingNumber: z.string().regex(/^\d{4}-\d{6}$/, '受理编号格式应为 2026-000123。'),
      }),
      responses: { 200: { description: '申请的办理情况', schema: detailSchema } },
      scopes: ['requests:read'],
    },
    async ({ params, caller }) => {
      const row = await repo.findByTrackingNumber(deps.db.kysely, params.trackingNumber);
      if (!row) throw new NotFoundError('申请不存在。');
      const tree = await orgTree(deps);
      if (!tree.chain(row.organization_id).includes(caller.organizationId))
        throw new ForbiddenError('该申请不属于令牌所属机构。');
      const r = await staffRequest(deps, caller.principal, row.id);
      const o = r.organization;
      const clock = r.clock;
      const status = r.row.status;
      return {
        body: {
          trackingNumber: r.row.tracking_number,
          organization: o ? { id: o.id, slug: o.slug, name: o.name } : null,
          status,
          statusLabel: REQUEST_STATUSES[status as keyof typeof REQUEST_STATUSES] ?? status,
          channel: r.row.channel,
          receivedOn: r.row.received_on,
          dueOn: clock.dueOn,
          outcome: outcome(r.row.outcome_code, r.row.outcome_date),
          deliveredOn: r.row.delivered_at,
          excessiveFlag: r.row.excessive_flag === 1,
          applicant: {
            type: r.row.applicant_type,
            name: r.masked.name,
            idNumber: r.masked.idNumber,
            phone: r.masked.phone,
            email: r.masked.email,
            address: r.masked.address,
          },
          description: r.row.description,
          clockState: clock.state,
          clockStateLabel: CLOCK_STATE_LABELS[clock.state],
          workdaysLeft: clock.workdaysLeft,
          overdue: clock.overdue,
          openConsultations: clock.openConsultations,
          assignedTo: r.assignedName,
          dueExplanation: {
            summary: clock.summary,
            steps: clock.steps,
            totalWorkdays: clock.totalWorkdays,
            countFrom: clock.countFrom,
            restartReason: clock.restartReason,
            transferredOn: clock.transferredOn,
            pauses: clock.pauses,
            extension: clock.extension,
            clarificationBy: clock.clarification.by,
            unknownYears: clock.unknownYears,
          },
          timeline: r.events.map((e) => ({
            date: e.on_date,
            kind: e.kind,
            label: REQUEST_EVENT_KINDS[e.kind as keyof typeof REQUEST_EVENT_KINDS] ?? e.kind,
            note: e.public_note,
            deadline: e.deadline,
            workdays: e.kind === 'extension' || e.kind === 'consultation_started' ? e.workdays : null,
          })),
        },
        headers: { 'Cache-Control': 'private, no-store' },
      };
    },
  );

  const app = new Hono<AppEnv>();
  app.route('/', api.app);
  return app;
}
