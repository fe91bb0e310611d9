import type { Context, Hono } from 'hono';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import type { LetterOutcomeGroup } from '../../platform/letters/defaults.js';
import { composeLetter } from '../../platform/letters/template.js';
import { CONSOLE_NAV } from '../../platform/render/layouts.js';
import { type OrgTree, orgTree } from '../organizations/organizations.service.js';
import {
  checkTemplateInput,
  effectiveTemplate,
  isLetterGroup,
  LETTER_CONTENT_TYPES,
  previewLetter,
  resetTemplate,
  sampleValues,
  saveTemplate,
  templatesOf,
} from './requests.letters.js';
import { TemplateEditPage, TemplateListPage } from './views/letters.js';

type C = Context<AppEnv>;
const DISTRICT_NAME = '全区默认';

/** Adds the console navigation entry (idempotent). */
export function registerLetterTemplatesNav() {
  if (!CONSOLE_NAV.some((e) => e.href === '/console/letter-templates'))
    CONSOLE_NAV.push({ label: '告知书模板', href: '/console/letter-templates', permission: 'request_letter.manage' });
}

/** The console's reply-letter templates: list, edit with preview, reset, and PDF/DOCX previews. */
export function letterTemplateRoutes(deps: Deps): Hono<AppEnv> {
  const staff = new StaffRouter();

  // '' is the district default (global roles only); otherwise an organization within the principal's scope.
  // No organization named at all: the first one the principal may manage (the district default for global roles).
  const scope = async (c: C, raw: string | undefined) => {
    const p = c.get('principal');
    const tree = await orgTree(deps);
    const ref = (raw ?? choices(c, tree)[0]?.value ?? '').trim();
    if (ref === '') {
      if (!can(p, 'request_letter.manage', [])) throw new ForbiddenError();
      return { tree, organizationId: null, name: DISTRICT_NAME, ref };
    }
    const org = /^\d+$/.test(ref) ? tree.byId.get(Number(ref)) : undefined;
    if (!org) throw new NotFoundError('机构不存在。');
    if (!can(p, 'request_letter.manage', tree.chain(org.id))) throw new ForbiddenError();
    return { tree, organizationId: org.id, name: org.name, ref };
  };
  const groupOf = (raw: string | undefined): LetterOutcomeGroup => {
    if (!raw || !isLetterGroup(raw)) throw new NotFoundError('没有这种办理结果的模板。');
    return raw;
  };
  const choices = (c: C, tree: OrgTree) => {
    const p = c.get('principal');
    const out = can(p, 'request_letter.manage', []) ? [{ value: '', label: DISTRICT_NAME }] : [];
    for (const o of tree.all)
      if (can(p, 'request_letter.manage', tree.chain(o.id)))
        out.push({ value: String(o.id), label: '　'.repeat(tree.depth(o.id)) + o.name });
    return out;
  };

  staff.get('/console/letter-templates', 'request_letter.manage', async (c) => {
    const s = await scope(c, c.req.query('organization'));
    const options = choices(c, s.tree);
    return consolePage(
      c,
      deps.config.site,
      '告知书模板',
      <TemplateListPage
        organization={s.ref}
        organizations={options}
        templates={await templatesOf(deps, s.organizationId)}
      />,
    );
  });

  const editPage = async (
    c: C,
    s: Awaited<ReturnType<typeof scope>>,
    group: LetterOutcomeGroup,
    form: { values?: { title: string; body: string }; errors?: Record<string, string>; preview?: boolean } = {},
  ) => {
    const current = await effectiveTemplate(deps, s.organizationId, group);
    const values = form.values ?? { title: current.title, body: current.body };
    let preview = null;
    if (form.preview && !form.errors) {
      const now = deps.clock();
      const l = composeLetter({
        title: values.title,
        template: values.body,
        values: sampleValues(s.organizationId === null ? '××区××局' : s.name, now),
      });
      preview = {
        title: l.title,
        paragraphs: [...(l.addressee ? [`${l.addressee}：`] : []), ...l.paragraphs],
        agency: l.agency,
        date: l.date,
      };
    }
    return consolePage(
      c,
      deps.config.site,
      '编辑告知书模板',
      <TemplateEditPage
        csrf={c.get('csrf')()}
        organization={s.ref}
        organizationName={s.name}
        group={group}
        source={current.source}
        values={values}
        errors={form.errors}
        preview={preview}
      />,
      form.errors ? 422 : 200,
    );
  };

  staff.get('/console/letter-templates/edit', 'request_letter.manage', async (c) => {
    const s = await scope(c, c.req.query('organization'));
    return editPage(c, s, groupOf(c.req.query('group')));
  });

  staff.post('/console/letter-templates/edit', 'request_letter.manage', async (c) => {
    const f = await formFields(c);
    const s = await scope(c, f.organization);
    const group = groupOf(f.group);
    const values = { title: f.title ?? '', body: f.body ?? '' };
    try {
      if (f.action === 'preview') {
        checkTemplateInput(values);
        return editPage(c, s, group, { values, preview: true });
      }
      await saveTemplate(deps, actorOf(c), s.organizationId, group, values, deps.clock());
    } catch (e) {
      if (e instanceof ValidationError) return editPage(c, s, group, { values, errors: e.fields });
      throw e;
    }
    return redirectWithFlash(c, `/console/letter-templates?organization=${s.ref}`, '告知书模板已保存。');
  });

  staff.post('/console/letter-templates/reset', 'request_letter.manage', async (c) => {
    const f = await formFields(c);
    const s = await scope(c, f.organization);
    await resetTemplate(deps, actorOf(c), s.organizationId, groupOf(f.group), deps.clock());
    return redirectWithFlash(c, `/console/letter-templates?organization=${s.ref}`, '已恢复为上级默认模板。');
  });

  staff.get('/console/letter-templates/preview', 'request_letter.manage', async (c) => {
    const s = await scope(c, c.req.query('organization'));
    const group = groupOf(c.req.query('group'));
    const format = c.req.query('format') === 'docx' ? 'docx' : 'pdf';
    const t = await effectiveTemplate(deps, s.organizationId, group);
    const body = await previewLetter(t, s.organizationId === null ? '××区××局' : s.name, format, deps.clock());
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': LETTER_CONTENT_TYPES[format],
      'Content-Disposition': `${format === 'pdf' ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(`告知书模板-${group}.${format}`)}`,
      'Cache-Control': 'no-store',
    });
  });

  return staff.app;
}
