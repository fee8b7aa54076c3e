// pages/ticket.js — #/help-desk/<number>: one ticket (GET /api/v1/tickets/{n}). Everyone
// sees its fields, the conversation, the resolution and the attachments (upload and
// download), and may reply. The requester also rates a resolved ticket, closes it, or
// closes it because a suggested article helped (deflected_by). Support staff and admins
// see the SLA due times, the whole timeline with internal notes, and work the ticket with
// the forms of pages/ticket-work.js, relate and merge it (ticket-links.js) and run an
// approved fix on its machine (ticket-fix.js). A ticket filed from the software catalogue
// shows its request, approved or rejected there (ticket-request.js). Another employee's
// ticket is 404: "Ticket not found".

import { h, replace, messageArea, field } from '../dom.js';
import {
  timeNode, unixTimeNode, priorityLabel, levelLabel, dueText, formatBytes, ticketStatusLabel, highlight, plural,
} from '../format.js';
import { hd, uploadAttachment, ATTACHMENT_MAX } from './helpdesk-api.js';
import {
  isStaff, list, articleHref, ticketHref, statusBadge, slaState, slaBadge, flashArea, prose, radioGroup, textArea,
} from './helpdesk-parts.js';
import { workSection, resolveSection, articleFromResolution, replyForm, namedArticle } from './ticket-work.js';
import { linksSection } from './ticket-links.js';
import { fixSection } from './ticket-fix.js';
import { requestSection } from './ticket-request.js';

const dash = () => h('span', { class: 'muted' }, '—');

/** <dl class="props"> from [label, value] pairs; pairs whose value is undefined are left out. */
export function props(pairs) {
  return h('dl', { class: 'props' }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => h('div', { class: 'prop' },
    h('dt', null, k),
    h('dd', null, v === null || v === '' ? dash() : v))));
}

export async function render(container, ctx) {
  const n = ctx.sub[0];
  const staff = isStaff(ctx.user);
  const flash = flashArea();
  const heading = h('h1', { class: 'ticket-title' }, `Ticket #${n}`);
  const error = messageArea('alert');
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const back = h('p', { class: 'back' }, h('a', { href: '#/help-desk' }, staff ? 'The queue' : 'My tickets'));
  container.append(back, heading, flash.el, error.el, body);

  let ticket;
  try {
    ticket = (await hd.ticket(n)).ticket;
  } catch (err) {
    if (!container.isConnected) return undefined;
    if (err.status === 404) {
      heading.textContent = 'Ticket not found';
      document.title = 'Ticket not found · Ward';
    }
    replace(body, h('p', null, h('a', { href: '#/help-desk' }, 'Back to the help desk')));
    error.show(err.message);
    return undefined;
  }
  if (!container.isConnected) return undefined;

  const cleanups = [];
  const parts = [];
  const page = {
    ctx,
    staff,
    get ticket() { return ticket; },
    /** Fetch the ticket again and bring every part of the page up to date. */
    async refresh() {
      ticket = (await hd.ticket(n)).ticket;
      if (container.isConnected) show();
    },
    onCleanup: (fn) => cleanups.push(fn),
    /** A notice at the top of the page, with focus moved there (the part acted on may be gone). */
    notice(text) {
      flash.show(text);
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    },
  };
  const add = (part) => {
    parts.push(part);
    return part.el;
  };

  function show() {
    heading.textContent = `#${ticket.number} ${ticket.title}`;
    document.title = `#${ticket.number} ${ticket.title} · Help desk · Ward`;
    for (const p of parts) p.update(ticket);
  }

  // What happened first, then what to do about it.
  const sections = [add(summarySection(page)), add(requestSection(page)), add(resolutionSection(page)),
    add(conversationSection(page))];
  if (staff) {
    sections.push(add(workSection(page)), add(fixSection(page)), add(resolveSection(page)), add(linksSection(page)),
      add(attachmentsSection(page)));
  } else {
    sections.push(add(attachmentsSection(page)), add(suggestionsSection(page)), add(closeSection(page)));
  }
  replace(body, sections);
  show();
  return () => cleanups.forEach((fn) => fn());
}

