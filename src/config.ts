import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

// Environment → typed configuration. Every variable is documented in docs/operations.md.

/** Default of IMPORT_MAX_MB: the largest file `gongkai import documents` reads. */
export const DEFAULT_IMPORT_MAX_MB = 256;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v) || /^sqlite:/.test(v), {
      message: 'must start with postgres:// (PostgreSQL) or sqlite: (SQLite file path)',
    })
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_BASE_URL: z.string().url({ message: 'must be an absolute URL such as https://gk.example.gov.cn' }).optional(),
  SECRET_KEY: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  DATA_ENCRYPTION_KEYS: z.string().optional(),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v), { message: 'must start with smtp:// or smtps://' })
    .optional(),
  MAIL_FROM: z.string().default('gongkai <noreply@localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_LOG: z.enum(['all', 'slow']).default('slow'),
  ACCESS_LOG_SLOW_MS: z.coerce.number().int().min(0).default(500),
  TRUST_PROXY: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  ATTACHMENT_MAX_MB: z.coerce.number().positive().max(2048).default(50),
  IMPORT_MAX_MB: z.coerce.number().positive().max(16384).default(DEFAULT_IMPORT_MAX_MB),
  SITE_NAME: z.string().min(1).default('湖里区人民政府'),
  SITE_ICP: z.string().default('闽ICP备00000000号'),
  SITE_PSB: z.string().default('闽公网安备 35020602000000号'),
  GONGKAI_ADMIN_PASSWORD: z.string().optional(),
  JOBS: z
    .enum(['0', '1', 'true', 'false'])
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string;
  engine: 'sqlite' | 'postgres';
  dataDir: string;
  publicBaseUrl: string;
  secretKey: string;
  /** DATA_ENCRYPTION_KEYS: `id:base64key,…`, the first encrypts; undefined: a key derived from secretKey. */
  dataEncryptionKeys?: string;
  smtpUrl?: string;
  mailFrom: string;
  logLevel: string;
  /** Access log: every request (`all`), or writes, errors and slow requests only (`slow`). */
  accessLog: { mode: 'all' | 'slow'; slowMs: number };
  trustProxy: boolean;
  bodyLimitBytes: number;
  attachmentMaxBytes: number;
  /** Largest import file (IMPORT_MAX_MB): it is held in memory while it is imported. */
  importMaxBytes: number;
  site: { name: string; icp: string; psb: string };
  adminPassword?: string;
  jobs: boolean;
}

export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`配置错误 / invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (FOO= in a unit file or shell) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'gongkai.sqlite')}`;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl,
    engine: databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres',
    dataDir,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    secretKey: e.SECRET_KEY ?? persistentSecret(dataDir),
    dataEncryptionKeys: e.DATA_ENCRYPTION_KEYS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    accessLog: { mode: e.ACCESS_LOG, slowMs: e.ACCESS_LOG_SLOW_MS },
    trustProxy: e.TRUST_PROXY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    attachmentMaxBytes: Math.round(e.ATTACHMENT_MAX_MB * 1024 * 1024),
    importMaxBytes: Math.round(e.IMPORT_MAX_MB * 1024 * 1024),
    site: { name: e.SITE_NAME, icp: e.SITE_ICP, psb: e.SITE_PSB },
    adminPassword: e.GONGKAI_ADMIN_PASSWORD,
    jobs: e.JOBS,
  };
}

// Without SECRET_KEY a random key is kept in DATA_DIR so sessions survive restarts on one machine.
// Several servers sharing PostgreSQL must set SECRET_KEY to the same value.
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  try {
    const v = fs.readFileSync(file, 'utf8').trim();
    if (v.length >= 32) return v;
  } catch {
    /* created below */
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const v = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${v}\n`, { mode: 0o600 });
  return v;
}
