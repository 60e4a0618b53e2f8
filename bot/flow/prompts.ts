// Each step's question and its buttons, and the moves that show them: go to
// a step, nudge (one short answer and the buttons again), home.
import { occupations } from '../../src/domain/occupations.js';
import { skillName, t, type TextKey } from '../texts/index.js';
import {
  AREA_PAGE,
  CARE,
  COMMON_DESTINATIONS,
  DISTANCES,
  draftStarted,
  EDIT_GROUPS,
  EMPLOYER_REASONS,
  FOUND_TYPES,
  HOURS,
  inSignup,
  monthBefore,
  WITHDRAW_REASONS,
} from './steps.js';
import { btn, mbtn, rows, say, type Turn } from './turn.js';
import type { Button, Step } from './types.js';

/** Moves to a step and asks its question. */
export async function go(turn: Turn, step: Step) {
  const leaving = turn.s.step;
  if ((leaving === 'phone' || leaving === 'location') && step !== leaving) {
    // The share keyboard of that step goes away with a short acknowledgement.
    turn.replies.push({ text: t(turn.lang, 'ok'), removeKeyboard: true });
  }
  turn.s.step = step;
  await prompt(turn);
}

/**
 * One short message with the current step's buttons again: for a sticker, a
 * voice message, typing where a button is asked, a stale button. The question
 * itself is repeated when it is one short line.
 */
export async function nudge(turn: Turn, key: TextKey) {
  const scratch: Turn = { ...turn, replies: [] };
  await prompt(scratch);
  const last = scratch.replies.at(-1);
  const head = t(turn.lang, key);
  if (!last) {
    turn.replies.push({ text: head });
    return;
  }
  const question = last.text.length <= 60 && !last.text.includes('\n') ? last.text : t(turn.lang, 'useButtons');
  turn.replies.push({ ...last, text: `${head}\n${question}`, edit: false });
}

/** The main menu of whoever this chat is: worker, employer, or the start of sign-up. */
export async function home(turn: Turn) {
  const who = await turn.ports.identity();
  turn.s.editing = null;
  turn.s.pending = undefined;
  turn.s.page = 0;
  if (who.worker) return go(turn, 'menu');
  if (who.employer) return go(turn, 'employer_menu');
  if (inSignup(turn.s) && draftStarted(turn.s.draft)) {
    // A sign-up half done is not thrown away by a detour.
    turn.s.resume = turn.s.step;
    return go(turn, 'resume');
  }
  turn.s.draft = {};
  return go(turn, 'intro');
}

/** The area whose parts the county, township or village menu lists. */
export function areaMenuParent(turn: Turn): string | null {
  const { s } = turn;
  if (s.step === 'county' || s.step === 'found_county') return turn.ports.homePrefecture;
  if (s.step === 'township') return s.draft.county?.code ?? null;
  return s.draft.township?.code ?? null;
}

function paged(turn: Turn, items: Array<{ code: string; name: string }>, perRow = 2): Button[][] {
  const { s } = turn;
  const page = items.slice(s.page * AREA_PAGE, (s.page + 1) * AREA_PAGE);
  const buttons = rows(page.map((a) => ({ text: a.name, data: `${s.step}:area:${a.code}` })), perRow);
  const nav = [btn(turn, 'back', 'back')];
  if ((s.page + 1) * AREA_PAGE < items.length) nav.push(btn(turn, 'more', 'more'));
  buttons.push(nav);
  return buttons;
}

/** The toggles of a multi-select step, ✓ on the chosen ones. */
export function toggleButtons(turn: Turn): Button[][] {
  const { s, lang } = turn;
  const chosen = new Set<string>(s.step === 'care_for' ? (s.draft.careFor ?? []) : (s.draft.skills ?? []));
  const options = s.step === 'care_for' ? CARE.map((c) => ({ code: c, name: t(lang, `careFor.${c}`) })) : occupations.map((o) => ({ code: o.code, name: o[lang] }));
  const buttons = rows(
    options.map((o) => ({ text: `${chosen.has(o.code) ? '✓ ' : ''}${o.name}`, data: `${s.step}:toggle:${o.code}` })),
    s.step === 'care_for' ? 2 : 3,
  );
  buttons.push([btn(turn, 'back', 'back'), btn(turn, 'done', 'done')]);
  return buttons;
}

