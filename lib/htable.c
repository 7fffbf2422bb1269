/*
 * NAME
 *	htable 3 - hash table with string keys
 * DESCRIPTION
 *	See htable.h.  Each node carries its key inline (one allocation
 *	per entry) and the full 64-bit hash, so growth never rehashes a
 *	key and a chain walk compares strings only when the hashes agree.
 *
 *	SipHash-2-4 (Aumasson and Bernstein) is written here from its
 *	published description; htable_test checks it against the
 *	reference vectors.
 * SEE ALSO
 *	getrandom(2)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "htable.h"
#include "log.h"
#include "mem.h"

#define HTABLE_MIN	16

struct htable_node {
	struct htable_node *next;
	uint64_t hash;
	void	*value;
	char	key[];
};

struct htable {
	struct htable_node **buckets;
	size_t	size;		/* buckets, a power of two */
	size_t	count;		/* entries */
	unsigned char seed[16];
};

#define ROTL64(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

#define SIP_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
} while (0)

/* load_le64 - read 8 bytes as a little-endian number */
static uint64_t
load_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* htable_siphash - SipHash-2-4 of data under key */
uint64_t
htable_siphash(const unsigned char key[16], const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t k0 = load_le64(key);
	uint64_t k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	uint64_t m;
	size_t left = len;

	for (; left >= 8; p += 8, left -= 8) {
		m = load_le64(p);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < left; i++)
		m |= (uint64_t)p[i] << (8 * i);
	v3 ^= m;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* fill_seed - a secret per-table hash key */
static void
fill_seed(unsigned char seed[16])
{
	struct {
		struct timespec ts;
		pid_t	pid;
		const void *where;
	} fallback;
	static const unsigned char fixed[16] = "petrel-htable-fb";
	uint64_t h;

	if (getrandom(seed, 16, GRND_NONBLOCK) == 16)
		return;

	/*
	 * No entropy yet (early boot) or no getrandom: a seed that an
	 * outsider cannot easily predict is still far better than none.
	 */
	memset(&fallback, 0, sizeof(fallback));
	clock_gettime(CLOCK_MONOTONIC, &fallback.ts);
	fallback.pid = getpid();
	fallback.where = &fallback;
	h = htable_siphash(fixed, &fallback, sizeof(fallback));
	memcpy(seed, &h, 8);
	h = htable_siphash(seed, &fallback, sizeof(fallback));
	memcpy(seed + 8, &h, 8);
}

/* htable_create - new empty table sized for about expected entries */
struct htable *
htable_create(size_t expected)
{
	struct htable *t = xcalloc(1, sizeof(*t));
	size_t size = HTABLE_MIN;

	while (size < expected && size <= SIZE_MAX / 4)
		size *= 2;
	t->buckets = xcalloc(size, sizeof(t->buckets[0]));
	t->size = size;
	fill_seed(t->seed);
	return t;
}

/* htable_free - free the table, its keys, and optionally the values */
void
htable_free(struct htable *t, void (*free_value)(void *))
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->size; i++) {
		struct htable_node *n = t->buckets[i];

		while (n != NULL) {
			struct htable_node *next = n->next;

			if (free_value != NULL)
				free_value(n->value);
			free(n);
			n = next;
		}
	}
	free(t->buckets);
	free(t);
}

/* hash_key - keyed hash of a string */
static uint64_t
hash_key(const struct htable *t, const char *key, size_t len)
{
	return htable_siphash(t->seed, key, len);
}

/* find_slot - the link that points at key's node, or at the chain end */
static struct htable_node **
find_slot(const struct htable *t, const char *key, uint64_t hash)
{
	struct htable_node **np = &t->buckets[hash & (t->size - 1)];

	for (; *np != NULL; np = &(*np)->next)
		if ((*np)->hash == hash && strcmp((*np)->key, key) == 0)
			break;
	return np;
}

/* grow - double the bucket array and move every node */
static void
grow(struct htable *t)
{
	struct htable_node **old = t->buckets;
	size_t old_size = t->size;
	size_t size;

	if (size_mul(old_size, 2, &size) < 0
	    || size > SIZE_MAX / sizeof(old[0]))
		return;			/* long chains, still correct */
	t->buckets = xcalloc(size, sizeof(old[0]));
	t->size = size;
	for (size_t i = 0; i < old_size; i++) {
		struct htable_node *n = old[i];

		while (n != NULL) {
			struct htable_node *next = n->next;
			struct htable_node **head;

			head = &t->buckets[n->hash & (size - 1)];
			n->next = *head;
			*head = n;
			n = next;
		}
	}
	free(old);
}

/* htable_insert - add key; -1 (table unchanged) when it exists */
int
htable_insert(struct htable *t, const char *key, void *value)
{
	size_t len = strlen(key);
	size_t node_size;
	uint64_t hash = hash_key(t, key, len);
	struct htable_node **np = find_slot(t, key, hash);
	struct htable_node *n;

	if (*np != NULL)
		return -1;
	if (size_add(sizeof(*n), len, &node_size) < 0
	    || size_add(node_size, 1, &node_size) < 0)
		log_panic("htable_insert: key length %zu overflows", len);
	n = xmalloc(node_size);
	n->next = NULL;
	n->hash = hash;
	n->value = value;
	memcpy(n->key, key, len + 1);
	*np = n;
	t->count++;
	if (t->count > t->size)
		grow(t);
	return 0;
}

/* htable_find - look key up; true and *value_r set when present */
bool
htable_find(const struct htable *t, const char *key, void **value_r)
{
	struct htable_node **np;

	np = find_slot(t, key, hash_key(t, key, strlen(key)));
	if (*np == NULL)
		return false;
	if (value_r != NULL)
		*value_r = (*np)->value;
	return true;
}

/* htable_lookup - the value stored under key, or NULL */
void *
htable_lookup(const struct htable *t, const char *key)
{
	void *value;

	return htable_find(t, key, &value) ? value : NULL;
}

/* htable_delete - remove key; true and the old value when it was there */
bool
htable_delete(struct htable *t, const char *key, void **value_r)
{
	struct htable_node **np;
	struct htable_node *n;

	np = find_slot(t, key, hash_key(t, key, strlen(key)));
	if ((n = *np) == NULL)
		return false;
	*np = n->next;
	if (value_r != NULL)
		*value_r = n->value;
	free(n);
	t->count--;
	return true;
}

/* htable_count - number of entries */
size_t
htable_count(const struct htable *t)
{
	return t->count;
}

/* htable_iter_init - start walking the table */
void
htable_iter_init(struct htable_iter *it, struct htable *t)
{
	it->table = t;
	it->bucket = 0;
	it->next = NULL;
}

/* htable_iter_next - the next entry; false at the end */
bool
htable_iter_next(struct htable_iter *it, const char **key_r, void **value_r)
{
	struct htable *t = it->table;
	struct htable_node *n = it->next;

	while (n == NULL && it->bucket < t->size)
		n = t->buckets[it->bucket++];
	if (n == NULL)
		return false;
	it->next = n->next;		/* n itself may now be deleted */
	if (key_r != NULL)
		*key_r = n->key;
	if (value_r != NULL)
		*value_r = n->value;
	return true;
}
