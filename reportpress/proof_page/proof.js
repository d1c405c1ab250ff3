// The proof page and the flatplan: both poll /status and draw the latest good build.
"use strict";

const mode = document.body.dataset.mode;  // "proof" | "flatplan"
const POLL_MS = 600;
let shownVersion = null;
let lastStatus = null;

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
  return `${numbers.length === 1 ? "page" : "pages"} ${ranges(numbers)}`;
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
  if (differs) classes.push("differs");
  if (page.warnings.length) classes.push("warned");
  const badges = [];
  if (page.changed) badges.push(`<span class="badge changed">changed</span>`);
  if (differs) {
    badges.push(diffImage
      ? `<a class="badge differs" href="${esc(diffImage)}" target="_blank"
           title="old and new side by side, differences boxed in red">≠ approved</a>`
      : `<span class="badge differs">≠ approved</span>`);
  }
  if (page.warnings.length) {
    badges.push(`<span class="badge warned" title="${esc(page.warnings.join("\n"))}">`
      + `⚠ ${page.warnings.length}</span>`);
  }
  return `<figure class="${classes.join(" ")}" id="page-${page.number}" data-page="${page.number}">
      <img src="${esc(page.image)}" alt="Page ${page.number}"
           width="${page.width}" height="${page.height}">
      <div class="badges">${badges.join("")}</div>
      <figcaption class="folio">${page.number}</figcaption>
    </figure>`;
}

function drawSpreads(status) {
  const build = status.build;
  const main = document.getElementById("spreads");
  if (!build) {
    main.innerHTML = `<p class="empty-note">${status.error
      ? "No proof yet: the build failed (see above)." : "The first build is running…"}</p>`;
    return;
  }
  const diff = approvedDiff(status);
  const differs = new Set(diff ? [...diff.changed, ...diff.added] : []);
  const starts = chapterStarts(build);
  const html = spreads(build.page_count).map(([left, right]) => {
    const pages = [left, right].filter((n) => n).map((n) => build.pages[n - 1]);
    const titles = pages.flatMap((p) => (starts[p.number] || []).map(
      (t) => `<span class="chapter-label ${p.number % 2 ? "right" : "left"}">${esc(t)}</span>`));
    const warnings = pages.flatMap((p) => p.warnings.map(
      (w) => `<li><b>p. ${p.number}</b> ${esc(w)}</li>`));
    const accepted = acceptedOn(build, pages.map((p) => p.number)).map(
      (f) => `<li><b>p. ${f.page}</b> ${esc(describeAccepted(f))}</li>`);
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
  return `${where}${f.message} [${f.rule}] (accepted: ${f.accepted})`;
}

function drawAccepted(build) {
  const list = document.getElementById("accepted");
  const found = build ? build.accepted || [] : [];
  list.innerHTML = found.length ? `<ul>${found.map((f) => `<li><a href="#page-${f.page}">`
    + `p. ${f.page}</a> ${esc(describeAccepted(f))}</li>`).join("")}</ul>`
    : `<p class="quiet">none</p>`;
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
      (w) => `<li><a href="#page-${p.number}">p. ${p.number}</a> ${esc(w)}</li>`));
    const general = build.warnings.map((w) => `<li>${esc(w)}</li>`);
    warnings.innerHTML = onPages.length + general.length
      ? `<ul>${[...onPages, ...general].join("")}</ul>` : `<p class="quiet">none</p>`;
  }

  drawAccepted(build);

  const approval = document.getElementById("approval");
  const approved = status.approved;
  if (!approved) {
    approval.innerHTML = `<p class="quiet">None yet. “Approve this proof” keeps a copy of the
      current PDF; later builds then mark the pages that differ from it.</p>`;
  } else {
    const which = approved.build ? `build #${approved.build}` : "an earlier session's proof";
    const diff = approvedDiff(status);
    let since;
    if (!diff) {
      since = `<p class="quiet">Not compared yet.</p>`;
    } else if (!diff.changed.length && !diff.added.length && !diff.removed.length) {
      since = `<p id="approved-summary" class="same">This build looks identical to it.</p>`;
    } else {
      const items = [];
      if (diff.changed.length) items.push(`<li>changed: ${pagesText(diff.changed)}</li>`);
      if (diff.added.length) items.push(`<li>added: ${pagesText(diff.added)}</li>`);
      if (diff.removed.length) {
        items.push(`<li>removed: ${pagesText(diff.removed)} (old numbers)</li>`);
      }
      for (const move of diff.moves) items.push(`<li>moved: ${esc(move)}</li>`);
      since = `<ul id="approved-summary" class="differs">${items.join("")}</ul>`;
    }
    approval.innerHTML = `<p>${which}, ${esc(approved.when)}
      (<a href="/files/approved.pdf" target="_blank">PDF</a>)</p>${since}`;
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
    ? `The proof below is still the last good build (#${status.build.number},
       ${esc(status.build.when)}).` : "";
  box.hidden = false;
  box.innerHTML = `<h2>${esc(status.error.title)} — build #${status.error.attempt},
      ${esc(status.error.when)}</h2>
    <ul class="problems">${status.error.problems.map(
      (p) => `<li><code>${esc(p)}</code></li>`).join("")}</ul>
    <p>Fix it and save: the proof rebuilds by itself. ${kept}</p>`;
}

