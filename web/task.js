// One task: details, state timeline, live log and metrics chart (both followed by long-poll
// from a byte offset, so a dropped connection resumes where it stopped), result files and
// the cancel button.
'use strict';

const { el, replace, api } = lab;
const id = new URLSearchParams(location.search).get('id') || '';
const base = '/api/v1/tasks/' + encodeURIComponent(id);
let task = null;

function row(label, value) {
  return [el('dt', { text: label }), el('dd', {}, value)];
}

function drawTask(t) {
  task = t;
  document.title = t.name + ' · lab';
  replace('title', t.name + ' ', lab.badge(t.state));
  const r = t.resources;
  replace('details',
    row('ID', el('span', { class: 'mono', text: t.id })),
    row('Owner', t.user),
    row('State', t.reason ? t.state + ': ' + t.reason : t.state),
    row('Command', el('code', { text: t.command })),
    row('GPUs', String(r.gpus)), row('CPUs', String(r.cpus)),
    row('Memory', lab.bytes(r.memory_bytes)), row('Time limit', lab.duration(r.time_limit_s)),
    row('Priority', t.priority),
    row('Created', lab.dateTime(t.created_at_ms)),
    row('Run time', lab.runtime(t) || '—'),
    t.exit_code !== null && t.exit_code !== undefined && row('Exit code', String(t.exit_code)));
  const events = t.events || [];
  replace('timeline', events.map((e, i) => {
    const nextAt = i + 1 < events.length ? events[i + 1].at_ms : (lab.isFinal(e.state) ? null : Date.now());
    return el('li', { 'data-state': e.state }, lab.badge(e.state),
      el('span', { class: 't', text: lab.dateTime(e.at_ms) + (nextAt ? ' · ' + lab.duration((nextAt - e.at_ms) / 1000) : '') }),
      e.reason && el('span', { class: 'why', text: e.reason }));
  }));
  document.getElementById('cancel').hidden = lab.isFinal(t.state);
}

async function refreshTask() {
  const j = await api(base);
  drawTask(j.task);
  return j.task;
}

// Follows `/logs` or `/metrics` from offset 0 to the end, calling `onData(text)` for each new
// piece; retries with backoff after a failure, from the last offset received.
async function follow(path, statusId, onData) {
  const status = document.getElementById(statusId);
  let offset = 0, delay = 500;
  for (;;) {
    try {
      const res = await api(`${base}/${path}?from=${offset}&wait=25`, { raw: true });
      const text = await res.text();
      const nextOffset = Number(res.headers.get('X-Lab-Log-Offset'));
      if (text) onData(text);
      if (Number.isFinite(nextOffset)) offset = nextOffset;
      delay = 500;
      if (res.headers.get('X-Lab-Log-Complete')) {
        status.textContent = `complete (${lab.bytes(offset)})`;
        return;
      }
      status.textContent = `following live (${lab.bytes(offset)} so far)`;
    } catch (err) {
      if (err.status === 401 || err.status === 404) { status.textContent = err.message; return; }
      status.textContent = `connection lost (${err.message}); resuming from byte ${offset}…`;
      await lab.sleep(delay);
      delay = Math.min(delay * 2, 10000);
    }
  }
}

function followLog() {
  const pre = document.getElementById('log');
  return follow('logs', 'log-status', (text) => {
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    pre.append(document.createTextNode(text));
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  });
}

// The metrics chart: every numeric field but `step` is a series over `step` (or the line
// number when a line has none). Redrawn as lines arrive.
function followMetrics() {
  const rows = [];
  let keys = [];
  let plot = null;
  let partial = '';
  const box = document.getElementById('chart');
  const draw = () => {
    const xs = rows.map((r, i) => (typeof r.step === 'number' ? r.step : i));
    const order = xs.map((x, i) => i).sort((a, b) => xs[a] - xs[b]);
    const data = [order.map((i) => xs[i])].concat(keys.map((k) => order.map((i) => (typeof rows[i][k] === 'number' ? rows[i][k] : null))));
    box.dataset.points = String(rows.length);
    if (plot && plot.series.length === keys.length + 1) { plot.setData(data); return; }
    if (plot) plot.destroy();
    box.replaceChildren();
    const palette = ['#2f6fed', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285'];
    plot = new uPlot({
      width: Math.max(300, box.clientWidth), height: 280, scales: { x: { time: false } },
      series: [{ label: 'step' }].concat(keys.map((k, i) => ({ label: k, stroke: palette[i % palette.length], width: 2, spanGaps: true }))),
      axes: [{ label: 'step' }, {}],
    }, data, box);
  };
  return follow('metrics', 'metrics-status', (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      let obj;
      try { obj = JSON.parse(line); } catch (_) { continue; }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) continue;
      rows.push(obj);
      for (const [k, v] of Object.entries(obj))
        if (k !== 'step' && typeof v === 'number' && !keys.includes(k)) keys = keys.concat([k]);
    }
    if (rows.length && keys.length) draw();
  });
}

async function showResults() {
  const j = await api(base + '/results');
  if (!j.files.length) {
    replace('results', el('div', { class: 'empty', text: j.complete ? 'No result files.' : 'Result files appear when the task ends.' }));
    return j.complete;
  }
  const href = (p) => base + '/results/' + p.split('/').map(encodeURIComponent).join('/');
  replace('results', el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'File' }), el('th', { class: 'num', text: 'Size' }))),
    el('tbody', {}, j.files.map((f) => el('tr', {},
      el('td', {}, el('a', { href: href(f.path), download: f.path.split('/').pop(), class: 'mono', text: f.path })),
      el('td', { class: 'num', text: lab.bytes(f.size) }))))));
  return j.complete;
}

async function cancel() {
  if (!confirm('Cancel task ' + task.name + '?')) return;
  const button = document.getElementById('cancel');
  button.disabled = true;
  try {
    const j = await api(base + '/cancel', { method: 'POST' });
    drawTask(j.task);
  } catch (err) {
    document.getElementById('error').textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

(async () => {
  await lab.start('tasks');
  document.getElementById('cancel').addEventListener('click', cancel);
  try { await refreshTask(); } catch (err) { lab.showError('error', err); return; }
  followLog();
  followMetrics();
  // The task's state and results: every 3 s until it is final and its results are complete.
  for (;;) {
    let done = false;
    try {
      const t = await refreshTask();
      done = (await showResults()) && lab.isFinal(t.state);
    } catch (err) { if (err.status === 401) return; }
    if (done) return;
    await lab.sleep(3000);
  }
})();
