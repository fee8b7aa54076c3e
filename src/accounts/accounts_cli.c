/*
 * accounts_cli.c: `ward user ...` and `ward token ...`. They work on the local data
 * directory and act as "local:<unix user>" in the activity log.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "actlog/actlog.h"
#include "commands.h"
#include "core/err.h"

static const char *const user_keys[] = {"name", "role", "email", "disabled", "created_at", "last_login_at", NULL};
static const char *const user_headers[] = {"NAME", "ROLE", "E-MAIL", "DISABLED", "CREATED", "LAST LOGIN", NULL};

/* For commands that take one NAME and no options: the exit code to stop with, -1 to go
 * on with *ret_name set. */
static int name_only(struct cli *cli, int argc, char **argv, const char **ret_name)
{
	int c;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	int r = cli_positionals(cli, argc, argv, 1);
	if (r)
		return r;
	*ret_name = argv[optind];
	return -1;
}

#define NAME_ONLY(cli, argc, argv, name)                                                                               \
	do {                                                                                                           \
		int nr_ = name_only(cli, argc, argv, &(name));                                                         \
		if (nr_ >= 0)                                                                                          \
			return nr_;                                                                                    \
	} while (0)

static void print_user(const struct cli *cli, const struct user *u)
{
	json_t *j = accounts_user_json(u);
	if (cli->json) {
		cli_print_json(j);
		return;
	}
	cli_print_fields(j, user_keys);
	json_decref(j);
}

/* The password from --password-file, or a generated one shown once. */
static int password_source(const char *file, char out[WARD_PASSWORD_MAX + 1], bool *generated)
{
	*generated = !file;
	if (file)
		return cli_read_secret(file, out, WARD_PASSWORD_MAX + 1);
	accounts_generate_password(out);
	return 0;
}

int cmd_user_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
					     {"email", required_argument, NULL, 'e'},
					     {"password-file", required_argument, NULL, 'p'},
					     {0, 0, 0, 0}};
	const char *role_text = NULL, *email = NULL, *pwfile = NULL;
	char password[WARD_PASSWORD_MAX + 1];
	struct store *s;
	enum role role;
	struct user u;
	bool generated;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (c) {
		case 'r': role_text = optarg; break;
		case 'e': email = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'h': return cli_help(cli);
		default: return EXIT_USAGE;
		}
	}
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (!role_text)
		return cli_usage_error(cli, "--role is required (employee, support or admin)");
	if (role_parse(role_text, &role) < 0)
		return cli_usage_error(cli, "%s", err_msg(-EINVAL));
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = password_source(pwfile, password, &generated)) < 0)
		return cli_fail(r);
	r = accounts_user_add(s, actlog_local_actor(), argv[optind], role, email, password, &u);
	if (r < 0) {
		sodium_memzero(password, sizeof(password));
		return cli_fail(r);
	}
	if (cli->json) {
		json_t *j = json_pack("{s:o}", "user", accounts_user_json(&u));
		if (generated)
			json_object_set_new(j, "password", json_string(password));
		cli_print_json(j);
	} else {
		printf("added user '%s' (%s)\n", u.name, role_name(u.role));
		if (generated)
			printf("password: %s\n(shown once: hand it over and ask them to change it)\n", password);
	}
	sodium_memzero(password, sizeof(password));
	return EXIT_OK;
}

int cmd_user_list(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	json_t *users;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_user_list(s, &users)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(users);
		return EXIT_OK;
	}
	cli_print_table(users, user_keys, user_headers);
	json_decref(users);
	return EXIT_OK;
}

int cmd_user_show(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	struct store *s;
	struct user u;
	int r;
	NAME_ONLY(cli, argc, argv, name);
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_user_get(s, name, &u)) < 0)
		return cli_fail(r);
	print_user(cli, &u);
	return EXIT_OK;
}

