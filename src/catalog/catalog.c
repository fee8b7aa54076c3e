/*
 * catalog.c: the software catalogue's rules: what an item holds and who may request
 * it, a request's life (pending, installing, installed, failed, rejected) and how each
 * step shows in the request's help-desk ticket.
 */
#include "catalog/catalog.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "catalog/catalog_store.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "hosts/hosts.h"
#include "jobs/jobs.h"

#define NOTE_OUTPUT_MAX 16384 /* bytes of an install's output copied into a note */

static const struct actor system_actor = {.user_id = 0, .name = "system", .role = ROLE_ADMIN};

static bool is_staff(const struct actor *a)
{
	return a->role >= ROLE_SUPPORT;
}

int catalog_check_package(const char *name, const char *version)
{
	/* Debian policy 5.6.1 and 5.6.12; an arch qualifier is not taken. */
	size_t n = name ? strlen(name) : 0;
	if (n < 2 || n > CATALOG_PACKAGE_NAME_MAX ||
	    (!islower((unsigned char)name[0]) && !isdigit((unsigned char)name[0])) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789+-.") != n)
		return err_set(
		    -EINVAL,
		    "package name '%.64s' is not valid: 2 to %d of a-z 0-9 + - ., starting with a letter or digit",
		    name ? name : "", CATALOG_PACKAGE_NAME_MAX);
	if (!version)
		return 0;
	n = strlen(version);
	if (n < 1 || n > CATALOG_VERSION_MAX || !isalnum((unsigned char)version[0]) ||
	    strspn(version, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+~:-") != n)
		return err_set(-EINVAL, "version '%.64s' of '%s' is not a Debian version", version, name);
	return 0;
}

static int check_text(const char *what, const char *v, size_t max, bool required, bool multiline)
{
	if (!v || !*v)
		return required ? err_set(-EINVAL, "%s is required", what) : 0;
	if (strlen(v) > max)
		return err_set(-E2BIG, "%s is longer than %zu bytes", what, max);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r'))) || *p == 0x7f)
			return err_set(-EINVAL, "%s holds a control character", what);
	return 0;
}

static int check_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 1 || n > CATALOG_NAME_MAX || !isalnum((unsigned char)name[0]) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.+") != n)
		return err_set(-EINVAL,
			       "a catalogue item is named with 1 to %d of a-z 0-9 - _ . +, starting with a letter "
			       "or digit",
			       CATALOG_NAME_MAX);
	return 0;
}

/* The packages as given ("pkg", "pkg=version" or {"name", "version"?}) as a new array
 * of {"name", "version"?}. */
static int packages_normalise(const json_t *in, json_t **ret)
{
	size_t i;
	json_t *v, *out;
	int r = 0;
	if (!json_is_array(in) || json_array_size(in) < 1 || json_array_size(in) > CATALOG_PACKAGES_MAX)
		return err_set(-EINVAL, "packages must be a list of 1 to %d Debian package names",
			       CATALOG_PACKAGES_MAX);
	if (!(out = json_array()))
		return -ENOMEM;
	json_array_foreach(in, i, v)
	{
		char name[CATALOG_PACKAGE_NAME_MAX + 2];
		const char *version = NULL;
		if (json_is_string(v)) {
			const char *t = json_string_value(v), *eq = strchr(t, '=');
			size_t n = eq ? (size_t)(eq - t) : strlen(t);
			snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) - 1 ? n : sizeof(name) - 1), t);
			version = eq ? eq + 1 : NULL;
		} else if (json_is_object(v)) {
			static const char *const fields[] = {"name", "version", NULL};
			const char *nm;
			if ((r = json_check_fields(v, fields)) < 0 ||
			    (r = json_get_string(v, "name", true, CATALOG_PACKAGE_NAME_MAX + 1, &nm)) < 0 ||
			    (r = json_get_string(v, "version", false, CATALOG_VERSION_MAX + 1, &version)) < 0)
				break;
			snprintf(name, sizeof(name), "%s", nm);
		} else {
			r = err_set(-EINVAL, "a package is a name, name=version, or {\"name\", \"version\"}");
			break;
		}
		if ((r = catalog_check_package(name, version)) < 0)
			break;
		for (size_t k = 0; k < json_array_size(out); k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(out, k), "name")), name) == 0)
				r = err_set(-EINVAL, "package '%s' is named twice", name);
		if (r < 0)
			break;
		json_array_append_new(out, json_pack("{s:s, s:s*}", "name", name, "version", version));
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* Owns the text of a catalog_row. */
struct row_text {
	struct catalog_row row;
	char *packages, *users;
	json_t *merged; /* the item's fields after the change */
};

