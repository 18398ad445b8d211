/*
 * LD_PRELOAD shim for BlueZ's btvirt on kernels without AF_ALG crypto sockets.
 *
 * btvirt's controllers (src/shared/crypto.c) open an "ecb(aes)" and a "cmac(aes)" socket at
 * start, then per call: setsockopt(ALG_SET_KEY), accept(), sendmsg()/send() the data and read()
 * the result. This shim answers those calls in user space: AF_ALG sockets become /dev/null
 * descriptors tracked in a table, and AES-128 (FIPS-197) and AES-CMAC (RFC 4493) run here.
 * Everything else passes through to libc.
 *
 * Built by the test setup: gcc -shared -fPIC -O2 -o af-alg-shim.so af-alg-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define AF_ALG_ID 38
#define SOL_ALG_ID 279
#define ALG_SET_KEY_ID 1
#define MAX_FD 4096
#define MAX_MSG 512

enum kind { NONE = 0, ECB_PARENT, CMAC_PARENT, ECB_CHILD, CMAC_CHILD };

struct alg {
	enum kind kind;
	uint8_t key[16];
	uint8_t out[MAX_MSG];
	size_t outlen;
};

static struct alg table[MAX_FD];

/* ---- AES-128 encryption (FIPS-197) ---- */

static uint8_t sbox[256];

#define ROTL8(x, s) ((uint8_t)(((x) << (s)) | ((x) >> (8 - (s)))))

static void init_sbox(void)
{
	uint8_t p = 1, q = 1;

	if (sbox[0] == 0x63)
		return;
	/* p walks the multiplicative group by 3, q by its inverse; sbox = affine(q). */
	do {
		p = p ^ (uint8_t)(p << 1) ^ (p & 0x80 ? 0x1b : 0);
		q ^= q << 1;
		q ^= q << 2;
		q ^= q << 4;
		if (q & 0x80)
			q ^= 0x09;
		sbox[p] = q ^ ROTL8(q, 1) ^ ROTL8(q, 2) ^ ROTL8(q, 3) ^ ROTL8(q, 4) ^ 0x63;
	} while (p != 1);
	sbox[0] = 0x63;
}

static uint8_t xtime(uint8_t x)
{
	return (uint8_t)(x << 1) ^ (x & 0x80 ? 0x1b : 0);
}

static void aes128_encrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	uint8_t w[176], s[16], t[16], rcon = 1;
	int i, r, c;

	init_sbox();
	memcpy(w, key, 16);
	for (i = 16; i < 176; i += 4) {
		uint8_t k[4] = { w[i - 4], w[i - 3], w[i - 2], w[i - 1] };
		if (i % 16 == 0) {
			uint8_t k0 = k[0];
			k[0] = sbox[k[1]] ^ rcon;
			k[1] = sbox[k[2]];
			k[2] = sbox[k[3]];
			k[3] = sbox[k0];
			rcon = xtime(rcon);
		}
		for (c = 0; c < 4; c++)
			w[i + c] = w[i - 16 + c] ^ k[c];
	}
	for (i = 0; i < 16; i++)
		s[i] = in[i] ^ w[i];
	for (r = 1; r <= 10; r++) {
		/* SubBytes + ShiftRows: state is column-major, row i of column c at 4c+i. */
		for (c = 0; c < 4; c++)
			for (i = 0; i < 4; i++)
				t[4 * c + i] = sbox[s[4 * ((c + i) % 4) + i]];
		if (r < 10) {
			for (c = 0; c < 4; c++) {
				uint8_t *a = &t[4 * c];
				uint8_t all = a[0] ^ a[1] ^ a[2] ^ a[3], a0 = a[0];
				a[0] ^= all ^ xtime(a[0] ^ a[1]);
				a[1] ^= all ^ xtime(a[1] ^ a[2]);
				a[2] ^= all ^ xtime(a[2] ^ a[3]);
				a[3] ^= all ^ xtime(a[3] ^ a0);
			}
		}
		for (i = 0; i < 16; i++)
			s[i] = t[i] ^ w[16 * r + i];
	}
	memcpy(out, s, 16);
}

/* ---- AES-CMAC (RFC 4493) ---- */

static void shift_left(const uint8_t in[16], uint8_t out[16])
{
	int i;

	for (i = 0; i < 15; i++)
		out[i] = (uint8_t)(in[i] << 1) | (in[i + 1] >> 7);
	out[15] = (uint8_t)(in[15] << 1);
}

