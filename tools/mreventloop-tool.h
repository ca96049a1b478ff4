/* mreventloop-tool.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the subcommands of the `mreventloop` tool share. The tool uses the
 * public API only, like any program outside the library.
 */

#pragma once

#include <mreventloop.h>

G_BEGIN_DECLS

/* Exit statuses, as shells and timeout(1) use them. */
#define TOOL_EXIT_OK       0
#define TOOL_EXIT_FAILURE  1
#define TOOL_EXIT_USAGE    2
#define TOOL_EXIT_TIMEOUT  124

/* The options every subcommand that talks to a broker takes. */
typedef struct
{
  char *socket_path;   /* NULL: the default bus */
  char *id;            /* NULL: the broker chooses one */
} ToolPeerOptions;

void      tool_peer_options_add   (GOptionContext   *context,
                                   ToolPeerOptions  *options);
void      tool_peer_options_clear (ToolPeerOptions  *options);

gboolean  tool_parse              (GOptionContext   *context,
                                   int              *argc,
                                   char           ***argv,
                                   int              *status);

MrePeer  *tool_peer_new           (const ToolPeerOptions  *options);
MrePeer  *tool_peer_connect       (const ToolPeerOptions  *options,
                                   GError                **error);

void      tool_report_lost        (MrePeer          *peer);

int       tool_fail               (const GError     *error);
int       tool_fail_usage         (GOptionContext   *context,
                                   const char       *format,
                                   ...) G_GNUC_PRINTF (2, 3);

void      tool_quit_on_signals    (GMainLoop        *loop);

char     *tool_event_dup_params   (MreEvent         *event);

int       tool_cmd_broker         (int               argc,
                                   char            **argv);
int       tool_cmd_monitor        (int               argc,
                                   char            **argv);
int       tool_cmd_emit           (int               argc,
                                   char            **argv);
int       tool_cmd_wait           (int               argc,
                                   char            **argv);
int       tool_cmd_stats          (int               argc,
                                   char            **argv);

G_END_DECLS
