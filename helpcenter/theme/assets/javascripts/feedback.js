/*
 * "Was this article helpful?": one vote per article per browser. The vote is remembered in
 * localStorage with a random id that the endpoint uses to replace it when the reader changes
 * their mind. Without this script the form posts and the endpoint redirects back here.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-hc-feedback]");
  if (!form) return;
  var section = form.closest("[data-testid=article-feedback]");
  var thanks = section.querySelector("#feedback-thanks");
  var comment = form.querySelector("[data-hc-feedback-comment]");
  var send = form.querySelector("[data-hc-feedback-send]");
  var key = "helpcenter.vote." + form.dataset.language + ":" + form.dataset.page;
  section.classList.add("hc-feedback--enhanced");

  function remembered() {
    try {
      return JSON.parse(window.localStorage.getItem(key)) || null;
    } catch (error) {
      return null;
    }
  }

  function remember(vote) {
    try {
      window.localStorage.setItem(key, JSON.stringify(vote));
    } catch (error) { /* private mode: the vote still counts */ }
  }

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function showChoice(helpful) {
    form.querySelectorAll("button[name=helpful]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.value === helpful && !button.hidden));
    });
  }

  var previous = remembered();
  comment.hidden = true;
  if (previous) showChoice(previous.helpful);

  function submit(helpful, text) {
    var vote = remembered() || { id: newId() };
    vote.helpful = helpful;
    remember(vote);
    showChoice(helpful);
    return fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({
        language: form.dataset.language,
        page: form.dataset.page,
        helpful: helpful,
        comment: text || "",
        vote_id: vote.id
      })
    }).then(function (response) {
      if (response.ok) {
        thanks.classList.add("hc-feedback__thanks--shown");
        thanks.focus();
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter;
    if (!button) return;
    if (button === send) {
      submit("no", form.elements.comment.value).then(function () { comment.hidden = true; });
    } else if (button.value === "no") {
      comment.hidden = false;
      send.hidden = false;
      submit("no", "");
      form.elements.comment.focus();
    } else {
      comment.hidden = true;
      submit("yes", "");
    }
  });
})();
