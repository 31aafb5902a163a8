/* The winter dashboard, enhanced: the levers form re-runs the forecast in place (JSON), and the
   page reloads its content when new daily data is loaded (polling a cheap revision). Without
   JavaScript the form is a plain GET form and the page is complete. */
(function () {
  "use strict";
  var page = document.getElementById("winter-page");
  if (!page) { return; }
  var status = document.getElementById("winter-status");
  var form = document.getElementById("winter-levers");
  var forecast = document.getElementById("winter-forecast");
  var content = document.getElementById("winter-content");
  var updateUrl = page.getAttribute("data-update-url");
  var revisionUrl = page.getAttribute("data-revision-url");
  var seconds = parseFloat(page.getAttribute("data-poll-seconds")) || 15;
  var busy = false;

  function say(text) { if (status) { status.textContent = text; } }

  function query() {
    if (!form) { return ""; }
    var params = new URLSearchParams(new FormData(form));
    var keep = new URLSearchParams();
    params.forEach(function (value, key) { if (value !== "") { keep.append(key, value); } });
    return keep.toString();
  }

  function syncSaveForm() {
    if (!form) { return; }
    var data = new FormData(form);
    document.querySelectorAll("#winter-save input[data-lever]").forEach(function (input) {
      var value = data.get(input.getAttribute("data-lever"));
      input.value = value === null ? "" : value;
    });
  }

  function fetchJson(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      say("Running the forecast with these levers...");
      var q = query();
      fetchJson(updateUrl + (q ? "?" + q : "")).then(function (r) {
        busy = false;
        if (r.status !== 200) { form.submit(); return; }  // the server shows the errors
        forecast.innerHTML = r.body.forecast_html;
        syncSaveForm();
        history.replaceState(null, "", window.location.pathname + (q ? "?" + q : ""));
        say("Forecast updated" + (r.body.seconds ? " (computed in " + r.body.seconds + " s)" : "") + ".");
      }).catch(function () { busy = false; form.submit(); });
    });
  }

  function poll() {
    if (busy) { return; }
    fetchJson(revisionUrl).then(function (r) {
      if (r.status !== 200 || r.body.revision === page.getAttribute("data-revision")) { return; }
      busy = true;
      var q = query();
      return fetchJson(updateUrl + "?" + (q ? q + "&" : "") + "part=all").then(function (u) {
        busy = false;
        if (u.status !== 200) { return; }
        content.innerHTML = u.body.content_html;
        forecast.innerHTML = u.body.forecast_html;
        page.setAttribute("data-revision", u.body.revision);
        say("New daily data loaded" + (u.body.last_day ? " (last day " + u.body.last_day + ")" : "") +
            ": the dashboard has been updated.");
      });
    }).catch(function () { busy = false; });
  }
  window.setInterval(poll, seconds * 1000);
}());
