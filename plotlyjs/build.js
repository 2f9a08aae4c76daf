// node build.js OUT: the partial bundle, minified, as plotly.js's own esbuild-config.js does it
// (iife, global Plotly, CSS inlined as a <style> at load), without the WebGL plugins no trace here needs.
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const inlineCss = {
    name: 'inline-css',
    setup(build) {
        build.onLoad({filter: /\.css$/}, async (args) => {
            const css = (await esbuild.transform(fs.readFileSync(args.path, 'utf8'), {loader: 'css', minify: true})).code;
            return {contents: `(function(){if(typeof document==='undefined')return;var s=document.createElement('style');` +
                              `s.textContent=${JSON.stringify(css)};document.head.appendChild(s);})();`, loader: 'js'};
        });
    },
};
const version = require('plotly.js/package.json').version;
esbuild.build({
    entryPoints: [path.join(__dirname, 'src', 'index.js')],
    outfile: process.argv[2],
    format: 'iife', globalName: 'Plotly', bundle: true, minify: true, sourcemap: false, legalComments: 'eof',
    banner: {js: `/** plotly.js v${version} (MIT, Plotly, Inc.): partial bundle choroplethmap, scattermap, bar, histogram, scatter, choropleth, scattergeo — built by plotlyjs/build.js (make plotlyjs) */`},
    plugins: [inlineCss],
    alias: {stream: 'stream-browserify'},
    define: {global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false'},
    target: 'es2016', logLevel: 'warning',
}).catch(() => process.exit(1));