/* ---- summary: fields, SLA, description ---- */

function summarySection(page) {
  const { staff } = page;
  const el = h('section', { class: 'card', 'aria-label': 'Summary' });
  function slaLine(t, clock) {
    const state = slaState(t, clock);
    const what = clock === 'response' ? 'First response' : 'Resolution';
    const badge = slaBadge(state, what);
    const due = clock === 'response' ? t.response_due_at : t.resolve_due_at;
    if (clock === 'response' && t.first_response_at) {
      return ['answered ', unixTimeNode(t.first_response_at), badge ? ' ' : null, badge];
    }
    if (due) return [unixTimeNode(due), h('span', { class: 'muted small' }, ` (${dueText(due)})`), badge ? ' ' : null, badge];
    const why = t.status === 'pending' ? 'paused: waiting on the requester'
      : t.status === 'resolved' || t.status === 'closed' ? 'stopped' : '—';
    return [h('span', { class: 'muted' }, why), badge ? ' ' : null, badge];
  }
  function update(t) {
    const rated = t.rating !== null && t.rating !== undefined;
    replace(el,
      h('p', { class: 'ticket-meta' },
        statusBadge(t.status, staff),
        staff ? h('span', null, `${priorityLabel(t.priority)} priority`) : null,
        staff ? h('span', null, `Tier ${t.tier}`) : null,
        staff && t.auto_escalated ? h('span', { class: 'muted small' }, 'escalated automatically') : null),
      props(staff ? [
        ['Requester', t.requester],
        ['Assigned to', t.assignee || h('span', { class: 'muted' }, 'nobody')],
        ['Impact / urgency', `${levelLabel(t.impact)} / ${levelLabel(t.urgency)}`],
        ['Machine', t.host ? h('a', { href: `#/machines/${encodeURIComponent(t.host)}` }, t.host) : null],
        ['Category', t.category || null],
        ['Tags', list(t.tags).length ? h('ul', { class: 'tags', 'aria-label': 'Tags' }, list(t.tags).map((x) => h('li', { class: 'tag' }, x))) : null],
        ['Opened', unixTimeNode(t.created_at)],
        ['Updated', unixTimeNode(t.updated_at)],
        ['First response due', slaLine(t, 'response')],
        ['Resolution due', slaLine(t, 'resolve')],
        ['Resolved', t.resolved_at ? unixTimeNode(t.resolved_at) : undefined],
        ['Closed', t.closed_at ? unixTimeNode(t.closed_at) : undefined],
        ['Rating', rated ? `${t.rating} of 5` : undefined],
        ['Linked tickets', list(t.links).length ? h('ul', { class: 'plain' }, list(t.links).map((l) => h('li', null,
          h('a', { href: ticketHref(l.number) }, `#${l.number} ${l.title}`), ' ', statusBadge(l.status)))) : undefined],
        ['Merged into', t.merged_into ? h('a', { href: ticketHref(t.merged_into) }, `#${t.merged_into}`) : undefined],
      ] : [
        ['Opened', unixTimeNode(t.created_at)],
        ['Updated', unixTimeNode(t.updated_at)],
        ['Handled by', t.assignee || h('span', { class: 'muted' }, 'not yet assigned')],
        ['Resolved', t.resolved_at ? unixTimeNode(t.resolved_at) : undefined],
        ['Closed', t.closed_at ? unixTimeNode(t.closed_at) : undefined],
      ]),
      h('h2', { class: 'subhead' }, 'Description'),
      prose(t.description || ''),
      staff && rated && t.rating_comment ? [h('h2', { class: 'subhead' }, 'The requester\'s comment on the rating'), prose(t.rating_comment)] : null);
  }
  return { el, update };
}

