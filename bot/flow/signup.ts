// Signing up and changing one's facts later: the steps from the name to the
// distance, each with a way back; "continue or start over?" when a sign-up
// half done is interrupted; linking a record staff made, by code, once the
// person says 同意.
import type { Availability, CareFor } from '../../db/schema.js';
import { occupations } from '../../src/domain/occupations.js';
import { t } from '../texts/index.js';
import { areaMenuParent, go, home, nudge, prompt, summary, menuButtons, toggleButtons } from './prompts.js';
import { CARE, DISTANCES, GROUPS, HOURS, inSignup, nextStep, previousStep } from './steps.js';
import { say, type Turn } from './turn.js';
import type { EditGroup, Input } from './types.js';

/** A sign-up or edit step is complete: on to the next, or register, or save the edit. */
export async function advance(turn: Turn) {
  const { s, ports } = turn;
  s.page = 0;
  const next = nextStep(s);
  if (next) return go(turn, next);
  if (s.editing) {
    const saved = await ports.updateProfile(s.draft, s.editing);
    s.editing = null;
    say(turn, saved ? 'profile.saved' : 'profile.askStaff', {}, s.step === 'phone' || s.step === 'location' ? { removeKeyboard: true } : {});
    s.step = 'menu'; // the keyboard went with the message above
    return go(turn, 'menu');
  }
  await ports.register(s.draft);
  // The summary and the menu in one message: every fact can be changed from 改资料.
  const text = t(turn.lang, 'registered', { summary: summary(turn) });
  s.draft = {};
  s.step = 'menu';
  turn.replies.push({ text, buttons: await menuButtons(turn) });
}

export async function back(turn: Turn) {
  const { s } = turn;
  s.page = 0;
  switch (s.step) {
    case 'code':
    case 'code_confirm':
      s.link = undefined;
      return go(turn, 'intro');
    case 'lang':
    case 'resume':
      return s.resume ? go(turn, 'resume') : home(turn);
    // "I found work" steps back one question at a time.
    case 'found_where':
      return go(turn, 'found_type');
    case 'found_county':
    case 'found_province':
    case 'found_since':
      return go(turn, 'found_where');
    case 'found_month':
      return go(turn, 'found_since');
  }
  if (s.editing || inSignup(s)) {
    const prev = previousStep(s);
    if (prev) return go(turn, prev);
    if (s.editing) {
      s.editing = null;
      return go(turn, 'profile');
    }
    return go(turn, 'intro');
  }
  return home(turn);
}

/** Asks "continue or start over?" when a half-done sign-up would otherwise be lost; false when there is none. */
export async function offerResume(turn: Turn): Promise<boolean> {
  const { s } = turn;
  if (!inSignup(s) && !(s.step === 'lang' && s.resume)) return false;
  if (s.step !== 'lang') s.resume = s.step;
  await go(turn, 'resume');
  return true;
}

