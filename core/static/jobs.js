/* gridgov: live progress of a background job (core/jobs.py), optional like console.js.
   An element with data-job-progress="<url>" is updated every second from the JSON at that URL
   ({status, finished, phase, done, total, percent}): <progress>, [data-job-phase] (named through
   the data-job-phases map), [data-job-done], [data-job-total], [data-job-percent]. When the job
   has finished the page reloads to show its outcome. Without JavaScript the page carries a
   <noscript> meta refresh instead. ES5 and XMLHttpRequest, for old intranet browsers. */
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-job-progress");
  var phases = {};
  try {
    phases = JSON.parse(box.getAttribute("data-job-phases") || "{}");
  } catch (ignore) {}

  function put(selector, text) {
    var el = box.querySelector(selector);
    if (el) {
      el.textContent = text;
    }
  }

  function show(job) {
    var percent = job.percent === null || job.percent === undefined ? 0 : job.percent;
    var bar = box.querySelector("progress");
    if (bar) {
      bar.value = percent;
      bar.textContent = percent + "%";
    }
    if (job.phase) {
      put("[data-job-phase]", phases[job.phase] || job.phase);
    }
    put("[data-job-done]", String(job.done));
    put("[data-job-total]", job.total === null || job.total === undefined ? "?" : String(job.total));
    put("[data-job-percent]", String(percent));
  }

  function poll(failures) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var job = null;
      if (xhr.status === 200) {
        try {
          job = JSON.parse(xhr.responseText);
        } catch (ignore) {}
      }
      if (!job) {
        retry(failures + 1);
        return;
      }
      show(job);
      if (job.finished) {
        window.location.reload();
      } else {
        window.setTimeout(function () { poll(0); }, 1000);
      }
    };
    xhr.onerror = function () { retry(failures + 1); };
    xhr.send();
  }

  function retry(failures) {
    if (failures > 5) {  // signed out, job gone or server away: a reload shows why
      window.location.reload();
      return;
    }
    window.setTimeout(function () { poll(failures); }, 2000);
  }

  window.setTimeout(function () { poll(0); }, 500);
})();
