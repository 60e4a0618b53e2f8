// The conversation's data: what comes in (Input), what goes out (Reply), what
// is kept between messages (Session) and what it asks of the service (Ports).
// Nothing here knows a messenger.
import type { Ineligibility } from '../../src/domain/eligibility.js';
import type { Reason } from '../../src/domain/matching.js';
import type { Availability, CareFor, placementTypes } from '../../db/schema.js';
import type { Lang } from '../texts/index.js';

export type PlacementType = (typeof placementTypes)[number];

/** What the person sent that is not text: met with one short answer and the current buttons. */
export type Unsupported = 'voice' | 'sticker' | 'photo' | 'other';

export type Input =
  | { type: 'command'; name: string }
  | { type: 'text'; text: string }
  | { type: 'button'; data: string }
  | { type: 'contact'; phone: string; own: boolean }
  | { type: 'location'; lat: number; lon: number }
  | { type: 'unsupported'; kind?: Unsupported };

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
  /**
   * Put these buttons on the message whose button was pressed instead of
   * sending a new message (a toggle). A channel that cannot edit sends it.
   */
  edit?: boolean;
}

export type Step =
  | 'lang'
  | 'intro'
  | 'code'
  | 'code_confirm'
  | 'resume'
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
  | 'menu'
  | 'profile'
  | 'found_type'
  | 'found_where'
  | 'found_county'
  | 'found_province'
  | 'found_since'
  | 'found_month'
  | 'reason'
  | 'delete'
  | 'employer_menu'
  | 'close_confirm';

export const STEPS: readonly Step[] = [
  'lang', 'intro', 'code', 'code_confirm', 'resume', 'name', 'phone', 'county', 'township', 'village', 'location',
  'leave_home', 'care_for', 'skills', 'hours', 'distance', 'menu', 'profile', 'found_type', 'found_where',
  'found_county', 'found_province', 'found_since', 'found_month', 'reason', 'delete', 'employer_menu', 'close_confirm',
];

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

export type EditGroup = 'name' | 'phone' | 'village' | 'home' | 'care' | 'skills' | 'hours' | 'distance';

export type Pending =
  | { kind: 'withdraw' | 'decline_offer' | 'employer_decline'; applicationId: number }
  | { kind: 'close'; openingId: number; title: string };

export interface Session {
  lang: Lang | null;
  step: Step;
  draft: Draft;
  /** Editing one group of fields of a registered profile. */
  editing: EditGroup | null;
  page: number;
  /** What a reason or a confirmation being asked for is for. */
  pending?: Pending;
  found?: { type?: PlacementType; areaCode?: string };
  /** The sign-up step to go on with after "continue or start over?". */
  resume?: Step;
  /** A valid link code waiting for the person's 同意, and whose record it is. */
  link?: { code: string; kind: LinkKind; name: string };
  codeTries: number;
  codeLockedUntil?: string;
}

export const newSession = (): Session => ({
  lang: null,
  step: 'intro',
  draft: {},
  editing: null,
  page: 0,
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

export type ApplicationState = 'suggested' | 'applied' | 'offered' | 'hired' | 'declined' | 'withdrawn' | 'expired';

export interface ApplicationView {
  id: number;
  openingId: number;
  title: string;
  state: ApplicationState;
  /** The opening still takes people. */
  openingOpen: boolean;
}

export interface ApplicantView {
  applicationId: number;
  title: string;
  name: string;
  phone: string | null;
  state: 'applied' | 'offered';
}

export type EndingReason = 'not_reachable' | 'not_mobile' | 'hours_do_not_fit' | 'wage' | 'chose_other' | 'not_eligible' | 'other';

export type ApplyResult =
  | { ok: true; title: string }
  | { ok: false; why: 'not_open' | 'already' }
  /** `reasons`: the rule's coded reasons (domain/eligibility.ts), each a text of the catalogue. */
  | { ok: false; why: 'not_eligible'; reasons: Ineligibility[] };

export type LinkKind = 'worker' | 'employer' | 'staff';

export interface Ports {
  today(): string;
  homePrefecture: string;
  identity(): Promise<{ worker: WorkerSummary | null; employer: { id: number; name: string } | null }>;
  areas(parent: string): Promise<Array<{ code: string; name: string }>>;
  register(draft: Draft): Promise<void>;
  /** Whose record a link code is for, without using it. */
  peekLink(code: string): Promise<{ kind: LinkKind; name: string } | null>;
  link(code: string): Promise<{ kind: LinkKind; name: string } | null>;
  matches(limit: number): Promise<MatchView[]>;
  apply(openingId: number): Promise<ApplyResult>;
  applications(): Promise<ApplicationView[]>;
  /** The worker's own move: withdraw, accept or decline an offer. False when the application is no longer where the button expects. */
  moveOwn(applicationId: number, to: 'withdrawn' | 'hired' | 'declined', reason?: EndingReason): Promise<{ ok: boolean; title?: string }>;
  recordWork(input: { type: PlacementType; areaCode: string; startDate: string }): Promise<void>;
  setAlerts(on: boolean): Promise<void>;
  /** False when the change is for staff to make (the village of a household staff confirmed). */
  updateProfile(draft: Draft, group: EditGroup): Promise<boolean>;
  erase(): Promise<boolean>;
  employerOpenings(): Promise<Array<{ id: number; title: string; slots: number; slotsFilled: number }>>;
  /** Applicants waiting on the employer's open openings (applied or offered). */
  employerApplicants(): Promise<ApplicantView[]>;
  closeOpening(id: number): Promise<string | null>;
  /** The employer's move on an applicant. */
  employerMove(applicationId: number, to: 'offered' | 'declined', reason?: EndingReason): Promise<{ ok: boolean; name?: string }>;
  /** The worker's answer to the monthly check-in on their own placement. False when it no longer applies. */
  answerCheckin(placementId: number, stillWorking: boolean): Promise<boolean>;
  /** The holder's answer to the sampled post check-in (这个月您在做…吗). False when it no longer applies. */
  answerPostCheckin(checkinId: number, doingIt: boolean): Promise<boolean>;
}
