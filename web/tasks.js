// The task list: filter by state, search by name, page through with "Show more". The
// filter lives in the address (?state=...&name=...&all=1) so a view can be shared or reloaded.
'use strict';

const { el, replace, api } = lab;

const FILTERS = [
  ['all', 'All', ''],
  ['active', 'Active', lab.ACTIVE.join(',')],
  ['running', 'Running', 'running'],
  ['waiting', 'Waiting', 'pending,preparing,queued'],
  ['completed', 'Completed', 'completed'],
  ['failed', 'Failed', 'failed'],
  ['cancelled', 'Cancelled', 'cancelled'],
];

const params = new URLSearchParams(location.search);
const view = { filter: params.get('state') || 'all', name: params.get('name') || '', all: params.get('all') === '1' };
let next = null;
let me = null;

function query(before) {
  const q = new URLSearchParams({ limit: '50' });
  const f = FILTERS.find((x) => x[0] === view.filter);
  if (f && f[2]) q.set('state', f[2]);
  if (view.name) q.set('name', view.name);
  if (view.all) q.set('all', '1');
  if (before) q.set('before', before);
  return '/api/v1/tasks?' + q.toString();
}

function remember() {
  const q = new URLSearchParams();
  if (view.filter !== 'all') q.set('state', view.filter);
  if (view.name) q.set('name', view.name);
  if (view.all) q.set('all', '1');
  history.replaceState(null, '', '/tasks' + (q.toString() ? '?' + q.toString() : ''));
}

let shown = [];
async function load(more) {
  const page = await api(query(more ? next : null));
  shown = more ? shown.concat(page.tasks) : page.tasks;
  next = page.next;
  replace('list', lab.taskTable(shown, { user: view.all, reason: true, empty: 'No tasks match.' }));
  document.getElementById('more').hidden = !next;
}

function drawFilters() {
  const buttons = FILTERS.map(([key, label]) => el('button', {
    class: key === view.filter ? 'on' : '', 'data-filter': key, text: label,
    onclick: () => { view.filter = key; drawFilters(); remember(); load(false).catch((e) => lab.showError('list', e)); },
  }));
  let timer = null;
  const search = el('input', { type: 'search', id: 'search', placeholder: 'Search by name', value: view.name,
    oninput: (ev) => {
      clearTimeout(timer);
      timer = setTimeout(() => { view.name = ev.target.value.trim(); remember(); load(false).catch((e) => lab.showError('list', e)); }, 250);
    } });
  const all = me.is_admin && el('label', {}, el('input', { type: 'checkbox', id: 'all-users', checked: view.all,
    onchange: (ev) => { view.all = ev.target.checked; remember(); load(false).catch((e) => lab.showError('list', e)); } }),
  ' every user');
  replace('filters', buttons, all, search);
}

(async () => {
  me = await lab.start('tasks');
  drawFilters();
  document.getElementById('more').addEventListener('click', () => load(true).catch((e) => lab.showError('list', e)));
  try { await load(false); } catch (err) { lab.showError('list', err); }
})();
