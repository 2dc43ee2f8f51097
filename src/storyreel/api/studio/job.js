// A job's page: its status and each segment's steps, live from the job's event stream; the
// reel player, clips, keyframes, sheets, the story, the manifest, downloads; and the actions
// the job's state allows (resume, cancel, assemble again, film a segment again).

import { call, eventsUrl, fileUrl } from "./api.js";
import { $, el, say, show, usd } from "./dom.js";
import { renderStory } from "./story.js";

const FINAL = ["succeeded", "partial", "failed", "cancelled"];
const SEGMENT_KINDS = ["sheet", "keyframe", "voice", "clip"];
const WORDS = { succeeded: "done", submitted: "filming", pending: "waiting", unknown: "unknown" };

let current = null; // { id, detail, source, events }

export function closeJob() {
  if (current && current.source) current.source.close();
  current = null;
}

function kindOf(step) {
  return step.kind || step.key.split("-")[0];
}

function waitingSteps(detail) {
  const waiting = new Set((detail.quota_waits || []).map((wait) => wait.step));
  for (const step of detail.progress.steps) if (step.waiting_for_quota) waiting.add(step.key);
  return waiting;
}

function stateText(step, waiting) {
  if (waiting.has(step.key)) return "waiting for quota";
  return WORDS[step.status] || step.status;
}

function renderSteps(detail) {
  const waiting = waitingSteps(detail);
  const steps = detail.progress.steps;
  const perSegment = steps.filter((step) => step.index !== null && step.index !== undefined);
  const kinds = SEGMENT_KINDS.filter((kind) => perSegment.some((step) => kindOf(step) === kind));
  const table = $("segments-table");
  table.tHead.rows[0].replaceChildren(
    el("th", { scope: "col", text: "Segment" }),
    ...kinds.map((kind) => el("th", { scope: "col", text: kind })),
  );
  const indexes = [...new Set(perSegment.map((step) => step.index))].sort((a, b) => a - b);
  const rows = indexes.map((index) => {
    const cells = kinds.map((kind) => {
      const step = perSegment.find((s) => s.index === index && kindOf(s) === kind);
      if (!step) return el("td", { text: "–" });
      const text = stateText(step, waiting);
      return el("td", { class: `state ${text.replaceAll(" ", "-")}`, "data-step": step.key, title: step.error || "", text });
    });
    return el("tr", { "data-segment": index }, el("th", { scope: "row", text: String(index) }), ...cells);
  });
  table.tBodies[0].replaceChildren(...rows);
  const others = steps.filter((step) => !perSegment.includes(step));
  $("job-steps").replaceChildren(
    ...others.map((step) =>
      el("li", { "data-step": step.key }, `${step.key}: `, el("span", { class: "state", text: stateText(step, waiting) }), step.error ? ` (${step.error})` : ""),
    ),
  );
}

function statusLine(detail) {
  // Counted from the steps, which step events keep current between job events.
  const count = (kind) => {
    const steps = detail.progress.steps.filter((step) => kindOf(step) === kind);
    return [steps.filter((step) => step.status === "succeeded").length, steps.length];
  };
  const [clipsDone, clips] = count("clip");
  const [voicesDone, voices] = count("voice");
  const parts = [detail.status, `clips ${clipsDone}/${clips}`];
  if (voices) parts.push(`narrations ${voicesDone}/${voices}`);
  parts.push(`estimated ${usd(detail.estimated_cost_usd)}`);
  if ((detail.quota_waits || []).length) parts.push("waiting for quota");
  return parts.join(" · ") + (detail.reasons.length ? ` — ${detail.reasons.join("; ")}` : "");
}

function media(detail, path, label, kind, poster) {
  const src = fileUrl(detail.id, path);
  const item = kind === "video"
    ? el("video", { src, poster, controls: true, preload: "none", playsinline: true, "aria-label": label })
    : el("img", { src, alt: label, loading: "lazy" });
  return el("figure", {}, item, el("figcaption", {}, el("a", { href: src, download: "", text: label })));
}

function pathOf(entry) {
  return typeof entry === "string" ? entry : entry && entry.path;
}

