// The admin page: every user with their usage, the queue of unfinished tasks, and the
// compute pool as the remote last reported it. Each number says where it comes from.
'use strict';

const { el, replace, api } = lab;

function usersTable(j) {
  const rows = j.users.map((u) => el('tr', { 'data-user': u.name },
    el('td', { text: u.name }), el('td', { text: u.is_admin ? 'admin' : 'student' }),
    el('td', { class: 'num', text: u.active_tasks }), el('td', { class: 'num', text: u.usage.tasks }),
    el('td', { class: 'num', text: lab.hours(u.usage.gpu_seconds) }), el('td', { class: 'num', text: lab.hours(u.usage.cpu_seconds) }),
    el('td', { class: 'num', text: lab.hours(u.usage.wall_seconds) })));
  return [el('table', {}, el('thead', {}, el('tr', {}, ['User', 'Role', 'Unfinished tasks', 'Finished tasks', 'GPU-hours', 'CPU-hours', 'Hours running']
    .map((h, i) => el('th', { class: i >= 2 ? 'num' : '', text: h })))), el('tbody', {}, rows)),
  el('div', { class: 'src', text: 'Source: ' + j.source + '; unfinished tasks: proxy ledger, now.' })];
}

function poolView(j) {
  const p = j.pool;
  if (!p) return el('div', { class: 'empty', text: 'The remote has not reported its compute pool yet (it does every few seconds while connected).' });
  const rows = p.slots.map((s) => el('tr', { 'data-slot': s.name },
    el('td', { text: s.name }), el('td', { text: s.kind }), el('td', { text: s.state }),
    el('td', { class: 'num', text: `${s.gpus_allocated} / ${s.gpus_total}` }),
    el('td', { class: 'num', text: `${s.cpus_allocated} / ${s.cpus_total}` }),
    el('td', { class: 'num', text: lab.bytes(s.memory_bytes) }),
    el('td', {}, s.task_ids.length ? s.task_ids.map((t, i) => [i ? ', ' : '', el('a', { href: '/task?id=' + encodeURIComponent(t), class: 'mono', text: t })]) : '—'),
    el('td', { class: 'src', text: s.source })));
  return [el('table', {}, el('thead', {}, el('tr', {}, ['Name', 'Kind', 'State', 'GPUs allocated / total', 'CPUs allocated / total', 'Memory', 'Tasks', 'Source']
    .map((h, i) => el('th', { class: i >= 3 && i <= 5 ? 'num' : '', text: h })))), el('tbody', {}, rows)),
  el('div', { class: 'src', text: `Executor "${p.executor}"; snapshot taken by the remote at ${lab.dateTime(p.at_ms)}, received ${lab.ago(p.received_at_ms)}.` })];
}

async function refresh() {
  const [users, queue, pool] = await Promise.all([
    api('/api/v1/admin/users'),
    api('/api/v1/tasks?all=1&limit=200&state=' + lab.ACTIVE.join(',')),
    api('/api/v1/admin/pool'),
  ]);
  replace('users', usersTable(users));
  replace('queue', lab.taskTable(queue.tasks.slice().reverse(), { user: true, reason: true, empty: 'Nothing queued or running.' }),
    el('div', { class: 'src', text: 'Source: proxy ledger (oldest first).' }));
  replace('pool', poolView(pool));
}

(async () => {
  const me = await lab.start('admin');
  if (!me.is_admin) {
    replace(document.querySelector('main'), el('h1', { text: 'Admin' }), el('div', { class: 'card error', id: 'refused', text: 'Only admins may see this page.' }));
    return;
  }
  for (;;) {
    try { await refresh(); } catch (err) { if (err.status === 401) return; lab.showError('users', err); }
    await lab.sleep(5000);
  }
})();