static void row_text_release(struct row_text *t)
{
	free(t->packages);
	free(t->users);
	json_decref(t->merged);
}

/* old (or NULL) with the fields of in applied, checked, as a row. */
static int item_build(const json_t *old, const json_t *in, bool create, struct row_text *t)
{
	static const char *const create_fields[] = {
	    "name", "description", "packages", "allow", "allow_role", "allow_users", "approval", "approver_role", NULL};
	const char *const *fields = create ? create_fields : create_fields + 1;
	json_t *m, *pk = NULL;
	int r;
	memset(t, 0, sizeof(*t));
	if (!json_is_object(in))
		return err_set(-EINVAL, "an item's fields must be an object");
	if ((r = json_check_fields(in, fields)) < 0)
		return r;
	m = old ? json_deep_copy(old)
		: json_pack("{s:s, s:n, s:n, s:b, s:s}", "allow", "all", "allow_role", "allow_users", "approval", 1,
			    "approver_role", "support");
	if (!m)
		return -ENOMEM;
	json_object_update(m, (json_t *)in);
	t->merged = m;
	/* "allow" decides which of allow_role / allow_users count; the other is dropped. */
	const char *name, *desc, *allow, *role = NULL, *approver;
	if ((r = json_get_string(m, "name", true, CATALOG_NAME_MAX + 1, &name)) < 0 || (r = check_name(name)) < 0 ||
	    (r = json_get_string(m, "description", true, CATALOG_DESCRIPTION_MAX + 1, &desc)) < 0 ||
	    (r = check_text("description", desc, CATALOG_DESCRIPTION_MAX, true, true)) < 0 ||
	    (r = json_get_string(m, "allow", true, 16, &allow)) < 0 ||
	    (r = json_get_string(m, "approver_role", true, 16, &approver)) < 0)
		return r;
	if (!json_is_boolean(json_object_get(m, "approval")))
		return err_set(-EINVAL, "field 'approval' must be true or false");
	if (strcmp(approver, "support") != 0 && strcmp(approver, "admin") != 0)
		return err_set(-EINVAL, "approver_role must be support or admin");
	if ((r = packages_normalise(json_object_get(m, "packages"), &pk)) < 0)
		return r;
	json_object_set_new(m, "packages", pk);
	if (strcmp(allow, "all") == 0) {
		json_object_set_new(m, "allow_role", json_null());
		json_object_set_new(m, "allow_users", json_null());
	} else if (strcmp(allow, "role") == 0) {
		enum role rl;
		if ((r = json_get_string(m, "allow_role", true, 16, &role)) < 0)
			return err_set(-EINVAL, "allow 'role' needs allow_role (employee, support or admin)");
		if ((r = role_parse(role, &rl)) < 0)
			return r;
		json_object_set_new(m, "allow_users", json_null());
	} else if (strcmp(allow, "users") == 0) {
		json_t *u = json_object_get(m, "allow_users"), *v;
		size_t i;
		if (!json_is_array(u) || json_array_size(u) < 1 || json_array_size(u) > CATALOG_USERS_MAX)
			return err_set(-EINVAL, "allow 'users' needs allow_users: 1 to %d user names",
				       CATALOG_USERS_MAX);
		json_array_foreach(u, i,
				   v) if (!json_is_string(v) ||
					  (r = accounts_check_name("user name", json_string_value(v))) < 0) return r < 0
		    ? r
		    : err_set(-EINVAL, "allow_users holds a non-string");
		json_object_set_new(m, "allow_role", json_null());
	} else {
		return err_set(-EINVAL, "allow must be all, role or users");
	}
	t->packages = json_canonical(json_object_get(m, "packages"));
	if (strcmp(allow, "users") == 0)
		t->users = json_canonical(json_object_get(m, "allow_users"));
	if (!t->packages || (strcmp(allow, "users") == 0 && !t->users))
		return -ENOMEM;
	t->row = (struct catalog_row){.name = name,
				      .description = desc,
				      .packages = t->packages,
				      .allow = allow,
				      .allow_role = role,
				      .allow_users = t->users,
				      .approval = json_is_true(json_object_get(m, "approval")),
				      .approver_role = approver};
	return 0;
}

