/* gridgov: the grid tree opens level by level (core/grid/views.py tree_children). A <details>
   with data-children="<url>" was sent without its children; when it is opened (mouse, Enter or
   Space on its summary) the fragment at that URL, the next level's <li>s, replaces the link to the
   grid's page that stands there without JavaScript. Nodes inside a fragment work the same way.
   ES5 and XMLHttpRequest, like jobs.js. */
(function () {
  "use strict";

  function load(details) {
    var url = details.getAttribute("data-children");
    var list = details.querySelector("ul");
    if (!url || !list || details.getAttribute("aria-busy") === "true") {
      return;
    }
    details.setAttribute("aria-busy", "true");
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "text/html");
    xhr.onload = function () {
      details.removeAttribute("aria-busy");
      if (xhr.status === 200) {
        list.innerHTML = xhr.responseText;
        details.removeAttribute("data-children");
      }
    };
    xhr.onerror = function () {
      details.removeAttribute("aria-busy");
    };
    xhr.send();
  }

  // toggle does not bubble: listen in the capture phase, so nodes added later are covered too
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (el && el.tagName === "DETAILS" && el.open && el.hasAttribute("data-children")) {
      load(el);
    }
  }, true);
}());
