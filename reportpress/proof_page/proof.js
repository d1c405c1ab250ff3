// The proof page and the flatplan: both poll /status and draw the latest good build.
"use strict";

const mode = document.body.dataset.mode;  // "proof" | "flatplan"
const POLL_MS = 600;
let shownVersion = null;
let lastStatus = null;
let words = {};  // the page's own words in the language shown (status.words)
let wordsShown = null;
// The edition shown, as the URL keeps it: ?lang=fr (that language's), ?side=fr (the main
// edition and that one side by side); none: the main edition.
const params = new URLSearchParams(location.search);
const chosen = {lang: params.get("lang") || "", side: params.get("side") || ""};
let choices = 0;  // counts the choices made: a status asked for before the last is dropped
let pollTimer = null;
let switchShown = null;

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

function pageFigure(page, side, differs, diffImage, prefix = "") {
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
  return `<figure class="${classes.join(" ")}" id="${prefix}page-${page.number}"
      data-page="${page.number}">
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

// --- two editions side by side ---------------------------------------------------------

function languageName(status, code) {
  const found = (status.languages || []).find((l) => l.code === code);
  return found ? found.name : code;
}

// One edition's half of a row: its spread (pages, page numbers, chapter labels, its own
// warnings), or a note that the other edition runs longer.
function editionHalf(status, index, onlyIn, prefix) {
  const build = status.build;
  const all = build ? spreads(build.page_count) : [];
  const name = languageName(status, status.language);
  if (index >= all.length) {
    return `<div class="edition missing" data-language="${esc(status.language)}">
        <p class="edition-name">${esc(name)}</p>
        <p class="only-in">${esc(w(build ? "side.only" : "side.none", {language: onlyIn}))}</p>
      </div>`;
  }
  const [left, right] = all[index];
  const pages = [left, right].filter((n) => n).map((n) => build.pages[n - 1]);
  const starts = chapterStarts(build);
  const titles = pages.flatMap((p) => (starts[p.number] || []).map(
    (t) => `<span class="chapter-label ${p.number % 2 ? "right" : "left"}">${esc(t)}</span>`));
  const warnings = pages.flatMap((p) => p.warnings.map(
    (text) => `<li><b>${esc(w("page.short", {page: p.number}))}</b> ${esc(text)}</li>`));
  const figure = (n, side) => pageFigure(n ? build.pages[n - 1] : null, side, false, null,
                                         prefix);
  return `<div class="edition" data-language="${esc(status.language)}"
        data-pages="${pages.map((p) => p.number).join(" ")}">
      <p class="edition-name">${esc(name)}</p>
      <div class="chapter-labels">${titles.join("")}</div>
      <div class="sheets">${figure(left, "left")}${figure(right, "right")}</div>
      ${warnings.length ? `<ul class="page-warnings">${warnings.join("")}</ul>` : ""}
    </div>`;
}

// The main edition left, the other right, spread by spread (aligned by the spread's index:
// where one runs longer, the other's side says so).
function drawSideBySide(status) {
  const main = document.getElementById("spreads");
  const other = status.beside;
  const count = (s) => (s.build ? spreads(s.build.page_count).length : 0);
  const rows = Math.max(count(status), count(other));
  if (!rows) {
    main.innerHTML = `<p class="empty-note">${esc(w("first-build"))}</p>`;
    return;
  }
  const mainName = languageName(status, status.language);
  const otherName = languageName(status, other.language);
  const html = [];
  for (let index = 0; index < rows; index++) {
    const only = index >= count(status) || index >= count(other);
    const left = editionHalf(status, index, otherName, "");
    const right = editionHalf(other, index, mainName, `${other.language}-`);
    const first = (s) => (index < count(s) ? spreads(s.build.page_count)[index]
      .find((n) => n) : null);
    html.push(`<section class="spread side-by-side${only ? " only-one" : ""}"
        id="spread-${index}" data-index="${index}"
        data-pages="${first(status) || first(other)}">
        <div class="editions">${left}${right}</div>
      </section>`);
  }
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

function warningList(build, prefix) {
  if (!build) return "";
  const onPages = build.pages.flatMap((p) => p.warnings.map(
    (text) => `<li><a href="#${prefix}page-${p.number}">`
      + `${esc(w("page.short", {page: p.number}))}</a> ${esc(text)}</li>`));
  const general = build.warnings.map((text) => `<li>${esc(text)}</li>`);
  return onPages.length + general.length ? `<ul>${[...onPages, ...general].join("")}</ul>`
    : `<p class="quiet">${esc(w("none"))}</p>`;
}

function drawSidebar(status) {
  const build = status.build;
  const chapters = document.getElementById("chapters");
  chapters.innerHTML = build ? build.chapters.map((c) =>
    `<li><a href="#page-${c.page}" data-page="${c.page}">${esc(c.title)}`
    + `<span class="page-number">${c.page}</span></a></li>`).join("") : "";

  const warnings = document.getElementById("warnings");
  const other = status.beside;
  if (!other) {
    warnings.innerHTML = warningList(build, "");
  } else {  // (each edition's own: French runs longer, its findings are its own)
    warnings.innerHTML = [[status, ""], [other, `${other.language}-`]].map(([s, prefix]) =>
      `<h3 class="edition-name" data-language="${esc(s.language)}">`
      + `${esc(languageName(status, s.language))}</h3>${warningList(s.build, prefix)}`).join("");
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
      (<a href="${esc(approved.pdf)}" target="_blank">${esc(w("pdf"))}</a>)</p>${since}`;
  }
}

