// Vigil dashboard: polls api/summary every second and writes the figures into elements marked data-metric (each also
// gets its raw value in data-value, for tests and scripts). Plain JavaScript, no library, nothing from elsewhere.
(function () {
  'use strict';
  var POLL_MS = 1000;
  var HISTORY = 120;
  var ACTIONS = ['APPROVE', 'REVIEW', 'DECLINE'];
  var eventsHistory = [];
  var decisionsHistory = [];
  var updates = 0;

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function metricCell(tag, metric, value, text) {
    var e = el(tag, null, text);
    e.setAttribute('data-metric', metric);
    e.setAttribute('data-value', value === null || value === undefined ? '' : String(value));
    return e;
  }

  function set(metric, value, text) {
    var nodes = document.querySelectorAll('[data-metric="' + metric + '"]');
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].setAttribute('data-value', value === null || value === undefined ? '' : String(value));
      nodes[i].textContent = text;
    }
  }

  function int(n) {
    if (n === null || n === undefined) { return '–'; }
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function rate(x) {
    if (x === null || x === undefined) { return '–'; }
    if (x >= 100) { return int(x); }
    return x.toFixed(x >= 10 ? 1 : 2);
  }

  function micros(us) {
    if (us === null || us === undefined) { return '–'; }
    if (us < 10) { return us.toFixed(2); }
    if (us < 1000) { return us.toFixed(1); }
    return int(us);
  }

  function seconds(s) {
    if (s === null || s === undefined) { return '–'; }
    if (s < 1) { return (s * 1000).toFixed(s < 0.01 ? 2 : 0) + ' ms'; }
    if (s < 120) { return s.toFixed(1) + ' s'; }
    if (s < 7200) { return (s / 60).toFixed(1) + ' min'; }
    if (s < 172800) { return (s / 3600).toFixed(1) + ' h'; }
    return (s / 86400).toFixed(1) + ' d';
  }

  function target(x) {
    return String(+(x * 100).toFixed(4)) + ' %';
  }

  function burn(x) {
    if (x === null || x === undefined) { return '–'; }
    return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : int(x);
  }

  function percent(x) {
    if (x === null || x === undefined) { return '–'; }
    return (x * 100).toFixed(Math.abs(x) < 0.1 ? 2 : 1) + ' %';
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function push(history, value) {
    history.push(value === null || value === undefined ? 0 : value);
    if (history.length > HISTORY) { history.shift(); }
  }

  function sparkline(canvas, series, colors) {
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.clientWidth || canvas.width;
    var height = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(width * ratio)) { canvas.width = Math.round(width * ratio); }
    if (canvas.height !== Math.round(height * ratio)) { canvas.height = Math.round(height * ratio); }
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    var max = 1;
    series.forEach(function (s) { s.forEach(function (v) { if (v > max) { max = v; } }); });
    g.strokeStyle = '#e1e4e8';
    g.lineWidth = 1;
    g.beginPath(); g.moveTo(0, height - 0.5); g.lineTo(width, height - 0.5); g.stroke();
    g.fillStyle = '#66707c';
    g.font = '11px system-ui, sans-serif';
    g.fillText('max ' + rate(max) + '/s', 4, 12);
    series.forEach(function (s, index) {
      if (s.length < 2) { return; }
      var step = width / (HISTORY - 1);
      var x0 = width - (s.length - 1) * step;
      g.strokeStyle = colors[index];
      g.lineWidth = 1.5;
      g.beginPath();
      for (var i = 0; i < s.length; i++) {
        var x = x0 + i * step;
        var y = height - 2 - (s[i] / max) * (height - 18);
        if (i === 0) { g.moveTo(x, y); } else { g.lineTo(x, y); }
      }
      g.stroke();
      if (index === 0) {
        g.lineTo(x0 + (s.length - 1) * step, height - 1);
        g.lineTo(x0, height - 1);
        g.closePath();
        g.fillStyle = 'rgba(34, 102, 204, 0.12)';
        g.fill();
      }
    });
  }

  function renderCounters(s) {
    var c = s.counters;
    ['events', 'decisions', 'rejects', 'eventsJournaled', 'errors', 'modelFallbacks', 'backpressurePauses',
      'deadLetters', 'answered', 'checkpoints'].forEach(function (name) {
      set('counters.' + name + '.total', c[name].total, int(c[name].total));
      set('counters.' + name + '.perSecond', c[name].perSecond, rate(c[name].perSecond));
    });
    push(eventsHistory, c.events.perSecond);
    push(decisionsHistory, c.decisions.perSecond);
    sparkline(document.getElementById('spark-events'), [eventsHistory, decisionsHistory], ['#2266cc', '#1f8f4e']);

    var byAction = c.decisions.byAction;
    var total = c.decisions.total;
    var rows = document.getElementById('decision-rows');
    var bar = document.getElementById('decision-bar');
    clear(rows);
    clear(bar);
    var actions = ACTIONS.slice();
    Object.keys(byAction).forEach(function (a) { if (actions.indexOf(a) < 0) { actions.push(a); } });
    actions.forEach(function (action) {
      var one = byAction[action] || {total: 0, perSecond: null};
      var share = total > 0 ? one.total / total : 0;
      var tr = el('tr');
      var name = el('td');
      name.appendChild(el('span', 'dot ' + action));
      name.appendChild(document.createTextNode(action));
      tr.appendChild(name);
      tr.appendChild(metricCell('td', 'decisions.' + action + '.total', one.total, int(one.total)));
      tr.appendChild(metricCell('td', 'decisions.' + action + '.perSecond', one.perSecond, rate(one.perSecond)));
      tr.appendChild(metricCell('td', 'decisions.' + action + '.share', share, percent(share)));
      rows.appendChild(tr);
      if (share > 0) {
        var part = el('div', action);
        part.style.width = (share * 100) + '%';
        part.title = action + ' ' + percent(share);
        bar.appendChild(part);
      }
    });

    var rejects = document.getElementById('reject-rows');
    clear(rejects);
    var any = false;
    Object.keys(c.rejects.byReason).sort().forEach(function (reason) {
      var one = c.rejects.byReason[reason];
      if (one.total > 0) {
        any = true;
        var tr = el('tr');
        tr.appendChild(el('td', null, reason));
        tr.appendChild(metricCell('td', 'rejects.' + reason + '.total', one.total, int(one.total)));
        tr.appendChild(metricCell('td', 'rejects.' + reason + '.perSecond', one.perSecond, rate(one.perSecond) + '/s'));
        rejects.appendChild(tr);
      }
    });
    if (!any) {
      var none = el('tr');
      none.appendChild(el('td', 'none', 'none'));
      rejects.appendChild(none);
    }
  }

  function renderGauges(s) {
    var g = s.gauges;
    set('gauges.journalLag', g.journalLag, int(g.journalLag));
    set('gauges.ringOccupancy', g.ringOccupancy, int(g.ringOccupancy));
    set('gauges.ringSize', g.ringSize, int(g.ringSize));
    set('gauges.connections', g.connections, int(g.connections));
    set('gauges.journalUnavailable', g.journalUnavailable, g.journalUnavailable ? 'UNAVAILABLE (refusing appends)' : 'accepting appends');
    set('gauges.checkpointAgeSeconds', g.checkpointAgeSeconds, g.checkpointAgeSeconds === null ? 'none yet' : seconds(g.checkpointAgeSeconds) + ' ago');
    set('gauges.checkpointPauseSeconds', g.checkpointPauseSeconds, seconds(g.checkpointPauseSeconds));
    var fill = document.getElementById('ring-fill');
    var used = g.ringSize > 0 ? g.ringOccupancy / g.ringSize : 0;
    fill.style.width = Math.max(used * 100, used > 0 ? 1 : 0) + '%';
    fill.className = 'fill ' + (used > 0.8 ? 'bad' : used > 0.5 ? 'warn' : 'good');
    set('engineState', s.engineState, s.engineState);
    document.getElementById('engine-state').className = 'badge ' + s.engineState;
    set('uptime', s.uptimeSeconds, seconds(s.uptimeSeconds));
  }

  function renderLatency(s) {
    var rows = document.getElementById('latency-rows');
    clear(rows);
    set('latency.recentWindowSeconds', s.latency.recentWindowSeconds, String(s.latency.recentWindowSeconds));
    var maxP99 = 0;
    s.latency.stages.forEach(function (stage) {
      if (stage.recent.p99 > maxP99) { maxP99 = stage.recent.p99; }
    });
    s.latency.stages.forEach(function (stage) {
      var tr = el('tr');
      tr.setAttribute('data-stage', stage.stage);
      tr.appendChild(el('td', null, stage.name));
      ['recent', 'sinceStart'].forEach(function (which) {
        var p = stage[which];
        var prefix = 'latency.' + stage.stage + '.' + which + '.';
        tr.appendChild(metricCell('td', prefix + 'count', p.count, int(p.count)));
        tr.appendChild(metricCell('td', prefix + 'p50', p.p50, micros(p.p50)));
        tr.appendChild(metricCell('td', prefix + 'p99', p.p99, micros(p.p99)));
        tr.appendChild(metricCell('td', prefix + 'p999', p.p999, micros(p.p999)));
      });
      var cell = el('td');
      var bar = el('div', 'bar');
      var fill = el('div', 'fill');
      fill.style.width = (maxP99 > 0 && stage.recent.p99 ? stage.recent.p99 / maxP99 * 100 : 0) + '%';
      bar.appendChild(fill);
      cell.appendChild(bar);
      tr.appendChild(cell);
      rows.appendChild(tr);
    });
  }

  function renderSlo(s) {
    var body = document.getElementById('slo-body');
    clear(body);
    if (!s.slo) {
      body.appendChild(el('p', 'none', 'SLO evaluator off (vigil.slo.enabled=false)'));
      return;
    }
    if (s.slo.objectives.length === 0) {
      body.appendChild(el('p', 'none', 'not evaluated yet'));
    }
    s.slo.objectives.forEach(function (o) {
      var box = el('div', 'objective');
      box.setAttribute('data-slo', o.name);
      var title = el('div', 'title');
      title.appendChild(el('strong', null, o.name));
      title.appendChild(el('span', 'hint', 'target ' + target(o.target)));
      var state = metricCell('span', 'slo.' + o.name + '.alerting', o.alerting, o.alerting === 'none' ? 'ok' : o.alerting);
      state.className = 'badge ' + (o.alerting === 'none' ? 'ok' : o.alerting);
      title.appendChild(state);
      box.appendChild(title);
      var budget = metricCell('div', 'slo.' + o.name + '.budgetRemaining', o.errorBudgetRemaining,
        percent(o.errorBudgetRemaining));
      budget.className = 'budget' + (o.errorBudgetRemaining < 0.25 ? ' bad' : '');
      box.appendChild(budget);
      box.appendChild(el('div', 'hint', (o.errorBudgetRemaining < 0 ? 'overspent: ' : '') + 'error budget left (over ' + seconds(o.budgetCoveredSeconds) + '; ' +
        int(o.total - o.good) + ' bad of ' + int(o.total) + ')'));
      var bar = el('div', 'bar');
      var fill = el('div', 'fill ' + (o.errorBudgetRemaining < 0.25 ? 'bad' : o.errorBudgetRemaining < 0.5 ? 'warn' : 'good'));
      fill.style.width = Math.max(0, Math.min(1, o.errorBudgetRemaining)) * 100 + '%';
      bar.appendChild(fill);
      box.appendChild(bar);
      var table = el('table', 'num');
      var head = el('tr');
      var row = el('tr');
      head.appendChild(el('th', null, 'burn rate'));
      row.appendChild(el('td', null, ''));
      Object.keys(o.burnRates).forEach(function (w) {
        head.appendChild(el('th', null, w));
        row.appendChild(metricCell('td', 'slo.' + o.name + '.burnRate.' + w, o.burnRates[w], burn(o.burnRates[w])));
      });
      table.appendChild(head);
      table.appendChild(row);
      box.appendChild(table);
      body.appendChild(box);
    });
  }

  function alertBox(a, resolved) {
    var box = el('div', 'alert' + (resolved ? ' resolved' : ''));
    box.setAttribute('data-alert', a.name);
    box.setAttribute('data-fingerprint', a.fingerprint);
    box.appendChild(el('span', 'name', a.name));
    var labels = Object.keys(a.labels).map(function (k) { return k + '=' + a.labels[k]; }).join(' ');
    box.appendChild(el('span', 'labels', ' ' + labels));
    box.appendChild(el('div', null, a.summary));
    box.appendChild(el('div', 'labels', resolved ? 'resolved after ' + seconds((a.endsAtMs - a.startsAtMs) / 1000) :
      'firing for ' + seconds(a.ageSeconds)));
    return box;
  }

  function renderAlerts(s) {
    var firing = document.getElementById('alerts-firing');
    var resolved = document.getElementById('alerts-resolved');
    clear(firing);
    clear(resolved);
    if (!s.alerts) {
      set('alerts.firingCount', null, 'off');
      firing.appendChild(el('p', 'none', 'alerts off (vigil.alert.enabled=false)'));
      return;
    }
    set('alerts.firingCount', s.alerts.firingCount, s.alerts.firingCount + ' firing');
    document.querySelector('[data-metric="alerts.firingCount"]').className =
      'badge ' + (s.alerts.firingCount > 0 ? 'firing' : 'ok');
    if (s.alerts.firing.length === 0) { firing.appendChild(el('p', 'none', 'none firing')); }
    s.alerts.firing.forEach(function (a) { firing.appendChild(alertBox(a, false)); });
    if (s.alerts.resolved.length === 0) { resolved.appendChild(el('p', 'none', 'none')); }
    s.alerts.resolved.forEach(function (a) { resolved.appendChild(alertBox(a, true)); });
  }

  function render(s) {
    renderCounters(s);
    renderGauges(s);
    renderLatency(s);
    renderSlo(s);
    renderAlerts(s);
    updates++;
    set('updates', updates, String(updates));
    set('sampledAt', s.sampledAtMs, 'updated ' + new Date(s.sampledAtMs).toLocaleTimeString());
    set('status', 'ok', 'live');
    document.getElementById('status').className = 'meta';
  }

  function failed(why) {
    set('status', 'error', 'no answer from the server: ' + why);
    document.getElementById('status').className = 'meta error';
  }

  function poll() {
    fetch('api/summary', {cache: 'no-store'}).then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.json();
    }).then(render).catch(function (e) { failed(e.message || String(e)); })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  poll();
})();
