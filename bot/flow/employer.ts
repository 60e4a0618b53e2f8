// An employer's menu: the applicants waiting on its open openings, each with
// Offer / Decline (the same record-checked buttons as the notice of a new
// applicant), its openings, and closing one after a confirmation.
import { t } from '../texts/index.js';
import { go, home } from './prompts.js';
import { mbtn, rows, say, type Turn } from './turn.js';

/** `e:<action>:<arg>`: valid whenever this chat is an employer's. */
export async function employerAction(turn: Turn, action: string, arg: string): Promise<boolean> {
  const { s, ports } = turn;
  const who = await ports.identity();
  if (!who.employer) return false;
  s.pending = undefined;
  s.step = 'employer_menu';
  switch (action) {
    case 'menu':
      await go(turn, 'employer_menu');
      return true;
    case 'applicants': {
      const list = await ports.employerApplicants();
      if (list.length === 0) {
        say(turn, 'employer.applicantsNone');
        await go(turn, 'employer_menu');
        return true;
      }
      const lines = list.map((a, i) =>
        t(turn.lang, 'employer.applicantLine', {
          n: i + 1,
          title: a.title,
          name: a.name,
          phone: a.phone ?? '',
          state: t(turn.lang, a.state === 'applied' ? 'employer.waitingYou' : 'employer.waitingThem'),
        }),
      );
      const buttons = list.flatMap((a, i) =>
        a.state === 'applied'
          ? [[
              { text: t(turn.lang, 'employer.offerN', { n: i + 1 }), data: `g:offer:${a.applicationId}` },
              { text: t(turn.lang, 'employer.declineN', { n: i + 1 }), data: `g:decline:${a.applicationId}` },
            ]]
          : [],
      );
      buttons.push([mbtn(turn, 'e', 'menu.back', 'menu')]);
      turn.replies.push({ text: `${t(turn.lang, 'employer.applicants')}\n${lines.join('\n')}`, buttons });
      return true;
    }
    case 'openings': {
      const list = await ports.employerOpenings();
      if (list.length === 0) {
        say(turn, 'employer.openingsNone');
        await go(turn, 'employer_menu');
        return true;
      }
      const lines = list.map((o, i) => t(turn.lang, 'employer.opening', { n: i + 1, title: o.title, filled: o.slotsFilled, slots: o.slots }));
      const buttons = rows(list.map((o, i) => mbtn(turn, 'e', 'employer.close', `close:${o.id}`, { n: i + 1 })), 3);
      buttons.push([mbtn(turn, 'e', 'menu.back', 'menu')]);
      turn.replies.push({ text: `${t(turn.lang, 'employer.openings')}\n${lines.join('\n')}`, buttons });
      return true;
    }
    case 'close': {
      const o = (await ports.employerOpenings()).find((x) => x.id === Number(arg));
      if (!o) {
        say(turn, 'work.notOpen');
        await go(turn, 'employer_menu');
        return true;
      }
      s.pending = { kind: 'close', openingId: o.id, title: o.title };
      await go(turn, 'close_confirm');
      return true;
    }
    case 'language':
      await go(turn, 'lang');
      return true;
    case 'help':
      say(turn, 'help.employer');
      await go(turn, 'employer_menu');
      return true;
  }
  return false;
}

export async function employerStepButton(turn: Turn, action: string): Promise<boolean> {
  const { s, ports } = turn;
  if (s.step !== 'close_confirm') return false;
  if (action === 'yes' && s.pending?.kind === 'close') {
    const title = await ports.closeOpening(s.pending.openingId);
    say(turn, title ? 'employer.closed' : 'work.notOpen', { title: title ?? '' });
    await home(turn);
    return true;
  }
  if (action === 'no') {
    await home(turn);
    return true;
  }
  return false;
}
