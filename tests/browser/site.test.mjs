#!/usr/bin/env node
// The site in a real browser. Builds a fixture store (report_fixture: a few
// crates with raw logs, their pages, the site and its archives), serves it
// with `crater-at-home serve`, and drives Debian's Chromium through
// playwright-core as a reader would. Screenshots of every test's end (and
// of some steps on the way) land in screenshots/. Exits non-zero if any
// test fails.
//
// CAH_BUILD_DIR (default: build/ at the top of the repository) is where the
// binaries are; CAH_BINARY, CAH_REPORT_FIXTURE, CAH_COMPARE_FIXTURE and
// CHROMIUM override one path each. The store also holds a comparison of two
// runs (compare_fixture). Arguments filter the tests by name.

import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const build = process.env.CAH_BUILD_DIR ?? path.join(repo, 'build');
const binary = process.env.CAH_BINARY ?? path.join(build, 'src/crater-at-home');
const fixture = process.env.CAH_REPORT_FIXTURE ?? path.join(build, 'src/report/report_fixture');
const compareFixture =
  process.env.CAH_COMPARE_FIXTURE ?? path.join(build, 'src/compare/compare_fixture');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshots = path.join(here, 'screenshots');

// The fixture's crates (src/report/report_fixture.cc).
const EVIL = `x"'<img src=x onerror=alert(1)>`;

const tests = [];
function test(name, body) {
  tests.push({ name, body });
}

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}
function checkEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

/// Waits until the log frame of the findings page has loaded a log that
/// contains `text`; returns the frame's path.
async function logFrameShows(page, text) {
  await page.waitForFunction((wanted) => {
    const frame = document.getElementById('log');
    const doc = frame && frame.contentDocument;
    return (
      doc && doc.readyState === 'complete' && !frame.hasAttribute('srcdoc') &&
      doc.body && doc.body.textContent.includes(wanted)
    );
  }, text);
  return page.evaluate(() => document.getElementById('log').contentWindow.location.pathname);
}

// --- the search page -------------------------------------------------------

test('search: a name and Enter land on its newest log', async (page, site) => {
  await page.goto(`${site}/miri/`);
  await page.fill('#search', 'smallvec');
  await page.waitForSelector('#suggestions a');
  checkEqual(await page.locator('#suggestions a').first().textContent(), 'smallvec1.11.0',
    'first suggestion');
  await page.press('#search', 'Enter');
  await page.waitForURL(`${site}/miri/logs/smallvec/1.11.0`);
  await page.waitForFunction(() => document.title.includes(': ub'));
  checkEqual(await page.title(), 'smallvec 1.11.0: ub \u2014 miri', 'log title');
  check((await page.textContent('pre')).includes('Undefined Behavior'), 'the log is shown');
});

test('search: case and - against _ do not matter', async (page, site) => {
  await page.goto(`${site}/miri/index.html`);
  await page.fill('#search', 'Long_Log');
  await page.press('#search', 'Enter');
  await page.waitForURL(`${site}/miri/logs/long-log/0.3.0`);
});

test('search: a version with build metadata is reached', async (page, site) => {
  await page.goto(`${site}/miri/`);
  await page.fill('#search', 'meta');
  await page.press('#search', 'Enter');
  await page.waitForURL(`${site}/miri/logs/meta/1.0.0%2Bbuild.5`);
  check((await page.textContent('pre')).includes('meta v1.0.0+build.5'), 'the log of 1.0.0+build.5');
});

test('search: ?crate=NAME jumps to the newest log', async (page, site) => {
  await page.goto(`${site}/miri/index.html?crate=bytes`);
  await page.waitForURL(`${site}/miri/logs/bytes/1.5.0`);
});

test('search: an unknown crate says so', async (page, site) => {
  await page.goto(`${site}/miri/index.html?crate=no-such-crate`);
  await page.waitForSelector('#message:not(:empty)');
  check((await page.textContent('#message')).includes('no-such-crate'), 'message names the crate');
  await page.fill('#search', 'zzz');
  await page.press('#search', 'Enter');
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('zzz'));
  check(page.url().includes('index.html'), 'stays on the search page');
});

// --- the findings page ----------------------------------------------------

