/* Draws the dashboard's charts from the page's JSON island with Chart.js (vendored, no CDN).
   A suppressed value arrives as null and is left out of the chart. When done, the body carries
   data-charts-drawn="<number of charts>". */
(function () {
  "use strict";

  var BLUE = "#2f6db5";
  var ORANGE = "#d9822b";
  var GREY = "#c9d1db";

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    return new window.Chart(canvas, config);
  }

  function draw() {
    var data = JSON.parse(document.getElementById("dashboard-data").textContent);
    var Chart = window.Chart;
    Chart.defaults.animation = false;
    Chart.defaults.font.family = "system-ui, sans-serif";
    Chart.defaults.aspectRatio = 1.6;
    var charts = [];

    charts.push(chart("chart-sessions", {
      type: "bar",
      data: {
        labels: data.sessions.months,
        datasets: [
          { label: data.sessions.labels[0], data: data.sessions.sessions, backgroundColor: BLUE },
          { label: data.sessions.labels[1], data: data.sessions.hours, type: "line",
            borderColor: ORANGE, backgroundColor: ORANGE, yAxisID: "hours", spanGaps: false }
        ]
      },
      options: { scales: { y: { beginAtZero: true },
        hours: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } }
    }));

    charts.push(chart("chart-funnel", {
      type: "bar",
      data: { labels: data.funnel.labels,
        datasets: [{ label: data.funnel.label, data: data.funnel.values, backgroundColor: BLUE }] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true } } }
    }));

    charts.push(chart("chart-ratings", {
      type: "bar",
      data: { labels: data.ratings.labels,
        datasets: [{ label: data.ratings.label, data: data.ratings.values, backgroundColor: ORANGE }] },
      options: { scales: { y: { beginAtZero: true } } }
    }));

    charts.push(chart("chart-surveys", {
      type: "bar",
      data: { labels: data.surveys.labels, datasets: [
        { label: data.surveys.startLabel, data: data.surveys.start, backgroundColor: GREY },
        { label: data.surveys.endLabel, data: data.surveys.end, backgroundColor: BLUE }
      ] },
      options: { scales: { y: { beginAtZero: true } } }
    }));

    var share = data.crossUnits.share;
    charts.push(chart("chart-cross-units", {
      type: "doughnut",
      data: { labels: data.crossUnits.labels, datasets: [{
        data: share === null ? [0, 0] : [share, 1 - share],
        backgroundColor: [BLUE, GREY] }] },
      options: { aspectRatio: 1.6 }
    }));

    var drawn = charts.filter(function (c) { return c !== null; }).length;
    document.body.setAttribute("data-charts-drawn", String(drawn));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