export async function prompt(turn: Turn): Promise<unknown> {
  const { s, lang } = turn;
  const back = [btn(turn, 'back', 'back')];
  switch (s.step) {
    case 'lang':
      return turn.replies.push({
        text: t('zh', 'lang.ask'),
        buttons: [[{ text: '中文', data: 'lang:set:zh' }, { text: 'English', data: 'lang:set:en' }], back],
      });
    case 'intro':
      return say(turn, 'intro.text', {}, {
        buttons: [
          [btn(turn, 'intro.agree', 'agree')],
          [btn(turn, 'intro.code', 'code')],
          [btn(turn, 'intro.decline', 'decline'), btn(turn, 'lang.button', `lang:${lang === 'zh' ? 'en' : 'zh'}`)],
        ],
      });
    case 'code':
      return say(turn, 'code.ask', {}, { buttons: [back] });
    case 'code_confirm': {
      const link = s.link;
      const key: TextKey = link?.kind === 'employer' ? 'code.confirmEmployer' : link?.kind === 'staff' ? 'code.confirmStaff' : 'code.confirmWorker';
      return say(turn, key, { name: link?.name ?? '' }, { buttons: [[btn(turn, 'code.agree', 'agree'), btn(turn, 'code.refuse', 'refuse')]] });
    }
    case 'resume':
      return say(turn, 'resume.ask', {}, { buttons: [[btn(turn, 'resume.continue', 'continue'), btn(turn, 'resume.restart', 'restart')]] });
    case 'name':
      return say(turn, 'name.ask', {}, { buttons: [back] });
    case 'phone':
      // The reply keyboard carries the share button; the others skip or go back.
      return say(turn, 'phone.ask', {}, {
        request: 'contact',
        requestLabel: t(lang, 'phone.button'),
        buttons: [[btn(turn, 'skip', 'skip')], back],
      });
    case 'county':
    case 'township':
    case 'village':
    case 'found_county': {
      const parent = areaMenuParent(turn);
      const all = parent ? await turn.ports.areas(parent) : [];
      const key: TextKey = s.step === 'found_county' ? 'found.county' : `${s.step}.ask`;
      return say(turn, key, {}, { buttons: paged(turn, all) });
    }
    case 'location':
      return say(turn, 'location.ask', {}, {
        request: 'location',
        requestLabel: t(lang, 'location.button'),
        buttons: [[btn(turn, 'skip', 'skip')], back],
      });
    case 'leave_home':
      return say(turn, 'leaveHome.ask', {}, {
        buttons: [
          ...(['children', 'elders', 'disabled', 'other'] as const).map((c) => [btn(turn, `leaveHome.${c}`, `pick:${c}`)]),
          [btn(turn, 'leaveHome.can', 'pick:can'), btn(turn, 'leaveHome.private', 'pick:private')],
          back,
        ],
      });
    case 'care_for':
      return say(turn, 'careFor.ask', {}, { buttons: toggleButtons(turn) });
    case 'skills':
      return say(turn, 'skills.ask', {}, { buttons: toggleButtons(turn) });
    case 'hours':
      return say(turn, 'hours.ask', {}, { buttons: [...HOURS.map((h) => [btn(turn, `hours.${h}`, `pick:${h}`)]), back] });
    case 'distance':
      return say(turn, 'distance.ask', {}, { buttons: [DISTANCES.map((km) => btn(turn, 'distance.km', `pick:${km}`, { km })), back] });
    case 'menu':
      return menuPrompt(turn);
    case 'employer_menu':
      return say(turn, 'menu.ask', {}, { buttons: employerMenuButtons(turn) });
    case 'profile':
      return say(turn, 'profile.ask', {}, {
        buttons: [...rows(EDIT_GROUPS.map((g) => btn(turn, `profile.${g}`, `edit:${g}`)), 2), [mbtn(turn, 'm', 'menu.back', 'menu')]],
      });
    case 'found_type':
      return say(turn, 'found.type', {}, { buttons: [...FOUND_TYPES.map((x) => [btn(turn, `found.${x}`, `pick:${x}`)]), back] });
    case 'found_where':
      return say(turn, 'found.where', {}, {
        buttons: [
          [btn(turn, 'found.hereTownship', 'here:township'), btn(turn, 'found.hereCounty', 'here:county')],
          [btn(turn, 'found.otherCounty', 'counties')],
          [btn(turn, 'found.otherYunnan', `area:${turn.ports.homePrefecture.slice(0, 2)}`)],
          [btn(turn, 'found.otherProvince', 'provinces')],
          back,
        ],
      });
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
      return say(turn, 'found.province', {}, { buttons: paged(turn, all) });
    }
    case 'found_since':
      return say(turn, 'found.since', {}, {
        buttons: [
          [btn(turn, 'found.today', 'date:today'), btn(turn, 'found.thisMonth', 'date:this')],
          [btn(turn, 'found.lastMonth', 'date:last'), btn(turn, 'found.earlier', 'earlier')],
          back,
        ],
      });
    case 'found_month': {
      const today = turn.ports.today();
      const months = Array.from({ length: 12 }, (_, i) => monthBefore(today, i + 2));
      const buttons = rows(
        months.map((m) => btn(turn, 'found.month', `month:${m}`, { year: m.slice(0, 4), month: Number(m.slice(5, 7)) })),
        3,
      );
      buttons.push(back);
      return say(turn, 'found.monthAsk', {}, { buttons });
    }
    case 'reason': {
      const kind = s.pending?.kind;
      const reasons = kind === 'employer_decline' ? EMPLOYER_REASONS : WITHDRAW_REASONS;
      const key: TextKey = kind === 'withdraw' ? 'apps.withdrawAsk' : kind === 'decline_offer' ? 'offer.declineAsk' : 'employer.declineAsk';
      return say(turn, key, {}, { buttons: [...reasons.map((r) => [btn(turn, `reason.${r}`, `pick:${r}`)]), back] });
    }
    case 'delete':
      return say(turn, 'delete.ask', {}, { buttons: [[btn(turn, 'delete.yes', 'yes'), btn(turn, 'delete.no', 'no')]] });
    case 'close_confirm': {
      const title = s.pending?.kind === 'close' ? s.pending.title : '';
      return say(turn, 'employer.closeAsk', { title }, { buttons: [[btn(turn, 'employer.closeYes', 'yes'), btn(turn, 'employer.closeNo', 'no')]] });
    }
    default:
      // A step an older version of the bot kept: start from the menu.
      return home(turn);
  }
}

