import { VERDICTS } from '../core/bands.js';
import type { ReportContent, GalleryItem } from './content.js';
import { binCounts, escapeXml as esc, histogramChart, lineChart } from './svg-charts.js';
import { trainingCurve } from './training-curve.js';

/**
 * Renders a report as ONE self-contained HTML document: inline CSS, pictures as data: URIs, charts as inline SVG,
 * no scripts and no external URL of any kind, so it opens offline, survives e-mail and prints to the same PDF.
 */

const fmt = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const fmtScore = (v: number | null): string =>
  v === null || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(5);
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

const clip = (s: string, n = 90): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function flatten(obj: Readonly<Record<string, unknown>>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, key));
    else if (Array.isArray(v)) out.push([key, clip(v.every((x) => typeof x !== 'object' || x === null) ? v.join(', ') : JSON.stringify(v))]);
    else out.push([key, clip(String(v))]);
  }
  return out;
}

/** Many short settings as a compact three-column grid (a model has dozens). */
const settingsGrid = (rows: ReadonlyArray<readonly [string, string]>): string =>
  `<div class="settings">${rows.map(([k, v]) => `<div><span>${esc(k.replace(/^settings\./, ''))}</span><b>${esc(v)}</b></div>`).join('')}</div>`;

const kvTable = (rows: ReadonlyArray<readonly [string, string]>, cls = 'kv'): string =>
  `<table class="${cls}">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;

const CSS = `
@page { size: A4; margin: 13mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d232a; margin: 0; background: #fff; }
main { max-width: 186mm; margin: 0 auto; padding: 8mm 0; }
@media print { main { padding: 0; } }
h1 { font-size: 20pt; margin: 0 0 2mm; letter-spacing: -0.01em; }
h2 { font-size: 13pt; margin: 7mm 0 2.5mm; padding-bottom: 1mm; border-bottom: 2px solid #1d4e89; color: #1d4e89; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
.sub { color: #56606b; margin: 0 0 4mm; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 4mm 0; }
.tile { border: 1px solid #d5dbe1; border-radius: 2mm; padding: 2.5mm 3mm; background: #f6f8fa; }
.tile b { display: block; font-size: 16pt; }
.tile span { color: #56606b; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 9.5pt; }
th, td { text-align: left; padding: 1mm 2mm; border-bottom: 1px solid #e3e6ea; vertical-align: top; overflow-wrap: anywhere; }
.settings { display: grid; grid-template-columns: repeat(3, 1fr); column-gap: 4mm; font-size: 8.5pt; }
.settings div { display: flex; justify-content: space-between; gap: 2mm; border-bottom: 1px solid #eef0f2; padding: 0.6mm 0; break-inside: avoid; }
.settings span { color: #56606b; } .settings b { font-weight: 500; text-align: right; overflow-wrap: anywhere; }
table.kv th { width: 38%; color: #56606b; font-weight: 500; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }
.chart { width: 100%; height: auto; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; break-inside: avoid; }
.note { color: #56606b; font-size: 9pt; }
.hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
.v-accept { color: #2e7d32; } .v-review { color: #b26a00; } .v-reject { color: #c62828; } .v-error { color: #7b1fa2; }
.band { display: inline-block; padding: 0 2mm; border-radius: 1mm; font-weight: 600; }
.band.accept { background: #e8f5e9; } .band.review { background: #fff8e1; } .band.reject { background: #fdecea; } .band.error { background: #f3e5f5; }
.page { break-before: page; }
.crops { display: flex; gap: 1mm; margin-top: 1mm; }
.crops figure { margin: 0; flex: 1; min-width: 0; }
.crops img { width: 100%; display: block; }
.crops figcaption { font-size: 6.5pt; color: #555; }
.gallery { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 2.5mm; }
.part { border: 1px solid #d5dbe1; border-radius: 2mm; padding: 1.5mm; break-inside: avoid; overflow-wrap: anywhere; }
.part .pics { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5mm; }
.part img { width: 100%; height: auto; display: block; border-radius: 1mm; background: #eee; }
.part .meta { font-size: 7.5pt; margin-top: 1mm; line-height: 1.3; }
.part .review { font-size: 7.5pt; margin-top: 1mm; padding: 1mm 1.5mm; background: #f3f0ff; border-radius: 1mm; }
.missing { display: flex; align-items: center; justify-content: center; aspect-ratio: 1; background: #f0f0f0; color: #888; font-size: 8pt; text-align: center; }
footer { margin-top: 8mm; color: #56606b; font-size: 8.5pt; border-top: 1px solid #e3e6ea; padding-top: 2mm; }
`;

function summary(c: ReportContent): string {
  const m = c.metrics;
  const tiles: Array<[string, string]> = [
    ['image AUROC', fmt(m.imageAuroc, 3)],
    ['pixel AUROC', fmt(m.pixelAuroc, 3)],
    ['AUPRO (FPR ≤ 0.3)', fmt(m.aupro, 3)],
    ['F1-max', fmt(m.f1Max?.f1 ?? null, 3)],
  ];
  const v = c.verdictCounts;
  return (
    `<div class="tiles">${tiles.map(([k, val]) => `<div class="tile"><b>${val}</b><span>${esc(k)}</span></div>`).join('')}</div>` +
    `<p>${c.results.length} images scored: <span class="band accept">${v.accept} accept</span> <span class="band review">${v.review} review</span> <span class="band reject">${v.reject} reject</span> <span class="band error">${v.error} error</span> at the bands below.</p>`
  );
}

function datasetSection(c: ReportContent): string {
  const d = c.dataset;
  const rows: Array<[string, string]> = d
    ? [
        ['name', d.name],
        ['category', d.category ?? '—'],
        ['source format', d.sourceFormat],
        ['images', `${d.counts.total} (good ${d.counts.good}, defect ${d.counts.defect}, ignored ${d.counts.ignore})`],
        ['splits', `train ${d.counts.train}, validation ${d.counts.val}, test ${d.counts.test}`],
      ]
    : [['dataset', 'all results of the model (no single dataset)']];
  rows.push(['evaluated on', `${c.evaluation.description}: ${c.evaluation.good} good, ${c.evaluation.defect} defective`]);
  return (
    `<h2>Dataset</h2>${kvTable(rows)}` +
    (d ? `<p class="note">Content hash (sha256 of the sorted image hashes): <span class="hash">${esc(d.contentHash)}</span></p>` : '')
  );
}

function modelSection(c: ReportContent): string {
  const m = c.model;
  const rows: Array<[string, string]> = [
    ['model', `#${m.id} ${m.name} (${m.status})`],
    ['objective', m.objective === 'clflow' ? 'CL-Flow (flow + contrastive proxy tasks on synthesized defects)' : m.objective === 'fastflow' ? 'FastFlow (unsupervised NLL)' : m.objective],
    ['backbone', m.backbone],
    ['trainable parameters', m.parameters === null ? '—' : m.parameters.toLocaleString('en-US')],
    ['training time', duration(m.trainingSeconds)],
    ['execution provider', m.executionProvider ?? '—'],
    ['trained', m.createdAt],
    ['training data hash', m.trainDataHash ?? '—'],
  ];
  const settings = flatten(m.trainingSettings);
  return (
    `<h2>Model card</h2>${kvTable(rows)}` +
    (settings.length ? `<h3>Training settings</h3>${settingsGrid(settings)}` : '<p class="note">No training settings stored.</p>')
  );
}

function bandsSection(c: ReportContent): string {
  const b = c.bands.bands;
  const norm = flatten(c.model.scoreNormalisation ?? {});
  return (
    `<h2>Thresholds and bands</h2>` +
    `<p><span class="band accept">accept</span> score &lt; ${fmtScore(b.review)} · <span class="band review">review</span> ${fmtScore(b.review)} ≤ score &lt; ${fmtScore(b.reject)} · <span class="band reject">reject</span> score ≥ ${fmtScore(b.reject)} · <span class="band error">error</span> no finite score (never accepted)</p>` +
    `<p class="note">How they were chosen: ${esc(c.bands.method)}.${b.review === b.reject ? ' With equal thresholds there is no review band.' : ''}</p>` +
    (norm.length ? `<h3>Score normalisation</h3>${kvTable(norm)}` : '')
  );
}

/** Every part that could not be judged, by name: an error verdict must be seen, not just counted. */
function unjudgedSection(c: ReportContent): string {
  if (c.unjudged.length === 0) return '';
  const rows = c.unjudged
    .map((r) => `<tr><td class="hash">${esc(r.originalPath)}</td><td>${esc(r.label)}</td><td>${esc(r.split)}</td><td>${esc(r.executionProvider ?? '—')}</td></tr>`)
    .join('');
  return (
    `<h2>Parts that could not be judged</h2>` +
    `<p><span class="band error">${c.unjudged.length} error</span> The model gave no finite score for these parts, so they are neither accepted nor rejected: inspect them by hand. They count as not passed in every count of this report.</p>` +
    `<table><tr><th>part</th><th>label</th><th>split</th><th>provider</th></tr>${rows}</table>`
  );
}

function metricsSection(c: ReportContent): string {
  const m = c.metrics;
  const cf = c.confusion;
  const rows: Array<[string, string]> = [
    ['image AUROC', fmt(m.imageAuroc)],
    ['average precision', fmt(m.averagePrecision)],
    ['F1-max', m.f1Max ? `${fmt(m.f1Max.f1)} at threshold ${fmtScore(m.f1Max.threshold)} (precision ${pct(m.f1Max.precision)}, recall ${pct(m.f1Max.recall)})` : '—'],
    ['pixel AUROC', fmt(m.pixelAuroc)],
    ['AUPRO (FPR ≤ 0.3)', fmt(m.aupro)],
    ['pixel metrics', m.pixelSource],
  ];
  const stats = (label: string, s: typeof cf.atReview) =>
    s
      ? `<tr><td>${label}</td><td class="num">${fmtScore(s.threshold)}</td><td class="num">${s.tp}</td><td class="num">${s.fp}</td><td class="num">${s.tn}</td><td class="num">${s.fn}</td><td class="num">${pct(s.precision)}</td><td class="num">${pct(s.recall)}</td><td class="num">${pct(s.fpr)}</td></tr>`
      : '';
  return (
    `<h2>Metrics</h2>${kvTable(rows)}` +
    (m.notes.length ? `<p class="note">${m.notes.map(esc).join('<br>')}</p>` : '') +
    `<h3>Confusion matrix at the bands</h3>` +
    `<table><tr><th>label \\ verdict</th>${VERDICTS.map((v) => `<th class="num v-${v}">${v}</th>`).join('')}</tr>` +
    (['good', 'defect'] as const)
      .map((l) => `<tr><th>${l}</th>${VERDICTS.map((v) => `<td class="num">${cf[l][v]}</td>`).join('')}</tr>`)
      .join('') +
    `</table>` +
    (cf.atReview
      ? `<table><tr><th>flagged when</th><th class="num">threshold</th><th class="num">TP</th><th class="num">FP</th><th class="num">TN</th><th class="num">FN</th><th class="num">precision</th><th class="num">recall</th><th class="num">FPR</th></tr>${stats('review, reject or error', cf.atReview)}${stats('reject or error', cf.atReject)}</table>`
      : '')
  );
}

/**
 * A rate axis with a little room past 0 and 1: a perfect model's ROC runs along the left and top edges and its PR
 * curve along the top, and on a [0, 1] axis they would lie on the frame and the chart would look empty.
 */
const rateAxis = (label: string) => ({ label, min: -0.03, max: 1.03 });

function chartsSection(c: ReportContent): string {
  const t = trainingCurve(c.training);
  const charts = [...rankingCharts(c), ...scoreHistogram(c), ...trainingCharts(t)];
  if (!charts.length) return '';
  return (
    `<h2>Curves</h2><div class="charts">${charts.map((s) => `<div>${s}</div>`).join('')}</div>` +
    (t.loss.length ? '<p class="note">The loss is a negative log-likelihood: negative values are normal, and lower is better.</p>' : '<p class="note">No training events are stored for this model.</p>')
  );
}

/** ROC and precision–recall, when the evaluation set had both classes. */
function rankingCharts(c: ReportContent): string[] {
  if (!c.curves.roc.length) return [];
  return [
    lineChart({
      title: `ROC (image AUROC ${fmt(c.metrics.imageAuroc, 3)})`,
      x: rateAxis('false positive rate'),
      y: rateAxis('true positive rate'),
      series: [
        { label: 'model', colour: '#1d4e89', points: c.curves.roc, width: 3 },
        { label: 'chance', colour: '#aaa', points: [[0, 0], [1, 1]], dashed: true },
      ],
    }),
    lineChart({
      title: `Precision–recall (AP ${fmt(c.metrics.averagePrecision, 3)})`,
      x: rateAxis('recall'),
      y: rateAxis('precision'),
      series: [{ label: 'model', colour: '#7b3294', points: c.curves.pr, width: 3 }],
    }),
  ];
}

function scoreHistogram(c: ReportContent): string[] {
  const raw = [...c.scores.good, ...c.scores.defect, ...c.scores.unlabelled];
  if (!raw.length) return [];
  // Defects can score orders of magnitude above good parts (likelihoods): a log axis keeps both visible.
  const rb = c.bands.bands;
  const positive = Math.min(...raw, rb.review) > 0;
  const log = positive && Math.max(...raw, rb.reject) / Math.min(...raw, rb.review) > 30;
  const tf = (v: number) => (log ? Math.log10(v) : v);
  const all = raw.map(tf);
  const b = { review: tf(rb.review), reject: tf(rb.reject) };
  let lo = Math.min(...all, b.review);
  let hi = Math.max(...all, b.reject);
  const pad = (hi - lo) * 0.04 || Math.abs(hi) * 0.05 || 1;
  lo -= pad;
  hi += pad;
  const bins = Math.min(50, Math.max(10, Math.round(Math.sqrt(all.length) * 2)));
  const series = [
    { label: 'good', colour: '#4caf50', counts: binCounts(c.scores.good.map(tf), lo, hi, bins) },
    { label: 'defect', colour: '#e53935', counts: binCounts(c.scores.defect.map(tf), lo, hi, bins) },
  ];
  if (c.scores.unlabelled.length) series.push({ label: 'unlabelled', colour: '#607d8b', counts: binCounts(c.scores.unlabelled.map(tf), lo, hi, bins) });
  return [
    histogramChart({
      title: 'Score histogram with the bands',
      xLabel: log ? 'image score (log scale)' : 'image score',
      min: lo,
      max: hi,
      series,
      bands: b,
      xTick: log ? (v) => 10 ** v : undefined,
    }),
  ];
}

/** Training loss and validation AUROC over the steps, from the stored training events. */
function trainingCharts(t: ReturnType<typeof trainingCurve>): string[] {
  const charts: string[] = [];
  if (t.loss.length) {
    const ys = t.loss.map((p) => p[1]);
    const xs = t.loss.map((p) => p[0]);
    const [ymin, ymax] = [Math.min(...ys), Math.max(...ys)];
    const ypad = (ymax - ymin) * 0.05 || 1;
    charts.push(
      lineChart({
        title: `Training loss${t.nanEvents ? ` (${t.nanEvents} non-finite steps skipped)` : ''}`,
        x: { label: 'step', min: Math.min(...xs), max: Math.max(...xs, Math.min(...xs) + 1) },
        y: { label: 'loss (negative log-likelihood based)', min: ymin - ypad, max: ymax + ypad },
        series: [{ label: 'train loss', colour: '#1d4e89', points: t.loss }],
      }),
    );
  }
  if (t.valAuroc.length) {
    const xs = t.valAuroc.map((p) => p[0]);
    const ys = t.valAuroc.map((p) => p[1]);
    charts.push(
      lineChart({
        title: 'Validation image AUROC',
        x: { label: 'step', min: Math.min(...xs), max: Math.max(...xs, Math.min(...xs) + 1) },
        y: { label: 'image AUROC', min: Math.min(0.5, ...ys), max: 1.02 },
        series: [{ label: 'validation', colour: '#2e7d32', points: t.valAuroc }],
      }),
    );
  }
  return charts;
}

/** Close-ups of the part's hottest regions, each labelled with where it is (image pixels). */
function cropsRow(g: GalleryItem): string {
  if (!g.crops?.length) return '';
  const figs = g.crops.map((c, k) => `<figure><img src="${c.overlay}" alt="${esc(`region ${k + 1} of part ${g.result.originalPath}`)}"><figcaption>region ${k + 1} at (${c.peak.x}, ${c.peak.y})</figcaption></figure>`);
  return `<div class="crops">${figs.join('')}</div>`;
}

function galleryItem(g: GalleryItem): string {
  const r = g.result;
  const pic = (src: string | null, alt: string) => (src ? `<img src="${src}" alt="${esc(alt)}">` : `<div class="missing">${esc(g.problem ?? 'no picture')}</div>`);
  const decision = r.reviewDecision
    ? `<div class="review"><b>Reviewer:</b> ${esc(r.reviewDecision.replace('_', ' '))}${r.reviewNote ? ` — ${esc(r.reviewNote)}` : ''}</div>`
    : '';
  return (
    `<div class="part"><div class="pics">${pic(g.image, `part ${r.originalPath}`)}${g.overlay ? pic(g.overlay, `heatmap of part ${r.originalPath}`) : `<div class="missing">${esc(g.problem ?? 'no anomaly map stored')}</div>`}</div>` +
    cropsRow(g) +
    `<div class="meta">#${g.rank} · score <b>${fmtScore(r.score)}</b> · <span class="v-${r.verdict}">${r.verdict}</span> · label ${esc(r.label)}${r.defectType ? ` (${esc(r.defectType)})` : ''} · ${esc(r.split)}<br><span class="hash">${esc(r.originalPath)}</span></div>${decision}</div>`
  );
}

function gallerySection(c: ReportContent): string {
  const g = c.gallery;
  const rc = c.reviewCounts;
  const head =
    `<h2>Flagged parts</h2>` +
    `<p>${g.flagged} parts not passed (review, reject or error); ${g.items.length < g.flagged ? `the first ${g.items.length} are shown (limit ${g.limit}); every image is listed in results.csv` : 'all are shown'}: parts that could not be judged first, then highest score first. Left: the part; right: its anomaly heatmap (inferno colour map, one scale for all parts).</p>` +
    `<p class="note">Reviewer decisions: ${rc.defect} confirmed defects, ${rc.false_alarm} false alarms, ${rc.skip} skipped, ${rc.unreviewed} not reviewed.</p>`;
  if (!g.items.length) {
    const why = g.flagged === 0 ? 'Every part scored in the accept band.' : 'The gallery is switched off for this report (limit 0).';
    return `<section class="page">${head}<p>${why}</p></section>`;
  }
  const pages: string[] = [];
  const total = Math.ceil(g.items.length / g.pageSize);
  for (let p = 0; p < total; p++) {
    const items = g.items.slice(p * g.pageSize, (p + 1) * g.pageSize);
    pages.push(
      `<section class="page">${p === 0 ? head : `<h2>Flagged parts (page ${p + 1} of ${total})</h2>`}<div class="gallery">${items.map(galleryItem).join('')}</div></section>`,
    );
  }
  return pages.join('');
}

export function renderReportHtml(c: ReportContent): string {
  const body = [
    `<h1>${esc(c.title)}</h1>`,
    `<p class="sub">Project <b>${esc(c.project.name)}</b> · model #${c.model.id} ${esc(c.model.name)} · generated ${esc(c.generatedAt.replace('T', ' ').slice(0, 19))} UTC by Flowspect ${esc(c.appVersion)}</p>`,
    summary(c),
    datasetSection(c),
    modelSection(c),
    bandsSection(c),
    unjudgedSection(c),
    metricsSection(c),
    chartsSection(c),
    gallerySection(c),
    `<footer>Per-image results (score, verdict, label, reviewer decision) are in results.csv and results.json beside this report. Flowspect ${esc(c.appVersion)}.</footer>`,
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(c.title)}</title><style>${CSS}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}
