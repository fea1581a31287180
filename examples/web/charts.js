// Small line charts on a canvas: no charting library, to keep the demo's download small.

const PAD = { left: 44, right: 10, top: 10, bottom: 26 };

/**
 * Draws each series ({ label, color, points: [x, y][] }) over x in [0, xMax] and y in [yMin, yMax],
 * with a legend in the upper or lower right corner (`legend`: 'top' or 'bottom', where the curves are
 * not), and x ticks at each whole epoch.
 */
export function drawChart(canvas, { series, xMax, yMin, yMax, legend = 'top' }) {
  const g = canvas.getContext('2d');
  const { width, height } = canvas;
  const plotW = width - PAD.left - PAD.right, plotH = height - PAD.top - PAD.bottom;
  const sx = (x) => PAD.left + (x / xMax) * plotW;
  const sy = (y) => PAD.top + (1 - (Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  g.clearRect(0, 0, width, height);
  g.font = '11px system-ui, sans-serif';
  g.strokeStyle = '#e2e4e8';
  g.fillStyle = '#556';
  g.lineWidth = 1;
  for (let i = 0; i <= 5; i++) {
    const y = yMin + ((yMax - yMin) * i) / 5;
    g.beginPath(); g.moveTo(PAD.left, sy(y)); g.lineTo(width - PAD.right, sy(y)); g.stroke();
    g.fillText(y.toFixed(2), 4, sy(y) + 4);
  }
  for (let epoch = 0; epoch <= xMax; epoch++) g.fillText(String(epoch), sx(epoch) - 3, height - 8);
  series.forEach(({ color, points }) => {
    g.strokeStyle = color;
    g.lineWidth = points.length > 50 ? 1 : 2;
    g.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? g.moveTo(sx(x), sy(y)) : g.lineTo(sx(x), sy(y))));
    g.stroke();
  });
  // The legend on a white box, so that curves under it do not hide it.
  const legendX = width - PAD.right - 116;
  const legendY = legend === 'top' ? PAD.top + 4 : PAD.top + plotH - series.length * 14 - 6;
  g.fillStyle = '#fff';
  g.fillRect(legendX - 4, legendY - 2, 116, series.length * 14 + 4);
  series.forEach(({ label, color }, index) => {
    g.fillStyle = color;
    g.fillText(label, legendX, legendY + 10 + index * 14);
  });
}