int cmd_user_passwd(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"password-file", required_argument, NULL, 'p'}, {0, 0, 0, 0}};
	const char *pwfile = NULL;
	char password[WARD_PASSWORD_MAX + 1];
	struct store *s;
	bool generated;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'p')
			pwfile = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 1)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = password_source(pwfile, password, &generated)) < 0)
		return cli_fail(r);
	r = accounts_user_passwd(s, actlog_local_actor(), argv[optind], password);
	if (r == 0 && cli->json) {
		json_t *j = json_pack("{s:s}", "name", argv[optind]);
		if (generated)
			json_object_set_new(j, "password", json_string(password));
		cli_print_json(j);
	} else if (r == 0) {
		printf("changed the password of '%s'; their sessions were ended\n", argv[optind]);
		if (generated)
			printf("password: %s\n(shown once)\n", password);
	}
	sodium_memzero(password, sizeof(password));
	return r < 0 ? cli_fail(r) : EXIT_OK;
}

static int set_disabled(struct cli *cli, int argc, char **argv, bool disabled)
{
	const char *name = NULL;
	struct store *s;
	struct user u;
	int r;
	NAME_ONLY(cli, argc, argv, name);
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_user_set_disabled(s, actlog_local_actor(), name, disabled, &u)) < 0)
		return cli_fail(r);
	if (cli->json)
		print_user(cli, &u);
	else
		printf("%s user '%s'%s\n", disabled ? "disabled" : "enabled", name,
		       disabled ? "; their sessions were ended" : "");
	return EXIT_OK;
}

int cmd_user_disable(struct cli *cli, int argc, char **argv)
{
	return set_disabled(cli, argc, argv, true);
}

int cmd_user_enable(struct cli *cli, int argc, char **argv)
{
	return set_disabled(cli, argc, argv, false);
}

int cmd_user_unlock(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	struct store *s;
	int r;
	NAME_ONLY(cli, argc, argv, name);
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_user_unlock(s, actlog_local_actor(), name)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:b}", "name", name, "unlocked", 1));
	else
		printf("cleared failed logins of '%s'\n", name);
	return EXIT_OK;
}

int cmd_token_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"user", required_argument, NULL, 'u'}, {0, 0, 0, 0}};
	const char *user = NULL;
	char token[ACCOUNTS_TOKEN_LEN + 1];
	struct store *s;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, opts)) != -1) {
		if (c == 'u')
			user = optarg;
		else
			return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	}
	if ((r = cli_positionals(cli, argc, argv, 1)))
		return r;
	if (!user)
		return cli_usage_error(cli, "--user is required");
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_token_create(s, actlog_local_actor(), argv[optind], user, token)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "name", argv[optind], "user", user, "token", token));
	else
		printf("%s\n(shown once: store it now; send it as 'Authorization: Bearer <token>')\n", token);
	sodium_memzero(token, sizeof(token));
	return EXIT_OK;
}

int cmd_token_list(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"name", "user", "created_by", "created_at", "last_used_at", NULL};
	static const char *const headers[] = {"NAME", "USER", "CREATED BY", "CREATED", "LAST USED", NULL};
	struct store *s;
	json_t *tokens;
	int c, r;
	while ((c = cli_getopt(cli, argc, argv, NULL)) != -1)
		return c == 'h' ? cli_help(cli) : EXIT_USAGE;
	if ((r = cli_positionals(cli, argc, argv, 0)) || (r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_token_list(s, &tokens)) < 0)
		return cli_fail(r);
	if (cli->json) {
		cli_print_json(tokens);
		return EXIT_OK;
	}
	cli_print_table(tokens, keys, headers);
	json_decref(tokens);
	return EXIT_OK;
}

int cmd_token_revoke(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	struct store *s;
	int r;
	NAME_ONLY(cli, argc, argv, name);
	if ((r = cli_store(cli, &s)))
		return r;
	if ((r = accounts_token_revoke(s, actlog_local_actor(), name)) < 0)
		return cli_fail(r);
	if (cli->json)
		cli_print_json(json_pack("{s:s, s:b}", "name", name, "revoked", 1));
	else
		printf("revoked token '%s'\n", name);
	return EXIT_OK;
}
