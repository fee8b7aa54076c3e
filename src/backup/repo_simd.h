/*
 * repo_simd.h: included first by the files of x86 intrinsics (repo_hmac.c, repo_gcm.c).
 * Built without optimization (the sanitizer builds), intrinsics keep every register in
 * memory: AES-GCM ran at 0.2 GB/s under ASan, against 1.9 optimized, and the backup
 * tests there slowed down to their time limits. Those files are optimized anyway.
 */
#ifndef WARD_BACKUP_REPO_SIMD_H
#define WARD_BACKUP_REPO_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__)
#pragma GCC optimize("O2")
#endif

#endif