test('findings: newest versions with UB, most downloaded first', async (page, site) => {
  await page.goto(`${site}/miri/ub`);
  const crates = await page.$$eval('a.crate', (links) =>
    links.map((a) => [a.dataset.crate, a.dataset.version]));
  checkEqual(crates, [['smallvec', '1.11.0'], ['long-log', '0.3.0'], [EVIL, '1.0.0']], 'list');
  const causes = await page.textContent('li:has(a[data-crate="long-log"]) .causes');
  check(causes.includes('dangling pointer in helper-dep'), `causes: ${causes}`);
  check(causes.includes('maybe false positive'), `false-positive marker: ${causes}`);
});

test('findings: a click shows the log beside the list and in the URL', async (page, site) => {
  await page.goto(`${site}/miri/ub`);
  await page.click('a.crate[data-crate="long-log"]');
  checkEqual(await logFrameShows(page, 'Undefined Behavior'), '/miri/logs/long-log/0.3.0', 'frame');
  const url = new URL(page.url());
  checkEqual([url.pathname, url.searchParams.get('crate'), url.searchParams.get('version')],
    ['/miri/ub', 'long-log', '0.3.0'], 'shareable URL');
  check(await page.isVisible('li.selected a[data-crate="long-log"]'), 'the choice is highlighted');
});

test('findings: a shared URL opens its log', async (page, site) => {
  await page.goto(`${site}/miri/ub?crate=smallvec&version=1.11.0`);
  checkEqual(await logFrameShows(page, 'borrow stack'), '/miri/logs/smallvec/1.11.0', 'frame');
  check(await page.isVisible('li.selected a[data-crate="smallvec"]'), 'the choice is highlighted');
});

test('findings: a hostile crate name stays text', async (page, site, dialogs, shot) => {
  await page.goto(`${site}/miri/ub`);
  checkEqual(await page.locator('img').count(), 0, 'no injected <img>');
  const link = page.locator('a.crate').nth(2);
  checkEqual(await link.getAttribute('data-crate'), EVIL, 'data-crate');
  check((await link.textContent()).startsWith(EVIL), 'the name shows as it is');
  await link.click();
  checkEqual(await logFrameShows(page, '<script>alert(3)</script>'),
    `/miri/logs/${encodeURIComponent(EVIL)}/1.0.0`, 'frame');
  checkEqual(new URL(page.url()).searchParams.get('crate'), EVIL, 'crate in the URL');
  await shot('findings');
  await page.goto(`${site}/miri/`);
  await page.fill('#search', EVIL);
  await page.press('#search', 'Enter');
  await page.waitForURL(/\/miri\/logs\/x%22/);
  checkEqual(dialogs, [], 'no script ran');
});

// --- the summary ------------------------------------------------------------

test('summary: outcomes and kinds as SVG charts', async (page, site) => {
  await page.goto(`${site}/miri/summary.html`);
  checkEqual(await page.locator('svg.chart').count(), 2, 'charts');
  const outcomes = await page.locator('svg.chart').first().evaluate((svg) =>
    [...svg.querySelectorAll('g.bar')].map((g) => g.querySelector('text').textContent));
  checkEqual(outcomes, ['passed', 'build-failed', 'test-failed', 'ub', 'timed-out', 'oom', 'broken'],
    'outcome bars');
  const bar = await page.locator('svg.chart rect').first().boundingBox();
  check(bar && bar.width > 10 && bar.height > 5, 'bars are drawn');
  const kinds = await page.locator('svg.chart').nth(1).textContent();
  check(kinds.includes('Stacked Borrows') && kinds.includes('dangling pointer'), kinds);
});

test('summary: the slowest crates link to their logs', async (page, site) => {
  await page.goto(`${site}/miri/summary.html`);
  checkEqual(await page.locator('#slowest tbody tr').count(), 10, 'rows');
  await page.click('#slowest tbody tr:first-child a');
  await page.waitForURL(`${site}/miri/logs/slow-crate/2.0.0`);
  await page.goBack();
  await page.click('#hungriest tbody tr:first-child a');
  await page.waitForURL(`${site}/miri/logs/hungry/0.1.0`);
});

