// plotly.js with only the trace types the Observatório draws (web/figures.py, pages/):
// choroplethmap + scattermap (MapLibre maps), bar, histogram, scatter (in core), and choropleth +
// scattergeo (a geo subplot: assets/share.js redraws the map with them for the vector SVG/PNG export).
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/scattergeo'),
]);
module.exports = Plotly;
