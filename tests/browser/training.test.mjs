// training.test.mjs — the training pages. The story of a course: an admin builds it from two
// knowledge-base articles with a two-question quiz (one question with two right answers)
// and assigns it to the employee role with a due date; an employee finds it in "My
// training", reads both lessons (the articles through the safe renderer), fails the quiz
// once and passes it; the admin sees the completion and the score. Then: an assignment made
// overdue shows in the overdue list (and as "Overdue" for its person); editing sends only
// what changed and shows the server's 400; a change note for a program reaches the owner
// of the machine that has it; employees get no editor and "Course not found" for a course
// not theirs; 375 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setup, newPage, login, checkPage, eventually, apiFromPage, screenshot, addAgent } from './harness.mjs';

const ERIN = { name: 'erin', password: 'Erin-Strong-Passw0rd' };      // an employee
const FRANK = { name: 'frank', password: 'Frank-Strong-Passw0rd' };   // another employee
const COURSE = 'Security basics';
const LESSON1 = 'Passwords: use a password manager';
const LESSON2 = 'Phishing: check the sender';
const Q1 = 'Where do passwords belong?';
const Q2 = 'Which are signs of phishing?';

let env;
let courseId;
before(async () => {
  env = await setup();
  env.ward.addUser(ERIN.name, 'employee', ERIN.password);
  env.ward.addUser(FRANK.name, 'employee', FRANK.password);
  const article = (name, title, text) => {
    const file = path.join(env.ward.dir, name);
    writeFileSync(file, text);
    env.ward.cli(['kb', 'add', '--title', title, '--category', 'Security', '--file', file]);
  };
  article('passwords.md', LESSON1, 'Keep every password in a **password manager**, never on a sticky note.\n\n<script>window.pwned = 1</script>\n');
  article('phishing.md', LESSON2, 'Odd senders and *urgency* are signs of phishing.\n\n- Check the address\n- Ask when unsure\n');
});
after(async () => { await env?.teardown(); });

/** The rows of the table in a labelled region, as objects keyed by the column headers. */
function rowsOf(page, region) {
  return page.getByRole('region', { name: region, exact: true }).evaluate((el) => {
    const headers = [...el.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return [...el.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.children].map((td, i) => [headers[i], td.textContent.trim()])));
  });
}

const inDays = (days) => new Date(Date.now() + days * 86400e3).toISOString().slice(0, 10);
const apiResponse = (page, method, re) => page.waitForResponse((r) => r.request().method() === method && re.test(new URL(r.url()).pathname));

async function openTraining(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Training' }).click();
  await page.getByRole('heading', { level: 1, name: 'Training' }).waitFor();
}

