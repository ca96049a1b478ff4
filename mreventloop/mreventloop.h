/* mreventloop.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#define MRE_INSIDE
# include "mre-version.h"
# include "mre-version-macros.h"
# include "mre-enum-types.h"
# include "mre-error.h"
# include "mre-broker.h"
# include "mre-connect.h"
# include "mre-emission.h"
# include "mre-event.h"
# include "mre-event-loop.h"
# include "mre-peer.h"
# include "mre-signal.h"
# include "mre-slot.h"
# include "mre-wait.h"
#undef MRE_INSIDE
