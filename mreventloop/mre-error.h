/* mre-error.h
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

#include "mre-version-macros.h"

G_BEGIN_DECLS

/**
 * MRE_ERROR:
 *
 * The error domain of mreventloop. Errors in this domain are from the
 * [enum@Mre.Error] enumeration.
 *
 * Since: 0.1
 */
#define MRE_ERROR (mre_error_quark ())

/**
 * MreError:
 * @MRE_ERROR_FAILED: a generic failure, for example a slot that returned
 *   %FALSE without setting an error.
 * @MRE_ERROR_NO_SUCH_SIGNAL: the emitter has no signal of that name.
 * @MRE_ERROR_NO_SUCH_SLOT: the target's type declares no slot of that name.
 * @MRE_ERROR_TYPE_MISMATCH: argument types do not fit: a slot whose
 *   parameters differ from the signal's, or an argument of the wrong type.
 * @MRE_ERROR_BUSY: the loop is already running elsewhere (for example
 *   [method@Mre.EventLoop.run] on a loop that runs on its own thread).
 * @MRE_ERROR_DISCONNECTED: the other end of a connection is gone.
 * @MRE_ERROR_INVALID_FRAME: bytes on a connection cannot be read as a frame
 *   (wrong protocol version, impossible length); the connection is closed.
 * @MRE_ERROR_FRAME_TOO_LARGE: a frame exceeds the maximum frame size.
 * @MRE_ERROR_PROTOCOL: a well-formed frame breaks the protocol (unknown
 *   type or flags, invalid UTF-8, invalid JSON); it is refused and the
 *   connection stays.
 *
 * Error codes of the %MRE_ERROR domain. The enumeration may be extended;
 * treat an unknown code like %MRE_ERROR_FAILED.
 *
 * Since: 0.1
 */
typedef enum
{
  MRE_ERROR_FAILED,
  MRE_ERROR_NO_SUCH_SIGNAL,
  MRE_ERROR_NO_SUCH_SLOT,
  MRE_ERROR_TYPE_MISMATCH,
  MRE_ERROR_BUSY,
  MRE_ERROR_DISCONNECTED,
  MRE_ERROR_INVALID_FRAME,
  MRE_ERROR_FRAME_TOO_LARGE,
  MRE_ERROR_PROTOCOL,
} MreError;

MRE_AVAILABLE_IN_ALL
GQuark mre_error_quark (void);

G_END_DECLS
