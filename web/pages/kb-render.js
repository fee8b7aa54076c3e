// pages/kb-render.js — an article's HTML into the page without trusting it, and a live
// preview of Markdown while it is edited. Neither ever assigns markup to innerHTML: the
// server's HTML is parsed by DOMParser into an inert document (no scripts run, nothing
// loads) and rebuilt here element by element from an allow-list; the preview builds its
// nodes straight from the Markdown source.

/** Elements kept (with their text); anything else not in DROPPED is unwrapped. */
const ALLOWED = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'a', 'code', 'pre', 'em',
  'strong', 'blockquote', 'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'hr', 'br', 'del', 's']);
/** Elements dropped with everything inside them. Images are dropped too: no request leaves. */
const DROPPED = new Set(['script', 'style', 'template', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed',
  'applet', 'img', 'picture', 'source', 'video', 'audio', 'track', 'canvas', 'svg', 'math', 'form', 'input', 'button',
  'select', 'option', 'textarea', 'link', 'meta', 'base', 'title', 'head']);
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * A link target that is http, https, mailto or relative (to this page), else null.
 * Control characters are refused before parsing: "java\tscript:" tricks a lax reader.
 */
export function safeHref(href) {
  const v = String(href ?? '').trim();
  // eslint-disable-next-line no-control-regex
  if (!v || /[\u0000-\u001f\u007f]/.test(v)) return null;
  let url;
  try {
    url = new URL(v, window.location.href);
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? v : null;
}

const numberAttr = (v, max) => (/^\d{1,4}$/.test(v || '') && Number(v) <= max ? v : null);

/**
 * The server's article HTML as a DocumentFragment of allowed elements only, with
 * headings moved down `shift` levels (the page's own <h1> is the title). Attributes
 * kept: a[href] (safe targets only; rel added), a[title], ol[start], th/td spans.
 */
export function renderArticleHtml(html, { shift = 1 } = {}) {
  const doc = new DOMParser().parseFromString(String(html ?? ''), 'text/html');
  const frag = document.createDocumentFragment();
  copyChildren(doc.body, frag, shift);
  return frag;
}

function copyChildren(from, to, shift) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(document.createTextNode(node.data));
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) continue; // comments ("raw HTML omitted") and the rest
    const tag = node.localName;
    if (node.namespaceURI !== 'http://www.w3.org/1999/xhtml' || DROPPED.has(tag)) continue;
    if (!ALLOWED.has(tag)) {
      copyChildren(node, to, shift); // unknown wrappers (div, span): keep what is inside
      continue;
    }
    // A link whose target was refused (or emptied by the server) is only its text.
    const name = tag === 'a' && !safeHref(node.getAttribute('href')) ? 'span'
      : /^h[1-6]$/.test(tag) ? `h${Math.min(6, Number(tag[1]) + shift)}` : tag;
    const el = document.createElement(name);
    if (name !== 'span') copyAttributes(node, el, tag);
    copyChildren(node, el, shift);
    to.append(el);
  }
}

function copyAttributes(src, el, tag) {
  if (tag === 'a') {
    const href = safeHref(src.getAttribute('href'));
    if (href) {
      el.setAttribute('href', href);
      el.setAttribute('rel', 'noopener noreferrer');
    }
    const title = src.getAttribute('title');
    if (title) el.setAttribute('title', title);
  } else if (tag === 'ol') {
    const start = numberAttr(src.getAttribute('start'), 1e9);
    if (start) el.setAttribute('start', start);
  } else if (tag === 'th' || tag === 'td') {
    for (const name of ['colspan', 'rowspan']) {
      const v = numberAttr(src.getAttribute(name), 100);
      if (v) el.setAttribute(name, v);
    }
  }
}

/* ---- the editor's live preview: a small Markdown reader ---- */

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])([ \t]+(.*))?$/;
const HTML_BLOCK = /^ {0,3}<(?!(?:https?|mailto):)\/?[A-Za-z!][^>]*>?/i;

/**
 * Markdown as a DocumentFragment, for the editor's preview. It covers what articles use
 * (headings, paragraphs, lists, quotes, code, rules, emphasis, code spans, links) and,
 * like the server, drops raw HTML and unsafe links; the saved article is rendered by the
 * server with CommonMark, which may differ in corner cases.
 */
export function renderMarkdownPreview(source, { shift = 1 } = {}) {
  const frag = document.createDocumentFragment();
  blocks(String(source ?? '').replace(/\r\n?/g, '\n').split('\n'), frag, shift);
  return frag;
}

