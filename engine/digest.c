/*
 * digest.c - SHA-256 of a stream computed beside the work that reads it:
 * the reader hands each block over (a copy into a small ring of slots) and
 * a worker thread hashes it on the other core, so the digest of a file
 * costs the check almost nothing.  Without a thread it hashes in place.
 */
#include "config.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "util.h"

#define SLOTS 8

struct slot {
	unsigned char *p;
	size_t n, cap;
};

struct mdg_digest {
	EVP_MD_CTX *md;
	bool ok;			/* no hashing error so far */
	bool threaded;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
	struct slot slot[SLOTS];
	size_t head, tail;		/* slots filled: tail .. head-1 */
	bool done;
};

static void *
worker(void *arg)
{
	struct mdg_digest *d = arg;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct slot *s;

		while (d->head == d->tail && !d->done)
			pthread_cond_wait(&d->filled, &d->mu);
		if (d->head == d->tail)
			break;
		s = &d->slot[d->tail % SLOTS];
		pthread_mutex_unlock(&d->mu);
		if (EVP_DigestUpdate(d->md, s->p, s->n) != 1)
			d->ok = false;
		pthread_mutex_lock(&d->mu);
		d->tail++;
		pthread_cond_signal(&d->freed);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct mdg_digest *
mdg_digest_start(void)
{
	struct mdg_digest *d = xcalloc(1, sizeof(*d));

	d->md = EVP_MD_CTX_new();
	if (d->md == NULL || EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(d->md);
		free(d);
		return NULL;
	}
	d->ok = true;
	if (pthread_mutex_init(&d->mu, NULL) == 0) {
		if (pthread_cond_init(&d->filled, NULL) == 0) {
			if (pthread_cond_init(&d->freed, NULL) == 0) {
				if (pthread_create(&d->tid, NULL, worker, d) == 0) {
					d->threaded = true;
					return d;
				}
				pthread_cond_destroy(&d->freed);
			}
			pthread_cond_destroy(&d->filled);
		}
		pthread_mutex_destroy(&d->mu);
	}
	return d;	/* hashes in place */
}

void
mdg_digest_feed(struct mdg_digest *d, const void *p, size_t n)
{
	struct slot *s;

	if (d == NULL || n == 0)
		return;
	if (!d->threaded) {
		if (EVP_DigestUpdate(d->md, p, n) != 1)
			d->ok = false;
		return;
	}
	pthread_mutex_lock(&d->mu);
	while (d->head - d->tail == SLOTS)
		pthread_cond_wait(&d->freed, &d->mu);
	s = &d->slot[d->head % SLOTS];
	pthread_mutex_unlock(&d->mu);
	/* The slot is the reader's until head moves past it. */
	if (s->cap < n) {
		free(s->p);
		s->cap = n;
		s->p = xmalloc(n);
	}
	memcpy(s->p, p, n);
	s->n = n;
	pthread_mutex_lock(&d->mu);
	d->head++;
	pthread_cond_signal(&d->filled);
	pthread_mutex_unlock(&d->mu);
}

void
mdg_digest_feed_cb(void *arg, const void *p, size_t n)
{
	mdg_digest_feed(arg, p, n);
}

int
mdg_digest_finish(struct mdg_digest *d, char hex[65])
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned hl = 0, i;
	int rc = MDG_ERR;

	if (hex != NULL)
		hex[0] = '\0';
	if (d == NULL)
		return MDG_ERR;
	if (d->threaded) {
		pthread_mutex_lock(&d->mu);
		d->done = true;
		pthread_cond_signal(&d->filled);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->tid, NULL);
		pthread_cond_destroy(&d->filled);
		pthread_cond_destroy(&d->freed);
		pthread_mutex_destroy(&d->mu);
	}
	if (hex != NULL && d->ok && EVP_DigestFinal_ex(d->md, h, &hl) == 1 && hl == 32) {
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", h[i]);
		rc = MDG_OK;
	}
	for (i = 0; i < SLOTS; i++)
		free(d->slot[i].p);
	EVP_MD_CTX_free(d->md);
	free(d);
	return rc;
}
