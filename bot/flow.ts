// The conversation, free of any messenger: handle(session, input, ports)
// reads one input (a command, a button, typed text, a shared contact or
// location), asks the ports (the service verbs, bound to this chat) for what
// it needs, and returns the next session and the replies. The Telegram
// transport (bot/telegram.ts) and the terminal chat translate in and out.
//
// Buttons carry the prompt's sequence number, so a button pressed on an old
// message is recognised as stale; buttons on messages the service sends on
// its own (an offer, a new applicant) carry "g" and are checked against the
// records instead.
import type { Reason } from '../src/domain/matching.js';
import { occupations } from '../src/domain/occupations.js';
import type { Availability, CareFor, placementTypes } from '../db/schema.js';

type PlacementType = (typeof placementTypes)[number];
import { type Lang, skillName, t, type TextKey } from './texts/index.js';

export type Input =
  | { type: 'command'; name: string }
  | { type: 'text'; text: string }
  | { type: 'button'; data: string }
  | { type: 'contact'; phone: string; own: boolean }
  | { type: 'location'; lat: number; lon: number }
  | { type: 'unsupported' };

export interface Button {
  text: string;
  data: string;
}

export interface Reply {
  text: string;
  buttons?: Button[][];
  /** Show a keyboard button that shares the phone number or the location. */
  request?: 'contact' | 'location';
  /** The label of that share button. */
  requestLabel?: string;
  /** Take such a keyboard away. */
  removeKeyboard?: boolean;
}

export type Step =
  | 'lang'
  | 'intro'
  | 'code'
  | 'sensitive'
  | 'name'
  | 'phone'
  | 'county'
  | 'township'
  | 'village'
  | 'location'
  | 'leave_home'
  | 'care_for'
  | 'skills'
  | 'hours'
  | 'distance'
  | 'confirm'
  | 'menu'
  | 'profile'
  | 'found_type'
  | 'found_where'
  | 'found_province'
  | 'found_since'
  | 'reason'
  | 'delete'
  | 'employer_menu';

export interface Draft {
  sensitive?: boolean;
  name?: string;
  phone?: string | null;
  county?: { code: string; name: string };
  township?: { code: string; name: string };
  village?: { code: string; name: string };
  location?: { lat: number; lon: number } | null;
  cannotLeaveHome?: boolean;
  careFor?: CareFor[];
  skills?: string[];
  hours?: Availability;
  distance?: number;
}

export interface Session {
  lang: Lang | null;
  step: Step;
  /** Sequence number of the latest prompt: buttons of older prompts are stale. */
  seq: number;
  draft: Draft;
  /** Editing one group of fields of a registered profile. */
  editing: null | 'name' | 'phone' | 'home' | 'care' | 'skills' | 'hours' | 'distance';
  page: number;
  /** Ids behind the numbered buttons of the latest list (openings, applications). */
  list: number[];
  /** What a reason being asked for is for. */
  pending?: { kind: 'withdraw' | 'decline_offer' | 'employer_decline'; applicationId: number };
  found?: { type?: PlacementType; areaCode?: string };
  codeTries: number;
  codeLockedUntil?: string;
}

export const newSession = (): Session => ({
  lang: null,
  step: 'lang',
  seq: 0,
  draft: {},
  editing: null,
  page: 0,
  list: [],
  codeTries: 0,
});

// ---------------------------------------------------------------------------
// What the conversation needs from the service, bound to one chat.

export interface WorkerSummary {
  id: number;
  name: string | null;
  /** The household's village or township. */
  areaCode: string;
  alertsEnabled: boolean;
  sensitive: boolean;
  draft: Draft;
}

export interface MatchView {
  openingId: number;
  title: string;
  employerName: string;
  distanceKm: number | null;
  nearness: 'village' | 'township' | 'county' | null;
  wage: { amount: number; period: 'month' | 'day' | 'hour' | 'piece' };
  hours: Availability;
  reasons: Reason[];
}

export interface ApplicationView {
  id: number;
  title: string;
  state: 'suggested' | 'applied' | 'offered' | 'hired' | 'declined' | 'withdrawn' | 'expired';
}

export type EndingReason = 'not_reachable' | 'not_mobile' | 'hours_do_not_fit' | 'wage' | 'chose_other' | 'not_eligible' | 'other';

export type ApplyResult = { ok: true; title: string } | { ok: false; why: 'not_open' | 'already' | 'not_eligible'; detail?: string };

