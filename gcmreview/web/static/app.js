// gcmreview serve: small additions to pages that work without JavaScript.
// Live build progress (the page also refreshes itself without this) and drag and drop onto upload forms.
"use strict";

function pollBuild(section) {
  const url = section.dataset.poll;
  const number = section.dataset.build;
  const tick = async () => {
    let state;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      state = await response.json();
    } catch (e) {
      window.setTimeout(tick, 2000);
      return;
    }
    for (const task of state.tasks) {
      const item = Array.from(section.querySelectorAll("li[data-task]")).find((li) => li.dataset.task === task.name);
      if (!item) continue;
      const bar = item.querySelector("progress");
      bar.max = task.total;
      bar.value = task.done;
      item.querySelector(".steps").textContent = task.done + "/" + task.total;
      item.querySelector(".detail").textContent = task.detail;
    }
    const known = section.querySelectorAll("li[data-task]").length;
    if (state.status !== "running" || String(state.number) !== number || state.tasks.length !== known) {
      window.location.reload();
      return;
    }
    window.setTimeout(tick, 500);
  };
  // The page's own refresh is not needed while the script follows the build.
  const refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) refresh.remove();
  window.setTimeout(tick, 300);
}

function dropTarget(form) {
  const input = form.querySelector('input[type="file"]');
  if (!input) return;
  form.addEventListener("dragover", (event) => {
    event.preventDefault();
    form.classList.add("dragging");
  });
  form.addEventListener("dragleave", () => form.classList.remove("dragging"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) input.files = event.dataTransfer.files;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-poll]");
  if (section) pollBuild(section);
  document.querySelectorAll("form[data-drop]").forEach(dropTarget);
  document.querySelectorAll("input.link-url").forEach((input) => input.addEventListener("focus", () => input.select()));
});
