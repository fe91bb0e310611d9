import { randomBytes, randomInt } from 'node:crypto';
import type { Config } from '../../config.js';
import { deriveKey, FieldCipher, hmac, safeEqual } from '../../platform/security/crypto.js';

// Applicants' personal data: AES-256-GCM per field (FieldCipher) with a key id so keys can rotate, keyed
// HMACs for lookups that must not decrypt (per-identity limits, Art. 35), and the query code that lets an
// applicant follow a request (shown once, stored only as an HMAC).

const ciphers = new Map<string, FieldCipher>();

/**
 * The cipher of personal fields. DATA_ENCRYPTION_KEYS is `id:base64key[,id:base64key…]` (32-byte keys, the
 * first one encrypts, the others still decrypt); without it one key is derived from SECRET_KEY (id `s1`).
 */
export function personalCipher(config: Pick<Config, 'secretKey' | 'dataEncryptionKeys'>): FieldCipher {
  const cacheKey = `${config.secretKey}|${config.dataEncryptionKeys ?? ''}`;
  const hit = ciphers.get(cacheKey);
  if (hit) return hit;
  const keys = config.dataEncryptionKeys
    ? config.dataEncryptionKeys.split(',').map((entry) => {
        const [id, b64] = entry.trim().split(':');
        const key = Buffer.from(b64 ?? '', 'base64');
        if (!/^[A-Za-z0-9_-]{1,16}$/.test(id ?? '') || key.length !== 32)
          throw new Error('DATA_ENCRYPTION_KEYS: each entry must be id:base64 of 32 bytes');
        return { id, key };
      })
    : [{ id: 's1', key: deriveKey(config.secretKey, 'request-personal') }];
  const c = new FieldCipher(keys);
  ciphers.set(cacheKey, c);
  return c;
}

/** The id of the key new ciphertexts are written with. */
export function currentKeyId(cipher: FieldCipher): string {
  return cipher.encrypt('').split(':')[1];
}

/** A keyed HMAC of a normalised identity number: equal numbers, equal values; the number cannot be read back. */
export function identityHmac(secretKey: string, idType: string, idNumber: string): string {
  return hmac(deriveKey(secretKey, 'request-identity'), `${idType === 'credit_code' ? 'c' : 'p'}:${idNumber}`);
}

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I/L

/** A new query code: 10 characters in two groups of 5 (about 49 bits), e.g. K7MQ2-XH4PD. */
export function newQueryCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** What people type, normalised: upper case, no spaces or dashes. */
export const normalizeQueryCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function queryCodeHash(secretKey: string, trackingNumber: string, code: string): string {
  return hmac(deriveKey(secretKey, 'request-query-code'), `${trackingNumber}:${normalizeQueryCode(code)}`);
}

export function queryCodeMatches(secretKey: string, trackingNumber: string, code: string, stored: string): boolean {
  return safeEqual(queryCodeHash(secretKey, trackingNumber, code), stored);
}

// ---------------------------------------------------------------------------------------------------------
// The challenge of the public form: a small sum in Chinese, its answer bound into a signed, expiring token,
// so no outside service is needed and nothing is stored. A token is good for one form within its lifetime.

const NUMS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const CHALLENGE_TTL_MS = 30 * 60_000;

export interface Challenge {
  question: string;
  token: string;
}

export function newChallenge(secretKey: string, now: Date): Challenge {
  const a = randomInt(1, 10);
  const b = randomInt(1, 10);
  const plus = randomInt(2) === 0 || a <= b;
  const answer = plus ? a + b : a - b;
  const question = `${NUMS[a]}${plus ? '加' : '减'}${NUMS[b]}等于几？（请填写阿拉伯数字）`;
  const exp = now.getTime() + CHALLENGE_TTL_MS;
  const nonce = randomBytes(6).toString('base64url');
  const mac = hmac(deriveKey(secretKey, 'request-challenge'), `${exp}.${nonce}.${answer}`);
  return { question, token: `${exp}.${nonce}.${mac}` };
}

export function checkChallenge(
  secretKey: string,
  token: string,
  answer: string,
  now: Date,
): 'ok' | 'wrong' | 'expired' {
  const m = /^(\d{10,16})\.([A-Za-z0-9_-]{4,16})\.([A-Za-z0-9_-]{20,100})$/.exec(token ?? '');
  if (!m) return 'wrong';
  if (Number(m[1]) < now.getTime()) return 'expired';
  const n = Number.parseInt(String(answer ?? '').trim(), 10);
  if (!Number.isInteger(n)) return 'wrong';
  const expected = hmac(deriveKey(secretKey, 'request-challenge'), `${m[1]}.${m[2]}.${n}`);
  return safeEqual(expected, m[3]) ? 'ok' : 'wrong';
}