export async function signupButton(turn: Turn, action: string, arg: string): Promise<boolean> {
  const { s, ports } = turn;
  switch (s.step) {
    case 'lang':
      if (action === 'set' && (arg === 'zh' || arg === 'en')) {
        s.lang = arg;
        turn.lang = arg;
        say(turn, 'lang.changed');
        if (s.resume) {
          await go(turn, 'resume');
          return true;
        }
        await home(turn);
        return true;
      }
      return false;
    case 'intro':
      if (action === 'agree') {
        s.draft = {};
        s.resume = undefined;
        await go(turn, 'name');
        return true;
      }
      if (action === 'code') {
        await go(turn, 'code');
        return true;
      }
      if (action === 'lang' && (arg === 'zh' || arg === 'en')) {
        s.lang = arg;
        turn.lang = arg;
        await prompt(turn);
        return true;
      }
      if (action === 'decline') {
        s.draft = {};
        say(turn, 'intro.declined');
        return true;
      }
      return false;
    case 'resume':
      if (action === 'continue' && s.resume) {
        const to = s.resume;
        s.resume = undefined;
        await go(turn, to);
        return true;
      }
      if (action === 'restart' || action === 'continue') {
        s.resume = undefined;
        s.draft = {};
        await go(turn, 'name');
        return true;
      }
      return false;
    case 'code_confirm':
      if (action === 'agree' && s.link) return linkNow(turn).then(() => true);
      if (action === 'refuse') {
        s.link = undefined;
        say(turn, 'code.refused');
        await home(turn);
        return true;
      }
      return false;
    case 'phone':
    case 'location':
      if (action === 'skip') {
        if (s.step === 'phone') s.draft.phone = null;
        else s.draft.location = s.editing ? (s.draft.location ?? null) : null;
        await advance(turn);
        return true;
      }
      return false;
    case 'county':
    case 'township':
    case 'village':
      if (action === 'more') {
        s.page += 1;
        await prompt(turn);
        return true;
      }
      if (action === 'area') {
        const parent = areaMenuParent(turn);
        const area = parent ? (await ports.areas(parent)).find((a) => a.code === arg) : undefined;
        if (!area) return false;
        if (s.step === 'county') {
          if (s.draft.county?.code !== area.code) s.draft.township = s.draft.village = undefined;
          s.draft.county = area;
        }
        if (s.step === 'township') {
          if (s.draft.township?.code !== area.code) s.draft.village = undefined;
          s.draft.township = area;
        }
        if (s.step === 'village') s.draft.village = area;
        await advance(turn);
        return true;
      }
      return false;
    case 'leave_home':
      if (action === 'pick') {
        if (arg === 'private') {
          // No family facts kept at all: the sensitive consent is not given.
          s.draft.sensitive = false;
          s.draft.cannotLeaveHome = false;
          s.draft.careFor = [];
        } else if (arg === 'can') {
          s.draft.sensitive = true;
          s.draft.cannotLeaveHome = false;
          s.draft.careFor = [];
        } else if ((CARE as string[]).includes(arg)) {
          s.draft.sensitive = true;
          s.draft.cannotLeaveHome = true;
          // Editing keeps whom else they care for; the next step adds more.
          const kept = s.editing ? (s.draft.careFor ?? []) : [];
          s.draft.careFor = CARE.filter((c) => c === arg || kept.includes(c)) as CareFor[];
        } else {
          return false;
        }
        await advance(turn);
        return true;
      }
      return false;
    case 'care_for':
    case 'skills': {
      const key = s.step === 'care_for' ? 'careFor' : 'skills';
      const valid = s.step === 'care_for' ? (CARE as string[]) : occupations.map((o) => o.code);
      if (action === 'toggle' && valid.includes(arg)) {
        const set = new Set<string>(s.draft[key] ?? []);
        if (set.has(arg)) set.delete(arg);
        else set.add(arg);
        (s.draft as Record<string, unknown>)[key] = valid.filter((v) => set.has(v));
        // The keyboard the tap came from shows the tick: no new message.
        const text = t(turn.lang, s.step === 'care_for' ? 'careFor.ask' : 'skills.ask');
        turn.replies.push({ text, buttons: toggleButtons(turn), edit: true });
        return true;
      }
      if (action === 'done') {
        if (s.step === 'care_for' && (s.draft.careFor ?? []).length === 0) {
          await nudge(turn, 'careFor.none');
          return true;
        }
        await advance(turn);
        return true;
      }
      return false;
    }
    case 'hours':
      if (action === 'pick' && (HOURS as string[]).includes(arg)) {
        s.draft.hours = arg as Availability;
        await advance(turn);
        return true;
      }
      return false;
    case 'distance':
      if (action === 'pick' && DISTANCES.includes(Number(arg))) {
        s.draft.distance = Number(arg);
        await advance(turn);
        return true;
      }
      return false;
    case 'profile':
      if (action === 'edit' && arg in GROUPS) {
        const me = (await ports.identity()).worker;
        if (!me) {
          await home(turn);
          return true;
        }
        s.draft = structuredClone(me.draft);
        s.editing = arg as EditGroup;
        s.page = 0;
        await go(turn, GROUPS[s.editing][0]!);
        return true;
      }
      return false;
  }
  return false;
}