export interface Ports {
  today(): string;
  homePrefecture: string;
  identity(): Promise<{ worker: WorkerSummary | null; employer: { id: number; name: string } | null }>;
  areas(parent: string): Promise<Array<{ code: string; name: string }>>;
  register(draft: Draft): Promise<void>;
  link(code: string): Promise<{ kind: 'worker' | 'employer' | 'staff'; name: string } | null>;
  matches(limit: number): Promise<MatchView[]>;
  apply(openingId: number): Promise<ApplyResult>;
  applications(): Promise<ApplicationView[]>;
  /** The worker's own move: withdraw, accept or decline an offer. False when the application is no longer where the button expects. */
  moveOwn(applicationId: number, to: 'withdrawn' | 'hired' | 'declined', reason?: EndingReason): Promise<{ ok: boolean; title?: string }>;
  recordWork(input: { type: PlacementType; areaCode: string; startDate: string }): Promise<void>;
  setAlerts(on: boolean): Promise<void>;
  updateProfile(draft: Draft, group: NonNullable<Session['editing']>): Promise<void>;
  erase(): Promise<boolean>;
  employerOpenings(): Promise<Array<{ id: number; title: string; slots: number; slotsFilled: number }>>;
  closeOpening(id: number): Promise<string | null>;
  /** The employer's move on an applicant. */
  employerMove(applicationId: number, to: 'offered' | 'declined', reason?: EndingReason): Promise<{ ok: boolean; name?: string }>;
  /** The worker's answer to the monthly check-in on their own placement. False when it no longer applies. */
  answerCheckin(placementId: number, stillWorking: boolean): Promise<boolean>;
}

// ---------------------------------------------------------------------------

const SIGNUP: Step[] = [
  'name',
  'phone',
  'county',
  'township',
  'village',
  'location',
  'leave_home',
  'care_for',
  'skills',
  'hours',
  'distance',
  'confirm',
];

const GROUPS: Record<NonNullable<Session['editing']>, Step[]> = {
  name: ['name'],
  phone: ['phone'],
  home: ['location'],
  care: ['leave_home', 'care_for'],
  skills: ['skills'],
  hours: ['hours'],
  distance: ['distance'],
};

const PAGE = 8; // area buttons per page
const MATCH_PAGE = 3;
const CARE: CareFor[] = ['elders', 'children', 'disabled', 'other'];
const HOURS: Availability[] = ['full_day', 'part_day', 'flexible'];
const DISTANCES = [5, 10, 25];
const WITHDRAW_REASONS: EndingReason[] = ['chose_other', 'hours_do_not_fit', 'wage', 'not_mobile', 'other'];
const EMPLOYER_REASONS: EndingReason[] = ['not_reachable', 'hours_do_not_fit', 'not_eligible', 'other'];
/** Provinces most migrant workers go to (Guangdong, Zhejiang, Fujian, Jiangsu, Shanghai, …), listed first. */
const COMMON_DESTINATIONS = ['44', '33', '35', '32', '31', '11', '51', '52', '45'];
const FOUND_TYPES: PlacementType[] = ['workshop', 'enterprise', 'public_welfare', 'self_employed', 'migrant'];

function applies(step: Step, d: Draft): boolean {
  if (step === 'leave_home') return d.sensitive === true;
  if (step === 'care_for') return d.sensitive === true && d.cannotLeaveHome === true;
  return true;
}

function rows<T>(items: T[], perRow: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perRow) out.push(items.slice(i, i + perRow));
  return out;
}

interface Turn {
  s: Session;
  lang: Lang;
  ports: Ports;
  replies: Reply[];
}

const say = (turn: Turn, key: TextKey, params?: Record<string, string | number>, extra: Partial<Reply> = {}) =>
  turn.replies.push({ text: t(turn.lang, key, params), ...extra });

const btn = (turn: Turn, key: TextKey, action: string, params?: Record<string, string | number>): Button => ({
  text: t(turn.lang, key, params),
  data: `${turn.s.seq}:${action}`,
});

/** Moves to a step and shows its prompt (a new sequence number makes older buttons stale). */
async function go(turn: Turn, step: Step) {
  const leaving = turn.s.step;
  if ((leaving === 'phone' || leaving === 'location') && step !== leaving) {
    // The share keyboard of that step goes away with a short acknowledgement.
    turn.replies.push({ text: t(turn.lang, 'ok'), removeKeyboard: true });
  }
  turn.s.step = step;
  turn.s.seq += 1;
  await prompt(turn);
}

/** The area whose parts the county, township or village menu lists. */
function areaMenuParent(turn: Turn): string {
  const { s } = turn;
  if (s.step === 'county') return turn.ports.homePrefecture;
  return s.step === 'township' ? s.draft.county!.code : s.draft.township!.code;
}

