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
  /* A single-value react-select shows its value as role="option" outside any listbox (axe:
     aria-required-parent): the value is plain text of the combobox, not an option. */
  function fixValue() {
    var vals = document.querySelectorAll('.Select-value-label[role="option"]');
    for (var i = 0; i < vals.length; i++) { vals[i].removeAttribute('role'); vals[i].removeAttribute('aria-selected'); }
  }
  window.obsWatch(function () { fix(); fixValue(); });
})();
