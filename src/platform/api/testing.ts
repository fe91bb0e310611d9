import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BASIC } from '@hyperjump/json-schema/experimental';
import { validate } from '@hyperjump/json-schema/openapi-3-1';

// Test helpers (they import a devDependency: never import this file from application code). They check the
// OpenAPI document against the official 3.1 schema and answers against the schemas the document gives.

type Doc = Record<string, unknown>;

export interface OpenApiChecker {
  /** Errors of the document against the OpenAPI 3.1 schema (with the 3.1 JSON Schema dialect); [] when valid. */
  documentErrors(): Promise<string[]>;
  /** Errors of a JSON body against the schema documented for the path template, method and status. */
  bodyErrors(pathTemplate: string, method: string, status: number, body: unknown): Promise<string[]>;
  /** Every path template and method the document lists, as "GET /api/v1/...". */
  operations(): string[];
}

// A JSON pointer segment inside a URI fragment: ~ and / escaped, then { } and the like percent-encoded.
const pointer = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));

/** A checker for one generated document (written to a temporary *.openapi.json file for the validator). */
export function openApiChecker(doc: Doc): OpenApiChecker {
  const dir = path.join(tmpdir(), 'gongkai-openapi');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${randomBytes(8).toString('hex')}.openapi.json`);
  writeFileSync(file, JSON.stringify(doc));
  const uri = `file://${file}`;
  const describe = (errors: unknown) => (Array.isArray(errors) ? errors : []).map((e) => JSON.stringify(e));
  return {
    async documentErrors() {
      const out = await validate('https://spec.openapis.org/oas/3.1/schema-base', doc as never, BASIC);
      return out.valid ? [] : describe(out.errors);
    },
    async bodyErrors(pathTemplate, method, status, body) {
      const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
      const response = paths[pathTemplate]?.[method.toLowerCase()]?.responses?.[String(status)] as
        | { content?: Record<string, unknown> }
        | undefined;
      if (!response) return [`${method} ${pathTemplate} documents no ${status} answer`];
      if (!response.content?.['application/json']) return body === null ? [] : ['no JSON body is documented'];
      const ptr = `#/paths/${pointer(pathTemplate)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
      const out = await validate(`${uri}${ptr}`, body as never, BASIC);
      return out.valid ? [] : describe(out.errors);
    },
    operations() {
      const paths = doc.paths as Record<string, Record<string, unknown>>;
      return Object.entries(paths).flatMap(([p, item]) =>
        Object.keys(item)
          .filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
          .map((m) => `${m.toUpperCase()} ${p}`),
      );
    },
  };
}
