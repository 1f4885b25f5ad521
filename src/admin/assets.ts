// The dashboard's static bundle: one stylesheet and one script, served from the mount path (nothing from another
// host). The script only adds live updates: every page works without it.

export const ADMIN_CSS = `
:root { --fg:#1d2433; --muted:#5b6478; --bg:#f6f7f9; --card:#fff; --line:#dde1e8; --accent:#0b5cad; --ok:#1a7f37; --bad:#b42318; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#14213d; color:#fff; }
header.top .brand { font-weight:700; letter-spacing:.2px; }
header.top nav a { color:#cfd8ea; text-decoration:none; margin-right:16px; padding:4px 0; }
header.top nav a.active { color:#fff; border-bottom:2px solid #7fb3ff; }
header.top .live { margin-left:auto; font-size:12px; color:#9fb0cc; }
header.top .live.on::before { content:"●"; color:#3fb950; margin-right:6px; }
header.top .live.off::before { content:"●"; color:#8b949e; margin-right:6px; }
main { padding:20px 24px 48px; max-width:1200px; }
h1 { font-size:20px; margin:0 0 16px; }
h2 { font-size:16px; margin:0 0 10px; }
a { color:var(--accent); }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px; margin:0 0 16px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.4px; color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; background:#eef1f5; color:var(--muted); }
.badge.ok, .badge.Succeeded, .badge.running, .badge.on { background:#dafbe1; color:var(--ok); }
.badge.bad, .badge.Failed { background:#ffebe9; color:var(--bad); }
.badge.Progressing, .badge.Promoting, .badge.WaitingPromotion { background:#ddf4ff; color:var(--accent); }
.badge.Paused, .badge.warn, .badge.draft { background:#fff8c5; color:var(--warn); }
.banner { padding:10px 14px; border-radius:6px; margin:0 0 16px; }
.banner.error { background:#ffebe9; border:1px solid #ffcecb; color:var(--bad); }
.banner.warn { background:#fff8c5; border:1px solid #eed888; color:#6c4a00; }
.banner.ok { background:#dafbe1; border:1px solid #aceebb; color:var(--ok); }
form.inline { display:inline; margin:0; }
button, .button { font:inherit; padding:5px 12px; border-radius:6px; border:1px solid #c5ccd8; background:#fff; color:var(--fg); cursor:pointer; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button.danger { border-color:#f1aeb5; color:var(--bad); }
button:disabled { opacity:.45; cursor:not-allowed; }
button.switch { min-width:64px; font-weight:600; }
button.switch.on { background:#dafbe1; border-color:#8fd6a0; color:var(--ok); }
button.switch.off { background:#f3f4f6; color:var(--muted); }
input[type=text], input[type=search], input[type=number], textarea { font:inherit; padding:6px 8px; border:1px solid #c5ccd8; border-radius:6px; width:100%; background:#fff; }
textarea { min-height:64px; font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:13px; }
.field { margin:0 0 14px; max-width:560px; }
.field label { display:block; font-weight:600; margin-bottom:4px; }
.field .hint { font-size:12px; color:var(--muted); margin-top:3px; }
.field.invalid input, .field.invalid textarea { border-color:var(--bad); background:#fff7f7; }
.field .error { color:var(--bad); font-size:13px; margin-top:4px; }
.search { display:flex; gap:8px; max-width:480px; margin-bottom:16px; }
.grid2 { display:grid; grid-template-columns:repeat(auto-fit,minmax(150px,1fr)); gap:10px; margin-bottom:12px; }
.stat { background:#f8f9fb; border:1px solid var(--line); border-radius:6px; padding:8px 10px; }
.stat .v { font-size:20px; font-weight:700; font-variant-numeric:tabular-nums; }
.stat .k { font-size:12px; color:var(--muted); }
.actions { display:flex; gap:8px; flex-wrap:wrap; align-items:center; margin-top:10px; }
.actions input[type=text] { max-width:340px; }
section.card h2 + .grid2 { margin-top:4px; }
.card table + h2, .card p + h2 { margin-top:18px; }
details.mismatch { border-top:1px solid var(--line); padding:6px 0; }
details.mismatch summary { cursor:pointer; }
details.mismatch[open] summary { margin-bottom:8px; }
figure.chart { margin:8px 0 4px; }
figure.chart > svg { width:100%; max-width:680px; height:auto; display:block; background:#fbfcfd; border:1px solid var(--line); border-radius:6px; }
figure.chart .grid { stroke:#e6e9ef; stroke-width:1; }
figure.chart .axis { font-size:11px; fill:#6b7385; }
figure.chart .chart-empty { font-size:14px; fill:#8b93a3; }
figcaption { font-size:12px; color:var(--muted); margin-top:4px; }
.legend-item { margin-right:14px; white-space:nowrap; }
.legend-item svg { vertical-align:-1px; margin-right:4px; }
code, pre { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12.5px; }
pre { white-space:pre-wrap; word-break:break-all; margin:0; }
.diff-changed { color:var(--warn); } .diff-added { color:var(--ok); } .diff-removed, .diff-error { color:var(--bad); }
.sig { font-weight:700; color:var(--ok); }
.kv { display:grid; grid-template-columns:max-content 1fr; gap:2px 14px; font-size:13px; }
.kv dt { color:var(--muted); } .kv dd { margin:0; }
`;

export const ADMIN_JS = `(() => {
  'use strict';
  const main = document.querySelector('main');
  const meta = document.querySelector('meta[name="pd-events"]');
  const live = document.querySelector('header.top .live');
  if (!main || !meta || typeof EventSource !== 'function') return;
  const mode = main.getAttribute('data-live') || 'change';
  let timer;
  let inflight = false;
  const busy = () => {
    const a = document.activeElement;
    if (a && main.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return true;
    return main.querySelector('form[data-dirty]') !== null;
  };
  const refresh = async () => {
    if (busy() || inflight) { schedule(1000); return; }
    inflight = true;
    try {
      const r = await fetch(location.href, { headers: { 'X-PD-Fragment': '1' }, credentials: 'same-origin', cache: 'no-store' });
      if (r.ok && r.headers.get('x-pd-fragment') === '1') {
        const text = await r.text();
        if (!busy()) { main.innerHTML = text; document.dispatchEvent(new CustomEvent('pd:refreshed')); }
      }
    } catch (e) { /* the next event retries */ }
    finally { inflight = false; }
  };
  const schedule = (ms) => { clearTimeout(timer); timer = setTimeout(refresh, ms === undefined ? 150 : ms); };
  const es = new EventSource(meta.getAttribute('content'));
  es.addEventListener('open', () => { if (live) { live.className = 'live on'; live.textContent = 'live'; } });
  es.addEventListener('error', () => { if (live) { live.className = 'live off'; live.textContent = 'reconnecting'; } });
  es.addEventListener('change', () => { if (mode !== 'none') schedule(); });
  es.addEventListener('tick', () => { if (mode === 'tick') schedule(); });
  document.addEventListener('input', (e) => {
    const f = e.target && e.target.closest ? e.target.closest('form[data-edit]') : null;
    if (f) f.setAttribute('data-dirty', '1');
  });
  document.addEventListener('submit', (e) => {
    const b = e.submitter;
    const msg = b && b.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  window.addEventListener('pagehide', () => es.close());
})();
`;
