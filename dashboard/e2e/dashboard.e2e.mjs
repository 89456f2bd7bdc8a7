// Browser test of the dashboard against a running Loom server, driving Debian's Chromium through playwright-core.
//
//   LOOM_URL            the server's base URL, e.g. http://127.0.0.1:8080 (required)
//   LOOM_KEY            an API key with the operator role (required)
//   LOOM_SLOW_WORKFLOW  a workflow whose run lasts long enough to be cancelled (required for the cancel check)
//   LOOM_SCREENSHOTS    where screenshots go (default: <repo>/artifacts/screenshots)
//   LOOM_CHROMIUM       the browser (default /usr/bin/chromium)
//   LOOM_E2E_TIMEOUT_MS how long a run may take to finish (default 90000)
//   LOOM_E2E_HOST       server (default) or functions: the Function App has no event stream (it answers 501), so there
//                       the run page must fall back to polling; on the server it must follow the stream
//
// Prints one line per check and a final "N passed, M failed"; exits 0 only when every check passed.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.LOOM_URL ?? '').replace(/\/+$/, '');
const key = process.env.LOOM_KEY ?? '';
const slowWorkflow = process.env.LOOM_SLOW_WORKFLOW ?? '';
const screenshots = path.resolve(process.env.LOOM_SCREENSHOTS ?? path.join(here, '..', '..', 'artifacts', 'screenshots'));
const executablePath = process.env.LOOM_CHROMIUM ?? '/usr/bin/chromium';
const runTimeout = Number(process.env.LOOM_E2E_TIMEOUT_MS ?? 90_000);
const host = process.env.LOOM_E2E_HOST ?? 'server';
const SAMPLES = ['daily-report', 'etl-fanout', 'retry-demo', 'callback-demo', 'foreach-demo'];

