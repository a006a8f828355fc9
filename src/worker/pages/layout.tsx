import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

const CSS = `
:root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#1f77b4}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header.site,main,footer{max-width:980px;margin:0 auto;padding:0 20px}
header.site{display:flex;gap:18px;align-items:baseline;padding-top:14px;padding-bottom:10px;border-bottom:1px solid var(--line)}
header.site a.brand{font-weight:700;font-size:18px;color:var(--fg);text-decoration:none}
a{color:var(--accent)}
h1{font-size:24px;margin:22px 0 6px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.lede{color:var(--muted);margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left;overflow-wrap:anywhere;min-width:9em}
th{background:#f6f8fa}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px;align-items:start}
.chart+table{margin-top:12px}
@media (max-width:760px){.side{grid-template-columns:1fr}}
.chart{display:block;max-width:100%;height:auto;font-size:12px}
.chart .label{fill:var(--fg)}.chart .value,.chart .tick{fill:var(--muted)}
.chart .grid line{stroke:#eaeef2}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-all}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;border-radius:4px}
code{padding:1px 4px}pre{padding:10px 12px;overflow-x:auto}
ul.downloads{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}
ul.downloads a{display:inline-block;border:1px solid var(--line);border-radius:6px;padding:4px 10px;text-decoration:none}
.warning{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:8px 0}
form.budget,form.fields{display:flex;flex-wrap:wrap;gap:10px;align-items:end}
form.budget label,form.fields label{display:flex;flex-direction:column;font-size:13px;color:var(--muted)}
form.fields .warning{flex-basis:100%}
code.secret{word-break:break-all}
footer{color:var(--muted);font-size:13px;margin-top:40px;padding-bottom:30px;border-top:1px solid var(--line);padding-top:10px}
`;

export interface PageMeta {
  title: string;
  description: string;
  /** Absolute URL of the page, for Open Graph. */
  url?: string;
}

/** HTML document shell: meta tags, inline CSS, header and footer. No scripts, fonts or external requests. */
export function Layout(props: { meta: PageMeta; children?: Child }) {
  const { title, description, url } = props.meta;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <meta name="description" content={description} />
        <meta property="og:type" content="website" />
        <meta property="og:site_name" content="madmix" />
        <meta property="og:title" content={title} />
        <meta property="og:description" content={description} />
        {url && <meta property="og:url" content={url} />}
        {url && <link rel="canonical" href={url} />}
        <meta name="twitter:card" content="summary" />
        <meta name="twitter:title" content={title} />
        <meta name="twitter:description" content={description} />
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header class="site">
          <a class="brand" href="/">madmix</a>
          <a href="/docs">API docs</a>
          <a href="/openapi.json">OpenAPI</a>
        </header>
        <main>{props.children}</main>
        <footer>madmix computes data mixtures for vision-language model training from per-domain embedding statistics.</footer>
      </body>
    </html>
  );
}

/** Renders a page element to a full HTML document string. */
export function renderDocument(node: { toString(): string | Promise<string> }): Promise<string> {
  return Promise.resolve(node.toString()).then((html) => '<!doctype html>' + html);
}