function renderGallery(detail) {
  const manifest = detail.manifest || {};
  const groups = [];
  const add = (title, entries, kind, name) => {
    const figures = entries
      .filter(pathOf)
      .map((entry, n) => media(detail, pathOf(entry), name(entry, n), kind, poster(entry)));
    if (figures.length) groups.push(el("h2", { text: title }), el("div", { class: "gallery" }, ...figures));
  };
  const label = (word) => (entry, n) => `${word} ${entry.index || entry.character || entry.name || n + 1}`;
  // Keyframes and sheets from the manifest when it lists them, else from the job's files.
  const listed = (name, folder) => manifest[name] || detail.files.filter((f) => f.startsWith(folder));
  const named = (word) => (entry, n) =>
    typeof entry === "string" ? `${word} ${entry.split("/").pop().replace(/\.[a-z]+$/, "")}` : label(word)(entry, n);
  // A clip starts from its keyframe: the keyframe stands for it until it plays.
  const keyframes = new Map((manifest.keyframes || []).filter(pathOf).map((k) => [k.index, k.path]));
  const poster = (entry) => (keyframes.has(entry.index) ? fileUrl(detail.id, keyframes.get(entry.index)) : null);
  add("Clips", manifest.clips || [], "video", label("Clip"));
  add("Keyframes", listed("keyframes", "keyframes/"), "image", named("Keyframe"));
  add("Character sheets", listed("sheets", "sheets/"), "image", named("Sheet"));
  if (manifest.thumbnail) add("Thumbnail", [manifest.thumbnail], "image", () => "Thumbnail");
  $("gallery").replaceChildren(...groups);
}

function renderPlayer(detail) {
  const reel = detail.manifest && detail.manifest.reel;
  const path = reel ? reel.path : null;
  const ready = path && detail.files.includes(path);
  show($("player-box"), Boolean(ready));
  const video = $("reel");
  const src = ready ? fileUrl(detail.id, path) : "";
  if (ready && video.getAttribute("src") !== src) video.setAttribute("src", src);
  if (!ready && video.hasAttribute("src")) video.removeAttribute("src");
}

function renderActions(detail) {
  const final = FINAL.includes(detail.status);
  show($("resume"), final && detail.status !== "succeeded");
  show($("cancel"), !final);
  show($("assemble"), final && Boolean(detail.manifest && detail.manifest.clips.some((c) => c.path)));
}

function render(detail) {
  current.detail = detail;
  $("job-title").textContent = detail.title || detail.idea;
  $("job-status").textContent = statusLine(detail);
  $("job").dataset.status = detail.status;
  renderActions(detail);
  renderSteps(detail);
  renderPlayer(detail);
  renderGallery(detail);
  const downloads = detail.files.map((name) => el("li", {}, el("a", { href: fileUrl(detail.id, name), download: "", text: name })));
  $("downloads").replaceChildren(...downloads);
  show($("downloads-box"), downloads.length > 0);
  show($("manifest-box"), Boolean(detail.manifest));
  $("manifest").textContent = detail.manifest ? JSON.stringify(detail.manifest, null, 2) : "";
  if (detail.files.includes("story.json")) renderStory(detail, FINAL.includes(detail.status) ? reshoot : null);
}

function onStep(step) {
  const detail = current.detail;
  detail.quota_waits = (detail.quota_waits || []).filter((wait) => wait.step !== step.key);
  const steps = detail.progress.steps;
  const at = steps.findIndex((s) => s.key === step.key);
  if (at >= 0) steps[at] = { ...steps[at], ...step };
  else steps.push(step);
  renderSteps(detail);
  $("job-status").textContent = statusLine(detail);
}

function follow(id) {
  const source = new EventSource(eventsUrl(id), { withCredentials: true });
  current.source = source;
  const counted = (handler) => (event) => {
    if (!current || current.id !== id) return;
    current.events += 1;
    $("job").dataset.events = String(current.events);
    handler(JSON.parse(event.data));
  };
  source.addEventListener("job", counted(render));
  source.addEventListener("step", counted(onStep));
  source.addEventListener("error", () => {
    // EventSource reconnects by itself (resuming after the last id) unless it was refused.
    if (source.readyState === EventSource.CLOSED && current && current.id === id) {
      say($("job-error"), "Live updates stopped (the server refused the stream): reload the page.");
    }
  });
  source.addEventListener("end", counted((detail) => {
    source.close();
    render(detail);
  }));
}

async function reshoot(index, prompt) {
  await act("POST", `/segments/${index}/reshoot`, prompt ? { prompt } : {});
}

async function act(method, suffix, body) {
  const id = current.id;
  say($("job-error"), "");
  try {
    await call(method, `/v1/jobs/${encodeURIComponent(id)}${suffix}`, body);
  } catch (error) {
    say($("job-error"), error.message);
    return;
  }
  await openJob(id);
}

export async function openJob(id) {
  closeJob();
  current = { id, detail: null, source: null, events: 0 };
  $("job").dataset.events = "0";
  say($("job-error"), "");
  $("story").replaceChildren();
  delete $("story").dataset.for;
  show($("story-box"), false);
  let detail;
  try {
    detail = await call("GET", `/v1/jobs/${encodeURIComponent(id)}`);
  } catch (error) {
    say($("job-error"), `Cannot show job ${id}: ${error.message}`);
    return;
  }
  if (!current || current.id !== id) return;
  render(detail);
  $("job-title").focus();
  follow(id);
}

export function setUpJobActions() {
  $("resume").addEventListener("click", () => act("POST", "/resume"));
  $("cancel").addEventListener("click", () => act("DELETE", ""));
  $("assemble").addEventListener("click", () => act("POST", "/assemble", {}));
}
