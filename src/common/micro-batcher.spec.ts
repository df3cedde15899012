import { MicroBatcher } from './micro-batcher.js';

describe('MicroBatcher', () => {
  it('answers keys asked together from one load', async () => {
    const calls: string[][] = [];
    const sut = new MicroBatcher<string, number>((keys) => {
      calls.push(keys);
      return Promise.resolve(new Map(keys.map((k) => [k, k.length])));
    }, 5);
    const values = await Promise.all(['a', 'bb', 'ccc', 'a'].map((k) => sut.get(k)));
    expect(values).toEqual([1, 2, 3, 1]);
    expect(calls).toEqual([['a', 'bb', 'ccc']]);
    expect(await sut.get('dddd')).toBe(4);
    expect(calls).toHaveLength(2);
  });

  it('starts a new batch past the size limit, and passes failures to every waiter', async () => {
    const calls: number[][] = [];
    const sut = new MicroBatcher<number, number>(
      (keys) => {
        calls.push(keys);
        return keys.includes(3) ? Promise.reject(new Error('boom')) : Promise.resolve(new Map(keys.map((k) => [k, k])));
      },
      5,
      2,
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((k) => sut.get(k)));
    expect(calls).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });

  it('with maxInFlight, lets keys that arrive during a load join one batch that starts after it', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const run = async (maxInFlight: number): Promise<string[][]> => {
      const calls: string[][] = [];
      const sut = new MicroBatcher<string, string>(
        async (keys) => {
          calls.push(keys);
          await sleep(80);
          return new Map(keys.map((k) => [k, k.toUpperCase()]));
        },
        5,
        1000,
        maxInFlight,
      );
      const first = sut.get('a');
      await sleep(20); // the load of 'a' is running
      const second = sut.get('b');
      await sleep(20); // a later window, still during that load
      const third = sut.get('c');
      expect(await Promise.all([first, second, third])).toEqual(['A', 'B', 'C']);
      return calls;
    };
    expect(await run(1)).toEqual([['a'], ['b', 'c']]);
    // Unlimited, every window is a load of its own.
    expect(await run(Infinity)).toEqual([['a'], ['b'], ['c']]);
  });
});
