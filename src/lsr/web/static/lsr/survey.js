// The relational audit survey: a personal link carries its code after "#" (never sent to the
// server, so never in a log); put it in the code field and take it out of the address bar.
(function () {
  var match = /^#code=([A-Za-z0-9-]{1,64})$/.exec(window.location.hash || "");
  var field = document.getElementById("id_code");
  if (match && field && !field.value) {
    field.value = match[1];
  }
  if (match && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
})();