/* ---- the resolution, its rating, turning it into an article ---- */

function resolutionSection(page) {
  const { staff } = page;
  const shown = h('div');
  const cited = h('p', { class: 'cited', hidden: true });
  const el = h('section', { class: 'card card-resolution', 'aria-labelledby': 'ticket-resolution', hidden: true },
    h('h2', { id: 'ticket-resolution' }, 'Resolution'), shown, cited);
  const extra = staff ? articleFromResolution(page) : ratingForm(page);
  el.append(extra.el);
  let asked = 0;
  async function showCited(t) {
    const mine = ++asked;
    const [c, d] = await Promise.all([namedArticle(t.article), namedArticle(t.deflected_by)]);
    if (mine !== asked) return;
    cited.hidden = !c && !d;
    replace(cited,
      c ? ['The knowledge base has more: ', h('a', { href: articleHref(c) }, c.title), '. '] : null,
      d ? ['Closed because ', h('a', { href: articleHref(d) }, d.title), ' solved the problem.'] : null);
  }
  function update(t) {
    el.hidden = !t.resolution && !t.deflected_by;
    showCited(t);
    replace(shown, t.resolution ? prose(t.resolution, 'resolution-text') : null);
    extra.update(t);
  }
  return { el, update };
}

function ratingForm(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const current = h('p', { class: 'rating-current', hidden: true });
  const change = h('button', { type: 'button', class: 'button button-small', 'aria-expanded': 'false', hidden: true }, 'Change the rating');
  const stars = radioGroup('How did we do? (1 poor, 5 excellent)', 'rating',
    [[1, '1 (poor)'], [2, '2'], [3, '3'], [4, '4'], [5, '5 (excellent)']], null);
  const comment = textArea('Comment (optional)', { name: 'rating-comment', rows: '3', maxlength: '4096' });
  const send = h('button', { type: 'submit', class: 'button button-primary' }, 'Send the rating');
  const form = h('form', { class: 'form-stack rating-form', 'aria-label': 'Rate the help you got', hidden: true },
    stars.el, comment.el, h('div', { class: 'form-actions' }, send));
  let rated = false;

  change.addEventListener('click', () => {
    const open = form.hidden;
    form.hidden = !open;
    change.setAttribute('aria-expanded', String(open));
    if (open) stars.inputs[0].focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const value = Number(stars.value());
    if (!value) {
      error.show('Choose a rating from 1 to 5.');
      stars.inputs[0].focus();
      return;
    }
    send.disabled = true;
    try {
      await hd.rate(page.ticket.number, value, comment.input.value.trim());
      await page.refresh();
      notice.show('Thank you for the rating.');
      change.focus();
    } catch (err) {
      error.show(err.message);
    } finally {
      send.disabled = false;
    }
  });
  function update(t) {
    const ratable = t.status === 'resolved' || t.status === 'closed';
    rated = t.rating !== null && t.rating !== undefined;
    current.hidden = !rated;
    if (rated) {
      replace(current, `You rated it ${t.rating} of 5${t.rating_comment ? `: “${t.rating_comment}”` : '.'}`);
      stars.set(t.rating);
      comment.input.value = t.rating_comment || '';
    }
    change.hidden = !rated || !ratable;
    form.hidden = !ratable || rated;
    change.setAttribute('aria-expanded', 'false');
  }
  const el = h('div', { class: 'rating' }, h('h3', null, 'Your rating'), current, change, form, error.el, notice.el);
  return {
    el,
    update: (t) => {
      update(t);
      el.hidden = !(t.status === 'resolved' || t.status === 'closed');
    },
  };
}

/* ---- the conversation ---- */

const STATUS_WORDS = (s, staff) => ticketStatusLabel(s, staff).toLowerCase();