async function prompt(turn: Turn) {
  const { s, lang } = turn;
  const back = [btn(turn, 'back', 'back')];
  switch (s.step) {
    case 'lang':
      return turn.replies.push({
        text: t('zh', 'lang.ask'),
        buttons: [[{ text: '中文', data: `${s.seq}:lang:zh` }, { text: 'English', data: `${s.seq}:lang:en` }]],
      });
    case 'intro':
      return say(turn, 'intro.text', {}, {
        buttons: [[btn(turn, 'intro.agree', 'agree')], [btn(turn, 'intro.code', 'code')], [btn(turn, 'intro.decline', 'decline')]],
      });
    case 'code':
      return say(turn, 'code.ask', {}, { buttons: [back] });
    case 'sensitive':
      return say(turn, 'sensitive.ask', {}, {
        buttons: [[btn(turn, 'sensitive.yes', 'yes')], [btn(turn, 'sensitive.no', 'no')], back],
      });
    case 'name':
      return say(turn, 'name.ask', {}, { buttons: [back] });
    case 'phone':
      // The reply keyboard carries the share button; the inline ones skip or go back.
      return say(turn, 'phone.ask', {}, {
        request: 'contact',
        requestLabel: t(lang, 'phone.button'),
        buttons: [[btn(turn, 'skip', 'skip')], back],
      });
    case 'county':
    case 'township':
    case 'village': {
      const all = await turn.ports.areas(areaMenuParent(turn));
      const page = all.slice(s.page * PAGE, (s.page + 1) * PAGE);
      const buttons = rows(
        page.map((a) => ({ text: a.name, data: `${s.seq}:area:${a.code}` })),
        2,
      );
      const nav = [btn(turn, 'back', 'back')];
      if ((s.page + 1) * PAGE < all.length) nav.push(btn(turn, 'more', 'more'));
      buttons.push(nav);
      return say(turn, `${s.step}.ask`, {}, { buttons });
    }
    case 'location':
      return say(turn, 'location.ask', {}, {
        request: 'location',
        requestLabel: t(lang, 'location.button'),
        buttons: [[btn(turn, 'skip', 'skip')], back],
      });
    case 'leave_home':
      return say(turn, 'leaveHome.ask', {}, {
        buttons: [[btn(turn, 'leaveHome.can', 'can')], [btn(turn, 'leaveHome.cannot', 'cannot')], back],
      });
    case 'care_for': {
      const chosen = new Set(s.draft.careFor ?? []);
      const buttons = rows(
        CARE.map((c) => ({ text: `${chosen.has(c) ? '✓ ' : ''}${t(lang, `careFor.${c}`)}`, data: `${s.seq}:toggle:${c}` })),
        2,
      );
      buttons.push([btn(turn, 'back', 'back'), btn(turn, 'done', 'done')]);
      return say(turn, 'careFor.ask', {}, { buttons });
    }
    case 'skills': {
      const chosen = new Set(s.draft.skills ?? []);
      const buttons = rows(
        occupations.map((o) => ({ text: `${chosen.has(o.code) ? '✓ ' : ''}${o[lang]}`, data: `${s.seq}:toggle:${o.code}` })),
        3,
      );
      buttons.push([btn(turn, 'back', 'back'), btn(turn, 'done', 'done')]);
      return say(turn, 'skills.ask', {}, { buttons });
    }
    case 'hours':
      return say(turn, 'hours.ask', {}, {
        buttons: [...HOURS.map((h) => [btn(turn, `hours.${h}`, `pick:${h}`)]), back],
      });
    case 'distance':
      return say(turn, 'distance.ask', {}, {
        buttons: [DISTANCES.map((km) => btn(turn, 'distance.km', `pick:${km}`, { km })), back],
      });
    case 'confirm':
      return say(turn, 'confirm.ask', { summary: summary(turn) }, {
        buttons: [[btn(turn, 'confirm.ok', 'ok')], [btn(turn, 'confirm.restart', 'restart')], back],
      });
    case 'menu':
      return menuPrompt(turn);
    case 'employer_menu':
      return say(turn, 'menu.ask', {}, {
        buttons: [[btn(turn, 'menu.openings', 'openings')], [btn(turn, 'menu.language', 'language')], [btn(turn, 'menu.help', 'help')]],
      });
    case 'profile': {
      const me = (await turn.ports.identity()).worker;
      const groups: Array<NonNullable<Session['editing']>> = ['name', 'phone', 'home', 'skills', 'hours', 'distance'];
      if (me?.sensitive) groups.push('care');
      return say(turn, 'profile.ask', {}, {
        buttons: [...rows(groups.map((g) => btn(turn, `profile.${g}`, `edit:${g}`)), 2), back],
      });
    }
    case 'found_type':
      return say(turn, 'found.type', {}, {
        buttons: [...FOUND_TYPES.map((x) => [btn(turn, `found.${x}`, `pick:${x}`)]), back],
      });
    case 'found_where': {
      const counties = await turn.ports.areas(turn.ports.homePrefecture);
      const buttons = [[btn(turn, 'found.hereTownship', 'here')], ...rows(counties.map((a) => ({ text: a.name, data: `${s.seq}:area:${a.code}` })), 2)];
      buttons.push([btn(turn, 'found.otherYunnan', `area:${turn.ports.homePrefecture.slice(0, 2)}`)]);
      buttons.push([btn(turn, 'found.otherProvince', 'provinces')]);
      buttons.push(back);
      return say(turn, 'found.where', {}, { buttons });
    }
    case 'found_province': {
      const home = turn.ports.homePrefecture.slice(0, 2);
      // Where people from here mostly go to work come first.
      const rank = (code: string) => {
        const i = COMMON_DESTINATIONS.indexOf(code);
        return i === -1 ? COMMON_DESTINATIONS.length : i;
      };
      const all = (await turn.ports.areas(''))
        .filter((a) => a.code !== home)
        .sort((a, b) => rank(a.code) - rank(b.code) || a.code.localeCompare(b.code));
      const page = all.slice(s.page * PAGE, (s.page + 1) * PAGE);
      const buttons = rows(page.map((a) => ({ text: a.name, data: `${s.seq}:area:${a.code}` })), 2);
      const nav = [btn(turn, 'back', 'back')];
      if ((s.page + 1) * PAGE < all.length) nav.push(btn(turn, 'more', 'more'));
      buttons.push(nav);
      return say(turn, 'found.where', {}, { buttons });
    }
    case 'found_since':
      return say(turn, 'found.since', {}, {
        buttons: [
          [btn(turn, 'found.today', 'days:0')],
          [btn(turn, 'found.week', 'days:7')],
          [btn(turn, 'found.month', 'days:30')],
          back,
        ],
      }), say(turn, 'found.typeDate');
    case 'reason': {
      const kind = s.pending?.kind;
      const reasons = kind === 'employer_decline' ? EMPLOYER_REASONS : WITHDRAW_REASONS;
      const key: TextKey = kind === 'withdraw' ? 'apps.withdrawAsk' : kind === 'decline_offer' ? 'offer.declineAsk' : 'employer.declineAsk';
      return say(turn, key, {}, { buttons: [...reasons.map((r) => [btn(turn, `reason.${r}`, `pick:${r}`)]), back] });
    }
    case 'delete':
      return say(turn, 'delete.ask', {}, { buttons: [[btn(turn, 'delete.yes', 'yes'), btn(turn, 'delete.no', 'no')]] });
  }
}

