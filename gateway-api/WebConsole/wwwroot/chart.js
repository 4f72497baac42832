// A time-series chart as inline SVG: one line per key of a numeric property over the records' dates.
const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 260;
const PAD = { left: 64, right: 16, top: 16, bottom: 36 };
const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#57606a'];
const MAX_SERIES = COLOURS.length;

function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

function label(value, digits = 6) {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toLocaleString('en-US');
}

function day(ms) { return new Date(ms).toISOString().replace('T', ' ').slice(0, 16); }

/**
 * points: [{key, date (epoch ms), value}]. Returns {svg (role img, described by its title), keys: [[key, colour]]}, or null
 * when there is nothing to draw.
 */
export function timeSeriesChart(points, property) {
  const numeric = points.filter(p => typeof p.value === 'number' && Number.isFinite(p.value) && Number.isFinite(p.date));
  if (numeric.length === 0) return null;
  const series = new Map();
  for (const p of numeric) {
    if (!series.has(p.key)) series.set(p.key, []);
    series.get(p.key).push(p);
  }
  const shown = [...series.entries()].slice(0, MAX_SERIES);
  const drawn = shown.flatMap(([, ps]) => ps);
  let [minX, maxX] = [Math.min(...drawn.map(p => p.date)), Math.max(...drawn.map(p => p.date))];
  let [minY, maxY] = [Math.min(...drawn.map(p => p.value)), Math.max(...drawn.map(p => p.value))];
  if (minX === maxX) { minX -= 1000; maxX += 1000; }
  if (minY === maxY) { minY -= Math.abs(minY) * 0.05 || 1; maxY += Math.abs(maxY) * 0.05 || 1; }
  const x = d => PAD.left + ((d - minX) / (maxX - minX)) * (WIDTH - PAD.left - PAD.right);
  const y = v => HEIGHT - PAD.bottom - ((v - minY) / (maxY - minY)) * (HEIGHT - PAD.top - PAD.bottom);

  const description = `${property} of ${drawn.length} records from ${day(minX)} to ${day(maxX)} UTC, between ${label(minY)} and ${label(maxY)}`
    + (series.size > MAX_SERIES ? ` (the first ${MAX_SERIES} of ${series.size} keys)` : '');
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart', 'aria-label': description });
  svg.append(s('title', null, description));

  const axes = s('g', { class: 'axes' });
  for (let i = 0; i <= 4; i++) {
    const v = minY + ((maxY - minY) * i) / 4;
    axes.append(s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    axes.append(s('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, label(v, i === 0 || i === 4 ? 6 : 4)));
  }
  axes.append(s('text', { x: PAD.left, y: HEIGHT - 10, 'text-anchor': 'start' }, day(minX)));
  axes.append(s('text', { x: WIDTH - PAD.right, y: HEIGHT - 10, 'text-anchor': 'end' }, day(maxX)));
  svg.append(axes);

  shown.forEach(([key, ps], i) => {
    const sorted = [...ps].sort((a, b) => a.date - b.date);
    const g = s('g', { class: 'series', stroke: COLOURS[i], fill: COLOURS[i] });
    g.append(s('title', null, key));
    g.append(s('polyline', { fill: 'none', 'stroke-width': 2, points: sorted.map(p => `${x(p.date).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ') }));
    if (sorted.length <= 60) for (const p of sorted) g.append(s('circle', { cx: x(p.date).toFixed(1), cy: y(p.value).toFixed(1), r: 3 }));
    svg.append(g);
  });
  return { svg, keys: shown.map(([key], i) => [key, COLOURS[i]]) };
}
