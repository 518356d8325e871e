import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for small secrets stored in the database (provider API keys).
 *
 * Sealed format: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64 parts). A fresh
 * 12-byte IV per value; the tag authenticates the ciphertext and the caller's
 * associated data (e.g. the row id, so a sealed value copied to another row
 * does not open). The key id names the key that sealed a value, so a rotated
 * key can be kept for reading old values while new ones use the current key.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly byId: Map<string, Buffer>;

  /** `keys[0]` seals; every key opens what it sealed (older keys kept for rotation). */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new SecretBoxError('at least one key is required');
    this.byId = new Map();
    for (const key of keys) {
      if (key.length !== KEY_BYTES) throw new SecretBoxError(`keys must be ${KEY_BYTES} bytes`);
      this.byId.set(SecretBox.keyId(key), key);
    }
    this.current = { id: SecretBox.keyId(keys[0]), key: keys[0] };
  }

  /** A short, non-secret fingerprint of a key (not reversible to the key). */
  static keyId(key: Buffer): string {
    return createHash('sha256')
      .update('threadline secret-box key id\0')
      .update(key)
      .digest('base64url')
      .slice(0, 11);
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.current.id,
      iv.toString('base64'),
      tag.toString('base64'),
      ciphertext.toString('base64'),
    ].join(':');
  }

  open(sealed: string, associatedData: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('unknown sealed format');
    const [, keyId, ivB64, tagB64, ctB64] = parts;
    const key = this.byId.get(keyId);
    if (!key) throw new SecretBoxError('sealed with a key that is not configured');
    const iv = Buffer.from(ivB64, 'base64');
    const tag = Buffer.from(tagB64, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
      throw new SecretBoxError('malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('sealed value failed authentication');
    }
  }

  /** True when the value was sealed by an older key and should be re-sealed. */
  needsRotation(sealed: string): boolean {
    return sealed.split(':')[1] !== this.current.id;
  }
}