// --- the landing page and the lists ---------------------------------------

/// Waits until the list page shows its rows; returns [crate, version] of each.
async function listRows(page) {
  await page.waitForSelector('#crates:not([hidden]) tbody tr');
  return page.$$eval('#crates tbody a.crate', (links) =>
    links.map((a) => [a.textContent, a.closest('tr').children[2].textContent]));
}

test('landing: the count of each outcome and the facts of the run', async (page, site, _, shot) => {
  await page.goto(`${site}/miri/`);
  const counts = await page.$$eval('#outcomes tr', (rows) =>
    rows.map((tr) => [tr.querySelector('.o').textContent, tr.children[1].textContent,
      tr.querySelector('a') ? tr.querySelector('a').getAttribute('href') : null]));
  checkEqual(counts, [
    ['passed', '2', 'list.html?outcome=passed'],
    ['build-failed', '1', 'list.html?outcome=build-failed'],
    ['test-failed', '1', 'list.html?outcome=test-failed'],
    ['ub', '3', 'list.html?outcome=ub'],
    ['timed-out', '1', 'list.html?outcome=timed-out'],
    ['oom', '1', 'list.html?outcome=oom'],
    ['broken', '1', 'list.html?outcome=broken'],
    ['error', '0', null],
  ], 'outcomes');
  checkEqual(await page.textContent('#toolchain'),
    'nightly-2024-05-01 (rustc 1.80.0-nightly (c987ad527 2024-05-01))', 'toolchain');
  checkEqual(await page.textContent('#flags'), 'MIRIFLAGS=-Zmiri-strict-provenance', 'flags');
  check((await page.textContent('#ran')).startsWith('2024-05-02 08:00 UTC \u2013 2024-05-02 09:'),
    'first and last record time');
  checkEqual(await page.textContent('#registry'), 'https://index.crates.io/', 'registry');
  await shot('landing');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('landing-dark');
  await page.goto(`${site}/miri/list.html?outcome=ub`);
  await listRows(page);
  await shot('list-dark');
});

test('browse: landing, the build-failed list, a log with its header, and back',
  async (page, site, _, shot) => {
    await page.goto(`${site}/miri/`);
    await page.click('#outcomes a[href="list.html?outcome=build-failed"]');
    await page.waitForURL(`${site}/miri/list.html?outcome=build-failed`);
    checkEqual(await listRows(page), [['broken', '0.0.1']], 'the build-failed list');
    checkEqual(await page.title(), 'miri: build-failed (1)', 'list title');
    check(await page.isVisible('ul.tabs a[aria-current="page"][data-outcome="build-failed"]'),
      'the outcome is marked current');
    await shot('list');
    await page.click('#crates a.crate');
    await page.waitForURL(`${site}/miri/logs/broken/0.0.1`);
    await page.waitForFunction(() => document.getElementById('cah-outcome').textContent !== '\u2026');
    checkEqual(await page.textContent('#cah-outcome'), 'build-failed', 'outcome in the header');
    checkEqual(await page.title(), 'broken 0.0.1: build-failed \u2014 miri', 'log title');
    const facts = await page.textContent('#cah-head');
    for (const fact of ['toolchain nightly-2024-05-01 (rustc 1.80.0-nightly', '2024-05-02 08:',
      'took 12.0 s', '90.0 MiB peak memory', 'engine unix:///var/run/docker.sock',
      'MIRIFLAGS=-Zmiri-strict-provenance']) {
      check(facts.includes(fact), `header facts have "${fact}": ${facts}`);
    }
    const links = await page.$$eval('#cah-head nav a', (as) => as.map((a) => a.href));
    checkEqual(links, [`${site}/miri/index.html`, `${site}/miri/list.html?outcome=build-failed`,
      `${site}/miri/raw/broken/0.0.1`, 'https://crates.io/crates/broken/0.0.1',
      'https://docs.rs/broken/0.0.1'], 'header links');
    check((await page.textContent('pre')).includes('cannot find value'), 'the log follows');
    await shot('log');
    await page.goBack();
    await page.waitForURL(`${site}/miri/list.html?outcome=build-failed`);
    checkEqual(await listRows(page), [['broken', '0.0.1']], 'back on the list');
    await page.click('a[href="index.html"]');
    await page.waitForURL(`${site}/miri/index.html`);
  });

