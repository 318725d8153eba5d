import { escapeHtml, mrkdwnToHtml, plainToHtml, type Names } from "./mrkdwn-html.js";

/**
 * Block Kit -> HTML for the sandbox page: the blocks the bot sends to Slack, drawn the way Slack
 * draws them (header, section with text, fields and accessory, context, divider, actions with
 * buttons and their styles, input blocks of modals). Pure; every text is escaped (mrkdwn-html.ts).
 * Buttons carry their action id, value and block id in data attributes: the page turns a click
 * into the block_actions payload Slack would send. A block this renderer does not know is named,
 * not dropped.
 */

type Json = Record<string, any>;

export function renderBlocks(blocks: unknown, names: Names): string {
  if (!Array.isArray(blocks)) return "";
  return blocks.map((b) => renderBlock(b as Json, names)).join("");
}

/** A message: its blocks, or its text when it has none (as Slack shows it). */
export function renderMessage(message: { text?: string; blocks?: unknown }, names: Names): string {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) return renderBlocks(message.blocks, names);
  return `<div class="bk-section"><div class="bk-text">${mrkdwnToHtml(message.text ?? "", names)}</div></div>`;
}

function renderBlock(b: Json, names: Names): string {
  const id = b.block_id ? ` data-block-id="${escapeHtml(String(b.block_id))}"` : "";
  switch (b.type) {
    case "header":
      return `<div class="bk-header" role="heading" aria-level="3"${id}>${text(b.text, names)}</div>`;
    case "section": {
      const fields = Array.isArray(b.fields) ? `<div class="bk-fields">${b.fields.map((f: Json) => `<div class="bk-field">${text(f, names)}</div>`).join("")}</div>` : "";
      const accessory = b.accessory ? `<div class="bk-accessory">${renderElement(b.accessory, String(b.block_id ?? ""), names)}</div>` : "";
      return `<div class="bk-section"${id}>${b.text ? `<div class="bk-text">${text(b.text, names)}</div>` : ""}${fields}${accessory}</div>`;
    }
    case "context":
      return `<div class="bk-context"${id}>${(b.elements ?? []).map((e: Json) => (e.type === "image" ? image(e) : `<span>${text(e, names)}</span>`)).join("")}</div>`;
    case "divider":
      return `<hr class="bk-divider"${id}>`;
    case "actions":
      return `<div class="bk-actions" role="group" aria-label="actions"${id}>${(b.elements ?? []).map((e: Json) => renderElement(e, String(b.block_id ?? ""), names)).join("")}</div>`;
    case "image":
      return `<div class="bk-image"${id}>${image(b)}</div>`;
    case "input":
      return renderInput(b, names);
    default:
      return `<div class="bk-unknown"${id}>[a ${escapeHtml(String(b.type))} block: not drawn by the sandbox]</div>`;
  }
}

/** A text object: mrkdwn or plain_text. */
function text(t: Json | undefined, names: Names): string {
  if (!t || typeof t.text !== "string") return "";
  return t.type === "mrkdwn" ? mrkdwnToHtml(t.text, names) : plainToHtml(t.text, t.emoji !== false);
}

function image(e: Json): string {
  const url = typeof e.image_url === "string" && /^https?:\/\//i.test(e.image_url) ? e.image_url : "";
  return url ? `<img src="${escapeHtml(url)}" alt="${escapeHtml(String(e.alt_text ?? ""))}">` : `<span>[image: ${escapeHtml(String(e.alt_text ?? ""))}]</span>`;
}

function renderElement(e: Json, blockId: string, names: Names): string {
  if (e.type === "button") {
    const style = e.style === "primary" || e.style === "danger" ? ` bk-${e.style}` : "";
    if (typeof e.url === "string" && /^https?:\/\//i.test(e.url)) {
      return `<a class="bk-button${style}" href="${escapeHtml(e.url)}" target="_blank" rel="noopener noreferrer">${text(e.text, names)}</a>`;
    }
    const data = `data-action-id="${escapeHtml(String(e.action_id ?? ""))}" data-value="${escapeHtml(String(e.value ?? ""))}" data-block-id="${escapeHtml(blockId)}"`;
    return `<button type="button" class="bk-button${style}" ${data}>${text(e.text, names)}</button>`;
  }
  if (e.type === "image") return image(e);
  return `<span class="bk-unknown">[a ${escapeHtml(String(e.type))} element]</span>`;
}

/** An input block of a modal: a labelled control named by its block and action ids. */
function renderInput(b: Json, names: Names): string {
  const blockId = String(b.block_id ?? "");
  const el: Json = b.element ?? {};
  const actionId = String(el.action_id ?? "");
  const fieldId = `in-${blockId}-${actionId}`.replace(/[^\w-]/g, "_");
  // as in Slack, an input not marked optional must be filled before the form is sent
  const required = b.optional ? "" : " required";
  const attrs = `id="${escapeHtml(fieldId)}" data-block-id="${escapeHtml(blockId)}" data-action-id="${escapeHtml(actionId)}" data-type="${escapeHtml(String(el.type ?? ""))}"${required}`;
  const optional = b.optional ? ` <span class="bk-optional">(optional)</span>` : "";
  let control: string;
  switch (el.type) {
    case "plain_text_input": {
      const max = Number.isInteger(el.max_length) ? ` maxlength="${el.max_length}"` : "";
      const placeholder = el.placeholder?.text ? ` placeholder="${escapeHtml(el.placeholder.text)}"` : "";
      const initial = typeof el.initial_value === "string" ? el.initial_value : "";
      control = el.multiline
        ? `<textarea ${attrs}${max}${placeholder} rows="6">${escapeHtml(initial)}</textarea>`
        : `<input type="text" ${attrs}${max}${placeholder} value="${escapeHtml(initial)}">`;
      break;
    }
    case "static_select": {
      const options = (el.options ?? []) as Json[];
      const initial = el.initial_option?.value;
      control = `<select ${attrs}>${options
        .map((o) => `<option value="${escapeHtml(String(o.value ?? ""))}"${o.value === initial ? " selected" : ""}>${plainToHtml(String(o.text?.text ?? ""), false)}</option>`)
        .join("")}</select>`;
      break;
    }
    case "file_input":
      control = `<p class="bk-hint" ${attrs}>File uploads are not part of the sandbox: paste the SQL instead.</p>`;
      break;
    default:
      control = `<span class="bk-unknown" ${attrs}>[a ${escapeHtml(String(el.type))} input]</span>`;
  }
  const hint = b.hint ? `<div class="bk-hint">${text(b.hint, names)}</div>` : "";
  return `<div class="bk-input" data-block-id="${escapeHtml(blockId)}"><label for="${escapeHtml(fieldId)}">${text(b.label, names)}${optional}</label>${control}${hint}<div class="bk-error" role="alert" data-error-for="${escapeHtml(blockId)}"></div></div>`;
}

/** A modal view: title, blocks, submit and close buttons (the page wires them to view_submission). */
export function renderModal(view: Json, names: Names): { title: string; body: string; submit?: string; close: string } {
  return {
    title: plainToHtml(String(view.title?.text ?? "")),
    body: renderBlocks(view.blocks, names),
    ...(view.submit?.text ? { submit: plainToHtml(String(view.submit.text)) } : {}),
    close: plainToHtml(String(view.close?.text ?? "Cancel")),
  };
}
