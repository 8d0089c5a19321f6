/* SPDX-License-Identifier: MIT */
/* Unit tests for CRC-32C: published check values and chunked updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/crc32c.h"

#include <string.h>

static void
test_crc32c_vectors(void **state)
{
	uint8_t zeros[32], ones[32], inc[32];

	(void)state;
	/* RFC 3720 appendix B.4 and the common "123456789" check value. */
	memset(zeros, 0, sizeof(zeros));
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(0, zeros, 32), 0x8a9136aa);
	assert_int_equal(crc32c(0, ones, 32), 0x62a8ab43);
	assert_int_equal(crc32c(0, inc, 32), 0x46dd794e);
	assert_int_equal(crc32c(0, "", 0), 0);
}

static void
test_crc32c_chunked(void **state)
{
	const char *s = "The quick brown fox jumps over the lazy dog";
	size_t n = strlen(s);

	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		uint32_t c = crc32c(0, s, cut);

		assert_int_equal(crc32c(c, s + cut, n - cut), crc32c(0, s, n));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_crc32c_chunked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