test('log: the header of a UB log names its causes, and of a broken crate its reason',
  async (page, site, _, shot) => {
    await page.goto(`${site}/miri/logs/long-log/0.3.0`);
    await page.waitForFunction(() => document.title.includes(': ub'));
    const causes = await page.textContent('#cah-causes');
    check(causes.includes('dangling pointer in helper-dep (maybe false positive); Stacked Borrows'),
      `causes: ${causes}`);
    await page.goto(`${site}/miri/logs/no-deps/0.2.0`);
    await page.waitForFunction(() => document.title.includes(': broken'));
    checkEqual(await page.textContent('#cah-causes'), 'no matching package named `gone` found',
      'reason');
    await shot('broken');
  });

test('list: a UB kind in the summary leads to its list', async (page, site, _, shot) => {
  await page.goto(`${site}/miri/summary.html`);
  await page.locator('svg.chart').nth(1).locator('a', { hasText: 'Stacked Borrows' }).click();
  await page.waitForURL(`${site}/miri/list.html?outcome=ub&kind=Stacked%20Borrows`);
  checkEqual(await listRows(page), [['smallvec', '1.11.0'], ['long-log', '0.3.0']], 'rows');
  checkEqual(await page.textContent('#what'), 'ub: Stacked Borrows', 'heading');
  await shot('kind');
  await page.goto(`${site}/miri/summary.html`);
  await page.locator('svg.chart').first().locator('a', { hasText: 'timed-out' }).click();
  await page.waitForURL(`${site}/miri/list.html?outcome=timed-out`);
  checkEqual(await listRows(page), [['slow-crate', '2.0.0']], 'the timed-out bar');
});

