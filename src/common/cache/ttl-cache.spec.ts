import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  beforeEach(() => {
    // Modern fake timers replace Date too: Date.now() moves with advanceTimersByTime.
    jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('returns what was set until ttlMs have passed, then nothing (and forgets the entry)', () => {
    const cache = new TtlCache<string>(1000, 10);
    cache.set('k', 'v', cache.mark());
    expect(cache.get('k')).toBe('v');
    jest.advanceTimersByTime(999);
    expect(cache.get('k')).toBe('v');
    jest.advanceTimersByTime(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('answers undefined for a key never set', () => {
    const cache = new TtlCache<number>(1000, 10);
    expect(cache.get('missing')).toBeUndefined();
  });

  it('restarts the lifetime of a key set again', () => {
    const cache = new TtlCache<string>(1000, 10);
    cache.set('k', 'old', cache.mark());
    jest.advanceTimersByTime(800);
    cache.set('k', 'new', cache.mark());
    jest.advanceTimersByTime(800);
    expect(cache.get('k')).toBe('new');
    expect(cache.size).toBe(1);
    jest.advanceTimersByTime(200);
    expect(cache.get('k')).toBeUndefined();
  });

  it('stores nothing when ttlMs is 0 (or below)', () => {
    for (const ttl of [0, -1]) {
      const cache = new TtlCache<string>(ttl, 10);
      cache.set('k', 'v', cache.mark());
      expect(cache.get('k')).toBeUndefined();
      expect(cache.size).toBe(0);
    }
  });

  describe('invalidation', () => {
    it('delete drops the key only', () => {
      const cache = new TtlCache<string>(1000, 10);
      cache.set('a', '1', cache.mark());
      cache.set('b', '2', cache.mark());
      cache.delete('a');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('b')).toBe('2');
    });

    it('deleteWhere drops the entries whose value matches', () => {
      const cache = new TtlCache<{ user: string }>(1000, 10);
      cache.set('a', { user: 'u1' }, cache.mark());
      cache.set('b', { user: 'u2' }, cache.mark());
      cache.set('c', { user: 'u1' }, cache.mark());
      cache.deleteWhere((v) => v.user === 'u1');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('c')).toBeUndefined();
      expect(cache.get('b')).toEqual({ user: 'u2' });
      expect(cache.size).toBe(1);
    });

    it('clear drops everything', () => {
      const cache = new TtlCache<string>(1000, 10);
      cache.set('a', '1', cache.mark());
      cache.set('b', '2', cache.mark());
      cache.clear();
      expect(cache.size).toBe(0);
      expect(cache.get('a')).toBeUndefined();
    });

    const invalidations: [string, (cache: TtlCache<string>) => void][] = [
      ['delete of the same key', (c) => c.delete('k')],
      ['delete of another key', (c) => c.delete('other')],
      ['deleteWhere (even matching nothing)', (c) => c.deleteWhere(() => false)],
      ['clear', (c) => c.clear()],
    ];
    it.each(invalidations)('ignores a set whose mark was taken before a %s', (_, invalidate) => {
      const cache = new TtlCache<string>(1000, 10);
      const stale = cache.mark();
      invalidate(cache);
      cache.set('k', 'stale', stale);
      expect(cache.get('k')).toBeUndefined();
      expect(cache.size).toBe(0);
      // A lookup started after the invalidation is stored as usual.
      cache.set('k', 'fresh', cache.mark());
      expect(cache.get('k')).toBe('fresh');
    });

    it('keeps a mark valid while nothing is invalidated (gets and sets do not move it)', () => {
      const cache = new TtlCache<string>(1000, 10);
      const mark = cache.mark();
      cache.set('a', '1', cache.mark());
      cache.get('a');
      cache.get('missing');
      cache.set('k', 'v', mark);
      expect(cache.get('k')).toBe('v');
    });
  });

  describe('maxEntries', () => {
    it('drops the oldest entry past maxEntries', () => {
      const cache = new TtlCache<number>(1000, 3);
      for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) cache.set(key, i, cache.mark());
      expect(cache.size).toBe(3);
      expect(cache.get('a')).toBeUndefined();
      expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([1, 2, 3]);
    });

    it('counts a key set again as the newest', () => {
      const cache = new TtlCache<number>(1000, 3);
      cache.set('a', 0, cache.mark());
      cache.set('b', 1, cache.mark());
      cache.set('c', 2, cache.mark());
      cache.set('a', 10, cache.mark());
      cache.set('d', 3, cache.mark());
      expect(cache.size).toBe(3);
      expect(cache.get('b')).toBeUndefined();
      expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([10, 2, 3]);
    });
  });

  describe('getOrLoad', () => {
    it('loads once, then answers from the cache; a null is answered but not kept', async () => {
      const cache = new TtlCache<string>(1000, 10);
      const load = jest.fn(async () => 'v');
      expect(await cache.getOrLoad('k', load)).toBe('v');
      expect(await cache.getOrLoad('k', load)).toBe('v');
      expect(load).toHaveBeenCalledTimes(1);

      const none = jest.fn(async () => null);
      expect(await cache.getOrLoad('n', none)).toBeNull();
      expect(await cache.getOrLoad('n', none)).toBeNull();
      expect(none).toHaveBeenCalledTimes(2);
    });

    it('does not keep what a load found while an invalidation happened', async () => {
      const cache = new TtlCache<string>(1000, 10);
      let finish: (value: string) => void = () => undefined;
      const pending = cache.getOrLoad('k', () => new Promise<string>((resolve) => (finish = resolve)));
      cache.delete('other');
      finish('stale');
      expect(await pending).toBe('stale');
      expect(cache.get('k')).toBeUndefined();
    });
  });
});