async function menuPrompt(turn: Turn) {
  const me = (await turn.ports.identity()).worker;
  const alerts = me?.alertsEnabled ?? true;
  return say(turn, 'menu.ask', {}, {
    buttons: [
      [btn(turn, 'menu.work', 'work')],
      [btn(turn, 'menu.applications', 'applications')],
      [btn(turn, 'menu.found', 'found')],
      [btn(turn, alerts ? 'menu.alertsOff' : 'menu.alertsOn', alerts ? 'alerts:off' : 'alerts:on')],
      [btn(turn, 'menu.profile', 'profile'), btn(turn, 'menu.language', 'language')],
      [btn(turn, 'menu.help', 'help'), btn(turn, 'menu.delete', 'delete')],
    ],
  });
}

function summary(turn: Turn): string {
  const { draft: d } = turn.s;
  const { lang } = turn;
  const none = t(lang, 'summary.none');
  const lines = [
    t(lang, 'summary.name', { value: d.name ?? none }),
    t(lang, 'summary.phone', { value: d.phone ?? none }),
    t(lang, 'summary.village', { value: [d.county?.name, d.township?.name, d.village?.name].filter(Boolean).join(' ') || none }),
    t(lang, 'summary.location', { value: d.location ? t(lang, 'summary.sent') : none }),
  ];
  if (d.sensitive) {
    lines.push(t(lang, 'summary.leaveHome', { value: t(lang, d.cannotLeaveHome ? 'no' : 'yes') }));
    if (d.cannotLeaveHome) {
      lines.push(t(lang, 'summary.careFor', { value: (d.careFor ?? []).map((c) => t(lang, `careFor.${c}`)).join('、') || none }));
    }
  }
  lines.push(t(lang, 'summary.skills', { value: (d.skills ?? []).map((c) => skillName(lang, c)).join('、') || none }));
  lines.push(t(lang, 'summary.hours', { value: d.hours ? t(lang, `hours.${d.hours}`) : none }));
  lines.push(t(lang, 'summary.distance', { value: d.distance ?? 5 }));
  return lines.join('\n');
}

/** The next step of the sign-up (or of the group being edited), or null when the group is done. */
function nextStep(s: Session): Step | null {
  const seq = s.editing ? GROUPS[s.editing] : SIGNUP;
  for (let i = seq.indexOf(s.step) + 1; i < seq.length; i++) if (applies(seq[i]!, s.draft)) return seq[i]!;
  return null;
}

function previousStep(s: Session): Step | null {
  const seq = s.editing ? GROUPS[s.editing] : SIGNUP;
  for (let i = seq.indexOf(s.step) - 1; i >= 0; i--) if (applies(seq[i]!, s.draft)) return seq[i]!;
  return null;
}

/** A sign-up or edit step is complete: on to the next, or save the edit. */
async function advance(turn: Turn) {
  turn.s.page = 0;
  const next = nextStep(turn.s);
  if (next) return go(turn, next);
  if (turn.s.editing) {
    await turn.ports.updateProfile(turn.s.draft, turn.s.editing);
    turn.s.editing = null;
    say(turn, 'profile.saved', {}, { removeKeyboard: true });
    return go(turn, 'menu');
  }
}

