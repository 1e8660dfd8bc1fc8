// The page of `img2music serve` in real headless Chromium (Debian's), driven by playwright-core:
// a real photo uploaded through the file input gets songs, a filter changes them, a video gets
// its timeline, the page works from the keyboard and fits a phone-width window. Screenshots at
// desktop and phone width go to OUT_DIR (run_web.sh checks they are not blank).
//   usage: node page_test.mjs BASE_URL PHOTO VIDEO OUT_DIR [ANIMATED_GIF]
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const [base, photo, video, outDir, gif] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const failures = [];
const check = async (what, fn) => {
  try {
    await fn();
    console.log('ok   ' + what);
  } catch (e) {
    failures.push(what);
    console.log('FAIL ' + what + ': ' + e.message.split('\n')[0]);
  }
};

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) outside.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  await check('the catalogue loads (status line, genres)', async () => {
    await page.waitForFunction(() => /songs in the catalogue/.test(document.getElementById('status').textContent), null, { timeout: 15000 });
    assert.ok(await page.locator('#genre option').count() > 5);
  });
  await check('the file input is the first stop of the Tab key', async () => {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'files');
  });

  const songs = () => page.locator('.card .songs li').allTextContents();
  let before = [];
  await check('an uploaded photo gets its songs', async () => {
    await page.setInputFiles('#files', photo);
    await page.waitForSelector('.card .songs li', { timeout: 20000 });
    before = await songs();
    assert.equal(before.length, 5);
    assert.ok(await page.locator('.card img').count() === 1);
    assert.match(await page.locator('.card .mood').first().textContent(), /valence 0\.\d\d, arousal 0\.\d\d/);
  });
  await check('a filter (genre, one per artist) changes the songs', async () => {
    await page.selectOption('#genre', 'rock');
    await page.check('#one-per-artist');
    await page.waitForFunction((old) => {
      const now = [...document.querySelectorAll('.card .songs li')].map((li) => li.textContent);
      return now.length > 0 && JSON.stringify(now) !== JSON.stringify(old);
    }, before, { timeout: 20000 });
    const after = await songs();
    assert.notDeepEqual(after, before);
  });
  await check('a video gets its timeline of segments', async () => {
    await page.setInputFiles('#files', video);
    await page.waitForSelector('.timeline button', { timeout: 60000 });
    assert.ok(await page.locator('.segment').count() >= 1);
  });
  if (gif) {
    await check('an animated GIF gets its timeline too (the server says it is one; the page asks again)', async () => {
      await page.setInputFiles('#files', gif);
      try {
        await page.waitForSelector('.timeline[aria-label="segments of animated.gif"] button', { timeout: 60000 });
      } catch (e) {
        const seen = await page.evaluate(() => document.getElementById('status').textContent + ' | ' +
          [...document.querySelectorAll('.card .error')].map((x) => x.textContent).join(' | '));
        throw new Error('no timeline for animated.gif; the page says: ' + seen);
      }
    });
  }
  await page.screenshot({ path: outDir + '/desktop.png', fullPage: false });
  await page.screenshot({ path: outDir + '/desktop-full.png', fullPage: true });  // docs/server.png

  await page.setViewportSize({ width: 390, height: 844 });
  await check('at phone width nothing is wider than the window', async () => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, 'page is ' + width + ' px wide');
  });
  await page.screenshot({ path: outDir + '/phone.png', fullPage: false });
  await check('no script errors, nothing fetched from outside the server', async () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(outside, []);
  });
} finally {
  await browser.close();
}
if (failures.length > 0) {
  console.log(failures.length + ' check(s) failed');
  process.exit(1);
}
