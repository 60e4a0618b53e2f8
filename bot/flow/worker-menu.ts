// A registered worker's menu: work near me (and applying), my applications
// (withdraw, answer an offer, apply again), "I found work" with the date by
// buttons, alerts, editing, language, help, erasure; and the buttons on
// messages the service sent on its own (offers, check-ins, a new applicant).
import { t } from '../texts/index.js';
import { go, home, nudge } from './prompts.js';
import { matchParams } from './words.js';
import { MATCH_PAGE, FOUND_TYPES, monthBefore } from './steps.js';
import { mbtn, rows, say, type Turn } from './turn.js';
import type { EndingReason, PlacementType } from './types.js';

/** `m:<action>:<arg>`: valid whenever this chat is a registered worker. False when it is not or the action is unknown. */
export async function menuAction(turn: Turn, action: string, arg: string): Promise<boolean> {
  const { s, ports } = turn;
  const me = (await ports.identity()).worker;
  if (!me) return false;
  // A menu button leaves whatever was half done (an edit, a reason asked).
  s.editing = null;
  s.pending = undefined;
  s.draft = {};
  switch (action) {
    case 'menu':
      await go(turn, 'menu');
      return true;
    case 'work':
      await showWork(turn, action === 'work' && arg ? Number(arg) : 0);
      return true;
    case 'apply': {
      const openingId = Number(arg);
      if (!Number.isSafeInteger(openingId)) return false;
      const r = await ports.apply(openingId);
      if (r.ok) say(turn, 'work.applied', { title: r.title });
      else if (r.why === 'not_eligible') say(turn, 'work.notEligible', { why: r.reasons.map((c) => t(turn.lang, `ineligible.${c}`)).join(turn.lang === 'zh' ? '；' : '; ') });
      else say(turn, r.why === 'already' ? 'work.already' : 'work.notOpen');
      await go(turn, 'menu');
      return true;
    }
    case 'applications':
      await showApplications(turn);
      return true;
    case 'withdraw': {
      const id = Number(arg);
      const a = (await ports.applications()).find((x) => x.id === id);
      if (!a || !['suggested', 'applied', 'offered'].includes(a.state)) {
        say(turn, 'offer.gone');
        await go(turn, 'menu');
        return true;
      }
      s.pending = { kind: 'withdraw', applicationId: id };
      await go(turn, 'reason');
      return true;
    }
    case 'found':
      s.found = {};
      await go(turn, 'found_type');
      return true;
    case 'alerts':
      await ports.setAlerts(arg === 'on');
      say(turn, arg === 'on' ? 'alerts.on' : 'alerts.off');
      await go(turn, 'menu');
      return true;
    case 'profile':
      await go(turn, 'profile');
      return true;
    case 'language':
      await go(turn, 'lang');
      return true;
    case 'help':
      say(turn, 'help.text');
      await go(turn, 'menu');
      return true;
    case 'delete':
      await go(turn, 'delete');
      return true;
  }
  return false;
}

async function showWork(turn: Turn, page: number) {
  const { s, ports } = turn;
  s.step = 'menu';
  const p = Number.isSafeInteger(page) && page >= 0 && page < 30 ? page : 0;
  const all = await ports.matches((p + 1) * MATCH_PAGE + 1);
  const items = all.slice(p * MATCH_PAGE, (p + 1) * MATCH_PAGE);
  if (items.length === 0) {
    say(turn, p === 0 ? 'work.none' : 'work.noMore');
    return go(turn, 'menu');
  }
  items.forEach((m, i) => say(turn, 'work.item', matchParams(turn, m, p * MATCH_PAGE + i + 1)));
  const buttons = rows(items.map((m, i) => mbtn(turn, 'm', 'work.apply', `apply:${m.openingId}`, { n: p * MATCH_PAGE + i + 1 })), 3);
  const nav = [mbtn(turn, 'm', 'menu.back', 'menu')];
  if (all.length > (p + 1) * MATCH_PAGE) nav.push(mbtn(turn, 'm', 'work.next', `work:${p + 1}`));
  buttons.push(nav);
  turn.replies[turn.replies.length - 1]!.buttons = buttons;
}

