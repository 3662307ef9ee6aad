/* vigil.js — the incident page's attack path: zoom and pan, and a click on a node (or a
 * step of the timeline, or #node=ID in the address) shows what it is and its events.
 *
 * Every string comes from events, and events may come from an attacker: text reaches the
 * page only through textContent (never as markup), written as vigil's text format writes
 * it (control characters as \n, \t, \xNN), and links are built from numbers. */
(function () {
  'use strict';

  var dataEl = document.getElementById('vg-data');
  var box = document.getElementById('vg-graph');
  var panel = document.getElementById('vg-node');
  var svg = box ? box.querySelector('svg') : null;
  var eventHref = document.body.getAttribute('data-event-href');
  var nodeEvents = document.body.getAttribute('data-node-events');
  var data = null;
  var nodes = {}, edgesOf = {}, rules = {};

  if (dataEl) {
    try { data = JSON.parse(dataEl.textContent); } catch (e) { data = null; }
  }
  if (data) {
    data.graph.nodes.forEach(function (n) { nodes[n.id] = n; edgesOf[n.id] = []; });
    data.graph.edges.forEach(function (e) {
      if (edgesOf[e.from]) edgesOf[e.from].push(e);
      if (edgesOf[e.to]) edgesOf[e.to].push(e);
    });
    data.incident.alerts.forEach(function (a) { rules[a.id] = a; });
  }

  /* ---- text ---------------------------------------------------------------------- */

  function visible(s) {
    if (s === null || s === undefined) return '';
    return String(s).replace(/[\\\u0000-\u001f\u007f]/g, function (c) {
      if (c === '\\') return '\\\\';
      if (c === '\n') return '\\n';
      if (c === '\t') return '\\t';
      if (c === '\r') return '\\r';
      var h = c.charCodeAt(0).toString(16);
      return '\\x' + (h.length < 2 ? '0' + h : h);
    });
  }

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = visible(text);
    return e;
  }

  function time(ts) {
    return ts ? String(ts).replace(/^.*T/, '').replace(/(\.\d{3})\d*Z$/, '$1Z') : '';
  }

  function eventLink(id) {
    var a = make('a', null, '#' + id);
    id = Number(id);
    if (eventHref) a.href = eventHref + id;
    else if (document.getElementById('ev-' + id)) a.href = '#ev-' + id;
    else return make('span', 'vg-dim', '#' + id);
    return a;
  }

  /* ---- zoom and pan -------------------------------------------------------------- */

  var view = null, home = null, drag = null, dragged = false;

  function setView(v) {
    view = v;
    svg.setAttribute('viewBox', v.x + ' ' + v.y + ' ' + v.w + ' ' + v.h);
  }

  /* svg units per screen pixel (the drawing is fitted, aspect kept) */
  function unit() {
    var r = svg.getBoundingClientRect();
    return Math.max(view.w / (r.width || 1), view.h / (r.height || 1));
  }

  /* the point of the drawing at a point of the screen */
  function toView(clientX, clientY) {
    var r = svg.getBoundingClientRect(), u = unit();
    return { x: view.x + view.w / 2 + (clientX - r.left - r.width / 2) * u,
             y: view.y + view.h / 2 + (clientY - r.top - r.height / 2) * u };
  }

  function zoom(f, clientX, clientY) {
    var r = svg.getBoundingClientRect();
    /* the point under the cursor stays where it is */
    var p = toView(clientX === undefined ? r.left + r.width / 2 : clientX,
                   clientY === undefined ? r.top + r.height / 2 : clientY);
    var w = Math.min(Math.max(view.w * f, home.w / 40), home.w * 4);
    var k = w / view.w;
    setView({ x: p.x - (p.x - view.x) * k, y: p.y - (p.y - view.y) * k, w: view.w * k, h: view.h * k });
  }

  /* brings a node into view when it is outside */
  function center(id) {
    var g = document.getElementById(id);
    if (!g || !svg.contains(g)) return;
    var b = g.getBoundingClientRect(), r = svg.getBoundingClientRect();
    if (b.left >= r.left && b.right <= r.right && b.top >= r.top && b.bottom <= r.bottom) return;
    var p = toView(b.left + b.width / 2, b.top + b.height / 2);
    setView({ x: p.x - view.w / 2, y: p.y - view.h / 2, w: view.w, h: view.h });
  }

  /* The first view: the whole drawing when it is readable so, else its top left (where it
   * came in, and the first of a fan-out) at a readable scale; the box no taller than the
   * drawing needs. */
  var READABLE = 0.75; /* screen pixels per unit of the drawing (points) */
  function firstView() {
    var width = box.getBoundingClientRect().width || 800;
    var scale = Math.min(READABLE, width / home.w);
    var tall = Math.max(260, Math.min(home.h * scale + 4, window.innerHeight * 0.75));
    box.style.height = tall + 'px';
    if (Math.min(width / home.w, tall / home.h) >= READABLE)
      return { x: home.x, y: home.y, w: home.w, h: home.h };
    var w = width / READABLE, h = tall / READABLE;
    return { x: home.x, y: h > home.h ? home.y + (home.h - h) / 2 : home.y, w: w, h: h };
  }

  if (svg) {
    var vb = svg.viewBox.baseVal;
    home = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    setView(firstView());
    box.addEventListener('wheel', function (e) {
      e.preventDefault();
      zoom(e.deltaY < 0 ? 0.8 : 1.25, e.clientX, e.clientY);
    }, { passive: false });
    box.addEventListener('pointerdown', function (e) {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, view: view, u: unit() };
      dragged = false;
    });
    window.addEventListener('pointermove', function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
      dragged = true;
      box.classList.add('vg-dragging');
      setView({ x: drag.view.x - dx * drag.u, y: drag.view.y - dy * drag.u, w: drag.view.w, h: drag.view.h });
    });
    window.addEventListener('pointerup', function () {
      drag = null;
      box.classList.remove('vg-dragging');
    });
    document.querySelectorAll('[data-zoom]').forEach(function (b) {
      b.addEventListener('click', function () {
        var z = b.getAttribute('data-zoom');
        if (z === 'in') zoom(0.8);
        else if (z === 'out') zoom(1.25);
        else setView({ x: home.x, y: home.y, w: home.w, h: home.h });
      });
    });
    svg.addEventListener('click', function (e) {
      if (dragged) { dragged = false; return; }
      var g = e.target.closest ? e.target.closest('g.node') : null;
      if (g && nodes[g.id]) select(g.id, false);
    });
  }

  /* ---- the node panel ------------------------------------------------------------ */

  function fact(dl, name, value) {
    if (value === null || value === undefined || value === '' ||
        (Array.isArray(value) && !value.length)) return;
    dl.appendChild(make('dt', null, name));
    dl.appendChild(make('dd', null, Array.isArray(value) ? value.map(visible).join(' ') : value));
  }

  function nodeLink(id) {
    var n = nodes[id];
    var a = make('a', 'vg-node-ref', n ? n.label : id);
    a.href = '#node=' + encodeURIComponent(id);
    a.setAttribute('data-node', id);
    return a;
  }

  function details(n) {
    var dl = make('dl');
    fact(dl, 'kind', n.kind + (n.context ? ' (came in through: outside the incident)' : ''));
    if (n.count > 1) fact(dl, 'collapsed', n.count + ' alike');
    if (n.kind === 'process') {
      fact(dl, 'exe', n.exe);
      fact(dl, 'argv', n.argv);
      fact(dl, 'pid', n.pid + ' (ppid ' + n.ppid + ')');
      fact(dl, 'user', (n.user || '') + ' (uid ' + n.uid + ')');
      fact(dl, 'cwd', n.cwd);
      fact(dl, 'tty', n.tty);
      fact(dl, 'container', n.container);
      fact(dl, 'ssh', n.ssh);
      fact(dl, 'image', n.image);
      fact(dl, 'exec_id', n.exec_id);
      fact(dl, 'exited', n.exited ? 'code ' + n.exit_code : 'no');
      fact(dl, 'samples', n.samples);
    } else if (n.kind === 'file') {
      fact(dl, 'path', n.path);
      if (n.paths && n.paths.length > 1) fact(dl, 'names', n.paths);
      if (n.ino) fact(dl, 'inode', n.dev + ':' + n.ino);
    } else {
      fact(dl, 'address', n.addr);
      fact(dl, 'port', n.port || null);
      fact(dl, 'ports', n.ports);
      fact(dl, 'proto', n.proto);
      fact(dl, 'dns', n.qname);
    }
    fact(dl, 'first', n.first);
    fact(dl, 'last', n.last);
    return dl;
  }

  function stepsOf(n) {
    var ul = make('ul');
    (edgesOf[n.id] || []).slice().sort(function (a, b) { return a.first < b.first ? -1 : a.first > b.first; })
      .forEach(function (e) {
        var li = make('li'), out = e.from === n.id;
        li.appendChild(make('span', 'vg-dim', time(e.first) + ' '));
        li.appendChild(make('span', 'vg-kind', (out ? '' : '\u2190 ') + e.kind + (out ? ' \u2192' : '') + ' '));
        li.appendChild(nodeLink(out ? e.to : e.from));
        if (e.count > 1) li.appendChild(make('span', null, ' \u00d7' + e.count));
        if (e.event) { li.appendChild(make('span', null, ' ')); li.appendChild(eventLink(e.event)); }
        ul.appendChild(li);
      });
    return ul;
  }

  /* one line for a stored event: what it touched */
  function eventLine(ev) {
    var what = '';
    if (ev.exec && ev.exec.argv) what = ev.exec.argv.map(visible).join(' ');
    else if (ev.file && ev.file.path) what = visible(ev.file.path) + (ev.file.newpath ? ' \u2192 ' + visible(ev.file.newpath) : '');
    else if (ev.net) what = visible(ev.net.raddr || ev.net.daddr || '') + ':' + visible(ev.net.rport || ev.net.dport || '');
    else if (ev.dns) what = visible(ev.dns.qname);
    var li = make('li');
    li.appendChild(eventLink(ev.id));
    li.appendChild(make('span', 'vg-dim', ' ' + time(ev.ts) + ' '));
    li.appendChild(make('span', 'vg-kind', ev.event + ' '));
    li.appendChild(make('span', null, what));
    return li;
  }

  function loadEvents(id, into) {
    var status = make('p', 'vg-dim', 'loading\u2026');
    into.appendChild(status);
    fetch(nodeEvents + encodeURIComponent(id), { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (res) {
        if (!panel.contains(into)) return; /* another node was chosen meanwhile */
        var ul = make('ul', 'vg-events');
        res.events.forEach(function (ev) { ul.appendChild(eventLine(ev)); });
        status.textContent = res.events.length + ' event' + (res.events.length === 1 ? '' : 's') +
          (res.truncated ? ' (the first; vigil query has them all)' : '') +
          (res.members > 1 ? ', of its first member' : '');
        into.appendChild(ul);
        into.setAttribute('data-loaded', String(res.events.length));
      })
      .catch(function (err) { status.textContent = 'events unavailable: ' + err.message; });
  }

  function clearMarks() {
    document.querySelectorAll('.vg-selected, .vg-near').forEach(function (e) {
      e.classList.remove('vg-selected');
      e.classList.remove('vg-near');
    });
  }

  function mark(id, cls) {
    var e = svg ? document.getElementById(id) : null;
    if (e && svg.contains(e)) e.classList.add(cls);
  }

  function select(id, scroll) {
    var n = nodes[id];
    if (!n || !panel) return;
    clearMarks();
    mark(id, 'vg-selected');
    (edgesOf[id] || []).forEach(function (e) {
      mark(e.from + '_' + e.kind + '_' + e.to, 'vg-selected');
      mark(e.from === id ? e.to : e.from, 'vg-near');
    });
    if (svg && scroll) center(id);
    panel.textContent = '';
    panel.setAttribute('data-node', id);
    panel.appendChild(make('h3', null, n.label));
    (n.alerts || []).forEach(function (a) {
      if (rules[a]) panel.appendChild(make('div', 'vg-rule', '! ' + rules[a].rule));
    });
    panel.appendChild(details(n));
    panel.appendChild(make('h4', null, 'steps in the attack path'));
    panel.appendChild(stepsOf(n));
    if (nodeEvents) {
      var ev = make('div', 'vg-node-events');
      panel.appendChild(make('h4', null, 'events'));
      panel.appendChild(ev);
      loadEvents(id, ev);
    }
    if (history.replaceState) history.replaceState(null, '', '#node=' + encodeURIComponent(id));
  }

  function selectEdge(row) {
    var from = row.getAttribute('data-edge').split('_')[0];
    select(from, true);
    mark(row.getAttribute('data-edge'), 'vg-selected');
    row.classList.add('vg-selected');
    if (box) box.scrollIntoView({ block: 'nearest' });
  }

  document.addEventListener('click', function (e) {
    var ref = e.target.closest ? e.target.closest('.vg-node-ref') : null;
    if (ref && nodes[ref.getAttribute('data-node')]) {
      e.preventDefault();
      select(ref.getAttribute('data-node'), true);
      if (box && !panel.contains(ref)) box.scrollIntoView({ block: 'nearest' });
      return;
    }
    var row = e.target.closest ? e.target.closest('tr[data-edge]') : null;
    if (row && !(e.target.closest && e.target.closest('a'))) selectEdge(row);
  });

  /* #node=p41 selects a node; #ev-1812 (an event of the file's evidence) opens it */
  function fromHash() {
    var m = /^#node=(.+)$/.exec(location.hash), ev = /^#ev-(\d+)$/.exec(location.hash);
    if (m && nodes[decodeURIComponent(m[1])]) select(decodeURIComponent(m[1]), true);
    if (ev && document.getElementById('ev-' + ev[1])) document.getElementById('ev-' + ev[1]).open = true;
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
  document.documentElement.setAttribute('data-vg-ready', '1');
}());