async function back(turn: Turn) {
  const s = turn.s;
  s.page = 0;
  if (s.step === 'code' || s.step === 'sensitive') return go(turn, 'intro');
  if (SIGNUP.includes(s.step)) {
    const prev = previousStep(s);
    if (prev) return go(turn, prev);
    if (s.editing) {
      s.editing = null;
      return go(turn, 'profile');
    }
    return go(turn, 'sensitive');
  }
  if (s.step === 'found_where') return go(turn, 'found_type');
  if (s.step === 'found_since' || s.step === 'found_province') return go(turn, 'found_where');
  if (s.step === 'profile' || s.step === 'found_type' || s.step === 'reason') {
    s.pending = undefined;
    return home(turn);
  }
  return home(turn);
}

/** The main menu of whoever this chat is: worker, employer, or the sign-up. */
async function home(turn: Turn) {
  const who = await turn.ports.identity();
  turn.s.editing = null;
  turn.s.pending = undefined;
  if (who.worker) return go(turn, 'menu');
  if (who.employer) return go(turn, 'employer_menu');
  turn.s.draft = {};
  return go(turn, 'intro');
}

// ---------------------------------------------------------------------------

export async function handle(session: Session, input: Input, ports: Ports): Promise<{ session: Session; replies: Reply[] }> {
  const s: Session = structuredClone(session);
  const turn: Turn = { s, lang: s.lang ?? 'zh', ports, replies: [] };

  if (input.type === 'command') {
    await command(turn, input.name);
  } else if (s.lang === null && !(input.type === 'button' && /^\d+:lang:/.test(input.data))) {
    await go(turn, 'lang');
  } else if (input.type === 'button' && input.data.startsWith('g:')) {
    await globalButton(turn, input.data);
  } else if (input.type === 'button') {
    const [seq, ...rest] = input.data.split(':');
    if (Number(seq) !== s.seq) {
      say(turn, 'stale');
      await prompt(turn);
    } else {
      await button(turn, rest[0] ?? '', rest.slice(1).join(':'));
    }
  } else {
    await typed(turn, input);
  }
  return { session: s, replies: turn.replies };
}

async function command(turn: Turn, name: string) {
  const s = turn.s;
  switch (name) {
    case 'start':
      if (s.lang === null) return go(turn, 'lang');
      return home(turn);
    case 'menu':
    case 'cancel':
      if (s.lang === null) return go(turn, 'lang');
      return home(turn);
    case 'help':
      say(turn, 'help.text');
      return;
    case 'language':
      return go(turn, 'lang');
    case 'delete': {
      const who = await turn.ports.identity();
      if (!who.worker) {
        say(turn, 'delete.nothing');
        return;
      }
      return go(turn, 'delete');
    }
    default:
      say(turn, 'unsupported');
  }
}

