// nnviz live dashboard: polls state.json once a second and reloads a figure only when its version changes.
(function () {
  'use strict';
  var base = location.pathname.replace(/[^/]*$/, '');
  var shown = {};   // figure id -> version on the page
  var busy = false;
  var tableVersion = null; // the runs table's version on a comparison page
  var failures = 0, finished = false;

  function text(id, value) { document.getElementById(id).textContent = value; }

  function figureBox(f) {
    var box = document.getElementById('fig-' + f.id);
    if (!box) {
      box = document.createElement('figure');
      box.id = 'fig-' + f.id;
      var holder = document.createElement('div');
      holder.className = 'svg';
      var cap = document.createElement('figcaption');
      box.appendChild(holder);
      box.appendChild(cap);
      document.getElementById('figures').appendChild(box);
    }
    box.querySelector('figcaption').textContent = f.title;
    if (f.layer) { box.dataset.layer = f.layer; } // the viewer's panel shows it when that layer is clicked
    return box;
  }

  function load(f) {
    var box = figureBox(f);
    return fetch(base + 'figure/' + f.id + '.svg?v=' + f.version, { cache: 'no-store' })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (svgText) {
        // parsed as XML and imported: the SVG is nnviz's own output, and scripts never run this way
        var doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
        var svg = doc.documentElement;
        if (svg.nodeName !== 'svg') { throw new Error('not an SVG'); }
        var holder = box.querySelector('.svg');
        holder.replaceChildren(document.importNode(svg, true));
        if (window.nnvizViewer) { window.nnvizViewer.attach(holder.firstChild); } // pan, zoom, values on hover, as in the report
        box.dataset.version = String(f.version);
        shown[f.id] = f.version;
      });
  }

  // the runs table of a comparison page: server-escaped HTML, parsed inertly and imported; the viewer sorts and hides with it
  function loadTable(version) {
    return fetch(base + 'table.html?v=' + version, { cache: 'no-store' })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var table = doc.querySelector('div.table-wrap');
        if (!table) { throw new Error('no table'); }
        var holder = document.getElementById('runs-table');
        holder.replaceChildren(document.importNode(table, true));
        if (window.nnvizViewer) { window.nnvizViewer.table(holder.querySelector('table')); }
        tableVersion = version;
      });
  }

  // the doctor's findings atop the page, each linked to the figures on the page that show it; text only, never HTML
  var bannerShown = null;
  function banner(findings) {
    var key = JSON.stringify(findings || []);
    if (key === bannerShown) { return; }
    bannerShown = key;
    var box = document.getElementById('diagnosis');
    if (!box) { return; }
    box.replaceChildren();
    (findings || []).forEach(function (f) {
      var div = document.createElement('div');
      div.className = 'finding ' + f.severity.toLowerCase();
      div.dataset.rule = f.rule;
      var head = document.createElement('b');
      head.textContent = f.severity + ' ' + f.rule + (f.where ? ' ' + f.where : '') + (f.layers ? ' layer=' + f.layers : '');
      var msg = document.createElement('span');
      msg.className = 'message';
      msg.textContent = ': ' + f.message + ' ' + f.advice;
      div.appendChild(head);
      div.appendChild(msg);
      f.figures.forEach(function (id) {
        var a = document.createElement('a');
        a.href = '#fig-' + id;
        a.textContent = id;
        a.className = 'evidence';
        div.appendChild(document.createTextNode(' '));
        div.appendChild(a);
      });
      box.appendChild(div);
    });
    box.hidden = !findings || findings.length === 0;
  }

  function poll() {
    if (busy) { return; }
    busy = true;
    fetch(base + 'state.json', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        failures = 0;
        text('step', s.step);
        text('epoch', s.epoch);
        text('rate', s.stepsPerSecond);
        text('loss', typeof s.loss === 'number' ? s.loss.toPrecision(4) : s.loss);
        document.getElementById('counters').dataset.lossPoints = String(s.lossPoints);
        banner(s.findings);
        var status = document.getElementById('status');
        finished = s.finished === true; // the recorder closed: the run is over, whatever the server does next
        status.textContent = finished ? 'finished' : 'live';
        status.className = finished ? 'finished' : '';
        var pending = s.figures.filter(function (f) { return shown[f.id] !== f.version; }).map(load);
        if (typeof s.table === 'number' && s.table !== tableVersion) { pending.push(loadTable(s.table)); }
        return Promise.all(pending);
      })
      .catch(function () {
        failures++;
        var status = document.getElementById('status');
        status.textContent = finished ? 'finished (server stopped)' : failures > 2 ? 'training ended or server stopped' : 'retrying';
        status.className = finished ? 'finished' : 'stale';
      })
      .finally(function () { busy = false; });
  }

  // a click on a layer of the architecture: its figures in the viewer's panel, as in the report
  document.getElementById('figures').addEventListener('click', function (e) {
    var g = e.target.closest ? e.target.closest('g.node') : null;
    if (g && g.dataset.layer && window.nnvizViewer) { window.nnvizViewer.details(g.dataset.layer); }
  });

  poll();
  setInterval(poll, 1000);
})();