/* The fields an item carries in its log entries. */
static json_t *item_log(const json_t *item)
{
	return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "packages", json_object_get(item, "packages"), "allow",
			 json_object_get(item, "allow"), "allow_role", json_object_get(item, "allow_role"),
			 "allow_users", json_object_get(item, "allow_users"), "approval",
			 json_object_get(item, "approval"), "approver_role", json_object_get(item, "approver_role"));
}

int catalog_item_add(struct store *s, const struct actor *a, const json_t *fields, json_t **ret)
{
	struct row_text t;
	char object[96];
	int64_t id = 0;
	int r;
	if (a->role < ROLE_ADMIN)
		return err_set(-EPERM, "only admins change the catalogue");
	if ((r = item_build(NULL, fields, true, &t)) < 0)
		goto out;
	snprintf(object, sizeof(object), "catalog:%s", t.row.name);
	if ((r = store_tx_begin(s)) < 0)
		goto out;
	if ((r = catalog_store_item_insert(s, &t.row, a->name, time_now(), &id)) == 0) {
		json_t *d = item_log(t.merged);
		r = actlog_append(s, a->name, "catalog.add", object, d);
		json_decref(d);
	}
	if ((r = store_tx_end(s, r)) == 0)
		r = catalog_store_item_get(s, t.row.name, ret);
out:
	row_text_release(&t);
	return r;
}

int catalog_item_edit(struct store *s, const struct actor *a, const char *name, const json_t *changes, json_t **ret)
{
	struct row_text t = {0};
	json_t *old = NULL;
	char object[96];
	int r;
	if (a->role < ROLE_ADMIN)
		return err_set(-EPERM, "only admins change the catalogue");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = catalog_store_item_get(s, name, &old)) < 0 || (r = item_build(old, changes, false, &t)) < 0)
		goto end;
	snprintf(object, sizeof(object), "catalog:%s", t.row.name);
	if ((r = catalog_store_item_update(s, json_integer_value(json_object_get(old, "id")), &t.row, time_now())) ==
	    0) {
		json_t *d = item_log(t.merged);
		json_object_set_new(d, "changed", json_deep_copy(changes));
		r = actlog_append(s, a->name, "catalog.edit", object, d);
		json_decref(d);
	}
end:
	if ((r = store_tx_end(s, r)) == 0)
		r = catalog_store_item_get(s, t.row.name, ret);
	json_decref(old);
	row_text_release(&t);
	return r;
}

int catalog_item_remove(struct store *s, const struct actor *a, const char *name)
{
	json_t *old = NULL;
	char object[96];
	int r;
	if (a->role < ROLE_ADMIN)
		return err_set(-EPERM, "only admins change the catalogue");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = catalog_store_item_get(s, name, &old)) == 0 &&
	    (r = catalog_store_item_remove(s, json_integer_value(json_object_get(old, "id")), time_now())) == 0) {
		snprintf(object, sizeof(object), "catalog:%s", name);
		r = actlog_append(s, a->name, "catalog.remove", object, NULL);
	}
	json_decref(old);
	return store_tx_end(s, r);
}

/* Whether the item is offered to the user with this name and role. */
static bool offered_to(const json_t *item, const char *name, enum role role)
{
	const char *allow = json_string_value(json_object_get(item, "allow"));
	if (!allow || strcmp(allow, "all") == 0)
		return true;
	if (strcmp(allow, "role") == 0) {
		enum role need;
		const char *rn = json_string_value(json_object_get(item, "allow_role"));
		return rn && role_parse(rn, &need) == 0 && role >= need;
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(item, "allow_users"), i,
			   v) if (name && strcmp(json_string_value(v), name) == 0) return true;
	return false;
}