/** What an event did, in words. */
function eventText(e, staff) {
  const d = e.data && typeof e.data === 'object' ? e.data : {};
  switch (e.kind) {
    case 'create': return 'opened the ticket';
    case 'reply': return 'replied';
    case 'note': return 'added an internal note';
    case 'status': return `changed the status from ${STATUS_WORDS(d.from, staff)} to ${STATUS_WORDS(d.to, staff)}`;
    case 'resolve': return 'resolved the ticket';
    case 'assign': return d.assignee ? `assigned it to ${d.assignee}` : 'took the assignment away';
    case 'escalate': return `escalated it to tier ${d.to ?? 2}`;
    case 'deescalate': return `handed it back to tier ${d.to ?? 1}`;
    case 'priority': return `changed the priority from ${priorityLabel(d.from).toLowerCase()} to ${priorityLabel(d.to).toLowerCase()}`;
    case 'tags': return `changed the tags${list(d.added).length ? `: added ${list(d.added).join(', ')}` : ''}${list(d.removed).length ? `${list(d.added).length ? ';' : ':'} removed ${list(d.removed).join(', ')}` : ''}`;
    case 'update': return `changed the ${[d.title ? 'title' : null, d.category !== undefined && d.category !== null ? 'category' : null].filter(Boolean).join(' and ') || 'ticket'}`;
    case 'host': return d.host ? `set the machine to ${d.host}` : 'cleared the machine';
    case 'rate': return `rated it ${d.rating ?? '?'} of 5`;
    case 'sla': return `SLA: ${[d.response_breached ? 'first response breached' : d.response_at_risk ? 'first response at risk' : null,
      d.resolve_breached ? 'resolution breached' : d.resolve_at_risk ? 'resolution at risk' : null].filter(Boolean).join(', ') || 'checked'}`;
    case 'attach': return `attached ${d.filename || 'a file'}`;
    case 'article': return 'turned the resolution into a knowledge-base article';
    case 'merge': return d.into ? `merged it into #${d.into}` : `merged #${d.from} into this ticket`;
    case 'link': return `linked it to #${d.ticket}`;
    case 'unlink': return `unlinked #${d.ticket}`;
    case 'fix': return `queued the fix ${d.fix || ''} on ${d.host || 'the machine'}${d.job ? ` (job ${d.job})` : ''}`;
    default: return String(e.kind || '').replace(/[._]+/g, ' ');
  }
}

function timelineItem(e, staff) {
  const internal = e.public === false;
  const job = e.data && e.data.diagnostics_job;
  return h('li', { class: `event event-${String(e.kind || '').replace(/[^a-z]/g, '')}${internal ? ' event-internal' : ''}` },
    h('div', { class: 'event-head' },
      h('span', { class: 'strong' }, e.actor || 'someone'), ' ',
      h('span', null, eventText(e, staff)),
      internal ? h('span', { class: 'badge badge-internal' }, 'Internal') : null,
      h('span', { class: 'event-time' }, e.time ? timeNode(e.time) : null)),
    e.body ? prose(e.body, 'event-body') : null,
    job ? h('p', { class: 'muted small' }, 'Diagnostics queued on the machine: job ', h('span', { class: 'mono' }, String(job)), '.') : null);
}

function conversationSection(page) {
  const { staff } = page;
  const count = h('span', { class: 'count muted' });
  const timeline = h('ol', { class: 'ticket-timeline', 'aria-label': staff ? 'Timeline, oldest first' : 'Conversation, oldest first' });
  const reply = staff ? replyForm(page) : employeeReply(page);
  const closedNote = h('p', { class: 'muted', hidden: true }, 'This ticket is closed: it takes no more replies. If the problem comes back, open a new ticket.');
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-timeline' },
    h('div', { class: 'card-head' }, h('h2', { id: 'ticket-timeline' }, staff ? 'Timeline' : 'Conversation'), count),
    timeline, reply.el, closedNote);
  function update(t) {
    const events = list(t.timeline);
    count.textContent = plural(events.length, 'entry', 'entries');
    replace(timeline, events.map((e) => timelineItem(e, staff)));
    const closed = t.status === 'closed';
    reply.el.hidden = closed;
    closedNote.hidden = !closed;
    if (reply.update) reply.update(t);
  }
  return { el, update };
}

