// The story of a job (its story.json): each segment's narration and visual prompt, and, once
// the job has finished, a form to film one segment again with its prompt edited.

import { fileUrl } from "./api.js";
import { $, el, show } from "./dom.js";

// Read again at each rebuild (not kept per job): filming a segment again with an edited
// prompt rewrites the story.
async function story(detail) {
  const response = await fetch(fileUrl(detail.id, "story.json"), { credentials: "same-origin" });
  return response.ok ? response.json() : null;
}

function reshootForm(segment, onReshoot) {
  const id = `reshoot-prompt-${segment.index}`;
  const form = el(
    "form",
    { class: "reshoot" },
    el("label", { for: id, text: `Visual prompt for segment ${segment.index}` }),
    el("textarea", { id, rows: 3, maxlength: 4000 }),
    el("button", { type: "submit", text: `Film segment ${segment.index} again` }),
  );
  form.querySelector("textarea").value = segment.visual_prompt;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const prompt = form.querySelector("textarea").value.trim();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await onReshoot(segment.index, prompt === segment.visual_prompt ? null : prompt);
    } finally {
      button.disabled = false;
    }
  });
  return el("details", {}, el("summary", { text: "Film again…" }), form);
}

let wanted = null; // the key of the story being read, if any

export async function renderStory(detail, onReshoot) {
  // Rebuilt only when it would change, so that a form being edited survives live updates.
  const key = `${detail.id}:${Boolean(onReshoot)}`;
  if ($("story").dataset.for === key || wanted === key) return;
  wanted = key;
  let written = null;
  try {
    written = await story(detail);
  } catch (_) {
    // Unreachable for now: the next job event tries again.
  }
  // A later call (the job finished while this one read) has the last word.
  if (wanted !== key) return;
  wanted = null;
  if (!written) return;
  $("story").dataset.for = key;
  const items = written.segments.map((segment) =>
    el(
      "li",
      { "data-segment": segment.index },
      el("p", { class: "narration", text: segment.narration }),
      el("p", { class: "prompt" }, el("strong", { text: "Prompt: " }), segment.visual_prompt),
      onReshoot ? reshootForm(segment, onReshoot) : null,
    ),
  );
  $("story").replaceChildren(...items);
  show($("story-box"), true);
}
