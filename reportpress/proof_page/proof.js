// The proof page and the flatplan: both poll /status and draw the latest good build.
"use strict";

const mode = document.body.dataset.mode;  // "proof" | "flatplan"
const POLL_MS = 600;
let shownVersion = null;
let lastStatus = null;
let words = {};  // the page's own words in the report's language (status.words)
let wordsShown = null;

// A word of the page, its {name} places filled in (escaped by the caller where needed).
function w(key, values = {}) {
  const text = key in words ? words[key] : key;
  return text.replace(/\{(\w+)\}/g, (place, name) => (name in values ? values[name] : place));
}

function drawWords() {
  const key = JSON.stringify(words);
  if (key === wordsShown) return;
  wordsShown = key;
  for (const element of document.querySelectorAll("[data-word]")) {
    if (element.dataset.word in words) element.textContent = w(element.dataset.word);
  }
  for (const element of document.querySelectorAll("[data-word-title]")) {
    if (element.dataset.wordTitle in words) element.title = w(element.dataset.wordTitle);
  }
}

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function ranges(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j;
  }
  return parts.join(", ");
}

// Printed spreads: page 1 alone on the right (the front cover), then left + right pages.
function pagesText(numbers) {
  return w(numbers.length === 1 ? "page.one" : "page.many", {pages: ranges(numbers)});
}

function spreads(count) {
  const result = [[null, 1]];
  for (let left = 2; left <= count; left += 2) {
    result.push([left, left + 1 <= count ? left + 1 : null]);
  }
  return result;
}

function chapterStarts(build) {
  const starts = {};
  for (const chapter of build.chapters) (starts[chapter.page] ||= []).push(chapter.title);
  return starts;
}

function approvedDiff(status) {
  const approved = status.approved;
  if (!approved || !approved.diff || !status.build) return null;
  return approved.diff.build === status.build.number ? approved.diff : null;
}

// --- the proof page -------------------------------------------------------------------

function pageFigure(page, side, differs, diffImage) {
  if (!page) return `<div class="page ${side} empty" aria-hidden="true"></div>`;
  const classes = ["page", side];
  if (page.changed) classes.push("changed");
  if (page.stale) classes.push("stale");
  if (differs) classes.push("differs");
  if (page.warnings.length) classes.push("warned");
  const badges = [];
  if (page.changed) badges.push(`<span class="badge changed">${esc(w("badge.changed"))}</span>`);
  if (page.stale) badges.push(`<span class="badge stale">${esc(w("badge.stale"))}</span>`);
  if (differs) {
    badges.push(diffImage
      ? `<a class="badge differs" href="${esc(diffImage)}" target="_blank"
           title="${esc(w("badge.differs.hint"))}">${esc(w("badge.differs"))}</a>`
      : `<span class="badge differs">${esc(w("badge.differs"))}</span>`);
  }
  if (page.warnings.length) {
    badges.push(`<span class="badge warned" title="${esc(page.warnings.join("\n"))}">`
      + `⚠ ${page.warnings.length}</span>`);
  }
  return `<figure class="${classes.join(" ")}" id="page-${page.number}" data-page="${page.number}">
      <img src="${esc(page.image)}" alt="${esc(w("page.alt", {page: page.number}))}"
           width="${page.width}" height="${page.height}">
      <div class="badges">${badges.join("")}</div>
      <figcaption class="folio">${page.number}</figcaption>
    </figure>`;
}

function drawSpreads(status) {
  const build = status.build;
  const main = document.getElementById("spreads");
  if (!build) {
    main.innerHTML = `<p class="empty-note">${esc(w(status.error ? "no-proof"
      : "first-build"))}</p>`;
    return;
  }
  const diff = build.rebuilding ? null : approvedDiff(status);
  const differs = new Set(diff ? [...diff.changed, ...diff.added] : []);
  const starts = chapterStarts(build);
  const html = spreads(build.page_count).map(([left, right]) => {
    const pages = [left, right].filter((n) => n).map((n) => build.pages[n - 1]);
    const titles = pages.flatMap((p) => (starts[p.number] || []).map(
      (t) => `<span class="chapter-label ${p.number % 2 ? "right" : "left"}">${esc(t)}</span>`));
    const warnings = pages.flatMap((p) => p.warnings.map(
      (text) => `<li><b>${esc(w("page.short", {page: p.number}))}</b> ${esc(text)}</li>`));
    const accepted = acceptedOn(build, pages.map((p) => p.number)).map(
      (f) => `<li><b>${esc(w("page.short", {page: f.page}))}</b> `
        + `${esc(describeAccepted(f))}</li>`);
    const numbers = pages.map((p) => p.number).join(" ");
    const figure = (n, side) => pageFigure(n ? build.pages[n - 1] : null, side,
                                           differs.has(n), diff && diff.images[String(n)]);
    return `<section class="spread" id="spread-${pages[0].number}" data-pages="${numbers}">
        <div class="chapter-labels">${titles.join("")}</div>
        <div class="sheets">${figure(left, "left")}${figure(right, "right")}</div>
        ${warnings.length ? `<ul class="page-warnings">${warnings.join("")}</ul>` : ""}
        ${accepted.length ? `<ul class="page-accepted">${accepted.join("")}</ul>` : ""}
      </section>`;
  });
  main.innerHTML = html.join("");
}

