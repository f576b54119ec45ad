// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // A select marked data-autosubmit (the language) sends its form when a choice is made with the mouse.
  // From the keyboard, the arrow keys change the value while one is still looking through the options:
  // sending the form then would change the page under the user (WCAG 3.2.2), so the form's button
  // comes back instead, and Enter on the select or the button sends it.
  var isAutosubmit = function (el) {
    return el && el.matches && el.matches("[data-autosubmit]") && el.form;
  };
  document.addEventListener("pointerdown", function (event) {
    if (isAutosubmit(event.target)) {
      event.target.removeAttribute("data-keyboard");
    }
  });
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!isAutosubmit(el) || event.key === "Tab" || event.key === "Shift") {
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      el.form.submit();
      return;
    }
    el.setAttribute("data-keyboard", "");
    el.form.querySelectorAll(".js-hide").forEach(function (button) {
      button.classList.remove("js-hide");
    });
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (isAutosubmit(el) && !el.hasAttribute("data-keyboard")) {
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
