import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { HONGHE_POST_RULES } from '../../src/domain/post-rules.js';

describe('public-welfare post rules (POST_RULES)', () => {
  it('are Honghe\'s when nothing is set', () => {
    const rules = parseConfig({}).POST_RULES;
    expect(rules.minAge).toBe(16);
    expect(rules.monthlySubsidyYuan).toBe(HONGHE_POST_RULES.monthlySubsidyYuan);
    expect(rules.scoreBands.map((b) => b.min)).toEqual([90, 80, 60, 0]);
  });

  it('take a partial override and keep the rest', () => {
    const rules = parseConfig({ POST_RULES: '{"maxAge":55,"monthlySubsidyYuan":800,"scoreBands":[{"min":0,"share":0,"label":"不合格"},{"min":70,"share":1,"label":"合格"}]}' }).POST_RULES;
    expect(rules.maxAge).toBe(55);
    expect(rules.monthlySubsidyYuan).toBe(800);
    expect(rules.minAge).toBe(16);
    expect(rules.scoreBands.map((b) => b.min)).toEqual([70, 0]);
  });

  it('refuse what is not JSON, unknown keys and rules that contradict themselves', () => {
    expect(() => parseConfig({ POST_RULES: '{maxAge:55' })).toThrow(/POST_RULES must be JSON/);
    expect(() => parseConfig({ POST_RULES: '{"maxAgee":55}' })).toThrow(/POST_RULES/);
    expect(() => parseConfig({ POST_RULES: '{"minAge":40,"maxAge":30}' })).toThrow(/minAge/);
    expect(() => parseConfig({ POST_RULES: '{"scoreWeights":{"attendance":30,"township":30,"appraisal":20}}' })).toThrow(/add up to 100/);
    expect(() => parseConfig({ POST_RULES: '{"scoreBands":[{"min":60,"share":1,"label":"合格"}]}' })).toThrow(/lowest score band/);
  });
});
