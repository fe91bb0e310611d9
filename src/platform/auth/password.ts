import { hash, verify } from '@node-rs/argon2';

// argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's recommendation).
const OPTIONS = { algorithm: 2 as const };

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, OPTIONS);
}

export async function verifyPassword(stored: string, plain: string): Promise<boolean> {
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}

/** Returns the Chinese reason a password is too weak, or null when it meets the policy. */
export function passwordProblem(plain: string): string | null {
  if (plain.length < 10) return '密码至少需要 10 个字符。';
  if (plain.length > 256) return '密码不能超过 256 个字符。';
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(plain)).length;
  if (kinds < 3) return '密码需包含大写字母、小写字母、数字、符号中的至少三类。';
  return null;
}

/** A strong random password that satisfies the policy, for the first administrator. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const core = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  return `${core.slice(0, 6)}-${core.slice(6, 12)}-${core.slice(12)}7a`;
}