async function showApplications(turn: Turn) {
  const { s, ports } = turn;
  s.step = 'menu';
  const apps = await ports.applications();
  if (apps.length === 0) {
    say(turn, 'apps.none');
    return go(turn, 'menu');
  }
  const lines = apps.map((a, i) => t(turn.lang, 'apps.item', { n: i + 1, title: a.title, state: t(turn.lang, `state.${a.state}`) }));
  const buttons = [];
  for (const [i, a] of apps.entries()) {
    const n = i + 1;
    if (a.state === 'offered') {
      // The offer is answered here as well as on the offer message.
      buttons.push([
        { text: t(turn.lang, 'apps.accept', { n }), data: `g:accept:${a.id}` },
        { text: t(turn.lang, 'apps.refuse', { n }), data: `g:refuse:${a.id}` },
      ]);
    }
    if (a.state === 'applied' || a.state === 'suggested' || a.state === 'offered') buttons.push([mbtn(turn, 'm', 'apps.withdraw', `withdraw:${a.id}`, { n })]);
    if ((a.state === 'withdrawn' || a.state === 'expired') && a.openingOpen) buttons.push([mbtn(turn, 'm', 'apps.reapply', `apply:${a.openingId}`, { n })]);
  }
  buttons.push([mbtn(turn, 'm', 'menu.back', 'menu')]);
  turn.replies.push({ text: `${t(turn.lang, 'apps.title')}\n${lines.join('\n')}`, buttons });
}

/** Buttons of the steps the menu leads to: "I found work", a reason, erasure. False when not for this step. */
export async function menuStepButton(turn: Turn, action: string, arg: string): Promise<boolean> {
  const { s, ports } = turn;
  switch (s.step) {
    case 'found_type':
      if (action === 'pick' && (FOUND_TYPES as string[]).includes(arg)) {
        s.found = { type: arg as PlacementType };
        await go(turn, 'found_where');
        return true;
      }
      return false;
    case 'found_where':
      if (action === 'here') {
        const me = (await ports.identity()).worker;
        const code = arg === 'county' ? me?.areaCode.slice(0, 6) : me?.areaCode.slice(0, 9);
        if (!code) return false;
        s.found = { ...s.found, areaCode: code };
        await go(turn, 'found_since');
        return true;
      }
      if (action === 'counties' || action === 'provinces') {
        s.page = 0;
        await go(turn, action === 'counties' ? 'found_county' : 'found_province');
        return true;
      }
      if (action === 'area' && /^\d{2}$/.test(arg)) {
        s.found = { ...s.found, areaCode: arg };
        await go(turn, 'found_since');
        return true;
      }
      return false;
    case 'found_county':
    case 'found_province':
      if (action === 'more') {
        s.page += 1;
        await go(turn, s.step);
        return true;
      }
      if (action === 'area' && (s.step === 'found_county' ? /^\d{6}$/ : /^\d{2}$/).test(arg)) {
        s.found = { ...s.found, areaCode: arg };
        s.page = 0;
        await go(turn, 'found_since');
        return true;
      }
      return false;
    case 'found_since': {
      const today = ports.today();
      if (action === 'date') {
        const date = arg === 'today' ? today : arg === 'this' ? `${today.slice(0, 7)}-01` : arg === 'last' ? `${monthBefore(today, 1)}-01` : null;
        if (!date) return false;
        await recordFound(turn, date);
        return true;
      }
      if (action === 'earlier') {
        await go(turn, 'found_month');
        return true;
      }
      return false;
    }
    case 'found_month':
      if (action === 'month' && /^\d{4}-\d{2}$/.test(arg) && arg <= ports.today().slice(0, 7) && arg >= '2000-01') {
        await recordFound(turn, `${arg}-01`);
        return true;
      }
      return false;
    case 'reason':
      if (action === 'pick' && s.pending && s.pending.kind !== 'close') {
        await reasonGiven(turn, arg as EndingReason);
        return true;
      }
      return false;
    case 'delete':
      if (action === 'yes') {
        await ports.erase();
        const lang = s.lang;
        Object.assign(s, { lang, step: 'intro', draft: {}, editing: null, page: 0, pending: undefined, found: undefined, resume: undefined });
        say(turn, 'delete.done', {}, { removeKeyboard: true });
        return true;
      }
      if (action === 'no') {
        await home(turn);
        return true;
      }
      return false;
  }
  return false;
}

