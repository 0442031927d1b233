/*
 * snoop_json.h - a small JSON reader for the records xenstore-snoop -j
 * prints (one object per line), so that the timeline writers and the
 * converter work from exactly what a recorded session holds.
 *
 * It owns only parsing: the input may be a file anyone edited, so every
 * byte is checked and nesting is bounded.  Strings are decoded to bytes:
 * characters as UTF-8, and the lone surrogates U+DC80..U+DCFF, which the
 * snoop writes for bytes that are not UTF-8, as those bytes again.
 */
#ifndef SNOOP_JSON_H
#define SNOOP_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
	enum json_type type;
	bool boolean;			/* JSON_BOOL */
	double num;			/* JSON_NUM */
	unsigned long long u;		/* JSON_NUM: exact, when a plain non-negative integer */
	bool is_uint;			/* u holds the value */
	char *str;			/* JSON_STR: decoded bytes, NUL-terminated */
	size_t len;			/* JSON_STR: bytes in str (may hold NULs) */
	size_t n;			/* JSON_ARR, JSON_OBJ: members */
	char **keys;			/* JSON_OBJ: member names */
	struct json *items;		/* JSON_ARR, JSON_OBJ: member values */
};

/* Parses len bytes (one value, surrounding white space allowed) into *v:
 * 0, EINVAL (not JSON, or nested deeper than 32) or ENOMEM. */
int json_parse(const char *s, size_t len, struct json *v);

void json_free(struct json *v);

/* Member key of an object; NULL when v is not an object or has none. */
const struct json *json_get(const struct json *v, const char *key);

/* Typed look-ups: the default when the member is missing or of another
 * type. */
unsigned long long json_uint(const struct json *v, const char *key, unsigned long long dflt);
const char *json_str(const struct json *v, const char *key);	/* NULL if none */
bool json_is_null(const struct json *v, const char *key);	/* present and null */

#endif