// Layout-audit findings the content accepts (`accept:` with a reason): not warnings, so
// listed apart from them, by their page and in the sidebar.
function acceptedOn(build, numbers) {
  return (build.accepted || []).filter((f) => numbers.includes(f.page));
}

function describeAccepted(f) {
  const where = f.file ? `${f.file}${f.line ? ":" + f.line : ""}: ` : "";
  return `${where}${f.message} [${f.rule}] (${w("accepted.reason", {reason: f.accepted})})`;
}

function drawAccepted(build) {
  const list = document.getElementById("accepted");
  const found = build ? build.accepted || [] : [];
  list.innerHTML = found.length ? `<ul>${found.map((f) => `<li><a href="#page-${f.page}">`
    + `${esc(w("page.short", {page: f.page}))}</a> ${esc(describeAccepted(f))}</li>`)
    .join("")}</ul>` : `<p class="quiet">${esc(w("none"))}</p>`;
}

function drawSidebar(status) {
  const build = status.build;
  const chapters = document.getElementById("chapters");
  chapters.innerHTML = build ? build.chapters.map((c) =>
    `<li><a href="#page-${c.page}" data-page="${c.page}">${esc(c.title)}`
    + `<span class="page-number">${c.page}</span></a></li>`).join("") : "";

  const warnings = document.getElementById("warnings");
  if (!build) {
    warnings.innerHTML = "";
  } else {
    const onPages = build.pages.flatMap((p) => p.warnings.map(
      (text) => `<li><a href="#page-${p.number}">${esc(w("page.short", {page: p.number}))}`
        + `</a> ${esc(text)}</li>`));
    const general = build.warnings.map((text) => `<li>${esc(text)}</li>`);
    warnings.innerHTML = onPages.length + general.length
      ? `<ul>${[...onPages, ...general].join("")}</ul>`
      : `<p class="quiet">${esc(w("none"))}</p>`;
  }

  drawAccepted(build);

  const approval = document.getElementById("approval");
  const approved = status.approved;
  if (!approved) {
    approval.innerHTML = `<p class="quiet">${esc(w("approval.none"))}</p>`;
  } else {
    const which = approved.build ? w("approval.build", {number: approved.build})
      : w("approval.earlier");
    const diff = build && build.rebuilding ? null : approvedDiff(status);
    let since;
    if (!diff) {
      since = `<p class="quiet">${esc(w("approval.not-compared"))}</p>`;
    } else if (!diff.changed.length && !diff.added.length && !diff.removed.length) {
      since = `<p id="approved-summary" class="same">${esc(w("approval.same"))}</p>`;
    } else {
      const items = [];
      const item = (key, values) => items.push(`<li>${esc(w(key, values))}</li>`);
      if (diff.changed.length) item("approval.changed", {pages: pagesText(diff.changed)});
      if (diff.added.length) item("approval.added", {pages: pagesText(diff.added)});
      if (diff.removed.length) item("approval.removed", {pages: pagesText(diff.removed)});
      for (const move of diff.moves) item("approval.moved", {move});
      since = `<ul id="approved-summary" class="differs">${items.join("")}</ul>`;
    }
    approval.innerHTML = `<p>${esc(which)}, ${esc(approved.when)}
      (<a href="/files/approved.pdf" target="_blank">${esc(w("pdf"))}</a>)</p>${since}`;
  }
}

function drawError(status) {
  const box = document.getElementById("error");
  if (!box) return;
  if (!status.error) {
    box.hidden = true;
    box.innerHTML = "";
    return;
  }
  const kept = status.build
    ? w("error.kept", {number: status.build.number, when: status.build.when}) : "";
  box.hidden = false;
  box.innerHTML = `<h2>${esc(w(status.error.title))} — `
    + `${esc(w("error.build", {number: status.error.attempt}))}, ${esc(status.error.when)}</h2>
    <ul class="problems">${status.error.problems.map(
      (p) => `<li><code>${esc(p)}</code></li>`).join("")}</ul>
    <p>${esc(w("error.fix"))} ${esc(kept)}</p>`;
}

// After a save to the layout: the pages laid out anew first, the rest still being rebuilt.
function drawRebuilding(status) {
  const note = document.getElementById("rebuilding");
  if (!note) return;
  const fresh = status.build && status.build.rebuilding;
  note.hidden = !fresh;
  note.textContent = fresh ? w("rebuilding", {pages: pagesText(fresh)}) : "";
}

// --- the flatplan ---------------------------------------------------------------------

