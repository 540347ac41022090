/*
 * util.c - allocation that never returns NULL, bounded buffers, an arena and
 * a string hash set.  Nothing here knows about master data.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

static void
oom(size_t size)
{
	fprintf(stderr, "mdgate: out of memory (could not allocate %zu bytes)\n", size);
	exit(MDG_EXIT_DEFINITION);
}

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		oom(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		oom(nmemb * size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t total;
	void *p;

	if (!mdg_size_mul(nmemb, size, &total))
		oom(SIZE_MAX);
	if (total == 0)
		total = 1;
	if ((p = realloc(ptr, total)) == NULL)
		oom(total);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		oom(0);
	p = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof(small))
		memcpy(p, small, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
mdg_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (base != NULL && n > 1)
		qsort(base, n, size, cmp);
}

bool
mdg_size_add(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return false;
	*out = a + b;
	return true;
}

bool
mdg_size_mul(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return false;
	*out = a * b;
	return true;
}

int
mdg_strcasecmp_ascii(const char *a, const char *b)
{
	unsigned char ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

char *
mdg_path_join(const char *dir, const char *path)
{
	size_t n;

	if (path[0] == '/' || dir == NULL || dir[0] == '\0' || strcmp(dir, ".") == 0)
		return xstrdup(path);
	n = strlen(dir);
	if (dir[n - 1] == '/')
		return xasprintf("%s%s", dir, path);
	return xasprintf("%s/%s", dir, path);
}

char *
mdg_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *
mdg_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ---------------------------------------------------------------- buffers */

