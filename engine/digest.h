/*
 * digest.h - the SHA-256 of a stream, hashed by a worker thread while the
 * caller goes on (a copy of each block is handed over; at most a few
 * blocks wait, so memory stays bounded).
 *
 *   d = mdg_digest_start();            NULL only when libcrypto fails
 *   mdg_digest_feed(d, block, n) ...   in stream order, from one thread
 *   mdg_digest_finish(d, hex);         waits, frees d; MDG_OK with hex set
 *
 * mdg_digest_feed_cb has the signature of csv_opts.on_raw.
 */
#ifndef MDG_DIGEST_H
#define MDG_DIGEST_H

#include <stddef.h>

struct mdg_digest;

struct mdg_digest *mdg_digest_start(void);
void mdg_digest_feed(struct mdg_digest *d, const void *p, size_t n);
void mdg_digest_feed_cb(void *arg, const void *p, size_t n);
/* hex receives 64 lowercase hex digits and a NUL ("" on failure); d is freed. */
int mdg_digest_finish(struct mdg_digest *d, char hex[65]);

#endif