function employeeReply(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const text = textArea('Your reply', { name: 'reply', rows: '4' });
  const send = h('button', { type: 'submit', class: 'button button-primary' }, 'Send the reply');
  const form = h('form', { class: 'form-stack reply-form', 'aria-label': 'Reply' }, text.el, h('div', { class: 'form-actions' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const body = text.input.value.trim();
    if (!body) {
      error.show('Write something first.');
      text.input.focus();
      return;
    }
    send.disabled = true;
    try {
      await hd.comment(page.ticket.number, body, false);
      text.input.value = '';
      await page.refresh();
      notice.show('Reply sent.');
    } catch (err) {
      error.show(err.message);
    } finally {
      send.disabled = false;
    }
  });
  return { el: h('div', { class: 'reply' }, form, error.el, notice.el) };
}

/* ---- attachments ---- */

function attachmentsSection(page) {
  const error = messageArea('alert');
  const notice = messageArea('status');
  const items = h('ul', { class: 'attachments', 'aria-label': 'Attached files' });
  const empty = h('p', { class: 'empty' }, 'No files attached.');
  const input = h('input', { type: 'file', name: 'file' });
  const upload = h('button', { type: 'submit', class: 'button' }, 'Upload');
  const internal = page.staff ? h('input', { type: 'checkbox', name: 'attachment-internal' }) : null;
  const form = h('form', { class: 'form-grid upload-form', 'aria-label': 'Upload a file' },
    field('Attach a file', input, `At most ${formatBytes(ATTACHMENT_MAX)}: a screenshot, a log, an error message`),
    h('div', { class: 'form-actions' }, upload),
    internal ? h('label', { class: 'check check-tight form-wide' }, internal, h('span', null, 'Internal: only support staff see it')) : null);
  const uploaded = new Map(); // what this page uploaded, in case the ticket does not list it yet
  let current = [];

  function showList(t) {
    const byId = new Map(list(t.attachments).map((a) => [String(a.id), a]));
    for (const [id, a] of uploaded) if (!byId.has(id)) byId.set(id, a);
    current = [...byId.values()];
    empty.hidden = current.length > 0;
    replace(items, current.map((a) => h('li', { class: 'attachment' },
      h('a', { href: hd.attachmentHref(t.number, a.id), download: a.filename || '' }, a.filename || `file ${a.id}`),
      a.internal ? h('span', { class: 'badge badge-internal' }, 'Internal') : null,
      h('span', { class: 'muted small' }, ` ${formatBytes(a.size)}${a.content_type ? ` · ${a.content_type}` : ''}`,
        a.uploaded_by ? ` · from ${a.uploaded_by}` : '', a.created_at ? [', ', timeNode(a.created_at)] : null))));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.clear();
    notice.clear();
    const file = input.files && input.files[0];
    if (!file) {
      error.show('Choose a file first.');
      input.focus();
      return;
    }
    if (file.size > ATTACHMENT_MAX) {
      error.show(`'${file.name}' is ${formatBytes(file.size)}: files may be at most ${formatBytes(ATTACHMENT_MAX)}.`);
      return;
    }
    upload.disabled = true;
    try {
      const res = await uploadAttachment(page.ticket.number, file, { internal: Boolean(internal && internal.checked) });
      if (res && res.attachment) uploaded.set(String(res.attachment.id), res.attachment);
      input.value = '';
      if (internal) internal.checked = false;
      await page.refresh();
      notice.show(`Attached ${file.name}.`);
    } catch (err) {
      error.show(err.message);
    } finally {
      upload.disabled = false;
    }
  });

  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-files' },
    h('h2', { id: 'ticket-files' }, 'Attachments'), items, empty, form, error.el, notice.el);
  return {
    el,
    update(t) {
      showList(t);
      form.hidden = t.status === 'closed';
    },
  };
}

