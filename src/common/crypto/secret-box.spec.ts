import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox([key]);

  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('sk-very-secret-value', 'row-1');
    expect(sealed).not.toContain('sk-very-secret-value');
    expect(sealed.split(':')).toHaveLength(5);
    expect(sealed.startsWith(`v1:${SecretBox.keyId(key)}:`)).toBe(true);
    expect(box.open(sealed, 'row-1')).toBe('sk-very-secret-value');
  });

  it('uses a fresh IV per value', () => {
    expect(box.seal('same', 'row')).not.toBe(box.seal('same', 'row'));
  });

  it('refuses another row, a tampered value or an unknown key', () => {
    const sealed = box.seal('secret', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow(SecretBoxError);
    const parts = sealed.split(':');
    const ct = Buffer.from(parts[4], 'base64');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64');
    expect(() => box.open(parts.join(':'), 'row-1')).toThrow(SecretBoxError);
    expect(() => new SecretBox([randomBytes(32)]).open(sealed, 'row-1')).toThrow(SecretBoxError);
  });

  it('opens values sealed under a previous key after rotation', () => {
    const sealed = box.seal('old secret', 'row');
    const rotated = new SecretBox([randomBytes(32), key]);
    expect(rotated.open(sealed, 'row')).toBe('old secret');
    expect(rotated.needsRotation(sealed)).toBe(true);
    expect(rotated.needsRotation(rotated.seal('new', 'row'))).toBe(false);
  });
});
