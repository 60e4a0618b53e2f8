// Pure rules behind the console: the public notice's name masking, count
// axes' ticks, and which area a picker's lists name.
import { describe, expect, it } from 'vitest';
import { pickedArea } from '../../src/console/area-picker.js';
import { countTicks, textWidth } from '../../src/lib/svg-charts.js';
import { maskName } from '../../src/services/public-notices.js';

describe('public notice names', () => {
  it("hide the given name's middle, so two people of one family are told apart", () => {
    expect(maskName('周大山')).toBe('周*山');
    expect(maskName('周小芳')).toBe('周*芳');
    expect(maskName('欧阳小明')).toBe('欧**明');
    expect(maskName('郑海')).toBe('郑*');
    expect(maskName(' 王 ')).toBe('王*');
    expect(maskName(null)).toBe('*');
  });
});

describe('count axes', () => {
  it('have whole-number ticks from 0 to at or above the largest count, at most five steps', () => {
    for (let max = 0; max <= 2500; max += max < 30 ? 1 : 37) {
      const ticks = countTicks(max);
      expect(ticks[0]).toBe(0);
      expect(ticks.every(Number.isInteger)).toBe(true);
      expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
      expect(ticks.length - 1).toBeLessThanOrEqual(5);
      const step = ticks[1]! - ticks[0]!;
      expect(ticks.every((v, i) => v === i * step)).toBe(true);
    }
    expect(countTicks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(countTicks(7)).toEqual([0, 2, 4, 6, 8]);
  });

  it('measure Chinese wider than Latin text', () => {
    expect(textWidth('留守老人', 13)).toBe(52);
    expect(textWidth('Open', 13)).toBeLessThan(40);
  });
});

describe('the area a picker names', () => {
  const root = '532503';
  it('is the deepest level chosen under the one above it', () => {
    expect(pickedArea({ a_township: '532503001', a_village: '532503001001' }, 'a', root)).toBe('532503001001');
    expect(pickedArea({ a_township: '532503001', a_village: '' }, 'a', root)).toBe('532503001');
  });
  it('drops a village left over from another township, and names nothing when the lists stay at the root', () => {
    expect(pickedArea({ a_township: '532503002', a_village: '532503001001' }, 'a', root)).toBe('532503002');
    expect(pickedArea({ a_township: '' }, 'a', root)).toBeUndefined();
  });
  it('takes a found village over the lists, and a plain code when there are no lists', () => {
    expect(pickedArea({ a_township: '532503002', a_set: '532503001002' }, 'a', root)).toBe('532503001002');
    expect(pickedArea({ a: '532503001001' }, 'a', root)).toBe('532503001001');
    expect(pickedArea({ a_township: '5325x' }, 'a', root)).toBeUndefined();
  });
});
