// factcheck serve's page, with JavaScript on: the form is sent without leaving the page, the result replaces the
// last one, the mode not chosen is hidden, Ctrl+Enter (Cmd+Enter) sends the form. With JavaScript off the form is
// an ordinary form post and the server answers with the page and its result.
"use strict";
(function () {
  const form = document.getElementById("check-form");
  const status = document.getElementById("status");
  const button = form.querySelector("button[type=submit]");
  document.documentElement.classList.add("js");

  function showMode() {
    const mode = form.querySelector("input[name=mode]:checked").value;
    form.classList.toggle("mode-claim", mode === "claim");
    form.classList.toggle("mode-text", mode === "text");
  }
  form.querySelectorAll("input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
    showMode();
    const field = document.getElementById(radio.value === "claim" ? "claim" : "text");
    if (radio.checked) field.focus();
  }));
  showMode();

  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "Checking…";
    try {
      const url = new URL(form.action);
      url.username = url.password = "";  // fetch refuses a URL with credentials (a page opened as user:token@host)
      const response = await fetch(url, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "Accept": "text/html" },
      });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const result = page.getElementById("result");
      if (result === null) throw new Error(`the server answered ${response.status} ${response.statusText}`);
      document.getElementById("result").replaceWith(result);
      status.textContent = "";
      const heading = result.querySelector("[tabindex='-1']");
      if (heading) heading.focus();
    } catch (error) {
      status.textContent = `Could not check: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
})();
