/* SPDX-License-Identifier: MIT */
/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected, as in RFC 3720
 * appendix B.4) for checksumming cached and on-disk records. Pure function
 * over constant tables; thread-safe.
 */
#ifndef COFFER_LIB_CRC32C_H
#define COFFER_LIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a checksum: pass 0 for the first chunk, then the previous
   result. crc32c(0, "123456789", 9) == 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