test('the story of a course: built from two articles with a quiz, assigned to a role, read, failed once, passed, seen completed', async () => {
  /* -- the admin builds the course -- */
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const nav = admin.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: /^Training/ }).textContent(), 'Training', 'built: no "soon" badge');
  await openTraining(admin);
  await admin.getByText('No courses yet: create the first one.').waitFor();
  await admin.getByRole('link', { name: 'New course' }).click();
  await admin.getByRole('heading', { level: 1, name: 'New course' }).waitFor();
  const form = admin.getByRole('form', { name: 'New course' });
  await form.getByLabel('Title').fill(COURSE);
  await form.getByLabel('Description').fill('Ten minutes on passwords and phishing.\nRead both lessons.');

  // Lessons: found by a knowledge-base search, added, put in order.
  const find = form.getByLabel('Find an article to add');
  const found = form.getByRole('list', { name: 'Articles found' });
  await find.fill('phishing');
  await found.getByRole('button', { name: `Add “${LESSON2}”` }).click();
  await find.fill('password manager');
  await found.getByRole('button', { name: `Add “${LESSON1}”` }).click();
  const lessons = form.getByRole('list', { name: 'Lessons, in order' });
  const lessonTitles = () => lessons.locator('.lesson-edit-title').allTextContents();
  assert.deepEqual(await lessonTitles(), [LESSON2, LESSON1]);
  await lessons.getByRole('button', { name: `Move “${LESSON1}” up` }).click();
  assert.deepEqual(await lessonTitles(), [LESSON1, LESSON2]);
  assert.equal(await admin.evaluate(() => document.activeElement.getAttribute('aria-label')), `Move “${LESSON1}” down`,
    'focus stays with the moved lesson');
  await Promise.all([
    admin.waitForResponse((r) => r.url().includes('/api/v1/kb/search?') && new URL(r.url()).searchParams.get('q') === 'phishing'),
    find.fill('phishing'),
  ]);
  await found.locator('li', { hasText: LESSON2 }).getByText('Added').waitFor();
  assert.equal(await found.getByRole('button', { name: `Add “${LESSON2}”` }).count(), 0, 'an added article is not offered again');

  // The quiz: one right answer, then two.
  await form.getByRole('button', { name: 'Add a question' }).click();
  const q1 = form.getByRole('group', { name: 'Question 1' });
  assert.equal(await admin.evaluate(() => document.activeElement.name), 'q1-text', 'focus goes to the new question');
  await q1.getByLabel('Question', { exact: true }).fill(Q1);
  await q1.getByLabel('Option 1', { exact: true }).fill('A sticky note');
  await q1.getByLabel('Option 2', { exact: true }).fill('A password manager');
  await q1.getByLabel('Option 2 is correct').check();
  await form.getByRole('button', { name: 'Add a question' }).click();
  const q2 = form.getByRole('group', { name: 'Question 2' });
  await q2.getByLabel('Question', { exact: true }).fill(Q2);
  await q2.getByRole('button', { name: 'Add an option' }).click();
  await q2.getByLabel('Option 1', { exact: true }).fill('An odd sender');
  await q2.getByLabel('Option 2', { exact: true }).fill('Urgency');
  await q2.getByLabel('Option 3', { exact: true }).fill('Your own name');
  await q2.getByLabel('Option 1 is correct').check();
  await q2.getByLabel('Option 2 is correct').check();
  await form.getByLabel('Pass mark (%)').fill('100');

  const ids = {};
  for (const title of [LESSON1, LESSON2]) {
    ids[title] = (await apiFromPage(admin, 'GET', `/kb/search?q=${encodeURIComponent(title.split(':')[0])}`)).body.articles[0].id;
  }
  let [res] = await Promise.all([apiResponse(admin, 'POST', /^\/api\/v1\/courses$/), form.getByRole('button', { name: 'Create the course' }).click()]);
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), {
    title: COURSE,
    description: 'Ten minutes on passwords and phishing.\nRead both lessons.',
    lessons: [ids[LESSON1], ids[LESSON2]],
    quiz: [
      { text: Q1, options: ['A sticky note', 'A password manager'], correct: 1 },
      { text: Q2, options: ['An odd sender', 'Urgency', 'Your own name'], correct: [0, 1] },
    ],
    pass_mark: 100,
  });
  courseId = (await res.json()).course.id;
  await admin.getByRole('heading', { level: 1, name: COURSE }).waitFor();
  assert.match(admin.url(), new RegExp(`#/training/${courseId}$`));
  await admin.getByRole('status').filter({ hasText: `Created “${COURSE}”.` }).waitFor();
  // An admin not taking it sees the right answers.
  const preview = admin.getByRole('list', { name: 'Questions and right answers' });
  assert.match(await preview.locator('li.quiz-right').first().textContent(), /A password manager/);
  assert.equal(await preview.locator('li.quiz-right').count(), 3);

  // Assigned to the employee role, due in 14 days.
  const assign = admin.getByRole('form', { name: 'Assign the course' });
  await assign.getByLabel(/^Assign to/).selectOption('role');
  assert.equal(await assign.getByLabel(/^Person/).isVisible(), false, 'only the chosen target\'s field shows');
  await assign.getByLabel(/^Role/).selectOption('employee');
  const due = inDays(14);
  await assign.getByLabel('Due date').fill(due);
  [res] = await Promise.all([apiResponse(admin, 'POST', /\/assign$/), assign.getByRole('button', { name: 'Assign' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { role: 'employee', due });
  await admin.getByRole('status').filter({ hasText: 'Assigned to erin, frank.' }).waitFor();
  const progress = admin.getByRole('list', { name: 'Progress' });
  await eventually(async () => assert.match(await progress.textContent(), /2Assigned/));
  await eventually(async () => assert.deepEqual((await rowsOf(admin, 'People who have the course')).map((r) => [r.Person, r.Status, r.Assigned]),
    [['erin', 'Assigned', 'Role employee'], ['frank', 'Assigned', 'Role employee']]));

  /* -- the employee: My training, the lessons, the quiz -- */
  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  await openTraining(erin);
  await erin.getByRole('region', { name: 'My courses', exact: true }).waitFor();
  let mine = await rowsOf(erin, 'My courses');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].Course, COURSE);
  assert.equal(mine[0].Status, 'Assigned');
  assert.equal(mine[0].Lessons, '0 of 2 lessons read');
  assert.match(mine[0].Due, /in 1[34] days/);
  assert.equal(await erin.getByRole('region', { name: 'All courses', exact: true }).count(), 0, 'employees see no course list');
  assert.equal(await erin.getByRole('link', { name: 'New course' }).count(), 0);

  await erin.getByRole('link', { name: COURSE }).click();
  await erin.getByRole('heading', { level: 1, name: COURSE }).waitFor();
  await erin.getByText('Read every lesson first: 0 of 2 lessons read.').waitFor();
  assert.equal(await erin.getByRole('form', { name: 'Quiz' }).isVisible(), false, 'the quiz waits for the lessons');
  assert.equal(await erin.getByRole('region', { name: 'Assign' }).count(), 0);
  assert.ok(!(await erin.locator('main').textContent()).includes('Right answer'), 'employees never see the answers');
  assert.match(await erin.getByRole('region', { name: 'Summary' }).textContent(), /Ten minutes on passwords and phishing\.\nRead both lessons\./);

  // Lesson 1: the article, rendered safely; marked read.
  await erin.getByRole('link', { name: `Start: ${LESSON1}` }).click();
  await erin.getByRole('heading', { level: 1, name: LESSON1 }).waitFor();
  await erin.getByText('Lesson 1 of 2').waitFor();
  const article = erin.getByRole('article');
  assert.equal(await article.locator('strong').textContent(), 'password manager');
  assert.equal(await article.locator('script').count(), 0);
  assert.equal(await erin.evaluate(() => window.pwned), undefined);
  [res] = await Promise.all([apiResponse(erin, 'POST', /\/lessons\/1\/read$/), erin.getByRole('button', { name: 'Mark as read' }).click()]);
  assert.equal(res.status(), 200);
  await erin.getByRole('status').filter({ hasText: 'Marked as read.' }).waitFor();
  const next = erin.getByRole('link', { name: `Next lesson: ${LESSON2}` });
  assert.equal(await next.evaluate((el) => el === document.activeElement), true, 'focus moves to what comes next');
  await next.click();

  // Lesson 2: the last one opens the quiz.
  await erin.getByRole('heading', { level: 1, name: LESSON2 }).waitFor();
  assert.equal(await erin.getByRole('article').locator('li').count(), 2);
  [res] = await Promise.all([apiResponse(erin, 'POST', /\/lessons\/2\/read$/), erin.getByRole('button', { name: 'Mark as read' }).click()]);
  await erin.getByRole('status').filter({ hasText: 'Every lesson is read: the quiz is open.' }).waitFor();
  await erin.getByRole('link', { name: 'Take the quiz' }).click();
  const quiz = erin.getByRole('form', { name: 'Quiz' });
  await quiz.waitFor();
  assert.equal(await erin.evaluate(() => document.activeElement.id), 'tr-quiz', 'the quiz heading has focus');
  await erin.getByRole('list', { name: 'Lessons' }).getByText('Read', { exact: true }).first().waitFor();
  assert.equal(await erin.getByRole('list', { name: 'Lessons' }).locator('.badge-read').count(), 2);

  // Unanswered: said in the page, nothing sent.
  await quiz.getByRole('button', { name: 'Submit the answers' }).click();
  await erin.getByRole('alert').filter({ hasText: 'Answer question 1 first.' }).waitFor();

  // Failed once.
  await quiz.getByRole('group', { name: Q1 }).getByLabel('A sticky note').check();
  await quiz.getByRole('group', { name: Q2 }).getByLabel('An odd sender').check();
  [res] = await Promise.all([apiResponse(erin, 'POST', /\/quiz$/), quiz.getByRole('button', { name: 'Submit the answers' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { answers: [0, [0]] });
  const result = erin.locator('.quiz-result');
  await eventually(async () => assert.match(await result.textContent(), /^Not passed/));
  assert.match(await result.textContent(), /Your score: 0% \(0 of 2 right; the pass mark is 100%\)\. 9 attempts left/);
  assert.match(await erin.getByRole('region', { name: 'Summary' }).textContent(), /Attempts left9/);

  // Passed at the second attempt: the answers she kept, corrected.
  await quiz.getByRole('group', { name: Q1 }).getByLabel('A password manager').check();
  await quiz.getByRole('group', { name: Q2 }).getByLabel('Urgency').check();
  [res] = await Promise.all([apiResponse(erin, 'POST', /\/quiz$/), quiz.getByRole('button', { name: 'Submit the answers' }).click()]);
  assert.deepEqual(res.request().postDataJSON(), { answers: [1, [0, 1]] });
  await eventually(async () => assert.match(await result.textContent(), /^Passed/));
  assert.match(await result.textContent(), /100% \(2 of 2 right; the pass mark is 100%\)\. The course is complete\./);
  assert.equal(await quiz.isVisible(), false, 'a passed quiz is not offered again');
  await erin.getByText('You passed with 100%.').waitFor();
  assert.equal(await erin.locator('.course-meta .badge-training').textContent(), 'Completed');

  await openTraining(erin);
  await erin.getByRole('region', { name: 'My courses', exact: true }).waitFor();
  mine = await rowsOf(erin, 'My courses');
  assert.deepEqual([mine[0].Status, mine[0].Lessons, mine[0].Score], ['Completed', '2 of 2 lessons read', '100%']);

  /* -- the admin sees the completion and the score -- */
  await admin.reload();
  await admin.getByRole('heading', { level: 1, name: COURSE }).waitFor();
  await eventually(async () => assert.match(await admin.getByRole('list', { name: 'Progress' }).textContent(), /1Completed.*100%Average score/));
  await eventually(async () => {
    const erinRow = (await rowsOf(admin, 'People who have the course')).find((r) => r.Person === 'erin');
    assert.deepEqual([erinRow.Status, erinRow.Score, erinRow.Attempts], ['Completed', '100%', '2']);
  });
  await openTraining(admin);
  await admin.getByRole('region', { name: 'All courses', exact: true }).waitFor();
  const row = (await rowsOf(admin, 'All courses')).find((r) => r.Course === COURSE);
  assert.deepEqual([row.Lessons, row.Questions, row.Assigned, row.Completed, row.Overdue, row['Average score']],
    ['2', '2', '2', '1', '0', '100%']);

  for (const p of [erin, admin]) {
    checkPage(p);
    await p.context().close();
  }
});

test('an overdue assignment shows in the overdue list, in the course\'s progress and for its person', async () => {
  assert.ok(courseId, 'the story made a course');
  // Frank's assignment, due in 14 days, was due two days ago.
  env.ward.sql(`UPDATE training_assignments SET due_at = CAST(strftime('%s', 'now') AS INTEGER) - 2 * 86400
    WHERE user_name = 'frank' AND course_id = ${courseId};`);

  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const [res] = await Promise.all([
    admin.waitForResponse((r) => r.url().includes('/api/v1/training/assignments?')),
    openTraining(admin),
  ]);
  assert.equal(new URL(res.url()).searchParams.get('status'), 'overdue');
  await admin.getByRole('region', { name: 'Overdue assignments', exact: true }).waitFor();
  const overdue = await rowsOf(admin, 'Overdue assignments');
  assert.equal(overdue.length, 1, JSON.stringify(overdue));
  assert.equal(overdue[0].Person, 'frank');
  assert.equal(overdue[0].Course, COURSE);
  assert.match(overdue[0]['Was due'], /\(2 days 0 h ago\)|\(1 day 23 h ago\)/);
  const row = (await rowsOf(admin, 'All courses')).find((r) => r.Course === COURSE);
  assert.equal(row.Overdue, '1');
  await admin.getByRole('region', { name: 'Overdue assignments', exact: true }).getByRole('link', { name: COURSE }).click();
  await admin.getByRole('heading', { level: 1, name: COURSE }).waitFor();
  await admin.getByRole('region', { name: 'People who have the course', exact: true }).waitFor();
  // A due date in the past is refused by the server, and said next to the form.
  const assign = admin.getByRole('form', { name: 'Assign the course' });
  await assign.getByLabel(/^Person/).selectOption('frank');
  await assign.getByLabel('Due date').fill('2020-01-01');
  const [refused] = await Promise.all([apiResponse(admin, 'POST', /\/assign$/), assign.getByRole('button', { name: 'Assign' }).click()]);
  assert.equal(refused.status(), 400);
  await admin.getByRole('region', { name: 'Assign' }).getByRole('alert').filter({ hasText: 'due date \'2020-01-01\' is not in the future' }).waitFor();
  await admin.getByRole('form', { name: 'Filter the people' }).getByLabel(/^Status/).selectOption('overdue');
  await eventually(async () => assert.deepEqual((await rowsOf(admin, 'People who have the course')).map((r) => [r.Person, r.Status]), [['frank', 'Overdue']]));
  checkPage(admin);
  await admin.context().close();

  const frank = await newPage(env.browser);
  await login(frank, env.ward, FRANK.name, FRANK.password);
  await openTraining(frank);
  await frank.getByRole('region', { name: 'My courses', exact: true }).waitFor();
  const mine = await rowsOf(frank, 'My courses');
  assert.equal(mine[0].Status, 'Overdue');
  assert.match(mine[0].Due, /ago/);
  checkPage(frank);
  await frank.context().close();
});

test('editing sends only what changed, and the server\'s 400 shows in the form', async () => {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  await admin.goto(`${env.ward.url}/#/training/${courseId}`);
  await admin.getByRole('link', { name: 'Edit the course' }).click();
  await admin.getByRole('heading', { level: 1, name: `Edit: ${COURSE}` }).waitFor();
  const form = admin.getByRole('form', { name: 'Edit the course' });
  assert.equal(await form.getByRole('group', { name: 'Question 2' }).getByLabel('Option 2 is correct').isChecked(), true, 'the right answers are loaded');

  // An empty option: the server's message, as it is.
  await form.getByRole('group', { name: 'Question 1' }).getByRole('button', { name: 'Add an option' }).click();
  let [res] = await Promise.all([apiResponse(admin, 'PATCH', /\/courses\/\d+$/), form.getByRole('button', { name: 'Save the course' }).click()]);
  assert.equal(res.status(), 400);
  const alert = form.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /question 1/);
  await form.getByRole('button', { name: 'Remove option 3 of question 1' }).click();

  // Lessons swapped and the pass mark lowered: only those two are sent.
  await form.getByRole('list', { name: 'Lessons, in order' }).getByRole('button', { name: `Move “${LESSON2}” up` }).click();
  await form.getByLabel('Pass mark (%)').fill('50');
  const lessons = (await apiFromPage(admin, 'GET', `/courses/${courseId}`)).body.course.lessons.map((l) => l.article_id);
  [res] = await Promise.all([apiResponse(admin, 'PATCH', /\/courses\/\d+$/), form.getByRole('button', { name: 'Save the course' }).click()]);
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { lessons: [lessons[1], lessons[0]], pass_mark: 50 });
  await admin.getByRole('heading', { level: 1, name: COURSE }).waitFor();
  await admin.getByRole('status').filter({ hasText: `Saved “${COURSE}”.` }).waitFor();
  assert.deepEqual(await admin.getByRole('list', { name: 'Lessons' }).getByRole('link').allTextContents(), [LESSON2, LESSON1]);
  checkPage(admin);
  await admin.context().close();
});

