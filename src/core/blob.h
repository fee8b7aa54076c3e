/*
 * blob.h: content-addressed files under the data directory (blobs/ab/cd/<sha256>):
 * attachments now, reports and quarantined files later. A blob is written once,
 * atomically and fsynced, and never changes; the same bytes stored twice are one file.
 */
#ifndef WARD_BLOB_H
#define WARD_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"

/* Stores data; ret_hex gets its SHA-256 (the blob's name). 0 or -errno. */
int blob_put(const void *data, size_t len, char ret_hex[CRYPTO_SHA256_HEX]);

/* Opens the blob named hex for reading: *ret_fd (O_CLOEXEC) and its size. -ENOENT when
 * missing, -EINVAL when hex is not a SHA-256. */
int blob_open(const char *hex, int *ret_fd, uint64_t *ret_size);

#endif