int catalog_item_get(struct store *s, const struct actor *a, const char *name, json_t **ret)
{
	json_t *item;
	int r = catalog_store_item_get(s, name, &item);
	if (r < 0)
		return r;
	if (!is_staff(a) && !offered_to(item, a->name, a->role)) {
		json_decref(item);
		return err_set(-ENOENT, "catalogue item '%.64s' does not exist", name);
	}
	*ret = item;
	return 0;
}

int catalog_item_list(struct store *s, const struct actor *a, json_t **ret)
{
	json_t *all = json_array(), *out, *v;
	size_t i;
	int r;
	if (!all)
		return -ENOMEM;
	if ((r = catalog_store_item_list(s, all)) < 0 || is_staff(a)) {
		if (r < 0)
			json_decref(all);
		else
			*ret = all;
		return r;
	}
	out = json_array();
	json_array_foreach(all, i, v) if (offered_to(v, a->name, a->role)) json_array_append(out, v);
	json_decref(all);
	*ret = out;
	return out ? 0 : -ENOMEM;
}

int catalog_machines(struct store *s, const char *user, json_t **ret)
{
	json_t *out = json_array();
	int r = out ? catalog_store_owned_hosts(s, user, out) : -ENOMEM;
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* --- requests --- */

/* "pkg 1.0, other" from [{"name", "version"?}]. */
static void packages_text(const json_t *pk, char *out, size_t size)
{
	size_t i, n = 0;
	json_t *v;
	out[0] = '\0';
	json_array_foreach(pk, i, v)
	{
		const char *ver = json_string_value(json_object_get(v, "version"));
		int k = snprintf(out + n, size - n, "%s%s%s%s", i ? ", " : "",
				 json_string_value(json_object_get(v, "name")), ver ? " " : "", ver ? ver : "");
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
	}
}

static int request_log(struct store *s, const char *actor, const char *action, int64_t id, json_t *data)
{
	char object[48];
	snprintf(object, sizeof(object), "catalog-request:%lld", (long long)id);
	int r = actlog_append(s, actor, action, object, data);
	json_decref(data);
	return r;
}

/* Queues the request's install job and says so in its ticket, as actor. */
static int queue_install(struct store *s, const struct actor *a, const json_t *req, const char *note, int64_t *ret_job)
{
	struct host h;
	char pk[2048], *body = NULL;
	int64_t id = json_integer_value(json_object_get(req, "id")), job = 0;
	int64_t ticket = json_integer_value(json_object_get(req, "ticket"));
	json_t *params = NULL;
	int r = hosts_get_id(s, json_integer_value(json_object_get(req, "host_id")), &h);
	if (r == -ENOENT)
		return err_set(-ENOENT, "machine '%s' is no longer in the inventory",
			       json_string_value(json_object_get(req, "host")));
	if (r < 0)
		return r;
	params =
	    json_pack("{s:O, s:i}", "packages", json_object_get(req, "packages"), "timeout", CATALOG_INSTALL_TIMEOUT);
	packages_text(json_object_get(req, "packages"), pk, sizeof(pk));
	if ((r = jobs_queue(s, a->name, &h, "install", params, &job)) < 0 ||
	    (r = catalog_store_request_set(s, id, "installing", job, a == &system_actor ? "system" : a->name, NULL,
					   NULL, time_now())) < 0)
		goto out;
	if (asprintf(&body,
		     "%s: installing %s on %s (job %lld). This ticket is resolved when the installation is done.%s%s",
		     a == &system_actor ? "No approval is needed" : "Approved", pk, h.name, (long long)job,
		     note && *note ? "\n\n" : "", note && *note ? note : "") < 0) {
		body = NULL;
		r = -ENOMEM;
		goto out;
	}
	r = ticket_comment(s, a, ticket, body, false, NULL);
out:
	free(body);
	json_decref(params);
	if (r == 0)
		*ret_job = job;
	return r;
}

int catalog_request(struct store *s, const struct actor *a, const struct catalog_request_new *in, json_t **ret)
{
	struct user u = {0};
	struct host h;
	json_t *item = NULL, *owned = NULL, *req = NULL, *pick = NULL;
	char title[TICKET_TITLE_MAX + 1], pk[2048], *desc = NULL, *packages = NULL;
	const char *who;
	enum role who_role;
	int64_t who_id, ticket = 0, id = 0, job = 0;
	int r;
	if ((r = check_text("note", in->note, CATALOG_REASON_MAX, false, true)) < 0)
		return r;
	if (in->requester && *in->requester && (is_staff(a) || strcmp(in->requester, a->name) != 0)) {
		if (!is_staff(a))
			return err_set(-EPERM, "only support staff request software for someone else");
		if ((r = accounts_user_get(s, in->requester, &u)) < 0)
			return r == -ENOENT ? err_set(-EINVAL, "user '%.64s' does not exist", in->requester) : r;
		who = u.name, who_role = u.role, who_id = u.id;
	} else {
		if (!a->user_id)
			return err_set(-EINVAL, "give the requester (--requester USER)");
		who = a->name, who_role = a->role, who_id = a->user_id;
	}
	if (!in->item || !*in->item)
		return err_set(-EINVAL, "name the catalogue item to request");
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = catalog_store_item_get(s, in->item, &item)) < 0)
		goto end;
	if (!offered_to(item, who, who_role)) {
		r = err_set(-EPERM, "catalogue item '%s' is not offered to %s", in->item, who);
		goto end;
	}
	if ((r = catalog_machines(s, who, &owned)) < 0)
		goto end;
	size_t i;
	json_t *v;
	if (in->host && *in->host) {
		json_array_foreach(owned, i, v) if (strcmp(json_string_value(json_object_get(v, "name")), in->host) ==
						    0) pick = v;
		if (!pick) {
			r = err_set(-ENOENT, "machine '%.64s' is not one of %s's machines", in->host, who);
			goto end;
		}
	} else if (json_array_size(owned) == 1) {
		pick = json_array_get(owned, 0);
	} else {
		r = json_array_size(owned) ? err_set(-EINVAL, "%s has several machines: name one", who)
					   : err_set(-EINVAL,
						     "%s owns no machine in the inventory: an admin sets a machine's "
						     "owner with 'ward host set HOST --owner %s'",
						     who, who);
		goto end;
	}
	if ((r = hosts_get_id(s, json_integer_value(json_object_get(pick, "id")), &h)) < 0)
		goto end;
	const json_t *pkj = json_object_get(item, "packages");
	const char *name = json_string_value(json_object_get(item, "name"));
	bool approval = json_is_true(json_object_get(item, "approval"));
	packages_text(pkj, pk, sizeof(pk));
	snprintf(title, sizeof(title), "Install %.64s on %.100s", name, h.name);
	if (asprintf(&desc, "%s asks for %s on %s.\n\n%s\n\nPackages: %s\nApproval: %s%s%s", who, name, h.name,
		     json_string_value(json_object_get(item, "description")), pk, approval ? "needed" : "not needed",
		     in->note && *in->note ? "\n\nNote from the requester:\n" : "",
		     in->note && *in->note ? in->note : "") < 0) {
		desc = NULL;
		r = -ENOMEM;
		goto end;
	}
	struct ticket_new tn = {.title = title,
				.description = desc,
				.requester = u.id ? u.name : NULL,
				.host = h.uid,
				.category = CATALOG_CATEGORY,
				.impact = 3,
				.urgency = 3};
	if ((r = ticket_create(s, a, &tn, &ticket)) < 0)
		goto end;
	if (!(packages = json_canonical(pkj))) {
		r = -ENOMEM;
		goto end;
	}
	struct catalog_request_row row = {.item_id = json_integer_value(json_object_get(item, "id")),
					  .item_name = name,
					  .packages = packages,
					  .approver_role = json_string_value(json_object_get(item, "approver_role")),
					  .ticket_id = ticket,
					  .requester_id = who_id,
					  .requester = who,
					  .host_id = h.id,
					  .host_name = h.name};
	if ((r = catalog_store_request_insert(s, &row, time_now(), &id)) < 0 ||
	    (r = request_log(s, a->name, "catalog.request", id,
			     json_pack("{s:s, s:s, s:s, s:I, s:O, s:b}", "item", name, "requester", who, "host", h.name,
				       "ticket", (json_int_t)ticket, "packages", pkj, "approval", approval))) < 0)
		goto end;
	if (!approval) {
		if ((r = catalog_store_request_get(s, id, &req)) < 0 ||
		    (r = queue_install(s, &system_actor, req, NULL, &job)) < 0)
			goto end;
		r = request_log(s, "system", "catalog.approve", id,
				json_pack("{s:I, s:s, s:b}", "job", (json_int_t)job, "host", h.name, "automatic", 1));
	}
