// nnviz report viewer: pan and zoom of the architecture, its depth views, a layer's details on click,
// values on hover over line charts. Inline in the page (no request leaves it), allowed by the page's
// Content-Security-Policy through this script's SHA-256.
(function () {
  'use strict';

  function userPoint(svg, e) {
    var m = svg.getScreenCTM();
    if (!m) { return null; }
    var p = svg.createSVGPoint();
    p.x = e.clientX;
    p.y = e.clientY;
    return p.matrixTransform(m.inverse());
  }

  // ---- pan and zoom: wheel zooms about the pointer, drag pans, double click resets -------------
  // The whole drawing is svg.nnvizWhole; the window a reset shows is its home: the whole drawing,
  // or for one far taller than its box (a deep view of a large model, which would fit as a
  // hairline) its top, across its whole width, from which a drag goes down.
  var moved = false;
  // the drawing's box on the screen, height over width; 0 while it is hidden
  function boxAspect(svg) {
    var r = svg.getBoundingClientRect();
    return r.width > 0 ? r.height / r.width : 0;
  }
  function zoomable(svg) {
    var vb = svg.viewBox.baseVal;
    if (!vb || !vb.width) { return; }
    var whole = [vb.x, vb.y, vb.width, vb.height];
    svg.nnvizWhole = whole;
    function set(x, y, w, h) { svg.setAttribute('viewBox', x + ' ' + y + ' ' + w + ' ' + h); }
    svg.nnvizSet = set;
    svg.nnvizReset = function () {
      var aspect = boxAspect(svg);
      if (aspect > 0 && whole[3] / whole[2] > 4 * aspect) {
        set(whole[0], whole[1], whole[2], whole[2] * aspect);
      } else {
        set(whole[0], whole[1], whole[2], whole[3]);
      }
    };
    // user units per screen pixel: the drawing keeps its proportions in its box, so one scale for both directions
    function unitsPerPixel() {
      var r = svg.getBoundingClientRect(), v = svg.viewBox.baseVal;
      return Math.max(v.width / r.width, v.height / r.height);
    }
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var v = svg.viewBox.baseVal, p = userPoint(svg, e);
      if (!p) { return; }
      var k = e.deltaY < 0 ? 0.8 : 1.25;
      set(p.x - (p.x - v.x) * k, p.y - (p.y - v.y) * k, v.width * k, v.height * k);
    }, { passive: false });
    var drag = null;
    svg.addEventListener('mousedown', function (e) {
      drag = { x: e.clientX, y: e.clientY, vx: svg.viewBox.baseVal.x, vy: svg.viewBox.baseVal.y, k: unitsPerPixel() };
      moved = false;
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) { return; }
      var v = svg.viewBox.baseVal;
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 4) { moved = true; }
      set(drag.vx - (e.clientX - drag.x) * drag.k, drag.vy - (e.clientY - drag.y) * drag.k, v.width, v.height);
    });
    window.addEventListener('mouseup', function () { drag = null; });
    svg.addEventListener('dblclick', function () { svg.nnvizReset(); });
  }
  // Shows g's box in the middle of its drawing (of the part the open details panel leaves uncovered), in a window at
  // least 600 units wide and no wider than the one shown.
  function centre(svg, g) {
    if (!svg.nnvizSet || !g.getBBox) { return; }
    var b = g.getBBox(), v = svg.viewBox.baseVal, r = svg.getBoundingClientRect();
    var aspect = boxAspect(svg) || v.height / v.width;
    var w = Math.min(v.width, Math.max(600, 3 * b.width, 3 * b.height / aspect)), h = w * aspect, shown = 1;
    var p = document.getElementById('nnviz-details');
    if (p && !p.hidden && r.width > 0) {
      var left = p.getBoundingClientRect().left;
      if (left > r.left + r.width / 4 && left < r.right) { shown = (left - r.left) / r.width; }
    }
    svg.nnvizSet(b.x + b.width / 2 - w * shown / 2, b.y + b.height / 2 - h / 2, w, h);
  }

  // ---- a layer's details: its row of the summary and every figure of it --------------------------
  var rows = null; // layer id -> its row of the model summary, read again when a row asked for is not (or no longer) there
  function rowOf(id) {
    var has = function () { return rows && Object.prototype.hasOwnProperty.call(rows, id) && rows[id].isConnected; };
    if (!has()) {
      rows = {};
      document.querySelectorAll('table.layers tr[data-layer]').forEach(function (r) { rows[r.dataset.layer] = r; });
    }
    return has() ? rows[id] : null;
  }
  // the panel shown, named, its facts and figures emptied; null where the page has none
  function panel(name) {
    var p = document.getElementById('nnviz-details');
    if (!p) { return null; }
    p.hidden = false;
    p.querySelectorAll('button.back').forEach(function (b) { b.remove(); });
    p.querySelector('.name').textContent = name;
    var facts = p.querySelector('.facts'), figs = p.querySelector('.figures');
    facts.textContent = '';
    figs.textContent = '';
    return { facts: facts, figs: figs };
  }
  function fact(ul, text) {
    var li = document.createElement('li');
    li.textContent = text;
    ul.appendChild(li);
  }
  function note(parent, text) {
    var p = document.createElement('p');
    p.className = 'note';
    p.textContent = text;
    parent.appendChild(p);
  }
  // back: for a layer opened from a block's list, the way back to that list
  function details(id, back) {
    var p = panel(id);
    if (!p) { return; }
    if (back) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'back';
      b.textContent = '\u2190 ' + back.label;
      b.addEventListener('click', back.go);
      p.facts.parentNode.insertBefore(b, p.facts);
    }
    var row = rowOf(id);
    if (row) {
      var heads = ['kind', 'type', 'output shape', 'parameters'];
      for (var i = 0; i < heads.length; i++) { fact(p.facts, heads[i] + ': ' + row.cells[i + 2].textContent); }
    }
    document.querySelectorAll('main figure[data-layer]').forEach(function (f) {
      if (f.dataset.layer === id) { p.figs.appendChild(f.cloneNode(true)); }
    });
    if (!p.figs.children.length) { note(p.figs, 'No figure of this layer in the report.'); }
  }

  // ---- a block's layers, where no deeper view opens it (a model too big to draw every layer) -----
  function block(g) {
    var name = g.dataset.name || g.dataset.group, p = panel(name);
    if (!p) { return; }
    var title = g.querySelector('title');
    if (title) { fact(p.facts, title.textContent); }
    var ids = g.dataset.layers ? g.dataset.layers.split('\n') : [];
    if (!ids.length) {
      note(p.figs, 'Too many layers to list here: the model summary lists every one.');
      return;
    }
    note(p.figs, (g.dataset.run ? 'The first block\'s ' : 'Its ') + ids.length + ' layers; a click opens one:');
    var list = document.createElement('ul');
    list.className = 'members';
    ids.forEach(function (id) {
      var li = document.createElement('li'), b = document.createElement('button'), row = rowOf(id);
      b.type = 'button';
      b.title = id;
      // as the summary shows it: name, kind, output shape
      b.textContent = row ? [row.cells[1].textContent, row.cells[2].textContent, row.cells[4].textContent].join(' \u00b7 ') : id;
      b.addEventListener('click', function () { details(id, { label: 'the layers of ' + name, go: function () { block(g); } }); });
      li.appendChild(b);
      list.appendChild(li);
    });
    p.figs.appendChild(list);
  }

  // ---- a view's PNG, drawn here from its SVG when asked (the report writes only the first view's) ---
  // Resolves to the PNG as a Blob: the whole view (not the zoomed part) at the scale the button
  // gives, which the report chose as it does for its own PNGs (at most 16 megapixels), on white.
  function raster(svg, scale) {
    var home = svg.nnvizWhole || [svg.viewBox.baseVal.x, svg.viewBox.baseVal.y, svg.viewBox.baseVal.width, svg.viewBox.baseVal.height];
    var w = Math.max(1, Math.ceil(home[2] * scale)), h = Math.max(1, Math.ceil(home[3] * scale));
    var copy = svg.cloneNode(true);
    copy.setAttribute('viewBox', home.join(' '));
    copy.setAttribute('width', String(w));
    copy.setAttribute('height', String(h));
    copy.removeAttribute('style');
    copy.querySelectorAll('.focus').forEach(function (g) { g.classList.remove('focus'); });
    var text = new XMLSerializer().serializeToString(copy);
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () {
        var c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        var g = c.getContext('2d');
        g.fillStyle = '#ffffff';
        g.fillRect(0, 0, w, h);
        g.drawImage(img, 0, 0, w, h);
        c.toBlob(function (b) { if (b) { resolve(b); } else { reject(new Error('the browser drew no PNG')); } }, 'image/png');
      };
      img.onerror = function () { reject(new Error('the browser could not read this view as an image')); };
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text);
    });
  }
  function savePng(button) {
    var svg = button.closest('figure').querySelector('svg');
    button.disabled = true;
    button.textContent = 'drawing PNG\u2026';
    raster(svg, Number(button.dataset.scale)).then(function (b) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(b);
      a.download = button.dataset.file;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
      button.textContent = 'PNG';
    }, function (e) {
      button.title = e.message;
      button.textContent = 'PNG failed';
    }).then(function () { button.disabled = false; });
  }

  // ---- architecture views: one per depth, a collapsed block opens the next depth at it ------------
  document.querySelectorAll('.nnviz-viewer').forEach(function (viewer) {
    var views = viewer.querySelectorAll('.view');
    var at = Number(viewer.dataset.start || 0);
    views.forEach(function (v) { var svg = v.querySelector('svg'); if (svg) { zoomable(svg); } });
    function show(i, group) {
      at = Math.max(0, Math.min(views.length - 1, i));
      views.forEach(function (v, k) { v.hidden = k !== at; });
      viewer.querySelector('.depth').textContent = views[at].dataset.label;
      viewer.querySelector('.less').disabled = at === 0;
      viewer.querySelector('.more').disabled = at === views.length - 1;
      var svg = views[at].querySelector('svg'), opened = [];
      // a view's home is worked out from its box, which a hidden view does not have: when it is first shown
      if (svg && svg.nnvizReset && !svg.nnvizShown) {
        svg.nnvizShown = true;
        svg.nnvizReset();
      }
      if (group) {
        views[at].querySelectorAll('g[data-group]').forEach(function (g) { if (g.dataset.group === group) { opened.push(g); } });
      }
      mark(opened);
      // the block just opened, in the middle of the view: in a large drawing it would be a few pixels somewhere
      if (svg && opened.length) { centre(svg, opened[0]); }
    }
    // outlines what was opened or clicked last, and nothing else
    function mark(gs) {
      viewer.querySelectorAll('g.focus').forEach(function (g) { g.classList.remove('focus'); });
      gs.forEach(function (g) { g.classList.add('focus'); });
    }
    // the first box of view k that is layer id (own) or a block listing it (not own)
    function find(k, id, own) {
      var hit = null;
      views[k].querySelectorAll('g.node').forEach(function (g) {
        if (!hit && (own ? g.dataset.layer === id : g.dataset.layers && g.dataset.layers.split('\n').indexOf(id) >= 0)) { hit = g; }
      });
      return hit;
    }
    // a layer of the summary in the architecture, outlined in the middle of its view: drawn on its own in the view
    // shown, else in the deepest that draws it so, else the box of a block that lists it; false, and nothing outlined,
    // where none shows it (a layer of a folded run's later block)
    viewer.nnvizLocate = function (id) {
      var order = [at];
      for (var k = views.length - 1; k >= 0; k--) { if (k !== at) { order.push(k); } }
      for (var pass = 0; pass < 2; pass++) {
        for (var n = 0; n < order.length; n++) {
          var g = find(order[n], id, pass === 0);
          if (g) {
            show(order[n]);
            mark([g]);
            centre(views[order[n]].querySelector('svg'), g);
            return true;
          }
        }
      }
      mark([]);
      return false;
    };
    viewer.querySelector('.less').addEventListener('click', function () { show(at - 1); });
    viewer.querySelector('.more').addEventListener('click', function () { show(at + 1); });
    viewer.querySelector('.reset').addEventListener('click', function () {
      var svg = views[at].querySelector('svg');
      if (svg && svg.nnvizReset) { svg.nnvizReset(); }
    });
    viewer.querySelectorAll('button.png').forEach(function (b) { b.addEventListener('click', function () { savePng(b); }); });
    viewer.addEventListener('click', function (e) {
      var g = e.target.closest ? e.target.closest('g.node') : null;
      if (!g || moved) { return; }
      if (g.dataset.layer) {
        mark([g]);
        details(g.dataset.layer);
      } else if (g.dataset.group) {
        // a block opens the next depth at it; in the last view, where none is deeper, its list of layers
        if (at < views.length - 1) {
          show(at + 1, g.dataset.group);
        } else {
          mark([g]);
          block(g);
        }
      }
    });
    show(at);
  });
  // ---- a row of the model summary: its layer outlined in the architecture, and its details ------
  document.querySelectorAll('table.layers').forEach(function (t) {
    t.addEventListener('click', function (e) {
      var tr = e.target.closest ? e.target.closest('tr[data-layer]') : null;
      if (!tr) { return; }
      var viewer = document.querySelector('.nnviz-viewer');
      details(tr.dataset.layer); // first: the layer is then centred in what the panel leaves uncovered
      if (viewer && viewer.nnvizLocate && viewer.nnvizLocate(tr.dataset.layer)) { viewer.scrollIntoView({ block: 'start' }); }
    });
  });

  var close = document.querySelector('#nnviz-details .close');
  if (close) {
    close.addEventListener('click', function () { document.getElementById('nnviz-details').hidden = true; });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { document.getElementById('nnviz-details').hidden = true; }
    });
  }

  // ---- values on hover: the nearest point of each series of a line chart ----------------------
  var tip = document.createElement('div');
  tip.id = 'nnviz-tip';
  tip.hidden = true;
  document.body.appendChild(tip);
  function parse(g) {
    if (!g.nnvizPoints) {
      g.nnvizPoints = (g.dataset.points || '').split(';').filter(Boolean).map(function (s) {
        var f = s.split(' ');
        return { px: Number(f[0]), py: Number(f[1]), x: f[2], y: f[3] };
      });
    }
    return g.nnvizPoints;
  }
  function hover(svg) {
    var series = svg.querySelectorAll('g.series[data-points]');
    if (!series.length) { return; }
    svg.addEventListener('mousemove', function (e) {
      var p = userPoint(svg, e);
      if (!p) { return; }
      var lines = [], best = Infinity;
      series.forEach(function (g) {
        var pts = parse(g), near = null;
        for (var i = 0; i < pts.length; i++) {
          if (!near || Math.abs(pts[i].px - p.x) < Math.abs(near.px - p.x)) { near = pts[i]; }
        }
        if (near) {
          best = Math.min(best, Math.abs(near.px - p.x));
          var t = g.querySelector('title');
          lines.push((t ? t.textContent : '') + ': ' + near.y + ' at ' + near.x);
        }
      });
      if (!lines.length || best > 40) { tip.hidden = true; return; }
      tip.textContent = lines.join('\n');
      tip.style.left = (e.pageX + 14) + 'px';
      tip.style.top = (e.pageY + 14) + 'px';
      tip.hidden = false;
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; });
  }
  document.querySelectorAll('main svg').forEach(hover);

  // ---- tables: sort by a header, hide a row's run from every chart -----------------------------
  var hiddenRuns = {}; // run name -> true while its box is unticked; figures loaded later honour it
  var filteredRuns = {}; // run name -> true while the filter box leaves its row out
  var filterText = '';
  function seriesName(g) {
    var title = g.querySelector('title');
    return title ? title.textContent.replace(/^legend: /, '').replace(/: \d+ points$/, '') : '';
  }
  function applyHidden(root) {
    root.querySelectorAll('g.series, g.legend, g.points').forEach(function (g) {
      var n = seriesName(g);
      g.style.display = hiddenRuns[n] || filteredRuns[n] ? 'none' : '';
    });
  }
  var lastSort = null; // {column, up}: a table drawn again (the live comparison) keeps its order
  function sortBy(t, th, up) {
    var body = t.tBodies[0], col = th.cellIndex;
    t.querySelectorAll('th.sortable').forEach(function (o) { delete o.dataset.order; });
    th.dataset.order = up ? 'up' : 'down';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  // a row is kept if every word of the filter is in one of its cells (name, tags, hyperparameters, metrics)
  function applyFilter(t) {
    var words = filterText.toLowerCase().split(/\s+/).filter(function (w) { return w; });
    Array.prototype.forEach.call(t.tBodies[0].rows, function (row) {
      var text = row.textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.style.display = keep ? '' : 'none';
      if (keep) { delete filteredRuns[row.dataset.run]; } else { filteredRuns[row.dataset.run] = true; }
    });
    applyHidden(document);
  }
  function bindTable(t) {
    var body = t.tBodies[0];
    // one filter box per table id, kept outside a table the live page draws again, so typing is never cut off
    var box = document.querySelector('input.table-filter[data-table="' + t.id + '"]');
    if (!box) {
      var wrap = t.closest('.table-wrap') || t;
      var anchor = wrap.parentNode.id === 'runs-table' ? wrap.parentNode : wrap;
      box = document.createElement('input');
      box.type = 'search';
      box.className = 'table-filter';
      box.dataset.table = t.id;
      box.placeholder = 'filter runs: words in any column';
      anchor.parentNode.insertBefore(box, anchor);
      box.addEventListener('input', function () {
        filterText = box.value;
        var current = document.getElementById(box.dataset.table);
        if (current) { applyFilter(current); }
      });
    }
    if (filterText) { applyFilter(t); }
    t.querySelectorAll('th.sortable').forEach(function (th) {
      th.addEventListener('click', function () {
        var up = th.dataset.order !== 'up';
        lastSort = { column: th.textContent, up: up };
        sortBy(t, th, up);
      });
      if (lastSort && th.textContent === lastSort.column) { sortBy(t, th, lastSort.up); }
    });
    Array.prototype.forEach.call(body.rows, function (row) { // a table drawn again keeps the runs hidden before
      var box = row.querySelector('input[type=checkbox]');
      if (box && hiddenRuns[row.dataset.run]) { box.checked = false; row.classList.add('hidden-run'); }
    });
    body.addEventListener('change', function (e) {
      var row = e.target.closest('tr');
      if (!row) { return; }
      var run = row.dataset.run, shown = e.target.checked;
      row.classList.toggle('hidden-run', !shown);
      if (shown) { delete hiddenRuns[run]; } else { hiddenRuns[run] = true; }
      applyHidden(document);
    });
  }
  document.querySelectorAll('table.nnviz-table').forEach(bindTable);

  // for pages that load figures later (the live dashboard): the same pan, zoom and readout on each
  window.nnvizViewer = {
    attach: function (svg) { zoomable(svg); hover(svg); applyHidden(svg); },
    table: bindTable,
    details: details,
    raster: raster
  };
}());