function drawFlatplan(status) {
  const build = status.build;
  const main = document.getElementById("flatplan");
  if (!build) {
    main.innerHTML = `<p class="empty-note">${esc(w("no-build"))}</p>`;
    return;
  }
  const starts = chapterStarts(build);
  main.innerHTML = spreads(build.page_count).map(([left, right]) => {
    const cell = (n, side) => {
      if (!n) return `<div class="thumb ${side} empty"></div>`;
      const page = build.pages[n - 1];
      const label = (starts[n] || []).map(esc).join(" · ");
      return `<figure class="thumb ${side}" data-page="${n}">
          <img src="${esc(page.image)}" alt="${esc(w("page.alt", {page: n}))}">
          <figcaption><b>${n}</b> ${label}</figcaption>
        </figure>`;
    };
    return `<div class="flat-spread">${cell(left, "left")}${cell(right, "right")}</div>`;
  }).join("");
}

// --- state and polling ----------------------------------------------------------------

function drawState(status) {
  const state = document.getElementById("state");
  const build = status.build;
  let text;
  let kind;
  if (status.building) {
    kind = "building";
    text = status.progress ? w("state.progress", {progress: status.progress})
      : w("state.building");
  } else if (status.error) {
    kind = "error";
    text = build ? w("state.failed-showing", {number: build.number}) : w("state.failed");
  } else if (build) {
    kind = "ok";
    const changed = build.pages.filter((p) => p.changed).length;
    text = w("state.ok", {number: build.number, when: build.when, pages: build.page_count,
                          seconds: build.seconds})
      + (changed ? ` · ${w(changed === 1 ? "state.changed.one" : "state.changed.many",
                           {count: changed})}` : "");
  } else {
    kind = "building";
    text = w("state.building");
  }
  state.textContent = text;
  state.className = `state ${kind}`;
  document.body.dataset.state = kind;
}

function draw(status) {
  const build = status.build;
  // (a build still being rebuilt is not the build yet: its number is the one before)
  document.body.dataset.build = build && !build.rebuilding ? build.number : "";
  document.body.dataset.rebuilding = build && build.rebuilding ? "yes" : "";
  if (build) {
    const what = w(mode === "flatplan" ? "flatplan" : "proof");
    document.getElementById("title").textContent = `${what}: ${build.title}`;
    document.title = `${what} #${build.number} — ${build.title}`;
  }
  if (mode === "flatplan") {
    drawFlatplan(status);
    return;
  }
  drawError(status);
  drawRebuilding(status);
  drawSidebar(status);
  drawSpreads(status);
  const link = document.getElementById("pdf-link");
  link.hidden = !build;
  if (build) {
    link.href = build.pdf;
    link.textContent = w("pdf.named", {name: build.pdf_name});
  }
}

async function poll() {
  try {
    const view = spreadInView();
    const response = await fetch(`/status${view ? `?view=${view}` : ""}`, {cache: "no-store"});
    const status = await response.json();
    lastStatus = status;
    if (status.language) document.documentElement.lang = status.language;
    if (status.words) {
      words = status.words;
      if (JSON.stringify(words) !== wordsShown) shownVersion = null;  // (redrawn in them)
      drawWords();
    }
    if (status.version !== shownVersion) {
      shownVersion = status.version;
      const y = window.scrollY;
      draw(status);
      window.scrollTo(0, y);
    }
    drawState(status);
    const approve = document.getElementById("approve");
    if (approve) approve.disabled = !status.build || status.building;
  } catch (error) {
    const state = document.getElementById("state");
    state.textContent = w("state.offline");
    state.className = "state error";
    document.body.dataset.state = "offline";
  }
  setTimeout(poll, POLL_MS);
}

// The first page of the spread in the middle of the window (told to the server: after a
// save to the layout, that spread is laid out first).
function spreadInView() {
  const middle = window.innerHeight / 2;
  let best = null;
  let distance = Infinity;
  for (const spread of document.querySelectorAll(".spread")) {
    const box = spread.getBoundingClientRect();
    const away = box.top > middle ? box.top - middle : Math.max(middle - box.bottom, 0);
    if (away < distance) {
      distance = away;
      best = spread;
    }
    if (box.top > middle) break;
  }
  return best ? Number(best.dataset.pages.split(" ")[0]) : null;
}

function setUp() {
  const approve = document.getElementById("approve");
  if (approve) {
    approve.addEventListener("click", async () => {
      approve.disabled = true;
      await fetch("/approve", {method: "POST"});
      shownVersion = null;  // redraw with the approval
    });
  }
  const zoom = document.getElementById("zoom");
  if (zoom) {
    const saved = localStorage.getItem("proof-page-width");
    if (saved) zoom.value = saved;
    const apply = () => {
      document.documentElement.style.setProperty("--page-width", `${zoom.value}px`);
      localStorage.setItem("proof-page-width", zoom.value);
    };
    zoom.addEventListener("input", apply);
    apply();
  }
  poll();
}

setUp();
