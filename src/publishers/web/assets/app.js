// SPDX-License-Identifier: MIT
// The gxlink dashboard (issue 15): the system overview, the device list and device pages,
// notifications and history plots. Live values come from the daemon's Server-Sent Events stream
// (GET /api/events): a snapshot, then one event per model flush, each path as [value, text] where
// text is what D-Bus GetText gives ('/api/text' serves the same texts, from the shared table of
// Venus path formats: model/venus_formats), so no unit table lives here. Settings are written with
// POST /api/write (only when the daemon allows writes), notifications acknowledged with
// POST /api/notifications/<n>/acknowledge. History: GET /api/history?service&path&from&to gives
// [[unix_s, value], ...]; plots use Chart.js served by the daemon.
'use strict';

const SYSTEM = 'com.victronenergy.system';
const PLATFORM = 'com.victronenergy.platform';
const M = {};            // service -> path -> [value, text]
let meta = {writes: false, token_required: false, writable: {}};
let connected = false;
let renderQueued = false;
let chart = null;

const $ = (sel, el = document) => el.querySelector(sel);
const esc = x => String(x).replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');
const val = (s, p) => (M[s] && M[s][p]) ? M[s][p][0] : null;
const txt = (s, p) => (M[s] && M[s][p]) ? M[s][p][1] : '---';
const num = v => typeof v === 'number' && isFinite(v);

// com.victronenergy.system carries no units on D-Bus (GetText gives the bare number), so the
// overview adds them here, as the GX overview page does.
function fmt(v, unit, digits = 0) {
  return num(v) ? v.toFixed(digits) + unit : '---';
}
function hmm(seconds) {  // durations as h:mm, as the GX shows TimeToGo
  if (!num(seconds)) return '---';
  const m = Math.round(seconds / 60);
  return Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0');
}
function sumPhases(s, prefix) {
  let total = null;
  for (const l of ['L1', 'L2', 'L3']) {
    const v = val(s, prefix + '/' + l + '/Power');
    if (num(v)) total = (total || 0) + v;
  }
  return total;
}
// /SystemState/State and /Dc/Battery/State of com.victronenergy.system (Venus' systemcalc and
// the GX overview page texts).
const SYSTEM_STATE = {0: 'Off', 1: 'Low power', 2: 'Fault', 3: 'Bulk', 4: 'Absorption', 5: 'Float',
  6: 'Storage', 7: 'Equalize', 8: 'Passthru', 9: 'Inverting', 10: 'Power assist', 11: 'Power supply',
  244: 'Sustain', 252: 'External control', 256: 'Discharging', 257: 'Sustain', 258: 'Recharge',
  259: 'Scheduled charge'};
const BATTERY_STATE = {0: 'Idle', 1: 'Charging', 2: 'Discharging'};
const AC_SOURCE = {0: 'Not available', 1: 'Grid', 2: 'Generator', 3: 'Shore power', 240: 'Inverting'};

function serviceType(s) { return s.split('.')[2] || ''; }
function deviceName(s) {
  if (s === SYSTEM) return 'System (systemcalc)';
  const v = val(s, '/CustomName') || val(s, '/ProductName');
  return v ? String(v) : s;
}

// ---------------------------------------------------------------- live stream

function merge(data) {
  for (const s in data) {
    M[s] = M[s] || {};
    Object.assign(M[s], data[s]);
  }
}
function connect() {
  const es = new EventSource('/api/events');
  es.addEventListener('snapshot', e => {
    for (const k of Object.keys(M)) delete M[k];
    merge(JSON.parse(e.data));
    connected = true;
    loadMeta();
    queueRender();
  });
  es.addEventListener('service', e => { merge(JSON.parse(e.data)); loadMeta(); queueRender(); });
  es.addEventListener('removed', e => { delete M[JSON.parse(e.data)]; queueRender(); });
  es.addEventListener('changes', e => { merge(JSON.parse(e.data)); queueRender(); });
  es.onerror = () => { connected = false; status(); };  // EventSource reconnects by itself
}
async function loadMeta() {
  try {
    meta = await (await fetch('/api/meta', {cache: 'no-store'})).json();
    $('#tokenbox').hidden = !meta.token_required;
    queueRender();  // editors appear once the page knows what may be written
  } catch (e) { /* keeps the last one */ }
}
function status() {
  const n = Object.keys(M).length;
  $('#status').textContent = connected ? n + ' services · live · ' + new Date().toLocaleTimeString()
                                       : 'disconnected, reconnecting…';
  const unack = val(PLATFORM, '/Notifications/NumberOfUnAcknowledgedNotifications');
  const b = $('#nbadge');
  b.hidden = !(unack > 0);
  b.textContent = unack > 0 ? unack : '';
}
function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; render(false); });
}

