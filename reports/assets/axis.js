// axis.js sizes uPlot's y axes to their tick labels. uPlot gives an axis a
// fixed 50 px by default, which cuts the first digit off a label such as
// "10,000" (the latency chart's log scale tops out there at 8 s). fitAxis
// is an axis's size option, as in uPlot's axis-autosize demo: the tick,
// the gap and the widest label as the canvas measures it in the axis font.
// An axis may set minSize (px) so that stacked charts line up.
function fitAxis(u, values, axisIdx, cycleNum) {
  var axis = u.axes[axisIdx], widest = 0;
  if (values) {
    u.ctx.save();
    u.ctx.font = axis.font[0]; // in device pixels
    values.forEach(function (v) {
      if (v != null) { widest = Math.max(widest, u.ctx.measureText(String(v)).width / uPlot.pxRatio); }
    });
    u.ctx.restore();
  }
  // +2 px: a glyph's ink may reach past its advance width.
  var size = Math.max(axis.minSize || 0, Math.ceil(axis.ticks.size + axis.gap + widest + 2));
  // uPlot lays the chart out again (up to 3 rounds) while sizes change,
  // and the ticks change with the room they get: within one layout the
  // axis only grows, so it settles and fits the labels drawn last.
  return cycleNum > 1 ? Math.max(axis._size || 0, size) : size;
}

// alignAxes gives the y axes of charts drawn one above the other the
// width of the widest, so that their plots (and fault bands) line up.
// uPlot draws, and so sizes its axes, in a microtask queued when a chart
// is made: the alignment is queued after those of charts.
function alignAxes(charts) {
  queueMicrotask(function () {
    var widest = 0;
    charts.forEach(function (u) { widest = Math.max(widest, u.axes[1]._size || 0); });
    charts.forEach(function (u) {
      if (u.axes[1]._size < widest) {
        u.axes[1].minSize = widest;
        u.redraw(false, true);
      }
    });
  });
}
