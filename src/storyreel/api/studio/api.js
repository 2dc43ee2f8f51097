// The API as the page uses it: every request is same-origin, carries the session cookie when
// there is one, and sends the header that state-changing requests need with a cookie.

const meta = document.querySelector('meta[name="storyreel-api"]');
export const base = meta ? meta.content : "";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function problem(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.detail) detail = body.detail;
  } catch (_) {
    // Not a problem document: the status line says enough.
  }
  return new ApiError(response.status, detail);
}

export async function call(method, path, body) {
  const headers = { "X-Storyreel-CSRF": "1", Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(base + path, init);
  if (!response.ok) throw await problem(response);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export function fileUrl(jobId, path) {
  const parts = path.split("/").map(encodeURIComponent).join("/");
  return `${base}/v1/jobs/${encodeURIComponent(jobId)}/files/${parts}`;
}

export function eventsUrl(jobId) {
  return `${base}/v1/jobs/${encodeURIComponent(jobId)}/events`;
}
