// The conversation, free of any messenger: handle(session, input, ports)
// reads one input (a command, a button, typed text, a shared contact or
// location, something it cannot read), asks the ports (the service verbs,
// bound to this chat) for what it needs, and returns the next session and the
// replies. The Telegram transport (bot/bot.ts) and the terminal chat
// translate in and out; a WeChat adapter can do the same.
//
// The steps live in bot/flow/: the sign-up and editing (signup.ts), the
// worker's menu (worker-menu.ts), the employer's (employer.ts), each step's
// question (prompts.ts). Every input gets an answer with buttons or a clear
// instruction; see turn.ts for what a button names.
import { back, offerResume, signupButton, signupTyped } from './flow/signup.js';
import { employerAction, employerStepButton } from './flow/employer.js';
import { go, home, nudge, prompt } from './flow/prompts.js';
import { draftStarted, inSignup } from './flow/steps.js';
import { say, type Turn } from './flow/turn.js';
import { STEPS, type Input, type Ports, type Reply, type Session, type Step } from './flow/types.js';
import { globalButton, menuAction, menuStepButton } from './flow/worker-menu.js';

export * from './flow/types.js';

/** Words typed anywhere that mean the menu or help. */
const MENU_WORDS = new Set(['菜单', '主菜单', '回菜单', '开始', 'menu', 'start']);
const LEGACY_STEPS: Record<string, Step> = { sensitive: 'name', confirm: 'distance' };
const HELP_WORDS = new Set(['帮助', '怎么用', '?', '？', 'help']);

export async function handle(session: Session, input: Input, ports: Ports): Promise<{ session: Session; replies: Reply[] }> {
  const s: Session = structuredClone(session);
  // Steps an earlier version kept: the consent for family facts and the confirmation.
  if (!STEPS.includes(s.step)) s.step = LEGACY_STEPS[s.step as string] ?? 'intro';
  const turn: Turn = { s, lang: s.lang ?? 'zh', ports: rememberingIdentity(ports), replies: [] };
  switch (input.type) {
    case 'command':
      await command(turn, input.name);
      break;
    case 'button':
      await pressed(turn, input.data);
      break;
    case 'text':
      await typed(turn, input.text);
      break;
    default:
      if (!(await signupTyped(turn, input))) {
        await nudge(turn, input.type === 'unsupported' ? `unsupported.${input.kind ?? 'other'}` : 'useButtons');
      }
  }
  return { session: s, replies: turn.replies };
}

async function command(turn: Turn, name: string) {
  const { s } = turn;
  switch (name) {
    case 'start':
    case 'menu':
    case 'cancel':
      if (s.step === 'resume' || (inSignup(s) && draftStarted(s.draft) && (await offerResume(turn)))) {
        if (s.step === 'resume' && turn.replies.length === 0) await prompt(turn);
        return;
      }
      return home(turn);
    case 'help': {
      const who = await turn.ports.identity();
      say(turn, !who.worker && who.employer ? 'help.employer' : 'help.text');
      return prompt(turn);
    }
    case 'language':
      if (inSignup(s) && draftStarted(s.draft)) s.resume = s.step;
      return go(turn, 'lang');
    case 'delete': {
      const who = await turn.ports.identity();
      if (!who.worker) {
        say(turn, 'delete.nothing');
        return prompt(turn);
      }
      return go(turn, 'delete');
    }
    default:
      return nudge(turn, 'useButtons');
  }
}

async function pressed(turn: Turn, data: string) {
  const { s } = turn;
  const [scope = '', action = '', ...rest] = data.split(':');
  const arg = rest.join(':');
  if (scope === 'g') return globalButton(turn, data);
  if (scope === 'm') return (await menuAction(turn, action, arg)) ? undefined : nudge(turn, 'stale');
  if (scope === 'e') return (await employerAction(turn, action, arg)) ? undefined : nudge(turn, 'stale');
  // A button of another step than the one the chat is at is out of date.
  if (scope !== s.step) return nudge(turn, 'stale');
  if (action === 'back') return back(turn);
  if (await signupButton(turn, action, arg)) return;
  if (await menuStepButton(turn, action, arg)) return;
  if (await employerStepButton(turn, action)) return;
  return nudge(turn, 'stale');
}

async function typed(turn: Turn, text: string) {
  const { s } = turn;
  const word = text.trim().toLowerCase();
  // Nobody is called 菜单, and a code is digits: these words mean the menu or help at every step.
  if (MENU_WORDS.has(word)) return command(turn, 'menu');
  if (HELP_WORDS.has(word)) return command(turn, 'help');
  if (await signupTyped(turn, { type: 'text', text })) return;
  // Typing a button's words ("同意", "半天", "5公里") counts as pressing it.
  const data = await buttonTyped(turn, text);
  if (data) return pressed(turn, data);
  if (s.step === 'found_since' || s.step === 'found_month') return nudge(turn, 'found.badDate');
  return nudge(turn, 'useButtons');
}

/** A label as a person would type it: no emoji, ticks or spaces, lower case. */
const plain = (label: string) => label.replace(/[\p{Extended_Pictographic}\uFE0F✓◀▶\s]/gu, '').toLowerCase();

/** The data of the current question's button whose words were typed, if exactly one matches. */
async function buttonTyped(turn: Turn, text: string): Promise<string | null> {
  const typed = plain(text);
  if (!typed) return null;
  const scratch: Turn = { ...turn, s: structuredClone(turn.s), replies: [] };
  await prompt(scratch);
  const matches = (scratch.replies.at(-1)?.buttons ?? []).flat().filter((b) => plain(b.text) === typed);
  return matches.length === 1 ? matches[0]!.data : null;
}

/** Who this chat is, asked once a turn (a menu asks often), asked again after a change that may alter it. */
function rememberingIdentity(ports: Ports): Ports {
  let known: ReturnType<Ports['identity']> | null = null;
  const changes = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => {
    known = null;
    return fn(...args);
  };
  return {
    ...ports,
    identity: () => (known ??= ports.identity()),
    register: changes(ports.register),
    link: changes(ports.link),
    setAlerts: changes(ports.setAlerts),
    updateProfile: changes(ports.updateProfile),
    erase: changes(ports.erase),
  };
}