function blocks(lines, into, shift) {
  let i = 0;
  const isStart = (line) => FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)
    || ITEM.test(line) || HTML_BLOCK.test(line);
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (!line.trim()) {
      i++;
    } else if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const code = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence); i++) code.push(lines[i]);
      i++;
      const pre = document.createElement('pre');
      const el = document.createElement('code');
      el.textContent = code.join('\n') + (code.length ? '\n' : '');
      pre.append(el);
      into.append(pre);
    } else if ((m = HEADING.exec(line))) {
      const el = document.createElement(`h${Math.min(6, m[1].length + shift)}`);
      inline(m[2] || '', el);
      into.append(el);
      i++;
    } else if (RULE.test(line)) {
      into.append(document.createElement('hr'));
      i++;
    } else if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && lines[i].trim() && (m = QUOTE.exec(lines[i]) || [null, lines[i]])) {
        inner.push(m[1]);
        i++;
      }
      const el = document.createElement('blockquote');
      blocks(inner, el, shift);
      into.append(el);
    } else if ((m = ITEM.exec(line))) {
      const ordered = /\d/.test(m[2]);
      const list = document.createElement(ordered ? 'ol' : 'ul');
      if (ordered && parseInt(m[2], 10) !== 1) list.setAttribute('start', String(parseInt(m[2], 10)));
      while (i < lines.length && (m = ITEM.exec(lines[i])) && /\d/.test(m[2]) === ordered) {
        const indent = m[1].length + m[2].length + 1;
        const body = [m[4] || ''];
        for (i++; i < lines.length; i++) {
          const next = lines[i];
          if (!next.trim()) {
            // A blank line ends the item unless more of it (indented) follows.
            if (i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1])) {
              body.push('');
              continue;
            }
            break;
          }
          if (ITEM.exec(next) && !/^\s{2,}/.test(next)) break;
          body.push(next.slice(Math.min(indent, next.length - next.trimStart().length)));
        }
        const li = document.createElement('li');
        if (body.some((b) => isStart(b) && b !== body[0]) || body.includes('')) blocks(body, li, shift);
        else inline(body.join('\n'), li);
        list.append(li);
        while (i < lines.length && !lines[i].trim() && i + 1 < lines.length && ITEM.test(lines[i + 1])) i++;
      }
      into.append(list);
    } else if (HTML_BLOCK.test(line)) {
      // Raw HTML: dropped, as the server's safe mode drops it.
      while (i < lines.length && lines[i].trim()) i++;
    } else if (/^ {4}/.test(line)) {
      const code = [];
      while (i < lines.length && (/^ {4}/.test(lines[i]) || !lines[i].trim())) code.push(lines[i++].slice(4));
      while (code.length && !code[code.length - 1].trim()) code.pop();
      const pre = document.createElement('pre');
      const el = document.createElement('code');
      el.textContent = code.join('\n') + '\n';
      pre.append(el);
      into.append(pre);
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() && (!para.length || !isStart(lines[i]))) para.push(lines[i++]);
      const p = document.createElement('p');
      inline(para.map((l) => l.trimStart()).join('\n'), p);
      into.append(p);
    }
  }
}

const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

/** Inline Markdown into `into`: code spans, strong, emphasis, links, autolinks, breaks. */
function inline(text, into) {
  let buf = '';
  const flush = () => {
    if (buf) into.append(document.createTextNode(buf));
    buf = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);
    let m;
    if (c === '\\' && i + 1 < text.length && PUNCT.test(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
    } else if (c === '\\' && text[i + 1] === '\n') {
      flush();
      into.append(document.createElement('br'));
      i += 2;
    } else if (c === '\n') {
      flush();
      if (/ {2,}$/.test(text.slice(0, i))) into.append(document.createElement('br'));
      else into.append(document.createTextNode('\n'));
      i++;
    } else if (c === '`' && (m = /^(`+)([\s\S]*?[^`])\1(?!`)/.exec(rest))) {
      flush();
      const code = document.createElement('code');
      code.textContent = m[2].replace(/\n/g, ' ').replace(/^ (.*) $/, '$1');
      into.append(code);
      i += m[0].length;
    } else if ((c === '*' || c === '_') && (m = new RegExp(`^\\${c}\\${c}(?=\\S)([\\s\\S]*?\\S)\\${c}\\${c}`).exec(rest))
      && (c === '*' || !/\w/.test(text[i - 1] || ''))) {
      flush();
      const el = document.createElement('strong');
      inline(m[1], el);
      into.append(el);
      i += m[0].length;
    } else if ((c === '*' || c === '_') && (m = new RegExp(`^\\${c}(?=[^\\s${c}])([\\s\\S]*?[^\\s${c}])\\${c}(?!\\${c})`).exec(rest))
      && (c === '*' || !/\w/.test(text[i - 1] || ''))) {
      flush();
      const el = document.createElement('em');
      inline(m[1], el);
      into.append(el);
      i += m[0].length;
    } else if ((c === '[' || (c === '!' && text[i + 1] === '['))
      && (m = /^!?\[([^\]]*)\]\(\s*<?((?:[^\s()<>]|\([^\s()]*\))*)>?(?:\s+"[^"]*")?\s*\)/.exec(rest))) {
      flush();
      if (c === '!') {
        into.append(document.createTextNode(m[1])); // images: their text only
      } else {
        const href = safeHref(m[2]);
        const a = document.createElement(href ? 'a' : 'span');
        if (href) {
          a.setAttribute('href', href);
          a.setAttribute('rel', 'noopener noreferrer');
        }
        inline(m[1], a);
        into.append(a);
      }
      i += m[0].length;
    } else if (c === '<' && (m = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(rest))) {
      flush();
      const a = document.createElement('a');
      a.setAttribute('href', m[1]);
      a.setAttribute('rel', 'noopener noreferrer');
      a.textContent = m[1].replace(/^mailto:/i, '');
      into.append(a);
      i += m[0].length;
    } else if (c === '<' && (m = /^<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>|^<!--[\s\S]*?-->/.exec(rest))) {
      i += m[0].length; // inline raw HTML: dropped
    } else {
      buf += c;
      i++;
    }
  }
  flush();
}