if (!['server', 'functions'].includes(host)) {
  console.error(`dashboard e2e: LOOM_E2E_HOST is ${host}; use server or functions.`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}

if (!baseUrl || !key) {
  console.error('dashboard e2e: set LOOM_URL (the server, e.g. http://127.0.0.1:8080) and LOOM_KEY (an operator key).');
  console.log('0 passed, 1 failed');
  process.exit(2);
}

const results = [];
const pageErrors = [];

/** Runs one named check; a failure is recorded with its message and the next check still runs. */
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    results.push({ name, ok: false, message });
    console.log(`FAIL - ${name}: ${message}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  const file = path.join(screenshots, `${name}.png`);
  // Colour changes fade in (a CSS transition): finish them so the picture shows the state the check just saw.
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  console.log(`       screenshot ${file}`);
}

const hash = (route) => `${baseUrl}/#${route}`;

async function statuses(page, scope) {
  return page.locator(`${scope} [data-testid="dag-node"]`).evaluateAll((nodes) => nodes.map((n) => `${n.getAttribute('data-task-id')}=${n.getAttribute('data-status')}`));
}

/** Waits until the run page shows a run id in the URL, and returns it. */
async function waitForRunPage(page) {
  await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: 20_000 });
  const runId = decodeURIComponent(new URL(page.url()).hash.replace(/^#\/runs\//, ''));
  await page.locator('[data-testid="run-status"]').waitFor({ timeout: 20_000 });
  return runId;
}

/** Triggers a run of a workflow from its page, with the prefilled parameters. */
async function triggerFromPage(page, workflowId) {
  await page.goto(hash(`/workflows/${encodeURIComponent(workflowId)}`));
  const button = page.locator('[data-testid="trigger-button"]');
  await button.waitFor({ timeout: 20_000 });
  await button.click();
  const error = page.locator('[data-testid="trigger-error"]');
  const runId = await Promise.race([
    waitForRunPage(page),
    error.waitFor({ state: 'visible', timeout: 20_000 }).then(async () => {
      throw new Error(`trigger of ${workflowId} failed: ${await error.textContent()}`);
    }),
  ]);
  return runId;
}

// Fail fast with one clear line when the server is not there or does not serve the dashboard.
try {
  const response = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok || !text.includes('id="app"')) {
    console.error(`dashboard e2e: ${baseUrl}/ answered ${response.status} without the dashboard's index.html (was dashboard/build.sh run before the server started?)`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
} catch (error) {
  console.error(`dashboard e2e: cannot reach ${baseUrl}/: ${error instanceof Error ? (error.cause?.message ?? error.message) : error}`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}

await mkdir(screenshots, { recursive: true });
let browser;
try {
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
} catch (error) {
  console.error(`dashboard e2e: cannot start Chromium at ${executablePath} (apt-get install -y chromium): ${error instanceof Error ? error.message.split('\n')[0] : error}`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The run page's live updates: which event streams it opened, and how the server answered.
  const streams = [];
  // Reads of a run (GET /api/runs/{id}), in order with the streams: what a page without a stream polls.
  const runReads = [];
  page.on('response', (response) => {
    const pathname = new URL(response.url()).pathname;
    if (/\/api\/runs\/[^/]+\/stream$/.test(pathname)) streams.push({ url: response.url(), status: response.status(), type: response.headers()['content-type'] ?? '', at: Date.now() });
    else if (/^\/api\/runs\/[^/]+$/.test(pathname) && response.request().method() === 'GET') runReads.push({ pathname, at: Date.now() });
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) pageErrors.push(message.text());
  });
  // Cancel asks for confirmation.
  page.on('dialog', (dialog) => void dialog.accept());

  await check('the key prompt refuses a wrong key with a message', async () => {
    await page.goto(hash('/workflows'));
    await page.locator('[data-testid="login-form"]').waitFor();
    await shot(page, '01-login');
    await page.fill('[data-testid="key-input"]', `wrong-${Date.now()}`);
    await page.click('[data-testid="login-button"]');
    await page.waitForFunction(() => /not accepted|401/i.test(document.querySelector('[data-testid="login-message"]')?.textContent ?? ''));
  });

  await check('the key prompt accepts the key and shows the workflows', async () => {
    await page.goto(hash('/workflows'));
    await page.locator('[data-testid="login-form"]').waitFor();
    await page.fill('[data-testid="key-input"]', key);
    await page.click('[data-testid="login-button"]');
    await page.locator('[data-testid="workflow-row"]').first().waitFor();
    assert((await page.evaluate(() => sessionStorage.getItem('loom.apiKey'))) !== null, 'the key was not kept in session storage');
  });

  await check(`the workflows page lists the samples (${SAMPLES.join(', ')})`, async () => {
    await page.goto(hash('/workflows'));
    await page.locator('[data-testid="workflow-row"]').first().waitFor();
    const ids = await page.locator('[data-testid="workflow-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-workflow-id')));
    const missing = SAMPLES.filter((id) => !ids.includes(id));
    assert(missing.length === 0, `missing ${missing.join(', ')} (listed: ${ids.join(', ') || 'none'})`);
    await shot(page, '02-workflows');
  });

  await check('the daily-report DAG shows 3 nodes and 2 edges', async () => {
    await page.goto(hash('/workflows/daily-report'));
    await page.locator('[data-testid="workflow-dag"] [data-testid="dag-node"]').first().waitFor();
    const nodes = await page.locator('[data-testid="workflow-dag"] [data-testid="dag-node"]').count();
    const edges = await page.locator('[data-testid="workflow-dag"] [data-testid="dag-edge"]').count();
    assert(nodes === 3 && edges === 2, `expected 3 nodes and 2 edges, saw ${nodes} nodes and ${edges} edges`);
    await shot(page, '03-workflow-daily-report');
  });

  let succeededRun = '';
  await check('triggering daily-report from the page turns every node green', async () => {
    succeededRun = await triggerFromPage(page, 'daily-report');
    try {
      await page.waitForFunction(
        () => {
          const nodes = [...document.querySelectorAll('[data-testid="run-dag"] [data-testid="dag-node"]')];
          return nodes.length === 3 && nodes.every((n) => n.getAttribute('data-status') === 'succeeded');
        },
        null,
        { timeout: runTimeout, polling: 250 },
      );
    } catch {
      throw new Error(`run ${succeededRun} did not succeed within ${runTimeout} ms: ${(await statuses(page, '[data-testid="run-dag"]')).join(', ')}`);
    }
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="gantt-bar"]').first().waitFor();
    await shot(page, '04-run-succeeded');
  });

  if (host === 'server') {
    await check('the run page follows the run through its event stream', async () => {
      assert(succeededRun, 'no run from the previous check');
      const opened = streams.filter((x) => x.url.includes(`/api/runs/${encodeURIComponent(succeededRun)}/stream`));
      assert(opened.length > 0, `the page opened no stream for ${succeededRun}`);
      assert(opened.every((x) => x.status === 200 && x.type.startsWith('text/event-stream')), `stream answers: ${opened.map((x) => `${x.status} ${x.type}`).join(', ')}`);
    });
  } else {
    await check('the run page falls back to polling where the host has no event stream (501)', async () => {
      assert(succeededRun, 'no run from the previous check');
      const opened = streams.filter((x) => x.url.includes(`/api/runs/${encodeURIComponent(succeededRun)}/stream`));
      assert(opened.length > 0, `the page did not try the stream for ${succeededRun}`);
      assert(opened.every((x) => x.status === 501), `stream answers: ${opened.map((x) => `${x.status} ${x.type}`).join(', ')}`);
      // The run turned green (the check before) only by reading it: the page read the run after the 501 (once is
      // enough when the run had already finished by then, as a three-task run on loopback often has).
      const polled = runReads.filter((r) => r.pathname === `/api/runs/${encodeURIComponent(succeededRun)}` && r.at >= opened[0].at);
      assert(polled.length >= 1, `after the 501 the page did not read the run again`);
    });
  }

  await check('a retried attempt reads "failed, retried in" in the inspector (retry-demo)', async () => {
    const runId = await triggerFromPage(page, 'retry-demo');
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor({ timeout: runTimeout });
    await page.locator('[data-testid="run-dag"] [data-testid="dag-node"][data-task-id="flaky"]').click();
    await page.locator('[data-testid="attempt-inspector"] [data-testid="attempt"][data-attempt="3"]').waitFor();
    const outcomes = await page.locator('[data-testid="attempt-inspector"] [data-testid="attempt-outcome"]').allTextContents();
    const retried = outcomes.filter((t) => /failed, retried in \d/.test(t));
    assert(retried.length === 2, `run ${runId} attempts read: ${outcomes.map((t) => t.trim()).join(' | ')}`);
    await shot(page, '05b-run-retried');
  });

  await check('a forEach run (foreach-demo): the DAG node counts the instances, the grid row expands into them, an instance shows its attempts', async () => {
    const runId = await triggerFromPage(page, 'foreach-demo');
    try {
      await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor({ timeout: runTimeout });
    } catch {
      throw new Error(`run ${runId} did not succeed within ${runTimeout} ms: ${(await statuses(page, '[data-testid="run-dag"]')).join(', ')}`);
    }
    // The page refreshes once more after the run is final: wait for the node to read the final count.
    const node = page.locator('[data-testid="run-dag"] [data-testid="dag-node"][data-task-id="process"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="run-dag"] [data-task-id="process"] .dag-node-detail')?.textContent === '×8 · 8✓',
      null,
      { timeout: 20_000 },
    ).catch(async () => {
      throw new Error(`the process node reads "${await node.locator('.dag-node-detail').textContent()}", not "×8 · 8✓"`);
    });
    assert((await node.getAttribute('data-fan-out')) === 'true', 'the process node is not drawn as a fan-out');
    const listNode = page.locator('[data-testid="run-dag"] [data-testid="dag-node"][data-task-id="list_items"]');
    assert((await listNode.getAttribute('data-fan-out')) === null, 'list_items is drawn as a fan-out');

    await page.click('[data-testid="run-tasks"] [data-testid="expand-instances"][data-task-id="process"]');
    const rows = page.locator('[data-testid="run-tasks"] [data-testid="instance-row"][data-task-id="process"]');
    await rows.nth(7).waitFor({ timeout: 20_000 });
    const listed = await rows.evaluateAll((all) => all.map((r) => `${r.getAttribute('data-instance-id')}=${r.getAttribute('data-status')}`));
    const expected = [...Array(8).keys()].map((i) => `process[${i}]=succeeded`);
    assert(listed.join(',') === expected.join(','), `instances listed: ${listed.join(', ')}`);
    assert((await page.locator('[data-testid="instances-more"]').count()) === 0, 'a "more" control is offered for 8 instances');
    // The timeline expands with the grid: one bar per instance.
    await page.locator('[data-testid="gantt-bar"][data-task-id="process[7]"]').waitFor({ timeout: 10_000 });
    await shot(page, '05c-run-foreach');

    await rows.nth(2).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="inspected-task"]')?.textContent === 'process[2]');
    await page.locator('[data-testid="attempt-inspector"] [data-testid="attempt"][data-outcome="succeeded"]').first().waitFor({ timeout: 20_000 });

    // The workflow page marks the task as fanning out.
    await page.goto(hash('/workflows/foreach-demo'));
    await page.locator('[data-testid="workflow-dag"] [data-testid="dag-node"][data-task-id="process"][data-fan-out="true"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="runs-grid"] [data-testid="grid-fan-out"]').first().waitFor({ timeout: 20_000 });
  });

  await check('the attempt inspector shows the attempts of a clicked task', async () => {
    assert(succeededRun, 'no run from the previous check');
    await page.goto(hash(`/runs/${encodeURIComponent(succeededRun)}`));
    await page.locator('[data-testid="run-dag"] [data-testid="dag-node"]').first().click();
    await page.locator('[data-testid="attempt-inspector"] [data-testid="attempt"]').first().waitFor();
    const outcome = await page.locator('[data-testid="attempt-inspector"] [data-testid="attempt"]').first().getAttribute('data-outcome');
    assert(outcome === 'succeeded', `first attempt shows outcome ${outcome}`);
    await page.locator('[data-testid="event-log"] [data-testid="event-row"]').first().waitFor();
    await shot(page, '05-run-attempts');
  });

  await check('the runs grid of daily-report shows the run', async () => {
    await page.goto(hash('/workflows/daily-report'));
    await page.locator(`[data-testid="grid-run"][data-run-id="${succeededRun.replace(/"/g, '\\"')}"]`).waitFor({ timeout: 20_000 });
    const cells = await page.locator(`[data-testid="grid-cell"][data-run-id="${succeededRun.replace(/"/g, '\\"')}"]`).evaluateAll((c) => c.map((x) => x.getAttribute('data-status')));
    assert(cells.length === 3 && cells.every((s) => s === 'succeeded'), `grid cells of ${succeededRun}: ${cells.join(', ')}`);
    await shot(page, '06-workflow-grid');
  });

  await check('cancelling a slow run from the page ends it as cancelled', async () => {
    assert(slowWorkflow, 'set LOOM_SLOW_WORKFLOW to a workflow whose runs last long enough to cancel');
    const runId = await triggerFromPage(page, slowWorkflow);
    const cancel = page.locator('[data-testid="cancel-button"]');
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-testid="cancel-button"]');
      return b instanceof HTMLButtonElement && !b.disabled;
    });
    await cancel.click();
    try {
      await page.locator('[data-testid="run-status"][data-status="cancelled"]').waitFor({ timeout: runTimeout });
    } catch {
      const status = await page.locator('[data-testid="run-status"]').getAttribute('data-status');
      throw new Error(`run ${runId} is ${status}, not cancelled, after ${runTimeout} ms`);
    }
    const running = (await statuses(page, '[data-testid="run-dag"]')).filter((s) => /=(running|waiting|retrying)$/.test(s));
    assert(running.length === 0, `tasks still active after cancel: ${running.join(', ')}`);
    assert(!(await page.locator('[data-testid="retry-button"]').isDisabled()), 'retry is not offered for the cancelled run');
    await shot(page, '07-run-cancelled');
  });

  await check('the runs page lists the runs and filters them by status', async () => {
    assert(succeededRun, 'no run from the trigger check');
    await page.goto(hash('/runs'));
    await page.locator(`[data-testid="run-row"][data-run-id="${succeededRun.replace(/"/g, '\\"')}"]`).waitFor({ timeout: 20_000 });
    await shot(page, '08-runs');
    await page.selectOption('[data-testid="runs-status-filter"]', 'cancelled');
    // The filter goes to the server (?status=cancelled): wait for a list of cancelled runs only, without the succeeded one.
    await page.waitForFunction(
      (hidden) => {
        const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
        return rows.length > 0 && rows.every((r) => r.querySelector('[data-status]')?.getAttribute('data-status') === 'cancelled') && !rows.some((r) => r.getAttribute('data-run-id') === hidden);
      },
      succeededRun,
      { timeout: 20_000 },
    );
  });

  await check("the trigger form has a field per param of etl-fanout, and a changed value reaches the run typed", async () => {
    await page.goto(hash('/workflows/etl-fanout'));
    const batch = page.locator('[data-testid="param-batchSize"]');
    await batch.waitFor({ timeout: 20_000 });
    assert((await page.locator('[data-testid="param-region"]').inputValue()) === 'eu-west', 'region is not prefilled with its default');
    await batch.fill('42');
    await page.click('[data-testid="trigger-button"]');
    const runId = await waitForRunPage(page);
    const run = await (await fetch(`${baseUrl}/api/runs/${encodeURIComponent(runId)}`, { headers: { 'x-functions-key': key } })).json();
    assert(run.params?.batchSize === 42 && run.params?.region === 'eu-west', `run ${runId} params: ${JSON.stringify(run.params)}`);
  });

  await check('a backfill of daily-report from the page starts one run per occurrence, one at a time', async () => {
    await page.goto(hash('/workflows/daily-report'));
    await page.locator('[data-testid="backfill-from"]').waitFor({ timeout: 20_000 });
    await page.fill('[data-testid="backfill-from"]', '2026-11-01T00:00:00');
    await page.fill('[data-testid="backfill-to"]', '2026-11-03T23:59:00');
    await page.fill('[data-testid="backfill-max"]', '1');
    await page.click('[data-testid="backfill-button"]');
    await page.waitForFunction(() => /occurrence/.test(document.querySelector('[data-testid="backfill-result"]')?.textContent ?? ''), null, { timeout: 20_000 });
    const text = (await page.locator('[data-testid="backfill-result"]').textContent()) ?? '';
    assert(/^3 occurrence\(s\): started 1, 0 already existed, 2 queued \(at most 1 at once\)/.test(text), `backfill said: ${text}`);
    await shot(page, '09-workflow-backfill');
    const first = await fetch(`${baseUrl}/api/runs/${encodeURIComponent('daily-report@20261101T030000Z')}`, { headers: { 'x-functions-key': key } });
    assert(first.ok, `the first occurrence's run is not there (${first.status})`);
  });

  // Authoring: a workflow of its own (registered only, never run), so the samples the checks above use stay as they are.
  const authored = `e2e-authored-${Date.now().toString(36)}`;
  const authoredYaml = (dependsOn, method) =>
    [
      `id: ${authored}`,
      'name: Written in the browser',
      'tasks:',
      '  - id: fetch',
      `    method: ${method}`,
      '    url: http://127.0.0.1:9/never-called',
      '    headers:',
      "      Authorization: 'Bearer ${{ secrets.E2E_NOT_CONFIGURED }}'",
      '  - id: report',
      '    url: http://127.0.0.1:9/never-called',
      `    dependsOn: [${dependsOn}]`,
      '',
    ].join('\n');
  /** Replaces the editor's text as one input (typing key by key would let the editor's auto-indent reshape it). */
  async function setEditorText(text) {
    const content = page.locator('[data-testid="editor-host"] .cm-content');
    await content.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
  }
  const checkState = (state) => page.locator(`[data-testid="check-status"][data-state="${state}"]`).waitFor({ timeout: 20_000 });

  await check('the editor marks a bad workflow\'s error at its line, as the server reports it', async () => {
    await page.goto(hash('/new'));
    await checkState('valid');
    await setEditorText(authoredYaml('fetch_data', 'POST'));
    await checkState('invalid');
    const errors = await page.locator('[data-testid="check-error"]').evaluateAll((items) => items.map((i) => ({ line: i.getAttribute('data-line'), text: i.textContent })));
    assert(errors.length === 1 && errors[0].line === '11' && /fetch_data/.test(errors[0].text), `errors listed: ${JSON.stringify(errors)}`);
    // The mark is in the editor's 11th line (inside its shadow root, which the locator pierces), and nowhere else.
    await page.locator('[data-testid="editor-host"] .cm-content > .cm-line').nth(10).locator('.cm-lintRange-error').waitFor({ timeout: 10_000 });
    const marked = await page.locator('[data-testid="editor-host"] .cm-content > .cm-line').evaluateAll((lines) => lines.map((l, i) => (l.querySelector('.cm-lintRange-error') ? i + 1 : 0)).filter((n) => n > 0));
    assert(marked.join(',') === '11', `marked lines: ${marked.join(',') || 'none'}`);
    await shot(page, '10-editor-error');
  });

  await check('fixing it checks clean, and Save registers it with the server\'s warning', async () => {
    await setEditorText(authoredYaml('fetch', 'POST'));
    await checkState('valid');
    assert((await page.locator('[data-testid="editor-host"] .cm-lintRange-error').count()) === 0, 'an error mark is left after the fix');
    await page.click('[data-testid="save-button"]');
    const message = page.locator('[data-testid="save-message"]');
    await message.waitFor({ timeout: 20_000 });
    assert((await message.getAttribute('data-version')) === '1' && (await message.getAttribute('data-created')) === 'true', `save said: ${await message.textContent()}`);
    const warnings = await page.locator('[data-testid="save-warnings"] [data-testid="warning"]').allTextContents();
    assert(warnings.length === 1 && /E2E_NOT_CONFIGURED/.test(warnings[0]), `warnings shown: ${warnings.join(' | ') || 'none'}`);
    await shot(page, '11-editor-saved');
  });

  await check('editing it from its page and saving with Ctrl+S makes version 2, listed with the versions', async () => {
    await page.goto(hash(`/workflows/${encodeURIComponent(authored)}`));
    await page.click('[data-testid="edit-link"]');
    await page.waitForURL(/\/edit$/);
    await checkState('valid');
    await setEditorText(authoredYaml('fetch', 'PUT'));
    await checkState('valid');
    // Ctrl+S in the editor saves, like the button.
    await page.keyboard.press('Control+S');
    await page.locator('[data-testid="save-message"][data-version="2"]').waitFor({ timeout: 20_000 });
    await page.click('[data-testid="save-open"]');
    await page.locator('[data-testid="version-row"][data-version="2"]').waitFor({ timeout: 20_000 });
    const versions = await page.locator('[data-testid="version-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version')));
    assert(versions.join(',') === '2,1', `versions listed: ${versions.join(',')}`);
  });

  await check('the versions diff shows the change side by side', async () => {
    const changed = page.locator('[data-testid="diff"] [data-testid="diff-row"][data-kind="changed"]');
    await changed.first().waitFor({ timeout: 20_000 });
    const rows = await changed.evaluateAll((all) => all.map((r) => [r.querySelector('[data-side="left"]')?.textContent, r.querySelector('[data-side="right"]')?.textContent]));
    assert(rows.length === 1 && rows[0][0] === '    method: POST' && rows[0][1] === '    method: PUT', `changed rows: ${JSON.stringify(rows)}`);
    assert((await page.locator('[data-testid="diff-left"]').inputValue()) === '1' && (await page.locator('[data-testid="diff-right"]').inputValue()) === '2', 'the diff does not compare v1 with v2');
    await shot(page, '12-workflow-versions-diff');
  });

  await check('the API reference lists the operations of the served OpenAPI document', async () => {
    await page.goto(hash('/reference'));
    const register = page.locator('[data-testid="ref-operation"][data-operation-id="registerWorkflow"]');
    await register.waitFor({ timeout: 20_000 });
    assert((await register.getAttribute('data-method')) === 'POST' && (await register.getAttribute('data-path')) === '/api/workflows', 'registerWorkflow is not POST /api/workflows');
    await register.locator(':scope > summary').click();
    await register.locator('[data-testid="ref-response"][data-status="201"]').waitFor();
    // Each host documents what it offers: the Function App has no event stream.
    const stream = await page.locator('[data-testid="ref-operation"][data-operation-id="streamRunEvents"]').count();
    assert(stream === (host === 'server' ? 1 : 0), `streamRunEvents listed ${stream} time(s) on the ${host}`);
    await shot(page, '13-api-reference');
  });

  await check('index.html is revalidated, hashed assets are cached immutably, both under the CSP', async () => {
    const index = await fetch(`${baseUrl}/`);
    const html = await index.text();
    const asset = html.match(/(?:src|href)="\/?(assets\/[^"]+\.js)"/)?.[1];
    assert(asset, 'index.html names no assets/*.js');
    const script = await fetch(`${baseUrl}/${asset}`);
    await script.arrayBuffer();
    const problems = [];
    if (!/no-cache/.test(index.headers.get('cache-control') ?? '')) problems.push(`index.html Cache-Control: ${index.headers.get('cache-control')}`);
    if (!/immutable/.test(script.headers.get('cache-control') ?? '')) problems.push(`${asset} Cache-Control: ${script.headers.get('cache-control')}`);
    for (const [name, response] of [['index.html', index], [asset, script]]) {
      const policy = response.headers.get('content-security-policy') ?? '';
      if (!/default-src 'self'/.test(policy) || /unsafe-inline|unsafe-eval/.test(policy)) problems.push(`${name} Content-Security-Policy: ${policy || 'none'}`);
    }
    assert(problems.length === 0, problems.join('; '));
  });

  await check('no uncaught errors or Content-Security-Policy violations in the page', async () => {
    assert(pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
  });

  await context.close();
} finally {
  await browser.close();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