async function button(turn: Turn, action: string, arg: string) {
  const { s, ports } = turn;
  if (action === 'back') return back(turn);
  switch (s.step) {
    case 'lang':
      if (action === 'lang' && (arg === 'zh' || arg === 'en')) {
        s.lang = arg;
        turn.lang = arg;
        say(turn, 'lang.changed');
        return home(turn);
      }
      break;
    case 'intro':
      if (action === 'agree') {
        s.draft = {};
        return go(turn, 'sensitive');
      }
      if (action === 'code') return go(turn, 'code');
      if (action === 'decline') {
        s.draft = {};
        say(turn, 'intro.declined');
        return;
      }
      break;
    case 'sensitive':
      if (action === 'yes' || action === 'no') {
        s.draft.sensitive = action === 'yes';
        return go(turn, 'name');
      }
      break;
    case 'phone':
      if (action === 'skip') {
        s.draft.phone = null;
        return advance(turn);
      }
      break;
    case 'county':
    case 'township':
    case 'village':
      if (action === 'more') {
        s.page += 1;
        s.seq += 1;
        return prompt(turn);
      }
      if (action === 'area') {
        const area = (await ports.areas(areaMenuParent(turn))).find((a) => a.code === arg);
        if (area) {
          if (s.step === 'county') s.draft.county = area;
          if (s.step === 'township') s.draft.township = area;
          if (s.step === 'village') s.draft.village = area;
          return advance(turn);
        }
      }
      break;
    case 'location':
      if (action === 'skip') {
        s.draft.location = s.editing ? s.draft.location ?? null : null;
        return advance(turn);
      }
      break;
    case 'leave_home':
      if (action === 'can' || action === 'cannot') {
        s.draft.cannotLeaveHome = action === 'cannot';
        if (!s.draft.cannotLeaveHome) s.draft.careFor = [];
        return advance(turn);
      }
      break;
    case 'care_for':
    case 'skills': {
      const key = s.step === 'care_for' ? 'careFor' : 'skills';
      const valid = s.step === 'care_for' ? (CARE as string[]) : occupations.map((o) => o.code);
      if (action === 'toggle' && valid.includes(arg)) {
        const set = new Set<string>(s.draft[key] ?? []);
        if (set.has(arg)) set.delete(arg);
        else set.add(arg);
        (s.draft as Record<string, unknown>)[key] = valid.filter((v) => set.has(v));
        s.seq += 1;
        return prompt(turn);
      }
      if (action === 'done') {
        if (s.step === 'care_for' && (s.draft.careFor ?? []).length === 0) {
          say(turn, 'careFor.none');
          s.seq += 1;
          return prompt(turn);
        }
        return advance(turn);
      }
      break;
    }
    case 'hours':
      if (action === 'pick' && (HOURS as string[]).includes(arg)) {
        s.draft.hours = arg as Availability;
        return advance(turn);
      }
      break;
    case 'distance':
      if (action === 'pick' && DISTANCES.includes(Number(arg))) {
        s.draft.distance = Number(arg);
        return advance(turn);
      }
      break;
    case 'confirm':
      if (action === 'ok') {
        await ports.register(s.draft);
        s.draft = {};
        say(turn, 'registered', {}, { removeKeyboard: true });
        return go(turn, 'menu');
      }
      if (action === 'restart') {
        s.draft = { sensitive: s.draft.sensitive };
        return go(turn, 'name');
      }
      break;
    case 'menu':
      return menuAction(turn, action, arg);
    case 'employer_menu':
      return employerAction(turn, action, arg);
    case 'profile':
      if (action === 'edit' && arg in GROUPS) {
        const me = (await ports.identity()).worker;
        if (!me) return home(turn);
        s.draft = structuredClone(me.draft);
        s.editing = arg as NonNullable<Session['editing']>;
        return go(turn, GROUPS[s.editing][0]!);
      }
      break;
    case 'found_type':
      if (action === 'pick' && (FOUND_TYPES as string[]).includes(arg)) {
        s.found = { type: arg as PlacementType };
        return go(turn, 'found_where');
      }
      break;
    case 'found_where':
      if (action === 'here') {
        const me = (await ports.identity()).worker;
        const township = me?.areaCode.slice(0, 9);
        if (township) {
          s.found = { ...s.found, areaCode: township };
          return go(turn, 'found_since');
        }
      }
      if (action === 'provinces') {
        s.page = 0;
        return go(turn, 'found_province');
      }
      if (action === 'area' && /^\d{2,6}$/.test(arg)) {
        s.found = { ...s.found, areaCode: arg };
        return go(turn, 'found_since');
      }
      break;
    case 'found_province':
      if (action === 'more') {
        s.page += 1;
        s.seq += 1;
        return prompt(turn);
      }
      if (action === 'area' && /^\d{2}$/.test(arg)) {
        s.found = { ...s.found, areaCode: arg };
        return go(turn, 'found_since');
      }
      break;
    case 'found_since':
      if (action === 'days' && /^\d+$/.test(arg)) return recordFound(turn, shiftDays(ports.today(), -Number(arg)));
      break;
    case 'reason':
      if (action === 'pick' && s.pending) return reasonGiven(turn, arg as EndingReason);
      break;
    case 'delete':
      if (action === 'yes') {
        await ports.erase();
        const lang = s.lang;
        Object.assign(s, newSession(), { lang, step: 'intro' });
        say(turn, 'delete.done', {}, { removeKeyboard: true });
        return;
      }
      if (action === 'no') return home(turn);
      break;
  }
  say(turn, 'useButtons');
  s.seq += 1;
  return prompt(turn);
}

