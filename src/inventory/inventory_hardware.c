/*
 * inventory_hardware.c: the "hardware" section: the CPU (proc/cpuinfo), memory
 * (proc/meminfo) and block devices (sys/block). A missing or garbage file leaves its
 * part null with a warning; the other parts still come out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/err.h"
#include "core/timeutil.h"
#include "inventory/inventory.h"

#define INV_CPUINFO_MAX (16 * 1024 * 1024) /* proc/cpuinfo: about 1.5 KiB per processor */
#define INV_CPU_MAX 8192		   /* processors whose core ids are compared */
#define INV_MEMINFO_MAX (64 * 1024)	   /* proc/meminfo */
#define INV_SYSFS_VALUE_MAX 4096	   /* one sysfs attribute */
#define INV_BLOCK_MAX 4096		   /* entries read from sys/block */
#define INV_BLOCK_NAME_MAX 255		   /* one name in sys/block */

static const char *const hardware_section = "hardware";

/* root/rel for a warning; rel itself when that does not fit. */
static const char *hardware_path(const struct inv_ctx *ctx, const char *rel, char *buf, size_t size)
{
	return inv_path(ctx, rel, buf, size) == 0 ? buf : rel;
}

static bool hardware_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static void hardware_trim(const char **s, size_t *len)
{
	while (*len > 0 && hardware_blank((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && hardware_blank((*s)[*len - 1]))
		(*len)--;
}

/* Parses s[0..len) as a decimal number in [0, max]: digits only, at most 19. */
static int hardware_number(const char *s, size_t len, int64_t max, int64_t *ret)
{
	char num[24];
	if (len == 0 || len >= 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	return parse_int64(num, 0, max, ret);
}

/* Splits the next line off *p (below end) into a "key : value" pair, both trimmed;
 * *ret_has_colon is false for a line without ':'. False at the end. */
static bool hardware_next_pair(const char **p, const char *end, const char **key, size_t *key_len, const char **value,
			       size_t *value_len, bool *ret_has_colon)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *line = *p;
	size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
	*p = nl ? nl + 1 : end;
	const char *colon = memchr(line, ':', n);
	*ret_has_colon = colon != NULL;
	if (!colon) {
		*key = line;
		*key_len = n;
		hardware_trim(key, key_len);
		*value = line + n;
		*value_len = 0;
		return true;
	}
	*key = line;
	*key_len = (size_t)(colon - line);
	hardware_trim(key, key_len);
	*value = colon + 1;
	*value_len = (size_t)(line + n - (colon + 1));
	hardware_trim(value, value_len);
	return true;
}

static bool hardware_key_is(const char *key, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(key, want, len) == 0;
}

/* --- cpu -------------------------------------------------------------------------- */

/* What the block of one processor said about where it sits. */
struct hardware_cpu_ids {
	int64_t physical; /* "physical id", -1 when absent */
	int64_t core;	  /* "core id", -1 when absent */
	bool bad;	  /* one of them was not a number */
};

static int hardware_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Model names by architecture: x86 and many others, MIPS, PowerPC. */
static const char *const hardware_model_keys[] = {"model name", "cpu model", "cpu"};
#define HARDWARE_NMODEL_KEYS (sizeof(hardware_model_keys) / sizeof(hardware_model_keys[0]))

static json_t *hardware_cpu(struct inv_ctx *ctx)
{
	static const char *const rel = "proc/cpuinfo";
	char where[4096];
	char *text = NULL;
	size_t len;
	uint64_t *pairs = NULL;
	json_t *model = NULL, *cores = NULL, *threads = NULL, *cpu = NULL;
	hardware_path(ctx, rel, where, sizeof(where));
	int r = inv_read(ctx, rel, INV_CPUINFO_MAX, &text, &len);
	if (r < 0) {
		inv_warn(ctx, hardware_section, "%s", err_msg(r));
	} else {
		const char *p = text, *end = text + len;
		const char *key, *value;
		size_t key_len, value_len, model_rank = HARDWARE_NMODEL_KEYS;
		const char *model_s = NULL;
		size_t model_len = 0, nthreads = 0, npairs = 0;
		bool has_colon, ids_complete = true, bad_reported = false;
		struct hardware_cpu_ids ids = {-1, -1, false};
		pairs = malloc(INV_CPU_MAX * sizeof(*pairs));
		if (!pairs)
			goto out;
		/* A processor's block ends at the next "processor" line or the end; the ids
		 * it gave (or not) are counted then. */
		for (bool more = true; more;) {
			more = hardware_next_pair(&p, end, &key, &key_len, &value, &value_len, &has_colon);
			bool starts = more && has_colon && hardware_key_is(key, key_len, "processor");
			if ((starts || !more) && nthreads > 0) {
				if (ids.physical < 0 || ids.core < 0 || ids.bad)
					ids_complete = false;
				else if (npairs < INV_CPU_MAX)
					pairs[npairs++] = (uint64_t)ids.physical << 32 | (uint64_t)ids.core;
				else
					ids_complete = false;
				if (ids.bad && !bad_reported) {
					inv_warn(ctx, hardware_section,
						 "'%s': processor %zu has a bad physical or core id", where,
						 nthreads - 1);
					bad_reported = true;
				}
			}
			if (!more || !has_colon)
				continue;
			if (starts) {
				nthreads++;
				ids = (struct hardware_cpu_ids){-1, -1, false};
				continue;
			}
			int64_t *id = hardware_key_is(key, key_len, "physical id") ? &ids.physical
				      : hardware_key_is(key, key_len, "core id")   ? &ids.core
										   : NULL;
			if (id) {
				if (hardware_number(value, value_len, INT32_MAX, id) < 0)
					ids.bad = true;
				continue;
			}
			for (size_t k = 0; k < model_rank; k++) {
				if (hardware_key_is(key, key_len, hardware_model_keys[k]) && value_len > 0) {
					model_rank = k;
					model_s = value;
					model_len = value_len;
					break;
				}
			}
		}
		if (model_s) {
			model = inv_stringn(model_s, model_len);
		} else {
			inv_warn(ctx, hardware_section, "'%s' has no model name", where);
			model = json_null();
		}
		if (nthreads == 0) {
			inv_warn(ctx, hardware_section, "'%s' lists no processor", where);
			cores = json_null();
			threads = json_null();
		} else {
			size_t ncores = nthreads;
			if (ids_complete) {
				qsort(pairs, npairs, sizeof(*pairs), hardware_cmp_u64);
				ncores = npairs > 0 ? 1 : 0;
				for (size_t i = 1; i < npairs; i++)
					ncores += pairs[i] != pairs[i - 1];
			}
			cores = json_integer((json_int_t)ncores);
			threads = json_integer((json_int_t)nthreads);
		}
	}
	if (!model)
		model = json_null();
	if (!cores)
		cores = json_null();
	if (!threads)
		threads = json_null();
	json_t *arch = json_null();
	struct utsname u;
	if (ctx->live && uname(&u) == 0)
		arch = inv_string(u.machine);
	cpu =
	    json_pack("{s:o, s:o, s:o, s:o}", "model", model, "cores", cores, "threads", threads, "architecture", arch);
	model = cores = threads = NULL;
out:
	json_decref(model);
	json_decref(cores);
	json_decref(threads);
	free(pairs);
	free(text);
	return cpu;
}

/* --- memory ----------------------------------------------------------------------- */

static const struct {
	const char *key;   /* in proc/meminfo */
	const char *field; /* in the section */
} hardware_mem_fields[] = {
    {"MemTotal", "total_bytes"},
    {"MemAvailable", "available_bytes"},
    {"SwapTotal", "swap_total_bytes"},
};
#define HARDWARE_NMEM (sizeof(hardware_mem_fields) / sizeof(hardware_mem_fields[0]))

/* "16173552 kB" (or a bare count) in bytes; -EINVAL for anything else. */
static int hardware_mem_value(const char *s, size_t len, int64_t *ret)
{
	int64_t v;
	size_t digits = 0;
	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	const char *unit = s + digits;
	size_t unit_len = len - digits;
	hardware_trim(&unit, &unit_len);
	if (hardware_number(s, digits, INT64_MAX, &v) < 0)
		return -EINVAL;
	if (unit_len == 2 && memcmp(unit, "kB", 2) == 0) {
		if (v > INT64_MAX / 1024)
			return -EINVAL;
		v *= 1024;
	} else if (unit_len != 0) {
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static json_t *hardware_memory(struct inv_ctx *ctx)
{
	static const char *const rel = "proc/meminfo";
	char where[4096];
	char *text;
	size_t len;
	json_t *mem = json_object();
	if (!mem)
		return NULL;
	for (size_t i = 0; i < HARDWARE_NMEM; i++) {
		if (json_object_set_new(mem, hardware_mem_fields[i].field, json_null()) < 0)
			goto oom;
	}
	int r = inv_read(ctx, rel, INV_MEMINFO_MAX, &text, &len);
	if (r < 0) {
		inv_warn(ctx, hardware_section, "%s", err_msg(r));
		return mem;
	}
	hardware_path(ctx, rel, where, sizeof(where));
	bool seen[HARDWARE_NMEM] = {false};
	const char *p = text, *end = text + len, *key, *value;
	size_t key_len, value_len;
	bool has_colon;
	while (hardware_next_pair(&p, end, &key, &key_len, &value, &value_len, &has_colon)) {
		for (size_t i = 0; has_colon && i < HARDWARE_NMEM; i++) {
			if (seen[i] || !hardware_key_is(key, key_len, hardware_mem_fields[i].key))
				continue;
			seen[i] = true;
			int64_t v;
			if (hardware_mem_value(value, value_len, &v) < 0) {
				inv_warn(ctx, hardware_section, "'%s': %s is not a size", where,
					 hardware_mem_fields[i].key);
				break;
			}
			json_t *j = json_integer(v);
			if (!j || json_object_set_new(mem, hardware_mem_fields[i].field, j) < 0) {
				free(text);
				goto oom;
			}
			break;
		}
	}
	free(text);
	for (size_t i = 0; i < HARDWARE_NMEM; i++) {
		if (!seen[i])
			inv_warn(ctx, hardware_section, "'%s' has no %s", where, hardware_mem_fields[i].key);
	}
	return mem;
oom:
	json_decref(mem);
	return NULL;
}

/* --- block devices ---------------------------------------------------------------- */

/* A sysfs attribute below root, trimmed, in a NUL-terminated buffer the caller frees;
 * -ENOENT when absent. */
static int hardware_attr(struct inv_ctx *ctx, const char *rel, char **ret, size_t *ret_len)
{
	char *text;
	size_t len;
	int r = inv_read(ctx, rel, INV_SYSFS_VALUE_MAX, &text, &len);
	if (r < 0)
		return r;
	const char *s = text;
	hardware_trim(&s, &len);
	memmove(text, s, len);
	text[len] = '\0';
	*ret = text;
	*ret_len = len;
	return 0;
}

static bool hardware_prefix_digit(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(name, prefix, n) == 0 && name[n] >= '0' && name[n] <= '9';
}

/* What lsblk would call the device, from its kernel name (and SCSI type 5, CD/DVD). */
static const char *hardware_block_type(struct inv_ctx *ctx, const char *name)
{
	static const struct {
		const char *prefix;
		const char *type;
	} by_name[] = {
	    {"loop", "loop"}, {"ram", "ram"}, {"zram", "zram"}, {"md", "md"},
	    {"nbd", "nbd"},   {"sr", "rom"},  {"dm-", "dm"},
	};
	for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++) {
		size_t n = strlen(by_name[i].prefix);
		if (by_name[i].prefix[n - 1] == '-' ? strncmp(name, by_name[i].prefix, n) == 0
						    : hardware_prefix_digit(name, by_name[i].prefix))
			return by_name[i].type;
	}
	char rel[INV_BLOCK_NAME_MAX + 64], *v;
	size_t len;
	const char *type = "disk";
	if (snprintf(rel, sizeof(rel), "sys/block/%s/device/type", name) < (int)sizeof(rel) &&
	    hardware_attr(ctx, rel, &v, &len) == 0) {
		if (strcmp(v, "5") == 0)
			type = "rom";
		free(v);
	}
	return type;
}

/* sys/block/NAME/ATTR as a 0/1 flag: true, false, or null with a warning when garbage. */
static json_t *hardware_block_flag(struct inv_ctx *ctx, const char *name, const char *attr)
{
	char rel[INV_BLOCK_NAME_MAX + 64], where[4096], *v;
	size_t len;
	if (snprintf(rel, sizeof(rel), "sys/block/%s/%s", name, attr) >= (int)sizeof(rel))
		return json_null();
	int r = hardware_attr(ctx, rel, &v, &len);
	if (r < 0) {
		if (r != -ENOENT)
			inv_warn(ctx, hardware_section, "%s", err_msg(r));
		return json_null();
	}
	json_t *j = strcmp(v, "0") == 0 ? json_false() : strcmp(v, "1") == 0 ? json_true() : NULL;
	free(v);
	if (!j) {
		inv_warn(ctx, hardware_section, "'%s' is not 0 or 1", hardware_path(ctx, rel, where, sizeof(where)));
		j = json_null();
	}
	return j;
}

/* One device, or json_null() (not NULL) when it is to be left out; NULL when out of
 * memory. */
static json_t *hardware_block_device(struct inv_ctx *ctx, const char *name)
{
	char rel[INV_BLOCK_NAME_MAX + 64], where[4096], *v;
	size_t len;
	int64_t sectors = -1;
	const char *type = hardware_block_type(ctx, name);

	if (snprintf(rel, sizeof(rel), "sys/block/%s/size", name) >= (int)sizeof(rel))
		return json_null();
	int r = hardware_attr(ctx, rel, &v, &len);
	if (r < 0) {
		inv_warn(ctx, hardware_section, "%s", err_msg(r));
	} else {
		if (hardware_number(v, len, INT64_MAX / 512, &sectors) < 0) {
			inv_warn(ctx, hardware_section, "'%s' is not a number of sectors",
				 hardware_path(ctx, rel, where, sizeof(where)));
			sectors = -1;
		}
		free(v);
	}
	/* An unused loop or ram device has size 0: not storage anyone has. */
	if (sectors == 0 && (strcmp(type, "loop") == 0 || strcmp(type, "ram") == 0))
		return json_null();

	json_t *model = json_null();
	if (snprintf(rel, sizeof(rel), "sys/block/%s/device/model", name) < (int)sizeof(rel)) {
		r = hardware_attr(ctx, rel, &v, &len);
		if (r == 0) {
			if (len > 0)
				model = inv_stringn(v, len);
			free(v);
		} else if (r != -ENOENT && r != -ENOTDIR) {
			inv_warn(ctx, hardware_section, "%s", err_msg(r));
		}
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "name", inv_string(name), "size_bytes",
			 sectors >= 0 ? json_integer(sectors * 512) : json_null(), "rotational",
			 hardware_block_flag(ctx, name, "queue/rotational"), "removable",
			 hardware_block_flag(ctx, name, "removable"), "model", model, "type", type);
}

static int hardware_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sys/block/ in name order; null with a warning when it cannot be listed. */
static json_t *hardware_block_devices(struct inv_ctx *ctx)
{
	char dir[4096];
	char **names = NULL;
	size_t n = 0;
	json_t *list = NULL;
	int r = inv_path(ctx, "sys/block", dir, sizeof(dir));
	if (r < 0) {
		inv_warn(ctx, hardware_section, "%s", err_msg(r));
		return json_null();
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		inv_warn(ctx, hardware_section, "cannot list '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return json_null();
	}
	names = calloc(INV_BLOCK_MAX, sizeof(*names));
	if (!names)
		goto out;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (strlen(de->d_name) > INV_BLOCK_NAME_MAX)
			continue;
		if (n == INV_BLOCK_MAX) {
			inv_warn(ctx, hardware_section, "'%s' has more than %d entries; the rest are left out", dir,
				 INV_BLOCK_MAX);
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), hardware_cmp_str);
	list = json_array();
	if (!list)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *dev = hardware_block_device(ctx, names[i]);
		if (!dev) {
			json_decref(list);
			list = NULL;
			goto out;
		}
		if (json_is_null(dev))
			continue;
		if (json_array_append_new(list, dev) < 0) {
			json_decref(list);
			list = NULL;
			goto out;
		}
	}
out:
	closedir(d);
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return list;
}

/* Moves v into obj under key; -ENOMEM when v is NULL or the set fails. */
static int hardware_set(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_set_new(obj, key, v) < 0 ? -ENOMEM : 0;
}

int inv_hardware(struct inv_ctx *ctx, json_t **ret)
{
	json_t *hw = json_object();
	if (!hw || hardware_set(hw, "cpu", hardware_cpu(ctx)) < 0 ||
	    hardware_set(hw, "memory", hardware_memory(ctx)) < 0 ||
	    hardware_set(hw, "block_devices", hardware_block_devices(ctx)) < 0) {
		json_decref(hw);
		inv_warn(ctx, hardware_section, "out of memory");
		return -ENOMEM;
	}
	*ret = hw;
	return 0;
}
