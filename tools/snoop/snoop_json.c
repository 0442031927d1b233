/*
 * snoop_json.c - the JSON reader of snoop_json.h: recursive descent over
 * a bounded buffer, depth-limited, every allocation checked.
 */
#include "snoop_json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 32

struct cursor {
	const char *p, *end;
	int depth;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool take(struct cursor *c, char ch)
{
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool take_word(struct cursor *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

static int hex4(struct cursor *c, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (c->end - c->p < 4)
		return EINVAL;
	for (i = 0; i < 4; i++) {
		char h = *c->p++;

		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			v |= h - 'A' + 10;
		else
			return EINVAL;
	}
	*out = v;
	return 0;
}

/* A code point as UTF-8 (ASCII as its byte). */
static size_t put_code_point(char *dst, unsigned cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int escape(struct cursor *c, char *dst, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	unsigned cp, lo;

	if (c->p >= c->end)
		return EINVAL;
	if (*c->p != 'u') {
		hit = memchr(from, *c->p, sizeof(from) - 1);
		if (!hit)
			return EINVAL;
		c->p++;
		dst[(*n)++] = to[hit - from];
		return 0;
	}
	c->p++;
	if (hex4(c, &cp))
		return EINVAL;
	if (cp >= 0xd800 && cp < 0xdc00) {	/* a surrogate pair */
		if (!take_word(c, "\\u") || hex4(c, &lo) || lo < 0xdc00 || lo >= 0xe000)
			return EINVAL;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc80 && cp < 0xdd00) {
		/* A lone U+DC80..U+DCFF is a byte that was not UTF-8
		 * (snoop_put_json_bytes). */
		dst[(*n)++] = (char)(cp & 0xff);
		return 0;
	} else if (cp >= 0xdc00 && cp < 0xe000) {
		return EINVAL;
	}
	*n += put_code_point(dst + *n, cp);
	return 0;
}

/* A decoded string is never longer than its source (\uXXXX is 6 bytes,
 * at most 4 decoded): the source length bounds the buffer. */
static int parse_string(struct cursor *c, char **out, size_t *outlen)
{
	const char *start = c->p;
	char *buf;
	size_t n = 0;

	buf = malloc(c->end - start + 1);
	if (!buf)
		return ENOMEM;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;

		if (ch < 0x20)
			goto bad;
		if (ch != '\\')
			buf[n++] = (char)ch;
		else if (escape(c, buf, &n))
			goto bad;
	}
	if (c->p >= c->end)
		goto bad;
	c->p++;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
bad:
	free(buf);
	return EINVAL;
}

static int parse_number(struct cursor *c, struct json *v)
{
	const char *start = c->p;
	char tmp[64], *end;
	size_t n;

	while (c->p < c->end && strchr("+-0123456789.eE", *c->p))
		c->p++;
	n = c->p - start;
	if (!n || n >= sizeof(tmp))
		return EINVAL;
	memcpy(tmp, start, n);
	tmp[n] = '\0';
	v->num = strtod(tmp, &end);
	if (*end)
		return EINVAL;
	v->type = JSON_NUM;
	if (strspn(tmp, "0123456789") == n) {
		errno = 0;
		v->u = strtoull(tmp, &end, 10);
		v->is_uint = !errno;
	}
	return 0;
}

static int parse_value(struct cursor *c, struct json *v);

/* Grows an array or object by one member; its value is zeroed. */
static int add_member(struct json *v, size_t *cap)
{
	if (v->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct json *items = realloc(v->items, ncap * sizeof(*items));
		char **keys;

		if (!items)
			return ENOMEM;
		v->items = items;
		if (v->type == JSON_OBJ) {
			keys = realloc(v->keys, ncap * sizeof(*keys));
			if (!keys)
				return ENOMEM;
			v->keys = keys;
		}
		*cap = ncap;
	}
	memset(&v->items[v->n], 0, sizeof(v->items[0]));
	if (v->type == JSON_OBJ)
		v->keys[v->n] = NULL;
	v->n++;
	return 0;
}

static int parse_members(struct cursor *c, struct json *v, char close)
{
	size_t cap = 0;
	int err;

	if (take(c, close))
		return 0;
	do {
		err = add_member(v, &cap);
		if (err)
			return err;
		if (v->type == JSON_OBJ) {
			size_t klen;

			if (!take(c, '"'))
				return EINVAL;
			err = parse_string(c, &v->keys[v->n - 1], &klen);
			if (err)
				return err;
			if (!take(c, ':'))
				return EINVAL;
		}
		err = parse_value(c, &v->items[v->n - 1]);
		if (err)
			return err;
	} while (take(c, ','));
	return take(c, close) ? 0 : EINVAL;
}

static int parse_value(struct cursor *c, struct json *v)
{
	int err;

	skip_ws(c);
	if (c->p >= c->end)
		return EINVAL;
	switch (*c->p) {
	case '{':
	case '[':
		if (++c->depth > JSON_DEPTH_MAX)
			return EINVAL;
		v->type = *c->p == '{' ? JSON_OBJ : JSON_ARR;
		c->p++;
		err = parse_members(c, v, v->type == JSON_OBJ ? '}' : ']');
		c->depth--;
		return err;
	case '"':
		c->p++;
		v->type = JSON_STR;
		return parse_string(c, &v->str, &v->len);
	case 't':
		v->type = JSON_BOOL;
		v->boolean = true;
		return take_word(c, "true") ? 0 : EINVAL;
	case 'f':
		v->type = JSON_BOOL;
		return take_word(c, "false") ? 0 : EINVAL;
	case 'n':
		v->type = JSON_NULL;
		return take_word(c, "null") ? 0 : EINVAL;
	default:
		return parse_number(c, v);
	}
}

int json_parse(const char *s, size_t len, struct json *v)
{
	struct cursor c = { .p = s, .end = s + len };
	int err;

	memset(v, 0, sizeof(*v));
	err = parse_value(&c, v);
	skip_ws(&c);
	if (!err && c.p != c.end)
		err = EINVAL;
	if (err)
		json_free(v);
	return err;
}

void json_free(struct json *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const struct json *json_get(const struct json *v, const char *key)
{
	size_t i;

	if (!v || v->type != JSON_OBJ)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (v->keys[i] && strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

unsigned long long json_uint(const struct json *v, const char *key, unsigned long long dflt)
{
	const struct json *m = json_get(v, key);

	return m && m->type == JSON_NUM && m->is_uint ? m->u : dflt;
}

const char *json_str(const struct json *v, const char *key)
{
	const struct json *m = json_get(v, key);

	return m && m->type == JSON_STR ? m->str : NULL;
}

bool json_is_null(const struct json *v, const char *key)
{
	const struct json *m = json_get(v, key);

	return m && m->type == JSON_NULL;
}
