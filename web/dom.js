// dom.js — build DOM nodes without innerHTML, so server data is always text, never markup.

/**
 * h('button', {class: 'primary', type: 'submit', on: {click: fn}}, 'Save')
 * Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 * Strings become text nodes; attribute values are set with setAttribute.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'on') {
        for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
      } else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children (same rules as h) to an element. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replace every child of el with the given children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * A message area: an element with role="alert" (errors) or role="status" (notices)
 * that stays hidden while empty. Returns {el, show(text), clear()}.
 */
export function messageArea(kind = 'alert') {
  const el = h('div', {
    class: kind === 'alert' ? 'message message-error' : 'message message-ok',
    role: kind,
    hidden: true,
  });
  return {
    el,
    show(text) {
      el.textContent = text;
      el.hidden = false;
    },
    clear() {
      el.textContent = '';
      el.hidden = true;
    },
  };
}

/** A labelled form field: <label class="field"><span>Label</span><input ...></label>. */
export function field(label, control, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label' }, label),
    control,
    hint ? h('span', { class: 'field-hint' }, hint) : null);
}

/**
 * A table inside a horizontally scrollable, keyboard-focusable region.
 * columns: [{label, cell(row) -> node|string, class?, hideLabel?}]
 */
export function dataTable(caption, columns, rows) {
  const table = h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.class },
      c.hideLabel ? h('span', { class: 'visually-hidden' }, c.label) : c.label)))),
    h('tbody', null, rows.map((row) => tableRow(columns, row))));
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' }, table);
}

/**
 * A dataTable whose columns with a `sortKey` can be sorted by clicking (or pressing
 * Enter or Space on) their header, a <button> inside the <th>; the sorted column's
 * <th> carries aria-sort. The table is built once: setRows() and setSort() change it in
 * place, so focus and the sideways scroll position survive re-sorting and filtering.
 * sort: {key, dir: 'asc'|'desc'}; onSort(key) is called on a header click.
 * Returns {el, setRows(rows), setSort(sort)}.
 */
export function sortableTable(caption, columns, rows, { sort, onSort } = {}) {
  const headers = new Map();
  const tbody = h('tbody');
  const table = h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, columns.map((c) => {
      const label = c.hideLabel ? h('span', { class: 'visually-hidden' }, c.label) : c.label;
      if (!c.sortKey) return h('th', { scope: 'col', class: c.class }, label);
      const th = h('th', { scope: 'col', class: ((c.class || '') + ' sortable').trim() },
        h('button', { type: 'button', class: 'sort-button', on: { click: () => onSort && onSort(c.sortKey) } }, label));
      headers.set(c.sortKey, th);
      return th;
    }))),
    tbody);
  const el = h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' }, table);
  const setRows = (list) => replace(tbody, list.map((row) => tableRow(columns, row)));
  const setSort = (next) => {
    for (const [key, th] of headers) {
      if (next && next.key === key) th.setAttribute('aria-sort', next.dir === 'desc' ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  };
  setRows(rows);
  setSort(sort);
  return { el, setRows, setSort };
}

/** One <tr> for dataTable's columns; exported so pages can append rows. */
export function tableRow(columns, row) {
  return h('tr', null, columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.cell(row))));
}
