// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  // Medicine fields: the matches of what is typed fill the field's <datalist> (server search).
  var searchTimer = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    var url = input.getAttribute && input.getAttribute("data-medicine-search");
    var list = url && document.getElementById(input.getAttribute("list"));
    if (!list) {
      return;
    }
    window.clearTimeout(searchTimer);
    var text = input.value.trim();
    if (text.length < 3 || text.indexOf(" \u00b7 ") !== -1) {
      return;
    }
    searchTimer = window.setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          list.replaceChildren.apply(list, data.results.map(function (item) {
            var option = document.createElement("option");
            option.value = item.value;
            return option;
          }));
        })
        .catch(function () { /* the field still works without suggestions */ });
    }, 200);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
