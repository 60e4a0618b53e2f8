// The console's page frame, form pieces and style: plain HTML that reads on a
// cheap laptop and a phone, with no script and no external file.
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { CCtx } from './context.js';
import type { Messages } from './i18n.js';

const css = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;color:#1d1d1d;background:#f5f6f8}
a{color:#0b5cad}
:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
.skip{position:absolute;left:.5rem;top:-3rem;background:#fff;color:#0b5cad;padding:.4rem .8rem;border-radius:4px;z-index:10}
.skip:focus{top:.4rem}
header{background:#12406b;color:#fff;padding:.4rem 1rem;display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:center}
header a{color:#fff;text-decoration:none;display:inline-block;padding:.2rem 0;min-height:24px}
header a:hover{text-decoration:underline}
header :focus-visible{outline-color:#fff}
header .brand{font-weight:700;margin-right:auto}
header nav{display:flex;flex-wrap:wrap;gap:.1rem .9rem}
header form{display:inline;margin:0}
header button{background:none;border:1px solid #ffffffa0;color:#fff;border-radius:4px;padding:.15rem .6rem;cursor:pointer;font:inherit;min-height:28px}
details.menu{display:none}
details.menu summary{cursor:pointer;padding:.25rem .6rem;border:1px solid #ffffffa0;border-radius:4px;min-height:28px;list-style:none}
details.menu summary::-webkit-details-marker{display:none}
details.menu nav{flex-direction:column;padding:.4rem 0;gap:0}
details.menu nav a{padding:.45rem .2rem;min-height:36px}
main{max-width:1100px;margin:0 auto;padding:1rem}
main:focus{outline:none}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6rem}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6rem .8rem}
.card .n{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
.card .l{font-size:.85rem;color:#444}
.card.warn .n{color:#b3261e}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:.8rem}
.panel{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6rem .8rem}
.panel h2{margin-top:0}
svg.chart{display:block;height:auto}
svg.chart.chart-narrow{display:none}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:.9rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tablewrap{overflow-x:auto;border:1px solid #dde1e6;border-radius:6px}
.tag{display:inline-block;font-size:.8rem;border-radius:3px;padding:0 .35rem;background:#e8edf3;margin:0 .2rem .1rem 0}
.tag.bad{background:#fbe3e1;color:#8c1d18;font-weight:600}
.tag.ok{background:#e1f3e6;color:#17602f}
.tag.busy{background:#fff1d6;color:#6b4200}
form.inline{display:flex;flex-wrap:wrap;gap:.5rem .8rem;align-items:end;margin:.4rem 0 1rem}
form.inline label{display:flex;flex-direction:column;font-size:.85rem}
form.inline label.check{flex-direction:row;align-items:center;gap:.3rem;min-height:32px}
.field{margin:.6rem 0;display:flex;flex-direction:column;max-width:32rem}
.field label,.field .label{font-weight:600;font-size:.9rem}
.hint{font-size:.8rem;color:#555}
.err{color:#b3261e;font-size:.88rem;font-weight:600}
.has-error input,.has-error select{border-color:#b3261e;box-shadow:0 0 0 1px #b3261e}
fieldset{border:1px solid #dde1e6;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem .6rem;background:#fff}
legend{font-weight:600;padding:0 .3rem}
fieldset.group{border:0;padding:0;margin:.6rem 0;background:none}
fieldset.group legend{padding:0;font-size:.9rem}
.checks{display:flex;flex-wrap:wrap;gap:.2rem .9rem}
.checks label{font-weight:400;display:inline-flex;align-items:center;gap:.3rem;min-height:32px}
input[type=checkbox],input[type=radio]{width:24px;height:24px;min-height:0;margin:0;padding:0;accent-color:#12406b}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #767f8a;border-radius:4px;background:#fff;min-height:32px}
button{cursor:pointer}
button.primary{background:#12406b;color:#fff;border-color:#12406b}
button.danger{background:#8c1d18;color:#fff;border-color:#8c1d18}
button.linkish{background:none;border:0;color:#0b5cad;text-decoration:underline;padding:.2rem 0;text-align:left}
.picker-lists,.picker-find{display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:end;margin:.2rem 0}
.picker label{display:flex;flex-direction:column;font-size:.85rem}
.picker .chosen{margin:.3rem 0 0}
.picker .hint,.picker .err{display:block}
.default-submit{position:absolute;width:1px;height:1px;min-height:0;padding:0;margin:-1px;overflow:hidden;clip-path:inset(50%);border:0}
.picker.has-error input[type=search]{border-color:#767f8a;box-shadow:none}
ul.found{margin:.3rem 0;padding-left:1.2rem}
.msg{padding:.5rem .8rem;border-radius:4px;margin:.5rem 0}
.msg.error{background:#fbe3e1;color:#8c1d18}
.msg.ok{background:#e1f3e6;color:#17602f}
.msg.info{background:#e8f0fa;color:#12406b}
.crumbs{font-size:.9rem;margin-bottom:.3rem}
.muted{color:#595959;font-size:.88rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
.facts dt{font-weight:600;color:#444}
.facts dd{margin:0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.6rem 0}
.pager{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin:.6rem 0}
.pager a{display:inline-block;padding:.3rem 0;min-height:24px}
.counter{counter-reset:picks}
.counter input[name=workerIds]:checked{counter-increment:picks}
.counter .picks::before{content:counter(picks)}
td a,li a{display:inline-block;min-height:24px;padding:.1rem 0}
a.tel{white-space:nowrap}
svg.chart text{font-family:inherit}
.notice{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1rem 1.2rem;max-width:60rem;margin:0 auto}
.notice-title{text-align:center}
.notice-sign{text-align:right;margin-top:2rem}
.pickbar{position:sticky;bottom:0;background:#fff;border-top:1px solid #dde1e6;padding:.5rem;margin:0}
@media (max-width:600px){
  main{padding:.6rem}
  header nav.wide{display:none}
  details.menu{display:block;order:5;flex-basis:100%}
  details.menu[open] summary{margin-bottom:.2rem}
  h1{font-size:1.15rem}
  .card .n{font-size:1.3rem}
  svg.chart.chart-wide{display:none}
  svg.chart.chart-narrow{display:block}
  .tablewrap{border:0;overflow:visible}
  .tablewrap table,.tablewrap tbody,.tablewrap tr,.tablewrap td{display:block;width:100%}
  .tablewrap thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
  .tablewrap tr{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:0 0 .6rem;padding:.4rem .6rem}
  .tablewrap td{border:0;padding:.15rem 0;text-align:left}
  .tablewrap td.num{text-align:left}
  .tablewrap td[data-label]::before{content:attr(data-label) "：";font-weight:600;color:#444}
  .tablewrap td:empty{display:none}
  :lang(en) .tablewrap td[data-label]::before{content:attr(data-label) ": "}
  .facts{grid-template-columns:1fr}
  .facts dd{margin-bottom:.3rem}
}
@media print{
  @page{size:A4;margin:16mm 14mm}
  header,form.inline,.noprint,.skip{display:none}
  body{background:#fff;font-size:12pt;color:#000}
  main{max-width:none;padding:0}
  .tablewrap{border:0}
  th,td{border:1px solid #444}
  a{color:#000;text-decoration:none}
  .notice{border:0;padding:0;max-width:none}
  .notice .tablewrap table,.notice .tablewrap tbody,.notice .tablewrap tr{display:revert}
}
`;

export function Page(props: { c: CCtx; title: string; children?: Child; bare?: boolean }) {
  const { c, title } = props;
  const t = c.var.t;
  const session = c.var.session;
  const here = new URL(c.req.url);
  const back = here.pathname + here.search;
  return (
    <>
    {raw('<!DOCTYPE html>')}
    <html lang={t.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · ${t.appName}`}</title>
        <style>{raw(css)}</style>
      </head>
      <body>
        <a class="skip" href="#main">{t.skipToMain}</a>
        <header>
          <a class="brand" href={session ? '/console/overview' : '/console'}>
            {t.appName}
          </a>
          {session && !props.bare ? (
            <>
              <nav class="wide" aria-label={t.menu}>
                <NavLinks t={t} />
              </nav>
              <details class="menu">
                <summary>{t.menu}</summary>
                <nav aria-label={t.menu}>
                  <NavLinks t={t} />
                </nav>
              </details>
            </>
          ) : null}
          <a href={`/console/lang?to=${c.var.lang === 'zh' ? 'en' : 'zh'}&back=${encodeURIComponent(back)}`} lang={c.var.lang === 'zh' ? 'en' : 'zh-CN'}>
            {t.switchTo}
          </a>
          {session && !props.bare ? (
            <form method="post" action="/console/logout">
              <Csrf c={c} />
              <button type="submit">{t.signOut}</button>
            </form>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
    </>
  );
}

function NavLinks(props: { t: Messages }) {
  const t = props.t;
  return (
    <>
      <a href="/console/overview">{t.nav.overview}</a>
      <a href="/console/worklists/zero-employment">{t.nav.worklists}</a>
      <a href="/console/worklists/stalled">{t.nav.stalled}</a>
      <a href="/console/openings">{t.nav.openings}</a>
      <a href="/console/workers">{t.nav.workers}</a>
      <a href="/console/households">{t.nav.households}</a>
      <a href="/console/employers">{t.nav.employers}</a>
    </>
  );
}

/**
 * A form whose area picker has its own submit buttons ("choose", "find")
 * starts with this one, out of sight and out of the Tab order, so Enter in a
 * text field saves the form (the browser's default button is the first).
 */
export function DefaultSubmit() {
  return <button type="submit" class="default-submit" tabindex={-1} aria-hidden="true" />;
}

/** A phone number as a tap-to-call link. */
export const telHref = (phone: string) => `tel:${phone.replace(/[\s-]/g, '')}`;

export function Tel(props: { phone: string | null | undefined }) {
  return props.phone ? (
    <a class="tel" href={telHref(props.phone)}>
      {props.phone}
    </a>
  ) : null;
}

export function Csrf(props: { c: CCtx }) {
  return <input type="hidden" name="_csrf" value={props.c.var.session?.csrf ?? ''} />;
}

export type FieldErrors = Record<string, string>;

/** The attributes that tie an input to its label, hint and error (aria-invalid, aria-describedby). */
export function fa(name: string, errors?: FieldErrors, hint?: boolean) {
  const err = errors?.[name];
  const described = [err ? `err-${name}` : null, hint ? `hint-${name}` : null].filter(Boolean).join(' ');
  return {
    id: `f-${name}`,
    name,
    'aria-invalid': err ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
}

/** A labelled form field with its error right under it. */
export function Field(props: { label: string; name: string; errors?: FieldErrors; hint?: string; children: Child }) {
  const err = props.errors?.[props.name];
  return (
    <div class={err ? 'field has-error' : 'field'} data-field={props.name}>
      <label for={`f-${props.name}`}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <span class="hint" id={`hint-${props.name}`}>
          {props.hint}
        </span>
      ) : null}
      {err ? (
        <span class="err" id={`err-${props.name}`}>
          {err}
        </span>
      ) : null}
    </div>
  );
}

/** A group of checkboxes or radios: a fieldset whose legend names it, its error linked. */
export function Group(props: { legend: string; name: string; errors?: FieldErrors; children: Child }) {
  const err = props.errors?.[props.name];
  return (
    <fieldset class={err ? 'group has-error' : 'group'} data-field={props.name} id={`f-${props.name}`} aria-describedby={err ? `err-${props.name}` : undefined}>
      <legend>{props.legend}</legend>
      <div class="checks">{props.children}</div>
      {err ? (
        <span class="err" id={`err-${props.name}`}>
          {err}
        </span>
      ) : null}
    </fieldset>
  );
}

export function Select(props: { name: string; value: string | undefined; options: Record<string, string>; errors?: FieldErrors }) {
  return (
    <select {...fa(props.name, props.errors)}>
      {Object.entries(props.options).map(([v, label]) => (
        <option value={v} selected={v === props.value}>
          {label}
        </option>
      ))}
    </select>
  );
}

export function Tags(props: { items: Array<{ text: string; cls?: string }> }) {
  return (
    <>
      {props.items.map((i) => (
        <span class={i.cls ? `tag ${i.cls}` : 'tag'}>{i.text}</span>
      ))}
    </>
  );
}

/** The label a field's error is listed under in the summary on top of a form. */
function fieldLabel(t: Messages, name: string): string {
  const labels: Record<string, string> = {
    name: t.personName,
    phone: t.phone,
    home: t.homePoint,
    areaCode: t.area,
    careFor: t.careFor,
    skills: t.skills,
    householdId: t.household,
    title: t.title,
    employerId: t.employer,
    slots: t.slots,
    wageAmount: t.wage,
    startDate: t.startDate,
    closingDate: t.closingDate,
    placeArea: t.workPlace,
    type: t.placementType,
    contractMonths: t.contractMonths,
    point: t.placePoint,
    token: t.token,
  };
  if (/^end\d+Date$/.test(name)) return t.endDate;
  return labels[name] ?? name;
}

/**
 * On top of a form: what went wrong, each field's message linked to the
 * field (the message also sits next to the field itself).
 */
export function FormErrors(props: { t: Messages; errors?: FieldErrors; general?: string | null }) {
  const { t } = props;
  const entries = Object.entries(props.errors ?? {});
  if (!props.general && entries.length === 0) return null;
  return (
    <div class="msg error" role="alert">
      <p style="margin:0">{props.general ?? t.formHasErrors}</p>
      {entries.length ? (
        <ul class="error-list" style="margin:.2rem 0 0;padding-left:1.2rem">
          {entries.map(([name, message]) => (
            <li>
              <a href={`#f-${name}`}>
                {fieldLabel(t, name)}
                {t.colon}
                {message}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
