// Drag and drop on the deal board: dropping a card posts the move; a Lost column asks for the reason first.
// On any refusal the card goes back where it was and the sentence from the server is shown.
(function () {
  "use strict";
  var board = document.querySelector(".board");
  if (!board || typeof Sortable === "undefined") return;
  var status = document.getElementById("board-status");
  var dialog = document.getElementById("lost-dialog");
  var csrf = document.querySelector("#board-csrf [name=csrfmiddlewaretoken]").value;
  var moveUrl = board.dataset.moveUrl;

  board.classList.add("is-draggable");

  function say(text, isError) {
    status.textContent = text;
    status.hidden = false;
    status.classList.toggle("is-error", !!isError);
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { status.hidden = true; }, isError ? 8000 : 4000);
  }

  function putBack(evt) {
    var from = evt.from;
    var ref = from.children[evt.oldIndex] || null;
    from.insertBefore(evt.item, ref);
  }

  function askReason(name) {
    return new Promise(function (resolve) {
      var input = document.getElementById("lost-reason");
      var error = document.getElementById("lost-error");
      document.getElementById("lost-deal-name").textContent = name;
      input.value = "";
      error.hidden = true;
      function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "confirm" ? input.value.trim() : null);
      }
      dialog.addEventListener("close", onClose);
      dialog.showModal();
      input.focus();
    });
  }

  document.getElementById("lost-confirm").addEventListener("click", function (e) {
    var input = document.getElementById("lost-reason");
    if (!input.value.trim()) {
      e.preventDefault();
      document.getElementById("lost-error").hidden = false;
      input.focus();
    }
  });

  function updateColumns(columns) {
    Object.keys(columns || {}).forEach(function (id) {
      var count = board.querySelector('[data-count-for="' + id + '"]');
      var total = board.querySelector('[data-total-for="' + id + '"]');
      var of = board.parentNode.querySelector('[data-of-for="' + id + '"]');
      if (count) count.textContent = columns[id].count_text;
      if (total) total.textContent = columns[id].total;
      if (of) of.textContent = columns[id].count_text;
    });
  }

  function move(evt) {
    if (evt.from === evt.to) return;
    var card = evt.item;
    var target = evt.to;
    var name = card.querySelector(".deal-name").textContent;
    var reasonPromise = target.dataset.kind === "lost" ? askReason(name) : Promise.resolve("");
    reasonPromise.then(function (reason) {
      if (reason === null) { putBack(evt); return; }
      var body = new FormData();
      body.append("stage", target.dataset.stage);
      body.append("lost_reason", reason);
      body.append("version", card.dataset.version);
      body.append("owner", board.dataset.owner || "");
      card.classList.add("is-saving");
      fetch(moveUrl.replace("/0/", "/" + card.dataset.deal + "/"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
      }).then(function (response) {
        return response.json().catch(function () { return {detail: "The server did not answer; try again."}; })
          .then(function (data) { return {ok: response.ok, data: data}; });
      }).then(function (result) {
        card.classList.remove("is-saving");
        if (!result.ok) { putBack(evt); say(result.data.detail || "The deal could not be moved.", true); return; }
        card.dataset.version = result.data.version;
        var select = card.querySelector("select[name=stage]");
        if (select) select.value = "";
        updateColumns(result.data.columns);
        say(result.data.message, false);
      }).catch(function () {
        card.classList.remove("is-saving");
        putBack(evt);
        say("The deal could not be moved: the connection failed. Try again.", true);
      });
    });
  }

  board.querySelectorAll(".board-cards").forEach(function (list) {
    Sortable.create(list, {
      group: "deals", sort: false, animation: 150, draggable: ".deal-card",
      filter: "select, button, input, label", preventOnFilter: false,
      ghostClass: "is-ghost", chosenClass: "is-chosen", onEnd: move
    });
  });
})();
