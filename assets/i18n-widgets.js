/* Built-in English texts of third-party widgets, in pt-PT on Portuguese pages (issue 8, item 13).
   dcc.Dropdown (react-select) hard-codes "No results found", "Select..." and "Clear value"/"Clear all"
   and exposes no prop for them; the page's language is <html lang> (set from ?lang=). */
(function () {
  var PT = {
    '.Select-noresults': {'No results found': 'Sem resultados'},
    '.Select-placeholder': {'Select...': 'Selecionar…'},
  };
  var TITLES = {'Clear value': 'Limpar', 'Clear all': 'Limpar tudo'};
  function isPt() { return (document.documentElement.lang || 'pt').slice(0, 2) === 'pt'; }
  function fix() {
    if (!isPt()) { return; }
    Object.keys(PT).forEach(function (sel) {
      var els = document.querySelectorAll(sel);
      for (var i = 0; i < els.length; i++) {
        var to = PT[sel][els[i].textContent.trim()];
        if (to) { els[i].textContent = to; }
      }
    });
    var zones = document.querySelectorAll('.Select-clear-zone[title], .Select-clear-zone[aria-label]');
    for (var j = 0; j < zones.length; j++) {
      ['title', 'aria-label'].forEach(function (a) {
        var to = TITLES[zones[j].getAttribute(a)];
        if (to) { zones[j].setAttribute(a, to); }
      });
    }
  }
  window.obsWatch(fix, {childList: true, subtree: true, characterData: true});
})();
