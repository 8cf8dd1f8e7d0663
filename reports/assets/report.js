// report.js draws report.html's charts from DATA with uPlot (y axes sized
// by axis.js) and marks the body with what it drew (data-charts,
// data-fault-bands).
(function () {
  "use strict";
  var bands = []; // fault bands drawn, per chart, at its last draw
  window.gatecertCharts = []; // the uPlot instances, for tests and tools
  var palette = ["#2e7d32", "#c62828", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#558b2f", "#283593", "#f9a825"];

  // faultBands shades each fault's window and writes its name on top.
  function faultBands() {
    var chart = bands.length;
    bands.push(0);
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          bands[chart] = 0;
          var end = DATA.t.length ? DATA.t[DATA.t.length - 1] + 1 : 0;
          ctx.save();
          DATA.faults.forEach(function (f, i) {
            var x0 = u.valToPos(f.from, "x", true);
            var x1 = u.valToPos(f.to < 0 ? end : f.to, "x", true);
            ctx.fillStyle = i % 2 ? "rgba(255,152,0,0.16)" : "rgba(244,67,54,0.14)";
            ctx.fillRect(x0, top, Math.max(x1 - x0, 2), h);
            ctx.fillStyle = "#555";
            ctx.font = (12 * devicePixelRatio) + "px sans-serif";
            ctx.textAlign = "left";
            ctx.textBaseline = "alphabetic";
            ctx.fillText(f.name, x0 + 4, top + 14 * devicePixelRatio);
            bands[chart]++;
          });
          ctx.restore();
          document.body.dataset.faultBands = String(bands.reduce(function (a, b) { return a + b; }, 0));
        }]
      }
    };
  }

  function chart(id, title, series, data, yopts) {
    var el = document.getElementById(id);
    var width = Math.max(600, Math.min(1100, el.clientWidth || 1000));
    var opts = {
      title: title, width: width, height: 260, plugins: [faultBands()],
      scales: { x: { time: false }, y: yopts || {} },
      axes: [{ label: "seconds from start" }, { size: fitAxis }],
      series: [{ label: "t" }].concat(series.map(function (s) { s.points = { show: false }; return s; }))
    };
    var u = new uPlot(opts, data, el);
    window.gatecertCharts.push(u);
    return u;
  }

  var charts = 0;
  chart("throughput", "Requests per second (by intended send time)", [
    { label: "ok", stroke: palette[0], width: 1.5 },
    { label: "failed", stroke: palette[1], width: 1.5 },
    { label: "offered", stroke: "#999", dash: [4, 4] }
  ], [DATA.t, DATA.ok, DATA.failed, DATA.t.map(function () { return DATA.rate; })]);
  charts++;

  var classes = Object.keys(DATA.byClass).sort();
  var cls = [DATA.t], clsSeries = [];
  classes.forEach(function (c, i) {
    cls.push(DATA.byClass[c]);
    clsSeries.push({ label: c, stroke: palette[(i + 1) % palette.length], fill: palette[(i + 1) % palette.length] + "33", width: 1.5 });
  });
  if (!classes.length) {
    cls.push(DATA.failed);
    clsSeries.push({ label: "failed (none)", stroke: palette[1] });
  }
  chart("errors", "Failed requests per second by class", clsSeries, cls);
  charts++;

  chart("latency", "Latency of successful requests (ms, log scale)", [
    { label: "p50", stroke: palette[2], width: 1.5 },
    { label: "p99", stroke: palette[3], width: 1.5 },
    { label: "max", stroke: palette[4], width: 1 }
  ], [DATA.t, DATA.p50.map(pos), DATA.p99.map(pos), DATA.max.map(pos)], { distr: 3 });
  charts++;

  alignAxes(window.gatecertCharts);

  function pos(v) { return v > 0 ? v : null; }
  document.body.dataset.charts = String(charts);
})();