/* ---- the requester: articles that may help, closing ---- */

function suggestionsSection(page) {
  const error = messageArea('alert');
  const status = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const items = h('ul', { class: 'suggestions', 'aria-label': 'Articles that may help' });
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-suggest', hidden: true },
    h('h2', { id: 'ticket-suggest' }, 'Articles that may help'), status, items, error.el);
  let asked = null;

  async function close(article, button) {
    error.clear();
    button.disabled = true;
    try {
      await hd.updateTicket(page.ticket.number, { status: 'closed', deflected_by: article.id });
      await page.refresh();
      page.notice(`Closed #${page.ticket.number}: glad “${article.title}” helped.`);
    } catch (err) {
      error.show(err.message);
      button.disabled = false;
    }
  }

  async function load(t) {
    const q = `${t.title}\n${t.description || ''}`;
    if (asked === q) return;
    asked = q;
    try {
      const rows = list((await hd.kbSuggest(q.slice(0, 16384))).articles);
      if (!rows.length) {
        el.hidden = true;
        return;
      }
      status.textContent = rows.length === 1
        ? 'If this article solves the problem, you can close the ticket.'
        : `If one of these ${rows.length} articles solves the problem, you can close the ticket.`;
      replace(items, rows.map((a) => h('li', { class: 'suggestion' },
        h('a', { href: articleHref(a, { ticket: t.number }), class: 'strong' }, a.title),
        a.snippet ? h('p', { class: 'snippet small' }, highlight(a.snippet, '«', '»')) : null,
        h('button', {
          type: 'button',
          class: 'button button-small',
          'aria-label': `Close the ticket: “${a.title}” helped`,
          on: { click: (e) => close(a, e.currentTarget) },
        }, 'Close, this article helped'))));
      el.hidden = false;
    } catch {
      el.hidden = true; // suggestions are a help, not the page: no error for them
    }
  }

  return {
    el,
    update(t) {
      if (t.status === 'resolved' || t.status === 'closed') {
        el.hidden = true;
        return;
      }
      load(t);
    },
  };
}

function closeSection(page) {
  const error = messageArea('alert');
  const start = h('button', { type: 'button', class: 'button' }, 'Close the ticket…');
  const question = h('p', { class: 'strong', tabindex: '-1', id: 'ticket-close-question' }, 'Close this ticket?');
  const yes = h('button', { type: 'button', class: 'button button-primary' }, 'Yes, close it');
  const no = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const confirm = h('div', { class: 'confirm confirm-quiet', role: 'group', 'aria-labelledby': 'ticket-close-question', hidden: true },
    question,
    h('p', { class: 'small' }, 'A closed ticket takes no more replies; if the problem comes back, open a new one.'),
    h('div', { class: 'form-actions' }, yes, no));
  start.addEventListener('click', () => {
    confirm.hidden = false;
    start.hidden = true;
    question.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes.addEventListener('click', async () => {
    error.clear();
    yes.disabled = true;
    try {
      await hd.updateTicket(page.ticket.number, { status: 'closed' });
      await page.refresh();
      page.notice(`Closed #${page.ticket.number}.`);
    } catch (err) {
      error.show(err.message);
    } finally {
      yes.disabled = false;
    }
  });
  const el = h('section', { class: 'card', 'aria-labelledby': 'ticket-close' },
    h('h2', { id: 'ticket-close' }, 'Close the ticket'),
    h('p', null, 'Solved, or no longer needed? Close the ticket.'),
    h('div', { class: 'form-actions' }, start), confirm, error.el);
  return {
    el,
    update(t) {
      el.hidden = t.status === 'closed';
      confirm.hidden = true;
      start.hidden = false;
    },
  };
}
