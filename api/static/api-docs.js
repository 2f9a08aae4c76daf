/* Draws the endpoint reference of /api/docs with Swagger UI (served by this app, see api/apidocs.py).
   Only GET requests exist; the online validator is off (nothing is fetched from another origin).
   Swagger UI leaves a few controls unnamed: `name()` gives each parameter's select and input the
   parameter's name, and makes scrolling code examples reachable with the keyboard. */
(function () {
  function name(root) {
    var fields = root.querySelectorAll('tr[data-param-name] select:not([aria-label]), tr[data-param-name] input:not([aria-label])');
    for (var i = 0; i < fields.length; i++) {
      var row = fields[i].closest('tr[data-param-name]');
      fields[i].setAttribute('aria-label', row.getAttribute('data-param-name'));
    }
    var selects = root.querySelectorAll('select:not([aria-label]):not([id])');
    for (var k = 0; k < selects.length; k++) {
      var label = selects[k].closest('.content-type-wrapper, .response-control-media-type') ? 'Media type' : 'Option';
      selects[k].setAttribute('aria-label', label);
    }
    var pres = root.querySelectorAll('pre.microlight:not([tabindex]), .highlight-code pre:not([tabindex])');
    for (var j = 0; j < pres.length; j++) {
      pres[j].setAttribute('tabindex', '0');
    }
  }

  function start() {
    var el = document.getElementById('swagger-ui');
    if (!el || typeof window.SwaggerUIBundle !== 'function') { return; }
    window.ui = window.SwaggerUIBundle({
      url: el.getAttribute('data-openapi'),
      domNode: el,
      layout: 'BaseLayout',
      deepLinking: false,   // true nests a link in each operation's button (axe: nested-interactive)
      validatorUrl: null,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      supportedSubmitMethods: ['get'],
      tryItOutEnabled: false,
      syntaxHighlight: {activated: false},
      presets: [window.SwaggerUIBundle.presets.apis]
    });
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; name(el); });
    }).observe(el, {childList: true, subtree: true});
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
