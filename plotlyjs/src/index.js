// plotly.js with only the trace types the Observatório draws (obs/figures.py, pages/):
// choroplethmap + scattermap (MapLibre maps), bar, histogram, scatter (in core).
'use strict';
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/histogram'),
]);
module.exports = Plotly;
