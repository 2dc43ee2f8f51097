// The studio's entry point: the session (a login form when the server needs its token), and
// which view the address shows: #/ (new video and jobs), #/jobs, #/jobs/<id>.

import { ApiError, call } from "./api.js";
import { $, say, show } from "./dom.js";
import { closeJob, openJob, setUpJobActions } from "./job.js";
import { loadJobs } from "./jobs.js";
import { setUpNewVideo } from "./new-video.js";

const views = ["login", "new", "jobs", "job"];

function only(...visible) {
  for (const name of views) show($(name), visible.includes(name));
}

async function session() {
  try {
    return await call("GET", "/v1/session");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { token_required: true, authenticated: false };
    // A host without browser sessions: the API answers the page as it answers any client.
    if (error instanceof ApiError && error.status === 404) return { token_required: false, authenticated: true };
    throw error;
  }
}

function needsLogin(state) {
  return Boolean(state.token_required) && !state.authenticated;
}

async function route() {
  say($("notice"), "");
  closeJob();
  let state;
  try {
    state = await session();
  } catch (error) {
    say($("notice"), `Cannot reach the storyreel server: ${error.message}`);
    return;
  }
  show($("logout"), state.via === "cookie");
  if (needsLogin(state)) {
    only("login");
    $("token").focus();
    return;
  }
  const hash = location.hash.replace(/^#/, "") || "/";
  const job = hash.match(/^\/jobs\/([^/]+)$/);
  if (job) {
    only("job");
    await openJob(decodeURIComponent(job[1]));
  } else if (hash === "/jobs") {
    only("jobs");
    await loadJobs();
  } else {
    only("new", "jobs");
    await loadJobs();
  }
}

async function logIn(event) {
  event.preventDefault();
  const error = $("login-error");
  say(error, "");
  try {
    await call("POST", "/v1/session", { token: $("token").value });
  } catch (failure) {
    say(error, failure.status === 401 ? "That token is wrong: check STORYREEL_API_TOKEN on the server." : failure.message);
    $("token").select();
    return;
  }
  $("token").value = "";
  await route();
}

async function logOut() {
  try {
    await call("DELETE", "/v1/session");
  } catch (failure) {
    say($("notice"), `Could not log out: ${failure.message}`);
    return;
  }
  await route();
}

function start() {
  $("login-form").addEventListener("submit", logIn);
  $("logout").addEventListener("click", logOut);
  $("refresh-jobs").addEventListener("click", () => loadJobs());
  setUpJobActions();
  setUpNewVideo((jobId) => {
    location.hash = `#/jobs/${encodeURIComponent(jobId)}`;
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
