import type { z } from 'zod';
import type { SearchResultHit } from '../../platform/search/search.service.js';
import type { Column } from '../directory/directory.service.js';
import type { Organization } from '../organizations/organizations.service.js';
import type { ItemRow } from '../publishing/publishing.repository.js';
import { STATUS_LABELS, WITHDRAWAL_REASONS, type WithdrawalReason } from '../publishing/publishing.schema.js';
import { columnHref, itemHref } from '../publishing/views/public.js';
import type { DocumentRow } from './api.repository.js';
import type {
  attachmentSchema,
  columnSchema,
  documentSchema,
  documentSummarySchema,
  draftReceiptSchema,
  draftSchema,
  organizationSchema,
  searchHitSchema,
} from './api.schema.js';

// Rows and domain objects → API objects, field by field: a new column in a table never reaches the API
// until someone adds it here and to the schema.

type Out<T extends z.ZodType> = z.output<T>;

export const apiUrl = (base: string, path: string) => `${base}/api/v1${path}`;

export function toApiOrganization(o: Organization, depth: number, base: string): Out<typeof organizationSchema> {
  return {
    id: o.id,
    parent_id: o.parentId,
    code: o.code,
    slug: o.slug,
    name: o.name,
    short_name: o.shortName,
    kind: o.kind,
    depth,
    functions: o.functions,
    contact: {
      address: o.address,
      postcode: o.postcode,
      phone: o.phone,
      fax: o.fax,
      email: o.email,
      office_hours: o.officeHours,
      website: o.website,
    },
    url: `${base}/org/${o.slug}`,
    columns_url: apiUrl(base, `/organizations/${o.id}/columns`),
  };
}

export function toApiColumn(col: Column, org: Organization, depth: number, base: string): Out<typeof columnSchema> {
  return {
    id: col.id,
    organization_id: col.organizationId,
    parent_id: col.parentId,
    code: col.code,
    slug: col.slug,
    name: col.name,
    kind: col.kind,
    retired: col.retired,
    depth,
    url: base + columnHref(org.slug, col),
    documents_url: apiUrl(base, `/documents?column=${col.id}`),
  };
}

function withdrawalOf(r: { withdrawn: number; withdrawn_at: string | null; withdrawal_reason: string | null }) {
  return r.withdrawn && r.withdrawn_at ? { at: r.withdrawn_at, reason: r.withdrawal_reason ?? 'outdated' } : null;
}

export function toDocumentSummary(r: DocumentRow, orgSlug: string, base: string): Out<typeof documentSummarySchema> {
  return {
    id: r.id,
    index_number: r.index_number,
    title: r.title,
    doc_number: r.doc_number,
    organization_id: r.organization_id,
    column_id: r.column_id,
    theme: r.theme,
    genre: r.genre,
    date_created: r.date_created,
    first_published_at: r.first_published_at ?? '',
    last_published_at: r.last_published_at ?? r.first_published_at ?? '',
    version: r.published_version,
    withdrawn: r.withdrawn === 1,
    withdrawal: withdrawalOf(r),
    url: base + itemHref(orgSlug, r.id),
    api_url: apiUrl(base, `/documents/${r.id}`),
  };
}