// The last build's problems, of each edition shown (named when two are).
function drawError(status) {
  const box = document.getElementById("error");
  if (!box) return;
  const shown = status.beside ? [status, status.beside] : [status];
  const failed = shown.filter((s) => s.error);
  box.hidden = !failed.length;
  box.innerHTML = failed.map((s) => {
    const kept = s.build ? w("error.kept", {number: s.build.number, when: s.build.when}) : "";
    const which = status.beside ? `${languageName(status, s.language)}: ` : "";
    return `<h2>${esc(which)}${esc(w(s.error.title))} — `
      + `${esc(w("error.build", {number: s.error.attempt}))}, ${esc(s.error.when)}</h2>
      <ul class="problems">${s.error.problems.map(
        (p) => `<li><code>${esc(p)}</code></li>`).join("")}</ul>
      <p>${esc(w("error.fix"))} ${esc(kept)}</p>`;
  }).join("");
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

// The state line: of the edition shown, or of both side by side (ok once both are).
function drawState(status) {
  const state = document.getElementById("state");
  const [kind, text] = stateOf(status);
  if (status.beside) {
    const [otherKind, otherText] = stateOf(status.beside);
    const worst = ["offline", "error", "building", "ok"].find((k) => [kind, otherKind]
      .includes(k));
    state.textContent = `${languageName(status, status.language)}: ${text} | `
      + `${languageName(status, status.beside.language)}: ${otherText}`;
    state.className = `state ${worst}`;
    document.body.dataset.state = worst;
    return;
  }
  state.textContent = text;
  state.className = `state ${kind}`;
  document.body.dataset.state = kind;
}

function stateOf(status) {
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
  return [kind, text];
}

// The language switch: each language's edition, and each other language beside the main
// one (none for a report in one language). The choice goes into the URL.
function drawSwitch(status) {
  const label = document.getElementById("language-switch");
  const languages = status.languages || [];
  if (!label) return;
  label.hidden = languages.length < 2;
  const key = JSON.stringify([languages, wordsShown]);
  const select = document.getElementById("language");
  if (key !== switchShown) {
    switchShown = key;
    const main = languages.length ? languages[0] : null;
    const options = languages.map((l) => `<option value="${esc(l.code)}">${esc(l.name)}`
      + "</option>");
    for (const other of languages.slice(1)) {
      options.push(`<option value="side:${esc(other.code)}">`
        + `${esc(w("side", {main: main.name, other: other.name}))}</option>`);
    }
    select.innerHTML = options.join("");
  }
  select.value = status.beside ? `side:${status.beside.language}` : status.language;
}

function choose(value) {
  const [side, lang] = value.startsWith("side:") ? [value.slice(5), ""] : ["", value];
  Object.assign(chosen, {lang, side});
  const query = new URLSearchParams();
  if (lang) query.set("lang", lang);
  if (side) query.set("side", side);
  const search = query.toString();
  history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
  choices += 1;
  shownVersion = null;
  window.scrollTo(0, 0);
  pollNow();
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
  document.body.dataset.view = status.beside ? "side" : "";
  document.body.dataset.beside = status.beside && status.beside.build
    && !status.beside.build.rebuilding ? status.beside.build.number : "";
  drawSwitch(status);
  drawError(status);
  drawRebuilding(status);
  drawSidebar(status);
  if (status.beside) drawSideBySide(status);
  else drawSpreads(status);
  pdfLink("pdf-link", build);
  pdfLink("pdf-link-beside", status.beside && status.beside.build);
  const flatplan = document.getElementById("flatplan-link");
  flatplan.href = status.language === status.main ? "/flatplan"
    : `/flatplan?lang=${encodeURIComponent(status.language)}`;
}

function pdfLink(id, build) {
  const link = document.getElementById(id);
  link.hidden = !build;
  if (build) {
    link.href = build.pdf;
    link.textContent = w("pdf.named", {name: build.pdf_name});
  }
}

function statusQuery() {
  const query = new URLSearchParams();
  if (chosen.side) query.set("side", chosen.side);
  else if (chosen.lang) query.set("lang", chosen.lang);
  const view = mode === "proof" ? spreadInView() : null;
  if (view) query.set("view", view);
  const search = query.toString();
  return search ? `?${search}` : "";
}

function versionOf(status) {
  const beside = status.beside ? `|${status.beside.language}:${status.beside.version}` : "";
  return `${status.language}:${status.version}${beside}`;
}

function pollNow() {
  clearTimeout(pollTimer);
  poll();
}

async function poll() {
  const choice = choices;
  try {
    const response = await fetch(`/status${statusQuery()}`, {cache: "no-store"});
    const status = await response.json();
    if (choice !== choices) return;  // (asked before another edition was chosen)
    lastStatus = status;
    if (status.language) document.documentElement.lang = status.language;
    if (status.words) {
      words = status.words;
      if (JSON.stringify(words) !== wordsShown) shownVersion = null;  // (redrawn in them)
      drawWords();
    }
    if (versionOf(status) !== shownVersion) {
      shownVersion = versionOf(status);
      const y = window.scrollY;
      draw(status);
      window.scrollTo(0, y);
    }
    drawState(status);
    const approve = document.getElementById("approve");
    // (side by side: which edition? Each is approved on its own page)
    if (approve) approve.disabled = !status.build || status.building || !!status.beside;
  } catch (error) {
    if (choice !== choices) return;
    const state = document.getElementById("state");
    state.textContent = w("state.offline");
    state.className = "state error";
    document.body.dataset.state = "offline";
  }
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, POLL_MS);
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
      const lang = chosen.lang ? `?lang=${encodeURIComponent(chosen.lang)}` : "";
      await fetch(`/approve${lang}`, {method: "POST"});
      shownVersion = null;  // redraw with the approval
    });
  }
  const select = document.getElementById("language");
  if (select) select.addEventListener("change", () => choose(select.value));
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
