/* "Sem dados" on the maps is hatched, not only a pale tone: plotly's choropleth cannot fill with a
   pattern, so this adds one MapLibre fill layer with a diagonal-line pattern over the territories whose
   class is 0 (no data). It reads the traces after every draw (z == 0 -> their locations), shares the
   traces' geometry URL (the browser's cache serves it) and the colour from layout.meta.nodata_hatch.
   The legend swatch and the ranking table draw the same pattern in CSS (.swatch--nodata). */
(function () {
  var SRC = 'obs-nodata', LAYER = 'obs-nodata-hatch', IMG = 'obs-nodata-hatch';
  function mapOf(gd) {
    var fl = gd._fullLayout;
    return fl && fl.map && fl.map._subplot && fl.map._subplot.map;
  }
  function pattern(colour) {
    var n = 7, c = document.createElement('canvas');
    c.width = c.height = n;
    var g = c.getContext('2d');
    g.strokeStyle = colour;
    g.lineWidth = 1.25;
    g.beginPath();                       // "/" lines, seamless when tiled
    g.moveTo(-1, n + 1); g.lineTo(n + 1, -1);
    g.moveTo(-1, 1); g.lineTo(1, -1);
    g.moveTo(n - 1, n + 1); g.lineTo(n + 1, n - 1);
    g.stroke();
    return g.getImageData(0, 0, n, n);
  }
  function nodata(gd) {
    var ids = [], url = null, key = 'id';
    var traces = gd._fullData || [];
    for (var t = 0; t < traces.length; t++) {
      var tr = traces[t];
      if (tr.type !== 'choroplethmap' || !tr.z || !tr.locations) { continue; }
      if (typeof tr.geojson === 'string') { url = tr.geojson; }
      if (tr.featureidkey) { key = tr.featureidkey.replace(/^properties\./, ''); }
      for (var i = 0; i < tr.z.length; i++) { if (+tr.z[i] === 0) { ids.push(String(tr.locations[i])); } }
    }
    return {ids: ids, url: url, key: key};
  }
  function update(gd) {
    var m = mapOf(gd), meta = gd.layout && gd.layout.meta;
    if (!m || !meta || !meta.nodata_hatch) { return; }
    if (!m.isStyleLoaded()) { m.once('idle', function () { update(gd); }); return; }
    var d = nodata(gd);
    if (!d.url) { return; }
    try {
      if (!m.hasImage(IMG)) { m.addImage(IMG, pattern(meta.nodata_hatch)); }
      var src = m.getSource(SRC);
      if (!src) {
        m.addSource(SRC, {type: 'geojson', data: d.url});
        m._obsHatchUrl = d.url;
      } else if (m._obsHatchUrl !== d.url) {
        src.setData(d.url);
        m._obsHatchUrl = d.url;
      }
      var filter = ['in', ['to-string', ['get', d.key]], ['literal', d.ids]];
      if (!m.getLayer(LAYER)) {
        m.addLayer({id: LAYER, type: 'fill', source: SRC, filter: filter, paint: {'fill-pattern': IMG}});
      } else {
        m.setFilter(LAYER, filter);
        m.moveLayer(LAYER);              // stay above the choropleth after plotly redraws its layers
      }
    } catch (e) { /* map not ready: the next draw updates */ }
  }
  function bind(gd) {
    if (gd._obsHatch || !mapOf(gd)) { return; }
    gd._obsHatch = true;
    gd.on('plotly_afterplot', function () { update(gd); });
    update(gd);
  }
  function scan() {
    var gds = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < gds.length; i++) { bind(gds[i]); }
  }
  window.obsWatch(scan);
})();