export async function menuButtons(turn: Turn): Promise<Button[][]> {
  const me = (await turn.ports.identity()).worker;
  const alerts = me?.alertsEnabled ?? true;
  const m = (key: TextKey, action: string) => mbtn(turn, 'm', key, action);
  return [
    [m('menu.work', 'work')],
    [m('menu.applications', 'applications')],
    [m('menu.found', 'found')],
    [m('menu.profile', 'profile'), m(alerts ? 'menu.alertsOff' : 'menu.alertsOn', alerts ? 'alerts:off' : 'alerts:on')],
    [m('menu.language', 'language'), m('menu.help', 'help')],
    [m('menu.delete', 'delete')],
  ];
}

async function menuPrompt(turn: Turn) {
  return say(turn, 'menu.ask', {}, { buttons: await menuButtons(turn) });
}

export function employerMenuButtons(turn: Turn): Button[][] {
  const e = (key: TextKey, action: string) => mbtn(turn, 'e', key, action);
  return [[e('menu.applicants', 'applicants')], [e('menu.openings', 'openings')], [e('menu.language', 'language'), e('menu.help', 'help')]];
}

/** What the person gave, one fact a line. */
export function summary(turn: Turn): string {
  const { draft: d } = turn.s;
  const { lang } = turn;
  const none = t(lang, 'summary.none');
  const lines = [
    t(lang, 'summary.name', { value: d.name ?? none }),
    t(lang, 'summary.phone', { value: d.phone ?? none }),
    t(lang, 'summary.village', { value: [d.county?.name, d.township?.name, d.village?.name].filter(Boolean).join(' ') || none }),
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