/** Full-width digits and the separators people type, then a mainland mobile number (+86 allowed). */
export function mobileNumber(text: string): string | null {
  const ascii = text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  const digits = ascii.replace(/[\s\-－—()（）.]/g, '').replace(/^(\+|00)?86(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

/** Typed text, a shared contact or a location at a sign-up step; false when it is not for this step. */
export async function signupTyped(turn: Turn, input: Exclude<Input, { type: 'command' } | { type: 'button' }>): Promise<boolean> {
  const { s, ports } = turn;
  if (input.type === 'text' && (s.step === 'phone' || s.step === 'location')) {
    // The keyboard of these steps sends its buttons' labels as text.
    const label = input.text.trim();
    if (label === t(turn.lang, 'skip')) return signupButton(turn, 'skip', '');
    if (label === t(turn.lang, 'back')) return back(turn).then(() => true);
  }
  if (input.type === 'text' && s.step === 'name') {
    const name = input.text.trim().replace(/\s+/g, ' ');
    if (name.length < 1 || name.length > 50 || name.startsWith('/')) {
      await nudge(turn, 'name.bad');
      return true;
    }
    s.draft.name = name;
    await advance(turn);
    return true;
  }
  if (s.step === 'phone' && (input.type === 'contact' || input.type === 'text')) {
    if (input.type === 'contact') {
      if (!input.own) {
        await nudge(turn, 'phone.notOwn');
        return true;
      }
      s.draft.phone = input.phone.replace(/[^\d+]/g, '').slice(0, 20);
    } else {
      const phone = mobileNumber(input.text);
      if (!phone) {
        await nudge(turn, 'phone.bad');
        return true;
      }
      s.draft.phone = phone;
    }
    await advance(turn);
    return true;
  }
  if (input.type === 'location' && (s.step === 'location' || s.step === 'menu')) {
    // Mainland China, roughly: anything else is a mistake worth a second try.
    if (input.lat < 18 || input.lat > 54 || input.lon < 73 || input.lon > 135) {
      await nudge(turn, 'location.far');
      return true;
    }
    const point = { lat: Math.round(input.lat * 1e5) / 1e5, lon: Math.round(input.lon * 1e5) / 1e5 };
    if (s.step === 'menu') {
      // A location sent from the menu is the home's: kept without a detour.
      const me = (await ports.identity()).worker;
      if (!me) return false;
      await ports.updateProfile({ ...me.draft, location: point }, 'home');
      say(turn, 'location.saved');
      await go(turn, 'menu');
      return true;
    }
    s.draft.location = point;
    await advance(turn);
    return true;
  }
  if (input.type === 'text' && s.step === 'code') {
    await codeTyped(turn, input.text);
    return true;
  }
  return false;
}

async function codeTyped(turn: Turn, text: string) {
  const { s, ports } = turn;
  if (s.codeLockedUntil && s.codeLockedUntil > new Date().toISOString()) {
    await nudge(turn, 'code.locked');
    return;
  }
  const code = text.replace(/[\s-]/g, '').replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  const found = /^\d{8}$/.test(code) ? await ports.peekLink(code) : null;
  if (!found) {
    s.codeTries += 1;
    if (s.codeTries >= 5) {
      s.codeTries = 0;
      s.codeLockedUntil = new Date(Date.now() + 3_600_000).toISOString();
      await nudge(turn, 'code.locked');
      return;
    }
    await nudge(turn, 'code.wrong');
    return;
  }
  s.codeTries = 0;
  // Nothing is linked until the person says 同意.
  s.link = { code, ...found };
  await go(turn, 'code_confirm');
}

async function linkNow(turn: Turn) {
  const { s, ports } = turn;
  const linked = await ports.link(s.link!.code);
  s.link = undefined;
  if (!linked) {
    say(turn, 'code.wrong');
    await go(turn, 'code');
    return;
  }
  if (linked.kind === 'staff') {
    // A staff member's chat only receives notices: there is no menu to show.
    say(turn, 'code.linkedStaff', { name: linked.name });
    s.step = 'intro';
    return;
  }
  say(turn, linked.kind === 'worker' ? 'code.linkedWorker' : 'code.linkedEmployer', { name: linked.name });
  await home(turn);
}
