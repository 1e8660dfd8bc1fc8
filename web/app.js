// img2music's page: uploads photos to /v1/recommend (all in one request) and a video to
// /v1/soundtrack, with the filters as parameters; re-asks whenever a filter changes. No
// libraries, no network beyond this server.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#d1495b', '#2f5bd3', '#00798c', '#edae49', '#66a182', '#8d6cab', '#e07a5f', '#3d405b'];
const state = { items: [], catalogue: null, seq: 0 };

function apiHeaders() {
  const key = $('api-key').value.trim();
  return key ? { Authorization: 'Bearer ' + key } : {};
}

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!isError);
}

async function api(path, options) {
  const response = await fetch(path, { ...options, headers: { ...(options && options.headers), ...apiHeaders() } });
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    $('key-row').hidden = false;
    $('api-key').focus();
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : 'HTTP ' + response.status;
    throw new Error(message);
  }
  return body;
}

function filterParams() {
  const p = new URLSearchParams();
  p.set('top', $('top').value || '5');
  p.set('explain', 'true');
  if ($('genre').value) p.set('genre', $('genre').value);
  const from = $('year-from').value.trim();
  const to = $('year-to').value.trim();
  if (from || to) p.set('year', from + '-' + to);
  if ($('one-per-artist').checked) p.set('one_per_artist', 'true');
  if (Number($('diversity').value) > 0) p.set('diversity', $('diversity').value);
  return p;
}

function addFiles(files) {
  for (const file of files) {
    const kind = file.type.startsWith('video/') ? 'video' : 'image';
    state.items.push({ kind, file, url: URL.createObjectURL(file), records: [], error: null, color: COLORS[state.items.length % COLORS.length] });
  }
  refresh();
}

let timer = null;
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 250);
}

async function refresh() {
  if (state.items.length === 0) return;
  const seq = ++state.seq;
  const params = filterParams();
  setStatus('Listening…');
  const images = state.items.filter((i) => i.kind === 'image');
  const videos = state.items.filter((i) => i.kind === 'video');
  const jobs = [];
  if (images.length > 0) {
    const form = new FormData();
    for (const item of images) form.append('image', item.file, item.file.name);
    jobs.push(api('/v1/recommend?' + params, { method: 'POST', body: form }).then(
      (records) => records.forEach((r, k) => { images[k].records = [r]; images[k].error = r.error || null; }),
      (e) => images.forEach((i) => { i.records = []; i.error = e.message; })));
  }
  // The server reads one video at a time (another one meanwhile is answered 503): one after another.
  jobs.push((async () => {
    for (const item of videos) {
      const form = new FormData();
      form.append('video', item.file, item.file.name);
      await api('/v1/soundtrack?' + params, { method: 'POST', body: form }).then(
        (records) => { item.records = records; item.error = null; },
        (e) => { item.records = []; item.error = e.message; });
      if (seq !== state.seq) return;  // superseded: the newer refresh asks again
    }
  })());
  await Promise.all(jobs);
  if (seq !== state.seq) return;  // a newer request has been sent meanwhile
  // The page cannot tell an animated GIF from a still one; the server can, and answers that an
  // animated one is read like a video (docs/server.md): ask again, as a video.
  const animated = images.filter((i) => i.error && i.file.type === 'image/gif' && /animated GIF/.test(i.error));
  if (animated.length > 0) {
    animated.forEach((i) => { i.kind = 'video'; i.error = null; });
    return refresh();
  }
  const failed = state.items.filter((i) => i.error).length;
  setStatus(failed ? failed + ' of ' + state.items.length + ' could not be used' : 'Done: ' + state.items.length + ' file(s)', failed > 0);
  render();
}

