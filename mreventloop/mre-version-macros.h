/* mre-version-macros.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (MRE_INSIDE) && !defined (MRE_COMPILATION)
# error "Only <mreventloop.h> can be included directly."
#endif

#include <glib.h>

#include "mre-version.h"

#ifndef _MRE_EXTERN
# define _MRE_EXTERN __attribute__((visibility ("default"))) extern
#endif

/**
 * MRE_ENCODE_VERSION:
 * @major: a major version
 * @minor: a minor version
 *
 * Encodes a major and minor version of mreventloop as one integer, so that
 * versions compare with the usual operators.
 *
 * Since: 0.1
 */
#define MRE_ENCODE_VERSION(major,minor) ((major) << 16 | (minor) << 8)

#define MRE_VERSION_0_1 (MRE_ENCODE_VERSION (0, 1))

#define MRE_VERSION_CUR_STABLE (MRE_ENCODE_VERSION (MRE_MAJOR_VERSION, MRE_MINOR_VERSION))

#ifndef MRE_VERSION_MIN_REQUIRED
# define MRE_VERSION_MIN_REQUIRED MRE_VERSION_CUR_STABLE
#endif

#ifndef MRE_VERSION_MAX_ALLOWED
# define MRE_VERSION_MAX_ALLOWED MRE_VERSION_CUR_STABLE
#endif

#define MRE_AVAILABLE_IN_ALL _MRE_EXTERN

/**
 * MRE_DEPRECATED_FOR:
 * @f: the function to use instead
 *
 * Marks a public function of mreventloop as deprecated in favour of @f;
 * calling it warns at compile time unless
 * `MRE_DISABLE_DEPRECATION_WARNINGS` is defined.
 *
 * Since: 0.1
 */
#ifdef MRE_DISABLE_DEPRECATION_WARNINGS
# define MRE_DEPRECATED _MRE_EXTERN
# define MRE_DEPRECATED_FOR(f) _MRE_EXTERN
#else
# define MRE_DEPRECATED G_DEPRECATED _MRE_EXTERN
# define MRE_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _MRE_EXTERN
#endif

#define MRE_AVAILABLE_IN_0_1 _MRE_EXTERN