test('a change note for a program reaches the owner of the machine that has it', async () => {
  const agent = addAgent(env.ward, 'debian12'); // the fixture's machine is db01, with curl installed
  agent.report();
  env.ward.cli(['host', 'set', 'db01', '--owner', FRANK.name]);

  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  await openTraining(admin);
  await admin.getByRole('link', { name: 'Publish a change note' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Publish a change note' }).waitFor();
  const form = admin.getByRole('form', { name: 'Change note' });
  await form.getByLabel('Program (package name)').fill('curl');
  await form.getByLabel('Title').fill('curl 8: what changed');
  await form.getByLabel('Due in (days)').fill('10');
  await form.getByLabel('What changed (Markdown)').fill('curl now **refuses** plain HTTP redirects.\n\n<img src=x onerror="window.pwned=1">');
  const preview = admin.getByRole('region', { name: 'Preview' });
  await eventually(async () => assert.equal(await preview.locator('strong').textContent(), 'refuses'));
  assert.equal(await preview.locator('img').count(), 0);
  const [res] = await Promise.all([apiResponse(admin, 'POST', /\/training\/notices$/), form.getByRole('button', { name: 'Publish the change note' }).click()]);
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), {
    package: 'curl', title: 'curl 8: what changed', text: 'curl now **refuses** plain HTTP redirects.\n\n<img src=x onerror="window.pwned=1">', due_days: 10,
  });
  await admin.getByRole('heading', { level: 1, name: 'curl 8: what changed' }).waitFor();
  await admin.getByRole('status').filter({ hasText: 'Published “curl 8: what changed” for curl: assigned to 1 person (frank).' }).waitFor();
  assert.equal(await admin.locator('.course-meta .badge-notice').textContent(), 'Change note: curl');
  checkPage(admin);
  await admin.context().close();

  const frank = await newPage(env.browser);
  await login(frank, env.ward, FRANK.name, FRANK.password);
  await openTraining(frank);
  await frank.getByRole('region', { name: 'My courses', exact: true }).waitFor();
  const row = (await rowsOf(frank, 'My courses')).find((r) => r.Course === 'curl 8: what changed');
  assert.ok(row, 'the note is in his training');
  assert.match(row.Due, /in (9|10) days/);
  await frank.getByRole('link', { name: 'curl 8: what changed' }).click();
  await frank.getByRole('link', { name: 'Start: curl 8: what changed' }).click();
  await frank.getByRole('article').locator('strong').filter({ hasText: 'refuses' }).waitFor();
  assert.equal(await frank.evaluate(() => window.pwned), undefined);
  await frank.getByRole('button', { name: 'Mark as read' }).click();
  await frank.getByRole('status').filter({ hasText: 'That was the last lesson: the course is complete.' }).waitFor();
  checkPage(frank);
  await frank.context().close();
});