function songLink(song) {
  const m = /^sp:([0-9A-Za-z]{22})$/.exec(song.id || '');
  return m ? 'https://open.spotify.com/track/' + m[1] : null;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function moodLine(r) {
  let text = 'valence ' + r.valence.toFixed(2) + ', arousal ' + r.arousal.toFixed(2);
  if (r.emotions) {
    const top = Object.entries(r.emotions).sort((a, b) => b[1] - a[1]).slice(0, 2);
    text += ' · feels like ' + top.map(([n, p]) => n + ' (' + Math.round(p * 100) + '%)').join(' and ');
  }
  return text;
}

function songList(r) {
  const list = el('ol', { class: 'songs' });
  for (const s of r.songs || []) {
    const link = songLink(s);
    const title = s.artist + ' – ' + s.track;
    list.append(el('li', {}, link ? el('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, title) : title,
      s.why ? el('span', { class: 'why' }, s.why) : null));
  }
  return list;
}

function fmtTime(s) {
  const m = Math.floor(s / 60);
  return m + ':' + (s - 60 * m).toFixed(1).padStart(4, '0');
}

function vaColor(r) {
  const hue = Math.round(240 - 200 * r.valence);  // unpleasant blue .. pleasant orange
  const light = Math.round(30 + 25 * r.arousal);
  return 'hsl(' + hue + ' 60% ' + light + '%)';
}

function render() {
  const results = $('results');
  results.replaceChildren();
  for (const item of state.items) {
    const media = item.kind === 'video' && !item.file.type.startsWith('image/')  // an animated GIF animates in an <img>
      ? el('video', { src: item.url, controls: '', preload: 'metadata', 'aria-label': item.file.name })
      : el('img', { src: item.url, alt: item.file.name });
    const body = el('div', {}, el('h3', {}, el('span', { class: 'swatch', style: 'background:' + item.color, 'aria-hidden': 'true' }), item.file.name));
    if (item.error) body.append(el('p', { class: 'error' }, item.error));
    if (item.kind === 'image' && item.records[0] && !item.records[0].error) {
      const r = item.records[0];
      body.append(el('p', { class: 'mood' }, moodLine(r)), songList(r));
    }
    if (item.kind === 'video' && item.records.length > 0) {
      const end = Math.max(...item.records.map((r) => r.end || 0)) || 1;
      const bar = el('div', { class: 'timeline', role: 'group', 'aria-label': 'segments of ' + item.file.name });
      const segments = el('div', {});
      item.records.forEach((r, k) => {
        if (r.error) return;
        const id = 'seg-' + state.items.indexOf(item) + '-' + k;
        const button = el('button', { type: 'button', style: 'flex:' + (r.end - r.start) + ';background:' + vaColor(r),
          title: fmtTime(r.start) + '–' + fmtTime(r.end), 'aria-label': 'segment ' + (k + 1) + ', ' + fmtTime(r.start) + ' to ' + fmtTime(r.end) }, String(k + 1));
        button.addEventListener('click', () => {
          const v = body.parentElement.querySelector('video');
          if (v) v.currentTime = r.start;
          $(id).scrollIntoView({ block: 'nearest' });
        });
        bar.append(button);
        segments.append(el('div', { class: 'segment', id },
          el('strong', {}, 'Segment ' + (k + 1) + ': ' + fmtTime(r.start) + '–' + fmtTime(r.end)),
          el('p', { class: 'mood' }, moodLine(r)), songList(r)));
      });
      bar.dataset.duration = end;
      body.append(bar, segments);
    }
    results.append(el('article', { class: 'card' }, media, body));
  }
  drawPlot();
}

function drawPlot() {
  const canvas = $('plot');
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, pad = 36;
  const x = (v) => pad + v * (W - 2 * pad);
  const y = (a) => H - pad - a * (H - 2 * pad);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const cat = state.catalogue;
  if (cat) {
    const max = Math.max(1, ...cat.density.flat());
    const cell = (W - 2 * pad) / cat.bins, cellH = (H - 2 * pad) / cat.bins;
    cat.density.forEach((row, ai) => row.forEach((n, vi) => {
      if (n === 0) return;
      ctx.fillStyle = 'rgba(47, 91, 211, ' + (0.08 + 0.6 * Math.sqrt(n / max)).toFixed(3) + ')';
      ctx.fillRect(pad + vi * cell, H - pad - (ai + 1) * cellH, cell + 0.5, cellH + 0.5);
    }));
  }
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.strokeRect(pad, pad, W - 2 * pad, H - 2 * pad);
  ctx.beginPath();
  ctx.moveTo(x(0.5), pad); ctx.lineTo(x(0.5), H - pad);
  ctx.moveTo(pad, y(0.5)); ctx.lineTo(W - pad, y(0.5));
  ctx.stroke();
  ctx.fillStyle = '#333';
  ctx.font = '13px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText('valence →', W / 2, H - 10);
  ctx.save(); ctx.translate(14, H / 2); ctx.rotate(-Math.PI / 2); ctx.fillText('arousal →', 0, 0); ctx.restore();
  ctx.fillStyle = '#666';
  ctx.fillText('tense', x(0.25), pad + 16); ctx.fillText('excited', x(0.75), pad + 16);
  ctx.fillText('sad', x(0.25), H - pad - 8); ctx.fillText('calm', x(0.75), H - pad - 8);
  for (const item of state.items) {
    for (const r of item.records) {
      if (r.error) continue;
      for (const s of r.songs || []) {
        ctx.fillStyle = item.color;
        ctx.globalAlpha = 0.6;
        ctx.fillRect(x(s.valence) - 2.5, y(s.arousal) - 2.5, 5, 5);
      }
      ctx.globalAlpha = 1;
      const v = r.aligned_valence ?? r.valence, a = r.aligned_arousal ?? r.arousal;
      ctx.beginPath();
      ctx.arc(x(v), y(a), 7, 0, 2 * Math.PI);
      ctx.fillStyle = item.color;
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }
}

async function loadCatalogue() {
  try {
    state.catalogue = await api('/v1/catalogue');
    const genres = Object.entries(state.catalogue.genres).sort((a, b) => b[1] - a[1]);
    for (const [g, n] of genres) $('genre').append(el('option', { value: g }, g + ' (' + n + ')'));
    if (state.catalogue.years.length === 2) {
      for (const id of ['year-from', 'year-to']) {
        $(id).min = state.catalogue.years[0];
        $(id).max = state.catalogue.years[1];
      }
    }
    setStatus(state.catalogue.songs + ' songs in the catalogue');
  } catch (e) {
    setStatus(e.message, true);
  }
  drawPlot();
}

$('files').addEventListener('change', (e) => { addFiles(e.target.files); e.target.value = ''; });
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); addFiles(e.dataTransfer.files); });
for (const id of ['genre', 'year-from', 'year-to', 'top', 'diversity', 'one-per-artist']) $(id).addEventListener('change', refreshSoon);
$('diversity').addEventListener('input', () => { $('diversity-value').textContent = $('diversity').value; });
$('api-key').addEventListener('change', () => { loadCatalogue(); refresh(); });
loadCatalogue();