// ---------------------------------------------------------------- writes

function authHeaders() {
  const t = $('#token').value || localStorage.getItem('gxlink-token') || '';
  if ($('#token').value) localStorage.setItem('gxlink-token', $('#token').value);
  return t ? {'Authorization': 'Bearer ' + t} : {};
}
async function post(url) {
  const r = await fetch(url, {method: 'POST', headers: authHeaders()});
  let body = {};
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  return {ok: r.ok, status: r.status, result: body.result || r.statusText};
}
async function writeValue(service, path, value, out) {
  const q = new URLSearchParams({service, path, value: JSON.stringify(value)});
  out.textContent = 'writing…';
  const r = await post('/api/write?' + q);
  out.textContent = r.ok ? 'ok' : r.result;
  out.className = r.ok ? 'ok' : 'bad';
}

// ---------------------------------------------------------------- views

function route() {
  const h = location.hash.replace(/^#\/?/, '');
  const [page, ...rest] = h.split('/');
  const q = new URLSearchParams(h.includes('?') ? h.slice(h.indexOf('?') + 1) : '');
  return {page: (page || 'overview').split('?')[0], arg: decodeURIComponent(rest.join('/').split('?')[0]), q};
}
let lastRoute = '';
function render(force) {
  status();
  const r = route();
  const key = location.hash;
  const fresh = force || key !== lastRoute;
  lastRoute = key;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('on', a.dataset.nav === r.page);
  const view = $('#view');
  if (r.page === 'overview') overview(view, fresh);
  else if (r.page === 'devices') devices(view, fresh);
  else if (r.page === 'device') device(view, fresh, r.arg, r.q.get('tab') || 'main');
  else if (r.page === 'notifications') notifications(view, fresh);
  else if (r.page === 'history') history(view, fresh, r.q);
  else view.textContent = 'No such page.';
}

// One element per data-k key; `set` only touches what changed, so a live page does not flicker and
// an input being edited keeps its focus.
function set(root, k, text, cls) {
  const el = root.querySelector('[data-k="' + k + '"]');
  if (!el) return;
  if (el.textContent !== text) el.textContent = text;
  if (cls !== undefined && el.className !== cls) el.className = cls;
}

function overview(view, fresh) {
  const S = SYSTEM;
  if (fresh) {
    view.innerHTML = `
    <div class="state">System state: <b data-k="state">---</b> <span class="mut" data-k="dvcc"></span></div>
    <div class="flow">
     <div class="box pv" data-box="pv"><h4>PV charger</h4><div class="big" data-k="pv">---</div><div class="sub" data-k="pvsub"></div></div>
     <div></div>
     <div class="box grid" data-box="grid"><h4 data-k="acin">AC input</h4><div class="big" data-k="grid">---</div><div class="sub" data-k="gridsub"></div></div>
     <div></div><div></div>
     <div class="varrow"><div class="ln"></div><span data-k="pvflow"></span></div><div></div>
     <div class="varrow"><div class="ln"></div></div><div></div><div></div>
     <div class="box bat" data-box="bat"><h4>Battery</h4><div class="big" data-k="soc">---</div>
       <div class="sub" data-k="batsub"></div><div class="sub" data-k="batstate"></div></div>
     <div class="arrow" data-a="dc"><div class="ln"></div><span data-k="dcflow"></span></div>
     <div class="box inv" data-box="inv"><h4>Inverter / charger</h4><div class="big" data-k="inv">---</div>
       <div class="sub" data-k="invsub"></div></div>
     <div class="arrow" data-a="ac"><div class="ln"></div><span data-k="acflow"></span></div>
     <div class="box load" data-box="load"><h4>AC loads</h4><div class="big" data-k="acload">---</div><div class="sub" data-k="dcload"></div></div>
    </div>
    <p class="note">From com.victronenergy.system (gxlink's systemcalc); values update live.</p>`;
  }
  const st = val(S, '/SystemState/State');
  set(view, 'state', num(st) ? (SYSTEM_STATE[st] || String(st)) : '---');
  set(view, 'dvcc', val(S, '/Control/Dvcc') === 1 ? '· DVCC on' : '');
  // PV: DC chargers plus PV inverters on the AC output or input.
  let pv = val(S, '/Dc/Pv/Power');
  for (const p of ['/Ac/PvOnOutput', '/Ac/PvOnGrid', '/Ac/PvOnGenset']) {
    const a = sumPhases(S, p);
    if (num(a)) pv = (pv || 0) + a;
  }
  set(view, 'pv', fmt(pv, ' W'));
  set(view, 'pvsub', num(val(S, '/Dc/Pv/Current')) ? fmt(val(S, '/Dc/Pv/Current'), ' A', 1) + ' into the battery bus' : '');
  set(view, 'pvflow', num(pv) ? fmt(pv, ' W') : '');
  view.querySelector('[data-box="pv"]').classList.toggle('off', !num(pv));
  // Battery.
  set(view, 'soc', fmt(val(S, '/Dc/Battery/Soc'), ' %'));
  set(view, 'batsub', [fmt(val(S, '/Dc/Battery/Voltage'), ' V', 2), fmt(val(S, '/Dc/Battery/Current'), ' A', 1),
    fmt(val(S, '/Dc/Battery/Power'), ' W')].join(' · '));
  const bs = val(S, '/Dc/Battery/State');
  const ttg = val(S, '/Dc/Battery/TimeToGo');
  set(view, 'batstate', (num(bs) ? (BATTERY_STATE[bs] || String(bs)) : '---') + (num(ttg) ? ' · time to go ' + hmm(ttg) : '')
    + (num(val(S, '/Dc/Battery/Temperature')) ? ' · ' + fmt(val(S, '/Dc/Battery/Temperature'), ' °C', 1) : ''));
  // AC input: grid or generator.
  const src = val(S, '/Ac/ActiveIn/Source');
  const gen = sumPhases(S, '/Ac/Genset');
  const grid = sumPhases(S, '/Ac/Grid');
  const acin = num(gen) && !num(grid) ? gen : grid;
  set(view, 'acin', num(src) ? (AC_SOURCE[src] || 'AC input') : (num(gen) && !num(grid) ? 'Generator' : 'Grid'));
  set(view, 'grid', fmt(acin, ' W'));
  set(view, 'gridsub', num(gen) && num(grid) ? 'generator ' + fmt(gen, ' W') : '');
  view.querySelector('[data-box="grid"]').classList.toggle('off', !num(acin));
  // The inverter/charger: its own state and mode texts (GetText's).
  const vb = val(S, '/VebusService');
  if (vb && M[vb]) {
    set(view, 'inv', txt(vb, '/State'));
    set(view, 'invsub', deviceName(vb) + ' · mode ' + txt(vb, '/Mode'));
  } else {
    set(view, 'inv', '---');
    set(view, 'invsub', 'no inverter/charger');
  }
  const dcp = val(S, '/Dc/InverterCharger/Power') ?? val(S, '/Dc/Vebus/Power');
  set(view, 'dcflow', fmt(dcp === null ? null : Math.abs(dcp), ' W'));
  const da = view.querySelector('[data-a="dc"]');
  da.classList.toggle('live', num(dcp) && Math.abs(dcp) > 1);
  da.classList.toggle('rev', num(dcp) && dcp > 0);  // positive: charging, power flows to the battery
  const load = sumPhases(S, '/Ac/Consumption');
  set(view, 'acload', fmt(load, ' W'));
  set(view, 'acflow', fmt(load, ' W'));
  view.querySelector('[data-a="ac"]').classList.toggle('live', num(load) && load > 1);
  const dcl = val(S, '/Dc/System/Power');
  set(view, 'dcload', num(dcl) ? 'DC loads ' + fmt(dcl, ' W') : '');
}

// A line of summary per device, as the GX device list shows it.
function summary(s) {
  const t = serviceType(s);
  if (t === 'battery') return [txt(s, '/Soc'), txt(s, '/Dc/0/Voltage'), txt(s, '/Dc/0/Current')].join('  ');
  if (t === 'solarcharger') return [txt(s, '/State'), txt(s, '/Yield/Power')].join('  ');
  if (t === 'vebus' || t === 'charger' || t === 'inverter') return txt(s, '/State');
  if (t === 'platform') return txt(s, '/Notifications/NumberOfActiveNotifications') + ' active notifications';
  return '';
}
function devices(view, fresh) {
  const names = Object.keys(M).sort();
  const sig = names.join(',');
  if (fresh || view.dataset.sig !== sig) {
    view.dataset.sig = sig;
    view.innerHTML = '<h2>Devices</h2><table><thead><tr><th>Device</th><th>Service</th><th>Instance</th><th>Summary</th></tr></thead><tbody>' +
      names.map(s => `<tr class="dev" data-s="${esc(s)}"><td><a href="#/device/${encodeURIComponent(s)}" data-k="n:${esc(s)}"></a></td>
        <td class="p">${esc(s)}</td><td data-k="i:${esc(s)}"></td><td class="v" data-k="s:${esc(s)}"></td></tr>`).join('') + '</tbody></table>';
    for (const tr of view.querySelectorAll('tr.dev'))
      tr.onclick = () => { location.hash = '#/device/' + encodeURIComponent(tr.dataset.s); };
  }
  for (const s of names) {
    const off = val(s, '/Connected') === 0;
    set(view, 'n:' + s, deviceName(s) + (off ? ' (disconnected)' : ''));
    set(view, 'i:' + s, txt(s, '/DeviceInstance'));
    set(view, 's:' + s, summary(s));
  }
}

// The GX battery pages (seed 001 §5–6): main, Details, Alarms, Parameters.
const BATTERY_MAIN = [['Battery voltage', '/Dc/0/Voltage'], ['Current', '/Dc/0/Current'], ['Power', '/Dc/0/Power'],
  ['State of charge', '/Soc'], ['State of health', '/Soh'], ['Battery temperature', '/Dc/0/Temperature'],
  ['Consumed amphours', '/ConsumedAmphours'], ['Time-to-go', '/TimeToGo'], ['Charge request', '/Info/ChargeRequest']];
const BATTERY_DETAILS = [
  ['Lowest cell voltage', '/System/MinVoltageCellId', '/System/MinCellVoltage'],
  ['Highest cell voltage', '/System/MaxVoltageCellId', '/System/MaxCellVoltage'],
  ['Minimum cell temperature', '/System/MinTemperatureCellId', '/System/MinCellTemperature'],
  ['Maximum cell temperature', '/System/MaxTemperatureCellId', '/System/MaxCellTemperature'],
  ['Battery modules (online / offline)', '/System/NrOfModulesOnline', '/System/NrOfModulesOffline'],
  ['Nr. of modules blocking charge / discharge', '/System/NrOfModulesBlockingCharge', '/System/NrOfModulesBlockingDischarge'],
  ['Installed / available capacity', '/InstalledCapacity', '/Capacity']];
const BATTERY_PARAMETERS = [['Charge Voltage Limit (CVL)', '/Info/MaxChargeVoltage'],
  ['Charge Current Limit (CCL)', '/Info/MaxChargeCurrent'], ['Discharge Current Limit (DCL)', '/Info/MaxDischargeCurrent'],
  ['Low Voltage Disconnect (always ignored)', '/Info/BatteryLowVoltage']];
const ALARM_LABELS = {LowVoltage: 'Low battery voltage', HighVoltage: 'High battery voltage',
  HighChargeCurrent: 'High charge current', HighDischargeCurrent: 'High discharge current',
  HighCurrent: 'High current', LowTemperature: 'Low temperature', HighTemperature: 'High temperature',
  LowChargeTemperature: 'Low charge temperature', HighChargeTemperature: 'High charge temperature',
  InternalFailure: 'Internal failure', CellImbalance: 'Cell imbalance', LowSoc: 'Low state of charge',
  Contactor: 'Contactor', ShortCircuit: 'Short circuit', LowCellVoltage: 'Low cell voltage',
  Overload: 'Overload', LowBattery: 'Low battery', Ripple: 'Ripple', BmsCable: 'BMS cable',
  MidVoltage: 'Midpoint voltage', LowStarterVoltage: 'Low starter voltage', HighStarterVoltage: 'High starter voltage'};
function alarmClass(v) { return v === 2 ? 'v bad' : v === 1 ? 'v warn' : v === 0 ? 'v ok' : 'v mut'; }

function rows(s, list) {
  return list.filter(r => r.slice(1).some(p => M[s] && p in M[s])).map(r =>
    `<tr><td>${esc(r[0])}</td>` + r.slice(1).map(p => `<td class="v" data-k="${esc(p)}"></td>`).join('') +
    (r.length === 2 ? '<td></td>' : '') + '</tr>').join('') || '<tr><td class="mut">This battery does not report these.</td></tr>';
}
function device(view, fresh, s, tab) {
  if (!M[s]) { view.innerHTML = '<p>No such device: ' + esc(s) + '</p><p><a href="#/devices">All devices</a></p>'; return; }
  const battery = serviceType(s) === 'battery';
  const tabs = battery ? ['main', 'details', 'alarms', 'parameters', 'all'] : ['all'];
  if (!tabs.includes(tab)) tab = tabs[0];
  const paths = Object.keys(M[s]).sort();
  const writable = (meta.writable || {})[s] || {};
  const sig = paths.join(',') + '|' + tab + '|' + meta.writes + '|' + Object.keys(writable).length;
  if (fresh || view.dataset.sig !== sig) {
    view.dataset.sig = sig;
    const base = '#/device/' + encodeURIComponent(s);
    let body = '';
    if (tab === 'main') body = '<table>' + rows(s, BATTERY_MAIN) + '</table>';
    else if (tab === 'details') body = '<table>' + rows(s, BATTERY_DETAILS) + '</table>';
    else if (tab === 'parameters') body = '<table>' + rows(s, BATTERY_PARAMETERS) + '</table>';
    else if (tab === 'alarms') {
      const alarms = paths.filter(p => p.startsWith('/Alarms/'));
      body = '<table>' + (alarms.map(p => `<tr><td>${esc(ALARM_LABELS[p.slice(8)] || p.slice(8))}</td><td class="v" data-k="${esc(p)}"></td></tr>`).join('')
        || '<tr><td class="mut">No alarms reported.</td></tr>') + '</table>';
    } else {
      body = `<p class="note">${meta.writes ? 'Writable settings can be changed here; writes take the same path as D-Bus and MQTT.'
        : 'Settings are read-only here: the daemon allows writes only with [http] writes = true.'}</p>
        <table><thead><tr><th>Path</th><th style="text-align:right">Value</th><th></th></tr></thead><tbody>` +
        paths.map(p => `<tr><td class="p">${esc(p)}</td><td class="v" data-k="${esc(p)}"></td><td>${editor(s, p, writable[p])}
          ${num(val(s, p)) ? `<a href="#/history?service=${encodeURIComponent(s)}&path=${encodeURIComponent(p)}" title="history of this path">plot</a>` : ''}</td></tr>`).join('') + '</tbody></table>';
    }
    view.innerHTML = `<h2 data-k="title"></h2><div class="note">${esc(s)}</div>
      <div class="tabs">${tabs.length > 1 ? tabs.map(t => `<a href="${base}?tab=${t}" class="${t === tab ? 'on' : ''}">${t[0].toUpperCase() + t.slice(1)}</a>`).join('') : ''}</div>
      ${body}`;
    for (const f of view.querySelectorAll('form.edit')) f.onsubmit = ev => {
      ev.preventDefault();
      const input = f.elements.value;
      const v = input.tagName === 'SELECT' || input.type === 'number' ? Number(input.value) : input.value;
      writeValue(s, f.dataset.p, v, f.querySelector('output'));
    };
  }
  set(view, 'title', deviceName(s) + (val(s, '/Connected') === 0 ? ' (disconnected)' : ''));
  for (const el of view.querySelectorAll('td[data-k]')) {
    const p = el.dataset.k;
    const t = txt(s, p);
    if (el.textContent !== t) el.textContent = t;
    if (p.startsWith('/Alarms/')) el.className = alarmClass(val(s, p));
  }
}
function editor(s, p, w) {
  if (!w || !meta.writes) return '';
  const cur = val(s, p);
  let input;
  if (w.enum) input = `<select name="value">${w.enum.map(([v, t]) => `<option value="${v}" ${v === cur ? 'selected' : ''}>${esc(t)}</option>`).join('')}</select>`;
  else if (typeof cur === 'string') input = `<input name="value" value="${esc(cur)}" size="12">`;
  else input = `<input name="value" type="number" step="any" ${w.min !== undefined ? 'min="' + w.min + '"' : ''} ${w.max !== undefined ? 'max="' + w.max + '"' : ''} value="${num(cur) ? cur : ''}" style="width:7em">`;
  return `<form class="edit" data-p="${esc(p)}" style="display:inline">${input} <button>Set</button> <output class="mut"></output></form>`;
}

function notifications(view, fresh) {
  const P = M[PLATFORM] || {};
  const slots = [...new Set(Object.keys(P).map(p => (p.match(/^\/Notifications\/(\d+)\//) || [])[1]).filter(x => x !== undefined))]
    .map(Number).filter(n => num(val(PLATFORM, '/Notifications/' + n + '/Type')))
    .sort((a, b) => (val(PLATFORM, '/Notifications/' + b + '/DateTime') || 0) - (val(PLATFORM, '/Notifications/' + a + '/DateTime') || 0));
  const sig = slots.join(',') + '|' + slots.map(n => val(PLATFORM, '/Notifications/' + n + '/Acknowledged')).join(',');
  if (!fresh && view.dataset.sig === sig) return;
  view.dataset.sig = sig;
  const kind = {0: ['Warning', 'warn'], 1: ['Alarm', 'bad'], 2: ['Info', 'mut']};
  view.innerHTML = `<h2>Notifications</h2><div class="controls"><button id="ackall" class="sec" ${slots.length ? '' : 'disabled'}>Acknowledge all</button>
    <output id="ackout" class="mut"></output></div>` + (slots.length ? slots.map(n => {
      const g = k => val(PLATFORM, '/Notifications/' + n + '/' + k);
      const [label, cls] = kind[g('Type')] || ['?', 'mut'];
      const when = num(g('DateTime')) ? new Date(g('DateTime') * 1000).toLocaleString() : '';
      const acked = g('Acknowledged') === 1;
      return `<div class="card notif" data-n="${n}"><b class="${cls}">${label}</b>
        <div><b>${esc(g('DeviceName') || '')}</b>: ${esc(g('Description') || '')} <span class="mut">${esc(g('Value') ?? '')}</span>
          <div class="note">${esc(when)} · ${g('Active') === 1 ? 'active' : 'no longer active'} · ${acked ? 'acknowledged' : 'not acknowledged'}</div></div>
        <div>${acked ? '<span class="ok">✓ acknowledged</span>' : `<button class="ack" data-n="${n}">Acknowledge</button>`}</div></div>`;
    }).join('') : '<p class="mut">No notifications.</p>');
  for (const b of view.querySelectorAll('button.ack')) b.onclick = async () => {
    b.disabled = true;
    const r = await post('/api/notifications/' + b.dataset.n + '/acknowledge');
    $('#ackout').textContent = r.ok ? '' : 'refused: ' + r.result;
    if (!r.ok) b.disabled = false;
  };
  $('#ackall').onclick = async () => {
    const r = await post('/api/notifications/acknowledge_all');
    $('#ackout').textContent = r.ok ? '' : 'refused: ' + r.result;
  };
}

const PERIODS = [['1h', 3600], ['6h', 6 * 3600], ['24h', 86400], ['7d', 7 * 86400], ['30d', 30 * 86400]];
function history(view, fresh, q) {
  // Drawn once per visit; again only if it was drawn before the first snapshot arrived.
  if (!fresh && view.dataset.hist === location.hash) return;
  const services = Object.keys(M).sort();
  view.dataset.hist = services.length ? location.hash : '';
  const s = q.get('service') || SYSTEM;
  const p = q.get('path') || '/Dc/Battery/Soc';
  const period = Number(q.get('period') || 86400);
  const numeric = svc => Object.keys(M[svc] || {}).filter(x => num(val(svc, x))).sort();
  view.innerHTML = `<h2>History</h2><div class="controls">
    <select id="hs">${services.map(x => `<option ${x === s ? 'selected' : ''}>${esc(x)}</option>`).join('')}</select>
    <select id="hp"></select>
    <select id="hper">${PERIODS.map(([l, v]) => `<option value="${v}" ${v === period ? 'selected' : ''}>last ${l}</option>`).join('')}</select>
    <a id="csv" href="#">Download CSV</a></div>
    <div class="chartwrap"><canvas id="chart"></canvas></div><p class="note" id="hnote"></p>`;
  const fillPaths = svc => {
    const list = numeric(svc);
    if (svc === s && !list.includes(p)) list.unshift(p);
    $('#hp').innerHTML = list.map(x => `<option ${x === p ? 'selected' : ''}>${esc(x)}</option>`).join('');
  };
  fillPaths(s);
  const go = () => {
    location.hash = '#/history?' + new URLSearchParams({service: $('#hs').value, path: $('#hp').value, period: $('#hper').value});
  };
  $('#hs').onchange = () => { fillPaths($('#hs').value); go(); };
  $('#hp').onchange = go;
  $('#hper').onchange = go;
  const to = Math.floor(Date.now() / 1000);
  const from = to - period;
  $('#csv').href = '/api/export.csv?' + new URLSearchParams({from, to, service: s});
  plot(s, p, from, to);
}
async function plot(s, p, from, to) {
  const note = $('#hnote');
  if (window.GXLINK_CHARTJS_MISSING || typeof Chart === 'undefined') {
    note.textContent = window.GXLINK_CHARTJS_MISSING || 'Chart.js did not load.';
    return;
  }
  let points;
  try {
    const r = await fetch('/api/history?' + new URLSearchParams({service: s, path: p, from, to}), {cache: 'no-store'});
    if (!r.ok) {
      note.textContent = r.status === 404 ? 'No history for this path (the daemon answered 404).' : 'History: ' + r.status + ' ' + r.statusText;
      return;
    }
    points = await r.json();
  } catch (e) { note.textContent = 'History: ' + e; return; }
  if (!Array.isArray(points)) { note.textContent = 'History: unexpected answer'; return; }
  const data = points.filter(x => Array.isArray(x) && num(x[0]) && (num(x[1]) || x[1] === null))
    .map(([t, v]) => ({x: t * 1000, y: v}));
  note.textContent = data.length + ' points of ' + p + ' on ' + s + ' from ' + new Date(from * 1000).toLocaleString() +
    ' to ' + new Date(to * 1000).toLocaleString() + '.';
  if (chart) chart.destroy();
  const span = (to - from) * 1000;
  chart = new Chart($('#chart'), {
    type: 'line',
    data: {datasets: [{label: p, data, borderColor: '#58a6ff', backgroundColor: 'rgba(88,166,255,.15)', fill: true,
      pointRadius: data.length > 60 ? 0 : 2, borderWidth: 1.5, spanGaps: false, tension: 0}]},
    options: {
      animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
      plugins: {legend: {labels: {color: '#e6edf3'}}, decimation: {enabled: true, algorithm: 'lttb', samples: 800}},
      // A linear axis of milliseconds with our own tick labels: Chart.js' time axis would need a
      // date adapter library that Debian does not package with it.
      scales: {x: {type: 'linear', min: from * 1000, max: to * 1000, ticks: {color: '#8b9bab', maxTicksLimit: 8,
        callback: v => span > 2 * 86400000 ? new Date(v).toLocaleDateString([], {month: 'short', day: 'numeric', hour: '2-digit'})
          : new Date(v).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'})}, grid: {color: '#263241'}},
               y: {ticks: {color: '#8b9bab'}, grid: {color: '#263241'}}}}
  });
  window.gxlinkChartPoints = data.length;  // for the browser test
}

window.addEventListener('hashchange', () => render(true));
window.addEventListener('DOMContentLoaded', () => {
  $('#token').value = localStorage.getItem('gxlink-token') || '';
  render(true);
  connect();
  setInterval(status, 1000);
});