test('employees get no editor and no change notes, and "Course not found" for a course not theirs', async () => {
  const admin = await newPage(env.browser);
  await login(admin, env.ward);
  const { body } = await apiFromPage(admin, 'POST', '/courses', { title: 'For admins only', lessons: [1] });
  await admin.context().close();

  const erin = await newPage(env.browser);
  await login(erin, env.ward, ERIN.name, ERIN.password);
  const asked = [];
  erin.on('request', (r) => { if (r.method() !== 'GET' && r.url().includes('/api/v1/')) asked.push(r.url()); });
  await erin.goto(`${env.ward.url}/#/training/new`);
  await erin.getByText('Courses are made by administrators.').waitFor();
  assert.equal(await erin.locator('main form').count(), 0);
  await erin.goto(`${env.ward.url}/#/training/notice`);
  await erin.getByText('Change notes are published by administrators.').waitFor();
  await erin.goto(`${env.ward.url}/#/training/${body.course.id}`);
  await erin.getByRole('heading', { level: 1, name: 'Course not found' }).waitFor();
  assert.match(await erin.getByRole('alert').textContent(), /course/);
  assert.equal(await erin.getByText('For admins only').count(), 0);
  await erin.goto(`${env.ward.url}/#/training/${courseId}/nonsense`);
  await erin.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  assert.deepEqual(asked, []);
  checkPage(erin);
  await erin.context().close();
});

test('at 375 px the training pages do not scroll sideways; screenshots', async () => {
  const page = await newPage(env.browser, { width: 375, height: 740 });
  await login(page, env.ward);
  for (const where of ['training', `training/${courseId}`, `training/${courseId}/lessons/1`, `training/${courseId}/edit`, 'training/notice']) {
    await page.goto(`${env.ward.url}/#/${where}`);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${where} fits: ${width}`);
    await screenshot(page, `training-375-${where.replace(/\//g, '-')}`);
  }
  checkPage(page);
  await page.context().close();

  const erin = await newPage(env.browser, { width: 375, height: 740 });
  await login(erin, env.ward, ERIN.name, ERIN.password);
  for (const where of ['training', `training/${courseId}`]) {
    await erin.goto(`${env.ward.url}/#/${where}`);
    await erin.locator('main h1').waitFor();
    await erin.waitForLoadState('networkidle');
    assert.ok(await erin.evaluate(() => document.documentElement.scrollWidth) <= 375, `${where} fits for an employee`);
    await screenshot(erin, `training-375-employee-${where.replace(/\//g, '-')}`);
  }
  checkPage(erin);
  await erin.context().close();
});