static void aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16])
{
	uint8_t zero[16] = { 0 }, l[16], k1[16], k2[16], x[16] = { 0 }, last[16];
	size_t n = len == 0 ? 1 : (len + 15) / 16, i, j;
	int complete = len != 0 && len % 16 == 0;

	aes128_encrypt(key, zero, l);
	shift_left(l, k1);
	if (l[0] & 0x80)
		k1[15] ^= 0x87;
	shift_left(k1, k2);
	if (k1[0] & 0x80)
		k2[15] ^= 0x87;
	for (j = 0; j < 16; j++) {
		size_t at = 16 * (n - 1) + j;
		if (complete)
			last[j] = msg[at] ^ k1[j];
		else
			last[j] = (at < len ? msg[at] : (at == len ? 0x80 : 0)) ^ k2[j];
	}
	for (i = 0; i + 1 < n; i++) {
		for (j = 0; j < 16; j++)
			x[j] ^= msg[16 * i + j];
		aes128_encrypt(key, x, x);
	}
	for (j = 0; j < 16; j++)
		x[j] ^= last[j];
	aes128_encrypt(key, x, mac);
}

/* ---- the socket calls ---- */

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static struct alg *lookup(int fd)
{
	if (fd < 0 || fd >= MAX_FD || table[fd].kind == NONE)
		return NULL;
	return &table[fd];
}

int socket(int domain, int type, int protocol)
{
	if (domain == AF_ALG_ID) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0 && fd < MAX_FD)
			table[fd].kind = ECB_PARENT; /* set precisely by bind() */
		return fd;
	}
	return REAL(socket)(domain, type, protocol);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct alg *a = lookup(fd);

	if (!a)
		return REAL(bind)(fd, addr, len);
	/* struct sockaddr_alg: family (2), type[14], feat (4), mask (4), name[64]. */
	a->kind = strcmp((const char *)addr + 24, "cmac(aes)") == 0 ? CMAC_PARENT : ECB_PARENT;
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct alg *a = lookup(fd);

	if (!a)
		return REAL(setsockopt)(fd, level, name, val, len);
	if (level == SOL_ALG_ID && name == ALG_SET_KEY_ID && len == 16)
		memcpy(a->key, val, 16);
	return 0;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct alg *a = lookup(fd);
	int child;

	if (!a)
		return REAL(accept)(fd, addr, len);
	child = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (child >= 0 && child < MAX_FD) {
		table[child] = *a;
		table[child].kind = a->kind == CMAC_PARENT ? CMAC_CHILD : ECB_CHILD;
		table[child].outlen = 0;
	}
	return child;
}

static ssize_t consume(struct alg *a, const uint8_t *data, size_t len)
{
	size_t i;

	if (len > MAX_MSG)
		len = MAX_MSG;
	if (a->kind == CMAC_CHILD) {
		aes_cmac(a->key, data, len, a->out);
		a->outlen = 16;
		return (ssize_t)len;
	}
	for (i = 0; i + 16 <= len; i += 16)
		aes128_encrypt(a->key, data + i, a->out + i);
	a->outlen = i;
	return (ssize_t)len;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct alg *a = lookup(fd);
	uint8_t buf[MAX_MSG];
	size_t n = 0, i;

	if (!a)
		return REAL(sendmsg)(fd, msg, flags);
	for (i = 0; i < msg->msg_iovlen; i++) {
		size_t l = msg->msg_iov[i].iov_len;
		if (n + l > MAX_MSG)
			l = MAX_MSG - n;
		memcpy(buf + n, msg->msg_iov[i].iov_base, l);
		n += l;
	}
	return consume(a, buf, n);
}

ssize_t send(int fd, const void *data, size_t len, int flags)
{
	struct alg *a = lookup(fd);

	if (!a)
		return REAL(send)(fd, data, len, flags);
	return consume(a, data, len);
}

ssize_t read(int fd, void *buf, size_t len)
{
	struct alg *a = lookup(fd);

	if (!a || (a->kind != ECB_CHILD && a->kind != CMAC_CHILD))
		return REAL(read)(fd, buf, len);
	if (len > a->outlen)
		len = a->outlen;
	memcpy(buf, a->out, len);
	return (ssize_t)len;
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FD)
		table[fd].kind = NONE;
	return REAL(close)(fd);
}