void
mdg_buf_init(struct mdg_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
mdg_buf_free(struct mdg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
mdg_buf_reset(struct mdg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

int
mdg_buf_append(struct mdg_buf *b, const void *data, size_t len)
{
	size_t need, ncap;

	if (!mdg_size_add(b->len, len, &need) || !mdg_size_add(need, 1, &need))
		return MDG_ELIMIT;
	if (b->max != 0 && need - 1 > b->max)
		return MDG_ELIMIT;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : 64;
		while (ncap < need) {
			if (ncap > SIZE_MAX / 2) {
				ncap = need;
				break;
			}
			ncap *= 2;
		}
		b->data = xreallocarray(b->data, ncap, 1);
		b->cap = ncap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return MDG_OK;
}

int
mdg_buf_putc(struct mdg_buf *b, char c)
{
	return mdg_buf_append(b, &c, 1);
}

int
mdg_buf_printf(struct mdg_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	rc = mdg_buf_append(b, s, strlen(s));
	free(s);
	return rc;
}

/* ------------------------------------------------------------------ arena */

struct mdg_arena_block {
	struct mdg_arena_block *next;
	size_t used;
	size_t size;
	max_align_t data[];
};

#define ARENA_ALIGN (sizeof(max_align_t))

void
mdg_arena_init(struct mdg_arena *a)
{
	a->head = NULL;
	a->block_size = 64 * 1024;
}

void *
mdg_arena_alloc(struct mdg_arena *a, size_t size)
{
	struct mdg_arena_block *b;
	size_t rounded, bsize, total;

	if (!mdg_size_add(size, ARENA_ALIGN - 1, &rounded))
		oom(SIZE_MAX);
	rounded &= ~(ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
#ifdef MDG_DEBUG_ARENA
	bsize = rounded;
#else
	b = a->head;
	if (b != NULL && b->size - b->used >= rounded) {
		void *p = (char *)b->data + b->used;
		b->used += rounded;
		return p;
	}
	bsize = rounded > a->block_size / 4 ? rounded : a->block_size;
#endif
	if (!mdg_size_add(sizeof(*b), bsize, &total))
		oom(SIZE_MAX);
	b = xmalloc(total);
	b->size = bsize;
	b->used = rounded;
	if (a->head != NULL && bsize == rounded && a->head->size - a->head->used > 0) {
		/* A large allocation: keep the current block in front. */
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	return b->data;
}

char *
mdg_arena_strndup(struct mdg_arena *a, const char *s, size_t n)
{
	char *p = mdg_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
mdg_arena_strdup(struct mdg_arena *a, const char *s)
{
	return mdg_arena_strndup(a, s, strlen(s));
}

void
mdg_arena_free(struct mdg_arena *a)
{
	struct mdg_arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

void
mdg_arena_reset(struct mdg_arena *a)
{
#ifdef MDG_DEBUG_ARENA
	mdg_arena_free(a);
#else
	struct mdg_arena_block *b, *next, *keep = NULL;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (keep == NULL && b->size == a->block_size) {
			keep = b;
			continue;
		}
		free(b);
	}
	a->head = keep;
	if (keep != NULL) {
		keep->next = NULL;
		keep->used = 0;
	}
#endif
}

size_t
mdg_arena_used(const struct mdg_arena *a)
{
	const struct mdg_arena_block *b;
	size_t n = 0;

	for (b = a->head; b != NULL; b = b->next)
		n += b->used;
	return n;
}

/* --------------------------------------------------------------- hash set */

/*
 * A multiply-and-mix hash over 8-byte words (in the manner of the
 * wyhash/murmur finalisers): business keys are short, and hashing them a
 * byte at a time showed as 10% of a check in the profile.
 */
static inline uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
mdg_hash(const char *s, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ (len * 0x100000001B3ULL);
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix(h ^ w) + 0x9E3779B97F4A7C15ULL;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		h = mix(h ^ w ^ ((uint64_t)(len - i) << 56));
	}
	return mix(h);
}

void
mdg_strset_init(struct mdg_strset *s)
{
	mdg_arena_init(&s->arena);
	s->slots = NULL;
	s->n = 0;
	s->cap = 0;
}

void
mdg_strset_free(struct mdg_strset *s)
{
	mdg_arena_free(&s->arena);
	free(s->slots);
	s->slots = NULL;
	s->n = s->cap = 0;
}

static size_t
strset_slot(const struct mdg_strset *s, uint64_t h, const char *key, size_t len)
{
	size_t mask = s->cap - 1;
	uint32_t h32 = (uint32_t)(h >> 32);
	size_t i = (size_t)h32 & mask;

	while (s->slots[i].e != NULL) {
		if (s->slots[i].hash == h32 && s->slots[i].len == len &&
		    memcmp(s->slots[i].e->key, key, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

/*
 * The slot array of a big set is probed at random, one TLB miss per probe
 * with 4 KiB pages; past 2 MiB it is aligned for, and advised to use,
 * transparent huge pages where the kernel has them.
 */
static struct mdg_strset_slot *
slots_alloc(size_t cap)
{
	size_t bytes;
	void *p = NULL;

	if (!mdg_size_mul(cap, sizeof(struct mdg_strset_slot), &bytes))
		oom(SIZE_MAX);
#if defined(MADV_HUGEPAGE)
	if (bytes >= ((size_t)2 << 20)) {
		if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0)
			oom(bytes);
		(void)madvise(p, bytes, MADV_HUGEPAGE);
		memset(p, 0, bytes);
		return p;
	}
#endif
	p = xcalloc(cap, sizeof(struct mdg_strset_slot));
	return p;
}

static void
strset_grow(struct mdg_strset *s)
{
	struct mdg_strset_slot *old = s->slots;
	size_t oldcap = s->cap, i, j, mask;

	s->cap = oldcap ? oldcap * 2 : 64;
	s->slots = slots_alloc(s->cap);
	mask = s->cap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i].e == NULL)
			continue;
		/* The index comes from the half of the hash the slot keeps. */
		j = (size_t)old[i].hash & mask;
		while (s->slots[j].e != NULL)
			j = (j + 1) & mask;
		s->slots[j] = old[i];
	}
	free(old);
}

void
mdg_strset_prefetch(const struct mdg_strset *s, uint64_t hash)
{
	if (s->cap != 0)
		__builtin_prefetch(&s->slots[(size_t)(uint32_t)(hash >> 32) & (s->cap - 1)]);
}

bool
mdg_strset_add(struct mdg_strset *s, const char *key, size_t len, long value, long *old_value)
{
	return mdg_strset_add_hashed(s, mdg_hash(key, len), key, len, value, old_value);
}

bool
mdg_strset_add_hashed(struct mdg_strset *s, uint64_t h, const char *key, size_t len, long value,
		      long *old_value)
{
	struct mdg_strset_entry *e;
	size_t i;

	if (len > UINT32_MAX)
		return false;
	if ((s->n + 1) * 4 > s->cap * 3)
		strset_grow(s);
	i = strset_slot(s, h, key, len);
	if (s->slots[i].e != NULL) {
		if (old_value)
			*old_value = s->slots[i].e->value;
		return false;
	}
	e = mdg_arena_alloc(&s->arena, sizeof(*e) + len + 1);
	e->value = value;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	s->slots[i].hash = (uint32_t)(h >> 32);
	s->slots[i].len = (uint32_t)len;
	s->slots[i].e = e;
	s->n++;
	return true;
}

bool
mdg_strset_get(const struct mdg_strset *s, const char *key, size_t len, long *value)
{
	size_t i;

	if (s->n == 0)
		return false;
	if (len > UINT32_MAX)
		return false;
	i = strset_slot(s, mdg_hash(key, len), key, len);
	if (s->slots[i].e == NULL)
		return false;
	if (value)
		*value = s->slots[i].e->value;
	return true;
}
