// Small helpers for building the page's elements without innerHTML (no markup from data).

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

export function $(id) {
  return document.getElementById(id);
}

export function show(node, visible) {
  node.hidden = !visible;
}

export function say(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

export function usd(value) {
  return value === null || value === undefined ? "unknown" : `$${value.toFixed(2)}`;
}

export function seconds(value) {
  if (value === null || value === undefined) return "–";
  return `${Math.round(value)} s`;
}

export function when(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
}