async function menuAction(turn: Turn, action: string, arg: string) {
  const { s, ports } = turn;
  const me = (await ports.identity()).worker;
  if (!me) return home(turn);
  switch (action) {
    case 'work':
    case 'next': {
      s.page = action === 'next' ? s.page + 1 : 0;
      const all = await ports.matches((s.page + 1) * MATCH_PAGE + 1);
      const page = all.slice(s.page * MATCH_PAGE, (s.page + 1) * MATCH_PAGE);
      s.seq += 1;
      if (page.length === 0) {
        say(turn, s.page === 0 ? 'work.none' : 'work.noMore');
        return menuPrompt(turn);
      }
      s.list = page.map((m) => m.openingId);
      page.forEach((m, i) => say(turn, 'work.item', matchParams(turn, m, s.page * MATCH_PAGE + i + 1)));
      const buttons = rows(page.map((_, i) => btn(turn, 'work.apply', `apply:${i}`, { n: s.page * MATCH_PAGE + i + 1 })), 3);
      const nav = [btn(turn, 'back', 'back')];
      if (all.length > (s.page + 1) * MATCH_PAGE) nav.push(btn(turn, 'work.next', 'next'));
      buttons.push(nav);
      turn.replies[turn.replies.length - 1]!.buttons = buttons;
      return;
    }
    case 'apply': {
      const openingId = s.list[Number(arg)];
      if (openingId === undefined) break;
      const r = await ports.apply(openingId);
      if (r.ok) say(turn, 'work.applied', { title: r.title });
      else if (r.why === 'not_eligible') say(turn, 'work.notEligible', { why: r.detail ?? '' });
      else say(turn, r.why === 'already' ? 'work.already' : 'work.notOpen');
      return go(turn, 'menu');
    }
    case 'applications': {
      const apps = await ports.applications();
      s.seq += 1;
      if (apps.length === 0) {
        say(turn, 'apps.none');
        return menuPrompt(turn);
      }
      const lines = apps.map((a, i) => t(turn.lang, 'apps.item', { n: i + 1, title: a.title, state: t(turn.lang, `state.${a.state}`) }));
      s.list = apps.map((a) => a.id);
      const open = apps.map((a, i) => ({ a, i })).filter(({ a }) => a.state === 'suggested' || a.state === 'applied' || a.state === 'offered');
      const buttons = rows(open.map(({ i }) => btn(turn, 'apps.withdraw', `withdraw:${i}`, { n: i + 1 })), 2);
      buttons.push([btn(turn, 'back', 'back')]);
      turn.replies.push({ text: lines.join('\n'), buttons });
      return;
    }
    case 'withdraw': {
      const id = s.list[Number(arg)];
      if (id === undefined) break;
      s.pending = { kind: 'withdraw', applicationId: id };
      return go(turn, 'reason');
    }
    case 'found':
      s.found = {};
      return go(turn, 'found_type');
    case 'alerts':
      await ports.setAlerts(arg === 'on');
      say(turn, arg === 'on' ? 'alerts.on' : 'alerts.off');
      return go(turn, 'menu');
    case 'profile':
      return go(turn, 'profile');
    case 'language':
      return go(turn, 'lang');
    case 'help':
      say(turn, 'help.text');
      return go(turn, 'menu');
    case 'delete':
      return go(turn, 'delete');
  }
  say(turn, 'useButtons');
  return go(turn, 'menu');
}

async function employerAction(turn: Turn, action: string, arg: string) {
  const { s, ports } = turn;
  switch (action) {
    case 'openings': {
      const list = await ports.employerOpenings();
      s.seq += 1;
      if (list.length === 0) {
        say(turn, 'employer.openingsNone');
        return go(turn, 'employer_menu');
      }
      s.list = list.map((o) => o.id);
      const lines = list.map((o, i) => t(turn.lang, 'employer.opening', { n: i + 1, title: o.title, filled: o.slotsFilled, slots: o.slots }));
      const buttons = rows(list.map((_, i) => btn(turn, 'employer.close', `close:${i}`, { n: i + 1 })), 3);
      buttons.push([btn(turn, 'back', 'back')]);
      turn.replies.push({ text: `${t(turn.lang, 'employer.openings')}\n${lines.join('\n')}`, buttons });
      return;
    }
    case 'close': {
      const id = s.list[Number(arg)];
      if (id === undefined) break;
      const title = await ports.closeOpening(id);
      if (title) say(turn, 'employer.closed', { title });
      return go(turn, 'employer_menu');
    }
    case 'language':
      return go(turn, 'lang');
    case 'help':
      say(turn, 'help.text');
      return go(turn, 'employer_menu');
  }
  say(turn, 'useButtons');
  return go(turn, 'employer_menu');
}

/** Buttons on messages the service sent on its own: g:<action>:<application id> (a check-in: <placement id>). */
async function globalButton(turn: Turn, data: string) {
  const { s, ports } = turn;
  const [, action, idText] = data.split(':');
  const id = Number(idText);
  if (!Number.isInteger(id)) {
    say(turn, 'stale');
    return;
  }
  switch (action) {
    case 'accept': {
      const r = await ports.moveOwn(id, 'hired');
      if (r.ok) say(turn, 'offer.accepted', { title: r.title ?? '' });
      else say(turn, 'offer.gone');
      return home(turn);
    }
    case 'refuse':
      s.pending = { kind: 'decline_offer', applicationId: id };
      return go(turn, 'reason');
    case 'offer': {
      const r = await ports.employerMove(id, 'offered');
      if (r.ok) say(turn, 'employer.offered', { name: r.name ?? '' });
      else say(turn, 'offer.gone');
      return home(turn);
    }
    case 'decline':
      s.pending = { kind: 'employer_decline', applicationId: id };
      return go(turn, 'reason');
    // The monthly check-in: g:stillworking:<placement id> / g:ended:<placement id>.
    case 'stillworking':
    case 'ended': {
      const ok = await ports.answerCheckin(id, action === 'stillworking');
      say(turn, ok ? (action === 'stillworking' ? 'checkin.thanks' : 'checkin.ended') : 'checkin.gone');
      return home(turn);
    }
  }
  say(turn, 'stale');
}