test('list: j/k move between crates and Enter opens the log', async (page, site) => {
  await page.goto(`${site}/miri/list.html?outcome=passed`);
  checkEqual(await listRows(page), [['meta', '1.0.0+build.5'], ['bytes', '1.5.0']].reverse(),
    'most downloaded first');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowDown');
  checkEqual(await page.evaluate(() => document.activeElement.textContent), 'meta', 'focus');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${site}/miri/logs/meta/1.0.0%2Bbuild.5`);
});

test('list: an outcome no crate has, and one the site does not know', async (page, site) => {
  await page.goto(`${site}/miri/list.html?outcome=error`);
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('error'));
  check(!(await page.isVisible('#crates')), 'no table');
  await page.goto(`${site}/miri/list.html?outcome=weird`);
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('weird'));
});

test('big: the list of 200,000 crates paints its first page within 1 s', async (page, site, _, shot) => {
  const started = Date.now();
  await page.goto(`${site}/big/list.html?outcome=passed`);
  await page.waitForSelector('#crates:not([hidden]) tbody tr');
  // The frame after the rows are in: navigation start to pixels, as the page saw it.
  const painted = await page.evaluate(() => new Promise((resolve) =>
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0))));
  const wall = Date.now() - started;
  const count = await page.locator('#crates tbody tr').count();
  checkEqual(count, 1000, 'rows on the first page');
  const total = await page.textContent('#range');
  console.log(`     first page of ${total}: painted ${painted.toFixed(0)} ms after navigation ` +
    `(${wall} ms as the test saw it)`);
  check(painted < 1000, `painted within 1 s (${painted.toFixed(0)} ms)`);
  await shot('first-page');
  await page.keyboard.press('n');
  await page.waitForURL(`${site}/big/list.html?outcome=passed&page=2`);
  await page.waitForSelector('#crates:not([hidden]) tbody tr');
  checkEqual(await page.textContent('#crates tbody tr td'), '1,001', 'the second page starts at 1,001');
});

// --- the log pages ----------------------------------------------------------

test('log: a page with UB scrolls to its first finding', async (page, site) => {
  await page.goto(`${site}/miri/logs/long-log/0.3.0`);
  await page.waitForFunction(() => window.scrollY > 0);
  // At the top of the window, or as near as the end of the page allows.
  const [top, height] = await page.evaluate(() =>
    [document.getElementById('ub').getBoundingClientRect().top, window.innerHeight]);
  check(top >= -2 && top < height - 20, `the finding is in view (${top} of ${height})`);
});

test('log: a page without UB stays at the top', async (page, site) => {
  await page.goto(`${site}/miri/logs/bytes/1.5.0`);
  await page.waitForLoadState('load');
  checkEqual(await page.evaluate(() => window.scrollY), 0, 'scrollY');
});

// --- what a bucket website does -------------------------------------------

test('missing log: 404 with the error page, links from the tool root', async (page, site, _, shot) => {
  const response = await page.goto(`${site}/miri/logs/nope/9.9.9`);
  checkEqual(response.status(), 404, 'status');
  checkEqual(await page.textContent('#what'), 'There is no miri log of nope 9.9.9.', 'message');
  checkEqual(await page.evaluate(() => document.getElementById('home').href),
    `${site}/miri/index.html`, 'home link');
  await shot('404');
  await page.click('#newest');
  await page.waitForURL(`${site}/miri/index.html?crate=nope`);
  await page.waitForSelector('#message:not(:empty)');
});

test('serve: content types of a bucket', async (page, site) => {
  const types = {};
  for (const key of ['miri/', 'miri/ub', 'miri/403', 'miri/list.html', 'miri/lists/ub/0.json',
    'miri/logs/bytes/1.5.0',
    'miri/raw/bytes/1.5.0', 'miri/results/bytes/1.5.0.json', 'miri/raw.tar.xz']) {
    const response = await page.request.get(`${site}/${key}`);
    checkEqual(response.status(), 200, key);
    types[key] = response.headers()['content-type'];
  }
  checkEqual(types, {
    'miri/': 'text/html; charset=utf-8',
    'miri/ub': 'text/html; charset=utf-8',
    'miri/403': 'text/html; charset=utf-8',
    'miri/list.html': 'text/html; charset=utf-8',
    'miri/lists/ub/0.json': 'application/json',
    'miri/logs/bytes/1.5.0': 'text/html; charset=utf-8',
    'miri/raw/bytes/1.5.0': 'text/plain; charset=utf-8',
    'miri/results/bytes/1.5.0.json': 'application/json',
    'miri/raw.tar.xz': 'application/x-xz',
  }, 'content types');
  await page.goto(`${site}/`);
  await page.click('a[href="miri/"]');
  await page.waitForURL(`${site}/miri/`);
});

// --- a comparison of two runs (src/compare/compare_fixture.cc) ---------------

const COMPARISON = 'compare/before..after';

test('compare: counts, and lists most downloaded first', async (page, site, _, shot) => {
  await page.goto(`${site}/${COMPARISON}/`);
  const counts = await page.$$eval('#counts tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.category, r.lastElementChild.textContent])));
  checkEqual(counts, {
    regressed: '1', fixed: '1', flaky: '0', 'new-ub': '1', 'ub-gone': '0', 'ub-changed': '0',
    'broken-or-error': '0', 'failed-differently': '0', unchanged: '1',
  }, 'counts');
  const lists = await page.$$eval('section', (sections) =>
    sections.map((s) => [s.id, [...s.querySelectorAll('tr.crate')].map((r) => r.dataset.crate)]));
  checkEqual(lists, [['regressed', ['smallvec']], ['fixed', ['bytes']], ['new-ub', ['long-log']]],
    'lists');
  const differs = await page.$$eval('table.runs tr.differs th', (ths) =>
    ths.map((th) => th.textContent));
  checkEqual(differs, ['run', 'flags'], 'what differs between the runs');
  await shot('index');
  await page.click('section#regressed a:text("B log")');
  await page.waitForURL(`${site}/after/logs/smallvec/1.11.0`);
  check((await page.textContent('pre')).includes('Undefined Behavior'), 'the B log is shown');
});

test('compare: the side-by-side page shows both first differing lines', async (page, site, _, shot) => {
  await page.goto(`${site}/${COMPARISON}/`);
  await page.click('section#new-ub a:has-text("long-log")');
  await page.waitForURL(`${site}/${COMPARISON}/long-log/0.3.0.html`);
  checkEqual(await page.textContent('#difference'), 'The logs first differ at line 301 (marked).',
    'difference');
  for (const side of ['a', 'b']) {
    // Each log scrolled so that its marked line is in view.
    const [line, pane] = await page.evaluate((s) => [
      document.getElementById(`diff-${s}`).getBoundingClientRect().toJSON(),
      document.getElementById(`log-${s}`).getBoundingClientRect().toJSON(),
    ], side);
    check(line.top >= pane.top && line.bottom <= pane.bottom,
      `${side}: marked line ${line.top}..${line.bottom} in the pane ${pane.top}..${pane.bottom}`);
  }
  check((await page.textContent('#diff-a')).includes('test last ... FAILED'), 'A marked line');
  check((await page.textContent('#diff-b')).includes('Undefined Behavior'), 'B marked line');
  await shot('side-by-side');
  const response = await page.request.get(`${site}/${COMPARISON}/long-log/0.3.0.html`);
  checkEqual(response.headers()['content-type'], 'text/html; charset=utf-8', 'content type');
  await page.click('a:text("all crates")');
  await page.waitForURL(`${site}/${COMPARISON}/index.html`);
});

// --- the harness ------------------------------------------------------------

/// Starts `serve` on a free port; resolves to the process and its URL.
function startServer(store) {
  const server = spawn(binary, ['serve', '--store', `file://${store}`, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  readline.createInterface({ input: server.stderr }).on('line', (line) => log.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not start in 10 s')), 10000);
    server.on('exit', (code) => reject(new Error(`serve exited (${code}): ${log.join('\n')}`)));
    readline.createInterface({ input: server.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const url = /at (http:\/\/\S+?)\/?$/.exec(line);
      if (!url) reject(new Error(`unexpected first line from serve: ${line}`));
      else resolve({ server, url: url[1], log });
    });
  });
}

