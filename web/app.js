// Shared by every page: calls to the proxy's API (docs/api.md) with the session cookie and
// CSRF token, the page header, DOM building that only ever sets text (never markup), and
// formatting. Everything users or jobs wrote reaches the page as a text node.
'use strict';

const lab = (() => {
  let csrf = '';
  let me = null;

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function loginUrl() {
    return '/login?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // Calls the API. `opts`: method, body (sent as JSON), raw (return the Response), signal,
  // noRedirect (a 401 does not go to the sign-in page). Throws ApiError with the proxy's message.
  async function api(path, opts = {}) {
    const method = opts.method || 'GET';
    const init = { method, credentials: 'same-origin', headers: {}, signal: opts.signal, cache: 'no-store' };
    if (opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      init.headers['Content-Type'] = 'application/json';
    }
    if (method !== 'GET' && method !== 'HEAD') init.headers['X-Lab-CSRF'] = csrf;
    const res = await fetch(path, init);
    if (res.status === 401 && !opts.noRedirect) {
      location.href = loginUrl();
      throw new ApiError(401, 'unauthenticated', 'signed out');
    }
    if (!res.ok) {
      let code = '', message = res.status + ' ' + res.statusText;
      try {
        const j = await res.json();
        code = j.error.code;
        message = j.error.message;
      } catch (_) { /* not JSON */ }
      throw new ApiError(res.status, code, message);
    }
    if (opts.raw) return res;
    return res.status === 204 ? null : res.json();
  }

  // Builds an element. `props`: class, id, href, title, type, value, text (textContent),
  // on* handlers, and any other attribute. Children: nodes or strings (as text).
  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = String(v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function replace(target, ...children) {
    const node = typeof target === 'string' ? document.getElementById(target) : target;
    node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // --- formatting ---
  function dateTime(ms) {
    if (!ms) return '';
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return '';
    seconds = Math.max(0, Math.round(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h) return `${h}h ${m}m`;
    if (m) return `${m}m ${s}s`;
    return `${s}s`;
  }
  function ago(ms) {
    if (!ms) return '';
    const s = (Date.now() - ms) / 1000;
    if (s < 60) return 'just now';
    return duration(s) + ' ago';
  }
  function bytes(n) {
    if (n === null || n === undefined) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + ' ' + units[i];
  }
  const hours = (seconds) => (seconds / 3600).toFixed(2);

  const ACTIVE = ['pending', 'preparing', 'queued', 'running'];
  const isFinal = (state) => ['completed', 'failed', 'cancelled'].includes(state);

  function badge(state) {
    return el('span', { class: 'badge ' + state, text: state });
  }
  function taskLink(task) {
    return el('a', { href: '/task?id=' + encodeURIComponent(task.id), class: 'task-name', text: task.name });
  }
  function runtime(task) {
    if (!task.started_at_ms) return '';
    return duration(((task.finished_at_ms || Date.now()) - task.started_at_ms) / 1000);
  }

  // A table of tasks; `opts.user` adds the owner column, `opts.reason` the reason column.
  function taskTable(tasks, opts = {}) {
    if (!tasks.length) return el('div', { class: 'empty', text: opts.empty || 'No tasks.' });
    const head = el('tr', {}, el('th', { text: 'Name' }), el('th', { text: 'State' }),
      opts.user && el('th', { text: 'User' }), el('th', { text: 'ID' }), el('th', { class: 'num', text: 'GPUs' }),
      el('th', { text: 'Created' }), el('th', { text: 'Run time' }), opts.reason && el('th', { text: 'Why' }));
    const rows = tasks.map((t) => el('tr', { 'data-task': t.id },
      el('td', {}, taskLink(t)), el('td', {}, badge(t.state)), opts.user && el('td', { text: t.user }),
      el('td', { class: 'mono', text: t.id }), el('td', { class: 'num', text: t.resources.gpus }),
      el('td', { title: dateTime(t.created_at_ms), text: ago(t.created_at_ms) }), el('td', { text: runtime(t) }),
      opts.reason && el('td', { class: 'src', text: t.reason })));
    return el('table', { class: 'tasks' }, el('thead', {}, head), el('tbody', {}, rows));
  }

  function renderTop(active) {
    const top = document.getElementById('top');
    if (!top) return;
    const link = (href, text, key) => el('a', { href, text, class: key === active ? 'here' : '' });
    replace(top,
      el('a', { class: 'brand', href: '/', text: 'lab' }),
      el('nav', {}, link('/', 'Dashboard', 'dashboard'), link('/tasks', 'Tasks', 'tasks'),
        me && me.is_admin && link('/admin', 'Admin', 'admin')),
      el('span', { class: 'who', id: 'who', text: me ? me.name + (me.is_admin ? ' (admin)' : '') : '' }),
      el('button', { id: 'sign-out', onclick: signOut, text: 'Sign out' }));
  }

  async function signOut() {
    try { await api('/api/v1/auth/logout', { method: 'POST', noRedirect: true }); } catch (_) { /* gone anyway */ }
    location.href = '/login';
  }

  // Signs the page in from its cookie (or sends the browser to the sign-in page) and draws
  // the header with `active` highlighted. Returns the user.
  async function start(active) {
    const j = await api('/api/v1/auth/whoami');
    me = j.user;
    csrf = j.csrf_token || '';
    renderTop(active);
    return me;
  }

  function showError(target, err) {
    replace(target, el('div', { class: 'error', text: err.message || String(err) }));
  }

  return { api, ApiError, el, replace, sleep, dateTime, duration, ago, bytes, hours, badge, taskLink, taskTable,
    start, showError, ACTIVE, isFinal, runtime, setCsrf: (t) => { csrf = t; } };
})();