async function reasonGiven(turn: Turn, reason: EndingReason) {
  const { s, ports } = turn;
  const pending = s.pending!;
  s.pending = undefined;
  if (pending.kind === 'employer_decline') {
    const r = await ports.employerMove(pending.applicationId, 'declined', reason);
    say(turn, r.ok ? 'employer.declined' : 'offer.gone');
  } else {
    const r = await ports.moveOwn(pending.applicationId, pending.kind === 'withdraw' ? 'withdrawn' : 'declined', reason);
    say(turn, r.ok ? (pending.kind === 'withdraw' ? 'apps.withdrawn' : 'offer.declined') : 'offer.gone');
  }
  return home(turn);
}

async function recordFound(turn: Turn, startDate: string) {
  const { s, ports } = turn;
  if (!s.found?.type || !s.found.areaCode) return go(turn, 'found_type');
  await ports.recordWork({ type: s.found.type, areaCode: s.found.areaCode, startDate });
  s.found = undefined;
  say(turn, 'found.saved');
  return go(turn, 'menu');
}

async function typed(turn: Turn, input: Exclude<Input, { type: 'command' } | { type: 'button' }>) {
  const { s, ports } = turn;
  if (input.type === 'text' && (s.step === 'phone' || s.step === 'location')) {
    // The keyboard of these steps sends its buttons' labels as text.
    if (input.text.trim() === t(turn.lang, 'skip')) return button(turn, 'skip', '');
    if (input.text.trim() === t(turn.lang, 'back')) return back(turn);
  }
  if (input.type === 'text' && s.step === 'name') {
    const name = input.text.trim().replace(/\s+/g, ' ');
    if (name.length < 1 || name.length > 50 || name.startsWith('/')) {
      say(turn, 'name.bad');
      return;
    }
    s.draft.name = name;
    return advance(turn);
  }
  if (input.type === 'contact' && s.step === 'phone') {
    if (!input.own) {
      say(turn, 'phone.notOwn');
      return;
    }
    s.draft.phone = input.phone.replace(/[^\d+]/g, '').slice(0, 20);
    return advance(turn);
  }
  if (input.type === 'location' && s.step === 'location') {
    // Mainland China, roughly: anything else is a mistake worth a second try.
    if (input.lat < 18 || input.lat > 54 || input.lon < 73 || input.lon > 135) {
      say(turn, 'location.far');
      return;
    }
    s.draft.location = { lat: Math.round(input.lat * 1e5) / 1e5, lon: Math.round(input.lon * 1e5) / 1e5 };
    return advance(turn);
  }
  if (input.type === 'text' && s.step === 'code') {
    if (s.codeLockedUntil && s.codeLockedUntil > new Date().toISOString()) {
      say(turn, 'code.locked');
      return;
    }
    const code = input.text.replace(/\s/g, '');
    const linked = /^\d{6}$/.test(code) ? await ports.link(code) : null;
    if (!linked) {
      s.codeTries += 1;
      if (s.codeTries >= 5) {
        s.codeTries = 0;
        s.codeLockedUntil = new Date(Date.now() + 3_600_000).toISOString();
        say(turn, 'code.locked');
        return;
      }
      say(turn, 'code.wrong');
      return;
    }
    s.codeTries = 0;
    if (linked.kind === 'staff') {
      // A staff member's chat only receives notices: there is no menu to show.
      say(turn, 'code.linkedStaff', { name: linked.name });
      return;
    }
    say(turn, linked.kind === 'worker' ? 'code.linkedWorker' : 'code.linkedEmployer', { name: linked.name });
    return home(turn);
  }
  if (input.type === 'text' && s.step === 'found_since') {
    const date = input.text.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(date)) && date <= ports.today() && date >= '2000-01-01') {
      return recordFound(turn, date);
    }
    say(turn, 'found.badDate');
    return;
  }
  say(turn, input.type === 'unsupported' ? 'unsupported' : 'useButtons');
  s.seq += 1;
  return prompt(turn);
}

function shiftDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function matchParams(turn: Turn, m: MatchView, n: number) {
  const { lang } = turn;
  const where =
    m.distanceKm !== null ? t(lang, 'where.km', { km: m.distanceKm }) : m.nearness ? t(lang, `where.${m.nearness}`) : '';
  const why: string[] = [];
  for (const r of m.reasons) {
    switch (r.code) {
      case 'distance':
      case 'same_village':
      case 'same_township':
        why.push(t(lang, 'reason.near'));
        break;
      case 'skills_met':
        why.push(t(lang, 'reason.skills', { skills: r.skills.map((c) => skillName(lang, c)).join('、') }));
        break;
      case 'hours_fit':
        why.push(t(lang, 'reason.hours'));
        break;
      case 'priority_tier':
        if (r.tier !== 'general') why.push(t(lang, 'reason.priority'));
        break;
      case 'serves_own_village':
        why.push(t(lang, 'reason.ownVillage'));
        break;
    }
  }
  return {
    n,
    title: m.title,
    employer: m.employerName,
    where,
    wage: t(lang, `wage.${m.wage.period}`, { amount: m.wage.amount }),
    hours: t(lang, `hours.${m.hours}`),
    why: [...new Set(why)].join(lang === 'zh' ? '，' : ', '),
  };
}
