/* Accessibility fixes for third-party widgets (react-select inside dcc.Dropdown has no <label>
   association): name each combobox after the <label for="…"> of its Dash component id. */
(function () {
  function fix() {
    var inputs = document.querySelectorAll('input[role="combobox"]:not([aria-label])');
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i].parentElement;
      while (el && el !== document.body) {
        if (el.id) {
          var lab = document.querySelector('label[for="' + el.id + '"]');
          if (lab) { inputs[i].setAttribute('aria-label', lab.textContent.trim()); break; }
        }
        el = el.parentElement;
      }
    }
  }
  var pending = false;
  var obs = new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(); });
  });
  function start() { obs.observe(document.body, {childList: true, subtree: true}); fix(); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
