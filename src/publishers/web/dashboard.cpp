// SPDX-License-Identifier: MIT
// The dashboard: one card per service with its main values, a sparkline per service for its key
// value, and the full path list on click. Polls /api/model once a second; no external assets, so it
// works on a boat without internet.
#include "publishers/web/http_server.hpp"

namespace gxlink::publishers {

const std::string& dashboard_html() {
  static const std::string kPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>gxlink</title>
<style>
 :root{--bg:#0f1720;--card:#17212b;--fg:#e6edf3;--mut:#8b9bab;--ok:#3fb950;--bad:#f85149;--acc:#58a6ff}
 body{margin:0;font:14px/1.4 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
 header{padding:12px 20px;display:flex;gap:16px;align-items:baseline;border-bottom:1px solid #263241}
 header h1{font-size:18px;margin:0} header span{color:var(--mut)}
 #grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px;padding:16px}
 .card{background:var(--card);border-radius:10px;padding:12px 14px;border-left:4px solid var(--ok)}
 .card.off{border-left-color:var(--bad);opacity:.75}
 .card h2{font-size:15px;margin:0 0 2px} .card .svc{color:var(--mut);font-size:11px;word-break:break-all}
 .kv{display:grid;grid-template-columns:1fr auto;gap:2px 12px;margin-top:8px}
 .kv .v{font-variant-numeric:tabular-nums;text-align:right}
 .big{font-size:26px;font-weight:600;margin-top:6px} canvas{width:100%;height:40px}
 details{margin-top:6px;color:var(--mut)} details .kv{font-size:12px}
</style></head><body>
<header><h1>gxlink</h1><span id="status">connecting…</span></header>
<div id="grid"></div>
<script>
const MAIN = ['/Dc/0/Voltage','/Dc/0/Current','/Dc/0/Power','/Soc','/Yield/Power','/Pv/V','/State','/Ac/Out/L1/P',
  '/Ac/ActiveIn/L1/P','/Dc/0/Temperature','/TimeToGo','/ConsumedAmphours','/Info/MaxChargeVoltage',
  '/Info/MaxChargeCurrent','/Mode','/Yield/User'];
const KEY = s => s.includes('.solarcharger.') ? '/Yield/Power' : s.includes('.battery.') ? '/Soc' :
  s.includes('.vebus.') ? '/Ac/Out/L1/P' : '/Dc/0/Voltage';
const hist = {};
// Values show as Venus' GetText shows them ("26.82V", "Bulk", "79:43"): /api/text comes from the
// same table of Venus path formats as D-Bus and the terminal view (issue 13, conformance 9).
function fmt(v){ if(v===null||v===undefined) return '---';
  return Array.isArray(v)? JSON.stringify(v): String(v); }
const esc = x => String(x).replace(/[&<>"']/g, c => '&#'+c.charCodeAt(0)+';');
function spark(c, data){ const x=c.getContext('2d'); const w=c.width=c.clientWidth, h=c.height=40; x.clearRect(0,0,w,h);
  const d=data.filter(v=>typeof v==='number'); if(d.length<2) return; const lo=Math.min(...d), hi=Math.max(...d), r=(hi-lo)||1;
  x.strokeStyle='#58a6ff'; x.lineWidth=1.5; x.beginPath();
  d.forEach((v,i)=>{const px=i*w/(d.length-1), py=h-2-(v-lo)/r*(h-4); i?x.lineTo(px,py):x.moveTo(px,py);}); x.stroke(); }
async function tick(){
  try{
    const [m, tx] = await Promise.all(['/api/model','/api/text'].map(
      async u => (await fetch(u,{cache:'no-store'})).json()));
    const grid=document.getElementById('grid'); const names=Object.keys(m).sort();
    document.getElementById('status').textContent = names.length+' services · '+new Date().toLocaleTimeString();
    for(const s of names){
      const p=m[s], t=tx[s]||{}, show=x=> x in t ? t[x] : fmt(p[x]); let card=document.getElementById(s);
      if(!card){ card=document.createElement('div'); card.className='card'; card.id=s; grid.appendChild(card);
        card.innerHTML='<h2></h2><div class="svc"></div><div class="big"></div><canvas></canvas><div class="kv"></div><details><summary>all paths</summary><div class="kv all"></div></details>'; }
      card.classList.toggle('off', p['/Connected']!==1);
      card.querySelector('h2').textContent=(p['/CustomName']||p['/ProductName']||s)+'  #'+fmt(p['/DeviceInstance']);
      card.querySelector('.svc').textContent=s+(p['/Connected']!==1?'  (disconnected)':'');
      const k=KEY(s); (hist[s]=hist[s]||[]).push(p[k]); if(hist[s].length>120) hist[s].shift();
      card.querySelector('.big').textContent=k.split('/').pop()+' '+show(k);
      spark(card.querySelector('canvas'), hist[s]);
      card.querySelector('.kv').innerHTML=MAIN.filter(x=>x in p&&x!==k).map(x=>`<span>${esc(x)}</span><span class="v">${esc(show(x))}</span>`).join('');
      const all=card.querySelector('.all'); if(card.querySelector('details').open)
        all.innerHTML=Object.keys(p).sort().map(x=>`<span>${esc(x)}</span><span class="v">${esc(show(x))}</span>`).join('');
    }
    for(const c of [...grid.children]) if(!(c.id in m)) c.remove();
  }catch(e){ document.getElementById('status').textContent='disconnected: '+e; }
}
tick(); setInterval(tick,1000);
</script></body></html>)HTML";
  return kPage;
}

}  // namespace gxlink::publishers
