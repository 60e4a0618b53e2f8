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
header{background:#12406b;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header a{color:#fff;text-decoration:none}
header .brand{font-weight:700;margin-right:auto}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
header form{display:inline;margin:0}
header button{background:none;border:1px solid #fff8;color:#fff;border-radius:4px;padding:.15rem .6rem;cursor:pointer;font:inherit}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6rem}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6rem .8rem}
.card .n{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
.card .l{font-size:.85rem;color:#444}
.card.warn .n{color:#b3261e}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:.8rem}
.panel{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6rem .8rem;overflow-x:auto}
.panel h2{margin-top:0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:.9rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tablewrap{overflow-x:auto;border:1px solid #dde1e6;border-radius:6px}
.tag{display:inline-block;font-size:.78rem;border-radius:3px;padding:0 .35rem;background:#e8edf3;margin:0 .2rem .1rem 0}
.tag.bad{background:#fbe3e1;color:#8c1d18;font-weight:600}
.tag.ok{background:#e1f3e6;color:#17602f}
form.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.4rem 0 1rem}
form.inline label{display:flex;flex-direction:column;font-size:.85rem}
.field{margin:.6rem 0;display:flex;flex-direction:column;max-width:32rem}
.field label{font-weight:600;font-size:.9rem}
.field .hint{font-size:.8rem;color:#555}
.field .err{color:#b3261e;font-size:.88rem}
.field.has-error input,.field.has-error select{border-color:#b3261e;outline:1px solid #b3261e}
.checks{display:flex;flex-wrap:wrap;gap:.2rem .9rem}
.checks label{font-weight:400}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #aab2bd;border-radius:4px;background:#fff}
button.primary{background:#12406b;color:#fff;border-color:#12406b;cursor:pointer}
button.secondary{cursor:pointer}
.msg{padding:.5rem .8rem;border-radius:4px;margin:.5rem 0}
.msg.error{background:#fbe3e1;color:#8c1d18}
.msg.ok{background:#e1f3e6;color:#17602f}
.crumbs{font-size:.9rem;margin-bottom:.3rem}
.muted{color:#666;font-size:.88rem}
svg.chart text{font-family:inherit}
@media (max-width:600px){main{padding:.6rem}.tablewrap table{min-width:560px}th{white-space:nowrap}h1{font-size:1.15rem}.card .n{font-size:1.3rem}th,td{padding:.3rem}}
@media print{header,form.inline,.noprint{display:none}body{background:#fff}}
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
        <header>
          <a class="brand" href={session ? '/console/overview' : '/console'}>
            {t.appName}
          </a>
          {session && !props.bare ? (
            <nav>
              <a href="/console/overview">{t.nav.overview}</a>
              <a href="/console/worklists/zero-employment">{t.nav.worklists}</a>
              <a href="/console/worklists/stalled">{t.nav.stalled}</a>
              <a href="/console/openings">{t.nav.openings}</a>
              <a href="/console/workers">{t.nav.workers}</a>
              <a href="/console/households">{t.nav.households}</a>
              <a href="/console/employers">{t.nav.employers}</a>
            </nav>
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
        <main>{props.children}</main>
      </body>
    </html>
    </>
  );
}

export function Csrf(props: { c: CCtx }) {
  return <input type="hidden" name="_csrf" value={props.c.var.session?.csrf ?? ''} />;
}

export type FieldErrors = Record<string, string>;

/** A labelled form field with its error right under it. */
export function Field(props: { label: string; name: string; errors?: FieldErrors; hint?: string; children: Child }) {
  const err = props.errors?.[props.name];
  return (
    <div class={err ? 'field has-error' : 'field'} data-field={props.name}>
      <label for={`f-${props.name}`}>{props.label}</label>
      {props.children}
      {props.hint ? <span class="hint">{props.hint}</span> : null}
      {err ? (
        <span class="err" id={`err-${props.name}`} role="alert">
          {err}
        </span>
      ) : null}
    </div>
  );
}

export function Select(props: { name: string; value: string | undefined; options: Record<string, string> }) {
  return (
    <select id={`f-${props.name}`} name={props.name}>
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

export function FormErrors(props: { t: Messages; errors?: FieldErrors; general?: string | null }) {
  if (props.general) return <p class="msg error" role="alert">{props.general}</p>;
  if (props.errors && Object.keys(props.errors).length > 0) return <p class="msg error" role="alert">{props.t.formHasErrors}</p>;
  return null;
}
