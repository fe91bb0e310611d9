import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

// Keys derived from the one configured secret, one per purpose, so a leak of one use does not expose another.
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), `gongkai:${purpose}`, 32));
}

export function hmac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * AES-256-GCM with a key id, so keys can rotate: `v1:<keyId>:<iv>:<tag>:<ciphertext>`. Decryption picks the
 * key by id; encryption always uses the first (current) key.
 */
export class FieldCipher {
  constructor(private readonly keys: { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new Error('FieldCipher needs at least one key');
  }

  encrypt(plain: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', id, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join(
      ':',
    );
  }

  decrypt(stored: string): string {
    const [v, id, iv, tag, ct] = stored.split(':');
    if (v !== 'v1') throw new Error('unknown ciphertext format');
    const k = this.keys.find((x) => x.id === id);
    if (!k) throw new Error(`encryption key ${id} is not configured`);
    const d = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }

  /** True when the value was written with an older key and should be re-encrypted. */
  needsRotation(stored: string): boolean {
    return stored.split(':')[1] !== this.keys[0].id;
  }
}
