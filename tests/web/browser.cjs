// The browser half of tests/web/web.sh: drives Debian's chromium through playwright-core.
// Reads WEB_URL, SHOTS, LONG, QUICK, EVIL, BOB, ALICE_PW, ROOT_PW, LAB_WEB_NODE_DIR from the
// environment; prints "ok <check>" per passed check; exits 1 at the first failure.
'use strict';
const path = require('path');
const http = require('http');
const { chromium } = require(path.join(process.env.LAB_WEB_NODE_DIR, 'node_modules', 'playwright-core'));

const env = process.env;
const URL = env.WEB_URL;
const HOSTILE = '<img src=x onerror=alert(1)>';
let checks = 0;
function ok(cond, what, detail = '') {
  if (!cond) throw new Error(`FAIL: ${what}${detail ? ': ' + detail : ''}`);
  checks++;
  console.log('ok ' + what);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    await sleep(250);
  }
  throw new Error(`FAIL: timed out waiting for ${what} (last: ${last})`);
}
const shot = (page, name) => page.screenshot({ path: path.join(env.SHOTS, name + '.png'), fullPage: true });

// A page on another origin that tries to cancel the task with the victim's cookie.
function evilServer(target) {
  const html = `<!doctype html><body><form id=f method=POST action="${URL}/api/v1/tasks/${target}/cancel"></form>
<script>
fetch("${URL}/api/v1/tasks/${target}/cancel", {method: "POST", credentials: "include", mode: "no-cors"})
  .finally(() => document.getElementById("f").submit());
</script></body>`;
  const server = http.createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(html); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function signIn(context, name, password, next = '/') {
  const page = await context.newPage();
  await page.goto(URL + '/login?next=' + encodeURIComponent(next));
  await page.fill('#name', name);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#sign-in')]);
  return page;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const alerts = [];
  const watch = (page) => page.on('dialog', async (d) => {
    if (d.type() === 'confirm') return d.accept();
    alerts.push(d.type() + ': ' + d.message());
    return d.dismiss();
  });
  const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  alice.on('page', watch);

  // --- sign-in ---
  let page = await alice.newPage();
  await page.goto(URL + '/tasks');
  await page.waitForURL(/\/login\?next=/);
  ok(true, 'a page asked for while signed out goes to the sign-in page');
  await shot(page, '01-login');
  await page.fill('#name', 'alice');
  await page.fill('#password', 'not-her-password');
  await page.click('#sign-in');
  await until(async () => (await page.textContent('#error')).includes('wrong name or password'), 'the refusal');
  ok((await alice.cookies()).every((c) => c.name !== 'lab_session'), 'a wrong password is refused and sets no cookie');
  await shot(page, '02-login-wrong-password');
  await page.fill('#password', env.ALICE_PW);
  await Promise.all([page.waitForURL(URL + '/tasks'), page.click('#sign-in')]);
  ok(true, 'the right password signs in and returns to the page asked for');
  const cookie = (await alice.cookies()).find((c) => c.name === 'lab_session');
  ok(cookie && cookie.httpOnly, 'the session cookie is HttpOnly');
  ok(cookie.sameSite === 'Strict', 'the session cookie is SameSite=Strict', cookie.sameSite);
  ok(cookie.secure === false && cookie.path === '/', 'not Secure over plain HTTP, Path=/');
  ok(!(await page.evaluate(() => document.cookie)).includes('lab_session'), 'page scripts cannot read the session cookie');

  // --- task list: mine only, hostile name as text, filters and search ---
  await page.waitForSelector(`tr[data-task="${env.LONG}"]`);
  const listText = await page.textContent('#list');
  ok([env.LONG, env.QUICK, env.EVIL].every((id) => listText.includes(id)), 'the list shows my tasks');
  ok(!listText.includes('bobs-secret-task') && !listText.includes(env.BOB), "the list does not show another student's task");
  const evilLink = await page.textContent(`tr[data-task="${env.EVIL}"] a.task-name`);
  ok(evilLink === HOSTILE, 'the hostile task name is shown as text', evilLink);
  ok((await page.locator('main img').count()) === 0, 'no element was made from the hostile name');
  await shot(page, '03-tasks');
  await page.click('button[data-filter="running"]');
  await until(async () => (await page.locator('#list tr[data-task]').count()) === 1, 'the running filter');
  ok((await page.textContent('#list')).includes(env.LONG), 'the Running filter shows only the running task');
  await page.click('button[data-filter="all"]');
  await page.fill('#search', 'quick');
  await until(async () => (await page.locator('#list tr[data-task]').count()) === 1 &&
    (await page.textContent('#list')).includes(env.QUICK), 'the name search');
  ok(true, 'searching by name narrows the list');
  await shot(page, '04-tasks-search');

  // --- dashboard ---
  await page.goto(URL + '/');
  await page.waitForSelector(`#running tr[data-task="${env.LONG}"]`);
  ok(true, 'the dashboard shows my running task');
  await until(async () => (await page.textContent('#recent')).includes('quick-results'), 'recent tasks');
  const dash = await page.textContent('main');
  ok(!dash.includes('bobs-secret-task'), "the dashboard does not show another student's task");
  ok((await page.textContent('#usage')).includes('GPU-hours') && (await page.textContent('#usage')).includes('finished tasks'),
    'the dashboard shows my usage');
  await shot(page, '05-dashboard');

  // --- another student's task page ---
  await page.goto(URL + '/task?id=' + encodeURIComponent(env.BOB));
  await until(async () => (await page.textContent('#error')).includes('no task'), "the refusal of bob's task");
  ok(!(await page.textContent('main')).includes('bobs-secret-task'), "another student's task page shows nothing of it");

  // --- the hostile name on its own page ---
  await page.goto(URL + '/task?id=' + encodeURIComponent(env.EVIL));
  await until(async () => (await page.textContent('#title')).includes(HOSTILE), 'the hostile title');
  ok((await page.locator('main img').count()) === 0, 'the hostile name makes no element on the task page');
  await shot(page, '06-task-hostile-name');

  // --- results ---
  await page.goto(URL + '/task?id=' + encodeURIComponent(env.QUICK));
  const link = await page.waitForSelector('#results a');
  ok((await link.textContent()) === 'outputs/result.txt', 'the result file is listed');
  const body = await page.evaluate((href) => fetch(href).then((r) => r.text()), await link.getAttribute('href'));
  ok(body === 'forty-two', 'the result file downloads', body);
  await shot(page, '07-task-results');

  // --- the live task: timeline, log growing, chart gaining points ---
  page = await alice.newPage();
  await page.goto(URL + '/task?id=' + encodeURIComponent(env.LONG));
  await page.waitForSelector('#timeline li[data-state="running"]');
  ok((await page.textContent('#details')).includes('256.0 MiB'), 'the task page shows the resources asked for');
  const logLen = () => page.evaluate(() => document.getElementById('log').textContent.length);
  const first = await until(async () => (await logLen()) > 0 && (await logLen()), 'the first log lines');
  await sleep(2500);
  ok((await logLen()) > first, 'the log grows while the task runs');
  const points = () => page.evaluate(() => Number(document.getElementById('chart').dataset.points || 0));
  const p1 = await until(async () => (await points()) >= 3 && (await page.locator('#chart canvas').count()) > 0 && (await points()),
    'the chart');
  await sleep(2500);
  ok((await points()) > p1, 'the chart gains points as metrics arrive');
  const legend = await page.textContent('#chart .u-legend');
  ok(legend.includes('<i>acc</i>') && legend.includes('loss'), 'the metric names are in the legend, as text', legend);
  ok((await page.locator('#chart i').count()) === 0, 'a hostile metric name makes no element');
  await shot(page, '08-task-live');

  // A dropped connection: the log resumes from its offset with no line lost or repeated.
  await alice.setOffline(true);
  await until(async () => (await page.textContent('#log-status')).includes('connection lost'), 'the lost connection', 15000);
  ok(true, 'the page says when the connection is lost');
  await sleep(1500);
  await alice.setOffline(false);
  await until(async () => (await page.textContent('#log-status')).includes('following'), 'the resumed log', 20000);
  const before = await logLen();
  await until(async () => (await logLen()) > before, 'log lines after the reconnect');
  const steps = (await page.textContent('#log')).split('\n').map((l) => l.match(/ out step (\d+) /)).filter(Boolean).map((m) => Number(m[1]));
  ok(steps.length > 5 && steps.every((s, i) => s === i), 'after reconnecting no log line is lost or repeated',
    steps.join(','));

  // --- forged requests must not cancel it ---
  const evil = await evilServer(env.LONG);
  const evilPage = await alice.newPage();
  const forged = evilPage.waitForResponse((r) => r.url().endsWith('/cancel') && r.request().method() === 'POST'
    && r.request().resourceType() === 'document');
  await evilPage.goto(`http://127.0.0.1:${evil.address().port}/`);
  const forgedAnswer = await forged;
  ok(forgedAnswer.status() === 403, 'a cross-site form POST with the cookie is refused', String(forgedAnswer.status()));
  evil.close();
  const noToken = await page.evaluate((id) => fetch(`/api/v1/tasks/${id}/cancel`, { method: 'POST' }).then((r) => r.status), env.LONG);
  ok(noToken === 403, 'a same-site POST without the CSRF token is refused', String(noToken));
  const wrongToken = await page.evaluate((id) => fetch(`/api/v1/tasks/${id}/cancel`,
    { method: 'POST', headers: { 'X-Lab-CSRF': 'f'.repeat(64) } }).then((r) => r.status), env.LONG);
  ok(wrongToken === 403, 'a POST with a wrong CSRF token is refused', String(wrongToken));
  const state = await page.evaluate((id) => fetch(`/api/v1/tasks/${id}`).then((r) => r.json()).then((j) => j.task.state), env.LONG);
  ok(state === 'running', 'the task still runs after the forged requests', state);

  // --- admin page: refused to a student, shown to an admin ---
  const refusedPage = await alice.newPage();
  await refusedPage.goto(URL + '/admin');
  await refusedPage.waitForSelector('#refused');
  ok(true, 'the admin page is refused to a student');
  ok((await refusedPage.evaluate(() => fetch('/api/v1/admin/users').then((r) => r.status))) === 403, 'the admin API is refused to a student');
  await shot(refusedPage, '09-admin-refused');
  const root = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  root.on('page', watch);
  const admin = await signIn(root, 'root', env.ROOT_PW, '/admin');
  await admin.waitForSelector('#users tr[data-user="alice"]');
  const aliceRow = await admin.textContent('#users tr[data-user="alice"]');
  ok(aliceRow.includes('student'), "the admin sees alice's row", aliceRow);
  const cells = await admin.$$eval('#users tr[data-user="alice"] td', (tds) => tds.map((t) => t.textContent));
  ok(cells[2] === '1' && cells[3] === '2', 'alice: 1 unfinished task, 2 finished tasks', cells.join('|'));
  ok(cells[4] === '0.00' && /^\d+\.\d\d$/.test(cells[5]), 'GPU-hours and CPU-hours are shown', cells.join('|'));
  ok((await admin.locator('#users tr[data-user="bob"]').count()) === 1, 'the admin sees every user');
  ok((await admin.textContent('#queue')).includes(env.LONG), 'the queue shows the running task');
  await until(async () => (await admin.locator('#pool tr[data-slot]').count()) === 2, 'the pool with both workers', 20000);
  const pool = await admin.textContent('#pool');
  ok(pool.includes('worker1') && pool.includes('worker2'), 'the pool lists each worker');
  ok(pool.includes(env.LONG), 'the pool shows which worker runs the task');
  ok(pool.includes('worker registration') && pool.includes('snapshot taken by the remote'), 'pool numbers say where they come from');
  await shot(admin, '10-admin');

  // --- cancel from the button ---
  await page.bringToFront();
  await page.click('#cancel');
  await until(async () => (await page.textContent('#title .badge')) === 'cancelled', 'the cancelled state', 30000);
  ok(true, 'the cancel button cancels the task');
  await page.waitForSelector('#timeline li[data-state="cancelled"]');
  ok(await page.isHidden('#cancel'), 'the cancel button goes away once the task is final');
  await until(async () => (await page.textContent('#log-status')).includes('complete'), 'the complete log');
  await shot(page, '11-task-cancelled');

  // --- sign-out ---
  await page.click('#sign-out');
  await page.waitForURL(/\/login/);
  const after = await page.evaluate(() => fetch('/api/v1/auth/whoami').then((r) => r.status));
  ok(after === 401, 'after signing out the session is gone', String(after));

  ok(alerts.length === 0, 'no alert ever fired', alerts.join('; '));
  await browser.close();
  console.log(`browser: ${checks} checks passed; screenshots in ${env.SHOTS}`);
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