async function recordFound(turn: Turn, startDate: string) {
  const { s, ports } = turn;
  if (!s.found?.type || !s.found.areaCode) return go(turn, 'found_type');
  await ports.recordWork({ type: s.found.type, areaCode: s.found.areaCode, startDate });
  s.found = undefined;
  say(turn, 'found.saved');
  return go(turn, 'menu');
}

async function reasonGiven(turn: Turn, reason: EndingReason) {
  const { s, ports } = turn;
  const pending = s.pending!;
  s.pending = undefined;
  if (pending.kind === 'close') return home(turn);
  if (pending.kind === 'employer_decline') {
    const r = await ports.employerMove(pending.applicationId, 'declined', reason);
    say(turn, r.ok ? 'employer.declined' : 'offer.gone');
  } else {
    const r = await ports.moveOwn(pending.applicationId, pending.kind === 'withdraw' ? 'withdrawn' : 'declined', reason);
    say(turn, r.ok ? (pending.kind === 'withdraw' ? 'apps.withdrawn' : 'offer.declined') : 'offer.gone');
  }
  return home(turn);
}

/** Buttons on messages the service sent on its own: g:<action>:<application id> (a check-in: <placement id>). */
export async function globalButton(turn: Turn, data: string) {
  const { s, ports } = turn;
  const [, action, idText] = data.split(':');
  const id = Number(idText);
  if (!Number.isSafeInteger(id)) return nudge(turn, 'stale');
  switch (action) {
    case 'accept': {
      const r = await ports.moveOwn(id, 'hired');
      say(turn, r.ok ? 'offer.accepted' : 'offer.gone', { title: r.title ?? '' });
      return home(turn);
    }
    case 'refuse':
    case 'decline': {
      // Ask the reason only while the move is still open to this person.
      const open =
        action === 'refuse'
          ? (await ports.applications()).some((a) => a.id === id && a.state === 'offered')
          : (await ports.employerApplicants()).some((a) => a.applicationId === id && a.state === 'applied');
      if (!open) {
        say(turn, 'offer.gone');
        return home(turn);
      }
      s.pending = { kind: action === 'refuse' ? 'decline_offer' : 'employer_decline', applicationId: id };
      return go(turn, 'reason');
    }
    case 'offer': {
      const r = await ports.employerMove(id, 'offered');
      say(turn, r.ok ? 'employer.offered' : 'offer.gone', { name: r.name ?? '' });
      return home(turn);
    }
    case 'stillworking':
    case 'ended': {
      // The monthly check-in: g:stillworking:<placement id> / g:ended:<placement id>.
      const ok = await ports.answerCheckin(id, action === 'stillworking');
      say(turn, ok ? (action === 'stillworking' ? 'checkin.thanks' : 'checkin.ended') : 'checkin.gone');
      return home(turn);
    }
    case 'postyes':
    case 'postno': {
      // The sampled post check-in: g:postyes:<check-in id> / g:postno:<check-in id>.
      const ok = await ports.answerPostCheckin(id, action === 'postyes');
      say(turn, ok ? (action === 'postyes' ? 'postcheck.thanks' : 'postcheck.noted') : 'checkin.gone');
      return home(turn);
    }
  }
  return nudge(turn, 'stale');
}
