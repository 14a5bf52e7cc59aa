/**
 * The page shell every meshwatch page shares (status page, product pages,
 * the static report, and later the accountability page): head with inline
 * CSS (no build step, no external assets, so a static report is one file),
 * optional self-refresh, top bar. Pure: data in, string out.
 */
import { html, raw, type Html, type HtmlValue } from '../html.js';

export interface ShellOptions {
  readonly title: string;
  /** `<meta http-equiv="refresh">`: the page reloads itself without JavaScript. */
  readonly refreshSeconds?: number | undefined;
  /** Top-bar items on the right (sign-in state, links). */
  readonly bar?: HtmlValue;
  /** Navigation links; absent in a static report. */
  readonly nav?: ReadonlyArray<{ readonly href: string; readonly label: string; readonly current?: boolean }> | undefined;
  readonly footer?: HtmlValue;
}

const CSS = raw(`
:root{--bg:#f6f7f9;--card:#fff;--ink:#1c2430;--muted:#5b6675;--line:#dde2e8;--fail:#b42318;--fail-bg:#fde8e6;--warn:#8a5300;--warn-bg:#fff2d6;--error:#5b3fa8;--error-bg:#eee8fb;--pass:#1d6b3a;--pass-bg:#e3f4e8;--unknown:#5b6675;--unknown-bg:#eceff3;--link:#1f5fbf}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
header.bar{display:flex;align-items:center;gap:18px;padding:10px 24px;background:#1c2430;color:#fff}
header.bar .brand{font-weight:700;font-size:16px;letter-spacing:.2px;color:#fff}
header.bar nav a{color:#c9d3e0;margin-right:14px}header.bar nav a.current{color:#fff;font-weight:600}
header.bar .right{margin-left:auto;display:flex;gap:12px;align-items:center;color:#c9d3e0}
header.bar .right a{color:#fff}header.bar .right button{color:#fff;background:transparent;border-color:#6b7888}
main{max-width:1280px;margin:0 auto;padding:18px 24px 40px}
h1{font-size:22px;margin:6px 0 4px}h2{font-size:17px;margin:26px 0 10px}h3{font-size:15px;margin:14px 0 6px}
.muted{color:var(--muted)}.small{font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .big{font-size:24px;font-weight:700}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0}.card dt{color:var(--muted)}.card dd{margin:0}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted)}
tr:last-child td{border-bottom:0}
.badge{display:inline-flex;align-items:center;gap:4px;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;border:1px solid transparent}
.badge .icon{font-weight:800}
.s-fail{color:var(--fail);background:var(--fail-bg);border-color:#f3b8b1}
.s-warn{color:var(--warn);background:var(--warn-bg);border-color:#f0d08a}
.s-error{color:var(--error);background:var(--error-bg);border-color:#cfc0f0}
.s-pass{color:var(--pass);background:var(--pass-bg);border-color:#b2dcc0}
.s-unknown{color:var(--unknown);background:var(--unknown-bg);border-color:#d3d9e0}
.tier{font-size:11px;padding:0 6px;border-radius:4px;border:1px solid var(--line);color:var(--muted);text-transform:uppercase;letter-spacing:.4px}
.group{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--fail);border-radius:8px;padding:12px 14px;margin-bottom:14px}
.group h3{margin-top:0}
.radius{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}
.unit{border:1px solid var(--line);border-radius:6px;padding:6px 10px;background:#fafbfc;min-width:200px;font-size:13.5px}
.unit b{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted)}
.unit ul{margin:2px 0 0;padding-left:16px}
td.nowrap,.actions{white-space:nowrap}
form.inline{display:inline-flex;gap:6px;align-items:center;margin:0 6px 0 0}
button,select,input{font:inherit;font-size:13px}
button{padding:3px 10px;border:1px solid #b7c0cc;border-radius:5px;background:#fff;cursor:pointer}
button.primary{background:#1f5fbf;border-color:#1f5fbf;color:#fff}
input[type=text],input[type=password]{padding:3px 7px;border:1px solid #b7c0cc;border-radius:5px}
.filters{display:flex;gap:10px;align-items:end;flex-wrap:wrap;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin-bottom:12px}
.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
.domain-head td{background:#f3f5f8;font-weight:600}
.timeline{display:flex;gap:3px;flex-wrap:wrap;margin:6px 0}
.tick{width:22px;height:22px;border-radius:4px;display:inline-flex;align-items:center;justify-content:center;font-size:12px;font-weight:800}
.lineage{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px;overflow-x:auto}
.notice{background:#fff8e6;border:1px solid #f0d08a;border-radius:6px;padding:8px 12px;margin:10px 0}
.error-box{background:var(--fail-bg);border:1px solid #f3b8b1;border-radius:6px;padding:8px 12px;margin:10px 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
footer{margin-top:30px;color:var(--muted);font-size:12px}
td.num{text-align:right;white-space:nowrap}.nowrap{white-space:nowrap}
.trend.worse{color:var(--fail)}.trend.better{color:var(--pass)}
table.matrix td{min-width:110px}table.matrix th[scope=row]{background:#f3f5f8;text-transform:none;font-size:13px;color:var(--ink)}
.heat-1{background:#fff4f2}.heat-2{background:#fde1dc}.heat-3{background:#f9c6bd}.heat-4{background:#f2a293}
td.own{outline:1px dashed #b7c0cc;outline-offset:-3px}
ul.owners{margin:0;padding-left:16px}
.tier-why{font-style:italic}
`);

export function page(options: ShellOptions, body: HtmlValue): string {
  const nav = options.nav
    ? html`<nav>${options.nav.map((n) => html`<a href="${n.href}"${n.current ? raw(' class="current" aria-current="page"') : ''}>${n.label}</a>`)}</nav>`
    : '';
  const doc: Html = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title}</title>
<style>${CSS}</style>
</head>
<body>
<header class="bar"><span class="brand">meshwatch</span>${nav}<span class="right">${options.bar}</span></header>
<main>
${body}
${options.footer ? html`<footer>${options.footer}</footer>` : ''}
</main>
</body>
</html>
`;
  return doc.value;
}
