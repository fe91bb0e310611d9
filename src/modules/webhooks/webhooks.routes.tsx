import { type Context, Hono } from 'hono';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { type FieldErrors, ValidationError } from '../../platform/errors.js';
import { formFields, formList } from '../../platform/http/forms.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { idParam } from '../../platform/jobs/jobs.routes.js';
import { SecretShown, WebhookDetail, WebhookForm, type WebhookFormValues, WebhookList } from './views/console.js';
import {
  createWebhook,
  deleteWebhook,
  redeliver,
  rotateWebhookSecret,
  setWebhookActive,
  visibleWebhooks,
  webhookDetail,
  webhookScopes,
} from './webhooks.service.js';

type C = Context<AppEnv>;

/** The console's webhook pages: list and detail (webhook.view); create, enable, disable, delete, redeliver (webhook.manage). */
export function webhookRoutes(deps: Deps) {
  const staff = new StaffRouter();
  const site = deps.config.site;

  staff.get('/console/webhooks', 'webhook.view', async (c) => {
    const p = c.get('principal')!;
    const hooks = await visibleWebhooks(deps, p);
    return consolePage(c, site, 'Webhook 推送', <WebhookList hooks={hooks} canCreate={can(p, 'webhook.manage')} />);
  });

  const formPage = async (c: C, values: WebhookFormValues, errors?: FieldErrors) =>
    consolePage(
      c,
      site,
      '新建推送',
      <WebhookForm
        csrf={c.get('csrf')()}
        values={values}
        errors={errors}
        scopes={await webhookScopes(deps, c.get('principal')!)}
      />,
      errors ? 422 : 200,
    );

  staff.get('/console/webhooks/new', 'webhook.manage', (c) => formPage(c, {}));

  staff.post('/console/webhooks', 'webhook.manage', async (c) => {
    const f = await formFields(c);
    const values = {
      url: f.url ?? '',
      organization_id: f.organization_id ?? '',
      events: await formList(c, 'events'),
      description: f.description ?? '',
    };
    let created: { id: number; secret: string };
    try {
      created = await createWebhook(deps, c.get('principal')!, actorOf(c), values);
    } catch (e) {
      if (e instanceof ValidationError) return formPage(c, values, e.fields);
      throw e;
    }
    // The secret is shown in this response only (never stored in clear, never put in a cookie or a URL), so
    // this POST renders a page instead of redirecting; consolePage marks it no-store.
    return consolePage(c, site, '推送已创建', <SecretShown id={created.id} url={values.url} secret={created.secret} />);
  });

  staff.get('/console/webhooks/:id', 'webhook.view', async (c) => {
    const id = idParam(c.req.param('id'));
    const onlyFailures = c.req.query('failures') === '1';
    const d = await webhookDetail(deps, c.get('principal')!, id, { onlyFailures });
    return consolePage(
      c,
      site,
      '推送详情',
      <WebhookDetail
        hook={d.hook}
        deliveries={d.deliveries}
        canManage={d.canManage}
        onlyFailures={onlyFailures}
        csrf={c.get('csrf')()}
      />,
    );
  });

  staff.post('/console/webhooks/:id/disable', 'webhook.manage', async (c) => {
    const id = idParam(c.req.param('id'));
    await setWebhookActive(deps, c.get('principal')!, actorOf(c), id, false);
    return redirectWithFlash(c, `/console/webhooks/${id}`, '推送已停用，新的事件不会再发送到该地址。');
  });

  staff.post('/console/webhooks/:id/enable', 'webhook.manage', async (c) => {
    const id = idParam(c.req.param('id'));
    await setWebhookActive(deps, c.get('principal')!, actorOf(c), id, true);
    return redirectWithFlash(c, `/console/webhooks/${id}`, '推送已启用。');
  });

  staff.post('/console/webhooks/:id/delete', 'webhook.manage', async (c) => {
    const id = idParam(c.req.param('id'));
    await deleteWebhook(deps, c.get('principal')!, actorOf(c), id);
    return redirectWithFlash(c, '/console/webhooks', '推送已删除。');
  });

  staff.post('/console/webhooks/:id/secret', 'webhook.manage', async (c) => {
    const id = idParam(c.req.param('id'));
    const secret = await rotateWebhookSecret(deps, c.get('principal')!, actorOf(c), id);
    const d = await webhookDetail(deps, c.get('principal')!, id);
    return consolePage(c, site, '新的签名密钥', <SecretShown id={id} url={d.hook.url} secret={secret} rotated />);
  });

  staff.post('/console/webhooks/:id/deliveries/:deliveryId/redeliver', 'webhook.manage', async (c) => {
    const id = idParam(c.req.param('id'));
    const deliveryId = idParam(c.req.param('deliveryId'));
    await redeliver(deps, c.get('principal')!, actorOf(c), id, deliveryId);
    return redirectWithFlash(c, `/console/webhooks/${id}#deliveries`, '已安排重新推送。');
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
