/* Observatório — sharing in the browser (the buttons come from web/share.py).

   [data-copy-link]  copy the view's link ("view"), a chart's link ("chart": the view + #anchor) or a text
                     ("text": the embed code), with the Clipboard API; where it is not available (plain
                     http, old browsers) the link is shown selected in a text field. The result is
                     announced in the group's aria-live region ("Ligação copiada").
   [data-export]     download the chart next to the button as a publishable PNG or SVG: a copy of the
                     figure with title, subtitle (territory, period), unit, legend, source and licence
                     drawn in (layout.meta.export, written by the server), 1200 px wide at 2x scale. Maps
                     are drawn as vector shapes (geo choropleth), so they stay sharp.
   #anchor           on load, scroll to a chart once it has rendered (a copied chart link).
   embed pages       tell the parent frame their height (postMessage), so the snippet can fit the iframe.
*/
(function () {
  'use strict';
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

  function group(el) { return el.closest('.chart-tools') || el.parentNode; }

  function announce(el, msg) {
    var st = group(el).querySelector('.share-status');
    if (!st) { return; }
    st.textContent = '';
    setTimeout(function () { st.textContent = msg; }, 60);
  }

  function flash(btn, msg) {
    if (!btn.dataset.label) { btn.dataset.label = btn.textContent; }
    btn.textContent = msg + ' ✓';
    clearTimeout(btn._obsTimer);
    btn._obsTimer = setTimeout(function () { btn.textContent = btn.dataset.label; }, 2500);
  }

  function linkFor(btn) {
    var kind = btn.getAttribute('data-copy-link');
    if (kind === 'text') { return btn.getAttribute('data-text') || ''; }
    var base = (btn.getAttribute('data-base') || window.location.origin).replace(/\/$/, '');
    var q = new URLSearchParams(window.location.search);
    var hash = '';
    if (kind === 'chart') {
      var tab = btn.getAttribute('data-tab');
      if (tab === 'serie') { q.delete('tab'); } else if (tab) { q.set('tab', tab); }
      hash = '#' + (btn.getAttribute('data-anchor') || '');
    }
    var qs = q.toString().replace(/%2C/g, ',');
    return base + window.location.pathname + (qs ? '?' + qs : '') + hash;
  }

  function fallback(btn, text) {
    var input = group(btn).querySelector('.share-url');
    var copied = false;
    if (input) {
      input.hidden = false;
      input.value = text;
      input.focus();
      input.select();
      try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
    }
    var msg = copied ? btn.getAttribute('data-done') : btn.getAttribute('data-fallback');
    announce(btn, msg);
    if (copied) { flash(btn, msg); }
  }

  function copy(btn) {
    var text = linkFor(btn);
    btn.setAttribute('data-copied', text);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        var msg = btn.getAttribute('data-done');
        announce(btn, msg);
        flash(btn, msg);
      }, function () { fallback(btn, text); });
    } else {
      fallback(btn, text);
    }
  }

  // -- publishable images ---------------------------------------------------------------------

  var EMPTY_TOPOJSON = {type: 'Topology', arcs: [], objects: {}};
  ['land', 'ocean', 'lakes', 'rivers', 'coastlines', 'countries', 'subunits'].forEach(function (k) {
    EMPTY_TOPOJSON.objects[k] = {type: 'GeometryCollection', geometries: []};
  });

  var LINE = 21;  // px between footer lines

  function textLines(meta) {
    return {title: meta.title || '', subtitle: [meta.subtitle, meta.unit].filter(Boolean).join(' · '),
            footer: meta.footer || [meta.source, meta.licence].filter(Boolean)};
  }

  function footer(ann, plotH, bottom, lines) {
    // source, licence and link at the bottom of the image, under whatever the chart drew below its axes
    var n = lines.footer.length;
    lines.footer.forEach(function (text, i) {
      ann.push({text: text, xref: 'paper', yref: 'paper', x: 0, xanchor: 'left', yanchor: 'bottom',
                y: (-bottom + 12 + (n - 1 - i) * LINE) / plotH, showarrow: false, align: 'left',
                font: {size: i === 0 ? 15 : 14, color: i === 0 ? '#1a1a1a' : '#4a4f55'}});
    });
  }

  function rewind(geojson) {
    // d3-geo (plotly's geo) wants exterior rings clockwise; GeoJSON (RFC 7946) has them counter-clockwise
    function area(ring) {
      var s = 0;
      for (var i = 0, n = ring.length - 1; i < n; i++) { s += (ring[i + 1][0] - ring[i][0]) * (ring[i + 1][1] + ring[i][1]); }
      return s;  // > 0: clockwise
    }
    function poly(rings) {
      return rings.map(function (r, i) { var cw = area(r) > 0; return (i === 0) === cw ? r : r.slice().reverse(); });
    }
    (geojson.features || []).forEach(function (f) {
      var g = f.geometry;
      if (!g) { return; }
      if (g.type === 'Polygon') { g.coordinates = poly(g.coordinates); }
      if (g.type === 'MultiPolygon') { g.coordinates = g.coordinates.map(poly); }
    });
    return geojson;
  }

  var GEO = {};
  function geometry(url) {
    if (typeof url !== 'string') { return Promise.resolve(url); }
    if (!GEO[url]) {
      GEO[url] = fetch(url, {credentials: 'same-origin'}).then(function (r) {
        if (!r.ok) { throw new Error('geometry ' + r.status); }
        return r.json();
      }).then(rewind);
    }
    return GEO[url];
  }

  function mapFigure(gd, meta, W) {
    // MapLibre draws a raster; a geo choropleth over the same (cached) geometry is vector
    var lines = textLines(meta);
    var H = 1000, top = 130, bottom = 24 + LINE * lines.footer.length, left = 24, right = 24;
    var plotW = W - left - right, plotH = H - top - bottom;
    var data = [];
    gd.data.forEach(function (t) {
      if (t.type === 'choroplethmap') {
        data.push({type: 'choropleth', geojson: t.geojson, featureidkey: t.featureidkey, locations: t.locations,
                   z: t.z, zmin: t.zmin, zmax: t.zmax, colorscale: t.colorscale, showscale: false,
                   marker: {line: {width: 0.4, color: '#ffffff'}}, hoverinfo: 'skip'});
      } else if (t.type === 'scattermap') {
        data.push({type: 'scattergeo', lon: t.lon, lat: t.lat, mode: 'lines', hoverinfo: 'skip',
                   line: t.line, showlegend: false});
      }
    });
    var ann = [], shapes = [];
    var lx = 0.66, y = 1 - 10 / plotH;
    if (meta.legend_title) {
      ann.push({text: '<b>' + meta.legend_title + '</b>', xref: 'paper', yref: 'paper', x: lx, y: y,
                xanchor: 'left', yanchor: 'top', showarrow: false, font: {size: 16}, align: 'left'});
      y -= 40 / plotH;
    }
    (meta.legend || []).forEach(function (item) {
      var h = 22 / plotH;
      shapes.push({type: 'rect', xref: 'paper', yref: 'paper', x0: lx, x1: lx + 30 / plotW, y0: y - h, y1: y,
                   fillcolor: item[0], line: {color: '#555555', width: 1}});
      ann.push({text: item[1], xref: 'paper', yref: 'paper', x: lx + 42 / plotW, y: y - h / 2, xanchor: 'left',
                yanchor: 'middle', showarrow: false, font: {size: 15}, align: 'left'});
      y -= 36 / plotH;
    });
    footer(ann, plotH, bottom, lines);
    return {data: data, layout: {
      width: W, height: H, margin: {l: left, r: right, t: top, b: bottom}, paper_bgcolor: '#ffffff',
      font: {family: FONT, size: 15, color: '#1a1a1a'}, separators: gd.layout.separators, showlegend: false,
      geo: {domain: {x: [0, 0.62], y: [0, 1]}, fitbounds: 'locations', visible: false, bgcolor: '#ffffff',
            projection: {type: 'mercator'}},
      title: titleOf(lines, W), annotations: ann, shapes: shapes}};
  }

  function titleOf(lines, W) {
    return {text: '<b>' + lines.title + '</b>', x: 24 / W, xref: 'container', xanchor: 'left', y: 0.985, yref: 'container',
            yanchor: 'top', font: {size: 28, color: '#1a1a1a'}, pad: {l: 0},
            subtitle: {text: lines.subtitle, font: {size: 18, color: '#4a4f55'}}};
  }

  function chartFigure(gd, meta, W) {
    var lines = textLines(meta);
    var H = 760, top = 130, bottom = 110 + LINE * lines.footer.length;
    var plotH = H - top - bottom;
    var src = gd.layout;
    var layout = {};
    Object.keys(src).forEach(function (k) { layout[k] = src[k]; });
    delete layout.meta; delete layout.uirevision; delete layout.template;
    layout.width = W; layout.height = H; layout.autosize = false;
    layout.margin = {l: 90, r: 40, t: top, b: bottom};
    layout.font = {family: FONT, size: 16, color: '#1a1a1a'};
    layout.legend = {orientation: 'h', x: 0, y: -62 / plotH, yanchor: 'top', font: {size: 15}};
    ['xaxis', 'yaxis'].forEach(function (ax) {
      if (src[ax]) { layout[ax] = Object.assign({}, src[ax], {automargin: true}); }
    });
    layout.title = titleOf(lines, W);
    var ann = (src.annotations || []).map(function (a) { return Object.assign({}, a); });
    footer(ann, plotH, bottom, lines);
    layout.annotations = ann;
    return {data: gd.data.map(function (t) { return Object.assign({}, t); }), layout: layout};
  }

  function download(url, filename) {
    var a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { document.body.removeChild(a); }, 100);
  }

  function exportImage(btn) {
    var graph = document.getElementById(btn.getAttribute('data-graph'));
    var gd = graph && (graph.classList.contains('js-plotly-plot') ? graph : graph.querySelector('.js-plotly-plot'));
    var format = btn.getAttribute('data-export') === 'svg' ? 'svg' : 'png';
    var meta = gd && gd.layout && gd.layout.meta && gd.layout.meta.export;
    if (!gd || !meta || !window.Plotly || !window.Plotly.toImage) {
      announce(btn, btn.getAttribute('data-failed'));
      return;
    }
    var W = 1200;
    var isMap = gd.data.some(function (t) { return t.type === 'choroplethmap'; });
    var fig = isMap ? mapFigure(gd, meta, W) : chartFigure(gd, meta, W);
    var geo = isMap && fig.data.length ? geometry(fig.data[0].geojson) : Promise.resolve(null);
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
    if (!window.PlotlyGeoAssets.topojson.world_110m) { window.PlotlyGeoAssets.topojson.world_110m = EMPTY_TOPOJSON; }
    var lang = btn.getAttribute('data-lang') === 'en' ? 'en' : 'pt-PT';
    fig.config = {locale: lang, locales: gd._context && gd._context.locales, staticPlot: true};
    btn.setAttribute('aria-busy', 'true');
    geo.then(function (g) {
      fig.data.forEach(function (t) { if (g && t.type === 'choropleth') { t.geojson = g; } });
      return window.Plotly.toImage(fig, {format: format, width: fig.layout.width, height: fig.layout.height, scale: 2});
    }).then(function (url) {
        download(url, (meta.filename || 'observatorio') + '.' + format);
        var msg = btn.getAttribute('data-done');
        announce(btn, msg);
        flash(btn, msg);
      }, function (err) {
        if (window.console) { console.error('export failed', err); }
        announce(btn, btn.getAttribute('data-failed'));
      })
      .then(function () { btn.removeAttribute('aria-busy'); });
  }

  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest && ev.target.closest('[data-copy-link], [data-export]');
    if (!btn) { return; }
    ev.preventDefault();
    if (btn.hasAttribute('data-copy-link')) { copy(btn); } else { exportImage(btn); }
  });

  // -- a copied chart link: scroll to the chart once it is there --------------------------------
  function scrollToHash() {
    var id = decodeURIComponent((window.location.hash || '').slice(1));
    if (!id || !/^[\w-]+$/.test(id)) { return; }
    var tries = 0;
    var timer = setInterval(function () {
      var el = document.getElementById(id);
      if (el && el.querySelector('.main-svg')) {
        clearInterval(timer);
        el.scrollIntoView({block: 'start'});
      } else if (++tries > 100) { clearInterval(timer); }
    }, 150);
  }

  // -- embeds: tell the parent page how tall the content is ---------------------------------------
  function reportHeight() {
    if (window.parent === window) { return; }
    var last = 0;
    function send() {
      var body = document.querySelector('.embed-body');
      if (!body) { return; }
      var h = Math.ceil(document.body.getBoundingClientRect().height);
      if (Math.abs(h - last) < 2) { return; }
      last = h;
      window.parent.postMessage({type: 'observatorio:embed-height', height: h, href: window.location.href}, '*');
    }
    if (window.ResizeObserver) { new ResizeObserver(send).observe(document.body); }
    window.addEventListener('load', send);
    setInterval(send, 1000);
  }

  function start() { scrollToHash(); reportHeight(); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