/** Root-relative links and image sources of a sanitized body made absolute, for use on other sites. */
export function absoluteLinks(html: string, base: string): string {
  return html.replace(/\b(href|src)="\/(?!\/)/g, `$1="${base}/`);
}

export interface StoredAttachment {
  sha256: string;
  filename: string;
  inline: number;
  size: number;
  mime: string;
  ext: string;
}

export function toAttachment(a: StoredAttachment, base: string): Out<typeof attachmentSchema> {
  return {
    filename: a.filename,
    url: `${base}/files/${a.sha256}/${encodeURIComponent(a.filename)}`,
    mime: a.mime,
    ext: a.ext,
    size: a.size,
  };
}

export interface DocumentParts {
  item: ItemRow;
  version: {
    title: string;
    doc_number: string;
    summary: string;
    keywords: string;
    theme: string;
    genre: string;
    body_html: string;
    attachments_json: string;
  };
  versions: { version: number; change_kind: string; change_note: string; published_at: string }[];
  replacement: { id: number; title: string; organizationSlug: string } | null;
  org: Organization;
  column: Column | undefined;
}

export function toDocument(d: DocumentParts, base: string): Out<typeof documentSchema> {
  const { item, version, org } = d;
  // Published in error: the public page shows only the notice (HTTP 410), so the API leaves the content out.
  const hidden = item.withdrawn === 1 && item.withdrawal_reason === 'error';
  let stored: StoredAttachment[] = [];
  try {
    stored = JSON.parse(version.attachments_json);
  } catch {
    stored = [];
  }
  const reason = (item.withdrawal_reason ?? 'outdated') as WithdrawalReason;
  return {
    id: item.id,
    index_number: item.index_number,
    title: version.title,
    doc_number: version.doc_number,
    organization_id: item.organization_id,
    column_id: item.column_id,
    theme: version.theme,
    genre: version.genre,
    date_created: item.date_created,
    first_published_at: item.first_published_at ?? '',
    last_published_at: item.last_published_at ?? item.first_published_at ?? '',
    version: item.published_version,
    withdrawn: item.withdrawn === 1,
    url: base + itemHref(org.slug, item.id),
    api_url: apiUrl(base, `/documents/${item.id}`),
    keywords: version.keywords,
    summary: version.summary,
    five_category: item.five_category,
    disclosure_method: item.disclosure_method,
    organization: { id: org.id, name: org.name, slug: org.slug },
    column: { id: item.column_id, name: d.column?.name ?? '', slug: d.column?.slug ?? '' },
    body_html: hidden ? null : absoluteLinks(version.body_html, base),
    validity: null,
    attachments: hidden ? [] : stored.filter((a) => !a.inline).map((a) => toAttachment(a, base)),
    versions: d.versions.map((v) => ({
      version: v.version,
      published_at: v.published_at,
      change_kind: (['initial', 'major', 'minor'].includes(v.change_kind) ? v.change_kind : 'initial') as
        | 'initial'
        | 'major'
        | 'minor',
      change_note: v.change_note,
    })),
    withdrawal:
      item.withdrawn === 1 && item.withdrawn_at
        ? {
            at: item.withdrawn_at,
            reason,
            reason_label: WITHDRAWAL_REASONS[reason] ?? '',
            note: item.withdrawal_note ?? '',
            replacement: d.replacement
              ? {
                  id: d.replacement.id,
                  title: d.replacement.title,
                  url: base + itemHref(d.replacement.organizationSlug, d.replacement.id),
                  api_url: apiUrl(base, `/documents/${d.replacement.id}`),
                }
              : null,
          }
        : null,
  };
}

export function toSearchHit(h: SearchResultHit, orgSlug: string, base: string): Out<typeof searchHitSchema> {
  return {
    id: h.itemId,
    title: h.title,
    title_parts: h.titleParts.map((p) => ({ text: p.text, hit: p.hit })),
    snippet: h.snippet.map((p) => ({ text: p.text, hit: p.hit })),
    title_match: h.titleHit,
    published_at: h.publishedAt,
    organization_id: h.organizationId,
    column_id: h.columnId,
    url: base + itemHref(orgSlug, h.itemId),
    api_url: apiUrl(base, `/documents/${h.itemId}`),
  };
}

const consoleUrl = (base: string, id: number) => `${base}/console/items/${id}`;

export function toDraftReceipt(item: ItemRow, base: string): Out<typeof draftReceiptSchema> {
  return { id: item.id, index_number: item.index_number, status: item.status, url_console: consoleUrl(base, item.id) };
}

export function toDraft(item: ItemRow, orgSlug: string, base: string): Out<typeof draftSchema> {
  return {
    id: item.id,
    index_number: item.index_number,
    status: item.status,
    status_label: STATUS_LABELS[item.status as keyof typeof STATUS_LABELS] ?? item.status,
    organization_id: item.organization_id,
    column_id: item.column_id,
    title: item.title,
    doc_number: item.doc_number,
    date_created: item.date_created,
    theme: item.theme,
    genre: item.genre,
    keywords: item.keywords,
    summary: item.summary,
    body_html: item.body_html,
    disclosure: item.disclosure as 'proactive' | 'on_request' | 'exempt',
    exemption: item.exemption,
    five_category: item.five_category,
    disclosure_method: item.disclosure_method,
    published_version: item.published_version,
    withdrawn: item.withdrawn === 1,
    created_at: item.created_at,
    updated_at: item.updated_at,
    url_console: consoleUrl(base, item.id),
    url: item.published_version > 0 ? base + itemHref(orgSlug, item.id) : null,
  };
}
