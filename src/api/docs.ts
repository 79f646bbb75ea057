/**
 * `/docs`: a self-contained HTML rendering of the OpenAPI document (no script, no CDN:
 * gateways often have no outbound network). Every path with its parameters, request body
 * and responses, the schemas shown as JSON.
 */
import type { OpenApiDocument, OpenApiOperation } from './openapi.ts';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders inline code spans written with backticks. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function schemaBlock(schema: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`;
}

function parametersHtml(op: OpenApiOperation): string {
  if (op.parameters.length === 0) return '';
  const rows = op.parameters.map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td>`
    + `<td>${p.required ? 'yes' : 'no'}</td><td>${prose(p.description ?? '')}</td>`
    + `<td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td></tr>`).join('');
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>description</th><th>schema</th></tr>${rows}</table>`;
}

function responsesHtml(op: OpenApiOperation): string {
  const items = Object.entries(op.responses).map(([status, r]) => {
    const content = r.content === undefined ? '' : Object.entries(r.content)
      .map(([type, c]) => `<div class="type">${escapeHtml(type)}</div>${schemaBlock(c.schema)}`).join('');
    const headers = r.headers === undefined ? '' : ` <span class="hdr">headers: ${escapeHtml(Object.keys(r.headers).join(', '))}</span>`;
    return `<details><summary><b class="s${status.slice(0, 1)}">${escapeHtml(status)}</b> ${prose(r.description)}${headers}</summary>${content}</details>`;
  });
  return `<h4>Responses</h4>${items.join('')}`;
}

function operationHtml(path: string, method: string, op: OpenApiOperation): string {
  const security = op.security === undefined ? '' : `<p class="sec">Auth: ${op.security.map((s) => Object.keys(s).join('')).join(' or ')}</p>`;
  const body = op.requestBody === undefined ? ''
    : `<h4>Request body</h4>${schemaBlock(op.requestBody.content['application/json']?.schema)}`;
  return `<section id="${escapeHtml(op.operationId)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>`
    + `<p><b>${prose(op.summary)}</b></p>${op.description === undefined ? '' : `<p>${prose(op.description)}</p>`}`
    + `${security}${parametersHtml(op)}${body}${responsesHtml(op)}</section>`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f5f5f5;padding:.6rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.5rem 0}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.5rem;color:#fff;border-radius:3px;text-align:center;font-size:13px}
.get{background:#2a7}.post{background:#27c}.patch,.put{background:#c82}.delete{background:#c33}
.s2{color:#2a7}.s4{color:#c82}.s5{color:#c33}.sec,.hdr,.type{color:#666;font-size:13px}summary{cursor:pointer}`;

/** The whole page. */
export function renderDocsHtml(doc: OpenApiDocument): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const toc = ops.map(({ path, method, op }) =>
    `<li><a href="#${escapeHtml(op.operationId)}">${method.toUpperCase()} ${escapeHtml(path)}</a> — ${prose(op.summary)}</li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.info.title)}</title>`
    + `<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>`
    + `<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1><p>${prose(doc.info.description)}</p>`
    + `<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${doc.openapi}).</p><ul>${toc}</ul>`
    + `${ops.map(({ path, method, op }) => operationHtml(path, method, op)).join('')}</body></html>`;
}
