// The explain report as data (sections of text, figures and tables) and as one self-contained
// HTML page: inline CSS, no scripts, images referenced by relative file name, so the page works
// offline from the file system. Platform-neutral: the demo page can render the same sections.

export interface ReportFigure {
  /** File name of the PNG, relative to the page. */
  file: string;
  /** What the picture shows, with the numbers that decided it. */
  caption: string;
  /** Display width in CSS pixels (default: the picture's own, up to the column). */
  width?: number;
}

export interface ReportTable {
  caption?: string;
  header: string[];
  rows: (string | number)[][];
  /** Columns (by index) to right-align: numbers. */
  numeric?: number[];
}

export interface ReportSection {
  id: string;
  title: string;
  /** Paragraphs of plain text. */
  text?: string[];
  figures?: ReportFigure[];
  tables?: ReportTable[];
  /** Figures shown as a grid of small pictures (e.g. one per keypoint). */
  gallery?: ReportFigure[];
}

export interface Report {
  title: string;
  /** One line under the title (model, photo, date-free so reports are reproducible). */
  subtitle: string;
  sections: ReportSection[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function figureHtml(f: ReportFigure, small = false): string {
  const width = f.width === undefined ? '' : ` style="max-width:${f.width}px"`;
  return `<figure class="${small ? 'small' : 'wide'}"><a href="${escapeHtml(f.file)}"><img src="${escapeHtml(f.file)}" alt="${escapeHtml(f.caption)}"${width}></a><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`;
}

function tableHtml(t: ReportTable): string {
  const numeric = new Set(t.numeric ?? []);
  const cell = (tag: string, v: string | number, i: number): string => `<${tag}${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(String(v))}</${tag}>`;
  return [
    '<div class="table"><table>',
    t.caption === undefined ? '' : `<caption>${escapeHtml(t.caption)}</caption>`,
    `<thead><tr>${t.header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>`,
    `<tbody>${t.rows.map((r) => `<tr>${r.map((v, i) => cell('td', v, i)).join('')}</tr>`).join('\n')}</tbody>`,
    '</table></div>',
  ].join('\n');
}

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0; } .subtitle { color: #666; margin-top: 0.2em; }
nav ol { columns: 2; } section { border-top: 1px solid #ddd; margin-top: 1.5em; }
figure { margin: 1em 0; } figure img { max-width: 100%; image-rendering: auto; border: 1px solid #ccc; }
figcaption { font-size: 13px; color: #444; max-width: 80ch; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 0.8em; }
.gallery figure { margin: 0; } .gallery img { width: 100%; }
.table { overflow-x: auto; max-height: 36em; overflow-y: auto; }
table { border-collapse: collapse; font-size: 13px; } caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; } td { word-break: break-word; } td.num, th.num { white-space: nowrap; } th { background: #f4f4f4; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

/** The report as one HTML page (no scripts, no external resources besides its own PNGs). */
export function renderReportHtml(report: Report): string {
  const nav = report.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('');
  const sections = report.sections.map((s) => [
    `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>`,
    ...(s.text ?? []).map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(s.figures ?? []).map((f) => figureHtml(f)),
    s.gallery && s.gallery.length > 0 ? `<div class="gallery">${s.gallery.map((f) => figureHtml(f, true)).join('\n')}</div>` : '',
    ...(s.tables ?? []).map(tableHtml),
    '</section>',
  ].join('\n'));
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(report.subtitle)}</p>`,
    `<nav><ol>${nav}</ol></nav>`,
    ...sections,
    '</body></html>',
    '',
  ].join('\n');
}

/** Every PNG the report refers to. */
export function reportFiles(report: Report): string[] {
  return report.sections.flatMap((s) => [...(s.figures ?? []), ...(s.gallery ?? [])].map((f) => f.file));
}