function stopServer(server) {
  return new Promise((resolve) => {
    if (server.exitCode !== null) return resolve(server.exitCode);
    server.removeAllListeners('exit');
    server.on('exit', (code) => resolve(code));
    server.kill('SIGINT');
  });
}

async function main() {
  const filters = process.argv.slice(2);
  const selected = tests.filter((t) => !filters.length || filters.some((f) => t.name.includes(f)));
  const started = Date.now();
  const store = mkdtempSync(path.join(tmpdir(), 'cah-browser-'));
  mkdirSync(screenshots, { recursive: true });
  let failed = 0;
  let server;
  let browser;
  try {
    execFileSync(fixture, [store], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (selected.some((t) => t.name.startsWith('big:'))) {
      execFileSync(fixture, ['--synthetic', '200000', store], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    execFileSync(compareFixture, [store], { stdio: ['ignore', 'ignore', 'inherit'] });
    const serving = await startServer(store);
    server = serving.server;
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    console.log(`serving the fixture at ${serving.url}; ready in ${Date.now() - started} ms`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10000);
    for (const { name, body } of selected) {
      const page = await context.newPage();
      const dialogs = [];
      const errors = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        dialog.dismiss().catch(() => {});
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const file = name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '');
      const shot = (step) => page.screenshot({ path: path.join(screenshots, `${file}-${step}.png`) });
      const t0 = Date.now();
      try {
        await body(page, serving.url, dialogs, shot);
        checkEqual(dialogs, [], 'dialogs');
        checkEqual(errors, [], 'script errors');
        console.log(`ok   ${name} (${Date.now() - t0} ms)`);
      } catch (error) {
        failed++;
        console.log(`FAIL ${name}\n     ${String(error.message).split('\n').join('\n     ')}`);
      } finally {
        await page.screenshot({ path: path.join(screenshots, `${file}.png`) }).catch(() => {});
        await page.close();
      }
    }
  } finally {
    if (browser) await browser.close();
    if (server) {
      const code = await stopServer(server);
      if (code !== 0) {
        failed++;
        console.log(`FAIL serve stops on SIGINT with status 0 (got ${code})`);
      }
    }
    rmSync(store, { recursive: true, force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${selected.length - failed} of ${selected.length} passed in ${seconds} s; ` +
    `screenshots in ${path.relative(process.cwd(), screenshots) || '.'}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
