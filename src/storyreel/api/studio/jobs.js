// The list of jobs, newest first (the API's order): thumbnail, title or idea, status, cost,
// length; each links to its job page.

import { call, fileUrl } from "./api.js";
import { $, el, say, seconds, show, usd, when } from "./dom.js";

function item(job) {
  const href = `#/jobs/${encodeURIComponent(job.id)}`;
  const label = job.title || job.idea;
  const picture = job.thumbnail
    ? el("img", { src: fileUrl(job.id, job.thumbnail), alt: "", loading: "lazy", width: 72, height: 128 })
    : el("span", { class: "no-thumb", "aria-hidden": "true" });
  return el(
    "li",
    { class: "job-item" },
    el("a", { href, class: "thumb", tabindex: "-1", "aria-hidden": "true" }, picture),
    el(
      "div",
      { class: "job-text" },
      el("a", { href, text: label }),
      el(
        "p",
        { class: "meta" },
        el("span", { class: `badge ${job.status}`, text: job.status }),
        ` ${seconds(job.duration_seconds)} · ${usd(job.estimated_cost_usd)} · ${when(job.created_at)}`,
      ),
    ),
  );
}

export async function loadJobs() {
  const list = $("job-list");
  let jobs;
  try {
    jobs = await call("GET", "/v1/jobs");
  } catch (error) {
    say($("notice"), `Cannot list the jobs: ${error.message}`);
    return;
  }
  list.replaceChildren(...jobs.map(item));
  show($("no-jobs"), jobs.length === 0);
}
