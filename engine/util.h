/*
 * util.h - memory, strings and growable buffers shared by every module.
 *
 * Allocation never returns NULL: xmalloc and friends report the size they
 * could not get and exit with MDG_EXIT_DEFINITION (2).  Size arithmetic that
 * could overflow goes through mdg_size_add/mdg_size_mul.
 *
 * Ownership: every x* function returns memory the caller frees with free().
 */
#ifndef MDG_UTIL_H
#define MDG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of the command, defined once. */
#define MDG_EXIT_OK 0         /* nothing at error severity */
#define MDG_EXIT_GATE 1       /* the gate fails: an error finding */
#define MDG_EXIT_DEFINITION 2 /* usage, definition or unreadable input */

/* Return codes of library functions: 0 or a negative MDG_E* code. */
#define MDG_OK 0
#define MDG_ERR (-1)      /* generic failure, detail in the diagnostics */
#define MDG_EIO (-2)      /* a file could not be read or written */
#define MDG_ELIMIT (-3)   /* a configured limit was exceeded */
#define MDG_ENOTFOUND (-4)

#if defined(__GNUC__)
#define MDG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MDG_WUR __attribute__((warn_unused_result))
#else
#define MDG_PRINTF(f, a)
#define MDG_WUR
#endif

/* util.c */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size) MDG_WUR;
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) MDG_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) MDG_PRINTF(1, 0);
/* qsort that accepts an empty or NULL array (C's qsort must not get NULL). */
void mdg_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
bool mdg_size_add(size_t a, size_t b, size_t *out);
bool mdg_size_mul(size_t a, size_t b, size_t *out);
int mdg_strcasecmp_ascii(const char *a, const char *b);
/* Join a directory and a relative path; an absolute path is returned as is. */
char *mdg_path_join(const char *dir, const char *path);
/* The directory part of a path ("." when there is none). */
char *mdg_path_dir(const char *path);
/* The last component of a path (a pointer into the argument). */
const char *mdg_path_base(const char *path);

/*
 * A growable byte buffer with an upper bound.  The data is kept
 * NUL-terminated.  mdg_buf_append fails with MDG_ELIMIT past max (0 means
 * no bound); the pointer data may move on every append.
 */
struct mdg_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void mdg_buf_init(struct mdg_buf *b, size_t max);
void mdg_buf_free(struct mdg_buf *b);
void mdg_buf_reset(struct mdg_buf *b);
int mdg_buf_append(struct mdg_buf *b, const void *data, size_t len);
int mdg_buf_putc(struct mdg_buf *b, char c);
int mdg_buf_printf(struct mdg_buf *b, const char *fmt, ...) MDG_PRINTF(2, 3);

/*
 * An arena: many small allocations freed at once.  With
 * --enable-debug-arena every allocation is a real malloc so that the
 * sanitizers and valgrind see each one.
 */
struct mdg_arena_block;
struct mdg_arena {
	struct mdg_arena_block *head;
	size_t block_size;
};

void mdg_arena_init(struct mdg_arena *a);
void *mdg_arena_alloc(struct mdg_arena *a, size_t size);
char *mdg_arena_strdup(struct mdg_arena *a, const char *s);
char *mdg_arena_strndup(struct mdg_arena *a, const char *s, size_t n);
void mdg_arena_free(struct mdg_arena *a);
/* Forget every allocation but keep one standard block for reuse, so that
 * an arena reset per record costs no malloc in the steady state. */
void mdg_arena_reset(struct mdg_arena *a);
/* Bytes handed out since the last reset (for tests and statistics). */
size_t mdg_arena_used(const struct mdg_arena *a);

/*
 * A hash set of strings (open addressing, linear probing).  A slot is 16
 * bytes: 32 bits of the hash, the key's length and a pointer to the entry
 * (value and key bytes, in the set's arena), so a probe costs one cache
 * line and keys are compared only when hash and length agree.  Each key
 * carries a user integer (for example the line where it was first seen).
 * The index comes from 32 bits of the hash: up to 2^32 slots.
 */
struct mdg_strset_entry {
	long value;
	char key[];
};

struct mdg_strset_slot {
	uint32_t hash;   /* the upper half of the 64-bit hash; the index comes from it */
	uint32_t len;
	struct mdg_strset_entry *e;  /* NULL: empty slot */
};

struct mdg_strset {
	struct mdg_arena arena;
	struct mdg_strset_slot *slots;
	size_t n;
	size_t cap;
};

void mdg_strset_init(struct mdg_strset *s);
void mdg_strset_free(struct mdg_strset *s);
/* Insert; returns true when inserted, false when already present (then
 * *old_value, when non-NULL, receives the stored value).  Keys longer than
 * 4 GiB are not supported (they are refused: false, value untouched). */
bool mdg_strset_add(struct mdg_strset *s, const char *key, size_t len, long value,
		    long *old_value);
bool mdg_strset_get(const struct mdg_strset *s, const char *key, size_t len, long *value);
/* The hash the set uses (exposed for tests and for callers that cache it). */
uint64_t mdg_hash(const char *s, size_t len);
/*
 * Insert with a hash computed by the caller, who may have called
 * mdg_strset_prefetch with it earlier so that the slot's cache line is on
 * its way while other work is done (a 1M-key set misses the cache on
 * nearly every probe).
 */
bool mdg_strset_add_hashed(struct mdg_strset *s, uint64_t hash, const char *key, size_t len,
			   long value, long *old_value);
void mdg_strset_prefetch(const struct mdg_strset *s, uint64_t hash);

#endif
