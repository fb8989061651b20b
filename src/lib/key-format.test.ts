import { createHash, randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, encodeBase62, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';
import { generateApiKey, hashApiKey, parseApiKey } from './key-format.js';

describe('crc32', () => {
  it('matches the standard IEEE check value and zlib', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    for (let i = 0; i < 200; i++) {
      const text = randomBytes(i).toString('latin1');
      expect(crc32(text)).toBe(zlibCrc32(Buffer.from(text, 'latin1')));
    }
  });
});

describe('base62', () => {
  it('writes numbers most significant digit first, left-padded with 0', () => {
    expect(encodeBase62(0, 6)).toBe('000000');
    expect(encodeBase62(61, 6)).toBe('00000z');
    expect(encodeBase62(62, 6)).toBe('000010');
    expect(encodeBase62(0xffffffff, 6)).toBe('4gfFC3');
  });

  it('draws every alphabet character and nothing else', () => {
    const sample = randomBase62(20_000);
    expect(sample).toMatch(/^[0-9A-Za-z]+$/);
    expect(new Set(sample).size).toBe(BASE62_ALPHABET.length);
  });
});

describe('API key format', () => {
  it('generates prefix + 26 random + 6-character CRC-32 checksum of the first 34 characters', () => {
    for (const mode of ['live', 'test'] as const) {
      const key = generateApiKey(mode);
      expect(key).toHaveLength(40);
      expect(key).toMatch(mode === 'live' ? /^sk_live_[0-9A-Za-z]{32}$/ : /^sk_test_[0-9A-Za-z]{32}$/);
      expect(key.slice(34)).toBe(encodeBase62(crc32(key.slice(0, 34)), 6));
      expect(parseApiKey(key)).toEqual({ mode, prefix: key.slice(0, 8), last4: key.slice(-4) });
    }
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 10_000 }, () => generateApiKey('live')));
    expect(keys.size).toBe(10_000);
  });

  it('rejects every single-character change of a valid key', () => {
    const key = generateApiKey('live');
    for (let i = 8; i < key.length; i++) {
      const replacement = key[i] === 'a' ? 'b' : 'a';
      expect(parseApiKey(key.slice(0, i) + replacement + key.slice(i + 1)), `position ${i}`).toBeUndefined();
    }
  });

  it('rejects other prefixes, lengths and characters', () => {
    const key = generateApiKey('test');
    expect(parseApiKey(key.replace('sk_test_', 'sk_prod_'))).toBeUndefined();
    expect(parseApiKey(key.replace('sk_test_', 'SK_TEST_'))).toBeUndefined();
    expect(parseApiKey(`${key}a`)).toBeUndefined();
    expect(parseApiKey(key.slice(0, -1))).toBeUndefined();
    expect(parseApiKey(`${key.slice(0, 20)}-${key.slice(21)}`)).toBeUndefined();
    expect(parseApiKey('')).toBeUndefined();
    expect(parseApiKey('x'.repeat(10_000))).toBeUndefined();
  });

  it('issues keys under a configured prefix, with the checksum over that prefix', () => {
    for (const mode of ['live', 'test'] as const) {
      const key = generateApiKey(mode, 'acme2');
      expect(key).toMatch(new RegExp(`^acme2_${mode}_[0-9A-Za-z]{32}$`));
      expect(key.slice(-6)).toBe(encodeBase62(crc32(key.slice(0, -6)), 6));
      expect(parseApiKey(key)).toEqual({ mode, prefix: `acme2_${mode}_`, last4: key.slice(-4) });
      // The regular expression the README says to register with the code hosts.
      expect(` ${key} `).toMatch(/\bacme2_(live|test)_[0-9A-Za-z]{32}\b/);
    }
  });

  it('accepts keys issued under any earlier well-formed prefix, and only well-formed ones', () => {
    const old = generateApiKey('live');
    expect(parseApiKey(old)?.prefix).toBe('sk_live_');
    const longest = generateApiKey('test', 'a23456789012');
    expect(parseApiKey(longest)?.prefix).toBe('a23456789012_test_');
    // The checksum covers the prefix: the same random part under another prefix does not verify.
    expect(parseApiKey(old.replace('sk_', 'acme_'))).toBeUndefined();
    const forge = (prefix: string) => {
      const body = `${prefix}_live_${'a'.repeat(26)}`;
      return body + encodeBase62(crc32(body), 6);
    };
    expect(parseApiKey(forge('ab'))).toEqual({ mode: 'live', prefix: 'ab_live_', last4: forge('ab').slice(-4) });
    for (const bad of ['a', '1ab', 'Ab', 'a_b', 'a-b', 'a234567890123']) expect(parseApiKey(forge(bad)), bad).toBeUndefined();
  });

  it('hashes the whole key with SHA-256', () => {
    const key = generateApiKey('live');
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).not.toContain(key.slice(8));
  });
});
