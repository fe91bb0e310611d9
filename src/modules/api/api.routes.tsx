import { Hono } from 'hono';
import { openApiDocument } from '../../platform/api/openapi.js';
import { API_SCOPES, type ApiOperationSpec, apiOperations } from '../../platform/api/registry.js';
import { ApiRouter } from '../../platform/api/router.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { portalPage } from '../../platform/http/portal.js';
import { itemInput } from '../publishing/publishing.schema.js';
import {
  columnListSchema,
  documentListSchema,
  documentParams,
  documentSchema,
  documentsQuery,
  draftReceiptSchema,
  draftSchema,
  openApiSchema,
  organizationListSchema,
  organizationParams,
  searchQuery,
  searchResultSchema,
} from './api.schema.js';
import * as svc from './api.service.js';

export const API_VERSION = '1.0.0';
const V1 = '/api/v1';

/** The v1 JSON API: public reads, search, drafts through staff tokens, and the OpenAPI document. */
export function apiV1Routes(deps: Deps): Hono<AppEnv> {
  const api = new ApiRouter(deps);

  api.add(
    {
      method: 'get',
      path: `${V1}/organizations`,
      operationId: 'listOrganizations',
      summary: '机构列表（机构树）',
      description: '全部在用机构，按机构树先序排列；parent_id 与 depth 给出树的结构。',
      tags: ['机构与栏目'],
      responses: { 200: { description: '机构列表', schema: organizationListSchema } },
      conditional: true,
    },
    async () => {
      const r = await svc.organizationsView(deps);
      return { body: { data: r.data }, lastModified: r.lastModified };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/organizations/{id}/columns`,
      operationId: 'listColumns',
      summary: '机构的政府信息公开目录（栏目树）',
      tags: ['机构与栏目'],
      params: organizationParams,
      responses: { 200: { description: '栏目列表', schema: columnListSchema } },
      conditional: true,
    },
    async ({ params }) => {
      const r = await svc.columnsView(deps, params.id);
      return { body: { data: r.data }, lastModified: r.lastModified };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/documents`,
      operationId: 'listDocuments',
      summary: '已公开的信息（游标分页）',
      description:
        '按首次发布时间从新到旧排列。取下一页时把响应中的 next_cursor 作为 cursor 参数传回；next_cursor 为 null 表示没有更多。默认不含已撤回的信息，include_withdrawn=true 时一并列出并标记 withdrawn。',
      tags: ['公开信息'],
      query: documentsQuery,
      responses: { 200: { description: '一页信息', schema: documentListSchema } },
      conditional: true,
    },
    async ({ query }) => {
      const r = await svc.documentsView(deps, query);
      return { body: { data: r.data, next_cursor: r.next_cursor }, lastModified: r.lastModified };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/documents/{id}`,
      operationId: 'getDocument',
      summary: '一条已公开信息的详情',
      description:
        '元数据、正文、附件（绝对地址）、修订记录和撤回信息。草稿和其他未公开状态的信息答 404。因误发撤回的信息不再给出正文和附件。',
      tags: ['公开信息'],
      params: documentParams,
      responses: { 200: { description: '信息详情', schema: documentSchema } },
      conditional: true,
    },
    async ({ params }) => {
      const r = await svc.documentView(deps, params.id);
      return { body: r.doc, lastModified: r.lastModified };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/search`,
      operationId: 'search',
      summary: '全文检索',
      description:
        '与门户检索相同：两个字及以上的词都能检索；空格分隔的多个词须同时出现；引号内为短语；标题命中者在前。',
      tags: ['公开信息'],
      query: searchQuery,
      responses: { 200: { description: '检索结果', schema: searchResultSchema } },
      conditional: 'etag',
    },
    async ({ query }) => ({ body: await svc.searchView(deps, query) }),
  );

  api.add(
    {
      method: 'post',
      path: `${V1}/drafts`,
      operationId: 'createDraft',
      summary: '创建草稿',
      description:
        '在令牌所属机构创建一条草稿，字段和校验与管理后台的起草表单相同。需要 drafts:write，且令牌用户在该机构有起草权限。草稿随后在管理后台走审核、签发流程；API 不能发布。',
      tags: ['草稿（需令牌）'],
      body: itemInput,
      responses: { 201: { description: '已创建', schema: draftReceiptSchema } },
      scopes: ['drafts:write'],
    },
    async ({ body, caller }) => {
      const r = await svc.createDraftForCaller(deps, caller, body);
      return { status: 201, body: r, headers: { Location: `${V1}/drafts/${r.id}` } };
    },
  );

  api.add(
    {
      method: 'put',
      path: `${V1}/drafts/{id}`,
      operationId: 'updateDraft',
      summary: '修改草稿',
      description: '整体替换草稿内容（字段同创建）。信息已提交审核或已发布时答 409。',
      tags: ['草稿（需令牌）'],
      params: documentParams,
      body: itemInput,
      responses: { 200: { description: '已保存', schema: draftReceiptSchema } },
      scopes: ['drafts:write'],
      errors: [409],
    },
    async ({ params, body, caller }) => ({ body: await svc.updateDraftForCaller(deps, caller, params.id, body) }),
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/drafts/{id}`,
      operationId: 'getDraft',
      summary: '读取本机构的一条信息（含草稿）',
      description: '只限令牌所属机构；其他机构的信息答 404。',
      tags: ['草稿（需令牌）'],
      params: documentParams,
      responses: { 200: { description: '信息的工作副本', schema: draftSchema } },
      scopes: ['drafts:read'],
      conditional: true,
    },
    async ({ params, caller }) => {
      const r = await svc.draftView(deps, caller, params.id);
      return { body: r.draft, lastModified: r.lastModified };
    },
  );

  let cached: { count: number; doc: Record<string, unknown> } | null = null;
  api.add(
    {
      method: 'get',
      path: `${V1}/openapi.json`,
      operationId: 'getOpenApiDocument',
      summary: 'OpenAPI 3.1 文档',
      tags: ['文档'],
      responses: { 200: { description: '本文档', schema: openApiSchema } },
      conditional: 'etag',
    },
    async () => {
      const ops = apiOperations();
      if (!cached || cached.count !== ops.length) cached = { count: ops.length, doc: apiDocument(deps) };
      return { body: cached.doc };
    },
  );

  const app = new Hono<AppEnv>();
  app.route('/', api.app);
  app.get('/api', (c) =>
    portalPage(c, deps, {
      title: '开放接口（API）',
      qr: false,
      crumbs: [{ label: '首页', href: '/' }, { label: '开放接口' }],
      children: <ApiPortal ops={apiOperations()} base={deps.config.publicBaseUrl} />,
    }),
  );
  return app;
}

/** The OpenAPI document of every operation registered so far. */
export function apiDocument(deps: Pick<Deps, 'config'>) {
  return openApiDocument({
    title: `${deps.config.site.name} 政务公开开放接口`,
    version: API_VERSION,
    description:
      '公开信息、机构和目录的只读接口无需认证，支持 ETag / Last-Modified 条件请求和跨域（CORS）读取；创建和修改草稿需要工作人员在管理后台创建的 API 令牌。错误统一为 { "error": { "code", "message", "fields"? } }。',
    serverUrl: deps.config.publicBaseUrl,
  });
}

const METHOD_LABEL: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE' };

function ApiPortal({ ops, base }: { ops: readonly ApiOperationSpec[]; base: string }) {
  return (
    <article>
      <h1>开放接口（API）</h1>
      <p>
        本站以 JSON 提供机构、政府信息公开目录、已公开信息和全文检索的接口，供其他网站和系统调用。接口说明见{' '}
        <a href="/api/v1/openapi.json">OpenAPI 3.1 文档（openapi.json）</a>，服务地址为 <code>{base}/api/v1</code>。
      </p>
      <h2>使用须知</h2>
      <ul>
        <li>只读接口无需认证，允许跨域读取；响应带 ETag 和 Last-Modified，可用条件请求节省流量。</li>
        <li>信息列表使用游标分页：把响应中的 next_cursor 作为下一次请求的 cursor 参数。</li>
        <li>
          创建和修改草稿需要 API 令牌：由工作人员在管理后台“API 令牌”页创建，在请求头中以{' '}
          <code>Authorization: Bearer gk_…</code> 提供。可选权限范围：
          {[...API_SCOPES].map(([k, v], i) => (
            <>
              {i > 0 ? '；' : ''}
              <code>{k}</code>（{v}）
            </>
          ))}
          。
        </li>
        <li>
          错误统一返回 <code>{'{ "error": { "code", "message" } }'}</code>，校验失败时另有 <code>fields</code>。
        </li>
      </ul>
      <h2>接口列表</h2>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">接口列表</caption>
          <thead>
            <tr>
              <th scope="col">方法</th>
              <th scope="col">路径</th>
              <th scope="col">说明</th>
              <th scope="col">认证</th>
            </tr>
          </thead>
          <tbody>
            {ops.map((op) => (
              <tr>
                <td>{METHOD_LABEL[op.method]}</td>
                <td>
                  <code>{op.path}</code>
                </td>
                <td>{op.summary}</td>
                <td>{op.scopes ? `令牌：${op.scopes.join('、')}` : '无需'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}
