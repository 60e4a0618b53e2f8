// Words of the bureau that a worker reading the bot should not meet: the
// catalogue's test (test/node/bot-texts.test.ts) fails when a text for
// workers or employers uses one. Staff notices (staff.*) may.
export const JARGON = [
  '公益性岗位',
  '帮扶车间',
  '扶贫车间',
  '辖区',
  '转移就业',
  '零就业',
  '脱贫户',
  '监测对象',
  '无法离乡',
  '计件',
  '优先照顾',
  '岗位补贴',
  '劳动力',
  '灵活就业',
  '用工',
  '本人',
] as const;

/** The longest a prompt may be, in characters, its {placeholders} left out. */
export const MAX_PROMPT_CHARS = 60;