end:
	r = store_tx_end(s, r);
	if (r == 0)
		r = catalog_request_get(s, a, id, ret);
	free(desc);
	free(packages);
	json_decref(req);
	json_decref(owned);
	json_decref(item);
	return r;
}

int catalog_request_list(struct store *s, const struct actor *a, const struct catalog_request_filter *f, json_t **ret)
{
	static const char *const statuses[] = {"open",	 "pending",  "installing", "installed",
					       "failed", "rejected", NULL};
	bool ok = !f->status;
	for (int i = 0; !ok && statuses[i]; i++)
		ok = strcmp(statuses[i], f->status) == 0;
	if (!ok)
		return err_set(-EINVAL, "status must be open, pending, installing, installed, failed or rejected");
	if (f->limit < 0 || f->limit > CATALOG_PAGE_MAX)
		return err_set(-EINVAL, "limit must be 1 to %d", CATALOG_PAGE_MAX);
	if (!is_staff(a) && !a->user_id)
		return err_set(-EPERM, "no user to list requests for");
	json_t *out = json_array();
	int r = out ? catalog_store_request_list(s, is_staff(a) ? 0 : a->user_id, f->status, f->ticket,
						 f->limit ? f->limit : 100, out)
		    : -ENOMEM;
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

int catalog_request_get(struct store *s, const struct actor *a, int64_t id, json_t **ret)
{
	json_t *req;
	int r = catalog_store_request_get(s, id, &req);
	if (r < 0)
		return r;
	if (!is_staff(a) && json_integer_value(json_object_get(req, "requester_id")) != a->user_id) {
		json_decref(req);
		return err_set(-ENOENT, "request %lld does not exist", (long long)id);
	}
	*ret = req;
	return 0;
}

/* The request for a decision by a: -ENOENT for employees (they see no other's and
 * decide none of theirs), -EPERM without the approver role. */
static int load_for_decision(struct store *s, const struct actor *a, int64_t id, json_t **ret)
{
	json_t *req;
	enum role need = ROLE_SUPPORT;
	int r = catalog_request_get(s, a, id, &req);
	if (r < 0)
		return r;
	role_parse(json_string_value(json_object_get(req, "approver_role")), &need);
	if (a->role < need || !is_staff(a)) {
		json_decref(req);
		return err_set(-EPERM, "request %lld is decided by %s staff", (long long)id,
			       need == ROLE_ADMIN ? "admin" : "support");
	}
	*ret = req;
	return 0;
}

/* Whether the request's install job expired before its machine's agent fetched it (jobs
 * expire without telling anyone, so the request would wait for ever). */
static bool job_expired(struct store *s, const json_t *req)
{
	json_t *job = NULL, *now = json_time(time_now());
	bool expired = false;
	if (now && jobs_get(s, json_integer_value(json_object_get(req, "job")), &job) == 0) {
		const char *status = json_string_value(json_object_get(job, "status")) ?: "";
		const char *expires = json_string_value(json_object_get(job, "expires_at")) ?: "";
		/* A queued job past its time is expired already: no agent will be handed it. ISO
		 * times in UTC compare as text. */
		expired = strcmp(status, "expired") == 0 ||
			  (strcmp(status, "queued") == 0 && strcmp(expires, json_string_value(now)) <= 0);
	}
	json_decref(job);
	json_decref(now);
	return expired;
}

int catalog_request_approve(struct store *s, const struct actor *a, int64_t id, const char *note, json_t **ret)
{
	json_t *req = NULL;
	int64_t job = 0;
	int r;
	if ((r = check_text("note", note, CATALOG_REASON_MAX, false, true)) < 0 || (r = store_tx_begin(s)) < 0)
		return r;
	if ((r = load_for_decision(s, a, id, &req)) < 0)
		goto end;
	const char *st = json_string_value(json_object_get(req, "status"));
	bool retry = strcmp(st, "failed") == 0 || (strcmp(st, "installing") == 0 && job_expired(s, req));
	if (strcmp(st, "pending") != 0 && !retry) {
		r = err_set(-EINVAL,
			    "request %lld is %s: only a pending request is approved, or a failed one (or one whose job "
			    "expired) retried",
			    (long long)id, st);
		goto end;
	}
	if ((r = queue_install(s, a, req, note, &job)) == 0)
		r = request_log(s, a->name, retry ? "catalog.retry" : "catalog.approve", id,
				json_pack("{s:I, s:O, s:s*}", "job", (json_int_t)job, "host",
					  json_object_get(req, "host"), "note", note && *note ? note : NULL));
end:
	json_decref(req);
	r = store_tx_end(s, r);
	return r == 0 ? catalog_request_get(s, a, id, ret) : r;
}

int catalog_request_reject(struct store *s, const struct actor *a, int64_t id, const char *reason, json_t **ret)
{
	json_t *req = NULL;
	char *resolution = NULL;
	int r;
	if ((r = check_text("reason", reason, CATALOG_REASON_MAX, true, true)) < 0)
		return err_set(r, "%s: a rejection says why", err_msg(r));
	if ((r = store_tx_begin(s)) < 0)
		return r;
	if ((r = load_for_decision(s, a, id, &req)) < 0)
		goto end;
	const char *st = json_string_value(json_object_get(req, "status"));
	if (strcmp(st, "pending") != 0) {
		r = err_set(-EINVAL, "request %lld is %s: only a pending request is rejected", (long long)id, st);
		goto end;
	}
	if (asprintf(&resolution, "Not approved: %s was not installed on %s.\n\n%s",
		     json_string_value(json_object_get(req, "item")), json_string_value(json_object_get(req, "host")),
		     reason) < 0) {
		resolution = NULL;
		r = -ENOMEM;
		goto end;
	}
	int64_t ticket = json_integer_value(json_object_get(req, "ticket"));
	struct ticket_change c = {.status = "resolved", .resolution = resolution};
	if ((r = catalog_store_request_set(s, id, "rejected", 0, a->name, reason, NULL, time_now())) < 0 ||
	    (r = ticket_comment(s, a, ticket, reason, false, NULL)) < 0 || (r = ticket_change(s, a, ticket, &c)) < 0)
		goto end;
	r = request_log(s, a->name, "catalog.reject", id, json_pack("{s:s}", "reason", reason));
end:
	free(resolution);
	json_decref(req);
	r = store_tx_end(s, r);
	return r == 0 ? catalog_request_get(s, a, id, ret) : r;
}

/* "pkg 1.0, other 2.1" from the agent's result {"installed": [{"name", "version"}]}. */
static void installed_text(const json_t *res, char *out, size_t size)
{
	json_t *inst = json_object_get(res, "installed");
	if (json_is_array(inst) && json_array_size(inst))
		packages_text(inst, out, size);
	else
		snprintf(out, size, "(the agent named no versions)");
}

static int install_done(struct store *s, const json_t *req, const json_t *res, const char *ticket_status)
{
	char text[4096], versions[2048];
	int64_t id = json_integer_value(json_object_get(req, "id")),
		ticket = json_integer_value(json_object_get(req, "ticket"));
	installed_text(res, versions, sizeof(versions));
	snprintf(text, sizeof(text), "Installed on %s: %s.", json_string_value(json_object_get(req, "host")), versions);
	char *rtext = json_canonical(res ? res : json_object_get(req, "packages"));
	int r = catalog_store_request_set(s, id, "installed", 0, NULL, NULL, rtext, time_now());
	free(rtext);
	if (r == 0 && strcmp(ticket_status, "closed") != 0) {
		struct ticket_change c = {.status = "resolved", .resolution = text};
		r = ticket_comment(s, &system_actor, ticket, text, false, NULL);
		if (r == 0 && strcmp(ticket_status, "resolved") != 0)
			r = ticket_change(s, &system_actor, ticket, &c);
	}
	if (r == 0)
		r = request_log(s, "system", "catalog.installed", id,
				json_pack("{s:I, s:O}", "job", json_integer_value(json_object_get(req, "job")),
					  "installed", json_object_get(res, "installed") ?: json_null()));
	return r;
}

static int install_failed(struct store *s, const json_t *req, const char *status, const json_t *res, const char *output,
			  const char *ticket_status)
{
	int64_t id = json_integer_value(json_object_get(req, "id")),
		ticket = json_integer_value(json_object_get(req, "ticket"));
	json_int_t job = json_integer_value(json_object_get(req, "job"));
	char *note = NULL, *esc = NULL, *rtext = NULL;
	size_t out_len = output ? strlen(output) : 0;
	int r;
	json_t *stored = res ? json_deep_copy(res) : json_object();
	json_object_set_new(stored, "job_status", json_string(status));
	rtext = json_canonical(stored);
	json_decref(stored);
	if ((r = catalog_store_request_set(s, id, "failed", 0, NULL, NULL, rtext, time_now())) < 0)
		goto out;
	if (strcmp(ticket_status, "closed") != 0) {
		char *res_text = res ? json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		if (asprintf(&note, "Installing %s on %s failed (job %lld, %s).%s%.*s%s%s%s",
			     json_string_value(json_object_get(req, "item")),
			     json_string_value(json_object_get(req, "host")), (long long)job, status,
			     out_len ? "\n\nOutput:\n" : "",
			     (int)(out_len > NOTE_OUTPUT_MAX ? NOTE_OUTPUT_MAX : out_len), output ? output : "",
			     out_len > NOTE_OUTPUT_MAX ? "\n[output cut]" : "", res_text ? "\n\nResult:\n" : "",
			     res_text ? res_text : "") < 0)
			note = NULL;
		free(res_text);
		if (asprintf(&esc,
			     "The installation of %s failed: handed to the generalist. Approve the request again "
			     "to retry once the cause is fixed.",
			     json_string_value(json_object_get(req, "item"))) < 0)
			esc = NULL;
		if (!note || !esc) {
			r = -ENOMEM;
			goto out;
		}
		struct ticket_change c = {
		    .tier = 2, .note = esc, .status = strcmp(ticket_status, "open") ? "open" : NULL};
		if ((r = ticket_comment(s, &system_actor, ticket, note, true, NULL)) < 0 ||
		    (r = ticket_change(s, &system_actor, ticket, &c)) < 0)
			goto out;
	}
	r = request_log(s, "system", "catalog.install_failed", id,
			json_pack("{s:I, s:s}", "job", job, "status", status));
out:
	free(note);
	free(esc);
	free(rtext);
	return r;
}

int catalog_job_result(struct store *s, int64_t job_id, const char *status, const json_t *job_result,
		       const char *output)
{
	json_t *req = NULL, *ticket = NULL;
	int64_t id;
	int r = catalog_store_request_by_job(s, job_id, &id);
	if (r == -ENOENT)
		return 0; /* not a request's job */
	if (r < 0 || (r = catalog_store_request_get(s, id, &req)) < 0)
		return r;
	if (strcmp(json_string_value(json_object_get(req, "status")), "installing") != 0)
		goto out; /* decided otherwise meanwhile */
	if ((r = ticket_show(s, &system_actor, json_integer_value(json_object_get(req, "ticket")), &ticket)) < 0)
		goto out;
	const char *ts = json_string_value(json_object_get(ticket, "status"));
	if (strcmp(status, "done") == 0)
		r = install_done(s, req, job_result, ts ? ts : "");
	else
		r = install_failed(s, req, status, job_result, output, ts ? ts : "");
out:
	json_decref(ticket);
	json_decref(req);
	return r;
}
