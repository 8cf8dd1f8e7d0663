/*
 * mbcount.so: counts crypto_mb batch calls, for LD_PRELOAD into a process
 * that uses QAT_Engine's qat_sw (gatecert's asynch-nginx gateway, openssl
 * speed). Proof that the multi-buffer engine ran, and how full its batches
 * were: for each crypto_mb function QAT_Engine calls in a TLS handshake,
 * the number of calls and the number of lanes used (non-NULL entries of
 * the first 8-pointer array: QAT_Engine leaves unused lanes NULL).
 *
 * With GATECERT_MBCOUNT_DIR set when the program starts, the counters live
 * in a shared file <dir>/mbcount.<pid> (made at start; forked workers
 * that inherit it add to it): magic "MBCNT1\0\0", then per operation in the
 * order of ops[] two little-endian uint64: calls, lanes. Without the
 * variable calls are only forwarded.
 *
 * x86-64 Linux only (crypto_mb's multi-buffer code needs AVX-512 IFMA).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef uint32_t mbx_status;
typedef void *P;

enum {
	OP_RSA_PRIV_CRT,
	OP_RSA_PUB,
	OP_P256_SIGN,
	OP_P256_SIGN_SETUP,
	OP_P256_SIGN_COMPLETE,
	OP_P256_VERIFY,
	OP_P256_KEYGEN,
	OP_P256_ECDH,
	OP_X25519_KEYGEN,
	OP_X25519_DERIVE,
	OP_N
};

/* Names as crypto_mb exports them; the order is the file layout. */
static const char *const ops[OP_N] = {
	"mbx_rsa_private_crt_ssl_mb8",
	"mbx_rsa_public_ssl_mb8",
	"mbx_nistp256_ecdsa_sign_ssl_mb8",
	"mbx_nistp256_ecdsa_sign_setup_ssl_mb8",
	"mbx_nistp256_ecdsa_sign_complete_ssl_mb8",
	"mbx_nistp256_ecdsa_verify_ssl_mb8",
	"mbx_nistp256_ecpublic_key_ssl_mb8",
	"mbx_nistp256_ecdh_ssl_mb8",
	"mbx_x25519_public_key_mb8",
	"mbx_x25519_mb8",
};

struct counters {
	char magic[8];
	uint64_t v[OP_N][2];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct counters *cnt;
static void *real[OP_N];

/* The counter file is made when the program starts, before main: nginx
 * clears its workers' environment (all but TZ) and runs them as another
 * user, who could not create it; forked workers inherit the shared
 * mapping and add to it. */
__attribute__((constructor)) static void open_counters(void)
{
	const char *dir = getenv("GATECERT_MBCOUNT_DIR");
	char path[4096];
	if (!dir || !*dir)
		return;
	snprintf(path, sizeof path, "%s/mbcount.%d", dir, (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (ftruncate(fd, sizeof(struct counters)) == 0) {
		void *m = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			cnt = m;
			memcpy(cnt->magic, "MBCNT1\0\0", 8);
		}
	}
	close(fd);
}

static int find_crypto_mb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "libcrypto_mb.so")) {
		snprintf(data, 4096, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

static void init(void)
{
	char path[4096] = "";
	void *h = NULL;
	dl_iterate_phdr(find_crypto_mb, path);
	if (path[0])
		h = dlopen(path, RTLD_NOLOAD | RTLD_LAZY);
	for (int i = 0; i < OP_N; i++) {
		real[i] = h ? dlsym(h, ops[i]) : NULL;
		if (!real[i])
			real[i] = dlsym(RTLD_NEXT, ops[i]);
	}
}

static void *count(int op, P *lanes)
{
	pthread_once(&once, init);
	if (cnt) {
		uint64_t n = 0;
		for (int i = 0; i < 8; i++)
			n += lanes && lanes[i] != NULL;
		__atomic_add_fetch(&cnt->v[op][0], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&cnt->v[op][1], n, __ATOMIC_RELAXED);
	}
	if (!real[op]) {
		fprintf(stderr, "mbcount: %s not found in libcrypto_mb\n", ops[op]);
		abort();
	}
	return real[op];
}

/* Wrappers with crypto_mb's signatures (pointer and int arguments). */
typedef mbx_status (*f9)(P, P, P, P, P, P, P, int);
typedef mbx_status (*f5i)(P, P, P, P, int);
typedef mbx_status (*f6)(P, P, P, P, P, P);
typedef mbx_status (*f7)(P, P, P, P, P, P, P);
typedef mbx_status (*f5)(P, P, P, P, P);
typedef mbx_status (*f4)(P, P, P, P);
typedef mbx_status (*f3)(P, P, P);
typedef mbx_status (*f2)(P, P);

mbx_status mbx_rsa_private_crt_ssl_mb8(P a, P b, P c, P d, P e, P f, P g, int bits)
{
	return ((f9)count(OP_RSA_PRIV_CRT, a))(a, b, c, d, e, f, g, bits);
}

mbx_status mbx_rsa_public_ssl_mb8(P a, P b, P c, P d, int bits)
{
	return ((f5i)count(OP_RSA_PUB, a))(a, b, c, d, bits);
}

mbx_status mbx_nistp256_ecdsa_sign_ssl_mb8(P a, P b, P c, P d, P e, P f)
{
	return ((f6)count(OP_P256_SIGN, a))(a, b, c, d, e, f);
}

mbx_status mbx_nistp256_ecdsa_sign_setup_ssl_mb8(P a, P b, P c, P d)
{
	return ((f4)count(OP_P256_SIGN_SETUP, a))(a, b, c, d);
}

mbx_status mbx_nistp256_ecdsa_sign_complete_ssl_mb8(P a, P b, P c, P d, P e, P f, P g)
{
	return ((f7)count(OP_P256_SIGN_COMPLETE, a))(a, b, c, d, e, f, g);
}

mbx_status mbx_nistp256_ecdsa_verify_ssl_mb8(P a, P b, P c, P d, P e, P f)
{
	return ((f6)count(OP_P256_VERIFY, a))(a, b, c, d, e, f);
}

mbx_status mbx_nistp256_ecpublic_key_ssl_mb8(P a, P b, P c, P d, P e)
{
	return ((f5)count(OP_P256_KEYGEN, a))(a, b, c, d, e);
}

mbx_status mbx_nistp256_ecdh_ssl_mb8(P a, P b, P c, P d, P e, P f)
{
	return ((f6)count(OP_P256_ECDH, a))(a, b, c, d, e, f);
}

mbx_status mbx_x25519_public_key_mb8(P a, P b)
{
	return ((f2)count(OP_X25519_KEYGEN, a))(a, b);
}

mbx_status mbx_x25519_mb8(P a, P b, P c)
{
	return ((f3)count(OP_X25519_DERIVE, a))(a, b, c);
}
