// The dashboard: my running, waiting and recent tasks, and my usage. Refreshes every 5 s.
'use strict';

const { el, replace, api } = lab;

function stat(value, label) {
  return el('div', { class: 'stat' }, el('div', { class: 'n', text: value }), el('div', { class: 'l', text: label }));
}

async function refresh() {
  const [usage, running, waiting, recent] = await Promise.all([
    api('/api/v1/usage'),
    api('/api/v1/tasks?state=running&limit=50'),
    api('/api/v1/tasks?state=pending,preparing,queued&limit=50'),
    api('/api/v1/tasks?state=completed,failed,cancelled&limit=10'),
  ]);
  const u = usage.usage;
  replace('usage', stat(u.tasks, 'finished tasks'), stat(lab.hours(u.gpu_seconds), 'GPU-hours'),
    stat(lab.hours(u.cpu_seconds), 'CPU-hours'), stat(lab.hours(u.wall_seconds), 'hours running'),
    el('div', { class: 'src', text: 'Source: ' + usage.source }));
  replace('running', lab.taskTable(running.tasks, { empty: 'Nothing running.' }));
  replace('waiting', lab.taskTable(waiting.tasks, { reason: true, empty: 'Nothing waiting.' }));
  replace('recent', lab.taskTable(recent.tasks, { reason: true, empty: 'No finished tasks yet.' }));
}

(async () => {
  await lab.start('dashboard');
  for (;;) {
    try { await refresh(); } catch (err) { if (err.status === 401) return; lab.showError('running', err); }
    await lab.sleep(5000);
  }
})();