// --- the flatplan ---------------------------------------------------------------------

function drawFlatplan(status) {
  const build = status.build;
  const main = document.getElementById("flatplan");
  if (!build) {
    main.innerHTML = `<p class="empty-note">No build yet.</p>`;
    return;
  }
  const starts = chapterStarts(build);
  main.innerHTML = spreads(build.page_count).map(([left, right]) => {
    const cell = (n, side) => {
      if (!n) return `<div class="thumb ${side} empty"></div>`;
      const page = build.pages[n - 1];
      const label = (starts[n] || []).map(esc).join(" · ");
      return `<figure class="thumb ${side}" data-page="${n}">
          <img src="${esc(page.image)}" alt="Page ${n}">
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
    text = `building… ${status.progress ? `(${status.progress})` : ""}`;
  } else if (status.error) {
    kind = "error";
    text = build ? `the last edit failed — showing build #${build.number}` : "the build failed";
  } else if (build) {
    kind = "ok";
    const changed = build.pages.filter((p) => p.changed).length;
    text = `build #${build.number} · ${build.when} · ${build.page_count} pages · `
      + `${build.seconds} s`
      + (changed ? ` · ${changed} ${changed === 1 ? "page" : "pages"} changed` : "");
  } else {
    kind = "building";
    text = "building…";
  }
  state.textContent = text;
  state.className = `state ${kind}`;
  document.body.dataset.state = kind;
}

function draw(status) {
  const build = status.build;
  document.body.dataset.build = build ? build.number : "";
  if (build) {
    const what = mode === "flatplan" ? "Flatplan" : "Proof";
    document.getElementById("title").textContent = `${what}: ${build.title}`;
    document.title = `${what} #${build.number} — ${build.title}`;
  }
  if (mode === "flatplan") {
    drawFlatplan(status);
    return;
  }
  drawError(status);
  drawSidebar(status);
  drawSpreads(status);
  const link = document.getElementById("pdf-link");
  link.hidden = !build;
  if (build) {
    link.href = build.pdf;
    link.textContent = `PDF (${build.pdf_name})`;
  }
}

async function poll() {
  try {
    const response = await fetch("/status", {cache: "no-store"});
    const status = await response.json();
    lastStatus = status;
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
    state.textContent = "no connection — is `make_pdf.py proof` still running?";
    state.className = "state error";
    document.body.dataset.state = "offline";
  }
  setTimeout(poll, POLL_MS);
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
