import { z } from 'zod';
import { apiErrorSchema } from './http.js';
import { API_SCOPES, type ApiOperationSpec, apiOperations } from './registry.js';

// The OpenAPI 3.1 document, generated from the registry's zod schemas with zod's own JSON Schema output
// (draft 2020-12, the dialect of OpenAPI 3.1). Request schemas are rendered as the input they accept
// (defaults make a field optional), response schemas as the output they produce. Schemas named with
// `.meta({ id })` become components and are referenced; the rest are inlined.

type Json = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  400: '请求格式有误（如 JSON 无法解析）',
  401: '缺少令牌，或令牌无效、已撤销、已过期',
  403: '令牌缺少所需权限范围（scope），或令牌所属用户的角色不允许此操作',
  404: '资源不存在（草稿及未公开的信息也答 404）',
  409: '资源状态冲突',
  415: '请求体须为 application/json',
  422: '参数或请求体校验失败，fields 列出每个字段的问题',
  429: '请求过于频繁',
};

class Components {
  readonly schemas: Record<string, Json> = {};

  /** Converts a schema; its named sub-schemas move into components (a differing input variant gets an Input suffix). */
  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    const defs = Object.entries((out.$defs ?? {}) as Record<string, Json>);
    delete out.$defs;
    delete out.$schema;
    const rename = new Map<string, string>();
    for (const [name, def] of defs) rename.set(name, this.nameFor(name, rewriteRefs(def, new Map()), io));
    for (const [name, def] of defs) this.schemas[rename.get(name)!] ??= rewriteRefs(def, rename);
    const body = rewriteRefs(out, rename);
    // A named schema comes back as a bare reference to its own definition, already added above.
    const id = z.globalRegistry.get(schema)?.id;
    const bareRef = typeof body.$ref === 'string' && Object.keys(body).length === 1;
    if (typeof id === 'string' && !bareRef) {
      const name = this.nameFor(id, body, io);
      this.schemas[name] ??= body;
      return { $ref: `#/components/schemas/${name}` };
    }
    return body;
  }

  private nameFor(name: string, def: Json, io: string): string {
    const json = JSON.stringify(def);
    const same = (n: string) => {
      const existing = this.schemas[n];
      return existing === undefined || JSON.stringify(rewriteRefs(existing, new Map())) === json;
    };
    if (same(name)) return name;
    const alt = io === 'input' ? `${name}Input` : `${name}Output`;
    if (same(alt)) return alt;
    throw new Error(`OpenAPI: two different schemas are both named ${name}`);
  }
}

function rewriteRefs(node: Json, rename: Map<string, string>): Json {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Json = {};
      for (const [k, x] of Object.entries(v as Json)) {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')) {
          const name = decodeURIComponent(x.slice('#/$defs/'.length));
          out[k] = `#/components/schemas/${rename.get(name) ?? name}`;
        } else out[k] = walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(node) as Json;
}

function parameters(c: Components, op: ApiOperationSpec): Json[] {
  const out: Json[] = [];
  for (const [where, obj] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!obj) continue;
    const js = c.convert(obj, 'input');
    const props = (js.properties ?? {}) as Record<string, Json>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: where,
        required: where === 'path' ? true : required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

/** The error statuses an operation can answer, from what it declares. */
export function errorStatuses(op: ApiOperationSpec): number[] {
  const s = new Set<number>(op.errors ?? []);
  if (op.params || op.query || op.body) s.add(422);
  if (op.params) s.add(404);
  if (op.body) {
    s.add(400);
    s.add(415);
  }
  if (op.scopes) {
    s.add(401);
    s.add(403);
  }
  if (op.method !== 'get') s.add(429);
  return [...s].sort((a, b) => a - b);
}

const CACHE_HEADERS = {
  ETag: { description: '弱实体标签；下次请求时放入 If-None-Match', schema: { type: 'string' } },
  'Last-Modified': { description: '最后修改时间；下次请求时放入 If-Modified-Since', schema: { type: 'string' } },
};

const ETAG_ONLY = '支持条件请求：响应带 ETag，If-None-Match 命中时答 304。';

function operation(c: Components, op: ApiOperationSpec): Json {
  const responses: Json = {};
  const cacheHeaders = op.conditional === 'etag' ? { ETag: CACHE_HEADERS.ETag } : CACHE_HEADERS;
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = {
      description: r.description,
      ...(op.conditional ? { headers: cacheHeaders } : {}),
      ...(r.schema ? { content: { 'application/json': { schema: c.convert(r.schema, 'output') } } } : {}),
    };
  }
  if (op.conditional) responses['304'] = { description: '未修改（条件请求命中）', headers: cacheHeaders };
  for (const s of errorStatuses(op)) {
    responses[String(s)] = {
      description: ERROR_TEXT[s] ?? '错误',
      content: { 'application/json': { schema: c.convert(apiErrorSchema, 'output') } },
    };
  }
  const params = parameters(c, op);
  if (op.conditional) {
    params.push({ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } });
    if (op.conditional !== 'etag')
      params.push({ name: 'If-Modified-Since', in: 'header', required: false, schema: { type: 'string' } });
  }
  // An ETag-only operation says so in its description; one with both validators explains its Last-Modified.
  const description = `${op.description ?? ''}${op.conditional === 'etag' ? ETAG_ONLY : ''}`;
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(description ? { description } : {}),
    tags: op.tags,
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: c.convert(op.body, 'input') } } } }
      : {}),
    responses,
    security: op.scopes ? [{ bearerToken: op.scopes }] : [],
  };
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  serverUrl: string;
}

/** The OpenAPI 3.1 document of every registered operation. */
export function openApiDocument(info: OpenApiInfo, ops: readonly ApiOperationSpec[] = apiOperations()): Json {
  const c = new Components();
  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  for (const op of ops) {
    paths[op.path] ??= {};
    paths[op.path][op.method] = operation(c, op);
    for (const t of op.tags) tags.add(t);
  }
  const scopes = [...API_SCOPES].map(([k, v]) => `\`${k}\`：${v}`).join('；');
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: info.serverUrl }],
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      schemas: c.schemas,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'gk_…',
          description: `工作人员在管理后台“API 令牌”页创建的令牌，放在 Authorization: Bearer 头中。权限范围：${scopes || '无'}。令牌只能做其用户的角色允许的事，且仅限令牌所属机构。`,
        },
      },
    },
  };
}
