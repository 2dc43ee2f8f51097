// The new-video form: idea and options, characters from reference images (described by the
// model, editable before filming), then the cost estimate, and the job only once confirmed.

import { call } from "./api.js";
import { $, el, say, seconds, show, usd } from "./dom.js";

const MAX_CHARACTERS = 10;

function characterRow(name = "", description = "") {
  const number = $("characters").children.length + 1;
  const nameId = `character-name-${number}-${Date.now()}`;
  const descriptionId = `${nameId}-description`;
  const row = el(
    "li",
    { class: "character" },
    el("label", { for: nameId, text: `Character ${number}: name` }),
    el("input", { id: nameId, class: "character-name", type: "text", maxlength: 80, required: true }),
    el("label", { for: descriptionId, text: "Description (every clip with them carries it)" }),
    el("textarea", { id: descriptionId, class: "character-description", rows: 3, maxlength: 600, required: true }),
    el("button", { type: "button", class: "remove", text: `Remove character ${number}` }),
  );
  row.querySelector(".character-name").value = name;
  row.querySelector(".character-description").value = description;
  row.querySelector(".remove").addEventListener("click", () => row.remove());
  $("characters").append(row);
  return row;
}

async function analyse() {
  const status = $("analyse-status");
  const files = $("images").files;
  if (!files.length) {
    say(status, "Choose one or more images first.");
    $("images").focus();
    return;
  }
  const form = new FormData();
  for (const file of files) form.append("images", file);
  $("analyse").disabled = true;
  say(status, "Describing the characters…");
  try {
    const analysis = await call("POST", "/v1/characters", form);
    for (const profile of analysis.characters) {
      if ($("characters").children.length >= MAX_CHARACTERS) break;
      characterRow(profile.name_hint, profile.visual_description);
    }
    say(status, `${analysis.characters.length} character(s) found: edit them before filming.`);
  } catch (error) {
    say(status, `Could not describe the images: ${error.message}`);
  } finally {
    $("analyse").disabled = false;
  }
}

// The music chosen in the form, uploaded once per file: its name on the server.
const uploaded = new WeakMap();

async function music() {
  const file = $("music").files[0];
  if (!file) return null;
  if (!uploaded.has(file)) {
    const form = new FormData();
    form.append("music", file);
    say($("music-status"), "Uploading the music…");
    try {
      const answer = await call("POST", "/v1/music", form);
      uploaded.set(file, answer.music);
      say($("music-status"), `${file.name}: ${Math.round(answer.duration_seconds)} s of music.`);
    } catch (error) {
      say($("music-status"), "");
      throw new Error(`The music was refused: ${error.message}`);
    }
  }
  return uploaded.get(file);
}

function body() {
  const idea = $("idea").value.trim();
  if (!idea) throw new Error("Write an idea first.");
  const request = { idea, segments: Number($("segments").value) };
  const style = $("style").value.trim();
  if (style) request.style = style;
  const duration = $("duration").value;
  if (duration) request.duration_seconds = Number(duration);
  const characters = [];
  for (const row of $("characters").children) {
    const name = row.querySelector(".character-name").value.trim();
    const description = row.querySelector(".character-description").value.trim();
    if (!name && !description) continue;
    if (!name || !description) throw new Error("Each character needs a name and a description.");
    characters.push({ name, description });
  }
  if (characters.length) request.characters = characters;
  return request;
}

function showEstimate(estimate) {
  const lines = [
    ["Video", `${seconds(estimate.video_seconds)} with ${estimate.model}`],
    ["Picture", `${estimate.aspect_ratio} (the server's video.aspect_ratio)`],
    ["Narration", seconds(estimate.speech_seconds)],
    ["Images", String(estimate.images)],
    ["Estimated cost", estimate.billed ? usd(estimate.usd) : "nothing: offline, no provider is called"],
  ];
  $("estimate-lines").replaceChildren(
    ...lines.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", { text: value })]),
  );
  const above = estimate.usd === null || estimate.usd > estimate.confirm_above_usd;
  const note = !estimate.billed
    ? "The offline emulator films title cards; nothing is billed."
    : above
      ? `This is above the server's limit for starting without asking (${usd(estimate.confirm_above_usd)}).`
      : "Providers bill what is submitted, even if you cancel later.";
  $("estimate-note").textContent = note;
}

export function setUpNewVideo(onStarted) {
  let pending = null;
  const error = $("new-error");
  $("analyse").addEventListener("click", analyse);
  $("add-character").addEventListener("click", () => characterRow().querySelector("input").focus());
  $("new-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    say(error, "");
    try {
      pending = body();
      $("estimate").disabled = true;
      const chosen = await music();
      if (chosen) pending.music = chosen;
      showEstimate(await call("POST", "/v1/estimates", pending));
    } catch (failure) {
      pending = null;
      say(error, failure.message);
      return;
    } finally {
      $("estimate").disabled = false;
    }
    show($("confirm"), true);
    $("confirm-title").focus();
  });
  $("back").addEventListener("click", () => {
    show($("confirm"), false);
    $("idea").focus();
  });
  $("start").addEventListener("click", async () => {
    if (!pending) return;
    $("start").disabled = true;
    try {
      const job = await call("POST", "/v1/videos", pending);
      show($("confirm"), false);
      $("new-form").reset();
      $("characters").replaceChildren();
      say($("music-status"), "");
      pending = null;
      onStarted(job.id);
    } catch (failure) {
      say(error, `The job was not started: ${failure.message}`);
    } finally {
      $("start").disabled = false;
    }
  });
}
